/**
 * @module store/migrations
 * The schema, as numbered steps. A database records the last step it ran (`PRAGMA user_version`) and
 * runs only the newer ones, each in its own transaction, at start. Steps are append-only: a change to a
 * released table is a new step, never an edit of an old one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, keys, usage ledger with daily roll-ups, prices, audit log',
    sql: `
      CREATE TABLE tenants (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE api_keys (
        id              TEXT PRIMARY KEY,
        tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
        name            TEXT,
        hash            BLOB NOT NULL UNIQUE,
        prefix          TEXT NOT NULL,
        is_admin        INTEGER NOT NULL DEFAULT 0,
        rpm             INTEGER,
        tpm             INTEGER,
        max_concurrency INTEGER,
        budget_tokens   INTEGER,
        spent_tokens    INTEGER NOT NULL DEFAULT 0,
        reserved_tokens INTEGER NOT NULL DEFAULT 0,
        models          TEXT,
        expires_at      INTEGER,
        revoked_at      INTEGER,
        created_at      INTEGER NOT NULL
      );
      CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
      CREATE TABLE usage_ledger (
        id                INTEGER PRIMARY KEY,
        request_id        TEXT NOT NULL UNIQUE,
        created_at        INTEGER NOT NULL,
        tenant_id         INTEGER NOT NULL REFERENCES tenants(id),
        key_id            TEXT REFERENCES api_keys(id),
        model             TEXT NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        cache_hit_tokens  INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        reasoning_tokens  INTEGER NOT NULL,
        latency_ms        REAL NOT NULL,
        status            INTEGER NOT NULL,
        finish_reason     TEXT,
        cost              REAL
      );
      CREATE INDEX usage_ledger_created ON usage_ledger(created_at);
      CREATE TABLE usage_daily (
        day               TEXT NOT NULL,
        tenant_id         INTEGER NOT NULL,
        key_id            TEXT NOT NULL,
        model             TEXT NOT NULL,
        requests          INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        cache_hit_tokens  INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        reasoning_tokens  INTEGER NOT NULL,
        cost              REAL NOT NULL,
        PRIMARY KEY (day, tenant_id, key_id, model)
      ) WITHOUT ROWID;
      CREATE TABLE model_prices (
        model           TEXT PRIMARY KEY,
        currency        TEXT NOT NULL,
        cache_hit_per_m REAL NOT NULL,
        cache_miss_per_m REAL NOT NULL,
        output_per_m    REAL NOT NULL
      );
      CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        target     TEXT NOT NULL,
        details    TEXT NOT NULL,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL
      );
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'assistant app: users with wrapped data keys, sessions, encrypted conversations, app settings',
    sql: `
      -- An app account's key is used through its session, never sent as a Bearer key: it must not make
      -- the API require keys (the secure default counts only keys a client can hold).
      ALTER TABLE api_keys ADD COLUMN session_only INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE app_users (
        id                INTEGER PRIMARY KEY,
        username          TEXT NOT NULL UNIQUE,
        tenant_id         INTEGER NOT NULL REFERENCES tenants(id),
        key_id            TEXT NOT NULL REFERENCES api_keys(id),
        is_admin          INTEGER NOT NULL DEFAULT 0,
        password_salt     BLOB NOT NULL,
        password_verifier BLOB NOT NULL,
        key_by_password   BLOB NOT NULL,
        key_by_recovery   BLOB NOT NULL,
        retention_days    INTEGER,
        created_at        INTEGER NOT NULL
      );
      CREATE TABLE app_sessions (
        id          TEXT PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES app_users(id) ON DELETE CASCADE,
        token_hash  BLOB NOT NULL,
        sealed_key  BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      );
      CREATE INDEX app_sessions_user ON app_sessions(user_id);
      CREATE TABLE app_conversations (
        id         TEXT PRIMARY KEY,
        user_id    INTEGER NOT NULL REFERENCES app_users(id) ON DELETE CASCADE,
        title      BLOB NOT NULL,
        body       BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX app_conversations_user ON app_conversations(user_id, updated_at);
      CREATE TABLE app_settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'reservations held under process leases, the requested model name in the ledger, disabled app accounts',
    sql: `
      -- A reservation belongs to the process that made it for as long as that process renews its lease;
      -- no process clears another's. Reservations of the old kind (a bare counter) cannot be attributed.
      CREATE TABLE process_leases (
        holder     TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE budget_reservations (
        id         TEXT PRIMARY KEY,
        key_id     TEXT NOT NULL REFERENCES api_keys(id),
        tokens     INTEGER NOT NULL,
        holder     TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- No index on holder: only reservations in flight are rows, and an index would cost every request two more writes.
      UPDATE api_keys SET reserved_tokens = 0;
      -- Past year 9999 a time cannot be listed (observation: a key created with a huge lifetime broke
      -- every listing); such keys are capped to the last representable day.
      UPDATE api_keys SET expires_at = 253402300799999 WHERE expires_at > 253402300799999;

      ALTER TABLE usage_ledger ADD COLUMN requested_model TEXT NOT NULL DEFAULT '';
      UPDATE usage_ledger SET requested_model = model;
      CREATE TABLE usage_daily_v3 (
        day               TEXT NOT NULL,
        tenant_id         INTEGER NOT NULL,
        key_id            TEXT NOT NULL,
        requested_model   TEXT NOT NULL,
        model             TEXT NOT NULL,
        requests          INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        cache_hit_tokens  INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        reasoning_tokens  INTEGER NOT NULL,
        cost              REAL NOT NULL,
        PRIMARY KEY (day, tenant_id, key_id, requested_model, model)
      ) WITHOUT ROWID;
      INSERT INTO usage_daily_v3 SELECT day, tenant_id, key_id, model, model, requests, prompt_tokens, cache_hit_tokens,
        completion_tokens, reasoning_tokens, cost FROM usage_daily;
      DROP TABLE usage_daily;
      ALTER TABLE usage_daily_v3 RENAME TO usage_daily;

      ALTER TABLE app_users ADD COLUMN disabled_at INTEGER;
      -- Sign-up used to default to open and was stored as such by any settings change; from now on unset
      -- follows the server's access policy, so only an explicit "closed" is kept.
      UPDATE app_settings SET value = json_remove(value, '$.isSignUpOpen') WHERE key = 'assistant' AND json_extract(value, '$.isSignUpOpen') = 1;
    `,
  },
  {
    version: 4,
    name: "DeepSeek's user_id: a per-user concurrency limit on keys, the user in the ledger and its daily roll-ups",
    sql: `
      ALTER TABLE api_keys ADD COLUMN max_concurrency_per_user INTEGER;
      ALTER TABLE usage_ledger ADD COLUMN user_id TEXT;
      CREATE TABLE usage_daily_v4 (
        day               TEXT NOT NULL,
        tenant_id         INTEGER NOT NULL,
        key_id            TEXT NOT NULL,
        requested_model   TEXT NOT NULL,
        model             TEXT NOT NULL,
        -- '' for requests without a user_id (DeepSeek counts the empty id as one user too).
        user_id           TEXT NOT NULL,
        requests          INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        cache_hit_tokens  INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        reasoning_tokens  INTEGER NOT NULL,
        cost              REAL NOT NULL,
        PRIMARY KEY (day, tenant_id, key_id, requested_model, model, user_id)
      ) WITHOUT ROWID;
      INSERT INTO usage_daily_v4 SELECT day, tenant_id, key_id, requested_model, model, '', requests, prompt_tokens, cache_hit_tokens,
        completion_tokens, reasoning_tokens, cost FROM usage_daily;
      DROP TABLE usage_daily;
      ALTER TABLE usage_daily_v4 RENAME TO usage_daily;
    `,
  },
];
