/**
 * @module routing/upstreams
 * The remote inference servers behind this server, and the path every request for a remote model takes,
 * whatever API dialect it came in on: pick an upstream (routing/router.ts over routing/prefix-index.ts),
 * send the rendered prompt in its dialect (or, for a chat-only model, the chat itself to its `kind=openai`
 * upstreams), pass its events on. A failure before the first token is
 * retried on another upstream, never after; the upstream's own 429/503 is passed on when none is left.
 * Each upstream has a circuit breaker fed by passive failures and active health checks, an optional cap
 * on requests in flight, and its model list refreshed periodically into the model registry.
 *
 * Emits `routed` (upstream, model, by), `failed` (upstream, model, kind), `answered` (upstream, model,
 * seconds to the upstream's acceptance) and `finished` (upstream, model, seconds to the end of its stream)
 * for metrics and benchmarks.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { Generation, type GenerateInput } from '../engine/client.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { RequestId, StepEvent } from '../engine/types.ts';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.ts';
import { completionsDialect } from './completions-dialect.ts';
import { authorization, endpoint, type ChatDialect, type Connection, type Dialect } from './dialect.ts';
import { UpstreamError } from './errors.ts';
import { agentFor, send } from './http.ts';
import { hasOutput, type ChatInput, type ForwardedChat } from './model-client.ts';
import { nodeDialect } from './node-dialect.ts';
import { openaiDialect } from './openai-dialect.ts';
import { PrefixIndex } from './prefix-index.ts';
import { RoutedClient } from './routed-client.ts';
import { pickUpstream, type RouteOptions } from './router.ts';
import type { ModelRegistry } from './registry.ts';
import type { UpstreamSpec } from './upstream-spec.ts';

export interface UpstreamOptions {
  route: RouteOptions;
  breaker: BreakerOptions;
  healthIntervalMs: number;
  refreshIntervalMs: number;
  connectTimeoutMs: number;
  /** The prefix index's bound per upstream, in prompt characters. */
  maxCachedCharsPerUpstream: number;
}

export const DEFAULT_UPSTREAM_OPTIONS: UpstreamOptions = {
  route: { policy: 'cache', balanceAbs: 4, cacheThreshold: 0.3 },
  breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 },
  healthIntervalMs: 5000,
  refreshIntervalMs: 30_000,
  // A node answers once its engine has queued the request; an overloaded one took over 10 s here (2 busy cores).
  connectTimeoutMs: 30_000,
  maxCachedCharsPerUpstream: 32 * 2 ** 20,
};

/** One upstream as the router sees it. */
export class Upstream {
  readonly spec: UpstreamSpec;
  readonly connection: Connection;
  readonly dialect: Dialect | ChatDialect;
  readonly breaker: CircuitBreaker;
  inFlight = 0;
  /** The models its last successful listing named. */
  models = new Map<string, ModelInfo>();
  isHealthy = true;
  lastError: string | null = null;

  constructor(spec: UpstreamSpec, options: UpstreamOptions) {
    this.spec = spec;
    this.dialect = spec.kind === 'seekstack' ? nodeDialect : spec.kind === 'openai' ? openaiDialect : completionsDialect;
    this.connection = {
      spec, agent: agentFor(spec.url), connectTimeoutMs: options.connectTimeoutMs,
      template: spec.templatePath === undefined ? null : fs.readFileSync(spec.templatePath, 'utf8'),
    };
    this.breaker = new CircuitBreaker(options.breaker);
  }

  get isFull(): boolean {
    return this.spec.maxInFlight !== undefined && this.inFlight >= this.spec.maxInFlight;
  }
}

const NO_USAGE = { promptTokens: 0, promptCacheHitTokens: 0, completionTokens: 0 };

/** The prefix index's key: the prompt's text, or its token ids as two UTF-16 units each. */
function promptKey(prompt: GenerateInput['prompt']): string {
  return 'text' in prompt ? prompt.text : prompt.tokens.map((t) => String.fromCharCode(t & 0xffff, t >>> 16)).join('');
}

/**
 * A chat's key: its tools, then each message in one fixed shape (reasoning left out, as templates drop it),
 * so the next turn's key extends this turn's as the upstream's rendered prompt extends its last one.
 */
function chatKey(chat: ForwardedChat): string {
  const messages = chat.messages.map((m) => JSON.stringify([m.role, m.content ?? '', (m.tool_calls ?? []).map((c) => [c.id, c.function.name, c.function.arguments]), m.tool_call_id ?? '']));
  return [JSON.stringify(chat.tools ?? []), ...messages].join('\n');
}

function isPromptLevel(upstream: Upstream): upstream is Upstream & { dialect: Dialect } {
  return upstream.dialect.level === 'prompt';
}

type Level = (Dialect | ChatDialect)['level'];

export class UpstreamPool extends EventEmitter {
  readonly upstreams: Upstream[];
  readonly options: UpstreamOptions;
  readonly #indexes = new Map<string, PrefixIndex>();
  /** The remote models registered, so a model no upstream lists any more is removed. */
  readonly #registered = new Set<string>();
  #registry: ModelRegistry | null = null;
  #turn = 0;
  #timers: NodeJS.Timeout[] = [];
  #isClosed = false;

  constructor(specs: UpstreamSpec[], options: UpstreamOptions = DEFAULT_UPSTREAM_OPTIONS) {
    super();
    this.options = options;
    this.upstreams = specs.map((spec) => new Upstream(spec, options));
  }

  /** The models of every upstream that answers now, each model's info from the first upstream listing it. */
  async discover(): Promise<Map<string, ModelInfo>> {
    await Promise.all(this.upstreams.map((u) => this.#discover(u)));
    return this.#models();
  }

  /** Registers the discovered models in the registry and keeps them current; starts the health checks. */
  attach(registry: ModelRegistry): string[] {
    this.#registry = registry;
    const shadowed = this.#sync();
    this.#timers.push(
      setInterval(() => void this.#checkHealth(), this.options.healthIntervalMs).unref(),
      setInterval(() => void this.discover().then(() => this.#sync()), this.options.refreshIntervalMs).unref(),
    );
    return shadowed;
  }

  infoOf(model: string): ModelInfo {
    for (const upstream of this.upstreams) {
      const info = upstream.models.get(model);
      if (info) return info;
    }
    throw new UpstreamError('unreachable', 'engine_unavailable', `no upstream serves the model '${model}' now`);
  }

  /** Whether a request for the model could be sent somewhere now. */
  isAvailable(model: string): boolean {
    return this.upstreams.some((u) => u.models.has(model) && u.breaker.state !== 'open');
  }

  /** Whether only upstreams that render their own prompts (`kind=openai`) serve the model: it takes chats only. */
  isChatOnly(model: string): boolean {
    const serving = this.upstreams.filter((u) => u.models.has(model));
    return serving.length > 0 && !serving.some(isPromptLevel);
  }

  /** A request's events from whichever upstream serves it (see the module's comment). */
  generate(model: string, input: GenerateInput, signal?: AbortSignal): Generation {
    return this.#start<Dialect>(model, 'prompt', input.cacheKey, promptKey(input.prompt), signal, (dialect, connection, s) => dialect.generate(connection, model, input, s));
  }

  /** A chat's events from whichever chat-level upstream serves its (chat-only) model. */
  chat(model: string, input: ChatInput, signal?: AbortSignal): Generation {
    return this.#start<ChatDialect>(model, 'chat', input.cacheKey, chatKey(input.chat), signal, (dialect, connection, s) => dialect.chat(connection, model, input, s));
  }

  /** An RPC on one upstream serving the model that takes prompts, the next one on failure. */
  async call<T>(model: string, run: (dialect: Dialect, connection: Connection) => Promise<T>): Promise<T> {
    let failure: unknown = new UpstreamError('unreachable', 'engine_unavailable', `no upstream serving the model '${model}' is available`);
    for (const upstream of this.upstreams.filter(isPromptLevel).filter((u) => u.models.has(model) && u.breaker.canSend())) {
      try {
        const result = await run(upstream.dialect, upstream.connection);
        upstream.breaker.onSuccess();
        return result;
      } catch (error) {
        if (!(error instanceof UpstreamError) || error.kind !== 'unreachable') throw error;
        upstream.breaker.onFailure();
        failure = error;
      }
    }
    throw failure;
  }

  close(): void {
    this.#isClosed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const upstream of this.upstreams) upstream.connection.agent.destroy();
  }

  // ---------------------------------------------------------------- helpers

  #start<D extends Dialect | ChatDialect>(
    model: string,
    level: D['level'],
    namespace: string,
    key: string,
    signal: AbortSignal | undefined,
    open: (dialect: D, connection: Connection, signal: AbortSignal) => Promise<AsyncIterable<StepEvent>>,
  ): Generation {
    const generation = new Generation();
    // #pick offers only upstreams of the level asked for, whose dialect is therefore a D.
    void this.#run(model, level, namespace, key, signal, generation, (upstream, s) => open(upstream.dialect as D, upstream.connection, s));
    return generation;
  }

  async #run(
    model: string,
    level: Level,
    namespace: string,
    key: string,
    signal: AbortSignal | undefined,
    generation: Generation,
    open: (upstream: Upstream, signal: AbortSignal) => Promise<AsyncIterable<StepEvent>>,
  ): Promise<void> {
    const tried = new Set<Upstream>();
    let refusal: UpstreamError | undefined;
    let failure: UpstreamError | undefined;
    for (;;) {
      if (signal?.aborted) {
        generation.push({ id: '' as RequestId, step: 0, tokens: [], text: '', finishReason: 'cancelled', usage: NO_USAGE });
        return;
      }
      const choice = this.#pick(model, level, namespace, key, tried);
      if (choice instanceof UpstreamError) {
        generation.fail(refusal ?? failure ?? choice);
        return;
      }
      const { upstream, by } = choice;
      tried.add(upstream);
      this.#index(model).insert(namespace, key, upstream.spec.name);
      this.emit('routed', upstream.spec.name, model, by);
      upstream.inFlight++;
      upstream.breaker.onSend();
      const startedAt = performance.now();
      let isStreaming = false;
      try {
        const events = await open(upstream, signal ?? new AbortController().signal);
        this.emit('answered', upstream.spec.name, model, (performance.now() - startedAt) / 1000);
        generation.accept();
        for await (const event of events) {
          if (!isStreaming && hasOutput(event)) {
            isStreaming = true;
            this.emit('first-token', upstream.spec.name, model, (performance.now() - startedAt) / 1000);
          }
          generation.push(event);
        }
        upstream.breaker.onSuccess();
        this.emit('finished', upstream.spec.name, model, (performance.now() - startedAt) / 1000);
        return;
      } catch (error) {
        if (signal?.aborted) {
          generation.push({ id: '' as RequestId, step: 0, tokens: [], text: '', finishReason: 'cancelled', usage: NO_USAGE });
          return;
        }
        const upstreamError = error instanceof UpstreamError ? error : new UpstreamError('unreachable', 'engine_unavailable', `upstream ${upstream.spec.name}: ${String(error)}`);
        this.emit('failed', upstream.spec.name, model, upstreamError.kind);
        // A refusal or a rejection is an answer: the upstream is alive.
        if (upstreamError.kind === 'unreachable') {
          upstream.breaker.onFailure();
          upstream.lastError = upstreamError.message;
        } else upstream.breaker.onSuccess();
        if (upstreamError.kind === 'rejected' || isStreaming) {
          generation.fail(upstreamError);
          return;
        }
        if (upstreamError.kind === 'refused') refusal = upstreamError;
        else failure = upstreamError;
      } finally {
        upstream.inFlight--;
      }
    }
  }

  #pick(model: string, level: Level, namespace: string, key: string, tried: Set<Upstream>): { upstream: Upstream; by: string } | UpstreamError {
    const serving = this.upstreams.filter((u) => u.models.has(model) && u.dialect.level === level && !tried.has(u) && u.breaker.canSend());
    if (serving.length === 0) return new UpstreamError('unreachable', 'engine_unavailable', `no upstream serving the model '${model}' is available now; retry shortly`);
    const free = serving.filter((u) => !u.isFull);
    if (free.length === 0) {
      return new UpstreamError('refused', 'overloaded', `every upstream serving the model '${model}' has its most requests in flight; retry shortly`, { status: 429, retryAfterSeconds: 1 });
    }
    const index = this.#index(model);
    const matched = index.match(namespace, key);
    const candidates = free.map((u) => ({ name: u.spec.name, inFlight: u.inFlight, matchedChars: matched.get(u.spec.name) ?? 0, cachedChars: index.sizeOf(u.spec.name) }));
    const route = pickUpstream(candidates, key.length, this.options.route, this.#turn++);
    return { upstream: free.find((u) => u.spec.name === route.name) as Upstream, by: route.by };
  }

  #index(model: string): PrefixIndex {
    let index = this.#indexes.get(model);
    if (!index) this.#indexes.set(model, (index = new PrefixIndex(this.options.maxCachedCharsPerUpstream)));
    return index;
  }

  async #discover(upstream: Upstream): Promise<void> {
    try {
      const models = await upstream.dialect.discover(upstream.connection);
      upstream.models = new Map(models.map((m) => [m.id, m.info]));
      upstream.lastError = null;
    } catch (error) {
      upstream.lastError = (error as Error).message;
    }
  }

  #models(): Map<string, ModelInfo> {
    const models = new Map<string, ModelInfo>();
    for (const upstream of this.upstreams) for (const [id, info] of upstream.models) if (!models.has(id)) models.set(id, info);
    return models;
  }

  /** Registry ← upstreams' models; the ids a local model shadows. */
  #sync(): string[] {
    const registry = this.#registry;
    if (!registry || this.#isClosed) return [];
    const models = this.#models();
    const shadowed: string[] = [];
    for (const id of models.keys()) {
      if (this.#registered.has(id)) continue;
      const where = this.upstreams.filter((u) => u.models.has(id)).map((u) => u.spec.name).join(',');
      if (registry.setRemote(id, new RoutedClient(this, id), `upstream:${where}`)) this.#registered.add(id);
      else shadowed.push(id);
    }
    for (const id of this.#registered) {
      if (models.has(id)) continue;
      registry.remove(id);
      this.#registered.delete(id);
    }
    return shadowed;
  }

  async #checkHealth(): Promise<void> {
    await Promise.all(
      this.upstreams.map(async (upstream) => {
        const request = { method: 'GET' as const, headers: authorization(upstream.connection), timeoutMs: this.options.connectTimeoutMs };
        const isHealthy = await send(upstream.connection.agent, endpoint(upstream.connection, upstream.dialect.healthPath), request).then(
          (response) => {
            response.body.resume();
            return response.status === 200;
          },
          () => false,
        );
        if (isHealthy && !upstream.isHealthy) {
          // Back after a failure: a restarted server's cache is empty, and its models may have changed.
          for (const index of this.#indexes.values()) index.forget(upstream.spec.name);
          await this.#discover(upstream);
          this.#sync();
        }
        upstream.isHealthy = isHealthy;
        if (!isHealthy) upstream.lastError ??= 'health check failed';
        upstream.breaker.onProbe(isHealthy);
      }),
    );
  }

  /** For `ps` and /metrics. */
  snapshot(): Array<{ name: string; url: string; kind: string; breaker: BreakerState; isHealthy: boolean; inFlight: number; maxInFlight: number | null; models: string[]; cachedChars: number; lastError: string | null }> {
    return this.upstreams.map((u) => ({
      name: u.spec.name,
      url: u.spec.url.href,
      kind: u.spec.kind,
      breaker: u.breaker.state,
      isHealthy: u.isHealthy,
      inFlight: u.inFlight,
      maxInFlight: u.spec.maxInFlight ?? null,
      models: [...u.models.keys()],
      cachedChars: [...this.#indexes.values()].reduce((sum, index) => sum + index.sizeOf(u.spec.name), 0),
      lastError: u.lastError,
    }));
  }
}
