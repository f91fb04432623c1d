/**
 * Prices by the name the client used (observation 8): the README's own example, `seekstack prices set
 * deepseek-chat …`, gives requests made as deepseek-chat a cost, and `seekstack usage` can group by the
 * requested name or by the model that served.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';
import { startServer } from '../helpers/server.ts';

function seekstack(dataDir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('prices by requested name', () => {
  it('the README example costs requests made through the alias, seen by requested name and by served model', async (t) => {
    const dataDir = scratchDir();
    seekstack(dataDir, 'prices', 'set', 'deepseek-chat', '--cache-hit', '0.07', '--cache-miss', '0.27', '--output', '1.10');
    const server = await startServer(t, [await tinyModel('llama')], { dataDir });
    const served = server.models.list()[0].id;
    const reply = await server.client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    const expected = (reply.usage!.prompt_tokens * 0.27 + reply.usage!.completion_tokens * 1.1) / 1e6;

    const table = seekstack(dataDir, 'usage');
    assert.ok(Number(table.split('\n')[1].trim().split(/\s+/).at(-1)) > 0, `a cost is shown: ${table}`);
    const byRequested = JSON.parse(seekstack(dataDir, 'usage', '--by', 'requested_model', '--json')) as Array<{ group: string; cost: number }>;
    assert.deepEqual(byRequested.map((r) => r.group), ['deepseek-chat']);
    assert.ok(Math.abs(byRequested[0].cost - expected) < 1e-12, `${byRequested[0].cost} ≈ ${expected}`);
    const byModel = JSON.parse(seekstack(dataDir, 'usage', '--by', 'model', '--json')) as Array<{ group: string; cost: number }>;
    assert.deepEqual(byModel.map((r) => r.group), [served]);
    assert.ok(byModel[0].cost > 0);
  });
});
