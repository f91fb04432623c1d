// `npm run build` (run by `npm install` too): compiles src/ to JavaScript in dist/ once, so the CLI and
// the engine process start without type-checking or transpiling. Copies the files src/ reads at run
// time (chat templates) beside the JavaScript, bundles the two entry points that start a process (see
// bundle() below), then writes dist/.build-stamp, which bin/seekstack.js compares with the sources'
// times. dist/web (the assistant app) is vite's and left alone.
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

/**
 * Rewrites each entry point that starts a process into one file (the CLI's commands as chunks beside
 * it), its dependencies included: Node then reads a few files instead of ~600 (TypeBox alone is 218 ES
 * modules), which took the engine process 0.2 s and the server 0.9 s of a 2-core machine's start-up.
 * Every module keeps its own import.meta.url (rewritten relative to the bundle), so the files found
 * next to a module (chat templates, the worker modules started by path, the web app) are where they were.
 */
async function bundle(esbuild, entry, options = {}) {
  const outdir = path.dirname(entry);
  const ownUrl = {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(dist + path.sep)) return undefined;
        const relative = path.relative(outdir, args.path).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`)}, import.meta.url).href`;
        return { contents: fs.readFileSync(args.path, 'utf8').replaceAll('import.meta.url', url), loader: 'js' };
      });
    },
  };
  await esbuild.build({
    entryPoints: [entry],
    outdir,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Native addons, packages that find files next to themselves, and optional drivers stay in node_modules.
    external: ['koffi', 'better-sqlite3', 'pg-native', 'tsx', 'tsx/*'],
    plugins: [ownUrl],
    // CommonJS dependencies call require(); in an ES module bundle it must exist.
    banner: { js: "import { createRequire as __seekstackRequire } from 'node:module'; const require = __seekstackRequire(import.meta.url);" },
    logLevel: 'warning',
    ...options,
  });
}

let esbuild = null;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('seekstack build: esbuild is not installed, so the entry points are not bundled (slower start)');
}
if (esbuild) {
  await bundle(esbuild, path.join(dist, 'cli', 'main.js'), { splitting: true, chunkNames: 'bundle-[name]-[hash]' });
  await bundle(esbuild, path.join(dist, 'engine', 'worker.js'));
}
fs.writeFileSync(path.join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
