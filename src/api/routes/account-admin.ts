/**
 * @module api/routes/account-admin
 * The administrator's operations on the assistant app's accounts and settings, mounted twice: under
 * /app/api/admin for the administrator's session (the admin page) and under /admin/app for an admin key
 * (scripts). The mount decides who may call and names the actor; the routes are the same.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountView } from '../../platform/account-admin.ts';
import type { AppSettingsValue } from '../../platform/app-settings.ts';
import type { Assistant } from '../../platform/assistant.ts';
import type { RateAndBudget } from '../../store/platform-store.ts';
import { AccountName, AppSettingsChange, Limits } from '../schemas/account-admin.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function limitsBody(limits: RateAndBudget) {
  return { rpm: limits.rpm, tpm: limits.tpm, max_concurrency: limits.maxConcurrency, budget_tokens: limits.budgetTokens };
}

function fromLimitsBody(body: Limits): Partial<RateAndBudget> {
  const change: Partial<RateAndBudget> = {};
  if (body.rpm !== undefined) change.rpm = body.rpm;
  if (body.tpm !== undefined) change.tpm = body.tpm;
  if (body.max_concurrency !== undefined) change.maxConcurrency = body.max_concurrency;
  if (body.budget_tokens !== undefined) change.budgetTokens = body.budget_tokens;
  return change;
}

export function accountBody({ user, key, usage }: AccountView) {
  return {
    username: user.username,
    is_admin: user.isAdmin,
    is_disabled: user.disabledAt !== null,
    disabled_at: iso(user.disabledAt),
    created_at: iso(user.createdAt),
    tenant: key?.tenantName ?? null,
    limits: key ? limitsBody(key) : null,
    spent_tokens: key?.spentTokens ?? 0,
    usage: {
      requests: usage?.requests ?? 0,
      prompt_tokens: usage?.promptTokens ?? 0,
      prompt_cache_hit_tokens: usage?.cacheHitTokens ?? 0,
      completion_tokens: usage?.completionTokens ?? 0,
      reasoning_tokens: usage?.reasoningTokens ?? 0,
      cost: usage?.cost ?? 0,
    },
  };
}

export function appSettingsBody(settings: AppSettingsValue, isSignUpOpenNow: boolean) {
  return {
    is_sign_up_open: settings.isSignUpOpen,
    /** What the setting (or, when unset, the server's policy) means right now. */
    is_sign_up_open_now: isSignUpOpenNow,
    max_retention_days: settings.maxRetentionDays,
    default_limits: limitsBody(settings.defaultLimits),
  };
}

export function accountAdminRoutes(app: FastifyInstance, assistant: Assistant, actor: (request: FastifyRequest) => string): void {
  const { accountAdmin, accounts, settings } = assistant;
  const settingsNow = async () => appSettingsBody(await settings.get(), await accounts.isSignUpOpen());

  app.get('/accounts', async () => ({ data: (await accountAdmin.list()).map(accountBody) }));
  app.get<{ Params: AccountName }>('/accounts/:username', { schema: { params: AccountName } }, async (request) =>
    accountBody(await accountAdmin.get(request.params.username)));
  app.post<{ Params: AccountName }>('/accounts/:username/disable', { schema: { params: AccountName } }, async (request) =>
    accountBody(await accountAdmin.setDisabled(request.params.username, true, actor(request))));
  app.post<{ Params: AccountName }>('/accounts/:username/enable', { schema: { params: AccountName } }, async (request) =>
    accountBody(await accountAdmin.setDisabled(request.params.username, false, actor(request))));
  app.put<{ Params: AccountName; Body: Limits }>('/accounts/:username/limits', { schema: { params: AccountName, body: Limits } }, async (request) =>
    accountBody(await accountAdmin.setLimits(request.params.username, fromLimitsBody(request.body), actor(request))));
  app.delete<{ Params: AccountName }>('/accounts/:username', { schema: { params: AccountName } }, async (request) => {
    await accountAdmin.delete(request.params.username, actor(request));
    return { username: request.params.username, deleted: true };
  });

  app.get('/settings', settingsNow);
  app.put<{ Body: AppSettingsChange }>('/settings', { schema: { body: AppSettingsChange } }, async (request) => {
    const body = request.body;
    await accountAdmin.updateSettings({
      isSignUpOpen: body.is_sign_up_open,
      maxRetentionDays: body.max_retention_days,
      defaultLimits: body.default_limits === undefined ? undefined : fromLimitsBody(body.default_limits),
    }, actor(request));
    return settingsNow();
  });
}
