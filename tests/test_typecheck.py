"""lib/ and board/ type-check (pyright) against the esp32 and rp2 MicroPython 1.29 stubs.
The stubs live in .venv/stubs/<port>, installed by `make venv` from typecheck/<port>/requirements.txt."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTS = ("esp32", "rp2")
PYRIGHT = os.path.join(os.path.dirname(sys.executable), "pyright")
# Code that only one port can run: (port that has the API, source).
PORT_ONLY = {
    "esp32": "import esp32\nnvs = esp32.NVS('onenetlog')\nnvs.set_i32('n', 1)\n",
    "rp2": "import rp2\npio = rp2.PIO(0)\npio.remove_program()\nsm = rp2.StateMachine(0)\n",
}


def config(port):
    return os.path.join(ROOT, "typecheck", port, "pyrightconfig.json")


def pyright(port, *files):
    """One pyright run: ([(severity, file, line, rule, message)], summary)."""
    stubs = os.path.join(ROOT, ".venv", "stubs", port)
    assert os.path.isdir(os.path.join(stubs, "stdlib")), f"no stubs in {stubs}: run `make venv`"
    env = dict(os.environ, PYRIGHT_PYTHON_IGNORE_WARNINGS="1")
    env.pop("PYRIGHT_PYTHON_FORCE_VERSION", None)  # use the pinned, bundled pyright
    done = subprocess.run([PYRIGHT, "--outputjson", "-p", config(port), *files],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.stdout.strip(), f"pyright gave no report: {done.stderr.strip()}"
    report = json.loads(done.stdout)
    found = [(d["severity"], os.path.relpath(d.get("file", ""), ROOT), d["range"]["start"]["line"] + 1,
              d.get("rule", ""), d["message"].splitlines()[0])
             for d in report["generalDiagnostics"]]
    return found, report["summary"]


def board_sources():
    """The .py files the configs must cover: lib/onenetlog and board/ (bar the manifest)."""
    found = []
    for folder in ("lib/onenetlog", "board"):
        path = os.path.join(ROOT, folder)
        found += [n for n in os.listdir(path)
                  if n.endswith(".py") and n != "manifest.py" and not n.startswith("_host")]  # CPython only
    return found


def errors(diagnostics):
    return [d for d in diagnostics if d[0] == "error"]


@pytest.mark.parametrize("port", PORTS)
def test_board_code_typechecks(port):
    diagnostics, summary = pyright(port)
    found = errors(diagnostics)
    assert found == [], "\n".join(f"{f}:{ln} {rule} {msg}" for _s, f, ln, rule, msg in found)
    assert summary["filesAnalyzed"] >= len(board_sources())


@pytest.mark.parametrize("has_it", PORTS)
@pytest.mark.parametrize("checked_as", PORTS)
def test_port_specific_api_fails_on_the_other_port(has_it, checked_as, tmp_path):
    src = tmp_path / f"uses_{has_it}.py"
    src.write_text(PORT_ONLY[has_it])
    found = errors(pyright(checked_as, str(src))[0])
    if has_it == checked_as:
        assert found == []
    else:
        assert found and all(rule == "reportMissingImports" for _s, _f, _l, rule, _m in found), found
