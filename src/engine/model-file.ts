/**
 * The check every model file passes before llama.cpp sees it: llama.cpp aborts the whole process on
 * some malformed files, so a bad file must be refused here, as an EngineError with one readable line.
 */
import { EngineError } from './errors.ts';
import { GgufError, validateGguf } from './gguf/validate.ts';
import { summarizeGguf, type GgufSummary } from './gguf/summary.ts';

export function validateModelFile(path: string): GgufSummary {
  try {
    return summarizeGguf(validateGguf(path));
  } catch (error) {
    if (error instanceof GgufError) throw new EngineError('model_invalid', error.message);
    throw error;
  }
}
