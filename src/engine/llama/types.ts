/**
 * @module engine/llama/types
 * The opaque handle types shared by every llama.h area. koffi keeps one global registry of named
 * types and refuses a second definition of a name, so each named type is declared once, here; a module
 * whose declarations name them imports this one for that side effect.
 */
import koffi from 'koffi';

declare const pointerBrand: unique symbol;

/** A native pointer as koffi hands it back (an External); the brand keeps handles of different kinds apart. */
export type Pointer<Kind extends string> = { readonly [pointerBrand]: Kind };

export type ModelPtr = Pointer<'llama_model'>;
export type ContextPtr = Pointer<'llama_context'>;
export type VocabPtr = Pointer<'llama_vocab'>;
export type MemoryPtr = Pointer<'llama_memory_i'>;
export type SamplerPtr = Pointer<'llama_sampler'>;
export type DevicePtr = Pointer<'ggml_backend_device'>;
export type RegistryPtr = Pointer<'ggml_backend_reg'>;

koffi.opaque('llama_model');
koffi.opaque('llama_context');
koffi.opaque('llama_vocab');
koffi.opaque('llama_memory_i');
koffi.opaque('llama_sampler');
koffi.opaque('ggml_backend_device');
koffi.opaque('ggml_backend_reg');

/** koffi returns a uint64_t or size_t as a number when it fits in 2^53, else as a BigInt. */
export function toNumber(value: number | bigint): number {
  return typeof value === 'bigint' ? Number(value) : value;
}
