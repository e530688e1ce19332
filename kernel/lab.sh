#!/usr/bin/env bash
# make lab: JupyterLab on 127.0.0.1 with the project's gonb kernel, serving working copies of the
# notebooks, so that the tracked notebooks in notebooks/ stay output-free.
#
#   bash kernel/lab.sh [PORT] [TOKEN]     (make lab LAB_PORT=8888 LAB_TOKEN=...)
#
# The working copies live in .local/lab/: a notebook is copied there the first time, and never
# overwritten afterwards (delete the copy to start again from notebooks/). Copy a notebook back
# with `make strip` to contribute it without its outputs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${1:-8888}"
TOKEN="${2:-}"
LAB="$ROOT/.local/lab"
mkdir -p "$LAB" "$ROOT/.local/jupyter/runtime"
for nb in "$ROOT"/notebooks/*.ipynb; do
  [ -e "$LAB/$(basename "$nb")" ] || cp "$nb" "$LAB/"
done
export JUPYTER_DATA_DIR="$ROOT/.local/jupyter" JUPYTER_RUNTIME_DIR="$ROOT/.local/jupyter/runtime"
args=(--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port="$PORT" --ServerApp.port_retries=0
      --ServerApp.root_dir="$LAB" --ServerApp.open_browser=False)
[ -n "$TOKEN" ] && args+=(--IdentityProvider.token="$TOKEN")
[ "$(id -u)" = 0 ] && args+=(--allow-root)
echo "JupyterLab on http://127.0.0.1:$PORT (working copies of the notebooks in $LAB)"
exec "$ROOT/.venv/bin/jupyter" lab "${args[@]}"
