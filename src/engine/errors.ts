/**
 * Every error the engine reports to the server, by code. The API layer maps codes to HTTP statuses
 * (overloaded, engine_unavailable and model_capacity are 503s, context_length_exceeded, invalid_request
 * and model_too_large are 4xx). The model registry raises model_too_large and model_capacity itself.
 */
export const ENGINE_ERROR_CODES = [
  'overloaded',
  'context_length_exceeded',
  'invalid_request',
  'engine_unavailable',
  'model_invalid',
  /** The model's memory estimate exceeds the whole memory limit. */
  'model_too_large',
  /** The model would fit, but the loaded models in the way are serving requests. */
  'model_capacity',
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
