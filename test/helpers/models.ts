/**
 * Tiny random-weight models for tests, generated once per machine into the OS temp dir (keyed by the
 * generator's source, so a change to the writer makes fresh files). Nothing is downloaded.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { synthModel } from '../../src/engine/gguf/synth.ts';

type Arch = 'llama' | 'qwen2' | 'deepseek2';

const GENERATOR_DIR = new URL('../../src/engine/gguf/', import.meta.url);

/** Hash of every generator source (code and templates), so an edit anywhere in it makes fresh models. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const files = fs.readdirSync(GENERATOR_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => !f.endsWith('.test.ts')).sort();
  for (const file of files) {
    const url = new URL(file, GENERATOR_DIR);
    if (fs.statSync(url).isFile()) hash.update(file).update(fs.readFileSync(url));
  }
  return hash.digest('hex').slice(0, 12);
}

/** The tiny model of an architecture, or with `embed` the same shape declaring mean pooling (an embedding model). */
export async function tinyModel(arch: Arch, preset: 'tiny' | 'embed' = 'tiny'): Promise<string> {
  const dir = path.join(os.tmpdir(), 'seekstack-test-models');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${arch}-${preset}-${sourceHash()}.gguf`);
  if (!fs.existsSync(file)) {
    // Write beside and rename, so concurrent test files never see a half-written model.
    const partial = `${file}.${process.pid}.partial`;
    await synthModel({ arch, preset, out: partial });
    fs.renameSync(partial, file);
  }
  return file;
}

/** A scratch directory removed when the process exits. */
export function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-test-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
