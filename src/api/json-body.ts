/**
 * @module api/json-body
 * Request bodies as the API accepts them: UTF-8 (invalid bytes are refused, not replaced), JSON, and
 * nested no deeper than MAX_JSON_DEPTH. The depth bound keeps every recursive walk over a body (schema
 * validation, the JSON-schema-to-grammar converter) far from the stack limit, whatever a client sends.
 */
import { ApiError } from './errors.ts';

/** Arrays and objects inside each other; a tool's parameters or a json_schema nested 60 deep still fit. */
export const MAX_JSON_DEPTH = 128;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether the JSON text nests arrays and objects deeper than `max`; one pass, strings skipped. */
export function isNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let isInString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isInString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) isInString = false;
    } else if (c === QUOTE) {
      isInString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ApiError('invalid_json', 'the request body is not valid UTF-8');
  }
  if (isNestedDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new ApiError('invalid_request', `the request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}
