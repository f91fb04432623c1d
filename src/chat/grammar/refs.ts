/**
 * @module chat/grammar/refs
 * Resolves `$ref`s inside the schema being converted (`#`, `#/$defs/X`, `#/definitions/X`, any
 * local JSON Pointer). Remote references are refused: the server fetches nothing on a client's say.
 */
import { UnsupportedSchemaError } from './errors.ts';

export interface ResolvedRef {
  readonly schema: unknown;
  /** JSON Pointer of the target, for rule names and error messages. */
  readonly pointer: string;
}

export function resolveRef(root: unknown, ref: unknown, pointer: string): ResolvedRef {
  if (typeof ref !== 'string' || !ref.startsWith('#')) {
    throw new UnsupportedSchemaError('$ref', pointer, `only references inside the schema ("#/$defs/Name") are supported, not ${JSON.stringify(ref)}`);
  }
  let target: unknown = root;
  const fragment = decodeFragment(ref.slice(1), pointer);
  if (fragment !== '' && !fragment.startsWith('/')) {
    throw new UnsupportedSchemaError('$ref', pointer, `${ref} is not a JSON Pointer (anchors are not supported)`);
  }
  for (const token of fragment.split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    const isPresent = typeof target === 'object' && target !== null && Object.hasOwn(target, key);
    if (!isPresent) throw new UnsupportedSchemaError('$ref', pointer, `${ref} points at nothing in the schema`);
    target = (target as Record<string, unknown>)[key];
  }
  return { schema: target, pointer: fragment };
}

function decodeFragment(fragment: string, pointer: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    throw new UnsupportedSchemaError('$ref', pointer, `#${fragment} is not a valid URI fragment`);
  }
}
