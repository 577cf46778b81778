# Set-up and everyday tasks. Only Python 3.11+ is needed; everything else is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench mutants docs docs-serve examples clean
DOCS   := $(VENV)/.docs-installed
DOCS_ADDR ?= 127.0.0.1:8001

run: $(STAMP)                ## open the TUI on the bundled dataset (a database in ~/.local/share/rollout)
	$(BIN)/rollout tui

test: $(STAMP)               ## install system test tools if missing, then run the whole test suite
	./scripts/test-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

mutants: $(STAMP)            ## mutation testing of the core rules (mutmut, [tool.mutmut] in pyproject.toml), then the score
	$(BIN)/python -m pip install --quiet -e '.[mutants]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation-score

docs: $(DOCS)                ## build the manual into site/ (MkDocs, strict: a broken link or anchor fails it)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: $(DOCS)          ## serve the manual at http://$(DOCS_ADDR) (default 127.0.0.1:8001), rebuilt as files change
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr $(DOCS_ADDR)

examples: $(STAMP)           ## rewrite the output shown under every console example from what the commands print now
	$(BIN)/python -m pytest tests/cli/test_readme.py --update-examples -p no:xdist -q

$(DOCS): $(STAMP) pyproject.toml
	@echo "==> Installing the docs tools (the docs extra: MkDocs, Material) into $(VENV)"
	$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check -e '.[test,docs]'
	touch $(DOCS)

# Installing takes a while on a fresh machine: say what is happening, and let pip show its progress.
$(STAMP): pyproject.toml
	@echo "==> Creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Upgrading pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> Installing rollout and its dependencies into $(VENV) (about a minute the first time)"
	$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check -e '.[test]'
	@echo "==> Installed: $(BIN)/rollout"
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache mutants site
