/**
 * A local stand-in for Hugging Face's resolve endpoint, with the headers `huggingface_hub` relies on: a
 * 302 from `/<repo>/resolve/<rev>/<file>` to a CDN on another origin (`localhost` instead of `127.0.0.1`)
 * carrying `x-linked-etag` (the SHA-256) and `x-linked-size`; Range support with 206 on the CDN;
 * `x-error-code` on failures; `/api/models/<repo>/revision/<rev>` listing files. Faults are switched on per
 * file: drop the connection midway once, serve corrupted bytes, or hold the body until the test says.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubFile {
  readonly bytes: Buffer;
  /** Drop the connection after exactly this many body bytes have been sent, on the first GET only. */
  dropAfterBytes?: number;
  /** Flip one byte in every body served. */
  corrupt?: boolean;
  /** After the first 64 KiB chunk, wait for this before sending the rest, so a test can make pulls overlap for sure. */
  holdUntil?: Promise<void>;
}

export interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
  readonly authorization: string | undefined;
}

export interface FakeHub {
  /** The endpoint to pass as HF_ENDPOINT (with `prefix`, a mirror under a path). */
  readonly endpoint: string;
  readonly requests: HubRequest[];
  /** GETs of file bytes that started at byte 0. */
  fullDownloads(): number;
  close(): Promise<void>;
}

const CHUNK_BYTES = 64 * 1024;

export interface FakeHubOptions {
  readonly repos: Record<string, Record<string, HubFile>>;
  /** Refused without `Authorization: Bearer <token>`: 401 without a token, 403 with another. */
  readonly gated?: { readonly repo: string; readonly token: string };
  /** A path the endpoint lives under, as on some mirrors. */
  readonly prefix?: string;
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const prefix = options.prefix ?? '';
  const bySha = new Map<string, HubFile>();
  for (const files of Object.values(options.repos)) for (const file of Object.values(files)) bySha.set(sha256(file.bytes), file);
  const dropped = new Set<HubFile>();
  const requests: HubRequest[] = [];
  let cdnOrigin = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push({ method: req.method!, path: url.pathname, range: req.headers.range, authorization: req.headers.authorization });
    const fail = (status: number, errorCode: string) => {
      res.writeHead(status, { 'x-error-code': errorCode, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: errorCode }));
    };

    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) return void serveBytes(req, res, bySha.get(cdn[1])!, dropped);

    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/[^/]+$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    const repo = (listing ?? resolve)?.[1];
    if (!repo) return fail(404, 'NotFound');
    const files = options.repos[repo];
    if (!files) return fail(404, 'RepoNotFound');
    if (options.gated?.repo === repo && req.headers.authorization !== `Bearer ${options.gated.token}`) {
      return fail(req.headers.authorization ? 403 : 401, 'GatedRepo');
    }
    if (listing) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ id: repo, siblings: Object.keys(files).map((rfilename) => ({ rfilename })) }));
    }
    const file = files[decodeURIComponent(resolve![2])];
    if (!file) return fail(404, 'EntryNotFound');
    const sha = sha256(file.bytes);
    res.writeHead(302, {
      location: `${cdnOrigin}/cdn/${sha}`,
      'x-linked-etag': `"${sha}"`,
      'x-linked-size': String(file.bytes.length),
      etag: `W/"${sha.slice(0, 40)}"`,
      'x-repo-commit': '0123456789abcdef0123456789abcdef01234567',
    });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cdnOrigin = `http://localhost:${port}`;
  return {
    endpoint: `http://127.0.0.1:${port}${prefix}`,
    requests,
    fullDownloads: () => requests.filter((r) => r.method === 'GET' && r.path.startsWith('/cdn/') && r.range === undefined).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function serveBytes(req: http.IncomingMessage, res: http.ServerResponse, file: HubFile, dropped: Set<HubFile>): Promise<void> {
  const bytes = file.corrupt ? Buffer.from(file.bytes) : file.bytes;
  if (file.corrupt) bytes[bytes.length >> 1] ^= 0xff;
  const sha = sha256(file.bytes);
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const headers = { 'accept-ranges': 'bytes', etag: `"${sha}"`, 'content-type': 'application/octet-stream' };
  if (start >= bytes.length && range) {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${bytes.length}` });
    return void res.end();
  }
  const body = bytes.subarray(start);
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': String(body.length),
    ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
  });
  if (req.method === 'HEAD') return void res.end();
  const dropAt = req.method === 'GET' && file.dropAfterBytes !== undefined && !dropped.has(file) ? file.dropAfterBytes : undefined;
  for (let offset = 0; offset < body.length; offset += CHUNK_BYTES) {
    const chunk = body.subarray(offset, Math.min(body.length, offset + CHUNK_BYTES));
    if (dropAt !== undefined && offset + chunk.length > dropAt) {
      dropped.add(file);
      // Drop only once every byte up to dropAt has left Node's buffer: destroy() discards what is still
      // queued, so a fixed pause lost bytes whenever the client was slow to read (a loaded machine).
      return void res.write(chunk.subarray(0, dropAt - offset), () => res.destroy());
    }
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    if (file.holdUntil && offset === 0) await file.holdUntil;
    if (res.destroyed) return;
  }
  res.end();
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
