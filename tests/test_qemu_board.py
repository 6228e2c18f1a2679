"""The library frozen into real firmware: MicroPython's qemu port (MPS2_AN385, a Cortex-M3 under
qemu-system-arm, 140 KB of GC heap) built with board/manifest.py for every tier, checked over
mpremote: every code decodes as on CPython, write() and Logger.status() work under heap_lock,
the heap stays flat over 20,000 lines, and a FlashLog on littlefs keeps its lines over resets."""

import pytest

import onenetlog
from onenetlog_tools import build, qemu
from test_device import _script as parity_script
from test_logger_device import FLAT, normalized, script as logger_script
from upy import run_cpy

WHY_NOT = qemu.missing()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"emulated board: {WHY_NOT}")
CODES = onenetlog.codes()
NULL_SINK = """
class Null:  # a sink that takes every line (the board has no /dev/null)
    def write(self, buf, off=0, n=-1):
        return n
"""


@pytest.fixture(scope="module")
def board(request):
    """(board, tier): the firmware of the tier each test is parametrized with, booted once."""
    tier = request.param
    with qemu.QemuBoard(qemu.firmware(tier), timeout=600) as b:
        b.reset()
        yield b, tier
    assert not b.alive()


@pytest.mark.parametrize("board", build.TIERS, indirect=True)
def test_frozen_library_decodes_every_code_like_cpython(board):
    b, tier = board
    where = b.run("import onenetlog, onenetlog.table as t, os\n"
                  "print(onenetlog.__file__, onenetlog.TIER, t.DATA is not None, 'onenetlog' in os.listdir(),"
                  " onenetlog._in_place)")
    assert where.split() == ["onenetlog/__init__.py", tier, "True", "False", "True"]  # frozen, text inline, read in place
    got, want = b.run(parity_script()), run_cpy(parity_script(), tier)
    assert got.count("\n") > 66 * 12
    assert got.splitlines() == want.splitlines()


@pytest.mark.parametrize("board", build.TIERS, indirect=True)
def test_frozen_logger_writes_the_lines_cpython_writes(board):
    b, tier = board
    got, want = b.run(logger_script()), run_cpy(logger_script(), tier, timeout=120)
    assert got.count("\n") > 12 * (len(CODES) + 4 * 23)
    assert normalized(got).splitlines() == normalized(want).splitlines()


# write() and status() of every code in every form to sys.stdout with the heap locked; on CPython
# the same lines with nothing to lock. An allocation would raise MemoryError there, which
# write() and status() swallow: a line would be missing or cut, or counted as dropped.
LOCKED = """
import sys
from onenetlog import write
from onenetlog.logger import Logger
try:
    from micropython import heap_lock, heap_unlock
except ImportError:  # CPython
    heap_lock = heap_unlock = lambda: None
logs = [Logger(None, None, 0, "zh", 1, False, False, False), Logger(None, "app", 0, "en", 2, True, True, False)]
forms = []
for c in CODES:
    forms += [c, str(c).encode(), str(c)]
forms += [0x84, b"\\x84", b"4.04", 10**9, -1, None, b"garbage", 99999]
levels = 0
heap_lock()
for c in forms:
    levels += write(sys.stdout, c, "zh") + write(sys.stdout, c, "en", 95 | 32)
for log in logs:
    for c in forms:
        log.status(c)
heap_unlock()
print("levels", levels, "dropped", logs[0].dropped, logs[1].dropped)
"""


@pytest.mark.parametrize("board", build.TIERS, indirect=True)
def test_write_and_status_under_heap_lock(board):
    b, tier = board
    script = f"CODES = {CODES!r}\n" + LOCKED
    got, want = b.run(script), run_cpy(script, tier)
    n = 3 * len(CODES) + 8
    assert got.count("\n") == 4 * n + 1
    assert normalized(got).splitlines() == normalized(want).splitlines()
    assert got.splitlines()[-1].endswith("dropped 0 0")


@pytest.mark.parametrize("board", ["full", "min"], indirect=True)  # the largest and the smallest text
def test_20000_lines_leave_the_board_heap_flat(board):
    b, _tier = board
    # the emulated Cortex-M3 takes about 0.4 ms a line: a fifth of the unix port's run
    script = f"CODES = {CODES!r}\n" + NULL_SINK + FLAT.replace('open("/dev/null", "wb")', "Null()").replace(
        "burst(20000)", "burst(4000)")
    grew, dropped = b.run(script, timeout=300).split()
    assert (int(grew), int(dropped)) == (0, 0)


# A FlashLog on the board's littlefs, written without being closed, then a reset: a new
# FlashLog on the same files must show the newest lines, none missing, and go on after them.
FLASH_WRITE = """
from onenetlog.flashlog import FlashLog
from onenetlog.logger import Logger
log = Logger([FlashLog("/log.txt", 2048)], "app", 0, "en", 1, False, False, False)
for i in range(FIRST, FIRST + 100):
    log.status(1104, "line %d" % i)
print("dropped", log.dropped)
"""
FLASH_READ = """
from onenetlog.flashlog import FlashLog
import os
FlashLog("/log.txt").dump()
print("bytes", os.stat("/log.txt")[6] + os.stat("/log.txt.1")[6])
"""


@pytest.mark.parametrize("board", ["full"], indirect=True)  # the FlashLog does not depend on the tier
def test_flash_log_on_littlefs_keeps_every_line_over_resets(board):
    b, _tier = board
    b.run("import os\nfor n in os.listdir('/'):\n    os.remove('/' + n)")
    for first in (0, 100, 200):
        assert b.run(f"FIRST = {first}\n" + FLASH_WRITE).split() == ["dropped", "0"]
        b.reset()
        *kept, size = b.run(FLASH_READ).splitlines()
        numbers = [int(line.rsplit(" ", 1)[1]) for line in kept]
        assert numbers == list(range(first + 100 - len(numbers), first + 100)), numbers
        assert all("app#1104: token expired" in line for line in kept)
        # two files of half the cap, each after a header line: the older one full but for
        # less than a line
        assert 1024 - 32 - 64 <= sum(len(line) + 1 for line in kept) <= int(size.split()[1]) == 2048
