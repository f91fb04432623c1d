import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuLoad, type ProcFiles } from './cpu-load.ts';
import { AdaptiveThreads } from './adaptive-threads.ts';

/** /proc as the files read at each step: CPU lines (user idle) per CPU, and this process's jiffies. */
function fakeProc(allowed: string) {
  const state = { cpus: [[0, 0], [0, 0], [0, 0]] as number[][], own: 0 };
  // Counters start at zero: the first reading is the baseline the later ones subtract.
  const proc: ProcFiles = {
    stat: () => ['cpu  0 0 0 0 0 0 0 0', ...state.cpus.map(([busy, idle], i) => `cpu${i} ${busy} 0 0 ${idle} 0 0 0 0 0 0`)].join('\n'),
    selfStat: () => `123 (node worker) S ${Array.from({ length: 10 }, () => 0).join(' ')} ${state.own} 0 0 0`,
    selfStatus: () => `Name:\tnode\nCpus_allowed_list:\t${allowed}\n`,
  };
  return { proc, state };
}

describe('CPU load of other processes', () => {
  it('counts busy time on our CPUs less our own, in cores', () => {
    const clock = { now: 0 };
    const { proc, state } = fakeProc('0-1');
    const load = new CpuLoad(proc, () => clock.now);
    // 100 wall jiffies: CPU 0 fully busy (our process used 40 of it), CPU 1 idle; CPU 2 is not ours.
    state.cpus = [[100, 0], [0, 100], [100, 0]];
    state.own = 40;
    clock.now = 1000;
    assert.ok(Math.abs((load.otherBusyCores() ?? -1) - 0.6) < 1e-9);
    // Within the minimum interval the last figure stands.
    state.cpus = [[200, 0], [100, 100], [200, 0]];
    clock.now = 1100;
    assert.ok(Math.abs((load.otherBusyCores() ?? -1) - 0.6) < 1e-9);
    clock.now = 2000;
    assert.ok(Math.abs((load.otherBusyCores() ?? -1) - 2) < 1e-9);
  });

  it('caps the threads at the cores left free', () => {
    const clock = { now: 0 };
    const { proc, state } = fakeProc('0-1');
    const threads = new AdaptiveThreads(2, new CpuLoad(proc, () => clock.now));
    state.cpus = [[100, 0], [0, 100], [0, 0]];
    clock.now = 1000;
    assert.equal(threads.freeCores(), 1, 'another process holds one core');
    state.cpus = [[110, 90], [0, 200], [0, 0]];
    clock.now = 2000;
    assert.equal(threads.freeCores(), 2, 'a tenth of a core is no reason to drop one');
  });

  it('reports nothing without /proc', () => {
    const missing: ProcFiles = { stat: () => { throw new Error('ENOENT'); }, selfStat: () => '', selfStatus: () => '' };
    assert.equal(new CpuLoad(missing).otherBusyCores(), null);
    assert.equal(new AdaptiveThreads(4, new CpuLoad(missing)).freeCores(), 4);
  });
});
