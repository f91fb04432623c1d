/**
 * @module engine/threads/cpu-cores
 * How many cores this process can really use: its CPU affinity (what os.availableParallelism() reads)
 * and the CPU quota of its cgroup (a container limited to 1.5 CPUs sees every core of the host but
 * gets 1.5 cores of time). ggml's thread pool collapses when it has more threads than that.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Cores this process may use: the affinity mask, capped by every cgroup quota above it (rounded up). */
export function usableCores(root = CGROUP_ROOT, selfCgroup = '/proc/self/cgroup'): number {
  const quota = cgroupQuotaCores(root, selfCgroup);
  const affinity = os.availableParallelism();
  return quota === null ? affinity : Math.max(1, Math.min(affinity, Math.ceil(quota)));
}

/** The tightest CPU quota, in cores, of this process's cgroup and its ancestors; null when unlimited. */
export function cgroupQuotaCores(root = CGROUP_ROOT, selfCgroup = '/proc/self/cgroup'): number | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(selfCgroup, 'utf8').split('\n');
  } catch {
    return null;
  }
  let tightest: number | null = null;
  const consider = (cores: number | null) => {
    if (cores !== null && (tightest === null || cores < tightest)) tightest = cores;
  };
  for (const line of lines) {
    // v2: "0::/path"; v1: "N:cpu,cpuacct:/path".
    const [, controllers, cgroupPath] = line.split(':');
    if (cgroupPath === undefined) continue;
    if (controllers === '') {
      for (let dir = path.join(root, cgroupPath); dir.startsWith(root); dir = path.dirname(dir)) {
        consider(parseCpuMax(read(path.join(dir, 'cpu.max'))));
        if (dir === root) break;
      }
    } else if (controllers.split(',').includes('cpu')) {
      const v1 = path.join(root, 'cpu');
      for (let dir = path.join(v1, cgroupPath); dir.startsWith(v1); dir = path.dirname(dir)) {
        consider(parseCfs(read(path.join(dir, 'cpu.cfs_quota_us')), read(path.join(dir, 'cpu.cfs_period_us'))));
        if (dir === v1) break;
      }
    }
  }
  return tightest;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** cgroup v2 `cpu.max`: "<quota> <period>" in microseconds, or "max <period>". */
export function parseCpuMax(text: string | null): number | null {
  if (!text) return null;
  const [quota, period] = text.split(/\s+/);
  if (quota === 'max') return null;
  const q = Number(quota);
  const p = Number(period ?? 100_000);
  return q > 0 && p > 0 ? q / p : null;
}

function parseCfs(quota: string | null, period: string | null): number | null {
  const q = Number(quota);
  const p = Number(period);
  return quota !== null && period !== null && q > 0 && p > 0 ? q / p : null;
}
