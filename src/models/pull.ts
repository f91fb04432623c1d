/**
 * @module `pull`: a catalog name or a Hugging Face repo (`owner/repo`, `owner/repo:file.gguf`, or
 * `owner/repo:Q4_K_M` to pick a quantisation) to verified files under `<data-dir>/models/`. Every part of
 * a split GGUF comes along, and the free disk space is checked for all of them before the first byte.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CATALOG, catalogEntry } from './catalog.ts';
import { downloadFile, partialPath, type PullEvent } from './download.ts';
import { ModelError } from './errors.ts';
import { DEFAULT_ENDPOINT, Hub, type RemoteFile } from './hub.ts';
import { modelsDir, pulledPath, splitParts, isLaterSplitPart } from './layout.ts';
import { resolveModel, type LocalModel } from './library.ts';
import { formatBytes } from './units.ts';

export type { PullEvent } from './download.ts';

export interface PullOptions {
  readonly dataDir: string;
  /** A Hugging Face mirror; default `HF_ENDPOINT`, else huggingface.co. */
  readonly endpoint?: string;
  /** Default `HF_TOKEN`; needed for gated and private repos. */
  readonly token?: string;
  readonly revision?: string;
  /** Resumed attempts after a broken connection, per file (default 5). */
  readonly retries?: number;
  /** Bytes free for the models folder; default the file system's figure (`statfs`). */
  readonly freeBytes?: (dir: string) => Promise<number>;
  readonly onEvent?: (event: PullEvent) => void;
}

/** Hugging Face's own listing of DeepSeek GGUFs defaults to this quantisation, as do Ollama's tags. */
const PREFERRED_QUANTIZATION = 'Q4_K_M';

export async function pullModel(spec: string, options: PullOptions): Promise<LocalModel> {
  const hub = new Hub(options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT), options.token ?? (process.env.HF_TOKEN || undefined));
  const revision = options.revision ?? 'main';
  const { repo, file } = await target(hub, spec, revision);
  const remotes = await Promise.all(splitParts(file).map((part) => hub.fileInfo(repo, revision, part)));
  await checkDiskSpace(options, remotes);
  const onEvent = options.onEvent ?? (() => {});
  for (const remote of remotes) {
    await downloadFile(hub, remote, pulledPath(options.dataDir, repo, remote.file), { retries: options.retries ?? 5, onEvent });
  }
  return resolveModel(options.dataDir, pulledPath(options.dataDir, repo, file));
}

async function target(hub: Hub, spec: string, revision: string): Promise<{ repo: string; file: string }> {
  const entry = catalogEntry(spec);
  if (entry) return { repo: entry.repo, file: entry.file };
  const match = /^([\w.-]+\/[\w.-]+)(?::(.+))?$/.exec(spec);
  if (!match) {
    // Ollama's `deepseek-r1:7b` is a distill; say which one instead of guessing.
    const tag = spec.split(':')[1]?.toLowerCase();
    const similar = tag ? CATALOG.filter((entry) => entry.name.split(':')[1].startsWith(tag)) : [];
    const hint = similar.length > 0 ? `; did you mean ${similar.map((entry) => `${entry.name} (${entry.description})`).join(' or ')}?` : '';
    throw new ModelError('remote_not_found', `'${spec}' is neither a catalog name ('seekstack models --catalog' lists them) nor a Hugging Face repo (owner/repo[:file.gguf])${hint}`);
  }
  const [, repo, choice] = match;
  if (choice?.endsWith('.gguf')) return { repo, file: choice };
  return { repo, file: pickFile(repo, choice, await hub.listFiles(repo, revision)) };
}

/** One model among a repo's GGUFs: the only one, the one matching `choice`, or the preferred quantisation. */
function pickFile(repo: string, choice: string | undefined, files: readonly string[]): string {
  const models = files.filter((file) => file.endsWith('.gguf') && !isLaterSplitPart(path.basename(file)));
  const wanted = (choice ?? '').toLowerCase();
  const matching = models.filter((file) => path.basename(file).toLowerCase().includes(wanted));
  if (matching.length === 1) return matching[0];
  const preferred = choice === undefined ? matching.filter((file) => file.includes(PREFERRED_QUANTIZATION)) : [];
  if (preferred.length === 1) return preferred[0];
  if (matching.length === 0) {
    const what = choice === undefined ? 'no GGUF files' : `no GGUF matching '${choice}'`;
    throw new ModelError('remote_not_found', `${repo} has ${what}${models.length > 0 ? `; it has ${models.join(', ')}` : ''}`);
  }
  throw new ModelError('ambiguous', `${repo} has several GGUFs${choice ? ` matching '${choice}'` : ''}; name one: ${matching.map((file) => `${repo}:${file}`).join(', ')}`);
}

/** What is already on disk (a finished part, or a partial to resume) is not needed again. */
async function checkDiskSpace(options: PullOptions, remotes: readonly RemoteFile[]): Promise<void> {
  const root = modelsDir(options.dataDir);
  await fs.mkdir(root, { recursive: true });
  let neededBytes = 0;
  for (const remote of remotes) {
    const dest = pulledPath(options.dataDir, remote.repo, remote.file);
    const have = (await sizeOrZero(dest)) || (await sizeOrZero(partialPath(dest)));
    neededBytes += Math.max(0, (remote.sizeBytes ?? 0) - have);
  }
  const freeBytes = await (options.freeBytes ?? statfsFreeBytes)(root);
  if (neededBytes > freeBytes) {
    throw new ModelError('disk_full', `${remotes[0].repo}/${remotes[0].file} needs ${formatBytes(neededBytes)} more on ${root}, but only ${formatBytes(freeBytes)} is free`);
  }
}

async function statfsFreeBytes(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}

async function sizeOrZero(file: string): Promise<number> {
  return (await fs.stat(file).catch(() => undefined))?.size ?? 0;
}
