/**
 * @module routing/registry
 * Every model one server can serve, each loaded into its own engine process on first use, and the names
 * clients may use for them: the library name, the GGUF's general.name, the file name (with or without
 * .gguf), DeepSeek's names (`deepseek-chat` / `deepseek-reasoner`: thinking off / on; `deepseek-v4-flash` /
 * `deepseek-v4-pro`: thinking as the request asks) for the default (first) model, and the operator's aliases
 * (`--alias name=model`), which may also point DeepSeek's names at another model. Loading follows Ollama: at most `maxLoaded` models resident, the least recently used
 * idle one unloaded to make room, a model idle for `keepAliveMs` unloaded, and a model whose memory
 * estimate cannot fit the limit refused before anything is unloaded or started. Remote models (served by
 * upstreams, see routing/upstreams.ts) are listed and resolved the same way, always resident, never loaded.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { estimateModelMemory } from '../models/memory.ts';
import { formatBytes } from '../models/units.ts';
import { EngineClient, type EngineClientOptions } from '../engine/client.ts';
import type { ModelClient } from './model-client.ts';
import { EngineError } from '../engine/errors.ts';
import { validateModelFile } from '../engine/model-file.ts';
import type { EngineConfig, ModelInfo } from '../engine/protocol.ts';
import { planLoad, type LoadPlan, type Resident } from './residency.ts';

/** A loaded model, as a request uses it. */
export interface ServedModel {
  /** The name /models lists. */
  id: string;
  client: ModelClient;
  readonly info: ModelInfo;
}

export interface ResolvedModel {
  model: ServedModel;
  /** Set when the name itself asks for a thinking mode (the DeepSeek aliases). */
  thinking?: boolean;
}

export interface ModelSource {
  config: EngineConfig;
  /** Its name in the local library, which becomes its id. */
  name?: string;
  /** Found in the library rather than named by the operator: a file that fails its check is skipped, not fatal. */
  isOptional?: boolean;
}

export interface RegistryOptions {
  maxLoaded: number;
  /** How long a model stays loaded after its last request ends: 0 unloads it at once, a negative value never. */
  keepAliveMs: number;
  /** What every loaded model's memory estimate together may reach. */
  memoryLimitBytes: number;
  /** Supervision of each engine process (stall detection, restarts). */
  engine?: EngineClientOptions;
  /** Operator aliases: a name clients may send → any name of a served model. */
  aliases?: ReadonlyMap<string, string>;
  /**
   * Upstreams may serve models not discovered yet: an alias naming no model known at start is then kept
   * (it answers once its target appears) instead of refused.
   */
  hasUpstreams?: boolean;
}

export interface ModelMemory {
  readonly contextTokens: number;
  readonly weightsBytes: number;
  readonly kvCacheBytes: number;
  /** An allowance for llama.cpp's compute buffers and runtime, which the estimate from the header leaves out. */
  readonly overheadBytes: number;
  readonly totalBytes: number;
}

export type ModelState = 'unloaded' | 'loading' | 'loaded';

/** A model the server can serve, loaded or not. */
export interface ServableModel {
  readonly id: string;
  readonly path: string;
  readonly state: ModelState;
  readonly memory: ModelMemory;
  /** Set while loaded. */
  readonly client: ModelClient | undefined;
  /** Served by upstreams rather than a local engine: never loaded or unloaded here. */
  readonly isRemote: boolean;
  /** Requests holding it now; a model held by one is never unloaded. */
  readonly numLeases: number;
  readonly lastUsedAt: number;
}

export interface ModelMatch {
  model: ServableModel;
  thinking?: boolean;
}

/**
 * DeepSeek's model names and the thinking mode each implies: the legacy names fix it, the V4 names leave it
 * to the request (a Map: no name can reach Object.prototype). Each serves the default model unless aliased.
 */
export const DEEPSEEK_NAMES: ReadonlyMap<string, boolean | undefined> = new Map([
  ['deepseek-chat', false],
  ['deepseek-reasoner', true],
  ['deepseek-v4-flash', undefined],
  ['deepseek-v4-pro', undefined],
]);

/** An `--alias` whose target no served model answers to. */
export class UnknownAliasTargetError extends Error {
  override name = 'UnknownAliasTargetError';
}

/** Compute buffers grow with the model and the batch; a tenth of the rest plus 256 MiB covers llama.cpp's on CPU. */
const OVERHEAD_FIXED_BYTES = 256 * 2 ** 20;
const OVERHEAD_FRACTION = 0.1;

class Entry implements ServableModel {
  readonly id: string;
  readonly config: EngineConfig;
  readonly memory: ModelMemory;
  client: EngineClient | undefined;
  loading: Promise<EngineClient> | undefined;
  numLeases = 0;
  lastUsedAt = Date.now();
  idleTimer: NodeJS.Timeout | undefined;
  /** Set by the last request that asked for its own keep-alive (Ollama's `keep_alive`); else the server's. */
  keepAliveMs: number | undefined;
  /** No longer served: unloaded as soon as no request holds it. */
  isRemoved = false;
  readonly isRemote = false;

  constructor(id: string, config: EngineConfig, memory: ModelMemory) {
    this.id = id;
    this.config = config;
    this.memory = memory;
  }

  get path(): string {
    return this.config.modelPath;
  }

  get state(): ModelState {
    return this.client ? 'loaded' : this.loading ? 'loading' : 'unloaded';
  }
}

const NO_MEMORY: ModelMemory = { contextTokens: 0, weightsBytes: 0, kvCacheBytes: 0, overheadBytes: 0, totalBytes: 0 };

/** A model that upstreams serve: resident for as long as one of them lists it. */
class RemoteEntry implements ServableModel {
  readonly id: string;
  /** Where it is served, for `ps` (the upstreams' names and URLs). */
  readonly path: string;
  readonly client: ModelClient;
  readonly state = 'loaded';
  readonly memory = NO_MEMORY;
  readonly isRemote = true;
  numLeases = 0;
  lastUsedAt = Date.now();

  constructor(id: string, client: ModelClient, where: string) {
    this.id = id;
    this.client = client;
    this.path = where;
  }
}

type AnyEntry = Entry | RemoteEntry;

/** One request's hold on a loaded model; `using` releases it when the handler's scope ends. */
export class ModelLease implements ResolvedModel, Disposable {
  readonly model: ServedModel;
  readonly thinking?: boolean;
  #release: (() => void) | undefined;

  constructor(model: ServedModel, thinking: boolean | undefined, release: () => void) {
    this.model = model;
    this.thinking = thinking;
    this.#release = release;
  }

  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Emits `loaded` (id, milliseconds the load took) and `unloaded` (id, 'idle' | 'evicted' | 'removed'), and
 * for a loaded model's engine process `engine-crash` (id, why it stopped), `engine-restart` (id) and
 * `engine-restart-failed` (id, error, milliseconds until the next try).
 */
export class ModelRegistry extends EventEmitter {
  readonly options: RegistryOptions;
  readonly #entries: AnyEntry[] = [];
  readonly #byName = new Map<string, AnyEntry>();
  /** Alias → the name it answers with, resolved on each request (its target may be a remote model that comes and goes). */
  readonly #aliases = new Map<string, string>();
  #isClosed = false;
  /** Optional sources left out because their file failed its check, and why. */
  readonly skipped: Array<{ name: string; reason: string }> = [];

  /** Checks every file (an invalid one throws EngineError) and reads what each needs; loads nothing. */
  constructor(sources: ModelSource[], options: RegistryOptions) {
    super();
    this.options = options;
    for (const source of sources) this.#add(source);
    for (const [alias, target] of options.aliases ?? []) {
      const entry = this.#byName.get(target);
      if (!entry && !options.hasUpstreams) throw new UnknownAliasTargetError(`the alias '${alias}' names the model '${target}', which is not served here (served: ${this.#entries.map((e) => e.id).join(', ')})`);
      this.#aliases.set(alias, target);
    }
  }

  /** A registry with its default (first) local model loaded, so the first request does not wait and a bad file fails here. */
  static async start(sources: ModelSource[], options: RegistryOptions): Promise<ModelRegistry> {
    const registry = new ModelRegistry(sources, options);
    if (registry.#entries.length === 0) return registry;
    try {
      (await registry.acquire({ model: registry.#entries[0] })).release();
    } catch (error) {
      await registry.close();
      throw error;
    }
    return registry;
  }

  list(): readonly ServableModel[] {
    return this.#entries;
  }

  /** The names that are not a model's own: DeepSeek's and the operator's aliases. */
  aliasNames(): string[] {
    return [...new Set([...DEEPSEEK_NAMES.keys(), ...this.#aliases.keys()])];
  }

  /** Names only: nothing is loaded. */
  resolve(name: string): ModelMatch | null {
    const thinking = DEEPSEEK_NAMES.get(name);
    const aliased = this.#aliases.get(name);
    const model = aliased !== undefined ? this.#byName.get(aliased) : DEEPSEEK_NAMES.has(name) ? this.#entries[0] : this.#byName.get(name);
    if (!model) return null;
    return thinking === undefined ? { model } : { model, thinking };
  }

  /**
   * Loads the model unless it is loaded (concurrent calls share one load) and holds it until the lease is
   * released. Throws EngineError `model_too_large` when its estimate exceeds the memory limit, and
   * `model_capacity` when the models in the way are all serving requests. `keepAliveMs` is how long the
   * model stays loaded once idle after this request (as Ollama's `keep_alive`); without it, the server's.
   */
  async acquire(match: ModelMatch, options: { keepAliveMs?: number } = {}): Promise<ModelLease> {
    if (this.#isClosed) throw new EngineError('engine_unavailable', 'the server is shutting down');
    const entry = this.#entries.find((e) => e === match.model);
    if (!entry) throw new EngineError('internal', `the model '${match.model.id}' is not served here`);
    if (entry instanceof RemoteEntry) {
      entry.numLeases++;
      const model: ServedModel = { id: entry.id, client: entry.client, info: entry.client.model };
      return new ModelLease(model, match.thinking, () => {
        entry.numLeases--;
        entry.lastUsedAt = Date.now();
      });
    }
    entry.keepAliveMs = options.keepAliveMs;
    entry.numLeases++;
    clearTimeout(entry.idleTimer);
    let client: EngineClient;
    try {
      client = entry.client ?? (await (entry.loading ?? this.#load(entry)));
    } catch (error) {
      this.#release(entry);
      throw error;
    }
    const model: ServedModel = {
      id: entry.id,
      client,
      get info() {
        return client.model;
      },
    };
    return new ModelLease(model, match.thinking, () => this.#release(entry));
  }

  /** How long the model stays loaded once idle: a negative value means for good. */
  keepAliveOf(model: ServableModel): number {
    if (model.isRemote) return -1;
    return (model as Entry).keepAliveMs ?? this.options.keepAliveMs;
  }

  /**
   * Serve a model from upstreams under `id` (or replace how it is reached). A local model of that name
   * wins: false then, and nothing changes.
   */
  setRemote(id: string, client: ModelClient, where: string): boolean {
    const existing = this.#byName.get(id);
    if (existing && !(existing instanceof RemoteEntry)) return false;
    const entry = new RemoteEntry(id, client, where);
    if (existing) this.#entries[this.#entries.indexOf(existing)] = entry;
    else this.#entries.push(entry);
    this.#byName.set(id, entry);
    return true;
  }

  /**
   * Serve one more model (a pull while the server runs): its id, or that of the entry already serving the
   * file. An invalid file throws EngineError, and an optional one that fails its check gives null.
   */
  add(source: ModelSource): string | null {
    return this.#add(source)?.id ?? null;
  }

  /**
   * Stop serving a model (its files are being deleted): its names resolve no more, and it is unloaded once
   * the requests holding it end. False when no model has this id.
   */
  remove(id: string): boolean {
    const entry = this.#entries.find((e) => e.id === id);
    if (!entry) return false;
    this.#entries.splice(this.#entries.indexOf(entry), 1);
    for (const [name, named] of this.#byName) if (named === entry) this.#byName.delete(name);
    if (entry instanceof RemoteEntry) return true;
    entry.isRemoved = true;
    if (entry.numLeases === 0) void this.#unload(entry, 'removed');
    return true;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    const local = this.#local();
    for (const entry of local) clearTimeout(entry.idleTimer);
    await Promise.allSettled(local.map((e) => e.loading));
    await Promise.all(local.map((e) => e.client?.close()));
  }

  // ---------------------------------------------------------------- helpers

  #local(): Entry[] {
    return this.#entries.filter((e): e is Entry => e instanceof Entry);
  }

  #add({ config, name, isOptional }: ModelSource): Entry | null {
    const existing = this.#local().find((e) => e.path === config.modelPath);
    if (existing) {
      if (name && !this.#byName.has(name)) this.#byName.set(name, existing);
      return existing;
    }
    let generalName: string;
    try {
      generalName = validateModelFile(config.modelPath).name;
    } catch (error) {
      if (!isOptional) throw error;
      this.skipped.push({ name: name ?? config.modelPath, reason: (error as Error).message });
      return null;
    }
    const file = path.basename(config.modelPath);
    const id = [name, generalName, file.replace(/\.gguf$/i, ''), config.modelPath].find((n) => n !== undefined && !this.#byName.has(n) && !DEEPSEEK_NAMES.has(n) && !this.options.aliases?.has(n)) as string;
    const entry = new Entry(id, config, memoryOf(config));
    this.#entries.push(entry);
    for (const n of [id, generalName, file, file.replace(/\.gguf$/i, '')]) if (!this.#byName.has(n)) this.#byName.set(n, entry);
    return entry;
  }

  /** Decides synchronously, so two loads starting together each see the other's memory as taken. */
  #load(entry: Entry): Promise<EngineClient> {
    const residents = this.#local()
      .filter((e) => e !== entry && e.state !== 'unloaded')
      .map((e): Resident => ({ id: e.id, totalBytes: e.memory.totalBytes, isIdle: e.numLeases === 0, lastUsedAt: e.lastUsedAt }));
    const plan = planLoad(entry.memory.totalBytes, residents, this.options);
    if (!plan.canLoad) throw this.#refusal(entry, plan);
    const unloads = plan.evictIds.map((id) => this.#unload(this.#local().find((e) => e.id === id) as Entry, 'evicted'));
    entry.loading = (async () => {
      await Promise.all(unloads);
      const startedAt = performance.now();
      const client = await EngineClient.start(entry.config, this.options.engine);
      if (this.#isClosed) {
        await client.close();
        throw new EngineError('engine_unavailable', 'the server is shutting down');
      }
      entry.client = client;
      client.on('crash', (why: string) => this.emit('engine-crash', entry.id, why));
      client.on('restart', () => this.emit('engine-restart', entry.id));
      client.on('restart-failed', (error: Error, nextMs: number) => this.emit('engine-restart-failed', entry.id, error, nextMs));
      this.emit('loaded', entry.id, performance.now() - startedAt);
      return client;
    })().finally(() => {
      entry.loading = undefined;
    });
    return entry.loading;
  }

  #release(entry: Entry): void {
    entry.numLeases--;
    entry.lastUsedAt = Date.now();
    if (entry.numLeases > 0) return;
    if (entry.isRemoved) {
      void this.#unload(entry, 'removed');
      return;
    }
    const keepAliveMs = this.keepAliveOf(entry);
    if (keepAliveMs < 0) return;
    entry.idleTimer = setTimeout(() => {
      if (entry.numLeases === 0 && entry.client) void this.#unload(entry, 'idle');
    }, keepAliveMs).unref();
  }

  /** The entry counts as unloaded at once, so its memory is free for the load that evicted it. */
  async #unload(entry: Entry, reason: 'idle' | 'evicted' | 'removed'): Promise<void> {
    const client = entry.client;
    entry.client = undefined;
    clearTimeout(entry.idleTimer);
    await client?.close();
    this.emit('unloaded', entry.id, reason);
  }

  #refusal(entry: Entry, plan: Extract<LoadPlan, { canLoad: false }>): EngineError {
    const { weightsBytes, kvCacheBytes, overheadBytes, totalBytes, contextTokens } = entry.memory;
    const needs =
      `the model '${entry.id}' needs ~${formatBytes(totalBytes)} (weights ${formatBytes(weightsBytes)} + KV cache ${formatBytes(kvCacheBytes)} ` +
      `at ${contextTokens} tokens + ${formatBytes(overheadBytes)} for compute buffers)`;
    const free = `${formatBytes(plan.freeBytes)} of the ${formatBytes(this.options.memoryLimitBytes)} memory limit is free`;
    if (plan.reason === 'too_large') return new EngineError('model_too_large', `${needs} but ${free}; lower --ctx-size or raise --memory-limit`);
    const busy = this.#local().filter((e) => e !== entry && e.numLeases > 0).map((e) => `${e.id} (${e.numLeases} requests)`);
    const loaded = this.#local().filter((e) => e !== entry && e.state !== 'unloaded').length;
    return new EngineError(
      'model_capacity',
      `${needs} but ${free}, ${loaded} of at most ${this.options.maxLoaded} models are loaded, and the ones in the way are serving requests: ${busy.join(', ')}; retry shortly`,
    );
  }
}

function memoryOf(config: EngineConfig): ModelMemory {
  const estimate = estimateModelMemory(config.modelPath, config.totalCells);
  const overheadBytes = Math.round(OVERHEAD_FRACTION * estimate.totalBytes) + OVERHEAD_FIXED_BYTES;
  return { ...estimate, overheadBytes, totalBytes: estimate.totalBytes + overheadBytes };
}
