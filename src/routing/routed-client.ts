/**
 * @module routing/routed-client
 * A remote model as the API layer uses any model (routing/model-client.ts): its requests go through the
 * upstream pool's routing; its RPCs to one upstream serving it. A model served only by upstreams that
 * render their own prompts (`kind=openai`) has a chat client, and its prompt-level calls are refused.
 */
import { Generation, type EngineHealth, type GenerateInput } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { Connection, Dialect } from './dialect.ts';
import { chatOnlyError, type ChatClient, type ModelClient } from './model-client.ts';
import type { UpstreamPool } from './upstreams.ts';

export class RoutedClient implements ModelClient {
  readonly restarts = 0;
  readonly lastStats = null;
  readonly pid = undefined;
  readonly startup = null;
  readonly #pool: UpstreamPool;
  readonly #model: string;
  readonly #chat: ChatClient;

  constructor(pool: UpstreamPool, model: string) {
    this.#pool = pool;
    this.#model = model;
    this.#chat = { generate: (input, signal) => pool.chat(model, input, signal) };
  }

  get model(): ModelInfo {
    return this.#pool.infoOf(this.#model);
  }

  get chat(): ChatClient | undefined {
    return this.#pool.isChatOnly(this.#model) ? this.#chat : undefined;
  }

  generate(input: GenerateInput, signal?: AbortSignal): Generation {
    if (!this.chat) return this.#pool.generate(this.#model, input, signal);
    const refused = new Generation();
    refused.fail(chatOnlyError(this.#model, 'a prompt-level generation'));
    return refused;
  }

  tokenize(text: string, addSpecial: boolean): Promise<number[]> {
    return this.#call('tokenizing', (dialect, connection) => dialect.tokenize(connection, this.#model, text, addSpecial));
  }

  detokenize(tokens: number[]): Promise<string> {
    return this.#call('detokenizing', (dialect, connection) => dialect.detokenize(connection, this.#model, tokens));
  }

  embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings> {
    return this.#call('embedding', (dialect, connection) => dialect.embed(connection, this.#model, inputs, truncate));
  }

  /** 'restarting' while no upstream serving it can take a request, so /health says the server is degraded. */
  health(): EngineHealth {
    return this.#pool.isAvailable(this.#model) ? { status: 'ok' } : { status: 'restarting' };
  }

  #call<T>(what: string, run: (dialect: Dialect, connection: Connection) => Promise<T>): Promise<T> {
    if (this.chat) return Promise.reject(chatOnlyError(this.#model, what));
    return this.#pool.call(this.#model, run);
  }
}
