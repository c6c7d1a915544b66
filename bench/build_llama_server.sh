#!/usr/bin/env bash
# Build llama.cpp's own `llama-server` (the peer in bench/peer.py) from the llama.cpp
# that the llama-cpp-python 0.3.36 source package on PyPI vendors, so the peer runs
# the same llama.cpp as our engine. Output: .cache/llama-server/bin/llama-server.
# Idempotent: exits at once when the binary is there. About 4 minutes on 2 cores.
#   JOBS=N            parallel compile jobs (default 2)
#   LLAMA_SERVER_CMAKE_ARGS="-DGGML_CUDA=on ..."   extra CMake flags (e.g. for a GPU build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=0.3.36
CACHE=$ROOT/.cache
OUT=$CACHE/llama-server
SDIST=$CACHE/sdist/llama_cpp_python-$VERSION.tar.gz
SRC=$CACHE/llama.cpp-src
BUILD=$CACHE/llama-server-build

if [ -x "$OUT/bin/llama-server" ]; then
  echo "llama-server: already built ($OUT/bin/llama-server)"
  exit 0
fi
mkdir -p "$CACHE/sdist"
if [ ! -f "$SDIST" ]; then
  python3 -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$CACHE/sdist"
fi
if [ ! -f "$SRC/CMakeLists.txt" ]; then
  rm -rf "$SRC" && mkdir -p "$SRC"
  tar xzf "$SDIST" -C "$SRC" --strip-components=3 "llama_cpp_python-$VERSION/vendor/llama.cpp"
fi
# No web UI (it would be downloaded), no curl, static libraries: one self-contained binary.
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF \
  -DBUILD_SHARED_LIBS=OFF ${LLAMA_SERVER_CMAKE_ARGS:-} >"$CACHE/llama-server-configure.log" 2>&1 \
  || { tail -30 "$CACHE/llama-server-configure.log"; exit 1; }
cmake --build "$BUILD" --target llama-server -j"${JOBS:-2}" >"$CACHE/llama-server-build.log" 2>&1 \
  || { tail -30 "$CACHE/llama-server-build.log"; exit 1; }
mkdir -p "$OUT/bin"
cp "$BUILD/bin/llama-server" "$OUT/bin/llama-server"
"$OUT/bin/llama-server" --version 2>&1 | head -2
echo "llama-server: built ($OUT/bin/llama-server)"
