import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cgroupQuotaCores, parseCpuMax, usableCores } from './cpu-cores.ts';

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-cgroup-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('usable cores', () => {
  it('reads cgroup v2 cpu.max', () => {
    assert.equal(parseCpuMax('max 100000'), null);
    assert.equal(parseCpuMax('150000 100000'), 1.5);
    assert.equal(parseCpuMax(null), null);
  });

  it('takes the tightest quota of the cgroup and its ancestors (v2)', () => {
    const root = tree({
      'self': '0::/a/b\n',
      'fs/cpu.max': 'max 100000',
      'fs/a/cpu.max': '150000 100000',
      'fs/a/b/cpu.max': 'max 100000',
    });
    assert.equal(cgroupQuotaCores(path.join(root, 'fs'), path.join(root, 'self')), 1.5);
    assert.equal(usableCores(path.join(root, 'fs'), path.join(root, 'self')), Math.min(2, os.availableParallelism()));
  });

  it('reads cgroup v1 CFS quotas', () => {
    const root = tree({
      'self': '4:memory:/x\n1:cpu,cpuacct:/x\n0::/\n',
      'fs/cpu/cpu.cfs_quota_us': '-1',
      'fs/cpu/cpu.cfs_period_us': '100000',
      'fs/cpu/x/cpu.cfs_quota_us': '50000',
      'fs/cpu/x/cpu.cfs_period_us': '100000',
    });
    assert.equal(cgroupQuotaCores(path.join(root, 'fs'), path.join(root, 'self')), 0.5);
    assert.equal(usableCores(path.join(root, 'fs'), path.join(root, 'self')), 1);
  });

  it('is unlimited without a cgroup file', () => {
    assert.equal(cgroupQuotaCores('/nonexistent', '/nonexistent/self'), null);
    assert.equal(usableCores('/nonexistent', '/nonexistent/self'), os.availableParallelism());
  });
});
