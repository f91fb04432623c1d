/**
 * @module engine/llama/library
 * Finds llama.cpp's shared libraries, checks they are release v0.4.0 (the struct layouts in this folder
 * are that release's), loads them in dependency order and routes llama.cpp's logging. Every failure
 * becomes one `LlamaLibraryError` line that says what was looked for, where, and how to fix it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import koffi from 'koffi';
import type { IKoffiLib } from 'koffi';

export const EXPECTED_RELEASE = 'v0.4.0';
/** The @node-llama-cpp/* version that ships EXPECTED_RELEASE prebuilt. */
export const PACKAGE_VERSION = '3.21.1';
export const LIB_DIR_ENV = 'SEEKSTACK_LLAMA_LIB_DIR';
export const LOG_ENV = 'SEEKSTACK_LLAMA_LOG';

export class LlamaLibraryError extends Error {
  constructor(message: string) {
    // The CLI prints the message alone, so it has to stay one line.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'LlamaLibraryError';
  }
}

/** GPU variants first: when one is installed the user asked for it. */
const PACKAGES_BY_PLATFORM: Record<string, readonly string[]> = {
  'linux-x64': ['linux-x64-cuda', 'linux-x64-vulkan', 'linux-x64'],
  'linux-arm64': ['linux-arm64'],
  'darwin-arm64': ['mac-arm64-metal'],
  'darwin-x64': ['mac-x64'],
  'win32-x64': ['win-x64-cuda', 'win-x64-vulkan', 'win-x64'],
};

export type LlamaLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LlamaLogThreshold = LlamaLogLevel | 'none';

export interface LibraryOptions {
  /** A directory holding a build of the same release (CANN, MUSA, HIP, SYCL…); overrides SEEKSTACK_LLAMA_LIB_DIR. */
  libDir?: string;
  /** Lowest level passed on; default from SEEKSTACK_LLAMA_LOG, else 'warn'. */
  logLevel?: LlamaLogThreshold;
  /** Where kept log lines go; default: stderr. */
  onLog?: (level: LlamaLogLevel, text: string) => void;
}

export interface LlamaLibraries {
  dir: string;
  /** The npm package the libraries came from, or null for a user directory. */
  packageName: string | null;
  release: string;
  /** What `llama_version()` reports, e.g. "0.4.0-dev". */
  llamaVersion: string;
  ggmlBase: IKoffiLib;
  ggml: IKoffiLib;
  llama: IKoffiLib;
}

/** The three loaded libraries, which is all a binding needs. */
export type LlamaLibs = Pick<LlamaLibraries, 'ggmlBase' | 'ggml' | 'llama'>;

interface Location {
  dir: string;
  packageName: string | null;
}

export function packageCandidates(platform = process.platform, arch = process.arch): readonly string[] {
  return (PACKAGES_BY_PLATFORM[`${platform}-${arch}`] ?? []).map((name) => `@node-llama-cpp/${name}`);
}

function installHint(): string {
  const packages = packageCandidates();
  const cpu = packages.at(-1);
  const gpu = packages.slice(0, -1);
  const cpuHint = cpu ? `run \`npm install ${cpu}@${PACKAGE_VERSION}\`` : 'no prebuilt package exists for this platform';
  const gpuHint = gpu.length > 0 ? ` (GPU: ${gpu.map((p) => `${p}@${PACKAGE_VERSION}`).join(' or ')})` : '';
  return `${cpuHint}${gpuHint}, or set ${LIB_DIR_ENV} to a shared-library build of llama.cpp ${EXPECTED_RELEASE}`;
}

function userDirHint(): string {
  return `point --llama-lib-dir or ${LIB_DIR_ENV} at the folder holding libllama, libggml and libggml-base of a llama.cpp ${EXPECTED_RELEASE} build (cmake -DBUILD_SHARED_LIBS=ON), or unset it to use the prebuilt package`;
}

function packageDir(packageName: string): string | null {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    // '<pkg>/package.json' is not in these packages' "exports", so resolve the entry point and walk up.
    entry = require.resolve(packageName);
  } catch {
    return null;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === packageName) return dir;
  }
  return null;
}

function locatePackage(): Location {
  const packages = packageCandidates();
  for (const packageName of packages) {
    const root = packageDir(packageName);
    if (!root) continue;
    const bins = path.join(root, 'bins');
    const variants = fs.existsSync(bins) ? fs.readdirSync(bins) : [];
    const variant = variants.find((name) => fs.existsSync(path.join(bins, name, '_nlcBuildMetadata.json')));
    if (!variant) throw new LlamaLibraryError(`${packageName} at ${root} has no bins/*/_nlcBuildMetadata.json; reinstall it: npm install ${packageName}@${PACKAGE_VERSION}`);
    const dir = path.join(bins, variant);
    const metadata = JSON.parse(fs.readFileSync(path.join(dir, '_nlcBuildMetadata.json'), 'utf8'));
    const release: unknown = metadata?.buildOptions?.llamaCpp?.release;
    if (release !== EXPECTED_RELEASE) {
      throw new LlamaLibraryError(`${packageName} at ${root} ships llama.cpp ${String(release)}, Seekstack needs ${EXPECTED_RELEASE}: npm install ${packageName}@${PACKAGE_VERSION}`);
    }
    return { dir, packageName };
  }
  const where = packages.length > 0 ? `none of ${packages.join(', ')} is installed` : `no prebuilt package exists for ${process.platform}-${process.arch}`;
  throw new LlamaLibraryError(`llama.cpp libraries not found: ${where}; ${installHint()}`);
}

function locate(libDir: string | undefined): Location {
  if (libDir === undefined || libDir === '') return locatePackage();
  const dir = path.resolve(libDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new LlamaLibraryError(`llama.cpp library directory ${dir} does not exist; ${userDirHint()}`);
  }
  return { dir, packageName: null };
}

/**
 * The file for one of the three core libraries: `libllama.so`, `libllama.v0.4.0.so`,
 * `libllama.vulkan.v0.4.0.so`, `libllama.so.0`, `libllama.dylib`, `llama.dll`. The stem must be followed
 * by a dot, so `ggml` does not pick up `ggml-base` or `ggml-cpu-*`, nor `llama` pick up `llama-common`.
 */
export function findLibraryFile(files: readonly string[], stem: string): string | null {
  const pattern = new RegExp(`^(lib)?${stem.replace('-', '\\-')}(\\.[A-Za-z0-9_]+)*\\.(so|dylib|dll)(\\.[0-9]+)*$`);
  const rank = (file: string): number => (file.includes(`.${EXPECTED_RELEASE}.`) ? 0 : 1);
  const matches = files.filter((file) => pattern.test(file));
  matches.sort((a, b) => rank(a) - rank(b) || a.length - b.length || a.localeCompare(b));
  return matches[0] ?? null;
}

/** The dev suffix is what a default cmake build of the release tag reports ("0.4.0-dev"). */
export function isExpectedVersion(llamaVersion: string): boolean {
  return new RegExp(`^${EXPECTED_RELEASE.slice(1).replace(/\./g, '\\.')}(-.*)?$`).test(llamaVersion);
}

function open(file: string, where: Location): IKoffiLib {
  try {
    return koffi.load(file);
  } catch (err) {
    const fix = where.packageName
      ? `reinstall it: npm install ${where.packageName}@${PACKAGE_VERSION}`
      : `check that ${where.dir} holds a complete shared-library build of llama.cpp ${EXPECTED_RELEASE} and that its own dependencies (GPU runtime) are on the loader path`;
    throw new LlamaLibraryError(`cannot load ${file}: ${(err as Error).message}; ${fix}`);
  }
}

const LEVELS: readonly (LlamaLogLevel | null)[] = [null, 'debug', 'info', 'warn', 'error'];
const LEVEL_RANK: Record<LlamaLogThreshold, number> = { debug: 1, info: 2, warn: 3, error: 4, none: 5 };
const GGML_LOG_LEVEL_CONT = 5;

function logThreshold(options: LibraryOptions): LlamaLogThreshold {
  const fromEnv = process.env[LOG_ENV];
  if (options.logLevel) return options.logLevel;
  return fromEnv && Object.hasOwn(LEVEL_RANK, fromEnv) ? (fromEnv as LlamaLogThreshold) : 'warn';
}

const LogCallback = koffi.proto('void ggml_log_callback(int level, const char *text, void *user_data)');
/**
 * llama.cpp keeps the callback pointer for the life of the process, so the registration must never be
 * collected or unregistered. A callback raised from a non-JS thread is queued to the event loop and
 * blocks that thread until JS runs it: harmless for async koffi calls, a deadlock if a synchronous call
 * on the main thread waits on a thread that logs (model-loader validation threads with check_tensors).
 */
let logCallback: unknown = null;

let lastError = '';

/**
 * The errors llama.cpp logged since the previous call, on one line, whatever the log threshold: a
 * failed call returns only NULL, and its reason is in the log.
 */
export function takeLastError(): string {
  const message = lastError.trim().split(/\s*\n\s*/).join('; ');
  lastError = '';
  return message;
}

function routeLogs(llama: IKoffiLib, options: LibraryOptions): void {
  const rank = LEVEL_RANK[logThreshold(options)];
  const sink = options.onLog ?? ((level, text) => process.stderr.write(`llama.cpp ${level}: ${text}`));
  let last: LlamaLogLevel = 'info';
  let isKept = false;
  const onLog = (levelId: number, text: string | null): void => {
    if (levelId !== GGML_LOG_LEVEL_CONT) {
      last = LEVELS[levelId] ?? 'info';
      isKept = LEVEL_RANK[last] >= rank;
    }
    if (last === 'error' && text && lastError.length < 4000) lastError += text;
    if (!isKept || !text) return;
    // A throw here would unwind through C++ frames; a broken sink must not take the engine down.
    try {
      sink(last, text);
    } catch {
      /* dropped */
    }
  };
  logCallback = koffi.register(onLog, koffi.pointer(LogCallback));
  llama.func('void llama_log_set(ggml_log_callback *cb, void *user_data)')(logCallback, null);
}

let loaded: LlamaLibraries | null = null;

/**
 * Loads ggml-base, ggml and llama (in that order: each one's dependencies must already be in the
 * process, since a user build may lack an rpath) and then every backend library in the same directory
 * (CPU variants per instruction set, CUDA, Vulkan, Metal…). Libraries cannot be unloaded, so a second
 * call returns the first result, and asking for another directory afterwards is an error.
 */
export function loadLibraries(options: LibraryOptions = {}): LlamaLibraries {
  const where = locate(options.libDir ?? process.env[LIB_DIR_ENV]);
  if (loaded) {
    if (loaded.dir === where.dir) return loaded;
    throw new LlamaLibraryError(`llama.cpp is already loaded from ${loaded.dir} in this process, cannot also load ${where.dir}; restart with one library directory`);
  }
  const files = fs.readdirSync(where.dir);
  const found = ['ggml-base', 'ggml', 'llama'].map((stem) => {
    const file = findLibraryFile(files, stem);
    if (!file) {
      const fix = where.packageName ? `reinstall it: npm install ${where.packageName}@${PACKAGE_VERSION}` : userDirHint();
      throw new LlamaLibraryError(`no ${stem} shared library (lib${stem}.so, .dylib or ${stem}.dll) in ${where.dir}; ${fix}`);
    }
    return path.join(where.dir, file);
  });
  const [ggmlBase, ggml, llama] = found.map((file) => open(file, where)) as [IKoffiLib, IKoffiLib, IKoffiLib];

  let llamaVersion: string;
  try {
    llamaVersion = llama.func('const char *llama_version(void)')() as string;
  } catch {
    llamaVersion = 'unknown (no llama_version symbol)';
  }
  if (!isExpectedVersion(llamaVersion)) {
    throw new LlamaLibraryError(`${found[2]} is llama.cpp ${llamaVersion}, Seekstack needs ${EXPECTED_RELEASE} (struct layouts differ between releases); ${where.packageName ? `npm install ${where.packageName}@${PACKAGE_VERSION}` : userDirHint()}`);
  }

  routeLogs(llama, options);
  ggml.func('void ggml_backend_load_all_from_path(const char *dir_path)')(where.dir);
  loaded = { ...where, release: EXPECTED_RELEASE, llamaVersion, ggmlBase, ggml, llama };
  return loaded;
}
