# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSOLE ?= true

.PHONY: run test bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The stamp is rebuilt whenever pyproject.toml changes, so dependencies stay current.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# System packages (OCR of scanned PDFs): checked in a blink, installed when missing and root.
install: $(VENV)/.installed
	@bash scripts/system-packages.sh

run: install
	$(BIN)/dondoc init
	$(BIN)/dondoc org load
	$(BIN)/dondoc rules reload
	$(BIN)/dondoc plan import config/plans/*.yaml
	$(BIN)/dondoc status
	@# The demo prints messages on the console (and says so); CONSOLE=false runs with the real channels only.
	@# --web serves the web page in the same process and prints its address; sign in with
	@# `dondoc web login-link PERSON`.
	DONDOC_CONSOLE=$(CONSOLE) $(BIN)/dondoc run --web

# On every core (pytest-xdist; worksteal keeps the long subprocess tests from ending up on one
# worker): each test has its own tmp_path, database and fake servers on port 0.
test: install
	$(BIN)/python -m pytest -n auto --dist worksteal

bench: install
	@for b in bench/bench_*.py; do [ -e "$$b" ] || continue; $(BIN)/python "$$b" || exit 1; done

clean:
	rm -rf $(VENV) var
