import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { runCli } from './run-cli.ts';

describe('seekstack models, show and rm', () => {
  let dataDir: string;
  before(async () => {
    dataDir = scratchDir();
    fs.mkdirSync(path.join(dataDir, 'models', 'mine'), { recursive: true });
    fs.copyFileSync(await tinyModel('deepseek2'), path.join(dataDir, 'models', 'mine', 'tiny-v3.gguf'));
    fs.copyFileSync(await tinyModel('qwen2'), path.join(dataDir, 'models', 'tiny-qwen.gguf'));
    // What an interrupted pull leaves is not a model.
    fs.writeFileSync(path.join(dataDir, 'models', 'half.gguf.partial'), 'GGUF');
  });

  it('lists local models with architecture, parameters, quantisation, context and size, and the bundled one', async () => {
    const { code, stdout } = await runCli(['models', '--data-dir', dataDir]);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+ARCH\s+PARAMETERS\s+QUANT\s+CONTEXT\s+SIZE$/);
    assert.match(lines[1], /^mine\/tiny-v3\s+deepseek2\s+\d+K\s+F32\s+4096\s+[\d.]+ MB$/);
    assert.match(lines[2], /^tiny-qwen\s+qwen2\s+\d+K\s+F32\s+4096\s+[\d.]+ MB$/);
    assert.match(lines[3], /^seekstack-demo-r1 \(bundled\)\s+llama\s/);
    assert.equal(lines.length, 4);
  });

  it('shows the catalog with honest names and the memory each needs at --ctx-size', async () => {
    const { code, stdout } = await runCli(['models', '--catalog', '--ctx-size', '4096', '--data-dir', dataDir]);
    assert.equal(code, 0);
    assert.match(stdout, /MEMORY@4096/);
    assert.match(stdout, /deepseek-r1-distill-qwen:1\.5b-q4_k_m\s+1\.8B\s+Q4_K_M\s+131072\s+~1\.12 GB\s+~1\.24 GB\s+DeepSeek-R1 distilled into Qwen2\.5-Math-1\.5B/);
    assert.match(stdout, /deepseek-r1:671b-q4_k_m\s+671B \(37B active\)/);
  });

  it('shows a model: facts, memory, capabilities from its chat template, the template and the metadata', async () => {
    const shown = await runCli(['show', 'mine/tiny-v3', '--ctx-size', '1024', '--data-dir', dataDir]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^architecture\s+deepseek2$/m);
    assert.match(shown.stdout, /^context\s+4096 tokens$/m);
    // MLA caches one 48-wide latent per token and layer: 2 layers × 48 × 2 bytes × 1024 tokens.
    assert.match(shown.stdout, /^memory\s+.* at 1024 tokens \(weights .* \+ KV cache 196\.6 kB\); .* at the full context$/m);
    assert.match(shown.stdout, /^capabilities\s+thinking \(switchable\), tools, fill-in-the-middle$/m);

    const template = await runCli(['show', 'tiny-v3.gguf', '--template', '--data-dir', dataDir]);
    assert.match(template.stdout, /<｜Assistant｜>/);
    const metadata = await runCli(['show', 'tiny-qwen', '--metadata', '--data-dir', dataDir]);
    assert.match(metadata.stdout, /^qwen2\.attention\.head_count_kv = 2$/m);
    assert.match(metadata.stdout, /^tokenizer\.ggml\.tokens = \[\d+ items\]$/m);
  });

  it('shows a catalog model that is not pulled yet, and says how to pull it', async () => {
    const { code, stdout } = await runCli(['show', 'deepseek-r1-distill-qwen:7b', '--data-dir', dataDir]);
    assert.equal(code, 0);
    assert.match(stdout, /not pulled: 'seekstack pull deepseek-r1-distill-qwen:7b-q4_k_m'/);
    assert.match(stdout, /^from\s+unsloth\/DeepSeek-R1-Distill-Qwen-7B-GGUF:DeepSeek-R1-Distill-Qwen-7B-Q4_K_M\.gguf$/m);
  });

  it('removes a model, refuses the bundled one, and says when a name is unknown', async () => {
    const removed = await runCli(['rm', 'tiny-qwen', '--data-dir', dataDir]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^removed tiny-qwen \([\d.]+ MB freed\)$/m);
    assert.ok(!fs.existsSync(path.join(dataDir, 'models', 'tiny-qwen.gguf')));

    const bundled = await runCli(['rm', 'seekstack-demo-r1', '--data-dir', dataDir]);
    assert.equal(bundled.code, 1);
    assert.match(bundled.stderr, /seekstack-demo-r1 is bundled with Seekstack/);
    const unknown = await runCli(['show', 'nothing-here', '--data-dir', dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^seekstack show: no local model 'nothing-here'; 'seekstack models' lists them$/m);

    const listed = await runCli(['models', '--data-dir', dataDir]);
    assert.doesNotMatch(listed.stdout, /tiny-qwen/);
  });
});
