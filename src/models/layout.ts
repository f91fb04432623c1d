/**
 * @module Where model files live under `<data-dir>/models/`, and how split GGUFs are named.
 * A pulled file keeps its Hugging Face path: `huggingface/<owner>/<repo>/<file>`, so one repo's quantisations
 * sit side by side and a name can always be traced back to where it came from. Any other `.gguf` placed
 * under `models/` by hand is a local model too, named by its path.
 */
import path from 'node:path';

export const HUGGINGFACE_DIR = 'huggingface';

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/** Where a file of a Hugging Face repo is stored. */
export function pulledPath(dataDir: string, repo: string, file: string): string {
  return path.join(modelsDir(dataDir), HUGGINGFACE_DIR, ...repo.split('/'), ...file.split('/'));
}

/** The repo and file a stored path came from, or undefined for a file placed by hand. */
export function pulledOrigin(dataDir: string, filePath: string): { repo: string; file: string } | undefined {
  const relative = path.relative(modelsDir(dataDir), filePath).split(path.sep);
  if (relative[0] !== HUGGINGFACE_DIR || relative.length < 4) return undefined;
  return { repo: `${relative[1]}/${relative[2]}`, file: relative.slice(3).join('/') };
}

/** llama.cpp's gguf-split naming: `<prefix>-00001-of-00003.gguf`. */
const SPLIT_PATTERN = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** Every part of the model a file belongs to, in order; a file that is not split is its own only part. */
export function splitParts(file: string): string[] {
  const match = SPLIT_PATTERN.exec(file);
  if (!match) return [file];
  const count = Number(match[3]);
  return Array.from({ length: count }, (_, i) => `${match[1]}-${String(i + 1).padStart(5, '0')}-of-${match[3]}.gguf`);
}

/** A second or later part, which is listed and loaded through its first part. */
export function isLaterSplitPart(file: string): boolean {
  const match = SPLIT_PATTERN.exec(file);
  return match !== null && Number(match[2]) !== 1;
}

/** The paths of every part of the model whose file (any part) is at `filePath`. */
export function partPaths(filePath: string): string[] {
  return splitParts(path.basename(filePath)).map((part) => path.join(path.dirname(filePath), part));
}
