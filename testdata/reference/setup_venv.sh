#!/usr/bin/env bash
# Create (idempotently) the project-local Python venv used to regenerate the parity
# reference data: <repo root>/.venv-ref with plenoptic 1.1.0 and torch 1.13.1 (CPU use).
#
#   bash testdata/reference/setup_venv.sh        # from any directory
#   PYTHON=/path/to/python3.11 bash .../setup_venv.sh
#   FORCE=1 bash .../setup_venv.sh               # rebuild from scratch
#
# Packages come from PyPI only (pip's default index), as binary wheels, pinned in
# requirements.txt next to this script.  About 1.8 GB is downloaded (torch 887 MB,
# nvidia-cudnn-cu11 ~560 MB, nvidia-cublas-cu11 ~320 MB, the rest ~100 MB) and the venv
# takes ~3.6 GB on disk; a fresh install took about 1 minute here.
# The torch wheel on PyPI is the CUDA 11.7 build; the nvidia-* wheels are needed only so
# that `import torch` can dlopen them.  No GPU is used.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv-ref"
REQ="$HERE/requirements.txt"
STAMP="$VENV/.requirements.sha256"

req_hash() { sha256sum "$REQ" | cut -d' ' -f1; }

check() {
  "$VENV/bin/python" - <<'PY'
import warnings
warnings.simplefilter("ignore")
import torch, numpy, plenoptic, pyrtools
assert plenoptic.__version__.startswith("1.1.0"), plenoptic.__version__
assert torch.__version__.startswith("1.13.1"), torch.__version__
print(f"venv ok: plenoptic {plenoptic.__version__}, torch {torch.__version__}, "
      f"numpy {numpy.__version__}, pyrtools {pyrtools.__version__}")
PY
}

if [[ "${FORCE:-0}" != "1" && -x "$VENV/bin/python" && -f "$STAMP" \
      && "$(cat "$STAMP")" == "$(req_hash)" ]]; then
  if check 2>/dev/null; then
    exit 0
  fi
  echo "existing $VENV is broken; rebuilding" >&2
fi

# Pick a Python 3.11 interpreter (torch 1.13.1 has no wheels for 3.12+, and some pins
# need >= 3.11).
PY_BIN="${PYTHON:-}"
if [[ -z "$PY_BIN" ]]; then
  for cand in python3.11 python3 python; do
    if command -v "$cand" >/dev/null 2>&1 \
       && [[ "$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" == "3.11" ]]; then
      PY_BIN="$cand"; break
    fi
  done
fi
if [[ -z "$PY_BIN" ]]; then
  echo "setup_venv.sh: need Python 3.11 (set PYTHON=...)" >&2
  exit 1
fi

rm -rf "$VENV"
"$PY_BIN" -m venv "$VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install --no-input --only-binary=:all: -r "$REQ"
check
req_hash > "$STAMP"
