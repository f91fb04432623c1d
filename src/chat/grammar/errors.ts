/**
 * @module chat/grammar/errors
 * The one error the converter throws: a schema (or a part of one) it cannot turn into a grammar that
 * admits only valid values. The API layer reports it as a 4xx naming `keyword` and `pointer`.
 */

export class UnsupportedSchemaError extends Error {
  /** The JSON Schema keyword at fault, e.g. `not`, `pattern`, `$ref`. */
  readonly keyword: string;
  /** JSON Pointer (RFC 6901) of the subschema holding it; '' is the schema root. */
  readonly pointer: string;
  readonly reason: string;

  constructor(keyword: string, pointer: string, reason: string) {
    super(`unsupported JSON Schema: "${keyword}" at #${pointer}: ${reason}`);
    this.name = 'UnsupportedSchemaError';
    this.keyword = keyword;
    this.pointer = pointer;
    this.reason = reason;
  }
}

/** Appends a key to a JSON Pointer, escaping `~` and `/` as RFC 6901 says. */
export function childPointer(pointer: string, key: string | number): string {
  return `${pointer}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
