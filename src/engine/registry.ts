/**
 * @module engine/registry
 * The models one server serves, each in its own engine process, and the names clients may use for
 * them: the GGUF's general.name, the file name (with or without .gguf), and DeepSeek's aliases
 * `deepseek-chat` / `deepseek-reasoner` for the default (first) model with thinking off / on.
 */
import path from 'node:path';
import { EngineClient } from './client.ts';
import type { EngineConfig, ModelInfo } from './protocol.ts';

export interface ServedModel {
  /** The name /models lists: general.name, or the file name when two files share a name. */
  id: string;
  client: EngineClient;
  readonly info: ModelInfo;
}

export interface ResolvedModel {
  model: ServedModel;
  /** Set when the name itself asks for a thinking mode (the DeepSeek aliases). */
  thinking?: boolean;
}

export const ALIASES: Record<string, boolean> = { 'deepseek-chat': false, 'deepseek-reasoner': true };

export class ModelRegistry {
  readonly #models: ServedModel[];
  readonly #byName = new Map<string, ServedModel>();

  private constructor(models: ServedModel[]) {
    this.#models = models;
    for (const model of models) {
      const file = path.basename(model.info.path);
      for (const name of [model.id, file, file.replace(/\.gguf$/i, '')]) {
        if (!this.#byName.has(name)) this.#byName.set(name, model);
      }
    }
  }

  /** Start one engine per model file; the first is the default. Stops the started ones if one fails. */
  static async start(configs: EngineConfig[]): Promise<ModelRegistry> {
    const clients: EngineClient[] = [];
    try {
      for (const config of configs) clients.push(await EngineClient.start(config));
    } catch (error) {
      await Promise.all(clients.map((c) => c.close()));
      throw error;
    }
    const taken = new Set<string>();
    const models = clients.map((client) => {
      let id = client.model.name;
      if (taken.has(id) || id in ALIASES) id = path.basename(client.model.path, '.gguf');
      taken.add(id);
      return {
        id,
        client,
        get info() {
          return client.model;
        },
      };
    });
    return new ModelRegistry(models);
  }

  list(): readonly ServedModel[] {
    return this.#models;
  }

  resolve(name: string): ResolvedModel | null {
    if (name in ALIASES) return { model: this.#models[0], thinking: ALIASES[name] };
    const model = this.#byName.get(name);
    return model ? { model } : null;
  }

  async close(): Promise<void> {
    await Promise.all(this.#models.map((m) => m.client.close()));
  }
}
