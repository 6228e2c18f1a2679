"""`onenetlog monitor` against real ptys: a pty pair standing in for a serial port, the
monitor's keyboard a pty too. Every session ends with Ctrl-] or SIGTERM, never SIGINT (which a
background job of a non-interactive shell ignores), and every wait fails at once when the
monitor has exited (tests/monitor_session.py)."""

import os
import re
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

import onenetlog
from onenetlog_tools import annotate as ann
from onenetlog_tools.monitor import VERSION_RE, Console, Keys, PrintFilter, host_versions
from monitor_session import WAIT, Session, port  # noqa: F401 (port: a fixture)


def test_annotates_a_live_port_and_quits_on_ctrl_bracket(port):
    master, path = port
    with Session(path) as mon:
        mon.started()
        # A status line split across writes, its \r and \n in separate reads, and a prompt.
        for piece in (b"I (1) app: boot, heap 123456 at 0x3ffb1234\r\nE (2) mqtt#11", b"04: id=7\r",
                      b"\n{\"id\":\"1\",\"code\":305}\r\n>>> "):
            os.write(master, piece)
            time.sleep(0.2)
        want = (b"I (1) app: boot, heap 123456 at 0x3ffb1234\r\n"
                b"E (2) mqtt#1104: id=7" + ann.SEP + ann.meaning(1104, "en", False).encode() + b"\r\n"
                b"{\"id\":\"1\",\"code\":305}" + ann.SEP + ann.meaning(305, "en").encode() + b"\r\n>>> ")
        mon.wait_out(b">>> ")
        during = termios.tcgetattr(mon.key_slave)
        rc, out, err = mon.quit()
        after = termios.tcgetattr(mon.key_slave)
    assert out == want
    assert rc == 0 and b"Traceback" not in err
    assert not during[3] & (termios.ICANON | termios.ECHO | termios.ISIG)  # raw while it runs
    assert after == mon.key_modes  # and the terminal as it was after


def test_sigterm_ends_it_cleanly_with_sigint_ignored_and_no_keyboard(port):
    # A background job of a non-interactive shell: SIGINT ignored, stdin /dev/null.
    master, path = port
    ignore = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)  # noqa: E731
    with Session(path, keyboard=False, preexec_fn=ignore) as mon:
        mon.started()
        os.write(master, b"I (1) app: half a li")
        mon.wait_out(b"half a li")
        mon.proc.send_signal(signal.SIGINT)  # ignored, as the shell asked
        os.write(master, b"ne\r\n")
        mon.wait_out(b"ne\r\n")
        mon.proc.send_signal(signal.SIGTERM)
        rc, out, err = mon.finish()
    assert rc == 0 and out == b"I (1) app: half a line\r\n" and b"Traceback" not in err


def test_stdin_not_a_terminal_sends_lines_and_ctrl_bracket_exits(port):
    master, path = port
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "monitor", "--port", path]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        banner = b""
        while b"shows the keys" not in banner:
            chunk = proc.stderr.read1(4096)
            assert chunk, f"monitor exited early: {banner!r}"
            banner += chunk
        proc.stdin.write(b"print(1)\n")
        proc.stdin.flush()
        got = b""
        end = time.monotonic() + WAIT
        while b"\r" not in got and time.monotonic() < end:
            if select.select([master], [], [], 0.5)[0]:
                got += os.read(master, 100)
        proc.stdin.write(b"\x1d")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert got == b"print(1)\r"  # Enter as a terminal sends it
    assert proc.returncode == 0 and b"Traceback" not in err


def test_missing_port_is_one_error_line(tmp_path):
    for port in (str(tmp_path / "ttyUSB9"), "/dev/ttyNOPE0"):
        with Session(port, keyboard=False) as mon:
            rc, out, err = mon.finish()
        assert rc == 1 and out == b""
        assert err.decode() == f"onenetlog monitor: error: cannot open {port}: no such device (is the board plugged in?)\n"


def test_port_that_is_not_a_serial_device(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with Session(str(path), keyboard=False) as mon:
        rc, out, err = mon.finish()
    assert rc == 1 and err.decode().splitlines() == [f"onenetlog monitor: error: cannot open {path}: not a serial device"]


def test_bad_options_are_one_error_line(port):
    _, path = port
    for args, want in ((("--filter", "mqtt:Q"), "--filter: unknown level in filter word 'mqtt:Q'"),
                       (("--filter", ":W"), "--filter: no tag in filter word ':W'"),
                       (("--open-port-attempts", "-1"), "--open-port-attempts: give 0 (forever) or more")):
        with Session(path, *args, keyboard=False) as mon:
            rc, out, err = mon.finish()
        assert rc == 1 and err.decode().splitlines()[0].startswith(f"onenetlog monitor: error: {want}"), err


def test_version_mismatch_warns_once_per_boot(port):
    master, path = port
    host = host_versions()
    with Session(path) as mon:
        mon.started()
        os.write(master, f"onenetlog VERSION {host['full']} TIER full\r\n".encode())  # matches: quiet
        os.write(master, b"onenetlog VERSION deadbeef TIER full\r\n" * 3)
        first = mon.wait_err(b"rebuild")
        os.write(master, b"MPY: soft reboot\r\nonenetlog VERSION deadbeef TIER full\r\n" * 2 + b"done\r\n")
        mon.wait_out(b"done\r\n")
        rc, _, err = mon.quit()
    assert rc == 0 and err.decode().count("warning:") == 3  # the first boot, then each reboot
    assert f"board table version deadbeef differs from the host's {host['full']} for tier full" in err[:first].decode()


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


def test_print_filter_rules():
    f = PrintFilter("mqtt:W coap:W *:E app")
    assert f.shows("E", "mqtt") and f.shows("W", "coap") and not f.shows("I", "mqtt")
    assert f.shows("E", "http") and not f.shows("W", "http") and f.shows("D", "app")
    assert f.shows(None, None)  # not in the line format: * is above N
    assert not PrintFilter("mqtt:I").shows(None, None)  # * defaults to N
    assert not PrintFilter("mqtt:I *:N").shows(None, None) and PrintFilter("").everything


def test_keys_table():
    k = Keys(lines=True)
    assert k.feed(b"ab\n\x03") == [("send", b"ab\r\x03")]
    assert k.feed(b"x\x14") == [("send", b"x")]  # the menu key waits for the next
    assert k.feed(b"R\x14h\x14\x14\x14y\x1d") == [("reset", None), ("help", None), ("send", b"\x14"),
                                                  ("pause", None), ("exit", None)]
    assert k.feed(b"\x14\x1dq\x14z") == [("send", b"\x1dq"), ("unknown", None)]


def test_host_versions_cover_every_tier():
    v = host_versions()
    assert set(v) == {"full", "en", "zh", "min", "codes"} and v["full"] == onenetlog.VERSION


def test_background_job_of_an_interactive_shell_leaves_the_terminal_alone(port):
    # A terminal whose foreground is the shell; the monitor in another process group, as `&`
    # puts it. Reading or setting up that terminal would stop it (SIGTTIN/SIGTTOU).
    import pty

    master, path = port
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "monitor", "--port", path]
    pid, term = pty.fork()
    if pid == 0:  # the shell: session leader, the pty its controlling terminal
        try:
            job = subprocess.Popen(cmd, process_group=0)
            os.write(1, f"job {job.pid}\n".encode())
            os._exit(job.wait())
        finally:
            os._exit(99)
    try:
        seen = b""
        end = time.monotonic() + WAIT
        while b"SIGTERM ends it ---" not in seen and time.monotonic() < end:
            if select.select([term], [], [], 0.5)[0]:
                seen += os.read(term, 4096)
        assert b"SIGTERM ends it ---" in seen, seen
        modes = termios.tcgetattr(term)
        assert modes[3] & termios.ICANON and modes[3] & termios.ECHO  # not made raw
        os.write(master, b"I (1) app: still here\r\n")
        while b"still here" not in seen and time.monotonic() < end:
            if select.select([term], [], [], 0.5)[0]:
                seen += os.read(term, 4096)
        os.kill(int(re.search(rb"job (\d+)", seen).group(1)), signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    finally:
        job = re.search(rb"job (\d+)", seen)
        if job:  # a monitor stopped by the terminal would stay: end it (the shell then exits)
            try:
                os.kill(int(job.group(1)), signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.close(term)
    assert b"still here" in seen and os.waitstatus_to_exitcode(status) == 0
