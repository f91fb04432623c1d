/**
 * @module engine/threads/cpu-load
 * How much of this process's CPUs other processes are using right now, from /proc (Linux): the busy
 * time of the CPUs in our affinity set, less our own CPU time, over the time between two readings.
 * Hypervisor steal counts as busy: those cycles are lost to us too. Elsewhere it reports nothing and
 * the thread tuner relies on its probes alone.
 */
import fs from 'node:fs';

/** Readings closer together than this reuse the last figure: the counters tick at 100 Hz. */
const MIN_INTERVAL_MS = 250;
/** The first figure may come sooner, from a shorter window: it decides the first steps' threads. */
const FIRST_INTERVAL_MS = 30;

interface Sample {
  atMs: number;
  /** Busy and total jiffies summed over our CPUs. */
  busy: number;
  total: number;
  /** This process's user + system jiffies. */
  own: number;
}

export interface ProcFiles {
  stat(): string;
  selfStat(): string;
  selfStatus(): string;
}

const LINUX_PROC: ProcFiles = {
  stat: () => fs.readFileSync('/proc/stat', 'utf8'),
  selfStat: () => fs.readFileSync('/proc/self/stat', 'utf8'),
  selfStatus: () => fs.readFileSync('/proc/self/status', 'utf8'),
};

export class CpuLoad {
  readonly #proc: ProcFiles;
  readonly #now: () => number;
  readonly #cpus: Set<number> | null;
  #last: Sample | null;
  #otherCores: number | null = null;

  constructor(proc: ProcFiles = LINUX_PROC, now: () => number = () => performance.now()) {
    this.#proc = proc;
    this.#now = now;
    this.#cpus = allowedCpus(proc);
    this.#last = this.#sample();
  }

  /** Cores' worth of CPU time other processes used since the last reading; null where /proc is missing. */
  otherBusyCores(): number | null {
    if (!this.#last) return null;
    const now = this.#now();
    const elapsed = now - this.#last.atMs;
    if (elapsed < (this.#otherCores === null ? FIRST_INTERVAL_MS : MIN_INTERVAL_MS)) return this.#otherCores;
    const sample = this.#sample();
    if (!sample) return null;
    const total = sample.total - this.#last.total;
    if (total > 0) {
      // Jiffies of all our CPUs per wall jiffy is the CPU count; busy jiffies over wall jiffies are cores.
      const cores = this.#cpus?.size ?? 1;
      const wall = total / cores;
      this.#otherCores = Math.max(0, (sample.busy - this.#last.busy - (sample.own - this.#last.own)) / wall);
      this.#last = sample;
    }
    return this.#otherCores;
  }

  #sample(): Sample | null {
    let stat: string;
    let selfStat: string;
    try {
      stat = this.#proc.stat();
      selfStat = this.#proc.selfStat();
    } catch {
      return null;
    }
    let busy = 0;
    let total = 0;
    for (const line of stat.split('\n')) {
      const match = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!match || (this.#cpus && !this.#cpus.has(Number(match[1])))) continue;
      const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].split(/\s+/).map(Number);
      const lineTotal = user + nice + system + idle + iowait + irq + softirq + (steal || 0);
      total += lineTotal;
      busy += lineTotal - idle - iowait;
    }
    // Fields after the command name, which sits in parentheses and may hold spaces: utime is the 12th.
    const fields = selfStat.slice(selfStat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(total + busy + own) ? { atMs: this.#now(), busy, total, own } : null;
  }
}

/** The CPUs in this process's affinity set ("Cpus_allowed_list: 0-3,8"), or null when unknown. */
function allowedCpus(proc: ProcFiles): Set<number> | null {
  let status: string;
  try {
    status = proc.selfStatus();
  } catch {
    return null;
  }
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
  if (!list) return null;
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return cpus;
}
