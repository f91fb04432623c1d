/** `--database` and `--redis` that are wrong or unreachable: one clear line and exit code 1, never a crash or a hang. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { scratchDir } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';

const seekstack = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('shared state options', () => {
  it('refuses a --database that is not a PostgreSQL URL, and says which one it cannot reach without its password', () => {
    const dataDir = scratchDir();
    const notUrl = seekstack('tenants', 'list', '--data-dir', dataDir, '--database', 'not-a-url');
    assert.equal(notUrl.status, 1);
    assert.match(notUrl.stderr, /--database must be a URL such as postgres:\/\/host:port\/…, got '\(an unparsable URL\)'/);
    const unreachable = seekstack('keys', 'list', '--data-dir', dataDir, '--database', 'postgres://me:hunter2@127.0.0.1:1/test');
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /cannot open the database postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/test: connect ECONNREFUSED/);
    assert.doesNotMatch(unreachable.stderr, /hunter2/);
  });

  it('refuses to serve with a --redis it cannot use', () => {
    const dataDir = scratchDir();
    const wrong = seekstack('serve', '--data-dir', dataDir, '--port', '0', '--redis', 'http://127.0.0.1:6379');
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /--redis must be a URL such as redis:\/\/host:port/);
    const unreachable = seekstack('serve', '--data-dir', dataDir, '--port', '0', '--redis', 'redis://127.0.0.1:1');
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
  });
});
