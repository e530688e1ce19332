#!/usr/bin/env bash
# gpu_run.sh: the CUDA checks of issues 13 and 14 on a GPU machine of the device tool, from
# the .gpu/ folder testdata/bench/gpu_prepare.sh builds (run that here first, then
# `device run` with carry [".gpu"] and the command `bash testdata/bench/gpu_run.sh`).
#
# Stages, each with its own time limit, each writing $OUT/<stage>.log and a line to
# $OUT/summary.txt (so that a stage that runs out of time still leaves the others):
#   synth_tests     the synth package's tests with xla:cuda as the first test backend
#   go_bench        the step rows of make bench on xla:cuda (metamer, Fisher, MAD, PS, pyramid)
#   plenoptic_bench the same workloads in plenoptic 1.1.0 on that machine's torch, on CUDA
#   tutorial        the whole tutorial workload on xla:cuda, power method then Lanczos
#   texture         the 1000-iteration coarse-to-fine texture metamer on xla:cuda
#
# The limits add up to 550 s, inside one device command (600 s at most; on this 2-core machine
# the stages take ≈ 6 min on XLA CPU, and a GPU should take less). STAGES="synth_tests go_bench ..."
# runs only those (a rerun of what ran out of time); GPU_RUN_CPU=1 runs them here on XLA CPU
# (plenoptic on CPU torch from .venv-ref), to check the script itself.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
OUT=${OUT:-/tmp/gpu-run}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.json
summary="$OUT/summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }

G=$root/.gpu
[ -f "$G/bin.txz" ] || { note "no .gpu/bin.txz: run testdata/bench/gpu_prepare.sh here and carry .gpu"; exit 1; }
python3 - "$G/bin.txz" "$G" <<'PY' || { note "cannot unpack .gpu/bin.txz"; exit 1; }
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    try:
        t.extractall(sys.argv[2], filter="data")
    except TypeError:  # a Python without extraction filters
        t.extractall(sys.argv[2])
PY
bin=$G/bin
export GOPLENOPTIC_ROOT=$root GOPLENOPTIC_DATA=$G/data GOMLX_NO_AUTO_INSTALL=1 GOPLENOPTIC_QUIET=1

if [ "${GPU_RUN_CPU:-}" = 1 ]; then
  backend=xla:cpu device=cpu py=${PY:-$root/.venv-ref/bin/python}
  export PJRT_PLUGIN_LIBRARY_PATH=$root/.local/pjrt
else
  backend=xla:cuda device=cuda py=python3
  # The wheels plenoptic needs that the image lacks.
  $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$G"/whl/*.whl ||
    note "warning: installing the plenoptic wheels failed"
  export PYTHONPATH=/tmp/site
  # The CUDA PJRT plugin of jax-cuda13-pjrt and the NVIDIA libraries beside it.
  sites=$($py -c 'import site; print(" ".join(site.getsitepackages()))')
  so=$(find $sites -name xla_cuda_plugin.so 2>/dev/null | head -n1)
  [ -n "$so" ] || { note "no xla_cuda_plugin.so under $sites (jax-cuda13-pjrt)"; exit 1; }
  mkdir -p /tmp/pjrt && ln -sf "$so" /tmp/pjrt/pjrt_c_api_cuda_plugin.so
  export PJRT_PLUGIN_LIBRARY_PATH=/tmp/pjrt
  libs=$(find $sites -path '*/nvidia/*' -type d -name lib 2>/dev/null | sort | paste -sd:)
  export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  # No TF32 in cuBLAS/cuDNN: float32 products as torch computes them by default, so that the
  # parity tolerances hold.
  export NVIDIA_TF32_OVERRIDE=0
  nvidia-smi -L >"$OUT/gpu.txt" 2>&1
  note "plugin $so; $(head -n1 "$OUT/gpu.txt")"
fi
export GOPLENOPTIC_BACKEND=$backend GOPLENOPTIC_TEST_BACKENDS=$backend,go

# stage NAME SECONDS DIR COMMAND...: runs COMMAND in DIR under a time limit, if NAME is wanted.
wanted() { [ -z "${STAGES:-}" ] || [[ " $STAGES " == *" $1 "* ]]; }
stage() {
  local name=$1 limit=$2 dir=$3
  shift 3
  wanted "$name" || return 0
  local t0=$SECONDS
  (cd "$dir" && timeout "$limit" "$@") >>"$OUT/$name.log" 2>&1
  local rc=$? why=""
  [ "$rc" = 124 ] && why=" (time limit)"
  note "$name: exit $rc after $((SECONDS - t0)) s$why"
}

stage synth_tests 150 plenoptic/synth "$bin/synth.test" -test.count=1 -test.short
wanted synth_tests && grep -E '^(--- FAIL|FAIL|ok|PASS)' "$OUT/synth_tests.log" | head -n 20 >>"$summary"
stage go_bench 80 plenoptic/synth "$bin/synth.test" -test.run '^$' -test.benchtime 50x \
  -test.bench 'MatmulPeak|MetamerStep/xla|FisherProduct/xla|MADStep/xla'
stage go_bench 50 plenoptic/models "$bin/models.test" -test.run '^$' -test.benchtime 20x \
  -test.bench 'PS(MetamerStep|ForwardGradient)/xla'
stage go_bench 30 plenoptic/pyramid "$bin/pyramid.test" -test.run '^$' -test.benchtime 50x \
  -test.bench 'PyramidForwardInverse/xla'
wanted go_bench && grep -E '^Benchmark' "$OUT/go_bench.log" >>"$summary"
stage plenoptic_bench 80 . "$py" testdata/bench/plenoptic_bench.py --iters 20 --device "$device"
wanted plenoptic_bench && tail -n 40 "$OUT/plenoptic_bench.log" >>"$summary"
stage tutorial 60 . "$bin/tutorial_workload" -json "$OUT/tutorial_power.json"
stage tutorial 40 . "$bin/tutorial_workload" -eigen lanczos -json "$OUT/tutorial_lanczos.json"
wanted tutorial && grep total "$OUT/tutorial.log" >>"$summary"
stage texture 60 . "$bin/texture_workload" -json "$OUT/texture.json"
wanted texture && tail -n 3 "$OUT/texture.log" >>"$summary"
exit 0
