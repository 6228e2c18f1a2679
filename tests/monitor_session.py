"""A `onenetlog monitor` process for tests: its keyboard is a pty (as a terminal is), its
stdout and stderr are read by threads into buffers, and every wait is on what it prints and
fails at once, with both buffers, when the monitor has exited. It is stopped with Ctrl-] over
the keyboard (SIGTERM, then SIGKILL, if that fails), so no test depends on SIGINT, which a
background job of a non-interactive shell ignores."""

import os
import pty
import signal
import subprocess
import sys
import threading
import time

import pytest

WAIT = 30  # seconds for anything the monitor should print; a failure ends the test at once


def serial_pty():
    """(master fd, slave path) of a raw pty pair: a serial port whose other end is the test."""
    import tty

    master, slave = pty.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    return master, slave, path


@pytest.fixture
def port():
    """(master fd, path) of a pty pair standing in for a serial port."""
    master, slave, path = serial_pty()
    yield master, path
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


class Session:
    def __init__(self, port, *args, keyboard=True, cwd=None, preexec_fn=None, lang="en"):
        cmd = [sys.executable, "-m", "onenetlog_tools.cli", "monitor", "--port", port, "--lang", lang, *args]
        self.key_master = None
        stdin = subprocess.DEVNULL
        if keyboard:
            import termios

            self.key_master, key_slave = pty.openpty()
            self.key_modes = termios.tcgetattr(key_slave)  # the terminal before the monitor
            stdin = key_slave
        self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=cwd, start_new_session=True, preexec_fn=preexec_fn)
        if keyboard:
            self.key_slave = key_slave  # kept open: the test reads its terminal modes
        self.out = bytearray()
        self.err = bytearray()
        self._cond = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(s, b), daemon=True)
                         for s, b in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self._readers:
            t.start()

    def _read(self, stream, buf):
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                buf += chunk
                self._cond.notify_all()

    def _wait(self, buf, want, start, timeout):
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                at = bytes(buf).find(want, start)
                if at >= 0:
                    return at + len(want)
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not any(t.is_alive() for t in self._readers):
                    raise AssertionError(f"monitor never printed {want!r} (exit {self.proc.poll()})\n"
                                         f"stdout: {bytes(self.out)[-3000:]!r}\nstderr: {bytes(self.err)[-3000:]!r}")
                self._cond.wait(min(left, 0.5))

    def wait_out(self, want, start=0, timeout=WAIT):
        """Offset just past the first `want` on stdout at or after start."""
        return self._wait(self.out, want, start, timeout)

    def wait_err(self, want, start=0, timeout=WAIT):
        return self._wait(self.err, want, start, timeout)

    def started(self):
        return self.wait_err(b"Ctrl-T H shows the keys ---\n")

    def keys(self, data):
        os.write(self.key_master, data)

    def quit(self):
        """Ctrl-]: returns (exit status, stdout, stderr)."""
        self.keys(b"\x1d")
        return self.finish()

    def finish(self, timeout=WAIT):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            raise AssertionError(f"monitor did not exit\nstderr: {bytes(self.err)[-3000:]!r}") from None
        for t in self._readers:
            t.join(5)
        return self.proc.returncode, bytes(self.out), bytes(self.err)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.key_master, getattr(self, "key_slave", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
