# `make run` and `make test` set everything up on a fresh machine (only python3 needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint clean chromium

install: $(STAMP)

# torch first, pinned: its CPU build is what this project runs on; an unpinned
# torch (pulled in by sentence-transformers) would fetch a multi-GB CUDA build.
# pip prints a line per package (and progress bars in a terminal), so a first run that
# takes minutes shows what it is doing.
PIP := $(BIN)/pip install --disable-pip-version-check --no-input

$(STAMP): pyproject.toml
	@echo "==> 1/4 creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 2/4 upgrading pip"
	$(PIP) --quiet --upgrade pip
	@echo "==> 3/4 installing torch 2.13.0, CPU build (the largest download; a few minutes on a new machine)"
	$(PIP) torch==2.13.0
	@echo "==> 4/4 installing article-qa and its dependencies (sentence-transformers, faiss, gradio, ...)"
	$(PIP) -e '.[dev]'
	touch $(STAMP)
	@echo "==> set up; later runs skip this until pyproject.toml changes"

run: install          ## build the demo index if missing, open the chat UI on http://127.0.0.1:7860 (PORT=N for another)
	$(BIN)/qa serve --demo $(if $(PORT),--port $(PORT))

test: install chromium  ## lint, then the whole test suite (real-model and browser tests included)
	$(BIN)/ruff check .
	$(BIN)/pytest

# The browser tests drive Debian's chromium (playwright, a test extra, never downloads one).
chromium:             ## install /usr/bin/chromium with apt if it is missing (root or sudo)
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium; \
	fi

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .qa .pytest_cache .ruff_cache
