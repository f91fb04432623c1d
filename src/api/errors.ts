/**
 * @module api/errors
 * Every error a client can see, by code, with its HTTP status and OpenAI/DeepSeek error type (after
 * Fastify's lib/errors.js). Bodies always have DeepSeek's shape: {"error": {message, type, param, code}}.
 */
import type { EngineError, EngineErrorCode } from '../engine/errors.ts';
import { UpstreamError } from '../routing/errors.ts';
import type { PlatformError, PlatformErrorCode } from '../platform/errors.ts';

const CATALOG = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  model_not_found: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  // Not retryable: to the client the model cannot be used here at all, like one that does not exist.
  model_too_large: { status: 400, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  uri_too_long: { status: 414, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  invalid_parameter: { status: 422, type: 'invalid_request_error' },
  // DeepSeek's exact 401 and 402 bodies carry code "invalid_request_error"; clients match on them.
  authentication_failed: { status: 401, type: 'authentication_error', wireCode: 'invalid_request_error' },
  insufficient_balance: { status: 402, type: 'unknown_error', wireCode: 'invalid_request_error' },
  permission_denied: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  conflict: { status: 409, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  internal: { status: 500, type: 'server_error' },
  // A model download from the hub (or its mirror) failed; retrying resumes it.
  upstream_failed: { status: 502, type: 'server_error' },
  insufficient_storage: { status: 507, type: 'server_error' },
  // Every 503 says when to come back: SDKs (openai's included) wait that long before their retry.
  overloaded: { status: 503, type: 'server_overloaded', retryAfterSeconds: 2 },
  engine_unavailable: { status: 503, type: 'server_overloaded', retryAfterSeconds: 2 },
  model_capacity: { status: 503, type: 'server_overloaded', retryAfterSeconds: 5 },
} as const satisfies Record<string, { status: number; type: string; wireCode?: string; retryAfterSeconds?: number }>;

export type ApiErrorCode = keyof typeof CATALOG;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  /** The `code` field of the body: the catalog code, unless DeepSeek spells it otherwise. */
  readonly wireCode: string;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  /** Extra response headers (Retry-After, x-ratelimit-*). */
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, param: string | null = null, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    const entry: { status: number; type: string; wireCode?: string; retryAfterSeconds?: number } = CATALOG[code];
    this.wireCode = entry.wireCode ?? code;
    this.status = entry.status;
    this.type = entry.type;
    this.param = param;
    this.headers = entry.retryAfterSeconds === undefined ? headers : { 'retry-after': String(entry.retryAfterSeconds), ...headers };
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.wireCode } };
  }
}

const FROM_ENGINE: Record<EngineErrorCode, ApiErrorCode> = {
  overloaded: 'overloaded',
  engine_unavailable: 'engine_unavailable',
  context_length_exceeded: 'context_length_exceeded',
  invalid_request: 'invalid_parameter',
  model_invalid: 'internal',
  model_too_large: 'model_too_large',
  model_capacity: 'model_capacity',
  internal: 'internal',
};

const FROM_PLATFORM: Record<PlatformErrorCode, ApiErrorCode> = {
  authentication_failed: 'authentication_failed',
  permission_denied: 'permission_denied',
  model_not_allowed: 'model_not_allowed',
  insufficient_balance: 'insufficient_balance',
  rate_limited: 'rate_limited',
  not_found: 'not_found',
  conflict: 'conflict',
  invalid: 'invalid_parameter',
  // Shared state (Redis) that a request must be counted in could not be reached: a 503 that says when to retry.
  unavailable: 'overloaded',
};

export function fromPlatformError(error: PlatformError): ApiError {
  return new ApiError(FROM_PLATFORM[error.code], error.message, null, error.headers);
}

/**
 * An engine's error as the API answers it. An upstream's own 429 or 503 is passed on as such, with its
 * Retry-After (one second when it gave none, so a client's retry still waits).
 */
export function fromEngineError(error: EngineError): ApiError {
  if (error instanceof UpstreamError && (error.status === 429 || error.status === 503) && error.kind === 'refused') {
    const headers = { 'retry-after': String(error.retryAfterSeconds ?? 1) };
    return new ApiError(error.status === 429 ? 'rate_limited' : 'overloaded', error.message, null, headers);
  }
  return new ApiError(FROM_ENGINE[error.code], error.message);
}
