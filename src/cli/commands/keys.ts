/**
 * `seekstack keys create|list|revoke`: API keys with their limits. The secret key is printed once, at
 * creation; only its keyed hash is stored.
 */
import { parseDuration } from '../../platform/keys.ts';
import type { KeyRecord } from '../../store/platform-store.ts';
import { parseCommandLine } from '../args.ts';
import { CLI_ACTOR, STORE_OPTIONS, dispatch, listing, optionalCount, withPlatform } from '../platform-command.ts';

const CREATE_OPTIONS = {
  ...STORE_OPTIONS,
  tenant: { type: 'string', value: 'name', help: 'the tenant the key belongs to (required)' },
  name: { type: 'string', value: 'text', help: 'a label for the key' },
  rpm: { type: 'string', value: 'N', help: 'requests per minute at most' },
  tpm: { type: 'string', value: 'N', help: 'tokens per minute at most' },
  'max-concurrency': { type: 'string', value: 'N', help: 'requests in flight at once at most' },
  'max-concurrency-per-user': { type: 'string', value: 'N', help: 'requests in flight at once at most for each user_id' },
  'budget-tokens': { type: 'string', value: 'N', help: 'tokens it may use in all' },
  models: { type: 'string', value: 'a,b', help: 'the only models it may use' },
  expires: { type: 'string', value: 'lifetime', help: 'expires after this long (30d, 12h, 2w)' },
  admin: { type: 'boolean', default: false, help: 'may use the admin API' },
} as const;

function status(key: KeyRecord, now: number): string {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

const orDash = (value: number | string | null) => (value === null ? '-' : String(value));

async function create(rest: string[]): Promise<number> {
  const parsed = parseCommandLine('keys create', rest, CREATE_OPTIONS, { allowPositionals: false });
  if (!parsed) return 2;
  const values = parsed.values;
  if (!values.tenant) {
    console.error('seekstack keys create: --tenant is required');
    return 2;
  }
  const counts = (['rpm', 'tpm', 'max-concurrency', 'max-concurrency-per-user', 'budget-tokens'] as const).map((flag) => optionalCount('keys create', flag, values[flag]));
  if (counts.includes(undefined)) return 2;
  const [rpm, tpm, maxConcurrency, maxConcurrencyPerUser, budgetTokens] = counts as Array<number | null>;
  const expiresInMs = values.expires === undefined ? null : parseDuration(values.expires);
  if (expiresInMs === null && values.expires !== undefined) {
    console.error(`seekstack keys create: --expires takes a lifetime such as 30d, 12h, 90m or 2w, got '${values.expires}'`);
    return 2;
  }
  const models = values.models === undefined ? null : values.models.split(',').map((m) => m.trim()).filter(Boolean);
  return withPlatform('keys create', values, async ({ admin }) => {
    const { secret, key } = await admin.createKey(
      { tenant: values.tenant!, name: values.name ?? null, rpm, tpm, maxConcurrency, maxConcurrencyPerUser, budgetTokens, models, expiresInMs, isAdmin: values.admin },
      CLI_ACTOR,
    );
    console.log(secret);
    console.error(`created ${key.isAdmin ? 'admin ' : ''}key ${key.id} for tenant ${key.tenantName}; the key above is shown only now, so store it safely`);
    return 0;
  });
}

const list = listing('keys list', 'every key with its limits and status', { tenant: { type: 'string', value: 'name', help: 'only this tenant\'s keys' } }, ['ID', 'TENANT', 'NAME', 'KEY', 'STATUS', 'RPM', 'TPM', 'CONCURRENCY', 'PER USER', 'BUDGET USED', 'MODELS', 'EXPIRES'], async ({ admin }, values) => {
  const now = Date.now();
  return (await admin.listKeys(values.tenant as string | undefined)).map((k) => [
    k.id, k.tenantName, k.name ?? '-', `${k.prefix}…`, status(k, now) + (k.isAdmin ? ' admin' : '') + (k.isSessionOnly ? ' app-session' : ''), orDash(k.rpm), orDash(k.tpm),
    orDash(k.maxConcurrency), orDash(k.maxConcurrencyPerUser), k.budgetTokens === null ? '-' : `${k.spentTokens}/${k.budgetTokens}`, k.models?.join(',') ?? '*',
    k.expiresAt === null ? '-' : new Date(k.expiresAt).toISOString(),
  ]);
});

async function revoke(rest: string[]): Promise<number> {
  const parsed = parseCommandLine('keys revoke', rest, STORE_OPTIONS);
  if (!parsed) return 2;
  if (parsed.positionals.length !== 1) {
    console.error('seekstack keys revoke: give exactly one key id (seekstack keys list shows them)');
    return 2;
  }
  return withPlatform('keys revoke', parsed.values, async ({ admin }) => {
    const key = await admin.revokeKey(parsed.positionals[0], CLI_ACTOR);
    console.log(`revoked ${key.id} (tenant ${key.tenantName}); requests with it are refused from now on`);
    return 0;
  });
}

export function run(args: string[]): Promise<number> {
  return dispatch('keys', args, {
    create: { summary: 'create a key (its secret is printed once)', spec: { options: CREATE_OPTIONS }, run: create },
    list,
    revoke: { summary: 'revoke a key: requests with it are refused from now on', spec: { operands: '<key id>', options: STORE_OPTIONS }, run: revoke },
  });
}
