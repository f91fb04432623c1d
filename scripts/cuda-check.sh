#!/usr/bin/env bash
# CUDA check of the engine on a machine with an NVIDIA GPU and no network: builds llama.cpp release
# v0.4.0 as shared libraries with CUDA (the "own build" path, SEEKSTACK_LLAMA_LIB_DIR), then runs the
# doctor, one generation, the engine bench and the engine tests with every layer on the GPU.
# Needs: nvcc, cmake, a C++ compiler; the llama.cpp source, a node_modules tarball and (where the
# machine has no Node.js) a node binary in .cache/device/, made by scripts/pack-device.sh, since
# the machine cannot reach the npm registry.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/cuda-check}
mkdir -p "$OUT"
exec > >(tee "$OUT/cuda-check.log") 2>&1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
if ! command -v node > /dev/null && [ -f .cache/device/node.tar.xz ]; then
  mkdir -p /tmp/node && tar xJf .cache/device/node.tar.xz -C /tmp/node && export PATH="/tmp/node/bin:$PATH"
fi
for tool in node nvcc cmake g++; do printf '%-6s %s\n' "$tool" "$(command -v $tool || echo MISSING)"; done
node --version; nvcc --version | tail -n 1; cmake --version | head -n 1

[ -d node_modules/koffi ] || tar xzf .cache/device/node_modules.tar.gz
SRC=/tmp/llama-v0.4.0
if [ ! -f "$SRC/build/bin/libllama.so" ]; then
  mkdir -p "$SRC" && tar xzf .cache/device/llama-src.tar.gz -C "$SRC"
  start=$(date +%s)
  cmake -S "$SRC" -B "$SRC/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=OFF \
    -DGGML_NATIVE=ON -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_NCCL=OFF \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_HTML=OFF > "$OUT/cmake-configure.log" 2>&1 \
    || { tail -n 40 "$OUT/cmake-configure.log"; exit 1; }
  cmake --build "$SRC/build" -j "$(nproc)" --target llama > "$OUT/cmake-build.log" 2>&1 \
    || { tail -n 40 "$OUT/cmake-build.log"; exit 1; }
  echo "llama.cpp CUDA build: $(( $(date +%s) - start )) s"
fi
export SEEKSTACK_LLAMA_LIB_DIR="$SRC/build/bin"
ls "$SEEKSTACK_LLAMA_LIB_DIR"

node bin/seekstack.js doctor
node bin/seekstack.js generate --model models/stories260K.gguf --max-tokens 200 --temperature 0 --seed 1
timeout 300 node --import tsx bench/run.ts && cp bench/results/*.json "$OUT/"
SEEKSTACK_TEST_GPU_LAYERS=-1 timeout 200 node --import tsx --test --test-reporter=spec test/engine/*.test.ts > "$OUT/gpu-tests.log" 2>&1
grep -E '^(✔|✖|ℹ)|^  (✔|✖)' "$OUT/gpu-tests.log"
