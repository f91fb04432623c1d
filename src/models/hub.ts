/**
 * @module The Hugging Face side of a pull: the resolve endpoint (or a mirror of it), its redirects and
 * headers, and its errors turned into messages that say what to do.
 *
 * Hugging Face answers `/<repo>/resolve/<revision>/<file>` for an LFS file with a 302 to a CDN, and puts
 * the file's SHA-256 (`x-linked-etag`) and size (`x-linked-size`) on that 302, not on the CDN's answer, so
 * redirects are followed by hand. The token goes only to the endpoint's own origin: the CDN URL is
 * already signed, and a token must not leak to another host.
 */
import { ModelError } from './errors.ts';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface RemoteFile {
  readonly repo: string;
  readonly revision: string;
  readonly file: string;
  /** Undefined when the server states no size (then only the hash can catch a short download). */
  readonly sizeBytes: number | undefined;
  /** Undefined when the server publishes no SHA-256 (a non-LFS file, or a mirror that drops the header). */
  readonly sha256: string | undefined;
}

const MAX_REDIRECTS = 10;

export class Hub {
  readonly endpoint: string;

  constructor(
    endpoint: string,
    readonly token: string | undefined,
  ) {
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  /** Size and SHA-256 of one file, from a HEAD request. */
  async fileInfo(repo: string, revision: string, file: string): Promise<RemoteFile> {
    const { response, linked } = await this.#request(this.#resolveUrl(repo, revision, file), { method: 'HEAD' }, { repo, file });
    const size = linked.size ?? response.headers.get('content-length');
    return { repo, revision, file, sizeBytes: size === null ? undefined : Number(size), sha256: sha256Of(linked.etag) };
  }

  /** The file's bytes from `fromByte` on; the caller checks whether the server honoured the range (206) or not (200). */
  async download(remote: RemoteFile, fromByte: number): Promise<Response> {
    const headers: Record<string, string> = fromByte > 0 ? { range: `bytes=${fromByte}-` } : {};
    const url = this.#resolveUrl(remote.repo, remote.revision, remote.file);
    return (await this.#request(url, { method: 'GET', headers }, remote)).response;
  }

  /** Every file path in a repo at a revision. */
  async listFiles(repo: string, revision: string): Promise<string[]> {
    const url = `${this.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
    const { response } = await this.#request(url, { method: 'GET' }, { repo });
    const body = (await response.json()) as { siblings?: Array<{ rfilename?: unknown }> };
    return (body.siblings ?? []).map((sibling) => sibling.rfilename).filter((name): name is string => typeof name === 'string');
  }

  #resolveUrl(repo: string, revision: string, file: string): string {
    const filePath = file.split('/').map(encodeURIComponent).join('/');
    return `${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${filePath}`;
  }

  async #request(url: string, init: { method: string; headers?: Record<string, string> }, target: Target) {
    const origin = new URL(this.endpoint).origin;
    const linked: { etag?: string; size?: string } = {};
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers = { ...init.headers, ...(this.token && new URL(url).origin === origin ? { authorization: `Bearer ${this.token}` } : {}) };
      let response: Response;
      try {
        response = await fetch(url, { method: init.method, headers, redirect: 'manual' });
      } catch (error) {
        const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
        throw new ModelError('download_failed', `cannot reach ${new URL(url).origin} (${reason}); set HF_ENDPOINT to use a mirror`, { cause: error });
      }
      linked.etag ??= response.headers.get('x-linked-etag') ?? undefined;
      linked.size ??= response.headers.get('x-linked-size') ?? undefined;
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url).toString();
        continue;
      }
      if (response.ok || response.status === 416) return { response, linked };
      await response.body?.cancel();
      throw this.#failure(response, target);
    }
    throw new ModelError('download_failed', `${describe(target)}: more than ${MAX_REDIRECTS} redirects from ${this.endpoint}`);
  }

  /** Hugging Face says which failure it is in `x-error-code`; a mirror may not, so the status decides then. */
  #failure(response: Response, { repo, file }: Target): ModelError {
    const errorCode = response.headers.get('x-error-code');
    if (errorCode === 'RepoNotFound' || (response.status === 404 && file === undefined)) {
      const hint = this.token ? '' : ' (or it is private: set HF_TOKEN)';
      return new ModelError('remote_not_found', `${repo} does not exist on ${this.endpoint}${hint}`);
    }
    if (response.status === 404) {
      return new ModelError('remote_not_found', `${repo} has no file ${file} on ${this.endpoint}`);
    }
    if (response.status === 401 || response.status === 403) {
      const page = `${this.endpoint}/${repo}`;
      return new ModelError(
        'gated',
        this.token
          ? `${repo} is gated and HF_TOKEN was refused (HTTP ${response.status}): accept the model's terms on ${page} with the account the token belongs to`
          : `${repo} is gated (HTTP ${response.status}): accept the model's terms on ${page}, then set HF_TOKEN to an access token of that account`,
      );
    }
    return new ModelError('download_failed', `${describe({ repo, file })}: HTTP ${response.status} ${response.statusText} from ${this.endpoint}`);
  }
}

interface Target {
  readonly repo: string;
  readonly file?: string;
}

function describe({ repo, file }: Target): string {
  return file === undefined ? repo : `${repo}/${file}`;
}

/** Hugging Face quotes the hash and may mark it weak (`W/"…"`); anything else is not a SHA-256. */
function sha256Of(etag: string | undefined): string | undefined {
  const hex = etag?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  return hex && /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}
