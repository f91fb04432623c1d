/**
 * @module routing/routed-client
 * A remote model as the API layer uses any model (routing/model-client.ts): its requests go through the
 * upstream pool's routing; its RPCs to one upstream serving it.
 */
import type { EngineHealth, GenerateInput, Generation } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { ModelClient } from './model-client.ts';
import type { UpstreamPool } from './upstreams.ts';

export class RoutedClient implements ModelClient {
  readonly restarts = 0;
  readonly lastStats = null;
  readonly pid = undefined;
  readonly startup = null;
  readonly #pool: UpstreamPool;
  readonly #model: string;

  constructor(pool: UpstreamPool, model: string) {
    this.#pool = pool;
    this.#model = model;
  }

  get model(): ModelInfo {
    return this.#pool.infoOf(this.#model);
  }

  generate(input: GenerateInput, signal?: AbortSignal): Generation {
    return this.#pool.generate(this.#model, input, signal);
  }

  tokenize(text: string, addSpecial: boolean): Promise<number[]> {
    return this.#pool.call(this.#model, (u) => u.dialect.tokenize(u.connection, this.#model, text, addSpecial));
  }

  detokenize(tokens: number[]): Promise<string> {
    return this.#pool.call(this.#model, (u) => u.dialect.detokenize(u.connection, this.#model, tokens));
  }

  embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings> {
    return this.#pool.call(this.#model, (u) => u.dialect.embed(u.connection, this.#model, inputs, truncate));
  }

  /** 'restarting' while no upstream serving it can take a request, so /health says the server is degraded. */
  health(): EngineHealth {
    return this.#pool.isAvailable(this.#model) ? { status: 'ok' } : { status: 'restarting' };
  }
}
