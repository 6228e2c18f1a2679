"""Run scripts on the MicroPython unix port against the library as a board gets it:
.mpy files and table.bin built by tools/build.py, in a folder that holds no .py of the library."""

import functools
import os
import shutil
import subprocess
import tempfile

from onenetlog_tools import build
from onenetlog_tools.ptybridge import find_micropython

MICROPYTHON = find_micropython()
_CACHE = tempfile.mkdtemp(prefix="onenetlog-upy-")


@functools.lru_cache(maxsize=None)
def built(tier="full"):
    """Folder holding onenetlog/*.mpy (+ table.bin) for tier; built once per test session."""
    build.build(tier, _CACHE)
    return os.path.join(_CACHE, tier)


def run_upy(script, tier="full", heap="64k", timeout=60, cwd=None):
    """stdout of `micropython -X heapsize=<heap> -c script`, run in the tier's build folder.
    Raises AssertionError with stderr if the interpreter fails."""
    done = subprocess.run([MICROPYTHON, "-X", f"heapsize={heap}", "-c", script], cwd=cwd or built(tier),
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"micropython exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@functools.lru_cache(maxsize=None)
def staged(tier="full"):
    """Folder holding onenetlog/*.py of tier: the sources the .mpy come from, the table, and the
    CPython side (_host*.py)."""
    work = tempfile.mkdtemp(prefix=f"stage-{tier}-", dir=_CACHE)
    pkg = build.stage(tier, work)
    for name in os.listdir(build.LIB_DIR):  # plus the CPython side
        if name.startswith(build.HOST_ONLY):
            shutil.copy(os.path.join(build.LIB_DIR, name), pkg)
    return work


def run_cpy(script, tier="full", timeout=60, cwd=None):
    """stdout of CPython running script against the same tier as .py, in the tier's stage folder
    (or cwd, with the stage folder first on sys.path): the other half of a parity check."""
    import sys

    env = {**os.environ, "PYTHONPATH": staged(tier)}
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd or staged(tier), capture_output=True,
                          text=True, timeout=timeout, env=env)
    assert done.returncode == 0, f"python exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout
