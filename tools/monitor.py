"""Live serial console with annotation: `onenetlog monitor --port PORT`.

Bytes from the board are written through as they arrive (a prompt without a line end shows at
once); when a line ends, its annotation goes in before the `\\r\\n`. A trailing `\\r` is held
back until the next read, so an annotation never lands after a carriage return.

The board's table version, printed by the deploy self-check (`board: onenetlog VERSION
6463ff0e TIER full, ...`) and the board demo at start, is matched with VERSION_RE and compared
with the host's freshly generated table for that tier; a difference is one warning on stderr.
"""

import os
import re
import sys
import threading

from onenetlog_tools.annotate import ANSI, MAX_LINE

VERSION_RE = re.compile(rb"onenetlog (?:table )?version[= ]([0-9a-f]{8})\b(?:,? tier[= ]([a-z]+))?", re.I)


class PortError(Exception):
    """The port could not be opened or went away; the message is one line."""


def host_versions():
    """{tier: table version} of the host's table sources, for every tier."""
    from onenetlog_tools import build

    return {tier: build.table_version(tier) for tier in build.TIERS}


class Console:
    """Feeds board output to out with annotations; warns on err about the table version."""

    def __init__(self, annotator, out, err, tier=None, versions=host_versions):
        self.annotator = annotator
        self.out = out
        self.err = err
        self.tier = tier
        self._versions = versions
        self._partial = b""  # the current line's bytes already written
        self._long = False  # the current line outgrew MAX_LINE: no annotation
        self._held = b""
        self._seen = set()

    def feed(self, data):
        data = self._held + data
        self._held = b""
        pieces = []
        start = 0
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            ce = nl - 1 if nl > start and data[nl - 1] == 13 else nl
            seg = data[start:ce]
            if not self._long:
                line = self._partial + seg if self._partial else seg
                pieces += (seg, self.annotator.suffix(line), data[ce : nl + 1])
                self._check_version(line)
            else:
                pieces.append(data[start : nl + 1])
            self._partial = b""
            self._long = False
            start = nl + 1
        rest = data[start:]
        if rest.endswith(b"\r"):
            self._held = b"\r"
            rest = rest[:-1]
        pieces.append(rest)
        if not self._long:
            self._partial += rest
            if len(self._partial) > MAX_LINE:
                self._partial = b""
                self._long = True
        self.out.write(b"".join(pieces))
        self.out.flush()

    def finish(self):
        """Write what is held back (input ended)."""
        if self._held:
            self.out.write(self._held)
            self._held = b""
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


def open_port(port, baud):
    """An open pyserial port (timeout 0.05 s). `auto` is the first USB serial port."""
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
        return serial.serial_for_url(port, baudrate=baud, timeout=0.05)
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
    m = re.search(r"\[Errno \d+\] ([^:\]]+)", text)
    return m.group(1) if m and "could not open port" in text.lower() else text


def _forward(ser, fd, stop):
    # Lines read from fd go to the board, each ended by \r as a terminal sends Enter. os.read,
    # not sys.stdin: a daemon thread blocked inside a buffered reader aborts interpreter exit.
    pending = b""
    while not stop.is_set():
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        *lines, pending = (pending + data).split(b"\n")
        try:
            for line in lines:
                ser.write(line.rstrip(b"\r") + b"\r")
        except Exception:
            return


def run(ser, console, send=None):
    """Copy from ser to console until the port fails (PortError) or Ctrl-C (returns). send: a
    file descriptor whose lines go to the board."""
    import serial

    stop = threading.Event()
    if send is not None:
        threading.Thread(target=_forward, args=(ser, send, stop), daemon=True).start()
    try:
        while True:
            try:
                data = ser.read(ser.in_waiting or 1)
            except (serial.SerialException, OSError) as err:
                raise PortError(f"{ser.port}: the board went away ({_reason(err)})") from None
            if data:
                console.feed(data)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        console.finish()
        try:
            ser.close()
        except Exception:
            pass


def main(args, annotator, style):
    """`onenetlog monitor`; returns the exit status."""
    try:
        ser = open_port(args.port, args.baud)
    except PortError as err:
        print(f"onenetlog monitor: error: {err}", file=sys.stderr)
        return 1
    print(style.dim(f"--- onenetlog monitor on {ser.port} at {args.baud} baud; Ctrl-C quits ---"), file=sys.stderr)
    console = Console(annotator, sys.stdout.buffer, sys.stderr, tier=args.tier)
    try:
        run(ser, console, sys.stdin.fileno() if args.send_stdin else None)
    except PortError as err:
        print(f"\nonenetlog monitor: error: {err}", file=sys.stderr)
        return 1
    return 0
