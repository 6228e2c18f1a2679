"""`onenetlog monitor` with the MicroPython unix port as the board (behind the pty bridge,
running the library's .mpy build), its keyboard a pty: the keys, a reset in the middle of a
line, the version check on every boot, and a port that goes away and comes back while the
board runs on. Every wait is on what the monitor prints (tests/monitor_session.py)."""

import os
import select
import threading
import time
import tty

from onenetlog_tools import annotate as ann
from onenetlog_tools.ptybridge import PtyBridge
from monitor_session import WAIT, Session
from upy import built

FAKE_VERSION = b"print('onenetlog VERSION', 'dead' + 'beef', 'TIER full')\r"  # echo differs from output


def wait_file(path, want, timeout=WAIT):
    """The file's bytes once they hold want (a saved log is written as bytes arrive)."""
    end = time.monotonic() + timeout
    while True:
        data = open(path, "rb").read()
        if want in data or time.monotonic() > end:
            return data
        time.sleep(0.05)


def test_keys_reset_mid_line_and_version_check_every_boot(tmp_path):
    log = tmp_path / "board.log"
    with PtyBridge(("-X", "heapsize=64k"), cwd=built("full"), timeout=300) as bridge, \
            Session(bridge.path, "--save-log", str(log)) as mon:
        mon.started()
        mon.keys(b"x = 41\r" + FAKE_VERSION)
        mon.wait_err(b"differs from the host's")
        mon.keys(b"\x14h")
        mon.wait_err(b"every other key goes to the board")
        # Ctrl-T Y: the screen pauses, the saved log goes on.
        mon.keys(b"\x14y")
        mon.wait_err(b"output paused")
        mon.keys(b"print('hidden', 6 * 7)\r")
        assert b"hidden 42" in wait_file(log, b"hidden 42")
        mon.keys(b"\x14Y")
        mon.wait_err(b"output resumed")
        mon.keys(b"print('shown', x + 1)\r")
        mon.wait_out(b"shown 42")
        # The board dies in the middle of a line; the bridge boots it again, as a reset does.
        mon.keys(b"import sys; _ = sys.stdout.write('E (1) mqtt#11'); sys.exit()\r")
        at = mon.wait_out(b"MPY: soft reboot\r\n")
        mon.wait_out(b">>> ", at)
        mon.keys(FAKE_VERSION * 2)  # the new boot's version: checked again, warned once
        got = mon.wait_out(b"deadbeef TIER full\n>>> ", at)  # print() ends lines in \n here
        mon.wait_out(b"deadbeef TIER full\n>>> ", got)
        # Ctrl-T R: a soft reset; the board's globals are gone.
        mon.keys(b"\x14r")
        at = mon.wait_out(b"MPY: soft reboot\r\n", at)
        mon.wait_out(b">>> ", at)
        mon.keys(b"print('x' in globals())\r")
        mon.wait_out(b"False\n", at)
        rc, out, err = mon.quit()
        spawns = bridge.spawns
    saved = log.read_bytes()
    assert rc == 0 and b"Traceback" not in err
    assert b"hidden 42" not in out and b"hidden 42" in saved and b"shown 42" in out
    assert b"\r\nE (1) mqtt#11\r\nMPY: soft reboot\r\n" in out  # the cut line ends; the boot starts one
    assert b"E (1) mqtt#11MPY: soft reboot\r\n" in saved  # the log keeps the bytes as they came
    assert err.count(b"warning:") == 2 and err.count(b"soft reset") == 1
    assert spawns == 3  # the first board, the one after sys.exit(), the one after Ctrl-T R


class Cable:
    """A USB cable between the bridge's board and a port at link (a symlink, as udev's
    /dev/serial/by-id names are): unplug() hangs the port up and removes the name."""

    def __init__(self, board_path, link):
        self.board = os.open(board_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        self.link = link
        self.fds = None
        self._stop = None

    def plug(self):
        master, slave = os.openpty()
        tty.setraw(slave)
        self.fds = (master, slave)
        os.symlink(os.ttyname(slave), self.link)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(master, self._stop), daemon=True)
        self._thread.start()

    def _pump(self, master, stop):
        while not stop.is_set():
            ready, _, _ = select.select([master, self.board], [], [], 0.05)
            for src, dst in ((master, self.board), (self.board, master)):
                if src in ready:
                    try:
                        data = os.read(src, 4096)
                        while data:
                            data = data[os.write(dst, data):]
                    except BlockingIOError:
                        pass
                    except OSError:
                        return

    def unplug(self):
        self._stop.set()
        self._thread.join(5)
        os.unlink(self.link)
        for fd in self.fds:
            os.close(fd)
        self.fds = None

    def close(self):
        if self.fds:
            self.unplug()
        os.close(self.board)


def test_port_goes_away_and_comes_back_without_resetting_the_board(tmp_path):
    link = str(tmp_path / "ttyBOARD")
    with PtyBridge(("-X", "heapsize=64k"), cwd=built("codes"), timeout=300) as bridge:
        cable = Cable(bridge.path, link)
        cable.plug()
        try:
            with Session(link) as mon:
                mon.started()
                mon.keys(b"import onenetlog\r")
                mon.keys(b"x = 41\r")
                at = mon.wait_out(b"x = 41\r\n>>> ")
                cable.unplug()
                mon.wait_err(b"waiting for the board")
                time.sleep(1.2)  # a few attempts at the missing port go by: still said once
                cable.plug()
                mon.wait_err(b"is back ---\n")
                mon.keys(b"print(x + 1); onenetlog.Logger(clock=False).status(1104, 'after')\r")
                mon.wait_out(b"after" + ann.SEP, at)
                rc, out, err = mon.quit()
        finally:
            cable.close()
        spawns = bridge.spawns
    assert rc == 0 and b"Traceback" not in err
    assert err.count(b"waiting for the board") == 1 and err.count(b"is back") == 1
    assert b"\n42\n" in out[at:]  # the board kept its state: not reset
    assert spawns == 1
    status = [line for line in out[at:].split(b"\n") if b"mqtt#1104:" in line]
    assert status and status[0].endswith(b"-- after" + ann.SEP + ann.meaning(1104, "en", False).encode())
