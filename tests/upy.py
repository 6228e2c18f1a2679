"""Run scripts on the MicroPython unix port against the library as a board gets it:
.mpy files and table.bin built by tools/build.py, in a folder that holds no .py of the library."""

import functools
import os
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
