#!/usr/bin/env bash
# gpu_prepare.sh: builds, on this machine, everything testdata/bench/gpu_run.sh needs on a GPU
# machine of the device tool, which has CUDA, PyTorch and jax-cuda13-pjrt but no Go and no network:
#
#   bash testdata/bench/gpu_prepare.sh        # here, once: writes .gpu/ (git-ignored, ≈ 29 MiB)
#   device run, carry [".gpu"]: bash testdata/bench/gpu_run.sh
#
# .gpu/ holds the test binaries of synth, models and pyramid and the two workload programs
# (stripped, xz-compressed), the data files from the plenoptic wheel, and the wheels plenoptic 1.1.0
# needs that the GPU image lacks (for Python 3.12).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash kernel/setup.sh >/dev/null
export GOFLAGS=-buildvcs=false
out=.gpu
rm -rf "$out"
mkdir -p "$out/bin" "$out/whl"
build=(-trimpath -ldflags "-s -w")
for pkg in synth models pyramid; do
  go test -c "${build[@]}" -o "$out/bin/$pkg.test" "./plenoptic/$pkg/"
done
for prog in tutorial_workload texture_workload; do
  go build "${build[@]}" -o "$out/bin/$prog" "testdata/bench/$prog.go"
done
# xz: a third smaller than gzip, which the 64 MiB the device tool carries needs; gpu_run.sh
# unpacks it with Python's tarfile (no xz binary needed there).
tar -C "$out" -cJf "$out/bin.txz" bin
rm -rf "$out/bin"
cp -r .local/data "$out/data"
# The GPU image's python3 is 3.12; pyrtools has a compiled extension, the others are pure Python.
.venv/bin/pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
  --python-version 3.12 --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$out/whl" plenoptic==1.1.0 pyrtools==1.0.6 Deprecated importlib-resources
du -sh "$out"
