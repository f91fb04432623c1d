/**
 * @module routing/dialect
 * What the router needs from an upstream, whatever it runs: its models (with what the gateway needs to
 * render their prompts), a request's events as the local engine would give them, and the small RPCs.
 * Seekstack nodes speak the engine protocol itself over HTTP (routing/node-dialect.ts); vLLM, SGLang and
 * llama-server get the rendered prompt on their OpenAI-compatible /v1/completions
 * (routing/completions-dialect.ts). Either way prompt rendering, reasoning and tool parsing, limits,
 * budgets and the ledger stay the gateway's. Upstreams that render their own prompts (`kind=openai`) speak
 * a ChatDialect instead (routing/openai-dialect.ts): they take the chat itself; limits, budgets and the
 * ledger still stay the gateway's.
 */
import type { GenerateInput } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { StepEvent } from '../engine/types.ts';
import type { Agent } from './http.ts';
import type { ChatInput, ChatStepEvent } from './model-client.ts';
import type { UpstreamSpec } from './upstream-spec.ts';

export interface Connection {
  readonly spec: UpstreamSpec;
  readonly agent: Agent;
  /** The chat template file's text (spec.templatePath), read once at start. */
  readonly template: string | null;
  /** Until an upstream's status line arrives (a request it queues answers at once; only a dead one is slow). */
  readonly connectTimeoutMs: number;
}

export interface RemoteModel {
  id: string;
  info: ModelInfo;
}

/** What every upstream answers, whatever it takes. */
interface Listing {
  /** The path an active health check GETs (with the upstream's key): a 200 means healthy. */
  readonly healthPath: string;
  discover(connection: Connection): Promise<RemoteModel[]>;
}

/** An upstream the gateway renders prompts for. */
export interface Dialect extends Listing {
  readonly level: 'prompt';
  /**
   * Resolves once the upstream has accepted the request (its refusal rejects with an UpstreamError),
   * with its events; the iterator throws an UpstreamError if the stream breaks. `cacheNamespace` is the
   * tenant's (and user's) prefix-cache namespace.
   */
  generate(connection: Connection, model: string, input: GenerateInput, signal: AbortSignal): Promise<AsyncIterable<StepEvent>>;
  tokenize(connection: Connection, model: string, text: string, addSpecial: boolean): Promise<number[]>;
  detokenize(connection: Connection, model: string, tokens: number[]): Promise<string>;
  embed(connection: Connection, model: string, inputs: EmbedInput[], truncate: boolean): Promise<Embeddings>;
}

/** An upstream that renders its own prompts: it takes chats, nothing else. */
export interface ChatDialect extends Listing {
  readonly level: 'chat';
  /** As Dialect.generate, for a chat. */
  chat(connection: Connection, model: string, input: ChatInput, signal: AbortSignal): Promise<AsyncIterable<ChatStepEvent>>;
}

/** An API path under the upstream's base URL, which may itself have a path (`https://host/api` for `https://host/api/v1`). */
export function endpoint(connection: Pick<Connection, 'spec'>, path: string): URL {
  const base = connection.spec.url;
  return new URL(base.pathname.replace(/\/+$/, '') + path, base);
}

export function authorization(connection: Connection): Record<string, string> {
  return connection.spec.key === undefined ? {} : { authorization: `Bearer ${connection.spec.key}` };
}
