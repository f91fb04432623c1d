/**
 * @module cli/serve-models
 * `seekstack serve`'s models: the registry over the models named and those in the data dir, started with
 * its first model loading, and the one line that reports why they could not start. Loaded by serve after
 * it has prespawned the engine process, so these imports overlap the engine's boot.
 */
import { EngineError } from '../engine/errors.ts';
import type { EngineConfig } from '../engine/protocol.ts';
import { ModelRegistry, UnknownAliasTargetError, type ModelSource, type RegistryOptions } from '../routing/registry.ts';
import { listModels } from '../models/library.ts';

/**
 * Every complete model under `<data-dir>/models`, by its library name; one llama.cpp would refuse is skipped,
 * not fatal. The bundled demo model only when asked: a gateway's default model is its upstreams' first.
 */
function localSources(dataDir: string, configFor: (modelPath: string) => EngineConfig, withBundled: boolean): ModelSource[] {
  return listModels(dataDir)
    .filter((model) => withBundled || !model.isBundled)
    .map((model) => ({ config: configFor(model.path), name: model.name, isOptional: true }));
}

/**
 * The registry, with its first model loading in the engine process (the long pole of start-up) while
 * the caller opens the store and builds the HTTP server; `loaded` settles with the load's error or null.
 * A refusal found before any process starts (a bad file, an unknown alias target) is returned instead.
 */
export function startModels(
  modelPaths: string[], dataDir: string, configFor: (modelPath: string) => EngineConfig, options: RegistryOptions & { withBundled: boolean },
): { models: ModelRegistry; loaded: Promise<Error | null> } | Error {
  try {
    const sources = [...modelPaths.map((modelPath) => ({ config: configFor(modelPath) })), ...localSources(dataDir, configFor, options.withBundled)];
    const models = new ModelRegistry(sources, options);
    const first = models.list()[0];
    // A gateway whose models are all remote has nothing to load.
    if (first === undefined) return { models, loaded: Promise.resolve(null) };
    const loaded = models.acquire({ model: first }).then((lease) => {
      lease.release();
      return null;
    }, (error: unknown) => asError(error));
    return { models, loaded };
  } catch (error) {
    return asError(error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The one line that says why the models could not start; exit code 2 for a usage error. */
export function reportModelsError(error: Error): number {
  const isUsage = error instanceof UnknownAliasTargetError;
  console.error(`seekstack serve: ${error instanceof EngineError || isUsage ? error.message : String(error)}`);
  return isUsage ? 2 : 1;
}

