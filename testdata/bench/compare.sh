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
# then the whole tutorial workload (testdata/bench/tutorial_workload.go) with
# the power method, with Lanczos, and with Lanczos and its independent
# syntheses on two goroutines (-parallel 2), with plenoptic's time for the same
# iterations extrapolated from its per-iteration times of this run.
# Prints the step table (ms/iteration, the matrix-product FLOP limit measured
# in the same run and each XLA step's ratio to it, the speed-up ratios) and
# the workload table (wall time, peak RSS, load average), then one whole
# 1000-iteration coarse-to-fine texture metamer (texture_workload.go beside
# plenoptic_texture.py).
#
# Usage (from anywhere in the checkout):
#   testdata/bench/compare.sh [ITERS]          # default 20 iterations per workload
# Env: GO_BENCH_FILTER (default: all of the above and MatmulPeak), GO_BENCH_PKGS (default: synth,
#      metric, pyramid, models), PY (default .venv-ref/bin/python), SKIP_PY=1 to time only the Go side,
#      PY_ONLY (a regex of workload names, e.g. metric_loss_grad) to time only some in plenoptic,
#      SKIP_WORKLOAD=1 to skip the tutorial workload, SKIP_TEXTURE=1 to skip the texture metamer
#      (TEXTURE_PY_ITERS, default 50: plenoptic's iterations, extrapolated to 1000), REPEAT (default 1) runs of everything (medians
#      are reported), OUT_DIR to keep the raw outputs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ITERS="${1:-20}"
REPEAT="${REPEAT:-1}"
PY="${PY:-$ROOT/.venv-ref/bin/python}"
OUT_DIR="${OUT_DIR:-$(mktemp -d)}"
mkdir -p "$OUT_DIR"
export GOPLENOPTIC_DATA="${GOPLENOPTIC_DATA:-$ROOT/.local/data}"
export PJRT_PLUGIN_LIBRARY_PATH="${PJRT_PLUGIN_LIBRARY_PATH:-$ROOT/.local/pjrt}"
export GOMLX_NO_AUTO_INSTALL=1 GOPLENOPTIC_QUIET=1

if [[ "${SKIP_WORKLOAD:-}" != 1 ]]; then
  go build -o "$OUT_DIR/tw" testdata/bench/tutorial_workload.go
fi
if [[ "${SKIP_TEXTURE:-}" != 1 ]]; then
  go build -o "$OUT_DIR/texw" testdata/bench/texture_workload.go
fi
: > "$OUT_DIR/load.txt"
for r in $(seq 1 "$REPEAT"); do
  echo "== run $r/$REPEAT: Go benchmarks (${ITERS} iterations each)" >&2
  uptime >> "$OUT_DIR/load.txt"
  # shellcheck disable=SC2086
  go test -run '^$' -bench "${GO_BENCH_FILTER:-MatmulPeak|MetamerStep|FisherProduct|MADStep|MetricLossGradient|PyramidForwardInverse|PSForwardGradient|PSMetamerStep}" \
    -benchtime "${ITERS}x" -timeout 60m ${GO_BENCH_PKGS:-./plenoptic/synth/ ./plenoptic/metric/ ./plenoptic/pyramid/ ./plenoptic/models/} \
    | tee "$OUT_DIR/go.$r.txt" >&2
  if [[ "${SKIP_PY:-}" != 1 ]]; then
    if [[ ! -x "$PY" ]]; then
      echo "no $PY: run testdata/reference/setup_venv.sh (or set PY, or SKIP_PY=1)" >&2
      exit 1
    fi
    echo "== run $r/$REPEAT: plenoptic 1.1.0 (torch, 2 threads)" >&2
    uptime >> "$OUT_DIR/load.txt"
    "$PY" testdata/bench/plenoptic_bench.py --iters "$ITERS" --only "${PY_ONLY:-}" > "$OUT_DIR/plenoptic.$r.json"
  else
    echo '{"meta": {}, "ms_per_iter": {}}' > "$OUT_DIR/plenoptic.$r.json"
  fi
  if [[ "${SKIP_WORKLOAD:-}" != 1 ]]; then
    for m in power lanczos lanczos-parallel2; do
      echo "== run $r/$REPEAT: tutorial workload, eigendistortions by $m" >&2
      { uptime | sed "s/^/$m: /"; } >> "$OUT_DIR/load.txt"
      args=(-eigen "${m%-parallel2}")
      [[ "$m" == *-parallel2 ]] && args+=(-parallel 2)
      /usr/bin/time -v "$OUT_DIR/tw" "${args[@]}" -json "$OUT_DIR/tw.$m.$r.json" 2> "$OUT_DIR/tw.$m.$r.txt" >&2 || {
        cat "$OUT_DIR/tw.$m.$r.txt" >&2; exit 1; }
      grep -v "^\s" "$OUT_DIR/tw.$m.$r.txt" >&2
    done
  fi
  if [[ "${SKIP_TEXTURE:-}" != 1 ]]; then
    echo "== run $r/$REPEAT: texture metamer (MetamerCTF, Portilla-Simoncelli, 1000 iterations)" >&2
    { uptime | sed "s/^/texture: /"; } >> "$OUT_DIR/load.txt"
    /usr/bin/time -v "$OUT_DIR/texw" -json "$OUT_DIR/texw.$r.json" 2> "$OUT_DIR/texw.$r.txt" >&2 || {
      cat "$OUT_DIR/texw.$r.txt" >&2; exit 1; }
    grep -v "^\s" "$OUT_DIR/texw.$r.txt" >&2
    if [[ "${SKIP_PY:-}" != 1 ]]; then
      { uptime | sed "s/^/texture (plenoptic): /"; } >> "$OUT_DIR/load.txt"
      /usr/bin/time -v "$PY" testdata/bench/plenoptic_texture.py --iters "${TEXTURE_PY_ITERS:-50}" \
        > "$OUT_DIR/texpy.$r.json" 2> "$OUT_DIR/texpy.$r.txt"
    fi
  fi
done

python3 - "$OUT_DIR" "$REPEAT" <<'PYEOF'
import json, re, statistics, sys, os
out_dir, repeat = sys.argv[1], int(sys.argv[2])
med = lambda xs: statistics.median(xs) if xs else None
PREFIX = {"MetamerStep": "metamer_step/", "FisherProduct": "fisher_power_step/", "MADStep": "mad_step/",
          "MetricLossGradient": "metric_loss_grad/", "PyramidForwardInverse": "pyramid_fwd_inv/",
          "PSForwardGradient": "ps_forward_gradient/", "PSMetamerStep": "ps_metamer_step/"}
go, mflop, xlim, peaks = {}, {}, {}, []
for r in range(1, repeat + 1):
    for line in open(os.path.join(out_dir, f"go.{r}.txt")):
        if line.startswith("BenchmarkMatmulPeak"):
            m = re.search(r"([\d.]+) GFLOP/s", line)
            if m: peaks.append(float(m.group(1)))
            continue
        m = re.match(r"Benchmark(\w+)/([^/]+)/(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)", line)
        if not m or m.group(1) not in PREFIX:
            continue
        kind, backend, rest, _, ns, extra = m.groups()
        key = PREFIX[kind] + rest
        mm = re.search(r"([\d.]+) ms/median", extra)
        val = float(mm.group(1)) if mm else float(ns) / 1e6
        go.setdefault(key, {}).setdefault(backend, []).append(val)
        for name, d in (("MFLOP", mflop), ("x-limit", xlim)):
            mm = re.search(r"([\d.]+) " + re.escape(name), extra)
            if mm: d.setdefault(key, []).append(float(mm.group(1)))
ref = {}
meta = {}
for r in range(1, repeat + 1):
    py = json.load(open(os.path.join(out_dir, f"plenoptic.{r}.json")))
    meta = py.get("meta") or meta
    for k, v in py.get("ms_per_iter", {}).items():
        ref.setdefault(k, []).append(v)
ref = {k: med(v) for k, v in ref.items()}
keys = list(dict.fromkeys(list(go) + list(ref)))
peak = med(peaks)
print(f"matrix-product FLOP limit (2048x2048 float32 DotGeneral, XLA CPU): {peak:.0f} GFLOP/s" if peak else "no FLOP limit measured")
fmt = "{:<28} {:>10} {:>9} {:>8} {:>8} {:>8} {:>14} {:>13}"
print(fmt.format("workload (ms/iter, median)", "plenoptic", "xla:cpu", "MFLOP", "x-limit", "go", "plenoptic/xla", "plenoptic/go"))
f = lambda v, p=2: "-" if v is None else f"{v:.{p}f}"
rr = lambda a, b: "-" if a is None or b is None else f"{a / b:.1f}x"
for k in keys:
    p = ref.get(k); x = med(go.get(k, {}).get("xla:cpu", [])); g = med(go.get(k, {}).get("go", []))
    print(fmt.format(k, f(p), f(x), f(med(mflop.get(k, [])), 1), f(med(xlim.get(k, [])), 1), f(g), rr(p, x), rr(p, g)))
if meta:
    print(f"plenoptic {meta.get('plenoptic')} / torch {meta.get('torch')} with {meta.get('torch_num_threads')} threads")

# The tutorial workload, and plenoptic's time for the same iterations.
def plenoptic_seconds(stages):
    total, missing = 0.0, False
    for s in stages:
        if s["kind"] == "metamer":
            ms = ref.get(f"metamer_step/{s['model']}/B={s['batch']}")
            n = s["iterations"]
        else:  # plenoptic's power method: the same iterations, two Fisher products each (+1 start per run)
            ms = ref.get(f"fisher_power_step/{s['model']}")
            n = s["iterations"] + 2
        if ms is None:
            missing = True
            continue
        total += n * ms / 1e3
    return None if missing else total
rows = {}
for m in ("power", "lanczos", "lanczos-parallel2"):
    for r in range(1, repeat + 1):
        jf = os.path.join(out_dir, f"tw.{m}.{r}.json")
        if not os.path.exists(jf):
            continue
        j = json.load(open(jf))
        txt = open(os.path.join(out_dir, f"tw.{m}.{r}.txt")).read()
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", txt)
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", txt)
        secs = None
        if wall:
            parts = [float(x) for x in wall.group(1).split(":")]
            secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
        row = rows.setdefault(m, {"total": [], "wall": [], "rss": [], "eig": [], "met": [], "pleno": [], "products": []})
        row["total"].append(j["total_seconds"]); row["wall"].append(secs or 0)
        row["rss"].append(int(rss.group(1)) / 1024 if rss else 0)
        row["eig"].append(sum(s["seconds"] for s in j["stages"] if s["kind"] == "eigen"))
        row["met"].append(sum(s["seconds"] for s in j["stages"] if s["kind"] == "metamer"))
        row["products"].append(sum(s.get("fisher_products", 0) for s in j["stages"]))
        if m == "power":
            p = plenoptic_seconds(j["stages"])
            if p is not None: row["pleno"].append(p)
if rows:
    print()
    fmt = "{:<34} {:>9} {:>9} {:>10} {:>12} {:>10} {:>15}"
    print(fmt.format("tutorial workload (median of %d)" % repeat, "total s", "wall s", "metamers s", "eigendists s", "RSS MiB", "Fisher products"))
    for m, row in rows.items():
        print(fmt.format(f"goplenoptic xla:cpu, {m}", f(med(row["total"]), 1), f(med(row["wall"]), 1), f(med(row["met"]), 1), f(med(row["eig"]), 1), f(med(row["rss"]), 0), f(med(row["products"]), 0)))
    pl = med(rows.get("power", {}).get("pleno", []))
    if pl:
        print(fmt.format("plenoptic 1.1.0 (extrapolated)", f(pl, 0), "-", "-", "-", "-", "-"))
def rss_mib(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read()) if os.path.exists(path) else None
    return int(m.group(1)) / 1024 if m else None
tex = {"go": [], "go_ms": [], "go_rss": [], "py": [], "py_ms": [], "py_rss": [], "py_iters": []}
for r in range(1, repeat + 1):
    jf = os.path.join(out_dir, f"texw.{r}.json")
    if os.path.exists(jf):
        j = json.load(open(jf))
        tex["go"].append(j["total_seconds"]); tex["go_ms"].append(1e3 * j["loop_seconds"] / max(1, j["iterations"] - 1))
        tex["go_rss"].append(rss_mib(os.path.join(out_dir, f"texw.{r}.txt")) or 0)
    jf = os.path.join(out_dir, f"texpy.{r}.json")
    if os.path.exists(jf):
        j = json.load(open(jf))
        tex["py"].append(j["total_1000_seconds"]); tex["py_ms"].append(1e3 * j["loop_seconds"] / max(1, j["iterations"]))
        tex["py_rss"].append(rss_mib(os.path.join(out_dir, f"texpy.{r}.txt")) or 0); tex["py_iters"].append(j["iterations"])
if tex["go"]:
    print()
    fmt = "{:<44} {:>9} {:>12} {:>9}"
    print(fmt.format("texture metamer, MetamerCTF PS 1000 iterations", "total s", "ms/iteration", "RSS MiB"))
    print(fmt.format("goplenoptic xla:cpu (compiling included)", f(med(tex["go"]), 1), f(med(tex["go_ms"]), 1), f(med(tex["go_rss"]), 0)))
    if tex["py"]:
        n = med(tex["py_iters"])
        label = "plenoptic 1.1.0" + (f" (extrapolated from {n:.0f})" if n < 1000 else "")
        print(fmt.format(label, f(med(tex["py"]), 1), f(med(tex["py_ms"]), 1), f(med(tex["py_rss"]), 0)))
        print(f"ratio plenoptic / goplenoptic: {med(tex['py']) / med(tex['go']):.1f}x (whole run), {med(tex['py_ms']) / med(tex['go_ms']):.1f}x (per iteration)")
print()
print("load averages during the runs:")
print(open(os.path.join(out_dir, "load.txt")).read().rstrip())
PYEOF
echo "raw outputs in $OUT_DIR" >&2
