/**
 * `seekstack ps`: the models a running server has loaded, as `ollama ps` shows them: memory estimate,
 * context, slots, requests in flight, idle time and when keep-alive unloads each; then its upstreams:
 * health, breaker, requests in flight and models. Reads GET /v1/ps.
 */
import { formatBytes, formatDuration } from '../../models/units.ts';
import { defineCommand, parseCommandArgs } from '../args.ts';
import { formatTable } from '../table.ts';

export const spec = defineCommand({
  options: {
    url: { type: 'string', default: process.env.SEEKSTACK_URL ?? 'http://127.0.0.1:8080', value: 'url', help: 'the server (SEEKSTACK_URL)' },
    'api-key': { type: 'string', default: process.env.SEEKSTACK_API_KEY, value: 'key', help: 'a key, once the server has keys (SEEKSTACK_API_KEY)' },
  },
});

interface PsBody {
  max_loaded: number;
  memory_limit_bytes: number;
  memory_used_bytes: number;
  data: Array<{
    id: string;
    state: string;
    memory: { total_bytes: number; context_tokens: number };
    slots: number | null;
    active_requests: number;
    idle_seconds: number;
    expires_in_seconds: number | null;
  }>;
  upstreams?: Array<{
    name: string;
    url: string | null;
    kind: string;
    healthy: boolean;
    breaker: string;
    in_flight: number;
    max_in_flight: number | null;
    models: string[];
    last_error: string | null;
  }>;
}

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs('ps', args, spec.options);
  if (!values) return 2;
  // Accepts the URL serve prints (ending in /v1) as well as the bare origin.
  const url = `${values.url.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/ps`;
  let response: Response;
  try {
    response = await fetch(url, { headers: values['api-key'] ? { authorization: `Bearer ${values['api-key']}` } : {} });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    console.error(`seekstack ps: cannot reach ${values.url}: ${cause?.message ?? (error as Error).message}`);
    return 1;
  }
  const body = (await response.json().catch(() => null)) as (PsBody & { error?: { message: string } }) | null;
  if (!response.ok || !body) {
    console.error(`seekstack ps: ${url} answered ${response.status}${body?.error ? `: ${body.error.message}` : ''}`);
    return 1;
  }
  const rows = body.data.map((m) => [
    m.id,
    m.state,
    formatBytes(m.memory.total_bytes),
    String(m.memory.context_tokens),
    m.slots === null ? '-' : String(m.slots),
    String(m.active_requests),
    m.active_requests > 0 ? '-' : formatDuration(m.idle_seconds),
    m.expires_in_seconds === null ? (m.active_requests > 0 ? 'in use' : 'never') : formatDuration(m.expires_in_seconds),
  ]);
  console.log(formatTable([['NAME', 'STATE', 'MEMORY', 'CONTEXT', 'SLOTS', 'REQUESTS', 'IDLE', 'UNLOADS IN'], ...rows]));
  console.log(`\n${formatBytes(body.memory_used_bytes)} of the ${formatBytes(body.memory_limit_bytes)} memory limit in use; at most ${body.max_loaded} loaded at once`);
  const upstreams = body.upstreams ?? [];
  if (upstreams.length > 0) {
    const upstreamRows = upstreams.map((u) => [
      u.name,
      u.kind,
      u.url ?? '-',
      u.healthy ? 'healthy' : 'down',
      u.breaker,
      u.max_in_flight === null ? String(u.in_flight) : `${u.in_flight}/${u.max_in_flight}`,
      u.models.join(', ') || '-',
      u.last_error ?? '',
    ]);
    console.log(`\n${formatTable([['UPSTREAM', 'KIND', 'URL', 'HEALTH', 'BREAKER', 'IN FLIGHT', 'MODELS', 'LAST ERROR'], ...upstreamRows])}`);
  }
  return 0;
}
