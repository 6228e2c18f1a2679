"""FlashLog: capped, rotating between two files, survives a reopen (a reset), keeps the newest
lines, and its dump skips a line torn by a power cut. The same scenario runs on CPython and on
the unix port from .mpy."""

import os

import pytest

from logline import lines
from upy import run_cpy, run_upy

# Runs unchanged on MicroPython and CPython in folder D; prints what the test checks.
SCENARIO = """
import os, sys
from onenetlog.flashlog import FlashLog
from onenetlog.logger import Logger
P = D + "/log.txt"

def size(p):
    try:
        return os.stat(p)[6]
    except OSError:
        return 0

def dump(fl):
    out = []
    class S:
        def write(self, b):
            out.append(bytes(b))
    n = fl.dump(S())
    assert n == len(out)
    return out

fl = FlashLog(P, 1024)
log = Logger([fl], "app", 0, "en", 1, False, False, False)
worst = 0
for i in range(300):
    log.status(1104, "line %d %s" % (i, "x" * (i * 7 % 60)))
    worst = max(worst, size(P) + size(P + ".1"))
    assert size(P) <= 512 and size(P + ".1") <= 512
print("worst", worst, "dropped", log.dropped)
kept = dump(fl)
print("kept", ",".join(str(k, "utf-8").split(" -- ")[1].split()[1] for k in kept))
print("total", sum(len(k) for k in kept))

# a reset: a new FlashLog on the same files keeps everything, and appends after it
fl.close()
fl = FlashLog(P, 1024)
assert dump(fl) == kept
fl.write(b"after reset\\n")
assert dump(fl)[-1] == b"after reset\\n"

# a power cut mid-write: the last line has no newline; reopening ends it, the dump skips it
with open(P, "ab") as f:
    f.write(b"E (1) app#1104: torn in the mid")
fl.close()
fl = FlashLog(P, 1024)
got = dump(fl)
assert got[-1] == b"after reset\\n", got[-1]
fl.write(b"next\\n")
got = dump(fl)
assert got[-2:] == [b"after reset\\n", b"next\\n"], got[-2:]
print("torn skipped", len(got))

# erased flash at the end of a file, and a line longer than half the cap
with open(P, "ab") as f:
    f.write(b"\\xff\\xff\\xff\\n")
fl.write(b"z" * 900 + b"\\n")
got = dump(fl)
assert got[-1] == b"z" * 511 + b"\\n" and b"\\xff" not in b"".join(got)
assert size(P) <= 512 and size(P + ".1") <= 512
print("long cut", len(got[-1]))

# a FlashLog that cannot write is counted by the logger, which keeps its other sinks
class Bad:
    def write(self, b, off, n):
        raise OSError(28)
log2 = Logger([Bad(), fl], "app", 0, "en", 0, False, False, False)
log2.status(200)
print("dropped2", log2.dropped, str(dump(fl)[-1], "utf-8").split(") ", 1)[1].strip())
"""


def run(runner, tmp_path):
    d = tmp_path / "flash"
    d.mkdir()
    return runner(f"D = {str(d)!r}\n" + SCENARIO), d


@pytest.mark.parametrize("where", ["cpython", "unix port"])
def test_bounded_rotating_flash_log(where, tmp_path):
    out, d = run(run_cpy if where == "cpython" else run_upy, tmp_path)
    res = dict(line.split(" ", 1) for line in out.splitlines())
    worst, dropped = res["worst"].split(" dropped ")
    assert 900 < int(worst) <= 1024 and dropped == "0"
    kept = [int(n) for n in res["kept"].split(",")]
    assert kept == list(range(300 - len(kept), 300)) and len(kept) >= 5  # the newest, none missing
    assert 512 <= int(res["total"]) <= 1024
    assert res["long"] == "cut 512"
    assert res["dropped2"] == "1 app#200: -"
    names = sorted(os.listdir(d))
    assert names == ["log.txt", "log.txt.1"]
    assert sum(os.path.getsize(d / n) for n in names) <= 1024
    whole = [ln for ln in (d / "log.txt.1").read_bytes().split(b"\n")[:-1] if b"\xff" not in ln and b"\x00" not in ln
             and not ln.startswith(b"z")]
    lines(b"".join(x + b"\n" for x in whole if x != b"after reset" and x != b"next").decode())


def test_cpython_and_unix_port_keep_the_same_lines(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, da = run(run_cpy, tmp_path / "a")
    b, db = run(run_upy, tmp_path / "b")
    assert a == b
    strip = lambda p: [ln.split(b")", 1)[1] for ln in p.read_bytes().split(b"\n") if b")" in ln]  # noqa: E731
    assert strip(da / "log.txt") == strip(db / "log.txt")
    assert strip(da / "log.txt.1") == strip(db / "log.txt.1")
