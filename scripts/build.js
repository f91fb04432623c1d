// `npm run build` (run by `npm install` too): compiles src/ to JavaScript in dist/ once, so the CLI and
// the engine process start without type-checking or transpiling. Copies the files src/ reads at run
// time (chat templates) beside the JavaScript, then writes dist/.build-stamp, which bin/seekstack.js
// compares with the sources' times. dist/web (the assistant app) is vite's and left alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.join(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const SKIPPED = new Set(['web', 'fixtures']);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies has no compiler: the CLI then runs the sources through tsx.
  console.warn('seekstack build: typescript is not installed, so src/ is not compiled; the CLI runs it through tsx (slower start)');
  process.exit(0);
}
fs.mkdirSync(dist, { recursive: true });
// Output of sources since removed must not linger.
for (const entry of fs.readdirSync(dist)) if (entry !== 'web') fs.rmSync(path.join(dist, entry), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name)) copyAssets(from);
    } else if (!entry.name.endsWith('.ts')) {
      const to = path.join(dist, path.relative(src, from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}
copyAssets(src);
fs.writeFileSync(path.join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
