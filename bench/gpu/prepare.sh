#!/usr/bin/env bash
# Prepare, on this machine, everything bench/gpu/run_on_device.sh needs on a GPU machine that
# reaches no network, in .gpu-bench/ (ignored by git, named in the device call's `carry`):
# llama-cpp-python's source trimmed to ~8 MB, the DeepSeek-Coder vocabulary, and wheels/ with the
# Python 3.12 manylinux wheels the device image lacks. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=0.3.36
SDIST=.cache/sdist/llama_cpp_python-$VERSION.tar.gz
for path in /.gpu-bench/ /.cache/; do
  grep -qxF "$path" .git/info/exclude 2>/dev/null || echo "$path" >> .git/info/exclude
done
mkdir -p .gpu-bench/wheels .cache/sdist
if [ ! -f .gpu-bench/llama_cpp_python-$VERSION.tar.gz ]; then
  [ -f "$SDIST" ] || python3 -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d .cache/sdist
  work=$(mktemp -d)
  tar xzf "$SDIST" -C "$work"
  src=$work/llama_cpp_python-$VERSION
  lc=$src/vendor/llama.cpp
  # no git history, docs, web UI sources, vocab files or backends other than CPU and CUDA
  rm -rf "$src/.git" "$lc/.git" "$lc/docs" "$lc/benches" "$lc/media" "$lc"/models/ggml-vocab-* \
    "$lc"/ggml/src/ggml-{virtgpu,cann,openvino,webgpu,et,metal,hexagon,sycl,vulkan,opencl}
  find "$lc/tools/ui" -mindepth 1 -maxdepth 1 ! -name CMakeLists.txt ! -name sources.cmake ! -name 'ui.*.in' \
    -exec rm -rf {} +
  # tools: only the server (and mtmd, which it links), so the CUDA build adds little to make llama-server
  cp bench/gpu/tools-CMakeLists.txt "$lc/tools/CMakeLists.txt"
  tar czf .gpu-bench/llama_cpp_python-$VERSION.tar.gz -C "$work" "llama_cpp_python-$VERSION"
  rm -rf "$work"
fi
cp -n fixtures/vocab/ggml-vocab-deepseek-coder.gguf .gpu-bench/ 2>/dev/null || true
WHEELS="pygls==2.1.1 lsprotocol==2025.0.0 cattrs attrs tree-sitter==0.26.1 tree-sitter-python tree-sitter-javascript
  tree-sitter-typescript tree-sitter-go tree-sitter-rust tree-sitter-java tree-sitter-c tree-sitter-cpp watchdog
  gitpython gitdb smmap gguf==0.19.0 diskcache typing-extensions fastapi starlette uvicorn sse-starlette
  starlette-context pydantic-settings pydantic pydantic-core annotated-types typing-inspection python-dotenv
  opentelemetry-api"
if [ -z "$(ls .gpu-bench/wheels/*.whl 2>/dev/null)" ]; then
  for wheel in $WHEELS; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      --platform manylinux1_x86_64 --platform manylinux_2_5_x86_64 -d .gpu-bench/wheels "$wheel"
  done
fi
du -sh .gpu-bench
