/**
 * @module api/json-body
 * Request bodies as the API accepts them: UTF-8 (invalid bytes are refused, not replaced), JSON,
 * nested no deeper than MAX_JSON_DEPTH, no object wider than MAX_OBJECT_KEYS. The depth bound keeps
 * every recursive walk over a body (schema validation, the JSON-schema-to-grammar converter) far from
 * the stack limit, whatever a client sends; the width bound keeps parsing and validating one short.
 */
import { ApiError } from './errors.ts';

/** Arrays and objects inside each other; a tool's parameters or a json_schema nested 60 deep still fit. */
export const MAX_JSON_DEPTH = 128;
/**
 * Members of one object. No field of the API needs more (logit_bias takes 1,024, a schema object 256),
 * and a body of a million keys would block the event loop for seconds in JSON.parse and validation.
 * Arrays are not bounded here: a prompt may be a long array of token ids.
 */
export const MAX_OBJECT_KEYS = 10_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * Why the JSON text is too big a shape to parse (nested deeper than `maxDepth`, or an object with more
 * than `maxKeys` members), or null; one pass, strings skipped, before any object is built.
 */
export function jsonShapeError(text: string, maxDepth: number, maxKeys: number): string | null {
  const numKeys = new Int32Array(maxDepth + 1);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return `the request body nests arrays and objects more than ${maxDepth} levels deep`;
      numKeys[depth] = 0;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COLON && ++numKeys[depth] > maxKeys) {
      return `an object in the request body has more than ${maxKeys} members`;
    }
  }
  return null;
}

/** Index of the quote that closes the string opened at `open` (or the text's end): indexOf, not a loop per character, since a prompt may be megabytes of one string. */
function endOfString(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1);
  while (quote !== -1) {
    let numBackslashes = 0;
    while (text.charCodeAt(quote - 1 - numBackslashes) === BACKSLASH) numBackslashes++;
    if (numBackslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ApiError('invalid_json', 'the request body is not valid UTF-8');
  }
  const shapeError = jsonShapeError(text, MAX_JSON_DEPTH, MAX_OBJECT_KEYS);
  if (shapeError) throw new ApiError('invalid_request', shapeError);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}
