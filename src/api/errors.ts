/**
 * @module api/errors
 * Every error a client can see, by code, with its HTTP status and OpenAI/DeepSeek error type (after
 * Fastify's lib/errors.js). Bodies always have DeepSeek's shape: {"error": {message, type, param, code}}.
 */
import type { EngineErrorCode } from '../engine/errors.ts';

const CATALOG = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  model_not_found: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  invalid_parameter: { status: 422, type: 'invalid_request_error' },
  authentication_failed: { status: 401, type: 'authentication_error' },
  insufficient_balance: { status: 402, type: 'insufficient_balance_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  internal: { status: 500, type: 'server_error' },
  overloaded: { status: 503, type: 'server_overloaded' },
  engine_unavailable: { status: 503, type: 'server_overloaded' },
} as const;

export type ApiErrorCode = keyof typeof CATALOG;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  /** Extra response headers (Retry-After, x-ratelimit-*). */
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, param: string | null = null, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = CATALOG[code].status;
    this.type = CATALOG[code].type;
    this.param = param;
    this.headers = headers;
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const FROM_ENGINE: Record<EngineErrorCode, ApiErrorCode> = {
  overloaded: 'overloaded',
  engine_unavailable: 'engine_unavailable',
  context_length_exceeded: 'context_length_exceeded',
  invalid_request: 'invalid_parameter',
  model_invalid: 'internal',
  internal: 'internal',
};

export function fromEngineError(code: EngineErrorCode, message: string): ApiError {
  return new ApiError(FROM_ENGINE[code], message);
}
