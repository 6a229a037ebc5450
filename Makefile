# Quick start: `make demo` and `make test` work on a fresh clone with only Python 3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BENCH_VENV := benchmarks/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: test demo demos lint docs bench clean generate

# (Re)install only when pyproject.toml is newer than the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,demo]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# mypy's files and flags are in pyproject.toml: the packages and tests/typing/user_script.py.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

demo: $(STAMP)
	$(BIN)/python -m demos.moons

# The API reference, from the docstrings, into out/docs/index.html; any warning fails it.
docs: $(STAMP)
	rm -rf out/docs
	$(BIN)/python -W error -m pdoc -o out/docs autograd autograd.viz autograd.testing nn

# After editing the primitive table: rewrite Value's methods in autograd/value.py from it
# (tests/test_generated.py fails until they agree).
generate: $(STAMP)
	$(BIN)/python -c "from autograd.generate import main; raise SystemExit(main())"

DEMOS := moons chain_rule vanishing optimizers dropout forward_reverse
demos: $(STAMP)
	for d in $(DEMOS); do $(BIN)/python -m demos.$$d || exit 1; done

# The benchmarks compare against micrograd 0.1.0 from PyPI and PyTorch (CPU), in a venv of their
# own so that neither is ever a dependency of the project or its tests.
$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[fast]' micrograd==0.1.0 torch==2.13.0
	touch $(BENCH_STAMP)

# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on some machines for old OpenBLAS builds, slow
# a current numpy: unset for this command only (tests and CI keep them).
bench: $(BENCH_STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BENCH_VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) out .pytest_cache .hypothesis
