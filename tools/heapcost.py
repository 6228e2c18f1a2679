"""The heap a step of a MicroPython program costs (an import, a first call, a Logger), with each
name it interns counted at its own size.

gc.mem_alloc() around a step counts the qstr pool its names are interned into. A pool is
allocated with room for more names whenever the last one is full, so the raw figure of one
step jumps by up to a pool's size (a kilobyte and more) with what the program interned before
it, whatever the step holds. Here the pools' bytes are left out and each new name is counted
as a pool entry (QSTR_ENTRY: its pointer, 2 bytes of hash, 1 of length) plus its text; the
texts' chunk may still carry up to MAX_CHUNK_SPARE spare bytes.

A script defines MARK's mark() and calls it between its steps; cost() reads what it printed."""

import re
import subprocess

from .ptybridge import find_micropython

QSTR_ENTRY = {"unix": 11, "qemu": 7}  # the 64-bit unix port; the Cortex-M3 firmware
MAX_CHUNK_SPARE = 127  # the texts' chunk grows 128 bytes at a time
_MARK = re.compile(r"qstr pool: n_pool=\d+, n_qstr=(\d+), n_str_data_bytes=(\d+), n_total_bytes=(\d+)\r?\n"
                   r"heap (\d+)")

MARK = """
import gc, micropython
def mark():
    gc.collect()
    micropython.qstr_info()
    print("heap", gc.mem_alloc())
"""


class HeapCostError(RuntimeError):
    pass


def marks(stdout):
    """[(heap bytes, names, text bytes, pool bytes)] of each mark() in stdout."""
    found = [tuple(map(int, m.groups())) for m in _MARK.finditer(stdout)]
    if len(found) < 2:
        raise HeapCostError(f"no mark() figures in: {stdout.strip()[-300:]!r}")
    return [(heap, names, text, total - text) for names, text, total, heap in found]


def between(before, after, port="unix"):
    """Bytes from mark before to mark after, names at their own size; and the raw gc bytes."""
    raw = after[0] - before[0]
    return raw - (after[3] - before[3]) + (after[1] - before[1]) * QSTR_ENTRY[port], raw


STEP = MARK + """
{setup}
mark()
{statement}
mark()
"""


def measure(cwd, statement, setup="", heap="64k"):
    """(bytes, raw gc bytes) that statement (an import) costs on the unix port in cwd."""
    done = subprocess.run([find_micropython(), "-X", f"heapsize={heap}", "-c",
                           STEP.format(setup=setup, statement=statement)],
                          cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise HeapCostError(done.stderr.strip()[-300:] or done.stdout.strip()[-300:])
    before, after = marks(done.stdout)[-2:]
    return between(before, after)
