/**
 * @module engine/engine-process
 * Forking the engine process, and forking one ahead of need: `seekstack serve` calls prespawnEngine()
 * before it loads the rest of the server, so the engine process boots Node and loads its own modules
 * while the server loads its modules and reads the model file; the first engine start then takes that
 * process instead of forking one. Only light imports here, for that reason.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isSource, siblingModule } from '../runtime/sibling-module.ts';

const WORKER = fileURLToPath(siblingModule('worker', import.meta.url));

let prespawned: ChildProcess | null = null;

/** The engine process's descriptor for its step events (step-channel.ts): 0–2 are stdio, 3 is Node's IPC channel. */
export const STEP_CHANNEL_FD = 4;

/** Set in a prespawned engine process: the llama.cpp library options to load while it waits for `init` (JSON). */
export const PRELOAD_ENV = 'SEEKSTACK_ENGINE_PRELOAD';

/** A new engine process, waiting for its `init` message. */
export function forkEngineProcess(extraEnv: Record<string, string> = {}): ChildProcess {
  return fork(WORKER, [], {
    // From source the engine process needs tsx too; compiled, it runs plain JavaScript and never loads it.
    // --expose-gc: the idle engine collects what its housekeeping let go (worker.ts, #compactWhenIdle).
    execArgv: ['--expose-gc', ...(isSource(import.meta.url) ? ['--import', import.meta.resolve('tsx')] : [])],
    // koffi's async calls (each decode, tokenizations, grammar compiles) run on libuv's pool: enough
    // threads that the decode never queues behind the requests being prepared.
    env: { UV_THREADPOOL_SIZE: '8', ...process.env, GLIBC_TUNABLES: withHugePages(process.env.GLIBC_TUNABLES), ...extraEnv },
    serialization: 'advanced',
    // The fifth is the step channel's pipe, at STEP_CHANNEL_FD.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });
}

/** The server's end of an engine process's step channel (every one forkEngineProcess starts has it). */
export function stepPipe(child: ChildProcess): Socket {
  return child.stdio[STEP_CHANNEL_FD] as Socket;
}

/**
 * glibc's malloc advises transparent huge pages for its large mappings (glibc 2.35+; others ignore it):
 * llama.cpp zeroes the whole KV cache when it creates a context, and faulting that in 2 MiB pages instead
 * of 4 KiB ones took createContext from ~300 to ~190 ms for 96 MiB here. The price is glibc's heap, which
 * then also grows in huge pages: the engine's PSS was 2 MB higher after load and 4–8 MB higher after a
 * load test, while the time saved grows with the KV cache. A setting of the user's wins.
 */
function withHugePages(tunables: string | undefined): string {
  if (tunables?.includes('glibc.malloc.hugetlb')) return tunables;
  return tunables ? `${tunables}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1';
}

/**
 * Forks an engine process for the next start to take; it loads llama.cpp from `libDir` (the directory the
 * engine config will name; undefined: the default) while it waits. Until taken it keeps nothing alive: a
 * server that exits first (a bad option, a bad model) exits as before, and the process ends with its IPC channel.
 */
export function prespawnEngine(libDir: string | undefined): void {
  if (prespawned) return;
  const child = forkEngineProcess({ [PRELOAD_ENV]: JSON.stringify({ libDir }) });
  child.unref();
  child.channel?.unref();
  stepPipe(child).unref();
  child.once('exit', () => {
    if (prespawned === child) prespawned = null;
  });
  prespawned = child;
}

/** The prespawned engine process if one is alive, else a new one. */
export function takeEngineProcess(): ChildProcess {
  const child = prespawned;
  prespawned = null;
  if (!child || child.exitCode !== null || child.signalCode !== null || !child.connected) return forkEngineProcess();
  child.ref();
  child.channel?.ref();
  stepPipe(child).ref();
  return child;
}
