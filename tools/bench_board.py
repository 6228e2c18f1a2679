"""Board benchmark, on the emulated board (tools/qemu.py: MicroPython's qemu port, MPS2_AN385,
140 KB of GC heap): the heap each way of installing onenetlog costs, beside micropython-lib
`logging` 0.5.2 on the same firmware, and the flash each tier takes.
python -m onenetlog_tools.bench --board qemu

Every heap figure comes from a freshly reset interpreter, measured with gc, each name the step
interns counted at its own size (tools/heapcost.py: the qstr pools' spare room left out).
"""

import os
import subprocess
import sys
import tempfile

from . import build, deploy, heapcost, qemu, upylib
from .bench import folder_size, table

# Run on the board after a reset, with LIB the folder to import from: a mark() (heapcost.MARK)
# before and after each step.
ONENETLOG_HEAP = heapcost.MARK + """
import sys
sys.path.insert(0, LIB)
mark()
import onenetlog
mark()
onenetlog.describe(1104)
mark()
from onenetlog.logger import Logger
log = Logger()
log.status(1104)
mark()
"""
# logging 0.5.2 imports utime for localtime() and time(), which this port (no RTC) lacks: a
# stand-in giving both, made before the first reading so it is not counted.
LOGGING_HEAP = heapcost.MARK + """
import sys
sys.path.insert(0, LIB)
class utime:
    localtime = staticmethod(lambda secs=None: (2000, 1, 1, 0, 0, 0, 5, 1))
    time = staticmethod(lambda: 0)
sys.modules["utime"] = utime
mark()
import logging
mark()
mark()
log = logging.getLogger("mqtt")
log.addHandler(logging.StreamHandler(sys.stdout))
log.warning("1104 token expired")
mark()
"""
HEAD = ["layout", "import B", "first describe() B", "a Logger and its first line B", "total B"]
LOGGING = f"{upylib.PROJECT} {upylib.VERSION}"


def measure(board, script, lib, middle=True):
    """[import, the middle step (or "-" without one), the last step, total]: bytes, names at
    their own size, of a script with four marks, on a freshly reset board."""
    board.reset()
    m = heapcost.marks(board.run(f"LIB = {lib!r}\n" + script))
    steps = [heapcost.between(m[k], m[k + 1], "qemu")[0] for k in range(3)]
    return [steps[0], steps[1] if middle else "-", steps[2], heapcost.between(m[0], m[3], "qemu")[0]]


def _copy(board, files, dest):
    """files (host paths) into the board folder dest, one mpremote call."""
    args = ["fs", "mkdir", dest]
    for path in files:
        args += ["+", "fs", "cp", path, f":{dest}/{os.path.basename(path)}"]
    board.must(f"copy to {dest}", *args, timeout=300)


def logging_layouts(work):
    """{folder name: [files]}: logging 0.5.2 as .py (what mip installs) and compiled to .mpy."""
    upylib.install()
    py = [os.path.join(upylib.DEST, name) for name in upylib.FILES]
    mpy = []
    for src, name in zip(py, upylib.FILES):
        mpy.append(os.path.join(work, os.path.basename(name)[:-3] + ".mpy"))
        build.compile_mpy(src, mpy[-1], name)
    return {"py": py, "mpy": mpy}


def heap_rows(work):
    rows = []
    for tier in ("full", "min"):
        with qemu.QemuBoard(qemu.firmware(tier), timeout=600) as board:
            rows.append([f"onenetlog {tier}, frozen into the firmware"] + measure(board, ONENETLOG_HEAP, ".frozen"))
    build.build("full", work)
    full = build.out_dir(work, "full")
    image = build.romfs_image(full)
    with qemu.QemuBoard(qemu.firmware("none"), romfs=image, timeout=600) as board:
        board.reset()
        deploy.deploy("full", board.port, "/mpy", None, full, qemu.STEP)
        board.must("mip install", "mip", "install", "--target", "/py", "./package.json", timeout=300)
        for kind, files in logging_layouts(work).items():
            board.mpremote("fs", "mkdir", f"/log{kind}")
            _copy(board, files, f"/log{kind}/logging")
        for name, lib in [("onenetlog full, .mpy on littlefs (onenetlog deploy)", "/mpy"),
                          ("onenetlog full, .py on littlefs (mip install)", "/py"),
                          ("onenetlog full, .mpy in ROMFS (onenetlog build --romfs)", "/rom/lib")]:
            rows.append([name] + measure(board, ONENETLOG_HEAP, lib))
        for kind in ("py", "mpy"):
            rows.append([f"logging ({LOGGING}), .{kind} on littlefs"] + measure(board, LOGGING_HEAP, f"/log{kind}", False))
    return rows


def flash_rows(work):
    """Per tier: firmware text with the tier frozen in, what the library adds to it, and the
    bytes of the .mpy install and of the ROMFS image."""
    bare = qemu.text_size(qemu.firmware("none"))
    rows = [["none (the firmware alone)", bare, 0, "-", "-"]]
    for tier in build.TIERS:
        text = qemu.text_size(qemu.firmware(tier))
        build.build(tier, work)
        image = build.romfs_image(build.out_dir(work, tier))
        rows.append([tier, text, text - bare, folder_size(os.path.join(work, tier, build.PACKAGE)),
                     os.path.getsize(image)])
    return rows


def bench_board(name="qemu"):
    """The two tables, as Markdown."""
    if name != "qemu":
        raise qemu.BoardError(f"unknown board {name!r} (the one emulated board is qemu)")
    why = qemu.missing()
    if why:
        raise qemu.BoardError(why)
    with tempfile.TemporaryDirectory() as work:
        heap = heap_rows(os.path.join(work, "heap"))
        flash = flash_rows(os.path.join(work, "flash"))
    board = f"qemu {qemu.BOARD} (Cortex-M3), {os.path.basename(qemu.builder().tree)}"
    return "\n\n".join([
        table(f"Heap on the emulated board, {board}; gc.mem_alloc() after a reset, names at their own size", HEAD, heap),
        table(f"Flash per tier, {board}", ["tier", "firmware text B", "library in flash B",
                                           ".mpy files B (deploy)", "ROMFS image B"], flash)])


def main(name="qemu"):
    try:
        print(bench_board(name))
    except (qemu.BoardError, deploy.DeployError, build.BuildError, subprocess.SubprocessError) as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return 1
    return 0
