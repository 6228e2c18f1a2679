"""Live serial console with annotation: `onenetlog monitor --port PORT`.

Bytes from the board are processed a line at a time: a line goes out when it ends, with its
annotation before the `\\r\\n`; a line still open when the port falls quiet (a prompt, a line
being typed) goes out then, so the REPL stays live. A trailing `\\r` is held back until the
next byte, so an annotation never lands after a carriage return.

What the monitor adds to the board's output (docs/monitor.md has the user's view):

- a filter in esp-idf-monitor's --print_filter syntax on the tag and level of the line format
  (docs/line-format.md); a line not in that format shows while `*` is above N;
- the host's receive time before each line (--timestamps); a line with the board's wall clock
  gets it only with `--timestamps all`;
- the raw bytes as received in a file (--save-log);
- reconnection when the port goes away, without touching the board (no reset: the port is
  opened as the kernel opens it, DTR and RTS both on, and nothing is sent);
- keys: Ctrl-] exits, Ctrl-T then R soft-resets, H lists the keys, Y pauses the output; any
  other key goes to the board;
- the table version check on every boot: a boot (`MPY: soft reboot`, the MicroPython banner,
  the ESP32 ROM's first lines, the port coming back) forgets the versions already checked. A
  boot message glued to a line cut short by the reset starts a line of its own.

The board's table version, printed by the deploy self-check (`board: onenetlog VERSION
6463ff0e TIER full, ...`) and the board demo at start, is matched with VERSION_RE and compared
with the host's freshly generated table for that tier; a difference is one warning on stderr.
"""

import argparse
import contextlib
import datetime
import os
import re
import signal
import sys
import threading
import time

from onenetlog_tools.annotate import ANSI, MAX_LINE

VERSION_RE = re.compile(rb"onenetlog (?:table )?version[= ]([0-9a-f]{8})\b(?:,? tier[= ]([a-z]+))?", re.I)
# The first words of a board starting: a soft reset, the MicroPython banner, the ESP32 ROM.
BOOT_RE = re.compile(rb"MPY: soft reboot|MicroPython \S+ on \d{4}-\d\d-\d\d;"
                     rb"|ets [A-Z][a-z]{2} [ \d]\d \d{4} \d\d:\d\d:\d\d|rst:0x[0-9a-f]+ \([A-Z0-9_]+\)")
# A line's head in the line format: level, time (group 2 is the wall clock), tag.
LINE_HEAD = re.compile(rb"([DIWE]) \((?:\d+|(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}))\) ([A-Za-z0-9_.\-]+)(?:#(?:\d+|\?))?:")
# What can still grow into a head: a line that starts like this waits for more bytes.
HEAD_START = re.compile(rb"[DIWE](?: (?:\((?:[0-9 :.\-]*(?:\)(?: (?:[A-Za-z0-9_.\-]+(?:#[0-9?]*)?)?)?)?)?)?)?\Z")
ANSI_START = re.compile(rb"\x1b(?:\[[0-9;?]*)?\Z")
FLUSH_AT = 1 << 16  # an open line is shown once this much of it waits, quiet port or not

KEY_EXIT = 0x1D  # Ctrl-]
KEY_MENU = 0x14  # Ctrl-T
SOFT_RESET = b"\x03\x03\x04"  # Ctrl-C twice (stop the program, clear the line), Ctrl-D at the REPL
RETRY_SECONDS = 0.5  # between attempts to open the port
READ_TIMEOUT = 0.05  # a read that long without a byte is a quiet port
KEYS_HELP = """--- onenetlog monitor keys:
---   Ctrl-]          exit
---   Ctrl-T R        soft-reset the board (Ctrl-C, then Ctrl-D at its REPL)
---   Ctrl-T Y        pause or resume the output (a saved log goes on)
---   Ctrl-T H        these keys
---   Ctrl-T Ctrl-T   send Ctrl-T;  Ctrl-T Ctrl-]  send Ctrl-]
---   every other key goes to the board"""


class PortError(Exception):
    """The port could not be opened or went away; the message is one line."""


def host_versions():
    """{tier: table version} of the host's table sources, for every tier."""
    from onenetlog_tools import build

    return {tier: build.table_version(tier) for tier in build.TIERS}


# -- what to show ------------------------------------------------------------------------------

class PrintFilter:
    """esp-idf-monitor's --print_filter: `tag:level` words, levels N E W I D V (`*` and none
    mean V), tag `*` for every other tag. An empty filter shows everything. A line whose head
    is not in the line format shows while `*` is above N."""

    LEVELS = {"N": 0, "E": 1, "W": 2, "I": 3, "D": 4, "V": 5, "*": 5, "": 5}

    def __init__(self, text):
        self.limits = {}
        for word in text.split():
            tag, colon, level = word.partition(":")
            if not tag:
                raise ValueError(f"no tag in filter word {word!r}")
            if ":" in level or level.upper() not in self.LEVELS:
                raise ValueError(f"unknown level in filter word {word!r} (levels: N E W I D V *)")
            self.limits[tag] = self.LEVELS[level.upper()]
        if not self.limits:
            self.limits["*"] = self.LEVELS["V"]
        self.everything = all(v == self.LEVELS["V"] for v in self.limits.values()) and "*" in self.limits
        self._default = self.limits.get("*", 0)

    def shows(self, level, tag):
        """level: the line's letter (bytes), tag: its tag (str); None, None for other lines."""
        if level is None:
            return self._default > 0
        return self.limits.get(tag, self._default) >= self.LEVELS[level]


class Console:
    """Feeds board output to out with annotations; warns on err about the table version.
    shown: a PrintFilter (None: everything); stamps: None, "plain" (the host's time before
    lines without the board's wall clock) or "all"; clock: the time as time.time() gives it."""

    def __init__(self, annotator, out, err, tier=None, versions=host_versions, shown=None, stamps=None,
                 stamp_format="%Y-%m-%d %H:%M:%S", clock=time.time):
        self.annotator = annotator
        self.out = out
        self.err = err
        self.tier = tier
        self.paused = False
        self.boots = 0
        self._versions = versions
        self._shown = None if shown is None or shown.everything else shown
        self._stamps = stamps
        self._stamp_format = stamp_format
        self._clock = clock
        self._pending = b""  # bytes of the current line not processed yet
        self._new_line()
        self._seen = set()

    def _new_line(self):
        self._line = b""  # the current line's bytes processed so far (shown or hidden)
        self._long = False  # the current line outgrew MAX_LINE: no annotation
        self._show = None  # whether the current line shows; None until its head says
        self._wrote = False  # part of the current line is on the screen
        self._booted = False  # the current line's boot message was counted
        self._stamp = None  # the host's time at the current line's first byte

    # -- input -----------------------------------------------------------------------------
    def feed(self, data):
        if self._stamp is None and data:
            self._stamp = self._clock()
        data = self._pending + data
        pieces = []
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            ce = nl - 1 if nl > start and data[nl - 1] == 13 else nl
            self._take(data[start:ce], data[ce : nl + 1], pieces)
            start = nl + 1
            if start < len(data):
                self._stamp = self._clock()
        self._pending = data[start:]
        if len(self._pending) > FLUSH_AT:
            self._flush(pieces)
        self._write(pieces)

    def idle(self):
        """The port fell quiet: show the open line, all but a trailing `\\r`."""
        if self._pending:
            pieces = []
            self._flush(pieces)
            self._write(pieces)

    def cut(self):
        """The port went away or the board was reset: the open line ends here."""
        pieces = []
        self._flush(pieces)
        if self._pending or self._wrote:
            pieces.append(b"\r\n")
        self._pending = b""
        self._new_line()
        self._write(pieces)

    def finish(self):
        """Write what is held back (input ended)."""
        pieces = []
        self._flush(pieces)
        if self._pending and self._show is not False:
            pieces.append(self._pending)
        self._pending = b""
        self._write(pieces)

    def boot(self):
        """The board started again: check its table version afresh."""
        self.boots += 1
        self._seen.clear()

    # -- lines -----------------------------------------------------------------------------
    def _flush(self, pieces):
        held = self._pending[-1:] == b"\r"
        seg = self._pending[:-1] if held else self._pending
        self._pending = b"\r" if held else b""
        if seg:
            self._take(seg, None, pieces)

    def _take(self, seg, ending, pieces):
        """seg: more of the current line; ending: its line end, or None while it goes on."""
        line = seg if self._long else self._line + seg
        if len(line) > MAX_LINE:
            self._long = True
        boot = None if self._long else BOOT_RE.search(line, max(0, len(self._line) - 40))
        if boot is not None and boot.start() > 0 and boot.start() >= len(self._line):
            # A reset cut the line short: the rest is the board starting again, on its own line.
            cut = boot.start() - len(self._line)
            self._take(seg[:cut], b"\r\n", pieces)
            self._take(seg[cut:], ending, pieces)
            return
        if boot is not None and not self._booted:
            self._booted = True
            self.boot()
        if self._show is None:
            self._show = self._decide(line, ending is not None)
            if self._show is None:  # the head is not whole yet: wait for it
                self._pending = seg + self._pending
                return
            if self._show and self._stamp_wanted(line):
                pieces.append(self._stamp_text())
        if self._show and not self.paused:
            pieces.append(seg)
            self._wrote = True
        if ending is None:
            if not self._long:
                self._line = line
            return
        if not self._long:
            if self._show and not self.paused:
                pieces.append(self.annotator.suffix(line))
            self._check_version(line)
        if self._show and not self.paused:
            pieces.append(ending)
        self._new_line()

    def _head(self, line):
        if line[:1] == b"\x1b":
            m = ANSI.match(line)
            return LINE_HEAD.match(line, m.end()) if m else None
        return LINE_HEAD.match(line)

    def _decide(self, line, whole):
        """Whether line shows; None when the head may still come (not whole, and it starts
        like one)."""
        if self._shown is None and self._stamps is None:
            return True
        m = self._head(line)
        if m is None and not whole and len(line) < 256:
            rest = ANSI.sub(b"", line) if b"\x1b" in line else line
            if HEAD_START.match(rest) or ANSI_START.match(line):
                return None
        if self._shown is None:
            return True
        if m is None:
            return self._shown.shows(None, None)
        return self._shown.shows(m.group(1).decode(), m.group(3).decode())

    def _stamp_wanted(self, line):
        if self._stamps is None:
            return False
        if self._stamps == "all":
            return True
        m = self._head(line)
        return m is None or m.group(2) is None

    def _stamp_text(self):
        when = datetime.datetime.fromtimestamp(self._stamp if self._stamp is not None else self._clock())
        return when.strftime(self._stamp_format).encode("utf-8", "replace") + b" "

    def _write(self, pieces):
        pieces = [p for p in pieces if p]
        if pieces:
            self.out.write(b"".join(pieces))
            self.out.flush()

    def _check_version(self, line):
        if b"netlog" not in line and b"NETLOG" not in line:
            return
        m = VERSION_RE.search(ANSI.sub(b"", line))
        if not m:
            return
        got = m.group(1).decode().lower()
        tier = (m.group(2) or b"").decode().lower() or self.tier
        if (got, tier) in self._seen:
            return
        self._seen.add((got, tier))
        versions = self._versions()
        if tier in versions:
            if versions[tier] != got:
                self._warn(f"board table version {got} differs from the host's {versions[tier]} for tier {tier}; "
                           f"rebuild and deploy: onenetlog build --tier {tier} && onenetlog deploy --tier {tier}")
        elif got not in versions.values():
            where = f" (tier {tier!r} unknown)" if tier else ""
            self._warn(f"board table version {got}{where} matches none of the host's tiers "
                       f"({', '.join(f'{t} {v}' for t, v in versions.items())}); rebuild and deploy")

    def _warn(self, text):
        self.err.write(f"\nonenetlog monitor: warning: {text}\n")
        self.err.flush()


# -- the port ----------------------------------------------------------------------------------

def open_port(port, baud):
    """An open pyserial port (timeout READ_TIMEOUT). `auto` is the first USB serial port.
    DTR and RTS stay as the kernel raises them on open (both on): an ESP32's auto-reset
    circuit resets only for RTS on with DTR off, and an RP2040's USB serial sends only while
    DTR is on. The monitor never changes them."""
    import serial

    if port == "auto":
        from onenetlog_tools.deploy import DeployError, find_port

        try:
            port = find_port("auto")
        except DeployError as err:
            raise PortError(str(err)) from None
    if port.startswith("/") and not os.path.exists(port):
        raise PortError(f"cannot open {port}: no such device (is the board plugged in?)")
    try:
        return serial.serial_for_url(port, baudrate=baud, timeout=READ_TIMEOUT)
    except (serial.SerialException, ValueError, OSError) as err:
        raise PortError(f"cannot open {port}: {_reason(err)}") from None


def _reason(err):
    import errno

    code = getattr(err, "errno", None)
    if code == errno.EACCES:
        return "permission denied (on Linux, join the dialout group)"
    if code == errno.EBUSY:
        return "port busy (another program has it open)"
    if code == errno.ENOENT:
        return "no such device"
    text = str(err)
    if "Inappropriate ioctl" in text:
        return "not a serial device"
    if "returned no data" in text:
        return "device disconnected"
    m = re.search(r"\[Errno \d+\] ([^:\]]+)", text)
    return m.group(1) if m and "could not open port" in text.lower() else text


def log_name(port, now=None):
    """Default --save-log file: the port's name and the start time."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(port.rstrip("/")) or port).strip("_") or "port"
    return f"onenetlog-{name}-{stamp}.log"


# -- keys --------------------------------------------------------------------------------------

class Keys:
    """Turns keyboard bytes into bytes for the board and monitor commands (Ctrl-], Ctrl-T ...).
    lines: stdin is not a terminal, so its `\\n` is sent as the `\\r` of Enter."""

    MENU = {ord("r"): "reset", ord("h"): "help", ord("?"): "help", ord("y"): "pause", ord("x"): "exit",
            0x12: "reset", 0x08: "help", 0x19: "pause", 0x18: "exit"}

    def __init__(self, lines=False):
        self.lines = lines
        self._menu = False

    def feed(self, data):
        """[("send", bytes) or (command, None)] for data, in order."""
        out = []
        send = bytearray()
        for b in data:
            if self._menu:
                self._menu = False
                if b in (KEY_MENU, KEY_EXIT):
                    send.append(b)
                    continue
                command = self.MENU.get(b | 0x20 if 0x41 <= b <= 0x5A else b, "unknown")
            elif b == KEY_EXIT:
                command = "exit"
            elif b == KEY_MENU:
                self._menu = True
                continue
            else:
                send += b"\r" if b == 10 and self.lines else bytes((b,))
                continue
            if send:
                out.append(("send", bytes(send)))
                send = bytearray()
            out.append((command, None))
        if send:
            out.append(("send", bytes(send)))
        return out


class RawKeyboard:
    """stdin as the keyboard: a terminal in raw input mode (no echo, no line editing, Ctrl-C a
    byte for the board) with output processing kept, restored on exit."""

    def __init__(self, fd):
        self.fd = fd
        self.saved = None
        self.tty = os.isatty(fd)

    def __enter__(self):
        if self.tty:
            import termios

            self.saved = termios.tcgetattr(self.fd)
            mode = termios.tcgetattr(self.fd)
            mode[0] &= ~(termios.IXON | termios.ICRNL | termios.INLCR | termios.IGNCR | termios.ISTRIP)
            mode[3] &= ~(termios.ICANON | termios.ECHO | termios.ISIG | termios.IEXTEN)
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd, termios.TCSANOW, mode)
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)


# -- the session -------------------------------------------------------------------------------

class Monitor:
    """One session: the port (opened again when it goes away), the console, the keyboard."""

    def __init__(self, port, baud, console, err, attempts=1, reattempts=0, save=None, keys_fd=None,
                 opener=open_port, style=None):
        self.port = port
        self.baud = baud
        self.console = console
        self.err = err
        self.attempts = attempts  # tries at the first open; 0: forever
        self.reattempts = reattempts  # tries each time the port went away; 0: forever
        self.save = save
        self.keys_fd = keys_fd
        self.opener = opener
        self.dim = style.dim if style is not None else str
        self.ser = None
        self.stop = threading.Event()
        self._send_lock = threading.Lock()

    def say(self, text):
        self.err.write(self.dim(f"--- {text} ---") + "\n")
        self.err.flush()

    def open(self, attempts, waiting):
        """The open port, trying attempts times RETRY_SECONDS apart (0: until stopped); None if
        stopped. waiting: said once, when the first attempt fails."""
        tries = 0
        while True:
            try:
                return self.opener(self.port, self.baud)
            except PortError:
                tries += 1
                if attempts and tries >= attempts:
                    raise
                if tries == 1 and waiting:
                    self.say(waiting)
            if self.stop.wait(RETRY_SECONDS):
                return None

    def connect(self):
        """Open the port for the first time; False if stopped while waiting. Raises PortError.
        The keyboard is read from here on (Ctrl-] ends the wait)."""
        if self.keys_fd is not None:
            threading.Thread(target=self._keyboard, daemon=True).start()
        self.ser = self.open(self.attempts, f"waiting for {self.port} to appear (Ctrl-] exits)")
        return self.ser is not None

    def run(self):
        """Copy the board's output to the console until stopped; raises PortError."""
        import serial

        while not self.stop.is_set():
            try:
                data = self.ser.read(self.ser.in_waiting or 1)
            except (serial.SerialException, OSError) as err:
                self._lost(_reason(err))
                continue
            if data:
                if self.save is not None:
                    self.save.write(data)
                    self.save.flush()
                self.console.feed(data)
            else:
                self.console.idle()

    def _lost(self, reason):
        """The port went away: wait for it to come back (the board is left alone)."""
        self.console.cut()
        self._close()
        self.say(f"{self.port} went away ({reason}); waiting for the board (Ctrl-] exits)")
        try:
            ser = self.open(self.reattempts, None)
        except PortError as err:
            raise PortError(f"{self.port}: the board went away ({reason}) and did not come back: {err}") from None
        if ser is not None:
            self.ser = ser
            self.console.boot()
            self.say(f"{self.port} is back")

    def close(self):
        self.stop.set()
        self.console.finish()
        self._close()

    def _close(self):
        with self._send_lock:
            ser, self.ser = self.ser, None
        if ser is not None:
            try:
                ser.close()
            except Exception:
                pass

    def send(self, data):
        with self._send_lock:
            ser = self.ser
            if ser is None:
                return
            try:
                ser.write(data)
            except Exception:
                pass  # the port went away: the reader says so

    def _keyboard(self):
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader aborts
        # interpreter exit. A tty's Enter is already \r; piped lines end in \n.
        import select

        keys = Keys(lines=not os.isatty(self.keys_fd))
        while not self.stop.is_set():
            try:
                ready, _, _ = select.select([self.keys_fd], [], [], 0.2)
                data = os.read(self.keys_fd, 4096) if ready else None
            except OSError:
                return
            if data == b"":
                return  # stdin ended: go on monitoring
            for command, payload in keys.feed(data or b""):
                self.command(command, payload)

    def command(self, command, payload=None):
        if command == "send":
            self.send(payload)
        elif command == "exit":
            self.stop.set()
        elif command == "reset":
            self.say("soft reset (Ctrl-C, Ctrl-D)")
            self.send(SOFT_RESET)
        elif command == "help":
            self.err.write(KEYS_HELP + "\n")
            self.err.flush()
        elif command == "pause":
            self.console.paused = not self.console.paused
            self.say("output paused (Ctrl-T Y resumes)" if self.console.paused else "output resumed")
        else:
            self.say("unknown key after Ctrl-T (Ctrl-T H shows the keys)")


# -- the command -------------------------------------------------------------------------------

def add_arguments(s):
    """The `monitor` subcommand's options (cli.py registers the subcommand)."""
    s.add_argument("--port", required=True, help="serial device, pyserial URL, or auto (first USB serial)")
    s.add_argument("--baud", type=int, default=115200)
    s.add_argument("--tier", choices=("full", "en", "zh", "min", "codes"),
                   help="tier the board runs, for the version check when it does not say")
    s.add_argument("--no-decode", action="store_true", help="show the board's output as it is")
    s.add_argument("--filter", default="", metavar="'TAG:L ...'",
                   help="esp-idf-monitor's print filter: tag:level words, levels N E W I D V, tag * for "
                        "the rest; e.g. 'mqtt:W coap:W *:E'. Lines not in the line format show while * is above N")
    s.add_argument("--timestamps", nargs="?", const="plain", choices=("plain", "all"),
                   help="the host's receive time before each line; a line with the board's wall clock gets "
                        "it only with `--timestamps all`")
    s.add_argument("--timestamp-format", default="%Y-%m-%d %H:%M:%S", metavar="FORMAT",
                   help="strftime format of --timestamps (default %%Y-%%m-%%d %%H:%%M:%%S)")
    s.add_argument("--save-log", nargs="?", const="", metavar="FILE",
                   help="save the board's bytes as received; FILE defaults to onenetlog-PORT-YYYYMMDD-HHMMSS.log")
    s.add_argument("--open-port-attempts", type=int, metavar="N",
                   help="tries to open the port, 0.5 s apart, 0 = forever (default: 1 at start; "
                        "forever after the port went away)")
    # stdin is always the keyboard now; the old flag is still accepted.
    s.add_argument("--send-stdin", action="store_true", help=argparse.SUPPRESS)


def _error(text):
    print(f"onenetlog monitor: error: {text}", file=sys.stderr)
    return 1


def _stop_on_signals(stop):
    """SIGTERM and SIGHUP (and SIGINT unless the shell ignores it, as for a background job)
    end the session cleanly."""
    def handler(signum, frame):
        stop.set()

    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        signum = getattr(signal, name, None)
        if signum is None or (name == "SIGINT" and signal.getsignal(signum) is signal.SIG_IGN):
            continue
        try:
            signal.signal(signum, handler)
        except ValueError:  # not the main thread: the caller stops the session
            return


def main(args, annotator, style):
    """`onenetlog monitor`; returns the exit status."""
    attempts = args.open_port_attempts
    try:
        shown = PrintFilter(args.filter)
    except ValueError as err:
        return _error(f"--filter: {err}")
    if attempts is not None and attempts < 0:
        return _error("--open-port-attempts: give 0 (forever) or more")
    console = Console(annotator, sys.stdout.buffer, sys.stderr, tier=args.tier, shown=shown,
                      stamps=args.timestamps, stamp_format=args.timestamp_format)
    keys_fd = _stdin_fd()
    with contextlib.ExitStack() as stack:
        save = None
        if args.save_log is not None:
            path = args.save_log or log_name(args.port)
            try:
                save = stack.enter_context(open(path, "ab"))
            except OSError as err:
                return _error(f"--save-log {path}: {err.strerror or err}")
        mon = Monitor(args.port, args.baud, console, sys.stderr, attempts=1 if attempts is None else attempts,
                      reattempts=0 if attempts is None else attempts, save=save, keys_fd=keys_fd,
                      style=style)
        _stop_on_signals(mon.stop)
        if keys_fd is not None:
            stack.enter_context(RawKeyboard(keys_fd))
        stack.callback(mon.close)
        try:
            if not mon.connect():
                return 0
        except PortError as err:
            return _error(str(err))
        mon.say(f"onenetlog monitor on {mon.ser.port} at {args.baud} baud; Ctrl-] exits, Ctrl-T H shows the keys")
        if save is not None:
            mon.say(f"saving the board's output to {save.name}")
        if keys_fd is None:
            mon.say("no keyboard (stdin is not there, or the monitor is a background job): SIGTERM ends it")
        try:
            mon.run()
        except PortError as err:
            print(f"\nonenetlog monitor: error: {err}", file=sys.stderr)
            return 1
    return 0


def _stdin_fd():
    """stdin's descriptor to read keys from, or None: no stdin, or a terminal whose foreground
    is another process group (a background job: touching it would stop the monitor)."""
    try:
        fd = sys.stdin.fileno()
        os.fstat(fd)
    except (AttributeError, ValueError, OSError):
        return None
    if os.isatty(fd):
        try:
            if os.tcgetpgrp(fd) != os.getpgrp():
                return None
        except OSError:
            pass  # a terminal, but not this process's controlling one: no job control on it
    return fd
