/**
 * The admin API (`/admin/...`): the CLI's tenant, key, usage, price and audit operations over HTTP,
 * for an admin key only. Every change is audited with the acting key's id.
 */
import type { FastifyInstance } from 'fastify';
import { MAX_SINCE_DAYS, sinceDay } from '../../platform/admin.ts';
import { parseDuration } from '../../platform/keys.ts';
import type { KeyRecord, ModelPrice } from '../../store/platform-store.ts';
import { ApiError } from '../errors.ts';
import { accountAdminRoutes } from './account-admin.ts';
import { CreateKey, CreateTenant, KeyId, KeysQuery, PriceModel, SetPrice, UsageQuery } from '../schemas/admin.ts';
import type { AppContext } from '../server.ts';

/** A key as the admin API shows it: never the hash, and the secret only once, at creation. */
export function keyBody(key: KeyRecord) {
  return {
    id: key.id,
    tenant: key.tenantName,
    name: key.name,
    prefix: key.prefix,
    admin: key.isAdmin,
    rpm: key.rpm,
    tpm: key.tpm,
    max_concurrency: key.maxConcurrency,
    max_concurrency_per_user: key.maxConcurrencyPerUser,
    budget_tokens: key.budgetTokens,
    spent_tokens: key.spentTokens,
    models: key.models,
    expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString(),
    revoked_at: key.revokedAt === null ? null : new Date(key.revokedAt).toISOString(),
    created_at: new Date(key.createdAt).toISOString(),
  };
}

function priceBody(price: ModelPrice) {
  return { model: price.model, currency: price.currency, cache_hit_per_m: price.cacheHitPerM, cache_miss_per_m: price.cacheMissPerM, output_per_m: price.outputPerM };
}

export function adminRoutes(app: FastifyInstance, { platform, assistant }: AppContext): void {
  const { admin } = platform;
  void app.register(async (scope) => {
    // Before the body is read or validated: a key that is not an admin's learns nothing about these routes.
    scope.addHook('onRequest', async (request) => {
      if (!request.caller.key?.isAdmin) {
        throw new ApiError('permission_denied', 'the admin API needs an admin key (seekstack keys create --tenant <t> --admin)');
      }
    });
    const actor = (request: { caller: { key: KeyRecord | null } }) => `key:${request.caller.key!.id}`;
    // The assistant app's accounts and settings, for scripts holding an admin key (the page uses /app/api/admin).
    if (assistant) void scope.register(async (app) => accountAdminRoutes(app, assistant, actor), { prefix: '/app' });

    scope.get('/tenants', async () => ({
      data: (await admin.listTenants()).map((t) => ({ id: t.id, name: t.name, created_at: new Date(t.createdAt).toISOString() })),
    }));
    scope.post<{ Body: CreateTenant }>('/tenants', { schema: { body: CreateTenant } }, async (request, reply) => {
      const tenant = await admin.createTenant(request.body.name, actor(request));
      void reply.code(201);
      return { id: tenant.id, name: tenant.name, created_at: new Date(tenant.createdAt).toISOString() };
    });

    scope.get<{ Querystring: KeysQuery }>('/keys', { schema: { querystring: KeysQuery } }, async (request) => ({ data: (await admin.listKeys(request.query.tenant)).map(keyBody) }));
    scope.post<{ Body: CreateKey }>('/keys', { schema: { body: CreateKey } }, async (request, reply) => {
      const body = request.body;
      const { secret, key } = await admin.createKey({
        tenant: body.tenant,
        name: body.name ?? null,
        rpm: body.rpm ?? null,
        tpm: body.tpm ?? null,
        maxConcurrency: body.max_concurrency ?? null,
        maxConcurrencyPerUser: body.max_concurrency_per_user ?? null,
        budgetTokens: body.budget_tokens ?? null,
        models: body.models ?? null,
        expiresInMs: body.expires_in === undefined ? null : parseDuration(body.expires_in),
        isAdmin: body.admin ?? false,
      }, actor(request));
      void reply.code(201);
      return { ...keyBody(key), key: secret };
    });
    scope.post<{ Params: KeyId }>('/keys/:id/revoke', { schema: { params: KeyId } }, async (request) => keyBody(await admin.revokeKey(request.params.id, actor(request))));

    scope.get<{ Querystring: UsageQuery }>('/usage', { schema: { querystring: UsageQuery } }, async (request) => {
      const { tenant, since, by = 'day' } = request.query;
      const day = since === undefined ? undefined : sinceDay(since);
      if (day === null) throw new ApiError('invalid_parameter', `since must be a date (YYYY-MM-DD) or a number of days up to ${MAX_SINCE_DAYS} (7d), got '${since}'`, 'since');
      const rows = await admin.usage({ tenant, sinceDay: day, by });
      return {
        by,
        data: rows.map((row) => ({
          [by]: row.group,
          requests: row.requests,
          prompt_tokens: row.promptTokens,
          prompt_cache_hit_tokens: row.cacheHitTokens,
          completion_tokens: row.completionTokens,
          reasoning_tokens: row.reasoningTokens,
          cost: row.cost,
        })),
      };
    });

    scope.get('/prices', async () => ({ data: (await admin.listPrices()).map(priceBody) }));
    scope.put<{ Params: PriceModel; Body: SetPrice }>('/prices/:model', { schema: { params: PriceModel, body: SetPrice } }, async (request) => {
      const body = request.body;
      const price = { model: request.params.model, currency: body.currency ?? 'USD', cacheHitPerM: body.cache_hit_per_m, cacheMissPerM: body.cache_miss_per_m, outputPerM: body.output_per_m };
      await admin.setPrice(price, actor(request));
      return priceBody(price);
    });

    scope.get('/audit/verify', async () => {
      const verdict = await admin.verifyAudit();
      return { valid: verdict.isValid, rows: verdict.rows, problems: verdict.problems };
    });
  }, { prefix: '/admin' });
}
