/**
 * @module cli/launcher-watch
 * `npm start` runs `exec node … serve` so that the SIGTERM or SIGINT npm forwards reaches the server
 * rather than a shell that would die (SIGTERM) or wait (SIGINT) without passing it on. An npm that dies
 * without forwarding anything (killed with SIGKILL) would still leave the server running, orphaned and
 * holding its port: so a server started by npm stops when its parent is gone.
 */

const CHECK_INTERVAL_MS = 500;

/** Calls `onGone` once the process that started this one has exited (this one was re-parented). */
export function whenParentExits(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, CHECK_INTERVAL_MS).unref();
}
