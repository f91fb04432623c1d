/**
 * @module engine/protocol
 * Messages between the server process and the engine process. Each side validates what it receives
 * once, here, and trusts it afterwards. Tokens flow out on a channel of their own (step-channel.ts), one
 * array of step events per decode step.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ENGINE_ERROR_CODES, type EngineErrorCode } from './errors.ts';

/** Most logit_bias entries one request may carry (the API documents it and refuses more with a 422). */
export const MAX_LOGIT_BIAS_ENTRIES = 1024;

const Int = Type.Integer();
const Num = Type.Number();

export const EngineConfigSchema = Type.Object({
  modelPath: Type.String({ minLength: 1 }),
  libDir: Type.Optional(Type.String()),
  /** Layers offloaded to a GPU; -1 means all when a GPU backend is present. */
  gpuLayers: Int,
  /** Most threads a decode uses; the usable cores (affinity, cgroup quota) cap it. */
  threads: Type.Integer({ minimum: 1 }),
  /**
   * Pick each step's thread count (up to `threads`) from measured step times, so the engine keeps its
   * speed when other processes use the cores. Default on; off runs every step on `threads`.
   */
  adaptiveThreads: Type.Optional(Type.Boolean()),
  numSlots: Type.Integer({ minimum: 1, maximum: 128 }),
  /** Sequence ids kept for the prefix cache, beyond the slots (llama.cpp allows 256 in all). */
  numCacheHolders: Type.Integer({ minimum: 0, maximum: 127 }),
  /** KV cells in the unified cache, shared by all slots and the prefix cache. */
  totalCells: Type.Integer({ minimum: 64 }),
  /** Longest prompt + output of one request; 0 = the model's training context, capped by totalCells. */
  maxSeqLen: Type.Integer({ minimum: 0 }),
  maxPrefillTokensPerStep: Type.Integer({ minimum: 1 }),
  maxQueueLength: Type.Integer({ minimum: 0 }),
  /**
   * Flash attention: faster with a unified KV cache, but rounding then depends on batch and cell
   * placement. false gives bit-exact output across batch sizes and prefix hits. Default: on.
   */
  flashAttention: Type.Optional(Type.Boolean()),
  /**
   * Pack the prefix cache into the lowest KV cells after the engine has been idle this long, so the
   * attention window of later steps stays as small as a fresh server's. 0 never; default 1000.
   */
  cacheCompactionIdleMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Host memory for parked prefix-cache branches (prefix/tree.ts): a long cold prompt moves the cache it
   * does not use out of the KV cells, and a later hit brings it back. 0 turns parking off; default 2 GiB.
   */
  parkedCacheBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Decode steps whose events go to the server together (vLLM's and SGLang's stream interval): each send
   * wakes the server and, through it, every client, which on a machine whose cores all decode costs
   * decode time. A request's first token and its end are sent at once. Default 1: every step.
   */
  streamInterval: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
});
export type EngineConfig = Static<typeof EngineConfigSchema>;

const SamplingSchema = Type.Object({
  temperature: Type.Number({ minimum: 0 }),
  topP: Type.Number({ minimum: 0, maximum: 1 }),
  topK: Type.Integer({ minimum: 0 }),
  minP: Type.Number({ minimum: 0, maximum: 1 }),
  seed: Int,
  presencePenalty: Num,
  frequencyPenalty: Num,
  repetitionPenalty: Type.Number({ exclusiveMinimum: 0 }),
  penaltyLastN: Type.Integer({ minimum: -1 }),
  logitBias: Type.Array(Type.Object({ token: Type.Integer({ minimum: 0 }), bias: Num }), { maxItems: MAX_LOGIT_BIAS_ENTRIES }),
  grammar: Type.Optional(Type.Object({ text: Type.String(), root: Type.String() })),
});

export const SubmitSchema = Type.Object({
  type: Type.Literal('submit'),
  id: Type.String({ minLength: 1 }),
  cacheKey: Type.String(),
  prompt: Type.Union([
    Type.Object({ tokens: Type.Array(Type.Integer({ minimum: 0 })) }),
    /** Text is tokenized in the engine; special tokens written in it (e.g. from a chat template) are parsed. */
    Type.Object({ text: Type.String(), addSpecial: Type.Boolean() }),
  ]),
  sampling: SamplingSchema,
  maxTokens: Type.Integer({ minimum: 1 }),
  stop: Type.Array(Type.String()),
  topLogprobs: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  stopOnEog: Type.Boolean(),
  /**
   * For an output that starts inside the reasoning: after `maxTokens` of it, `end` is written for the model
   * unless it wrote `marker` itself first (sampling/thinking-budget.ts).
   */
  thinkingBudget: Type.Optional(Type.Object({ maxTokens: Type.Integer({ minimum: 0 }), end: Type.String({ minLength: 1, maxLength: 64 }), marker: Type.String({ minLength: 1, maxLength: 32 }) })),
});
export type SubmitMessage = Static<typeof SubmitSchema>;

export const InitSchema = Type.Object({ type: Type.Literal('init'), config: EngineConfigSchema });

export const ToEngineSchema = Type.Union([
  InitSchema,
  SubmitSchema,
  Type.Object({ type: Type.Literal('cancel'), id: Type.String() }),
  Type.Object({ type: Type.Literal('tokenize'), rpcId: Int, text: Type.String(), addSpecial: Type.Boolean() }),
  Type.Object({ type: Type.Literal('detokenize'), rpcId: Int, tokens: Type.Array(Type.Integer({ minimum: 0 })) }),
  Type.Object({ type: Type.Literal('stats'), rpcId: Int }),
  Type.Object({
    type: Type.Literal('embed'),
    rpcId: Int,
    inputs: Type.Array(Type.Union([Type.Object({ text: Type.String() }), Type.Object({ tokens: Type.Array(Type.Integer({ minimum: 0 })) })]), { minItems: 1 }),
    truncate: Type.Boolean(),
  }),
]);
export type ToEngine = Static<typeof ToEngineSchema>;

export const ModelInfoSchema = Type.Object({
  path: Type.String(),
  name: Type.String(),
  architecture: Type.String(),
  description: Type.String(),
  numParams: Num,
  sizeBytes: Num,
  trainContextLength: Int,
  maxSeqLen: Int,
  vocabSize: Int,
  chatTemplate: Type.Union([Type.String(), Type.Null()]),
  bosToken: Type.Union([Type.String(), Type.Null()]),
  eosToken: Type.Union([Type.String(), Type.Null()]),
  addBos: Type.Boolean(),
  fim: Type.Union([Type.Object({ prefix: Int, suffix: Int, middle: Int }), Type.Null()]),
  gpuLayers: Int,
  threads: Int,
  numSlots: Int,
  totalCells: Int,
});
export type ModelInfo = Static<typeof ModelInfoSchema>;

/** The engine process's start-up, each phase as ms since that process started. */
const EngineStartupSchema = Type.Object({ modulesLoadedMs: Num, modelOpenMs: Num });
export type EngineStartup = Static<typeof EngineStartupSchema>;

const TokenLogprobSchema = Type.Object({ token: Int, logprob: Num, bytes: Type.Array(Int) });

const StepEventSchema = Type.Object({
  id: Type.String(),
  step: Int,
  tokens: Type.Array(Int),
  text: Type.String(),
  logprobs: Type.Optional(
    Type.Array(
      Type.Object({
        token: Int,
        logprob: Type.Optional(TokenLogprobSchema),
        topLogprobs: Type.Optional(Type.Array(TokenLogprobSchema)),
      }),
    ),
  ),
  finishReason: Type.Optional(
    Type.Union([Type.Literal('stop'), Type.Literal('length'), Type.Literal('cancelled'), Type.Literal('error')]),
  ),
  stopSequence: Type.Optional(Type.String()),
  usage: Type.Optional(Type.Object({ promptTokens: Int, promptCacheHitTokens: Int, completionTokens: Int })),
  error: Type.Optional(Type.String()),
});

/** One decode step's events, as the step channel carries them (step-channel.ts). */
export const StepEventsSchema = Type.Array(StepEventSchema);

export const StatsSchema = Type.Object({
  numWaiting: Int,
  numRunning: Int,
  /** Submitted requests still being tokenized or having their grammar compiled. */
  numPreparing: Int,
  numCachedTokens: Int,
  numFreeCells: Int,
  numPreemptions: Int,
  numEvictedTokens: Int,
  numInFlightHitTokens: Int,
  numCompactions: Int,
  /** Cached tokens parked in host memory, out of the KV cells. */
  numParkedTokens: Int,
  /** Decode steps since the engine started. */
  numSteps: Int,
  /** Threads the last decode ran on. */
  numThreads: Int,
  /** The engine process's resident memory: model pages read so far, KV cache, buffers, heap. */
  residentBytes: Int,
  /** Of which JavaScript buffers: parked cache branches, and copies not yet collected. */
  bufferBytes: Int,
});
export type EngineStats = Static<typeof StatsSchema>;

/** How often the engine reports its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 500;

const HeartbeatSchema = Type.Object({
  type: Type.Literal('heartbeat'),
  stats: StatsSchema,
  /** A decode is in flight, started this long ago. */
  stepElapsedMs: Type.Union([Num, Type.Null()]),
  /** The engine process's CPU time so far: it grows during a long step that is working. */
  cpuMs: Num,
});
export type Heartbeat = Static<typeof HeartbeatSchema>;

const ErrorCodeSchema = Type.Unsafe<EngineErrorCode>(Type.Union(ENGINE_ERROR_CODES.map((c) => Type.Literal(c))));

export const FromEngineSchema = Type.Union([
  Type.Object({ type: Type.Literal('ready'), model: ModelInfoSchema, startup: EngineStartupSchema }),
  Type.Object({ type: Type.Literal('fatal'), code: ErrorCodeSchema, message: Type.String() }),
  /** The request passed every check and is queued: its refusals are over, its events follow. */
  Type.Object({ type: Type.Literal('accepted'), id: Type.String() }),
  Type.Object({ type: Type.Literal('rejected'), id: Type.String(), code: ErrorCodeSchema, message: Type.String() }),
  Type.Object({
    type: Type.Literal('rpc'),
    rpcId: Int,
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.Object({ code: ErrorCodeSchema, message: Type.String() })),
  }),
  HeartbeatSchema,
]);
export type FromEngine = Static<typeof FromEngineSchema>;

/**
 * What a node streams for one generation (api/routes/node.ts, routing/node-dialect.ts): the engine's own
 * messages over HTTP, one JSON line each, with its step events as `step` messages.
 */
export const NodeStreamMessageSchema = Type.Union([Type.Object({ type: Type.Literal('step'), events: StepEventsSchema }), ...FromEngineSchema.anyOf]);
export type NodeStreamMessage = Static<typeof NodeStreamMessageSchema>;

/** A checker that throws one readable line naming the first invalid field. */
export function compileParser<T extends TSchema>(schema: T, what: string): (value: unknown) => Static<T> {
  const check = TypeCompiler.Compile(schema);
  return (value) => {
    if (check.Check(value)) return value;
    const first = check.Errors(value).First();
    throw new Error(`invalid ${what}: ${first ? `${first.path || '/'} ${first.message}` : 'unknown error'}`);
  };
}
