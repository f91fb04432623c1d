import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLoad, type Resident } from './residency.ts';

const GB = 1e9;
const resident = (id: string, totalBytes: number, lastUsedAt: number, isIdle = true): Resident => ({ id, totalBytes, lastUsedAt, isIdle });

describe('planLoad', () => {
  const cases: Array<{ name: string; needBytes: number; residents: Resident[]; maxLoaded: number; expected: ReturnType<typeof planLoad> }> = [
    { name: 'loads beside others when both limits allow', needBytes: 2 * GB, residents: [resident('a', 3 * GB, 1)], maxLoaded: 2, expected: { canLoad: true, evictIds: [] } },
    { name: 'unloads the least recently used idle model at the count limit', needBytes: 1 * GB, residents: [resident('a', 1 * GB, 5), resident('b', 1 * GB, 2)], maxLoaded: 2, expected: { canLoad: true, evictIds: ['b'] } },
    { name: 'unloads idle models until the memory fits', needBytes: 7 * GB, residents: [resident('a', 3 * GB, 1), resident('b', 3 * GB, 2), resident('c', 1 * GB, 3)], maxLoaded: 4, expected: { canLoad: true, evictIds: ['a', 'b'] } },
    { name: 'never unloads a model in use', needBytes: 6 * GB, residents: [resident('a', 6 * GB, 1, false), resident('b', 1 * GB, 2)], maxLoaded: 4, expected: { canLoad: false, reason: 'busy', freeBytes: 3 * GB } },
    { name: 'refuses at the count limit when every model is in use', needBytes: 1 * GB, residents: [resident('a', 1 * GB, 1, false)], maxLoaded: 1, expected: { canLoad: false, reason: 'busy', freeBytes: 9 * GB } },
    { name: 'refuses a model larger than the whole limit without unloading anything', needBytes: 11 * GB, residents: [resident('a', 1 * GB, 1)], maxLoaded: 4, expected: { canLoad: false, reason: 'too_large', freeBytes: 9 * GB } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(planLoad(c.needBytes, c.residents, { maxLoaded: c.maxLoaded, memoryLimitBytes: 10 * GB }), c.expected));
  }
});
