/** The operator commands as a shell user runs them: real processes on a real data directory. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { scratchDir } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';

function seekstack(dataDir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('platform commands', () => {
  it('create a key with every limit, list it without its secret, and refuse bad values with exit code 2', () => {
    const dataDir = scratchDir();
    assert.equal(seekstack(dataDir, 'tenants', 'create', 'acme').code, 0);
    assert.equal(seekstack(dataDir, 'tenants', 'create', 'acme').code, 1, 'a tenant name is unique');
    assert.equal(seekstack(dataDir, 'tenants', 'create', 'bad name!').code, 1);
    const created = seekstack(dataDir, 'keys', 'create', '--tenant', 'acme', '--name', 'ci', '--rpm', '60', '--tpm', '90000', '--max-concurrency', '4',
      '--budget-tokens', '5000000', '--models', 'deepseek-chat,deepseek-reasoner', '--expires', '30d');
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    const listed = seekstack(dataDir, 'keys', 'list', '--tenant', 'acme');
    assert.equal(listed.code, 0);
    const row = listed.stdout.split('\n')[1];
    for (const cell of ['acme', 'ci', `${secret.slice(0, 10)}…`, 'active', '60', '90000', '4', '0/5000000', 'deepseek-chat,deepseek-reasoner']) assert.ok(row.includes(cell), `${cell} in: ${row}`);
    const expires = Date.parse(/\d{4}-\d\d-\d\dT[\d:.]+Z/.exec(row)![0]);
    assert.ok(Math.abs(expires - (Date.now() + 30 * 86_400_000)) < 60_000);
    assert.ok(!listed.stdout.includes(secret), 'the secret is never shown again');

    for (const bad of [['--rpm', '0'], ['--tpm', 'lots'], ['--expires', 'soon'], ['--budget-tokens', '1.5']]) {
      const refused = seekstack(dataDir, 'keys', 'create', '--tenant', 'acme', ...bad);
      assert.equal(refused.code, 2, `${bad.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(bad[0]));
    }
    assert.equal(seekstack(dataDir, 'keys', 'create').code, 2, '--tenant is required');
    assert.equal(seekstack(dataDir, 'keys', 'revoke', 'key_nope').code, 1);
    assert.equal(seekstack(dataDir, 'keys', 'fly').code, 2);
    assert.equal(seekstack(dataDir, 'usage', '--by', 'week').code, 2);
    assert.equal(seekstack(dataDir, 'usage', '--since', 'yesterday').code, 2);
    const usage = seekstack(dataDir, 'usage', '--since', '7d', '--by', 'tenant');
    assert.equal(usage.code, 0);
    assert.match(usage.stdout, /^TENANT\s+REQUESTS/);
    assert.equal(seekstack(dataDir, 'prices', 'set', 'deepseek-chat', '--cache-hit', '0.07', '--cache-miss', '0.27', '--output', '1.1').code, 0);
    assert.equal(seekstack(dataDir, 'prices', 'set', 'deepseek-chat', '--cache-hit', '-1', '--cache-miss', '0.27', '--output', '1.1').code, 2);
    assert.match(seekstack(dataDir, 'prices', 'list').stdout, /deepseek-chat\s+USD\s+0\.07\s+0\.27\s+1\.1/);
  });
});
