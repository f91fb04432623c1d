/** @module platform/errors: why the platform refused a request; the API maps each code to its status and shape. */
export type PlatformErrorCode = 'authentication_failed' | 'permission_denied' | 'model_not_allowed' | 'insufficient_balance' | 'rate_limited' | 'not_found' | 'conflict' | 'invalid' | 'unavailable';

export class PlatformError extends Error {
  override name = 'PlatformError';
  readonly code: PlatformErrorCode;
  /** Retry-After and x-ratelimit-* for rate-limit refusals. */
  readonly headers: Record<string, string>;

  constructor(code: PlatformErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }
}
