/**
 * @module An exclusive lock file (`open(…, 'wx')`) so that two pulls of the same file, in one process or
 * several, never write the same `.partial` at once: the second waits for the first and then finds the
 * file in place. A lock left by a process that died is taken over.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 200;
const EMPTY_LOCK_GRACE_MS = 10_000;

/** Runs `work` holding the lock at `lockPath`; `onWait` is called once if another holder makes it wait. */
export async function withLock<T>(lockPath: string, onWait: () => void, work: () => Promise<T>): Promise<T> {
  let waited = false;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      await handle.writeFile(`${process.pid} ${os.hostname()}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isStale(lockPath)) {
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (!waited) onWait();
    waited = true;
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

/** Only a holder on this host can be checked; one on another host (a shared disk) is trusted. */
async function isStale(lockPath: string): Promise<boolean> {
  let content: string;
  let modifiedMs: number;
  try {
    content = await fs.readFile(lockPath, 'utf8');
    modifiedMs = (await fs.stat(lockPath)).mtimeMs;
  } catch {
    return false; // released meanwhile: the next open decides
  }
  const [pid, host] = content.trim().split(' ');
  // A lock still being written reads empty; only one left empty for long was abandoned.
  if (!pid) return Date.now() - modifiedMs > EMPTY_LOCK_GRACE_MS;
  if (host !== os.hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
