/**
 * @module routing/model-client
 * What a request needs from whatever runs its model: a local engine process (engine/client.ts) or a set
 * of remote upstreams behind the router (routing/routed-client.ts). The API layer sees only this.
 */
import type { EngineHealth, GenerateInput, Generation } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import type { EngineStartup, EngineStats, ModelInfo } from '../engine/protocol.ts';

export interface ModelClient {
  /** The model as its engine describes it: template, special tokens, context. */
  readonly model: ModelInfo;
  readonly restarts: number;
  /** The engine's counters as of its last heartbeat; null when there are none (a remote model). */
  readonly lastStats: EngineStats | null;
  /** The local engine process; undefined for a remote model. */
  readonly pid: number | undefined;
  /** How long the local engine process took to boot and open the model; null for a remote model. */
  readonly startup: EngineStartup | null;
  generate(input: GenerateInput, signal?: AbortSignal): Generation;
  tokenize(text: string, addSpecial: boolean): Promise<number[]>;
  detokenize(tokens: number[]): Promise<string>;
  embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings>;
  health(): EngineHealth;
}
