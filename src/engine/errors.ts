/**
 * Every error the engine reports to the server, by code. The API layer maps codes to HTTP statuses
 * (overloaded and engine_unavailable are 503s, context_length_exceeded and invalid_request are 4xx).
 */
export const ENGINE_ERROR_CODES = [
  'overloaded',
  'context_length_exceeded',
  'invalid_request',
  'engine_unavailable',
  'model_invalid',
  'internal',
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}
