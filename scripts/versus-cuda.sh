#!/usr/bin/env bash
# `npm run bench -- versus` on an NVIDIA GPU: Seekstack and llama-server built with CUDA from the same
# llama.cpp source (the git bundle inside node-llama-cpp@3.21.1, cloned by scripts/build-llama-server.sh
# or present in $LLAMA_SRC), every layer on the GPU, aggregate decode at 8, 16 and 64 streams.
# Seekstack loads the CUDA libllama through SEEKSTACK_LLAMA_LIB_DIR; llama-server is the same build's.
# Results: bench/results/versus.json (copied to $OUT when set). Needs nvcc, cmake, g++, node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="${LLAMA_SRC:-.cache/llama.cpp-src}"
BUILD="${LLAMA_CUDA_BUILD:-.cache/llama.cpp-cuda}"
[ -d "$SRC" ] || { echo "no llama.cpp source in $SRC: run scripts/build-llama-server.sh once (it clones it) or set LLAMA_SRC" >&2; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
if [ ! -x "$BUILD/bin/llama-server" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=OFF -DGGML_NATIVE=ON \
    -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-native}" -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF > /dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target llama llama-server
fi
export SEEKSTACK_LLAMA_LIB_DIR="$PWD/$BUILD/bin"
export LLAMA_SERVER="$PWD/$BUILD/bin/llama-server"
export VERSUS_GPU_LAYERS="${VERSUS_GPU_LAYERS:-999}"
export VERSUS_STREAMS="${VERSUS_STREAMS:-8,16,64}"
export BENCH_THREADS="${BENCH_THREADS:-$(nproc)}"
node --import tsx bench/run.ts versus
[ -n "${OUT:-}" ] && cp bench/results/versus.json "$OUT/"
