/**
 * @module The in-memory form of GGUF metadata (shared by the reader and the writer) and typed accessors.
 * u64/i64 values are bigints so that nothing is silently rounded; every other number is a JS number.
 */
import { GgufType } from './format.ts';

export type GgufScalar = number | bigint | boolean | string;

/** An array keeps its item type so that it can be written back exactly (nested arrays included). */
export interface GgufArray {
  readonly itemType: GgufType;
  readonly items: readonly GgufValue[];
}

export type GgufValue = GgufScalar | GgufArray;

export interface GgufKv {
  readonly type: GgufType;
  readonly value: GgufValue;
}

export type GgufMetadata = ReadonlyMap<string, GgufKv>;

export function metaString(metadata: GgufMetadata, key: string): string | undefined {
  const kv = metadata.get(key);
  return kv?.type === GgufType.STRING ? (kv.value as string) : undefined;
}

/** Any integer or float scalar as a number; undefined when absent, not numeric, or not exactly representable. */
export function metaNumber(metadata: GgufMetadata, key: string): number | undefined {
  const value = metadata.get(key)?.value;
  return toNumber(value);
}

export function metaArray(metadata: GgufMetadata, key: string): GgufArray | undefined {
  const kv = metadata.get(key);
  return kv?.type === GgufType.ARRAY ? (kv.value as GgufArray) : undefined;
}

export function toNumber(value: GgufValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : undefined;
  }
  return undefined;
}
