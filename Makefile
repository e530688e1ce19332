# goplenoptic — run `make setup` once (or let the targets below do it).
SHELL := /bin/bash
ROOT := $(abspath .)
export GOFLAGS := -buildvcs=false
export GOPLENOPTIC_ROOT := $(ROOT)
export GOPLENOPTIC_DATA ?= $(ROOT)/.local/data
export PJRT_PLUGIN_LIBRARY_PATH ?= $(ROOT)/.local/pjrt
export GOMLX_NO_AUTO_INSTALL := 1
export JUPYTER_DATA_DIR := $(ROOT)/.local/jupyter
# The CUDA plugin's NVIDIA libraries, where set-up installed them (GPU machines only).
CUDA_LIBS := $(shell cat .local/cuda/ld_library_path 2>/dev/null)
ifneq ($(CUDA_LIBS),)
export LD_LIBRARY_PATH := $(CUDA_LIBS)$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))
endif
GO_TEST_FLAGS ?= -count=1 -timeout 45m

.PHONY: setup test bench reference notebooks docs lab strip clean

## setup: everything a fresh machine needs, project-local and idempotent.
setup:
	bash kernel/setup.sh

## test: the whole test suite (installs what it needs first).
test:
	bash kernel/setup.sh --test
	go vet ./...
	.bin/staticcheck ./...
	set -o pipefail; go test $(GO_TEST_FLAGS) -v ./... 2>&1 | tee .local/test.log
	@grep -E '^ *--- (PASS|FAIL|SKIP)' .local/test.log | awk '{c[$$2]++} END {printf "%d passed, %d failed, %d skipped\n", c["PASS:"]+0, c["FAIL:"]+0, c["SKIP:"]+0}'

## bench: Go benchmarks (XLA CPU and pure Go), then the same synthesis workloads timed
## side by side against plenoptic 1.1.0 on CPU torch (ratio table), then the latency of a
## changed notebook cell inside the gonb kernel. BENCH_ITERS sets iterations.
BENCH_ITERS ?= 20
bench: setup
	go test -run '^$$' -bench . -benchtime $(BENCH_ITERS)x ./plenoptic/filters/ ./plenoptic/models/
	bash testdata/reference/setup_venv.sh
	bash testdata/bench/compare.sh $(BENCH_ITERS)
	.venv/bin/python kernel/latency.py --repeat 5

## reference: regenerate testdata/reference with the real plenoptic 1.1.0 (needs torch; not part of test).
reference: setup
	bash testdata/reference/setup_venv.sh
	.venv-ref/bin/python testdata/reference/make_reference.py
	for g in testdata/reference/make_reference_*.py; do [ -e "$$g" ] || continue; .venv-ref/bin/python "$$g" || exit 1; done

NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
CELL_TIMEOUT ?= 1800

## notebooks: execute the notebooks headless (outputs in docs/notebooks/), then build the docs.
## Syntheses go to a result store of their own, emptied first, so that the executed notebooks
## show every synthesis computed (NOTEBOOK_STORE=<dir> to keep and reuse one).
NOTEBOOK_STORE ?=
NOTEBOOK_JOBS ?= 2
notebooks: setup
	@store="$(NOTEBOOK_STORE)"; if [ -z "$$store" ]; then store=$(ROOT)/.local/notebook-store; rm -rf "$$store"; fi; \
	GOPLENOPTIC_STORE="$$store" .venv/bin/python kernel/execute.py --timeout $(CELL_TIMEOUT) --jobs $(NOTEBOOK_JOBS) --out docs/notebooks $(NOTEBOOKS)
	$(MAKE) docs

## docs: the documentation site, docs/_build/html/index.html, from the notebooks executed into
## docs/notebooks/ (nothing is executed again) and the Go doc comments (kernel/docs/README.md).
docs:
	@test -x .venv/bin/sphinx-build || { echo "make docs: run 'make setup' (or 'make notebooks') first" >&2; exit 1; }
	.venv/bin/python kernel/docs/build.py --notebooks docs/notebooks --out docs/_build --sources $(NOTEBOOKS)

## lab: JupyterLab on http://127.0.0.1:$(LAB_PORT) with the gonb kernel, on working copies of the
## notebooks in .local/lab/ (the tracked notebooks stay output-free).
LAB_PORT ?= 8888
LAB_TOKEN ?=
lab: setup
	bash kernel/lab.sh $(LAB_PORT) $(LAB_TOKEN)

## strip: copy the working copies of .local/lab/ back into notebooks/, without their outputs.
strip:
	.venv/bin/python kernel/strip.py .local/lab/*.ipynb --out notebooks

clean:
	rm -rf .venv .venv-ref .bin .local
