"""The emulated board: MicroPython's bare-metal qemu port (MPS2_AN385, a Cortex-M3 with a 140 KB
GC heap) built with board/manifest.py, booted under qemu-system-arm with its UART on a pty.
python -m onenetlog_tools.qemu build [--tier full|en|zh|min|codes|none]   (prints firmware.elf)
python -m onenetlog_tools.qemu run [--tier T] [--romfs IMAGE]   (prints the pty; mpremote connect it)

Source: MICROPY_DIR (a MicroPython tree), else ../shared/micropython/*-qemu-subset.tar.gz
unpacked into build/qemu/src. Everything built goes to build/qemu/<tree>/: mpy-cross once, one
object folder shared by all tiers (a tier relinks with its frozen modules), and each firmware
cached under fw/<tier>-<hash of what it freezes>. The firmware has littlefs (MICROPY_VFS_LFS2);
after each boot `qemufs.mount()` (board/qemu/qemufs.py, frozen) mounts a RAM disk at /.
"""

import argparse
import contextlib
import fcntl
import functools
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

from onenetlog_tools import build
from onenetlog_tools.ptybridge import kill_group

ROOT = build.ROOT
BUILD_DIR = os.path.join(ROOT, "build", "qemu")
TARBALLS = os.path.join(os.path.dirname(ROOT), "shared", "micropython", "micropython-*-qemu-subset.tar.gz")
MANIFEST = build.BOARD_MANIFEST
QEMUFS = os.path.join(ROOT, "board", "qemu", "qemufs.py")
BOARD = "MPS2_AN385"
MACHINE = "mps2-an385"
ROMFS_ADDRESS = 0x21000000  # the board's ROMFS partition (ports/qemu/boards/MPS2_AN385)
PACKAGES = {"arm-none-eabi-gcc": "gcc-arm-none-eabi", "libc.a": "libnewlib-arm-none-eabi",
            "qemu-system-arm": "qemu-system-arm"}  # what is looked for -> the Debian package with it
TIERS = (*build.TIERS, "none")  # none: only the port's modules, a firmware to install onto
JOBS = "-j2"
MAKE_TIMEOUT = 900
BOOT_TIMEOUT = 20
STEP = 120  # seconds allowed for one mpremote call
# littlefs stamps files with mp_hal_time_ns(), which this port lacks: 0 (no clock) is enough.
NOTIME_H = "#define mp_hal_time_ns() (0ULL)\n"
MPY_LIB_README = "Stand-in for micropython-lib: board/manifest.py requires nothing from it.\n"
BOOT = "import qemufs\nqemufs.mount()\n"


class BoardError(Exception):
    """The emulated board could not be built, started or talked to; the message says why."""


def missing():
    """One line naming what is missing to build and boot the board, or None when all is here."""
    lacking = [pkg for what, pkg in PACKAGES.items() if not _have(what)]
    if lacking:
        names = " ".join(lacking)
        return f"no {names} (as root: make sysdeps; else: sudo apt-get install {names})"
    if not os.environ.get("MICROPY_DIR") and not glob.glob(TARBALLS):
        return ("no MicroPython source: set MICROPY_DIR=<micropython tree> or put "
                "micropython-*-qemu-subset.tar.gz in ../shared/micropython/")
    return None


def _have(what):
    if what == "libc.a":  # newlib for the board's CPU, as the compiler finds it
        if not shutil.which("arm-none-eabi-gcc"):
            return False
        done = subprocess.run(["arm-none-eabi-gcc", "-mthumb", "-mcpu=cortex-m3", "-print-file-name=libc.a"],
                              capture_output=True, text=True, timeout=30)
        return os.path.isabs(done.stdout.strip())
    return shutil.which(what) is not None


def source_tree():
    """(tree, key): the MicroPython tree to build from, and a name for what it holds."""
    given = os.environ.get("MICROPY_DIR")
    if given:
        tree = os.path.abspath(given)
        if not os.path.isfile(os.path.join(tree, "ports", "qemu", "Makefile")):
            raise BoardError(f"MICROPY_DIR={given} has no ports/qemu/Makefile")
        return tree, "dir-" + _digest([tree.encode(), _git_head(tree)])[:12]
    found = sorted(glob.glob(TARBALLS))
    if not found:
        raise BoardError(missing() or "no MicroPython source")
    tarball = found[-1]
    name = os.path.basename(tarball)[: -len(".tar.gz")]
    tree = os.path.join(BUILD_DIR, "src", name)
    if not os.path.isfile(os.path.join(tree, ".unpacked")):
        shutil.rmtree(tree, ignore_errors=True)
        os.makedirs(tree)
        with tarfile.open(tarball) as tar:
            tar.extractall(tree, filter="data")
        open(os.path.join(tree, ".unpacked"), "w").close()
    return tree, name


def _git_head(tree):
    try:
        done = subprocess.run(["git", "-C", tree, "rev-parse", "HEAD"], capture_output=True, timeout=30)
    except OSError:
        return b""
    return done.stdout.strip()


def _digest(parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little") + part)
    return h.hexdigest()


def _make(args, what, env=None):
    try:
        done = subprocess.run(["make", JOBS, *args], capture_output=True, text=True, timeout=MAKE_TIMEOUT, env=env)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BoardError(f"{what}: {err}") from None
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()] or ["no output"]
        raise BoardError(f"{what} failed: {lines[-1]}")


@contextlib.contextmanager
def _locked(work):
    """One build at a time in work (two test sessions may share build/)."""
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class Firmware:
    """Builds firmware for the tiers, each once; `elf(tier)` is its firmware.elf."""

    def __init__(self):
        self.tree, key = source_tree()
        self.work = os.path.join(BUILD_DIR, key)
        self.seconds = 0.0  # spent building in this process

    def mpy_cross(self):
        """The tree's own mpy-cross, built once."""
        exe = os.path.join(self.work, "mpy-cross", "mpy-cross")
        if not os.path.isfile(exe):
            self._timed(_make, ["-C", os.path.join(self.tree, "mpy-cross"),
                                "BUILD=" + os.path.dirname(exe)], "mpy-cross build")
        return exe

    def _timed(self, fn, *args):
        t = time.monotonic()
        try:
            return fn(*args)
        finally:
            self.seconds += time.monotonic() - t

    def elf(self, tier):
        """firmware.elf with tier frozen in (none: without the library); reused while the
        frozen sources, the manifest and the tree are unchanged."""
        if tier not in TIERS:
            raise BoardError(f"unknown tier {tier!r} (choose from {', '.join(TIERS)})")
        with _locked(self.work):
            dist = os.path.join(self.work, "dist")
            frozen = build.build(tier, dist, freeze=True) if tier != "none" else []
            parts = [open(p, "rb").read() for p in [MANIFEST, QEMUFS, *frozen]]
            key = _digest([tier.encode(), *parts, *(a.encode() for a in self._flags())])[:16]
            elf = os.path.join(self.work, "fw", f"{tier}-{key}", "firmware.elf")
            if not os.path.isfile(elf):
                self._timed(self._link, tier, dist, elf)
            return elf

    def _flags(self):
        return [f"BOARD={BOARD}", "MICROPY_VFS_LFS2=1", f"MPY_LIB_DIR={self._mpy_lib()}",
                f"FROZEN_MANIFEST={MANIFEST}", f"CFLAGS_EXTRA=-include {self._notime()}"]

    def _mpy_lib(self):
        folder = os.path.join(self.work, "micropython-lib")
        os.makedirs(folder, exist_ok=True)
        _write_once(os.path.join(folder, "README.md"), MPY_LIB_README)
        return folder

    def _notime(self):
        path = os.path.join(self.work, "notime.h")
        _write_once(path, NOTIME_H)
        return path

    def _link(self, tier, dist, elf):
        objs = os.path.join(self.work, "obj")
        env = {**os.environ, "ONENETLOG_TIER": tier, "ONENETLOG_DIST": dist, "ONENETLOG_BOARD": BOARD}
        args = ["-C", os.path.join(self.tree, "ports", "qemu"), *self._flags(), "BUILD=" + objs,
                "MICROPY_MPYCROSS=" + self.mpy_cross()]
        # makemanifest skips a frozen_content.c newer than every file it freezes, and a compiled
        # module newer than its source: another tier's, in this shared folder (the build keeps
        # the sources' times)
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(objs, "frozen_content.c"))
        shutil.rmtree(os.path.join(objs, "frozen_mpy"), ignore_errors=True)
        _make(args, f"firmware build ({tier})", env)
        os.makedirs(os.path.dirname(elf), exist_ok=True)
        shutil.copyfile(os.path.join(objs, "firmware.elf"), elf + ".part")
        os.replace(elf + ".part", elf)


@functools.lru_cache(maxsize=None)
def builder():
    """The one Firmware of this process (its tree, its build folder)."""
    return Firmware()


@functools.lru_cache(maxsize=None)
def firmware(tier):
    """firmware.elf of tier, built at most once per process (and reused from build/qemu)."""
    return builder().elf(tier)


def _write_once(path, text):
    if not os.path.isfile(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


def text_size(elf):
    """Bytes of code and constant data in elf (what goes to flash): the `text` of `size`."""
    done = subprocess.run(["arm-none-eabi-size", elf], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise BoardError(f"arm-none-eabi-size {elf}: {done.stderr.strip()}")
    return int(done.stdout.splitlines()[1].split()[0])


class QemuBoard:
    """qemu-system-arm running a firmware, its UART on the pty at `port`. Stopped on leaving the
    `with` block, and after `timeout` seconds whatever happens. romfs: an image QEMU loads
    into the ROMFS partition, as a programmer would flash it."""

    def __init__(self, elf, romfs=None, timeout=900.0):
        self.cmd = ["qemu-system-arm", "-machine", MACHINE, "-nographic", "-monitor", "null",
                    "-semihosting", "-serial", "pty", "-kernel", elf]
        if romfs:
            self.cmd += ["-device", f"loader,file={romfs},addr={ROMFS_ADDRESS:#x},force-raw=on"]
        self.timeout = timeout
        self.port = None
        self.proc = None
        self._log = None
        self._timer = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self._log = tempfile.TemporaryFile()  # QEMU's own messages: the pty it opened
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._timer = threading.Timer(self.timeout, self.stop)
        self._timer.daemon = True
        self._timer.start()
        deadline = time.monotonic() + BOOT_TIMEOUT
        while self.port is None:
            self._log.seek(0)
            found = re.search(rb"redirected to (/dev/pts/\d+)", self._log.read())
            if found:
                self.port = found.group(1).decode()
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                self._log.seek(0)
                said = self._log.read().decode("utf-8", "replace").strip().splitlines() or ["nothing"]
                self.stop()
                raise BoardError(f"qemu-system-arm gave no pty: {said[-1]}")
            else:
                time.sleep(0.05)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self._timer is not None:
            self._timer.cancel()
        kill_group(self.proc)
        if self._log is not None:
            self._log.close()
            self._log = None

    def mpremote(self, *args, cwd=ROOT, timeout=STEP):
        """mpremote on this board without a reset first: CompletedProcess, text out."""
        cmd = [sys.executable, "-m", "mpremote", "connect", self.port, "resume", *args]
        return subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd, text=True,
                              encoding="utf-8", errors="replace")

    def must(self, what, *args, timeout=STEP):
        """stdout of mpremote args on this board; BoardError naming what, with the output, if
        it fails."""
        done = self.mpremote(*args, timeout=timeout)
        if done.returncode != 0:
            raise BoardError(f"{what} failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
        return done.stdout

    def run(self, script, timeout=STEP):
        """stdout of script run on the board; BoardError with its output if it raises."""
        return self.must("board script", "exec", script, timeout=timeout)

    def reset(self):
        """Soft reset (RAM and so the files survive it), then mount the filesystems again."""
        cmd = [sys.executable, "-m", "mpremote", "connect", self.port, "soft-reset", "exec", BOOT]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP)
        if done.returncode != 0:
            raise BoardError(f"reset failed: {done.stdout[-500:]}{done.stderr[-500:]}")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-qemu", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("build", "run"))
    ap.add_argument("--tier", choices=TIERS, default="full")
    ap.add_argument("--romfs", help="ROMFS image to load at boot (run)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="stop QEMU after this many seconds (run)")
    args = ap.parse_args(argv)
    why = missing()
    if why:
        print(f"qemu: error: {why}", file=sys.stderr)
        return 1
    try:
        elf = firmware(args.tier)
        if args.command == "build":
            print(elf)
            return 0
        with QemuBoard(elf, args.romfs, args.timeout) as board:
            board.reset()
            print(board.port, flush=True)
            while board.alive():
                time.sleep(0.5)
    except BoardError as err:
        print(f"qemu: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
