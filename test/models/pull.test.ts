import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { ModelError } from '../../src/models/errors.ts';
import { listModels } from '../../src/models/library.ts';
import { pullModel, type PullEvent } from '../../src/models/pull.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { runCli } from './run-cli.ts';
import { sha256, startFakeHub, type FakeHub, type FakeHubOptions, type HubFile } from './fake-hub.ts';

const REPO = 'someone/Tiny-Qwen2-GGUF';
const FILE = 'tiny-qwen2-F32.gguf';

let model: Buffer;
before(async () => {
  model = fs.readFileSync(await tinyModel('qwen2'));
});

/** A fake hub serving `files` under REPO, closed after the test. */
async function hubWith(t: TestContext, files: Record<string, HubFile>, extra: Omit<FakeHubOptions, 'repos'> = {}): Promise<FakeHub> {
  const hub = await startFakeHub({ repos: { [REPO]: files }, ...extra });
  t.after(() => hub.close());
  return hub;
}

function pulledFile(dataDir: string, file = FILE): string {
  return path.join(dataDir, 'models', 'huggingface', ...REPO.split('/'), file);
}

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
}

describe('seekstack pull', () => {
  it('downloads through the redirect from a mirror set by HF_ENDPOINT, verifies it, and lists it', async (t) => {
    const hub = await hubWith(t, { [FILE]: { bytes: model } }, { prefix: '/hf-mirror' });
    const dataDir = scratchDir();
    const pull = await runCli(['pull', `${REPO}:${FILE}`, '--data-dir', dataDir], { HF_ENDPOINT: hub.endpoint });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /downloaded, .*SHA-256 verified/);
    assert.ok(hub.requests.some((r) => r.path === `/hf-mirror/${REPO}/resolve/main/${FILE}`));
    assert.equal(sha256(fs.readFileSync(pulledFile(dataDir))), sha256(model));
    const models = await runCli(['models', '--data-dir', dataDir]);
    assert.match(models.stdout, new RegExp(`${REPO}:${FILE}\\s+qwen2\\s`));
  });

  it('resumes an interrupted download from where it stopped, in the next pull', async (t) => {
    const dropAfterBytes = Math.floor(model.length / 2);
    const hub = await hubWith(t, { [FILE]: { bytes: model, dropAfterBytes } });
    const dataDir = scratchDir();
    const options = { dataDir, endpoint: hub.endpoint, retries: 0 };
    // A busy machine: the pull is slow to take each chunk, so more arrives while it writes the last one.
    const busy = (event: PullEvent) => {
      if (event.kind !== 'progress') return;
      const until = Date.now() + 15;
      while (Date.now() < until);
    };
    await assert.rejects(pullModel(`${REPO}:${FILE}`, { ...options, onEvent: busy }), (error: ModelError) => {
      assert.equal(error.code, 'download_failed');
      assert.match(error.message, /pull again to resume/);
      return true;
    });
    const kept = fs.statSync(`${pulledFile(dataDir)}.partial`).size;
    assert.equal(kept, dropAfterBytes, 'every byte that arrived before the break was kept');
    assert.ok(!listModels(dataDir).some((m) => m.origin?.repo === REPO), 'a partial download is not a model');

    const pulled = await pullModel(`${REPO}:${FILE}`, options);
    assert.equal(pulled.name, `${REPO}:${FILE}`);
    assert.equal(hub.requests.at(-1)!.range, `bytes=${kept}-`);
    assert.equal(hub.fullDownloads(), 1);
    assert.equal(sha256(fs.readFileSync(pulled.path)), sha256(model));
    assert.deepEqual(filesUnder(path.join(dataDir, 'models')), [path.join('huggingface', ...REPO.split('/'), FILE)]);
  });

  it('retries a dropped connection by itself, resuming with a Range request', async (t) => {
    const hub = await hubWith(t, { [FILE]: { bytes: model, dropAfterBytes: 100_000 } });
    const events: PullEvent[] = [];
    const pulled = await pullModel(`${REPO}:${FILE}`, { dataDir: scratchDir(), endpoint: hub.endpoint, onEvent: (e) => events.push(e) });
    assert.ok(events.some((e) => e.kind === 'retry'));
    assert.ok(hub.requests.some((r) => r.range === 'bytes=100000-'));
    assert.equal(sha256(fs.readFileSync(pulled.path)), sha256(model));
  });

  it('detects corrupted bytes, discards them, and lists nothing', async (t) => {
    const hub = await hubWith(t, { [FILE]: { bytes: model, corrupt: true } });
    const dataDir = scratchDir();
    await assert.rejects(pullModel(`${REPO}:${FILE}`, { dataDir, endpoint: hub.endpoint }), (error: ModelError) => {
      assert.equal(error.code, 'checksum_mismatch');
      assert.match(error.message, /SHA-256 is [0-9a-f]{64}, expected [0-9a-f]{64}; the download was discarded/);
      return true;
    });
    assert.deepEqual(filesUnder(path.join(dataDir, 'models')), []);
    assert.deepEqual(listModels(dataDir).map((m) => m.isBundled), [true]);
  });

  it('tells how to get into a gated repo, and sends the token only to the hub, not the CDN', async (t) => {
    const hub = await hubWith(t, { [FILE]: { bytes: model } }, { gated: { repo: REPO, token: 'hf_secret' } });
    const dataDir = scratchDir();
    const refused = await runCli(['pull', `${REPO}:${FILE}`, '--data-dir', dataDir, '--endpoint', hub.endpoint]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    assert.match(refused.stderr, new RegExp(`${REPO} is gated \\(HTTP 401\\): accept the model's terms on .*, then set HF_TOKEN`));

    const wrongToken = pullModel(`${REPO}:${FILE}`, { dataDir, endpoint: hub.endpoint, token: 'hf_wrong' });
    await assert.rejects(wrongToken, /is gated and HF_TOKEN was refused \(HTTP 403\)/);

    const pulled = await pullModel(`${REPO}:${FILE}`, { dataDir, endpoint: hub.endpoint, token: 'hf_secret' });
    assert.equal(sha256(fs.readFileSync(pulled.path)), sha256(model));
    const cdn = hub.requests.filter((r) => r.path.startsWith('/cdn/'));
    assert.ok(cdn.length > 0 && cdn.every((r) => r.authorization === undefined));
  });

  it('lets two concurrent pulls of one file share one download without corrupting it', async (t) => {
    // The download is held after its first chunk until one pull says it waits for the other: however slowly
    // either process starts, they overlap.
    let release!: () => void;
    const hub = await hubWith(t, { [FILE]: { bytes: model, holdUntil: new Promise<void>((resolve) => (release = resolve)) } });
    const dataDir = scratchDir();
    const args = ['pull', `${REPO}:${FILE}`, '--data-dir', dataDir, '--endpoint', hub.endpoint];
    const releaseOnWait = (stdout: string) => {
      if (stdout.includes('another pull is downloading it; waiting')) release();
    };
    const [first, second] = await Promise.all([runCli(args, {}, releaseOnWait), runCli(args, {}, releaseOnWait)]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.match(first.stdout + second.stdout, /another pull is downloading it; waiting/);
    assert.match(first.stdout + second.stdout, /already present/);
    assert.equal(hub.fullDownloads(), 1);
    assert.equal(sha256(fs.readFileSync(pulledFile(dataDir))), sha256(model));
    assert.deepEqual(filesUnder(path.join(dataDir, 'models')), [path.join('huggingface', ...REPO.split('/'), FILE)]);
  });

  it('refuses to start on a disk without room, leaving nothing behind', async (t) => {
    const hub = await hubWith(t, { [FILE]: { bytes: model } });
    const dataDir = scratchDir();
    const freeBytes = async () => 1000;
    await assert.rejects(pullModel(`${REPO}:${FILE}`, { dataDir, endpoint: hub.endpoint, freeBytes }), (error: ModelError) => {
      assert.equal(error.code, 'disk_full');
      assert.match(error.message, /needs \d.* MB more on .*, but only 1 kB is free/);
      return true;
    });
    assert.equal(hub.requests.filter((r) => r.method === 'GET').length, 0);
    assert.deepEqual(filesUnder(path.join(dataDir, 'models')), []);
    assert.deepEqual(listModels(dataDir).map((m) => m.isBundled), [true]);
  });

  it('downloads every part of a split GGUF and lists it once', async (t) => {
    const part2 = Buffer.from(model.subarray(0, 4096));
    const [first, second] = ['split/tiny-Q8_0-00001-of-00002.gguf', 'split/tiny-Q8_0-00002-of-00002.gguf'];
    const hub = await hubWith(t, { [first]: { bytes: model }, [second]: { bytes: part2 }, 'README.md': { bytes: Buffer.from('hi') } });
    const dataDir = scratchDir();
    // No file named: the repo's only GGUF model (counting the split one once) is picked.
    const pulled = await pullModel(REPO, { dataDir, endpoint: hub.endpoint });
    assert.equal(pulled.name, `${REPO}:${first}`);
    assert.deepEqual(pulled.parts, [pulledFile(dataDir, first), pulledFile(dataDir, second)]);
    assert.equal(sha256(fs.readFileSync(pulled.parts[1])), sha256(part2));
    assert.equal(listModels(dataDir).filter((m) => !m.isBundled).length, 1);

    fs.rmSync(pulled.parts[1]);
    assert.equal(listModels(dataDir).filter((m) => !m.isBundled).length, 0, 'a split model missing a part is not listed');
  });

  it('names what exists when a repo or file does not', async (t) => {
    const hub = await hubWith(t, { [FILE]: { bytes: model }, 'tiny-qwen2-Q4_K_M.gguf': { bytes: model } });
    const options = { dataDir: scratchDir(), endpoint: hub.endpoint };
    await assert.rejects(pullModel('nobody/Nothing-GGUF:x.gguf', options), /nobody\/Nothing-GGUF does not exist on .* \(or it is private: set HF_TOKEN\)/);
    await assert.rejects(pullModel(`${REPO}:missing.gguf`, options), new RegExp(`${REPO} has no file missing.gguf`));
    await assert.rejects(pullModel(`${REPO}:Q2_K`, options), new RegExp(`no GGUF matching 'Q2_K'; it has ${FILE}, tiny-qwen2-Q4_K_M.gguf`));
    await assert.rejects(pullModel('deepseek-r1:7b', options), /did you mean deepseek-r1-distill-qwen:7b-q4_k_m \(DeepSeek-R1 distilled into Qwen2\.5-Math-7B/);
    const preferred = await pullModel(REPO, options);
    assert.equal(path.basename(preferred.path), 'tiny-qwen2-Q4_K_M.gguf');
  });
});
