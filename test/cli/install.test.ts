/** The README's way to put `seekstack` on the PATH (`npm install -g .`) gives a command that works from any folder. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/version.ts';
import { scratchDir } from '../helpers/models.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm install -g . from the clone', () => {
  it('installs a seekstack command that runs from another folder', async () => {
    const prefix = scratchDir();
    // Links the clone into the prefix (no copy), as `npm link` does into the global prefix.
    await run('npm', ['install', '-g', '.', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: ROOT });
    const bin = path.join(prefix, 'bin', 'seekstack');
    const elsewhere = { cwd: os.tmpdir(), env: { ...process.env, SEEKSTACK_DATA_DIR: scratchDir() } };
    assert.equal((await run(bin, ['--version'], elsewhere)).stdout, `seekstack ${VERSION}\n`);
    assert.match((await run(bin, ['models'], elsewhere)).stdout, /seekstack-demo-r1 \(bundled\)/);
  });
});
