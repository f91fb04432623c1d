/**
 * @module One file from the hub to disk: bytes go to `<dest>.partial`, a later attempt (in this process
 * or the next) resumes it with an HTTP Range after hashing what is already there, and the file is
 * renamed into place only once its size and SHA-256 match what the hub published.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ModelError } from './errors.ts';
import type { Hub, RemoteFile } from './hub.ts';
import { withLock } from './lock.ts';
import { ReadAhead } from './read-ahead.ts';

export type PullEvent =
  /** Another pull of the same file holds its lock; this one waits and then uses its result. */
  | { readonly kind: 'waiting'; readonly file: string }
  | { readonly kind: 'progress'; readonly file: string; readonly receivedBytes: number; readonly totalBytes: number | undefined }
  | { readonly kind: 'retry'; readonly file: string; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'done'; readonly file: string; readonly sizeBytes: number; readonly verified: boolean; readonly downloaded: boolean };

export interface DownloadOptions {
  /** Attempts after the first one fails mid-transfer; each resumes where the last stopped. */
  readonly retries: number;
  readonly onEvent: (event: PullEvent) => void;
}

/** Already received bytes and their running hash. */
interface Partial {
  bytes: number;
  hash: Hash;
}

const RETRY_DELAY_MS = 500;
/** Bytes received ahead of the disk (see read-ahead.ts). */
const MAX_READ_AHEAD_BYTES = 64 * 1024 * 1024;

export function partialPath(dest: string): string {
  return `${dest}.partial`;
}

export async function downloadFile(hub: Hub, remote: RemoteFile, dest: string, options: DownloadOptions): Promise<void> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const onWait = () => options.onEvent({ kind: 'waiting', file: remote.file });
  await withLock(`${dest}.lock`, onWait, async () => {
    const present = await sizeOf(dest);
    // The file was verified when it was renamed into place; hashing hundreds of GB on every pull would be too slow.
    if (present !== undefined && (remote.sizeBytes === undefined || present === remote.sizeBytes)) {
      options.onEvent({ kind: 'done', file: remote.file, sizeBytes: present, verified: remote.sha256 !== undefined, downloaded: false });
      return;
    }
    const partial = await resume(partialPath(dest), remote.sizeBytes);
    for (let attempt = 1; ; attempt++) {
      try {
        await transfer(hub, remote, partialPath(dest), partial, options);
        break;
      } catch (error) {
        const isTransient = error instanceof Interrupted || (error instanceof ModelError && error.code === 'download_failed');
        if (!isTransient) throw error;
        if (attempt > options.retries) {
          throw new ModelError(
            'download_failed',
            `the download of ${remote.file} stopped at ${partial.bytes} of ${remote.sizeBytes ?? '?'} bytes (${error.message}); pull again to resume it`,
          );
        }
        options.onEvent({ kind: 'retry', file: remote.file, attempt, reason: error.message });
        await sleep(RETRY_DELAY_MS * attempt);
      }
    }
    await verify(remote, partialPath(dest), partial);
    await fs.rename(partialPath(dest), dest);
    options.onEvent({ kind: 'done', file: remote.file, sizeBytes: partial.bytes, verified: remote.sha256 !== undefined, downloaded: true });
  });
}

/** The connection broke mid-body; what arrived so far is kept. */
class Interrupted extends Error {}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Hashes the bytes a previous run left; a partial longer than the file cannot be right and starts over. */
async function resume(partialFile: string, sizeBytes: number | undefined): Promise<Partial> {
  const bytes = (await sizeOf(partialFile)) ?? 0;
  const hash = createHash('sha256');
  if (bytes === 0 || (sizeBytes !== undefined && bytes > sizeBytes)) return { bytes: 0, hash };
  for await (const chunk of createReadStream(partialFile)) hash.update(chunk as Buffer);
  return { bytes, hash };
}

async function transfer(hub: Hub, remote: RemoteFile, partialFile: string, partial: Partial, options: DownloadOptions): Promise<void> {
  if (remote.sizeBytes !== undefined && partial.bytes === remote.sizeBytes) return;
  let response = await hub.download(remote, partial.bytes);
  const resumed = partial.bytes > 0 && response.status === 206 && rangeStart(response) === partial.bytes;
  if (!resumed) {
    // No Range support, or a 416 for a partial the server disowns: start over.
    partial.bytes = 0;
    partial.hash = createHash('sha256');
    if (response.status !== 200) {
      await response.body?.cancel();
      response = await hub.download(remote, 0);
    }
  }
  return receive(response, remote, partialFile, partial, options, resumed ? 'a' : 'w');
}

async function receive(response: Response, remote: RemoteFile, partialFile: string, partial: Partial, options: DownloadOptions, flags: 'w' | 'a'): Promise<void> {
  const handle = await fs.open(partialFile, flags);
  try {
    const report = () => options.onEvent({ kind: 'progress', file: remote.file, receivedBytes: partial.bytes, totalBytes: remote.sizeBytes });
    report();
    const body = new ReadAhead(response.body!, MAX_READ_AHEAD_BYTES);
    try {
      for (;;) {
        let chunk: Uint8Array | null;
        try {
          chunk = await body.next();
        } catch (error) {
          throw new Interrupted((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
        }
        if (!chunk) break;
        await write(handle, chunk, partialFile);
        partial.hash.update(chunk);
        partial.bytes += chunk.length;
        report();
      }
    } catch (error) {
      await body.cancel();
      throw error;
    }
  } finally {
    await handle.close();
  }
}

async function write(handle: fs.FileHandle, chunk: Uint8Array, partialFile: string): Promise<void> {
  try {
    await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    await fs.rm(partialFile, { force: true });
    throw new ModelError('disk_full', `the disk filled up while writing ${partialFile}; the partial download was removed`, { cause: error });
  }
}

function rangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

/** A mismatch means the bytes are wrong, not late: they are deleted so the next pull starts clean. */
async function verify(remote: RemoteFile, partialFile: string, partial: Partial): Promise<void> {
  const fail = async (problem: string): Promise<never> => {
    await fs.rm(partialFile, { force: true });
    throw new ModelError('checksum_mismatch', `${remote.repo}/${remote.file}: ${problem}; the download was discarded, pull again to retry`);
  };
  if (remote.sizeBytes !== undefined && partial.bytes !== remote.sizeBytes) {
    await fail(`received ${partial.bytes} bytes, expected ${remote.sizeBytes}`);
  }
  const sha256 = partial.hash.digest('hex');
  if (remote.sha256 !== undefined && sha256 !== remote.sha256) await fail(`SHA-256 is ${sha256}, expected ${remote.sha256}`);
}
