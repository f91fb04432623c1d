#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// The flag keeps V8's young generation at 2 MB a half instead of 16: the server's garbage is small
// (request and SSE chunk objects), and the default grows the process by ~20 MB for nothing.
// MALLOC_ARENA_MAX=2 (glibc; others ignore it) stops each of V8's and libuv's threads from growing a
// malloc arena of its own: the server ended a load test 6 MB smaller and the engine process, which
// inherits it, 5 MB smaller (bench model, `npm run bench -- versus`'s load). Threads that share an arena
// wait on its lock only when they allocate at the same moment, rare here: one thread does nearly all the
// allocating in each process, and small allocations come from per-thread caches. A user's own value is replaced.
// Runs the JavaScript that `npm install` compiled into dist/ (npm run build): start-up neither
// type-checks nor transpiles, and tsx is never loaded. A checkout whose TypeScript is newer than that
// build (an edit not yet rebuilt, or no build at all) runs the source through tsx instead, so a change
// is never silently ignored.
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..');

function builtAt() {
  try {
    return fs.statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;
  } catch {
    return -Infinity;
  }
}

/** Whether any TypeScript under `dir` changed after `time` (the assistant app is vite's, not ours). */
function changedSince(dir, time) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'web' && changedSince(file, time)) return true;
    } else if (entry.name.endsWith('.ts') && fs.statSync(file).mtimeMs > time) {
      return true;
    }
  }
  return false;
}

if (changedSince(path.join(root, 'src'), builtAt())) {
  // Benchmarks set this: numbers taken through tsx (slower start, more memory) would be the wrong ones.
  if (process.env.SEEKSTACK_REQUIRE_BUILD === '1') {
    console.error('seekstack: src/ is newer than dist/ (SEEKSTACK_REQUIRE_BUILD=1 refuses to run it through tsx); run npm run build');
    process.exit(1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/cli/main.js');
}
