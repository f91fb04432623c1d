/**
 * Options the model commands share with `serve`, with the same defaults and environment variables, so
 * `seekstack models` estimates memory for the context `seekstack serve` will allocate.
 */
import os from 'node:os';
import path from 'node:path';
import { usableCores } from '../engine/threads/cpu-cores.ts';
import { ModelError } from '../models/errors.ts';

export const DATA_DIR_OPTION = {
  'data-dir': { type: 'string', default: process.env.SEEKSTACK_DATA_DIR ?? path.join(os.homedir(), '.seekstack'), value: 'dir', help: 'where models, the database and keys live (SEEKSTACK_DATA_DIR)' },
} as const;

export const CTX_SIZE_OPTION = {
  'ctx-size': { type: 'string', default: process.env.SEEKSTACK_CTX_SIZE ?? '8192', value: 'N', help: 'context tokens the server allocates per model (SEEKSTACK_CTX_SIZE)' },
} as const;

/** A positive integer option, or null after printing why not. */
export function positiveInteger(command: string, flag: string, value: string): number | null {
  const number = Number(value);
  if (Number.isInteger(number) && number > 0) return number;
  console.error(`seekstack ${command}: --${flag} must be a positive integer, got '${value}'`);
  return null;
}

/** Runs a command body; a ModelError becomes one line on stderr and exit code 1. */
export async function reportingModelErrors(command: string, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    console.error(`seekstack ${command}: ${error.message}`);
    return 1;
  }
}

/**
 * `--threads auto|N`: auto adapts each step's thread count to the cores really free, up to all usable
 * ones; N runs every step on N threads. Null when the value is neither.
 */
export function parseThreads(value: string): { threads: number; isAdaptive: boolean } | null {
  if (value === 'auto') return { threads: usableCores(), isAdaptive: true };
  const threads = Number(value);
  return Number.isInteger(threads) && threads > 0 ? { threads, isAdaptive: false } : null;
}
