#!/usr/bin/env bash
# Builds llama-server from the same llama.cpp release as the prebuilt libraries we load
# (node-llama-cpp 3.21.1 ships that release's source as a git bundle), CPU only, with every
# CPU variant as a loadable backend so both servers pick the same ggml kernels at run time.
# Output: .cache/llama.cpp-build/bin/llama-server. Not part of npm install or npm test.
# Usage: scripts/build-llama-server.sh [extra cmake flags...]   (e.g. -DGGML_CUDA=ON)
# LLAMA_LINK_PREBUILT=1 compiles only llama-server's own code (server, mtmd, cpp-httplib, web UI) and
# links it with the prebuilt llama.cpp libraries Seekstack loads (@node-llama-cpp/linux-x64, same release):
# both servers then run byte-identical ggml kernels, and the build is ~70 objects instead of ~400.
# Output then: .cache/llama-server-prebuilt/llama-server, beside copies of those libraries.
# Env: LLAMA_BUILD_DIR (default .cache/llama.cpp-build), JOBS (default 2), LLAMA_CPU_VARIANTS: the
# ggml CPU variants to build, space-separated, or "all" (default: sapphirerapids on a CPU with
# AVX512-BF16, which is the variant the prebuilt libraries load on this machine; all elsewhere). Each
# variant is a full ggml-cpu compile (~10 min here), and llama-server loads the best one present.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$ROOT/.cache"
SRC="$CACHE/llama.cpp-src"
BUILD="${LLAMA_BUILD_DIR:-$CACHE/llama.cpp-build}"
VERSION=3.21.1
mkdir -p "$CACHE"

bundle=""
for candidate in "$ROOT/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$CACHE/node-llama-cpp/package/llama/gitRelease.bundle"; do
  [ -f "$candidate" ] && bundle="$candidate" && break
done
if [ -z "$bundle" ]; then
  # node-llama-cpp itself is not a dependency (we bind llama.cpp through koffi), so fetch its
  # tarball once with npm's own client; only the bundle inside it is used.
  mkdir -p "$CACHE/node-llama-cpp"
  (cd "$CACHE/node-llama-cpp" && npm pack --silent "node-llama-cpp@$VERSION" >/dev/null 2>&1 && tar xzf "node-llama-cpp-$VERSION.tgz" package/llama/gitRelease.bundle package/llama/binariesGithubRelease.json)
  bundle="$CACHE/node-llama-cpp/package/llama/gitRelease.bundle"
fi

if [ ! -d "$SRC/.git" ]; then
  rm -rf "$SRC"
  git -c advice.detachedHead=false clone --quiet "$bundle" "$SRC"
fi

# Debian's GCC 12 drops the stores that fill the AMX tile config before _tile_loadconfig
# (the AMX variant then dies with SIGILL on Sapphire Rapids). A compiler barrier keeps them.
MMQ="$SRC/ggml/src/ggml-cpu/amx/mmq.cpp"
if [ -f "$MMQ" ] && ! grep -q 'seekstack: compiler barrier' "$MMQ"; then
  sed -i 's|^\([[:space:]]*\)_tile_loadconfig(|\1asm volatile("" ::: "memory"); /* seekstack: compiler barrier */\n\1_tile_loadconfig(|' "$MMQ"
  grep -q 'seekstack: compiler barrier' "$MMQ" || { echo "AMX patch did not apply" >&2; exit 1; }
fi

# Keep only the wanted CPU variants (from a pristine CMakeLists, rewritten only when it changes).
CPU_CMAKE="$SRC/ggml/src/CMakeLists.txt"
variants_wanted="${LLAMA_CPU_VARIANTS:-$(grep -qw avx512_bf16 /proc/cpuinfo && echo sapphirerapids || echo all)}"
git -C "$SRC" show HEAD:ggml/src/CMakeLists.txt > "$CPU_CMAKE.want"
if [ "$variants_wanted" != all ]; then
  pattern="$(echo "$variants_wanted" | tr ' ' '|')"
  sed -i -E "/^\s*ggml_add_cpu_backend_variant\((x64|sse42|sandybridge|ivybridge|piledriver|haswell|skylakex|cannonlake|cascadelake|icelake|cooperlake|zen4|alderlake|sapphirerapids)\b/{/\((${pattern})\b/!s/^/# seekstack: not built: /}" "$CPU_CMAKE.want"
fi
if cmp -s "$CPU_CMAKE.want" "$CPU_CMAKE"; then rm "$CPU_CMAKE.want"; else mv "$CPU_CMAKE.want" "$CPU_CMAKE"; fi

command -v cmake >/dev/null || { echo "cmake is required (apt-get install -y cmake g++)" >&2; exit 1; }
cmake -S "$SRC" -B "$BUILD" -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
if [ "${LLAMA_LINK_PREBUILT:-0}" = 1 ]; then
  PREBUILT="$(ls -d "$ROOT"/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64)"
  OUTDIR="$CACHE/llama-server-prebuilt"
  # /fast: these targets without their dependencies (libllama and ggml come prebuilt); the first make
  # builds what the second's targets need. Their link steps fail for want of libllama, so objects and
  # archives are linked below instead.
  # The UI's embedding tool first: generating the (empty, offline) UI assets runs it.
  nice -n 19 make -C "$BUILD" -j "${JOBS:-2}" llama-ui-embed/fast
  nice -n 19 make -C "$BUILD" -j "${JOBS:-2}" llama-ui-assets/fast llama-common-base/fast vendor-hash/fast cpp-httplib/fast
  nice -n 19 make -k -C "$BUILD" -j "${JOBS:-2}" llama-ui/fast server-context/fast llama-server-impl/fast llama-server/fast mtmd/fast > "$BUILD/prebuilt-link.log" 2>&1 || true
  mkdir -p "$OUTDIR"
  cp "$PREBUILT"/*.so "$OUTDIR/"
  S="$BUILD/tools/server"
  nice -n 19 c++ -O3 -o "$OUTDIR/llama-server" "$S/CMakeFiles/llama-server.dir/main.cpp.o" "$S"/CMakeFiles/llama-server-impl.dir/*.o \
    "$S/libserver-context.a" "$BUILD"/tools/mtmd/CMakeFiles/mtmd.dir/*.o "$BUILD"/tools/mtmd/CMakeFiles/mtmd.dir/models/*.o \
    "$BUILD/tools/ui/libllama-ui.a" "$BUILD/vendor/cpp-httplib/libcpp-httplib.a" "$BUILD/vendor/hash/libvendor-hash.a" "$BUILD/common/libllama-common-base.a" \
    "$OUTDIR/libllama-common.so" "$OUTDIR/libllama.v0.4.0.so" "$OUTDIR/libggml.v0.4.0.so" "$OUTDIR/libggml-base.so" \
    -lssl -lcrypto -lpthread -Wl,-rpath,'$ORIGIN'
  echo "$OUTDIR/llama-server"
  exit 0
fi
nice -n 19 cmake --build "$BUILD" --target llama-server -j "${JOBS:-2}"
echo "$BUILD/bin/llama-server"
