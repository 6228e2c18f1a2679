"""Pty bridge: runs the MicroPython unix port as a stand-in board behind a pty.
Use: `with PtyBridge() as b: mpremote connect b.path resume ...`, or run `python -m onenetlog_tools.ptybridge`.

The unix port (1.29) speaks the raw REPL itself: Ctrl-A, raw-paste (Ctrl-E A Ctrl-A)
and Ctrl-B work as on a board. Ctrl-D at an empty raw or friendly prompt makes it
exit instead of soft-resetting, so the bridge respawns it and prints
"MPY: soft reboot" like a board (re-entering raw REPL if that is where it was).
"""

import argparse
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time
import tty

RAW_EXIT_TAIL = b"OK\r\n"
SOFT_REBOOT = b"MPY: soft reboot\r\n"


def find_micropython():
    """Path of the unix port: the one beside this interpreter, else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.access(here, os.X_OK):
        return here
    found = shutil.which("micropython")
    if not found:
        raise FileNotFoundError("micropython unix port not found (run `make venv`)")
    return found


def _raw_pty():
    """A pty pair with the slave in raw mode (no echo, no CR/LF mangling)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    return master, slave


class PtyBridge:
    """Runs micropython on one pty and copies bytes to a second pty at `path`."""

    def __init__(self, args=(), cwd=None, timeout=300.0, respawn=True):
        self.argv = [find_micropython(), *args]
        self.cwd = cwd
        self.timeout = timeout
        self.respawn = respawn
        self.path = None
        self.proc = None
        self.spawns = 0
        self._stop = threading.Event()
        self._thread = None
        self._child_fd = None
        self._user_fds = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        master, slave = _raw_pty()
        os.set_blocking(master, False)
        # Holding the slave open keeps the master readable between clients.
        self._user_fds = (master, slave)
        self.path = os.ttyname(slave)
        self._spawn()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _spawn(self, raw=False):
        master, slave = _raw_pty()
        self.proc = subprocess.Popen(
            self.argv, stdin=slave, stdout=slave, stderr=slave,
            cwd=self.cwd, start_new_session=True, close_fds=True)
        os.close(slave)
        os.set_blocking(master, False)
        self._child_fd = master
        self.spawns += 1
        if raw:
            os.write(master, b"\r\x01")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait(self):
        """Block until the bridge stops by itself (its timeout)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def _pump(self):
        deadline = time.monotonic() + self.timeout
        user = self._user_fds[0]
        out = _Outbox(user, self._user_fds[1])
        tail = b""
        while not self._stop.is_set() and time.monotonic() < deadline:
            child = self._child_fd
            # Read the interpreter only when its last output has gone out: backpressure.
            readers = [user] if out.pending else [user, child]
            ready, _, _ = select.select(readers, [user] if out.pending else [], [], 0.05)
            if child in ready:
                data = _read(child)
                if data is None:
                    if not self._restart(tail, out):
                        break
                    tail = b""
                    continue
                tail = (tail + data)[-8:]
                out.pending += data
            out.send()
            if user in ready:
                data = _read(user)
                if data:
                    _write_all(child, data, self._stop)
        self._kill()

    def _restart(self, tail, out):
        """Child closed its pty: respawn like a soft reset, or give up."""
        self._kill()
        os.close(self._child_fd)
        if not self.respawn or self._stop.is_set():
            return False
        out.pending += SOFT_REBOOT
        self._spawn(raw=tail.endswith(RAW_EXIT_TAIL))
        return True

    def _kill(self):
        kill_group(self.proc)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._kill()
        for fd in (self._child_fd, *(self._user_fds or ())):
            _close(fd)
        self._child_fd = self._user_fds = None


def kill_group(proc):
    """Stop proc (started with start_new_session) and its children: SIGTERM, then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=3)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=3)


def _read(fd):
    """Bytes available on fd; b"" if none yet; None once the other side is gone."""
    try:
        data = os.read(fd, 4096)
    except BlockingIOError:
        return b""
    except OSError:
        return None
    return data or None


def _write_all(fd, data, stop):
    while data and not stop.is_set():
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            select.select([], [fd], [], 0.05)
        except OSError:
            return


class _Outbox:
    """Interpreter output waiting for the client. A client that takes nothing for
    STALL seconds counts as absent: its queue is flushed, as a UART would lose it."""

    STALL = 2.0

    def __init__(self, master, slave):
        self.master = master
        self.slave = slave
        self.pending = b""
        self._stuck_since = None

    def send(self):
        if not self.pending:
            return
        try:
            sent = os.write(self.master, self.pending)
        except OSError:
            sent = 0
        if sent:
            self.pending = self.pending[sent:]
            self._stuck_since = None
        elif self._stuck_since is None:
            self._stuck_since = time.monotonic()
        elif time.monotonic() - self._stuck_since > self.STALL:
            termios.tcflush(self.slave, termios.TCIFLUSH)
            self.pending = b""
            self._stuck_since = None


def _close(fd):
    if fd is None:
        return
    try:
        os.close(fd)
    except OSError:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3600.0, help="stop after this many seconds")
    parser.add_argument("--cwd", help="working directory of the interpreter")
    parser.add_argument("mp_args", nargs="*", help="extra micropython arguments (after --)")
    args = parser.parse_args(argv)
    try:
        with PtyBridge(args.mp_args, cwd=args.cwd, timeout=args.timeout) as bridge:
            print(bridge.path, flush=True)
            bridge.wait()
    except KeyboardInterrupt:
        pass
    except FileNotFoundError as err:
        print(f"ptybridge: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
