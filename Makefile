# Two commands for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

STUBS := $(VENV)/stubs
PORTS := esp32 rp2

.PHONY: venv sysdeps demo test board-test bench table typecheck clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml $(PORTS:%=typecheck/%/requirements.txt) tools/micropython-lib.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m onenetlog_tools.upylib
	for p in $(PORTS); do rm -rf $(STUBS)/$$p && \
	  $(BIN)/pip install -q --no-deps --target $(STUBS)/$$p -r typecheck/$$p/requirements.txt || exit 1; done
	touch $@

demo: venv
	$(BIN)/onenetlog build --tier full
	$(BIN)/python -m onenetlog_tools.demo

# Debian packages some tests need (tools/debian-packages.txt); installs only as root.
sysdeps:
	bash tools/sysdeps.sh

test: venv sysdeps
	$(BIN)/python -m pytest -q

# The emulated board only (also part of `make test`): MicroPython's qemu port built with
# board/manifest.py, from MICROPY_DIR=<tree> or ../shared/micropython/*-qemu-subset.tar.gz.
board-test: venv sysdeps
	$(BIN)/python -m pytest -q -rs tests/test_qemu_board.py tests/test_qemu_install.py

bench: venv
	$(BIN)/python -m onenetlog_tools.bench

table: venv
	$(BIN)/python -m onenetlog_tools.generator

# Board code (lib/, board/) against each port's MicroPython stubs.
typecheck: venv
	for p in $(PORTS); do PYRIGHT_PYTHON_IGNORE_WARNINGS=1 $(BIN)/pyright -p typecheck/$$p/pyrightconfig.json || exit 1; done

clean:
	rm -rf $(VENV) dist build
