/**
 * The check every model file passes before llama.cpp sees it: llama.cpp aborts the whole process on
 * some malformed files, so a bad file must be refused here, as an EngineError with one readable line.
 */
import fs from 'node:fs';
import { EngineError } from './errors.ts';
import { GgufError, validateGguf } from './gguf/validate.ts';
import { summarizeGguf, type GgufSummary } from './gguf/summary.ts';

/**
 * Summaries of files already validated, by file identity: the registry checks a model when it learns of
 * it and the engine client again before each start, and reading a real vocabulary's metadata takes a
 * noticeable part of start-up. A file changed in place (size, time or inode) is read again.
 */
const validated = new Map<string, { identity: string; summary: GgufSummary }>();

export function validateModelFile(path: string): GgufSummary {
  const stat = statOf(path);
  const identity = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : '';
  const known = validated.get(path);
  if (stat && known?.identity === identity) return known.summary;
  try {
    const summary = summarizeGguf(validateGguf(path));
    if (stat) validated.set(path, { identity, summary });
    return summary;
  } catch (error) {
    if (error instanceof GgufError) throw new EngineError('model_invalid', error.message);
    throw error;
  }
}

/** The file's stat, or undefined where it cannot be had: validateGguf then says why in its own words. */
function statOf(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    return undefined;
  }
}
