/**
 * @module store/sqlite
 * Opens the embedded database: one SQLite file in WAL mode (readers never wait for the writer), schema
 * migrated at open. `synchronous = NORMAL` keeps every committed transaction across a crash or `kill -9`
 * of the process; only an operating-system crash or power loss can drop the last few commits.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type SqliteDatabase = Database.Database;

export class StoreError extends Error {
  override name = 'StoreError';
}

export function openSqlite(file: string, migrations: readonly Migration[] = MIGRATIONS): SqliteDatabase {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (error) {
    throw new StoreError(`cannot open the database ${file}: ${(error as Error).message}`);
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The CLI and the server write the same file; a writer waits for the other instead of failing.
  db.pragma('busy_timeout = 5000');
  migrate(db, file, migrations);
  return db;
}

function migrate(db: SqliteDatabase, file: string, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    db.close();
    throw new StoreError(`the database ${file} has schema version ${current}, newer than this Seekstack (${latest}); upgrade Seekstack`);
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
