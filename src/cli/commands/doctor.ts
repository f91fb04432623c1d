/**
 * `seekstack doctor`: which llama.cpp libraries the engine would load and what they can use (release,
 * CPU features, backends, devices, GPU offload), and the thread count it would run with.
 */
import { usableCores } from '../../engine/threads/cpu-cores.ts';
import { LIB_DIR_ENV, LlamaLibraryError, loadLlama, type DeviceInfo, type LlamaInfo } from '../../engine/llama/index.ts';
import { defineCommand, parseCommandArgs } from '../args.ts';

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function describeDevice(device: DeviceInfo): string {
  const memory = device.memoryTotalBytes > 0 ? `, ${gib(device.memoryFreeBytes)} free of ${gib(device.memoryTotalBytes)}` : '';
  return `${device.name} (${device.type}): ${device.description}${memory}`;
}

function report(info: LlamaInfo, threads: number, threadsSource: string): string {
  const source = info.packageName ?? `user build (--llama-lib-dir or ${LIB_DIR_ENV})`;
  const devices = info.devices.length > 0 ? info.devices.map(describeDevice) : ['none'];
  const rows: [string, string][] = [
    ['library dir', info.libDir],
    ['from', source],
    ['llama.cpp', `${info.release} (llama_version ${info.llamaVersion})`],
    ['system info', info.systemInfo.trim().replace(/\s*\|\s*$/, '')],
    ['backends', info.backends.join(', ') || 'none'],
    ...devices.map((device, i): [string, string] => [i === 0 ? 'devices' : '', device]),
    ['GPU offload', info.supportsGpuOffload ? 'supported' : 'not supported (every layer runs on the CPU)'],
    ['threads', `${threads} (${threadsSource})`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export const spec = defineCommand({
  options: {
    threads: { type: 'string', value: 'N', help: 'the thread count to check (default: the usable cores)' },
    'llama-lib-dir': { type: 'string', value: 'dir', help: 'check another build of the llama.cpp libraries' },
  },
});

export async function run(args: string[]): Promise<number> {
  const options = parseCommandArgs('doctor', args, spec.options);
  if (!options) return 2;
  const usable = usableCores();
  const threads = options.threads === undefined ? usable : Number(options.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    console.error(`seekstack doctor: --threads must be a positive integer, got ${options.threads}`);
    return 2;
  }
  let info: LlamaInfo;
  try {
    info = loadLlama({ libDir: options['llama-lib-dir'] }).info;
  } catch (error) {
    if (!(error instanceof LlamaLibraryError)) throw error;
    console.error(`seekstack doctor: ${error.message}`);
    return 1;
  }
  const source = options.threads === undefined ? 'usable cores (affinity and cgroup CPU quota); serve adapts each step down from it' : '--threads';
  console.log(report(info, threads, source));
  if (threads > usable) {
    console.log(`warning: ${threads} threads on ${usable} usable cores; ggml's spinning thread pool slows down badly when oversubscribed`);
  }
  return 0;
}
