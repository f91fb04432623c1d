/**
 * @module The models on this machine: every complete GGUF under `<data-dir>/models/` plus the one bundled
 * with Seekstack, each with a name to ask for it by, what its header says, and the file(s) to load.
 *
 * Names: a pulled catalog model goes by its catalog name; any other pulled file by what `pull` took
 * (`owner/repo:file.gguf`); a file placed by hand by its path under `models/` without `.gguf`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODEL } from './bundled.ts';
import { readGgufInfo, type GgufInfo } from '../engine/gguf/reader.ts';
import { summarizeGguf, type GgufSummary } from '../engine/gguf/summary.ts';
import { catalogEntry, catalogEntryFor } from './catalog.ts';
import { ModelError } from './errors.ts';
import { isLaterSplitPart, modelsDir, partPaths, pulledOrigin } from './layout.ts';

export interface LocalModel {
  readonly name: string;
  /** The file to load (the first part of a split model). */
  readonly path: string;
  /** Every file of the model, `path` first. */
  readonly parts: readonly string[];
  readonly isBundled: boolean;
  /** Where it was pulled from, if it was. */
  readonly origin: { readonly repo: string; readonly file: string } | undefined;
  /** Read from the header(s) of every part; undefined when a header cannot be read (`problem` says why). */
  readonly summary: GgufSummary | undefined;
  readonly problem: string | undefined;
}

/** Local models first, then the bundled one; incomplete split models are left out. */
export function listModels(dataDir: string): LocalModel[] {
  return locate(dataDir).map(describe);
}

/**
 * A model by its name, its catalog name with or without the quantisation, its file name (with or without
 * `.gguf`) when only one model has it, or the path of a GGUF file anywhere. Reads only that model's header.
 */
export function resolveModel(dataDir: string, name: string): LocalModel {
  const located = locate(dataDir);
  const catalogName = catalogEntry(name)?.name;
  const byName = located.find((model) => model.name === name || model.name === catalogName || model.path === path.resolve(name));
  if (byName) return describe(byName);
  const bare = name.replace(/\.gguf$/, '');
  const byFile = located.filter((model) => path.basename(model.path, '.gguf') === bare);
  if (byFile.length === 1) return describe(byFile[0]);
  if (name.endsWith('.gguf') && fs.existsSync(name)) return describe({ name, path: path.resolve(name), isBundled: false, origin: undefined });
  const hint = catalogName || name.includes('/') ? `pull it with 'seekstack pull ${name}'` : "'seekstack models' lists them";
  throw new ModelError('model_not_found', `no local model '${name}'${byFile.length > 1 ? ' (several files have that name: use the full name)' : ''}; ${hint}`);
}

/** Deletes every part, and the folders a pull made that are left empty. */
export function removeModel(dataDir: string, name: string): LocalModel {
  const model = resolveModel(dataDir, name);
  const root = modelsDir(dataDir);
  if (model.isBundled) throw new ModelError('bundled', `${model.name} is bundled with Seekstack; it stays`);
  if (path.relative(root, model.path).startsWith('..')) {
    throw new ModelError('bundled', `${model.path} is not under ${root}, so Seekstack leaves it alone`);
  }
  for (const part of model.parts) fs.rmSync(part, { force: true });
  for (let dir = path.dirname(model.path); dir !== root && dir.startsWith(root); dir = path.dirname(dir)) {
    if (fs.readdirSync(dir).length > 0) break;
    fs.rmdirSync(dir);
  }
  return model;
}

type Located = Pick<LocalModel, 'name' | 'path' | 'isBundled' | 'origin'>;

/** Every model's name and file, from the directory listing alone. */
function locate(dataDir: string): Located[] {
  const root = modelsDir(dataDir);
  const files = fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) : [];
  const local = files
    .filter((file) => file.endsWith('.gguf') && !isLaterSplitPart(path.basename(file)))
    .sort()
    .map((file) => path.join(root, file))
    .filter((file) => partPaths(file).every((part) => fs.existsSync(part)))
    .map((file) => ({ name: nameOf(dataDir, file), path: file, isBundled: false, origin: pulledOrigin(dataDir, file) }));
  return [...local, { name: path.basename(DEFAULT_MODEL, '.gguf'), path: DEFAULT_MODEL, isBundled: true, origin: undefined }];
}

function nameOf(dataDir: string, file: string): string {
  const origin = pulledOrigin(dataDir, file);
  if (!origin) return path.relative(modelsDir(dataDir), file).replace(/\.gguf$/, '').split(path.sep).join('/');
  return catalogEntryFor(origin.repo, origin.file)?.name ?? `${origin.repo}:${origin.file}`;
}

function describe(located: Located): LocalModel {
  const parts = partPaths(located.path);
  try {
    return { ...located, parts, summary: summarizeGguf(merge(parts.map(readGgufInfo))), problem: undefined };
  } catch (error) {
    return { ...located, parts, summary: undefined, problem: (error as Error).message };
  }
}

/** A split model as one file: the first part's metadata with every part's tensors and bytes. */
function merge(parts: readonly GgufInfo[]): GgufInfo {
  const [first] = parts;
  return { ...first, tensors: parts.flatMap((part) => part.tensors), fileSize: parts.reduce((sum, part) => sum + part.fileSize, 0) };
}
