/**
 * A property over the whole HTTP surface: every route the server registers (read from its own
 * /openapi.json, so routes added later are covered without touching this test) gets randomly generated
 * requests (wrong types, unknown fields, huge, deeply nested and prototype-named values, bodies that are
 * not JSON, odd path parameters, each credential). Whatever it gets, the server never answers 5xx, every
 * refusal is in DeepSeek's error shape (Anthropic's under /anthropic, Ollama's under /api), nothing is written for a refused request, and the server still
 * serves afterwards. The generator is seeded (SEEKSTACK_PROPERTY_SEED to replay a run).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { databaseFile } from '../../src/platform/platform.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

const SEED = Number(process.env.SEEKSTACK_PROPERTY_SEED ?? 20261201);
const REQUESTS_PER_OPERATION = 12;

/** mulberry32: small, seeded, good enough to pick cases. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)], chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof prng>;

type Schema = Record<string, unknown>;

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];
const ODD_STRINGS = [...PROTOTYPE_NAMES, '', ' ', 'x'.repeat(300), '../../etc/passwd', '%00', 'ñandú 🐧', '\u0000', 'null', '-1', '1e308', '<script>'];

/** Raw JSON text nested `depth` arrays deep. */
const deepText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A value that fits the schema as far as a few simple rules go; a miss just makes one more refused request. */
function sample(schema: Schema | undefined, path = ''): unknown {
  if (!schema) return 'x';
  if ('const' in schema) return schema.const;
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options) return sample(options[0], path);
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(((schema.required ?? []) as string[]).map((name) => [name, sample(properties[name], `${path}.${name}`)]));
    }
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => sample(schema.items as Schema, path));
    case 'integer':
    case 'number':
      return Math.max(Number(schema.minimum ?? 1), 1);
    case 'boolean':
      return true;
    case 'string':
      if (typeof schema.pattern === 'string') return schema.pattern.includes('[mhdw]') ? '30d' : 'abcd1234';
      return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
    default:
      return null;
  }
}

/** Known-good bases where a schema sample would not be one (a real model, one tiny answer). */
const BASES: Record<string, unknown> = {
  'POST /v1/chat/completions': { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 },
  'POST /v1/completions': { model: 'deepseek-chat', prompt: 'hi', max_tokens: 1 },
  'POST /v1/beta/completions': { model: 'deepseek-chat', prompt: 'hi', max_tokens: 1 },
  'POST /api/chat': { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 1 } },
  'POST /api/generate': { model: 'deepseek-chat', prompt: 'hi', options: { num_predict: 1 } },
};

function wrongType(random: Random, schema: Schema | undefined): unknown {
  const candidates: unknown[] = ['a string', 12345, -1, 1.5, true, null, [], [1, 'two'], { nested: { value: 1 } }, 1e308, -1e308, 2 ** 64];
  const type = schema?.type;
  return random.pick(candidates.filter((v) => typeof v !== type && !(type === 'array' && Array.isArray(v))));
}

interface Body {
  /** JSON text or raw bytes. */
  payload: string | Buffer;
  contentType: string;
}

/** One random body for a route whose body schema is `schema` (or which takes none). */
function randomBody(random: Random, schema: Schema | undefined, base: unknown): Body {
  const json = (value: unknown) => ({ payload: JSON.stringify(value), contentType: 'application/json' });
  const object = (base && typeof base === 'object' && !Array.isArray(base) ? structuredClone(base) : {}) as Record<string, unknown>;
  const properties = (schema?.properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  switch (Math.floor(random.next() * 10)) {
    case 0:
      return json({ ...object, [random.pick([...PROTOTYPE_NAMES.slice(1), 'unknownField', 'camelCaseName', 'x'.repeat(100)])]: random.pick(ODD_STRINGS) });
    case 1: {
      const name = names.length > 0 ? random.pick(names) : 'field';
      return json({ ...object, [name]: wrongType(random, properties[name]) });
    }
    case 2: {
      const name = names.length > 0 ? random.pick(names) : 'field';
      return json({ ...object, [name]: random.pick([...ODD_STRINGS, 'y'.repeat(200_000), 0, 2 ** 53 + 2, Number.MAX_VALUE, -0.5, { a: [{ b: [{ c: null }] }] }]) });
    }
    case 3: {
      // Nested past the bound, in a known field; JSON.stringify would not even build it.
      const name = names.length > 0 ? random.pick(names) : 'field';
      const text = JSON.stringify({ ...object, [name]: '__DEEP__' }).replace('"__DEEP__"', deepText(random.pick([129, 1000, 20_000])));
      return { payload: text, contentType: 'application/json' };
    }
    case 4:
      return { payload: JSON.stringify({ ...object }).replace(/^\{/, '{"__proto__":{"isAdmin":true,"admin":true},'), contentType: 'application/json' };
    case 5:
      return json(random.pick([null, 0, 'text', [], [object], true, 1e400]));
    case 6:
      return { payload: random.pick(['{', '{"a":', 'not json', '{"a":1}}', '\u0000', '']), contentType: 'application/json' };
    case 7:
      return { payload: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), contentType: 'application/json' };
    case 8:
      return { payload: JSON.stringify(object), contentType: random.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) };
    default: {
      // A nested object of the base gets an unknown field, or the base goes as it is.
      const nested = names.find((name) => object[name] && typeof object[name] === 'object');
      if (nested && random.chance(0.7)) {
        const value = object[nested];
        const target = Array.isArray(value) ? value[0] : value;
        if (target && typeof target === 'object') (target as Record<string, unknown>)[random.pick(['extra', 'Role', '__proto__x'])] = 1;
      }
      return json(object);
    }
  }
}

function fillPath(random: Random, path: string, parameters: Array<{ name: string; in: string }>): string {
  let filled = path;
  for (const { name } of parameters.filter((p) => p.in === 'path')) {
    filled = filled.replace(`{${name}}`, encodeURIComponent(random.pick([...ODD_STRINGS.filter((s) => s !== ''), 'root', 'key_0011223344556677', 'deepseek-chat'])));
  }
  return filled;
}

function randomQuery(random: Random, parameters: Array<{ name: string; in: string }>): string {
  const names = [...parameters.filter((p) => p.in === 'query').map((p) => p.name), 'unknown', '__proto__', 'by', 'since'];
  if (random.chance(0.3)) return '';
  const count = 1 + Math.floor(random.next() * 3);
  return `?${Array.from({ length: count }, () => `${encodeURIComponent(random.pick(names))}=${encodeURIComponent(random.pick([...ODD_STRINGS, '99999999999d', '7d', 'day', 'tenant', 'requested_model']))}`).join('&')}`;
}

/** Everything a refused request must leave as it was. */
function snapshot(db: Database.Database): string {
  const counts = ['tenants', 'api_keys', 'usage_ledger', 'usage_daily', 'model_prices', 'audit_log', 'app_users', 'app_sessions', 'app_conversations', 'app_settings', 'budget_reservations']
    .map((table) => `${table}=${db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()}`);
  const keys = db.prepare('SELECT GROUP_CONCAT(id || rpm || tpm || budget_tokens || spent_tokens || reserved_tokens || revoked_at) FROM api_keys').pluck().get();
  const settings = db.prepare('SELECT GROUP_CONCAT(value) FROM app_settings').pluck().get();
  const users = db.prepare('SELECT GROUP_CONCAT(username || disabled_at || retention_days) FROM app_users').pluck().get();
  return [...counts, keys, settings, users].join('|');
}

describe('every route, random requests', () => {
  const server = serverForSuite(async () => [await tinyModel('llama')], { assistant: true });

  it(`never answers 5xx, refuses in DeepSeek's shape, writes nothing when it refuses, and keeps serving (seed ${SEED})`, async () => {
    const { origin, platform, assistant, dataDir } = server();
    await platform.admin.createTenant('ops', 'test');
    const adminKey = (await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ops', isAdmin: true }, 'test')).secret;
    const userKey = (await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ops', budgetTokens: 1_000_000 }, 'test')).secret;
    await assistant!.accounts.createAccount('root', 'root-password', { isAdmin: true, actor: 'test' });
    const newSession = async () => {
      const issued = await assistant!.accounts.signIn('root', 'root-password', '10.9.9.9');
      return { cookie: `seekstack_session=${issued.cookieValue}`, csrf: issued.csrfToken };
    };

    const document = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: Schema }> } }>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
    assert.ok(operations.length >= 40, `the document lists every route (${operations.length})`);

    const random = prng(SEED);
    const db = new Database(databaseFile(dataDir), { readonly: true });
    const failures: string[] = [];
    let refused = 0;
    try {
      for (const { path, method, op } of operations) {
        const session = await newSession();
        for (let i = 0; i < REQUESTS_PER_OPERATION; i++) {
          const schema = op.requestBody?.content['application/json']?.schema;
          const takesBody = method !== 'GET' && method !== 'DELETE';
          const body = takesBody ? randomBody(random, schema, BASES[`${method} ${path}`] ?? sample(schema)) : undefined;
          const url = `${origin}${fillPath(random, path, op.parameters ?? [])}${method === 'GET' ? randomQuery(random, op.parameters ?? []) : ''}`;
          const credential = random.pick(['none', 'admin', 'user', 'session', 'wrong']);
          const headers: Record<string, string> = body ? { 'content-type': body.contentType } : {};
          if (credential === 'admin') headers.authorization = `Bearer ${adminKey}`;
          if (credential === 'user') headers.authorization = `Bearer ${userKey}`;
          if (credential === 'wrong') headers.authorization = random.pick(['Bearer sk-wrong', 'Basic abc', 'Bearer', `Bearer ${adminKey}x`]);
          if (credential === 'session') Object.assign(headers, { cookie: session.cookie, 'x-csrf-token': session.csrf });

          const before = snapshot(db);
          const response = await fetch(url, { method, headers, body: body ? (typeof body.payload === 'string' ? body.payload : new Blob([body.payload])) : undefined });
          const text = await response.text();
          const what = `${method} ${url.slice(origin.length, origin.length + 120)} as ${credential}, body ${body ? String(body.payload).slice(0, 120) : '-'}`;
          if (response.status >= 500) failures.push(`${response.status} for ${what}: ${text.slice(0, 200)}`);
          if (response.status < 400) continue;
          refused++;
          let parsed: { type?: unknown; error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown } } | undefined;
          try {
            parsed = JSON.parse(text);
          } catch {
            failures.push(`${response.status} not JSON for ${what}: ${text.slice(0, 200)}`);
            continue;
          }
          const error = parsed?.error;
          // Anthropic's routes refuse in Anthropic's shape, Ollama's in Ollama's `{"error": "message"}`.
          const isAnthropic = path.startsWith('/anthropic/');
          const isOllama = path.startsWith('/api/');
          const isShaped = isAnthropic
            ? parsed?.type === 'error' && error && typeof error.message === 'string' && typeof error.type === 'string'
            : isOllama
              ? typeof error === 'string'
              : error && typeof error.message === 'string' && typeof error.type === 'string' && typeof error.code === 'string' && (error.param === null || typeof error.param === 'string');
          if (!isShaped) failures.push(`${response.status} not in ${isAnthropic ? "Anthropic's" : isOllama ? "Ollama's" : "DeepSeek's"} shape for ${what}: ${text.slice(0, 200)}`);
          if (snapshot(db) !== before) failures.push(`${response.status} but something was written, for ${what}`);
        }
      }
    } finally {
      db.close();
    }
    assert.deepEqual(failures, [], `${failures.length} failures (seed ${SEED})`);
    assert.ok(refused > operations.length * 3, `most random requests were refused (${refused})`);

    assert.deepEqual(await (await fetch(`${origin}/health`)).json(), { status: 'ok' });
    const reply = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${userKey}` }, body: JSON.stringify(BASES['POST /v1/chat/completions']),
    });
    assert.equal(reply.status, 200, 'the server still serves');
  });
});
