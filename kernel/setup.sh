#!/usr/bin/env bash
# One set-up script for a fresh machine, used by `make setup` and by
# docker/Dockerfile. Idempotent and project-local: everything lands under the
# repository (.venv, .bin, .local); nothing is installed globally.
#
#   .venv/               Python venv: jupyter-core, jupyter-client, nbclient, nbconvert;
#                        Sphinx, myst-nb, pydata-sphinx-theme (the docs site)
#   .bin/                gonb (built from go.mod), goimports, gopls
#   .local/pjrt/         pjrt_c_api_cpu_plugin.so (from the xla-cpu-pjrt wheel);
#                        pjrt_c_api_cuda_plugin.so where an NVIDIA GPU is present
#   .local/data/         the images and data files plenoptic 1.1.0's wheel ships (sha256 checked)
#   .local/jupyter/      JUPYTER_DATA_DIR with the gonb kernel spec
#   .local/docs-static/  MathJax (npm package mathjax, sha256 checked) for the docs site
#   .local/cache/        downloaded wheels
set -euo pipefail
WITH_TEST_TOOLS=0
WITH_CUDA=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST_TOOLS=1 ;;   # also install chromium and ffmpeg (for make test)
    --cuda) WITH_CUDA=1 ;;         # install the CUDA plugin even without a visible GPU (docker builds)
    *) echo "setup.sh: unknown option $arg (use --test, --cuda)" >&2; exit 2 ;;
  esac
done
[ -e /dev/nvidia0 ] && WITH_CUDA=1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOCAL="$ROOT/.local"
mkdir -p "$LOCAL"/{pjrt,data,jupyter,cache} "$ROOT/.bin"
PY="${PYTHON:-python3}"
say() { printf '[setup] %s\n' "$*"; }

# Pinned versions (change here only).
XLA_CPU_WHEEL="xla-cpu-pjrt==0.0.1"
PLENOPTIC_WHEEL="plenoptic==1.1.0"
GOPLS_VERSION="v0.20.0"
GOIMPORTS_VERSION="v0.36.0"
STATICCHECK_VERSION="v0.8.2"  # staticcheck 2026.2.2; make test runs it
MATHJAX_VERSION="3.2.2"   # npm package, for the docs site
MATHJAX_SHA=1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
PLENOPTIC_WHEEL_SHA=0be6fce389fce3c1b1caf9138e65a30942b8958dff5f2a17eaf95de27b6f3e81
# Files taken from the plenoptic wheel into .local/data: "path-in-wheel sha256".
BUNDLED_FILES=(
  "plenoptic/data/einstein.pgm 04fdfaa3c70b8de1447e490df28b31084dce6720daca769399629d2214fe9ffb"
  "plenoptic/data/curie.pgm 9c1966040be52db0b7a48d55d212277689900c1eed35e11becc51957aa15744a"
  "plenoptic/data/reptile_skin.pgm c5349e9e7d402b2df64e146b8b64463bb147d993d8a50537d01c862eca256d87"
  "plenoptic/data/parrot.png bda44895f686a704276363c717e6c2950b57c31f58ceb6d5422d8476231facb7"
  "plenoptic/data/color_wheel.jpg c221ca4b9b41f1820fc95a3fb3c6316c3b8770af3dc650cfafc65b354b6799f7"
  "plenoptic/metric/DN_filts.npy 8d35369eb513e816b47e3c9b63b317accfdb5748ceaa4b9b11952a60dbfe21bf"
  "plenoptic/metric/DN_sigmas.npy 0bb6e970057e7a873516fbe2a9b25287744dad6c7534020a933c8c091a89b22e"
)

# 1. Python venv for headless notebook execution.
if [ ! -x .venv/bin/jupyter-nbconvert ] || ! cmp -s kernel/requirements.txt .venv/.requirements; then
  say "creating .venv (jupyter, nbclient, nbconvert, sphinx, myst-nb)"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r kernel/requirements.txt
  cp kernel/requirements.txt .venv/.requirements
else
  say ".venv up to date"
fi

# 2. Go tools: GoNB at the version go.mod pins, goimports and gopls.
export GOBIN="$ROOT/.bin" GOFLAGS="${GOFLAGS:--buildvcs=false}"
if [ ! -x .bin/gonb ] || [ go.mod -nt .bin/gonb ]; then
  say "building gonb from go.mod"
  go install github.com/janpfeifer/gonb
fi
[ -x .bin/goimports ] || { say "installing goimports $GOIMPORTS_VERSION"; go install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION"; }
[ -x .bin/gopls ] || { say "installing gopls $GOPLS_VERSION"; go install "golang.org/x/tools/gopls@$GOPLS_VERSION"; }
if [ "$WITH_TEST_TOOLS" = 1 ] && { [ ! -x .bin/staticcheck ] || ! .bin/staticcheck -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; }; then
  say "installing staticcheck $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

# 3. PJRT CPU plugin from its PyPI wheel.
# The plugin's size goes next to it (.size): the backend refuses a file of another size
# (truncated or replaced) before dlopen, which would crash on it.
if [ ! -s "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so" ] || [ ! -s "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so.size" ]; then
  say "fetching the PJRT CPU plugin ($XLA_CPU_WHEEL)"
  .venv/bin/pip download -q --disable-pip-version-check --no-deps -d "$LOCAL/cache" "$XLA_CPU_WHEEL"
  whl=$(ls "$LOCAL"/cache/xla_cpu_pjrt-*.whl | head -n1)
  .venv/bin/python - "$whl" "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so" <<'PYEOF'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open("xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so") as src, open(sys.argv[2] + ".tmp", "wb") as dst:
    shutil.copyfileobj(src, dst)
PYEOF
  stat -c %s "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so.tmp" > "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so.size"
  mv "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so.tmp" "$LOCAL/pjrt/pjrt_c_api_cpu_plugin.so"
else
  say "PJRT CPU plugin present"
fi

# 3b. CUDA plugin (jax-cuda13-pjrt) and the NVIDIA libraries it loads, where an NVIDIA GPU is
#     present (or with --cuda). The library folders are listed in .local/cuda/ld_library_path;
#     the kernel spec and the Makefile put them on LD_LIBRARY_PATH.
if [ "$WITH_CUDA" = 1 ] && [ ! -s "$LOCAL/cuda/ld_library_path" ]; then
  say "installing the CUDA PJRT plugin and NVIDIA libraries into .local/cuda (several GB)"
  .venv/bin/pip install -q --disable-pip-version-check --target "$LOCAL/cuda" -r kernel/requirements-cuda.txt
  so=$(find "$LOCAL/cuda" -name xla_cuda_plugin.so | head -n1)
  [ -n "$so" ] || { echo "setup: xla_cuda_plugin.so not found in the jax-cuda13-pjrt wheel" >&2; exit 1; }
  ln -sf "$so" "$LOCAL/pjrt/pjrt_c_api_cuda_plugin.so"
  find "$LOCAL/cuda/nvidia" -type d -name lib | sort | paste -sd: > "$LOCAL/cuda/ld_library_path"
fi

# 4. Images and data files from the plenoptic 1.1.0 wheel (the wheel and every file sha256 checked).
check_sha() { echo "$2  $1" | sha256sum -c --status; }
data_ok=1
for entry in "${BUNDLED_FILES[@]}"; do
  set -- $entry
  check_sha "$LOCAL/data/$(basename "$1")" "$2" 2>/dev/null || data_ok=0
done
if [ "$data_ok" = 0 ]; then
  say "extracting the bundled images and data files from $PLENOPTIC_WHEEL"
  whl="$LOCAL/cache/plenoptic-1.1.0-py3-none-any.whl"
  if ! check_sha "$whl" "$PLENOPTIC_WHEEL_SHA" 2>/dev/null; then
    .venv/bin/pip download -q --disable-pip-version-check --no-deps -d "$LOCAL/cache" "$PLENOPTIC_WHEEL"
    check_sha "$whl" "$PLENOPTIC_WHEEL_SHA" || { echo "setup: $whl sha256 mismatch" >&2; exit 1; }
  fi
  for entry in "${BUNDLED_FILES[@]}"; do
    set -- $entry
    dst="$LOCAL/data/$(basename "$1")"
    .venv/bin/python - "$whl" "$1" "$dst.tmp" <<'PYEOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as f:
    f.write(z.read(sys.argv[2]))
PYEOF
    check_sha "$dst.tmp" "$2" || { echo "setup: $1 sha256 mismatch" >&2; exit 1; }
    mv "$dst.tmp" "$dst"
  done
else
  say "bundled images and data files present, sha256 ok"
fi

# 5. MathJax for the documentation site, which serves it itself (no CDN): the pinned npm
#    package (sha256 checked), the parts of its es5 build that tex-mml-chtml.js loads.
MJ="$LOCAL/docs-static/mathjax"
if [ "$(cat "$MJ/.version" 2>/dev/null)" != "$MATHJAX_VERSION" ] || [ ! -s "$MJ/tex-mml-chtml.js" ]; then
  command -v npm >/dev/null || { echo "setup: npm is needed to fetch MathJax for the docs (apt-get install npm)" >&2; exit 1; }
  say "fetching MathJax $MATHJAX_VERSION (npm) into .local/docs-static/mathjax"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm_config_cache="$tmp/npm-cache" npm pack --silent "mathjax@$MATHJAX_VERSION" >/dev/null)
  check_sha "$tmp/mathjax-$MATHJAX_VERSION.tgz" "$MATHJAX_SHA" || { echo "setup: mathjax-$MATHJAX_VERSION.tgz sha256 mismatch" >&2; exit 1; }
  tar -xzf "$tmp/mathjax-$MATHJAX_VERSION.tgz" -C "$tmp"
  es5="$tmp/package/es5"
  rm -rf "$MJ.tmp" && mkdir -p "$MJ.tmp/output"
  cp -r "$es5/tex-mml-chtml.js" "$es5/input" "$es5/ui" "$es5/a11y" "$es5/sre" "$tmp/package/LICENSE" "$MJ.tmp/"
  cp -r "$es5/output/chtml.js" "$es5/output/chtml" "$MJ.tmp/output/"
  echo "$MATHJAX_VERSION" > "$MJ.tmp/.version"
  rm -rf "$MJ" && mv "$MJ.tmp" "$MJ" && rm -rf "$tmp"
else
  say "MathJax $MATHJAX_VERSION present"
fi

# 6. For `make test`: headless Chromium (checks the built docs) and ffmpeg (MP4 animations),
#    Debian packages, installed only when missing.
if [ "$WITH_TEST_TOOLS" = 1 ]; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v ffmpeg >/dev/null || missing+=(ffmpeg)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing ${missing[*]} (Debian packages)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "setup: the tests need ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]})" >&2
      exit 1
    fi
  fi
fi

# 7. The gonb kernel spec, in the project's own JUPYTER_DATA_DIR.
go run ./kernel/cmd/gonbkernel install --root "$ROOT"
say "done"
