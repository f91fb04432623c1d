/**
 * Claude Code itself (`claude -p`, the @anthropic-ai/claude-code dev dependency, its non-essential traffic off)
 * against /anthropic, on a generated model whose template has tools and whose context holds Claude Code's
 * ~18K-token prompt: it exits 0, and its requests reach the ledger.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { synthModel } from '../../src/engine/gguf/synth.ts';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { scratchDir } from '../helpers/models.ts';
import { startServer } from '../helpers/server.ts';

/** The package's own launcher: it finds the native binary for this platform (its postinstall may not have run). */
const CLAUDE = createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/cli-wrapper.cjs');
const CONTEXT = 65_536;

describe('Claude Code', () => {
  it('runs `claude -p` against /anthropic: exit 0, and its requests in the ledger', async (t) => {
    const model = path.join(scratchDir(), 'qwen2-tiny-long-context.gguf');
    synthModel({ arch: 'qwen2', preset: 'tiny', out: model, contextLength: CONTEXT });
    const server = await startServer(t, [model], { engine: { totalCells: CONTEXT, maxSeqLen: CONTEXT, numSlots: 2, maxPrefillTokensPerStep: 2048 } });
    await server.platform.admin.createTenant('coders', 'test');
    const { secret } = await server.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'coders' }, 'test');

    const home = scratchDir();
    // A random-weight model sometimes calls a tool: Claude Code runs it (only tools that change nothing are
    // left, and print mode asks no permission) and asks again, until the model ends its turn.
    const args = ['-p', 'Say hello', '--max-turns', '12', '--disallowedTools', 'Bash,Edit,Write,NotebookEdit,WebFetch,WebSearch,Agent,Workflow'];
    const child = spawn(process.execPath, [CLAUDE, ...args], {
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        ANTHROPIC_BASE_URL: `${server.origin}/anthropic`,
        ANTHROPIC_AUTH_TOKEN: secret,
        ANTHROPIC_MODEL: 'deepseek-v4-flash',
        ANTHROPIC_SMALL_FAST_MODEL: 'deepseek-v4-flash',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        // A random-weight model samples end-of-turn within a few hundred tokens; this bounds how long it may take.
        CLAUDE_CODE_MAX_OUTPUT_TOKENS: '4096',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    const [code] = await once(child, 'exit');
    clearTimeout(timer);
    assert.equal(code, 0, output);

    const rows = await server.platform.admin.usage({ tenant: 'coders', by: 'requested_model' });
    assert.ok(rows.some((r) => r.group === 'deepseek-v4-flash' && r.requests >= 1 && r.promptTokens > 10_000), JSON.stringify(rows));
  });
});
