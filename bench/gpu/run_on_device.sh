#!/usr/bin/env bash
# The benchmark on a lent GPU machine (see bench/gpu/README.md), in one call:
#   1. install the carried wheels (.gpu-bench/wheels/) and build llama-cpp-python 0.3.36 with CUDA from
#      the trimmed source package in .gpu-bench/ (about 5 minutes on 16 cores); the same CMake
#      build also makes llama.cpp's llama-server, the peer;
#   2. write a random-weight DeepSeek-Coder-shaped GGUF with the real tokenizer and quantize it;
#   3. run bench/run.py --gpu on it (typing over LSP, llama-server, llama_cpp.server, floor).
# Everything lands in $OUT: gpu.md, gpu.json, build and run logs.
# Locally (no GPU) `SKIP_BUILD=1 GPU=0 SHAPE=tiny bash bench/gpu/run_on_device.sh` checks the script.
set -uo pipefail
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${OUT:-/tmp/bench-out}
SITE=${SITE:-/tmp/site-bench}
REUSED=
SHAPE=${SHAPE:-1.3b}
QUANT=${QUANT:-f16}              # q4_k_m quantizes after the build (about 15 s more)
GPU=${GPU:-1}
BUDGET_S=${BUDGET_S:-440}          # stop the benchmark before the device call's limit
PY=${PY:-python3}
mkdir -p "$OUT" "$SITE" /tmp/models
T0=$(date +%s)
VOCAB=.gpu-bench/ggml-vocab-deepseek-coder.gguf
[ -f "$VOCAB" ] || VOCAB=fixtures/vocab/ggml-vocab-deepseek-coder.gguf
MODEL=/tmp/models/deepseek-coder-$SHAPE-shape-$QUANT.gguf
MODEL_PID=
say() { echo "[$(( $(date +%s) - T0 ))s] $*"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1

if [ -z "${SKIP_BUILD:-}" ]; then
  say "installing wheels"
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .gpu-bench/wheels/*.whl \
    >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
  if [ "$QUANT" = f16 ] && [ ! -f "$MODEL" ]; then  # needs no llama.cpp: write it while the build runs
    say "writing the $SHAPE-shape model ($QUANT) in the background"
    PYTHONPATH=$SITE $PY bench/gpu/make_model.py --shape "$SHAPE" --quant f16 --vocab "$VOCAB" --out "$MODEL" \
      >"$OUT/make_model.log" 2>&1 &
    MODEL_PID=$!
  fi
  # A warm machine may already hold a CUDA build of llama-cpp-python (GPU.md's recipe puts it in /tmp/site).
  for reuse in /tmp/site /tmp/site-cuda; do
    if [ "$reuse" != "$SITE" ] && PYTHONPATH=$SITE:$reuse $PY -c \
        "import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)" 2>/dev/null; then
      say "reusing the CUDA llama-cpp-python in $reuse"
      REUSED=$reuse
      break
    fi
  done
fi
if [ -z "${SKIP_BUILD:-}" ] && [ -z "${REUSED:-}" ]; then
  say "building llama-cpp-python with CUDA (+ llama-server)"
  export CMAKE_BUILD_PARALLEL_LEVEL=16
  SERVER_ARGS="-DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF"
  CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAVA_BUILD=off $SERVER_ARGS" \
    $PY -m pip install --no-build-isolation --no-deps --no-cache-dir --target "$SITE" \
    --config-settings=build-dir=/tmp/lcp-build .gpu-bench/llama_cpp_python-0.3.36.tar.gz >>"$OUT/build.log" 2>&1
  if [ $? -ne 0 ]; then
    tail -15 "$OUT/build.log"
    say "build with the server failed; building the tested recipe without it"
    CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAVA_BUILD=off" \
      $PY -m pip install --no-build-isolation --no-deps --no-cache-dir --target "$SITE" \
      .gpu-bench/llama_cpp_python-0.3.36.tar.gz >"$OUT/build2.log" 2>&1 || { tail -20 "$OUT/build2.log"; exit 1; }
  fi
fi
LLAMA_SITE=${REUSED:-$SITE}
export PYTHONPATH=$SITE:${REUSED:+$REUSED:}$ROOT${PYTHONPATH:+:$PYTHONPATH}
export LD_LIBRARY_PATH=$LLAMA_SITE/llama_cpp/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
$PY -c "import llama_cpp, sys; print('llama_cpp', llama_cpp.__version__, 'gpu offload', llama_cpp.llama_supports_gpu_offload())" \
  || exit 1
SERVER_BIN=$(find /tmp/lcp-build "$SITE" "$ROOT/.cache/llama-server" /tmp -maxdepth 6 -name llama-server -type f \
  -perm -u+x 2>/dev/null | head -1)
if [ -n "$SERVER_BIN" ] && "$SERVER_BIN" --version >/tmp/llama-server-version.txt 2>&1; then
  mkdir -p "$ROOT/.cache/llama-server/bin"
  [ "$SERVER_BIN" = "$ROOT/.cache/llama-server/bin/llama-server" ] || ln -sf "$SERVER_BIN" "$ROOT/.cache/llama-server/bin/llama-server"
  PEERS=${PEERS:-llama-server,llama-server+llama.vim}  # llama_cpp.server only if time allows
  say "llama-server: $SERVER_BIN ($(grep -m1 version /tmp/llama-server-version.txt))"
else
  PEERS=llama_cpp.server
  say "no llama-server; peer is llama_cpp.server only"
fi

if [ -n "$MODEL_PID" ]; then
  wait "$MODEL_PID" || { tail -20 "$OUT/make_model.log"; exit 1; }
elif [ ! -f "$MODEL" ]; then
  $PY bench/gpu/make_model.py --shape "$SHAPE" --quant "$QUANT" --vocab "$VOCAB" --out "$MODEL" \
    >"$OUT/make_model.log" 2>&1 || { tail -20 "$OUT/make_model.log"; exit 1; }
fi
tail -2 "$OUT/make_model.log"

LEFT=$(( BUDGET_S - ($(date +%s) - T0) ))
LEFT=$(( LEFT < 30 ? 30 : LEFT ))  # `timeout 0` would mean no limit
say "benchmark (${LEFT}s left)"
GPU_FLAG=$([ "$GPU" = 1 ] && echo --gpu)
BENCH_RESULTS=$OUT timeout "$LEFT" $PY bench/run.py $GPU_FLAG --quick --model "$MODEL" --name "${NAME:-gpu}" \
  --max-tokens "${MAX_TOKENS:-64}" --peers "$PEERS" --skip-others 2>"$OUT/run.log"
echo "exit $?"
tail -5 "$OUT/run.log"
say "done"
