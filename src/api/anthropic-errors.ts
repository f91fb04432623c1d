/**
 * @module api/anthropic-errors
 * The API's errors in Anthropic's shape, for /anthropic: `{"type":"error","error":{"type","message"}}`, the
 * error type chosen by status as Anthropic's are, and an overloaded server answering 529 as Anthropic's
 * does (its SDKs and Claude Code retry that, after Retry-After).
 */
import { ApiError } from './errors.ts';

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** Anthropic's status for an error: 503 (overloaded) becomes 529. */
export function anthropicStatus(error: ApiError): number {
  return error.status === 503 ? 529 : error.status;
}

export function anthropicErrorBody(error: ApiError) {
  const status = anthropicStatus(error);
  const type = TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: error.message } };
}
