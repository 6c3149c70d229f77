# The two commands: `make demo` (set up, provision data, grade the bundled samples, write reports/)
# and `make test` (set up the same way, run the whole test suite). Both start from a clean clone.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP_QUIET := --quiet --disable-pip-version-check
# setuptools says "Editable installation" at every `pip install -e` of a flat layout: information
# for packagers, nothing a user of `make demo` can act on.
export PYTHONWARNINGS := ignore:Editable installation

.PHONY: all setup data demo test test-unit test-fast fuzz lint bench selftest docs docs-serve clean

all: demo

$(BIN)/grader: pyproject.toml
	./scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -e ".[dev]"
	test -x $(BIN)/grader
	touch $(BIN)/grader

setup: $(BIN)/grader

data: setup
	$(BIN)/grader data fetch

# The bundled samples are trusted: the demo accepts `limits` where bubblewrap is missing (a class
# graded without --isolation refuses that).
demo: data
	@for dir in exercises/*/; do \
	  ex=$$(basename $$dir); [ -d samples/$$ex ] || continue; \
	  rm -rf reports/$$ex; \
	  echo "== grading the sample class for $$ex"; \
	  $(BIN)/grader grade samples/$$ex --exercise $$ex --out reports/$$ex --isolation limits; \
	  code=$$?; if [ $$code -ge 2 ]; then exit $$code; fi; \
	  echo "Report: reports/$$ex/index.html"; \
	done

# Two pytest processes (pytest-xdist), each taking whole test files: a file's shared gradings
# stay in one process, and the many seconds a grading spends starting up overlap. The files go
# out in the order tests/conftest.py gives them, the longest first (not xdist's own order).
PYTEST_PARALLEL := -n 2 --dist loadfile --no-loadscope-reorder

test: data
	./scripts/system-deps.sh test
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The tiers (tests/conftest.py): unit tests start no child process; integration tests spawn them
# (a grading child, the CLI, a browser) but train nothing heavy; slow tests train for real.
test-unit: setup
	$(BIN)/python -m pytest -m unit

test-fast: data
	./scripts/system-deps.sh test
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow"

# The fuzz tier at length: many more generated inputs per reader, from a random seed (the suite
# runs the same tests with a fixed budget and seed). A failure prints the example to keep.
fuzz: setup
	GRADER_FUZZ_PROFILE=long $(BIN)/python -m pytest -m fuzz -p no:cacheprovider

lint: setup
	$(BIN)/ruff check grader tests benchmarks
	$(BIN)/ruff format --check grader tests benchmarks

bench: data
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/isolation.py
	$(BIN)/python benchmarks/plots.py
	$(BIN)/python benchmarks/similarity.py

# Every shipped exercise proves itself (grader selftest: the reference on every seed, each mutant
# caught by the check expected to catch it, the sample class as its manifest says). Real
# training, many minutes (a convnet's mutants take minutes each): not part of `make test`; CI
# runs the quick selftest of each exercise (tests/selftest/test_selftest_quick.py).
selftest: data
	@status=0; for dir in exercises/*/; do \
	  ex=$$(basename $$dir); \
	  echo "== grader selftest $$ex"; \
	  $(BIN)/grader selftest $$ex --out reports/selftest/$$ex --json reports/selftest/$$ex.json || status=1; \
	done; exit $$status

# The docs site (mkdocs.yml, docs/): built strictly (a broken link, a missing page or an unknown
# anchor fails), offline (no CDN fonts or scripts); tests/test_docs_site.py runs the same build.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

clean:
	rm -rf $(VENV) site $(patsubst exercises/%/,reports/%,$(wildcard exercises/*/)) .pytest_cache .ruff_cache
