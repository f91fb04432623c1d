/** @module The one error type of the model-files layer; `code` says what went wrong, the message says what to do. */

export type ModelErrorCode =
  | 'model_not_found'
  | 'remote_not_found'
  | 'ambiguous'
  | 'gated'
  | 'disk_full'
  | 'checksum_mismatch'
  | 'download_failed'
  | 'bundled';

export class ModelError extends Error {
  override name = 'ModelError';

  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
