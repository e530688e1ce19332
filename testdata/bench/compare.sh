#!/usr/bin/env bash
# Side-by-side synthesis benchmark: goplenoptic (XLA CPU and pure Go) against
# the real plenoptic 1.1.0 (CPU torch, 2 threads), same workloads:
#   metamer_step/{gauss,cs,lg}/B={1,3}  one metamer iteration on 256x256
#   fisher_power_step/{gauss,cs,lg}     one eigendistortion power iteration
#   metric_loss_grad/{ssim,ssim_weighted_reflect,msssim,nlpd}
#                                       one loss+gradient of a perceptual metric
#   pyramid_fwd_inv/256                 steerable pyramid forward + recon_pyr (defaults)
#   ps_forward_gradient/256             Portilla-Simoncelli statistics + gradient of the loss
#   ps_metamer_step/256                 one Portilla-Simoncelli metamer iteration (reptile_skin)
#   mad_step/ssim_mse                   one MAD Competition iteration (1 - SSIM min. at fixed MSE)
# Prints a table of ms/iteration and the speed-up ratios.
#
# Usage (from anywhere in the checkout):
#   testdata/bench/compare.sh [ITERS]          # default 20 iterations per workload
# Env: GO_BENCH_FILTER (default: all of the above), GO_BENCH_PKGS (default: synth, metric, pyramid, models),
#      PY (default .venv-ref/bin/python), SKIP_PY=1 to time only the Go side, PY_ONLY (a regex of
#      workload names, e.g. metric_loss_grad) to time only some in plenoptic, OUT_DIR to keep the raw outputs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ITERS="${1:-20}"
PY="${PY:-$ROOT/.venv-ref/bin/python}"
OUT_DIR="${OUT_DIR:-$(mktemp -d)}"
mkdir -p "$OUT_DIR"
export GOPLENOPTIC_DATA="${GOPLENOPTIC_DATA:-$ROOT/.local/data}"
export PJRT_PLUGIN_LIBRARY_PATH="${PJRT_PLUGIN_LIBRARY_PATH:-$ROOT/.local/pjrt}"
export GOMLX_NO_AUTO_INSTALL=1 GOPLENOPTIC_QUIET=1

echo "== Go benchmarks (${ITERS} iterations each)" >&2
# shellcheck disable=SC2086
go test -run '^$' -bench "${GO_BENCH_FILTER:-MetamerStep|FisherProduct|MetricLossGradient|PyramidForwardInverse|PSForwardGradient|PSMetamerStep|MADStep}" \
  -benchtime "${ITERS}x" -timeout 60m ${GO_BENCH_PKGS:-./plenoptic/synth/ ./plenoptic/metric/ ./plenoptic/pyramid/ ./plenoptic/models/} \
  | tee "$OUT_DIR/go.txt" >&2

if [[ "${SKIP_PY:-}" != 1 ]]; then
  if [[ ! -x "$PY" ]]; then
    echo "no $PY: run testdata/reference/setup_venv.sh (or set PY, or SKIP_PY=1)" >&2
    exit 1
  fi
  echo "== plenoptic 1.1.0 (torch, 2 threads)" >&2
  "$PY" testdata/bench/plenoptic_bench.py --iters "$ITERS" --only "${PY_ONLY:-}" > "$OUT_DIR/plenoptic.json"
else
  echo '{"meta": {}, "ms_per_iter": {}}' > "$OUT_DIR/plenoptic.json"
fi

python3 - "$OUT_DIR/go.txt" "$OUT_DIR/plenoptic.json" <<'PYEOF'
import json, re, sys
go = {}
for line in open(sys.argv[1]):
    m = re.match(r"Benchmark(MetamerStep|FisherProduct|MetricLossGradient|PyramidForwardInverse|PSForwardGradient|PSMetamerStep|MADStep)/([^/]+)/(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
    if not m:
        continue
    kind, backend, rest, _, ns = m.groups()
    prefix = {"MetamerStep": "metamer_step/", "FisherProduct": "fisher_power_step/",
              "MetricLossGradient": "metric_loss_grad/",
              "PyramidForwardInverse": "pyramid_fwd_inv/", "PSForwardGradient": "ps_forward_gradient/",
              "PSMetamerStep": "ps_metamer_step/", "MADStep": "mad_step/"}[kind]
    go.setdefault(prefix + rest, {})[backend] = float(ns) / 1e6
py = json.load(open(sys.argv[2]))
ref = py.get("ms_per_iter", {})
keys = list(dict.fromkeys(list(go) + list(ref)))
fmt = "{:<40} {:>12} {:>12} {:>12} {:>14} {:>14}"
print(fmt.format("workload (ms/iter)", "plenoptic", "xla:cpu", "go", "plenoptic/xla", "plenoptic/go"))
def f(v): return "-" if v is None else f"{v:.2f}"
def r(a, b): return "-" if a is None or b is None else f"{a / b:.1f}x"
for k in keys:
    p = ref.get(k); x = go.get(k, {}).get("xla:cpu"); g = go.get(k, {}).get("go")
    print(fmt.format(k, f(p), f(x), f(g), r(p, x), r(p, g)))
meta = py.get("meta", {})
if meta:
    print(f"plenoptic {meta.get('plenoptic')} / torch {meta.get('torch')} with {meta.get('torch_num_threads')} threads")
PYEOF
echo "raw outputs in $OUT_DIR" >&2
