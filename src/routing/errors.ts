/**
 * @module routing/errors
 * How one attempt on an upstream failed, which decides what the router does next: `unreachable` (no
 * connection, a 5xx, a broken stream) counts against the upstream's breaker and is retried elsewhere
 * before the first token; `refused` (the upstream's own 429 or 503) is retried elsewhere and, when no
 * upstream is left, passed on with the upstream's Retry-After; `rejected` (the request itself is at fault:
 * too long, invalid) is the client's answer, never retried.
 */
import { EngineError, type EngineErrorCode } from '../engine/errors.ts';

export type FailureKind = 'unreachable' | 'refused' | 'rejected';

export class UpstreamError extends EngineError {
  override name = 'UpstreamError';
  readonly kind: FailureKind;
  /** The HTTP status to answer with when passed on (429 or 503 for a refusal). */
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: FailureKind, code: EngineErrorCode, message: string, options: { status?: number; retryAfterSeconds?: number } = {}) {
    super(code, message);
    this.kind = kind;
    this.status = options.status ?? (kind === 'rejected' ? 400 : 503);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Retry-After in seconds (a number of seconds or an HTTP date), if the header has a usable one. */
export function retryAfterSeconds(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The API error codes (DeepSeek's shape, as Seekstack and vLLM send them) that name a fault of the request. */
const REJECTIONS: Record<string, EngineErrorCode> = {
  context_length_exceeded: 'context_length_exceeded',
  invalid_parameter: 'invalid_request',
  invalid_request: 'invalid_request',
  invalid_request_error: 'invalid_request',
  BadRequestError: 'invalid_request',
};

/** An upstream's non-200 answer, classified; `body` is its parsed JSON, if any. */
export function failureOf(upstream: string, status: number, headers: Record<string, string | string[] | undefined>, body: unknown): UpstreamError {
  const error = (body as { error?: { message?: unknown; code?: unknown; type?: unknown } } | null)?.error;
  const detail = typeof error?.message === 'string' ? error.message : typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : `HTTP ${status}`;
  const message = `upstream ${upstream}: ${detail}`;
  if (status === 429 || status === 503) {
    return new UpstreamError('refused', 'overloaded', message, { status, retryAfterSeconds: retryAfterSeconds(headers['retry-after']) });
  }
  if (status === 400 || status === 413 || status === 422) {
    const code = REJECTIONS[String(error?.code)] ?? REJECTIONS[String(error?.type)] ?? 'invalid_request';
    return new UpstreamError('rejected', code, message, { status });
  }
  return new UpstreamError('unreachable', 'engine_unavailable', message, { status: 503 });
}
