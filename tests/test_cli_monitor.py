"""`onenetlog monitor` against real ptys: a pty pair standing in for a serial port, and the
MicroPython unix port behind the pty bridge running the library's .mpy build."""

import os
import pty
import select
import signal
import subprocess
import sys
import time
import tty

import pytest

import onenetlog
from onenetlog_tools import annotate as ann
from onenetlog_tools.monitor import VERSION_RE, Console, host_versions
from onenetlog_tools.ptybridge import PtyBridge
from upy import built

STEP = 60


def spawn(port, *args, stdin=subprocess.DEVNULL):
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "monitor", "--port", port, "--lang", "en", *args]
    return subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_until(stream, want, timeout=STEP):
    """Bytes from a pipe until want appears (or the timeout)."""
    data = b""
    end = time.monotonic() + timeout
    fd = stream.fileno()
    while want not in data and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data


def stop(proc):
    """Ctrl-C, as a terminal sends it; returns (exit status, rest of stdout, stderr)."""
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=STEP)
    return proc.returncode, out, err


@pytest.fixture
def serial_pty():
    master, slave = pty.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    yield master, path
    os.close(master)
    os.close(slave)


def test_annotates_a_live_port_and_quits_cleanly_on_ctrl_c(serial_pty):
    master, path = serial_pty
    proc = spawn(path)
    try:
        assert b"Ctrl-C quits" in read_until(proc.stderr, b"Ctrl-C quits")
        # A status line split across writes, its \r and \n in separate reads, and a prompt.
        for piece in (b"I (1) app: boot, heap 123456 at 0x3ffb1234\r\nE (2) mqtt#11", b"04: id=7\r",
                      b"\n{\"id\":\"1\",\"code\":305}\r\n>>> "):
            os.write(master, piece)
            time.sleep(0.2)
        want = (b"I (1) app: boot, heap 123456 at 0x3ffb1234\r\n"
                b"E (2) mqtt#1104: id=7" + ann.SEP + ann.meaning(1104, "en", False).encode() + b"\r\n"
                b"{\"id\":\"1\",\"code\":305}" + ann.SEP + ann.meaning(305, "en").encode() + b"\r\n>>> ")
        got = read_until(proc.stdout, b">>> ")
    finally:
        rc, rest, err = stop(proc)
    assert got + rest == want
    assert rc == 0 and b"Traceback" not in err


def test_missing_port_is_one_error_line(tmp_path):
    for port in (str(tmp_path / "ttyUSB9"), "/dev/ttyNOPE0"):
        proc = spawn(port)
        out, err = proc.communicate(timeout=STEP)
        assert proc.returncode == 1 and out == b""
        assert err.decode() == f"onenetlog monitor: error: cannot open {port}: no such device (is the board plugged in?)\n"


def test_port_that_is_not_a_serial_device(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    proc = spawn(str(path))
    out, err = proc.communicate(timeout=STEP)
    lines = err.decode().splitlines()
    assert proc.returncode == 1 and lines == [f"onenetlog monitor: error: cannot open {path}: not a serial device"]


def test_board_going_away_is_one_error_line():
    master, slave = pty.openpty()
    path = os.ttyname(slave)
    proc = spawn(path)
    try:
        read_until(proc.stderr, b"Ctrl-C quits")
        os.close(slave)
        os.write(master, b"I (1) app: bye\r\n")
        assert read_until(proc.stdout, b"bye") .endswith(b"bye\r\n")
        os.close(master)  # the board is unplugged
        out, err = proc.communicate(timeout=STEP)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1 and b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1].startswith(f"onenetlog monitor: error: {path}: the board went away")


def test_version_mismatch_warns_once(serial_pty):
    master, path = serial_pty
    proc = spawn(path)
    try:
        read_until(proc.stderr, b"Ctrl-C quits")
        host = host_versions()
        os.write(master, f"onenetlog VERSION {host['full']} TIER full\r\n".encode())  # matches: quiet
        os.write(master, b"onenetlog VERSION deadbeef TIER full\r\n" * 3)
        err = read_until(proc.stderr, b"rebuild")
    finally:
        rc, _, rest = stop(proc)
    warnings = (err + rest).decode().count("warning:")
    assert rc == 0 and warnings == 1
    assert f"board table version deadbeef differs from the host's {host['full']} for tier full" in err.decode()


def test_console_version_rules():
    class Sink:
        def __init__(self):
            self.data = []

        def write(self, x):
            self.data.append(x)

        def flush(self):
            pass

    versions = {"full": "11111111", "codes": "22222222"}

    def warned(line, tier=None):
        err = Sink()
        c = Console(ann.Annotator("en"), Sink(), err, tier=tier, versions=lambda: versions)
        c.feed(line + b"\n")
        return "".join(err.data)

    assert warned(b"onenetlog VERSION 22222222 TIER codes") == ""
    assert "for tier full" in warned(b"onenetlog VERSION 22222222 TIER full")
    assert warned(b"board: onenetlog VERSION 11111111 TIER full, 66 codes") == ""
    assert warned(b"\x1b[32monenetlog table version=22222222\x1b[0m") == ""  # any host tier
    assert "matches none" in warned(b"onenetlog version 33333333")
    assert "for tier codes" in warned(b"onenetlog version 11111111", tier="codes")
    assert VERSION_RE.search(f"onenetlog VERSION {onenetlog.VERSION} TIER {onenetlog.TIER}".encode())


def test_host_versions_cover_every_tier():
    v = host_versions()
    assert set(v) == {"full", "en", "zh", "min", "codes"} and v["full"] == onenetlog.VERSION


def test_unix_port_board_through_the_pty_bridge():
    # The codes tier on the board: numbers there, text from the host; lines typed go to its REPL.
    folder = built("codes")
    with PtyBridge(("-X", "heapsize=64k"), cwd=folder, timeout=300) as bridge:
        proc = spawn(bridge.path, "--send-stdin", stdin=subprocess.PIPE)
        try:
            read_until(proc.stderr, b"Ctrl-C quits")
            script = [
                "import onenetlog",
                "print('onenetlog VERSION', onenetlog.VERSION, 'TIER', onenetlog.TIER)",
                "onenetlog.Logger(clock=False).status(1104, 'connect failed', id=9)",
                "print('done', 6 * 7)",
            ]
            proc.stdin.write(("\n".join(script) + "\n").encode())
            proc.stdin.flush()
            got = read_until(proc.stdout, b"done 42")
        finally:
            rc, rest, err = stop(proc)
    got += rest
    lines = got.replace(b"\r\n", b"\n").split(b"\n")
    status = [line for line in lines if b"mqtt#1104:" in line and line.startswith(b"E (")]
    assert status and status[0].endswith(b"id=9 -- connect failed" + ann.SEP + ann.meaning(1104, "en", False).encode())
    assert b"done 42" in got and rc == 0
    assert b"warning" not in err  # the build's table version is the host's
