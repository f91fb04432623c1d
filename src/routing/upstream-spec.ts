/**
 * @module routing/upstream-spec
 * `--upstream name=URL[,key=…][,kind=…][,max=N][,template=FILE]`: one remote inference server. `kind`
 * says which dialect it speaks (default seekstack; `openai` for a server that takes only chats, see
 * routing/openai-dialect.ts); `key` is its node token (seekstack) or API key;
 * `max` caps the requests in flight to it; `template` is the chat template file the gateway renders
 * prompts with for a vLLM or SGLang upstream, whose APIs do not expose theirs.
 */

export const UPSTREAM_KINDS = ['seekstack', 'vllm', 'sglang', 'llama-server', 'openai'] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

export interface UpstreamSpec {
  name: string;
  url: URL;
  kind: UpstreamKind;
  key?: string;
  /** Most requests in flight to it; undefined: no cap. */
  maxInFlight?: number;
  templatePath?: string;
}

export class UpstreamSpecError extends Error {
  override name = 'UpstreamSpecError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function parseUpstreamSpec(spec: string): UpstreamSpec {
  const [head, ...rest] = spec.split(',');
  const eq = head.indexOf('=');
  if (eq <= 0) throw new UpstreamSpecError(`--upstream takes name=URL[,key=…][,kind=…][,max=N][,template=FILE], got '${spec}'`);
  const name = head.slice(0, eq);
  if (!NAME.test(name)) throw new UpstreamSpecError(`an upstream's name is letters, digits, '.', '_' and '-' (at most 64), got '${name}'`);
  let url: URL;
  try {
    url = new URL(head.slice(eq + 1));
  } catch {
    throw new UpstreamSpecError(`the upstream '${name}' needs an http(s) URL, got '${head.slice(eq + 1)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UpstreamSpecError(`the upstream '${name}' needs an http(s) URL, got '${url.href}'`);
  // A base URL ending in /v1 (as clients are configured) names the same server.
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  const parsed: UpstreamSpec = { name, url, kind: 'seekstack' };
  for (const part of rest) {
    const at = part.indexOf('=');
    const [field, value] = at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
    switch (field) {
      case 'kind':
        if (!(UPSTREAM_KINDS as readonly string[]).includes(value)) {
          throw new UpstreamSpecError(`the upstream '${name}' has kind '${value}'; kinds are ${UPSTREAM_KINDS.join(', ')}`);
        }
        parsed.kind = value as UpstreamKind;
        break;
      case 'key':
        if (value === '') throw new UpstreamSpecError(`the upstream '${name}' has an empty key`);
        parsed.key = value;
        break;
      case 'max':
        if (!/^[1-9]\d*$/.test(value)) throw new UpstreamSpecError(`the upstream '${name}' needs max=N with N a positive integer, got '${value}'`);
        parsed.maxInFlight = Number(value);
        break;
      case 'template':
        if (value === '') throw new UpstreamSpecError(`the upstream '${name}' has an empty template path`);
        parsed.templatePath = value;
        break;
      default:
        throw new UpstreamSpecError(`the upstream '${name}' has an unknown field '${field}' (fields: key, kind, max, template)`);
    }
  }
  return parsed;
}
