#!/usr/bin/env bash
# Packs what scripts/cuda-check.sh needs on an offline GPU machine into .cache/device/: the llama.cpp
# v0.4.0 source (from the git bundle inside node-llama-cpp@3.21.1) and the runtime node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/device
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" node-llama-cpp@3.21.1 > /dev/null
tar xzf "$work"/node-llama-cpp-3.21.1.tgz -C "$work" package/llama/gitRelease.bundle
git init -q "$work/src" && git -C "$work/src" fetch -q "$work/package/llama/gitRelease.bundle" HEAD && git -C "$work/src" checkout -q FETCH_HEAD
tar czf .cache/device/llama-src.tar.gz -C "$work/src" CMakeLists.txt cmake ggml src include licenses LICENSE vendor common
# Everything but the type-checker, other platforms' binaries and koffi's sources: the carry limit is 64 MiB.
tar czf .cache/device/node_modules.tar.gz --exclude='node_modules/koffi/build/koffi/[!l]*' \
  --exclude='node_modules/koffi/build/koffi/linux_[!x]*' --exclude='node_modules/koffi/src' --exclude='node_modules/koffi/vendor' \
  --exclude='node_modules/typescript' --exclude='node_modules/@node-llama-cpp/linux-arm64' node_modules
node_bin=$(readlink -f "$(command -v node)")
tar cf - -C "$(dirname "$node_bin")" --transform 's,^,bin/,' "$(basename "$node_bin")" | xz -T0 -6 > .cache/device/node.tar.xz
ls -la .cache/device
