import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findLibraryFile, isExpectedVersion, LlamaLibraryError, loadLibraries, packageCandidates } from './library.ts';

function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-llama-lib-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function assertOneLineError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LlamaLibraryError, `expected LlamaLibraryError, got ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, pattern);
    return true;
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// None of these loads the real libraries: a failed attempt must leave the process free to load them.
describe('loadLibraries failures', () => {
  it('names the missing directory and how to fix it', () => {
    assertOneLineError(() => loadLibraries({ libDir: '/nonexistent/llama-build' }), /\/nonexistent\/llama-build does not exist; point --llama-lib-dir or SEEKSTACK_LLAMA_LIB_DIR/);
  });

  it('names the library it could not find in an empty directory', () => {
    const dir = scratchDir();
    assertOneLineError(() => loadLibraries({ libDir: dir }), new RegExp(`no ggml-base shared library .* in ${escape(dir)};`));
  });

  it('turns a dlopen failure into one line with the file', () => {
    const dir = scratchDir();
    for (const file of ['libggml-base.so', 'libggml.so', 'libllama.so']) fs.writeFileSync(path.join(dir, file), 'not an ELF file');
    assertOneLineError(() => loadLibraries({ libDir: dir }), new RegExp(`cannot load ${escape(path.join(dir, 'libggml-base.so'))}: .*; check that`));
  });

  it('refuses a build of another release', { skip: process.platform !== 'linux' || !hasCompiler() ? 'needs cc on Linux' : false }, () => {
    const dir = scratchDir();
    const build = (name: string, source: string) => {
      fs.writeFileSync(path.join(dir, `${name}.c`), source);
      execFileSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, `lib${name}.so`), path.join(dir, `${name}.c`)]);
    };
    build('ggml-base', 'int ggml_base_marker;');
    build('ggml', 'void ggml_backend_load_all_from_path(const char *dir) { (void) dir; }');
    build('llama', 'const char *llama_version(void) { return "0.3.9"; }');
    assertOneLineError(() => loadLibraries({ libDir: dir }), /libllama\.so is llama\.cpp 0\.3\.9, Seekstack needs v0\.4\.0/);
  });
});

describe('findLibraryFile', () => {
  const packaged = ['libggml-base.so', 'libggml-cpu-haswell.so', 'libggml.v0.4.0.so', 'libllama-common.so', 'libllama.v0.4.0.so', 'llama-addon.node'];

  it('picks the packaged, versioned names and skips look-alikes', () => {
    assert.equal(findLibraryFile(packaged, 'ggml-base'), 'libggml-base.so');
    assert.equal(findLibraryFile(packaged, 'ggml'), 'libggml.v0.4.0.so');
    assert.equal(findLibraryFile(packaged, 'llama'), 'libllama.v0.4.0.so');
  });

  it('accepts the names of a user build on each platform', () => {
    assert.equal(findLibraryFile(['libllama.so', 'libllama.so.0', 'libllama.so.0.4.0'], 'llama'), 'libllama.so');
    assert.equal(findLibraryFile(['libllama.vulkan.v0.4.0.so'], 'llama'), 'libllama.vulkan.v0.4.0.so');
    assert.equal(findLibraryFile(['libggml.dylib'], 'ggml'), 'libggml.dylib');
    assert.equal(findLibraryFile(['ggml-base.dll', 'ggml.dll', 'llama.dll'], 'ggml'), 'ggml.dll');
    assert.equal(findLibraryFile(['libggml-base.so', 'libggml-cpu-x64.so'], 'ggml'), null);
  });
});

describe('release checks', () => {
  it('accepts the release and its dev build, nothing else', () => {
    assert.ok(isExpectedVersion('0.4.0'));
    assert.ok(isExpectedVersion('0.4.0-dev'));
    assert.ok(!isExpectedVersion('0.4.1'));
    assert.ok(!isExpectedVersion('0.40.0'));
    assert.ok(!isExpectedVersion('unknown (no llama_version symbol)'));
  });

  it('prefers GPU packages and falls back to the CPU one', () => {
    assert.deepEqual(packageCandidates('linux', 'x64'), ['@node-llama-cpp/linux-x64-cuda', '@node-llama-cpp/linux-x64-vulkan', '@node-llama-cpp/linux-x64']);
    assert.deepEqual(packageCandidates('darwin', 'arm64'), ['@node-llama-cpp/mac-arm64-metal']);
    assert.deepEqual(packageCandidates('aix', 'ppc64'), []);
  });
});
