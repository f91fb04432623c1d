/**
 * @module engine/llama/backend
 * ggml's backend registry and devices, and llama.cpp's process-wide queries: what the doctor prints and
 * what decides the default number of GPU layers.
 */
import type { LlamaLibs } from './library.ts';
import type { DevicePtr, RegistryPtr } from './types.ts';
import { toNumber } from './types.ts';

export type DeviceType = 'cpu' | 'gpu' | 'igpu' | 'accel' | 'meta';

/** enum ggml_backend_dev_type, in order. */
const DEVICE_TYPES: readonly DeviceType[] = ['cpu', 'gpu', 'igpu', 'accel', 'meta'];

export interface DeviceInfo {
  name: string;
  description: string;
  type: DeviceType;
  memoryFreeBytes: number;
  memoryTotalBytes: number;
}

export interface BackendInfo {
  /** Registered backends (e.g. "CPU", "CUDA", "Vulkan"), in registration order. */
  backends: string[];
  devices: DeviceInfo[];
  /** llama_print_system_info: CPU features the loaded CPU variant uses. */
  systemInfo: string;
  supportsGpuOffload: boolean;
  maxDevices: number;
}

export function bindBackend(libs: LlamaLibs) {
  const { ggmlBase, ggml, llama } = libs;
  const fn = {
    dev_count: ggml.func('size_t ggml_backend_dev_count(void)'),
    dev_get: ggml.func('ggml_backend_device *ggml_backend_dev_get(size_t index)'),
    dev_name: ggmlBase.func('const char *ggml_backend_dev_name(ggml_backend_device *device)'),
    dev_description: ggmlBase.func('const char *ggml_backend_dev_description(ggml_backend_device *device)'),
    dev_type: ggmlBase.func('int ggml_backend_dev_type(ggml_backend_device *device)'),
    dev_memory: ggmlBase.func('void ggml_backend_dev_memory(ggml_backend_device *device, _Out_ size_t *free, _Out_ size_t *total)'),
    reg_count: ggml.func('size_t ggml_backend_reg_count(void)'),
    reg_get: ggml.func('ggml_backend_reg *ggml_backend_reg_get(size_t index)'),
    reg_name: ggmlBase.func('const char *ggml_backend_reg_name(ggml_backend_reg *reg)'),
    print_system_info: llama.func('const char *llama_print_system_info(void)'),
    supports_gpu_offload: llama.func('bool llama_supports_gpu_offload(void)'),
    max_devices: llama.func('size_t llama_max_devices(void)'),
    backend_init: llama.func('void llama_backend_init(void)'),
  };

  function device(dev: DevicePtr): DeviceInfo {
    const free = [0];
    const total = [0];
    fn.dev_memory(dev, free, total);
    return {
      name: fn.dev_name(dev),
      description: fn.dev_description(dev),
      type: DEVICE_TYPES[fn.dev_type(dev)] ?? 'cpu',
      memoryFreeBytes: toNumber(free[0]),
      memoryTotalBytes: toNumber(total[0]),
    };
  }

  return {
    /** llama_backend_init */
    backendInit(): void {
      fn.backend_init();
    },
    /** ggml_backend_dev_count + ggml_backend_dev_get, described. */
    devices(): DeviceInfo[] {
      const count = toNumber(fn.dev_count());
      return Array.from({ length: count }, (_, i) => device(fn.dev_get(i) as DevicePtr));
    },
    /** ggml_backend_reg_count + ggml_backend_reg_get, by name. */
    backends(): string[] {
      const count = toNumber(fn.reg_count());
      return Array.from({ length: count }, (_, i) => fn.reg_get(i) as RegistryPtr).map((reg) => fn.reg_name(reg) as string);
    },
    info(): BackendInfo {
      return {
        backends: this.backends(),
        devices: this.devices(),
        systemInfo: fn.print_system_info(),
        supportsGpuOffload: fn.supports_gpu_offload(),
        maxDevices: toNumber(fn.max_devices()),
      };
    },
  };
}

export type BackendApi = ReturnType<typeof bindBackend>;

/** GPU-class devices hold offloaded layers; CPU and accelerator (BLAS, AMX) devices work beside the CPU. */
export function hasGpuDevice(devices: readonly DeviceInfo[]): boolean {
  return devices.some((d) => d.type === 'gpu' || d.type === 'igpu');
}
