/**
 * @module platform/gate
 * Every inference request passes here twice. `authenticate` turns the Authorization header into a caller
 * (tenant + key), `admit` applies the key's model allow-list, rate limits and token budget and returns an
 * Admission, and the Admission's `settle` writes the ledger row and settles the budget when the request
 * ends, whichever way it ends. Budgets are reserved in the store (atomic there, so they hold across
 * processes) under this process's lease; rate windows and concurrency are counted by the Limiter: in this
 * process by default, in Redis (`--redis`) when several replicas must share them.
 */
import { PlatformError } from './errors.ts';
import { hashKey } from './keys.ts';
import type { Lease } from './lease.ts';
import { inProcessLimiter, type Limiter, type Ticket } from './rate-limiter.ts';
import type { KeyRecord, PlatformStore, UsageRecord } from '../store/platform-store.ts';

export interface Caller {
  tenantId: number;
  tenantName: string;
  /** Null when the server runs without keys (loopback only, or --insecure-no-auth). */
  key: KeyRecord | null;
}

export interface AdmissionRequest {
  requestId: string;
  /** The model name as the client sent it (an alias or a file name) and the id it resolved to. */
  requestedModel: string;
  modelId: string;
  /** DeepSeek's user_id: the caller's end user, when the request names one. */
  userId?: string;
  /** Null when the caller's key has no token limits, so the prompt was not counted before admission. */
  promptTokens: number | null;
  maxTokensPerChoice: number;
  choices: number;
}

export interface Outcome {
  promptTokens: number;
  cacheHitTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  status: number;
  finishReason: string | null;
}

export interface GateOptions {
  /** Require a key even before any exists (`--auth required`). */
  isAuthRequired: boolean;
  /** The server listens beyond this machine (a non-loopback address), so strangers can reach it. */
  isExposed?: boolean;
  /** The tenant that requests are attributed to while the server runs without keys. */
  openTenant: { id: number; name: string };
  /** This process's lease, under which its budget reservations are held. */
  lease: Lease;
  /** Where rate windows and concurrency are counted (default: this process). */
  limiter?: Limiter;
}

const BUDGET_RETRIES = 3;

/** A found key's caller, unless it was revoked or has expired (`what` names the key in the message). */
function callerOf(key: KeyRecord, what: string): Caller {
  if (key.revokedAt !== null) throw new PlatformError('authentication_failed', `Authentication Fails (${what} was revoked)`);
  if (key.expiresAt !== null && key.expiresAt <= Date.now()) throw new PlatformError('authentication_failed', `Authentication Fails (${what} has expired)`);
  return { tenantId: key.tenantId, tenantName: key.tenantName, key };
}

/** A key's allow-list may name a model by what the client sends (an alias) or by what it resolves to. */
export function isModelAllowed(key: KeyRecord | null, requestedModel: string, modelId: string): boolean {
  return !key?.models || key.models.includes(requestedModel) || key.models.includes(modelId);
}

export class Admission {
  readonly headers: Record<string, string>;
  /** The request's max_tokens per choice, lowered when the budget left could not cover more. */
  readonly maxTokensPerChoice: number;
  readonly #gate: Gate;
  readonly #caller: Caller;
  readonly #request: AdmissionRequest;
  readonly #ticket: Ticket | null;
  readonly #startedAt = performance.now();
  #isSettled = false;

  constructor(gate: Gate, caller: Caller, request: AdmissionRequest, ticket: Ticket | null, maxTokensPerChoice: number, headers: Record<string, string>) {
    this.#gate = gate;
    this.#caller = caller;
    this.#request = request;
    this.#ticket = ticket;
    this.maxTokensPerChoice = maxTokensPerChoice;
    this.headers = headers;
  }

  /** Record the request in the ledger and release what it reserved; later calls do nothing. */
  async settle(outcome: Outcome): Promise<void> {
    if (this.#isSettled) return;
    this.#isSettled = true;
    const usedTokens = outcome.promptTokens + outcome.completionTokens;
    // A release that fails (Redis gone) must not cost the ledger row: the slot's lease lapses on its own.
    const released = Promise.resolve(this.#ticket?.release(usedTokens)).catch(() => {});
    const key = this.#caller.key;
    const record: UsageRecord = {
      requestId: this.#request.requestId,
      createdAt: Date.now(),
      tenantId: this.#caller.tenantId,
      keyId: key?.id ?? null,
      requestedModel: this.#request.requestedModel,
      model: this.#request.modelId,
      userId: this.#request.userId ?? null,
      ...outcome,
      latencyMs: performance.now() - this.#startedAt,
    };
    const settlement = key ? { keyId: key.id, reservationId: this.#request.requestId, spentTokens: usedTokens } : null;
    await Promise.all([this.#gate.store.recordUsage(record, settlement), released]);
  }
}

export class Gate {
  readonly store: PlatformStore;
  readonly #secret: Buffer;
  readonly #options: GateOptions;
  readonly #limiter: Limiter;
  /** Keys are never deleted, only revoked, so once one exists the answer stays yes. */
  #hasKeys = false;

  constructor(store: PlatformStore, secret: Buffer, options: GateOptions) {
    this.store = store;
    this.#secret = secret;
    this.#options = options;
    this.#limiter = options.limiter ?? inProcessLimiter();
  }

  async close(): Promise<void> {
    await this.#limiter.close();
  }

  async isAuthRequired(): Promise<boolean> {
    this.#hasKeys ||= await this.store.hasKeys();
    return this.#options.isAuthRequired || this.#hasKeys;
  }

  /**
   * Whether the server is closed to strangers: keys are required, or it listens beyond this machine. A
   * closed server's assistant app lets nobody sign up unless its administrator opened sign-up, and its
   * first administrator is created by the operator, never by the first visitor.
   */
  async isClosed(): Promise<boolean> {
    return this.#options.isExposed === true || (await this.isAuthRequired());
  }

  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (!(await this.isAuthRequired())) {
      return { tenantId: this.#options.openTenant.id, tenantName: this.#options.openTenant.name, key: null };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new PlatformError('authentication_failed', 'Authentication Fails (no API key: send the header Authorization: Bearer <key>)');
    const key = await this.store.keyByHash(hashKey(this.#secret, match[1]));
    if (!key) throw new PlatformError('authentication_failed', 'Authentication Fails (the API key is not valid)');
    return callerOf(key, 'the API key');
  }

  /**
   * The caller for a key the server holds on a user's behalf (the assistant app's session), whose secret
   * nobody presents: the same revoked and expiry checks as for a presented key.
   */
  async callerForKey(keyId: string): Promise<Caller> {
    const key = await this.store.key(keyId);
    if (!key) throw new PlatformError('authentication_failed', 'Authentication Fails (the account\'s API key no longer exists)');
    return callerOf(key, 'the account\'s API key');
  }

  /** Whether `admit` needs the prompt's token count for this caller (a tokens-per-minute limit or a budget). */
  needsPromptTokens(caller: Caller): boolean {
    return caller.key !== null && (caller.key.tpm !== null || caller.key.budgetTokens !== null);
  }

  async admit(caller: Caller, request: AdmissionRequest): Promise<Admission> {
    const key = caller.key;
    if (!key) return new Admission(this, caller, request, null, request.maxTokensPerChoice, {});
    if (!isModelAllowed(key, request.requestedModel, request.modelId)) {
      throw new PlatformError('model_not_allowed', `this API key may not use the model '${request.requestedModel}'; it may use: ${key.models?.join(', ')}`);
    }
    const promptTokens = request.promptTokens ?? 0;
    const wantTokens = promptTokens + request.choices * request.maxTokensPerChoice;
    const admitting = this.#limiter.admit(key.id, key, wantTokens, request.userId ?? '').then((decision) => {
      if (!decision.isAdmitted) throw new PlatformError('rate_limited', decision.message, decision.headers);
      return decision;
    });
    if (key.budgetTokens === null) {
      const decision = await admitting;
      return new Admission(this, caller, request, decision.ticket, request.maxTokensPerChoice, decision.headers);
    }
    // The rate windows (the limiter) and the budget (the store) are independent round trips on the way to the
    // first token, so they run side by side rather than in series; whichever refuses, what the other took is
    // given back. A rate refusal wins, as when the window was checked first: the budget's hold on it lasted
    // one round trip, and every budget check that saw the hold was still exact (it only refuses sooner).
    const [rated, budgeted] = await Promise.allSettled([admitting, this.#reserveBudget(key, request.requestId, promptTokens, request.choices, wantTokens)]);
    if (rated.status === 'rejected') {
      if (budgeted.status === 'fulfilled') await this.store.releaseReservation(request.requestId).catch(() => {});
      throw rated.reason;
    }
    const decision = rated.value;
    if (budgeted.status === 'rejected') {
      await Promise.resolve(decision.ticket.release(0)).catch(() => {});
      throw budgeted.reason;
    }
    const reserved = budgeted.value;
    // The window counted the whole ask; a smaller reservation lowers it. Failing to only over-counts this
    // request (conservative); the reservation stands.
    if (reserved !== wantTokens) await Promise.resolve(decision.ticket.setTokens(reserved)).catch(() => {});
    const maxTokensPerChoice = Math.floor((reserved - promptTokens) / request.choices);
    return new Admission(this, caller, request, decision.ticket, maxTokensPerChoice, decision.headers);
  }

  /**
   * Reserve prompt + max output, or, when less is left, all that is left as long as every choice can
   * still produce one token: the answer is then cut short (finish_reason "length") instead of refused.
   */
  async #reserveBudget(key: KeyRecord, requestId: string, promptTokens: number, choices: number, wantTokens: number): Promise<number> {
    const lease = this.#options.lease;
    const reserve = (tokens: number) => {
      const now = Date.now();
      return this.store.reserveBudget({ id: requestId, keyId: key.id, tokens, holder: lease.holder, createdAt: now }, lease.renewalFor(now));
    };
    if (await reserve(wantTokens)) return wantTokens;
    for (let attempt = 0; attempt < BUDGET_RETRIES; attempt++) {
      const fresh = await this.store.key(key.id);
      const left = fresh ? (fresh.budgetTokens ?? 0) - fresh.spentTokens - fresh.reservedTokens : 0;
      const need = promptTokens + choices;
      if (left < need) {
        throw new PlatformError('insufficient_balance', `Insufficient Balance: this API key has ${Math.max(0, left)} tokens of its budget left and this request needs at least ${need}`);
      }
      const tokens = promptTokens + choices * Math.floor((Math.min(left, wantTokens) - promptTokens) / choices);
      if (await reserve(tokens)) return tokens;
    }
    throw new PlatformError('insufficient_balance', 'Insufficient Balance: this API key\'s budget is being used by other requests right now; retry shortly');
  }
}
