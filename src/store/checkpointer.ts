/**
 * @module store/checkpointer
 * Moves WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside whichever commit
 * crosses the threshold, so that one request pays for copying pages into the database file and for the
 * fsyncs (measured here: p99 of a ledger commit 3–5 ms with it, 0.2 ms without). The server turns it off
 * and a worker thread with its own connection runs PASSIVE checkpoints, which never block the writer.
 *
 * The thread runs only while there is WAL to copy: a Node worker with its own SQLite connection kept the
 * server's memory 8 MB higher (PSS, bench model, idle and after a load test), for a server whose WAL mostly
 * holds a few hundred kB. The WAL is truncated whenever a writer starts it over (journal_size_limit = 0),
 * so its size is the backlog; the server looks at it every interval, starts the thread once it holds as
 * much as SQLite's own automatic checkpoint would allow (1,000 pages), and the thread ends itself once its
 * checkpoints have found nothing to copy for a while.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './sqlite.ts';

export interface CheckpointerOptions {
  /** How often the server looks at the WAL's size, and the thread checkpoints. */
  intervalMs?: number;
  /** The WAL size at which the thread starts. */
  startAtBytes?: number;
  /** Checkpoints in a row that find everything copied before the thread ends. */
  idleCheckpoints?: number;
}

const DEFAULTS: Required<CheckpointerOptions> = { intervalMs: 500, startAtBytes: 1000 * 4096, idleCheckpoints: 20 };

// Plain CommonJS so the thread needs no TypeScript loader; it only runs checkpoints.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let idle = 0;
const stop = () => { clearInterval(timer); db.close(); process.exit(0); };
const timer = setInterval(() => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    idle = log === checkpointed ? idle + 1 : 0;
  } catch (error) {
    idle = 0;
    parentPort.postMessage(String(error));
  }
  if (idle >= workerData.idleCheckpoints) stop();
}, workerData.intervalMs);
parentPort.on('message', stop);
`;

export interface Checkpointer {
  /** Whether the checkpoint thread runs now. */
  readonly isThreadRunning: boolean;
  stop(): Promise<void>;
}

export function startCheckpointer(db: SqliteDatabase, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs, startAtBytes, idleCheckpoints } = { ...DEFAULTS, ...options };
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('journal_size_limit = 0');
  const walFile = `${db.name}-wal`;
  let thread: { worker: Worker; exited: Promise<unknown> } | null = null;
  let isLooking = false;
  // Checkpoints leave the WAL as long as it was until the next commit starts it over: a WAL not written
  // since the thread ended is all copied, however large.
  let threadEndedAt = 0;

  const startThread = () => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: db.name, intervalMs, idleCheckpoints },
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    thread = { worker, exited };
    void exited.then(() => {
      threadEndedAt = Date.now();
      if (thread?.worker === worker) thread = null;
    });
    // A failed checkpoint costs nothing but a longer WAL; the next attempt or the shutdown checkpoint catches up.
    worker.on('message', () => {});
    worker.on('error', () => {});
    worker.unref();
  };

  const look = setInterval(() => {
    if (thread || isLooking) return;
    isLooking = true;
    fs.stat(walFile, (error, stats) => {
      isLooking = false;
      if (!error && stats.size >= startAtBytes && stats.mtimeMs > threadEndedAt && !thread) startThread();
    });
  }, intervalMs);
  look.unref();

  return {
    get isThreadRunning() {
      return thread !== null;
    },
    async stop() {
      clearInterval(look);
      if (thread) {
        const { worker, exited } = thread;
        worker.ref();
        worker.postMessage('stop');
        await exited;
      }
      // What the thread had not copied yet is checkpointed here, once, at shutdown.
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
