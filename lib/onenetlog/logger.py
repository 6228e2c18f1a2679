"""onenetlog.logger: Logger, OneNET status codes as tagged lines on any stream.

    log = onenetlog.Logger()             # sys.stdout; Logger(uart), Logger([sys.stdout, f])
    log.status(1104, "connect failed")   # E (12345) mqtt#1104: token expired | token已过期 -- connect failed
    log.status(reply, type=topic)        # a OneJSON reply (bytes, str, dict) and its topic
    log.info("connected")                # I (12346) log: connected

Line format (docs/line-format.md; the host CLI parses it):

    <L> (<time>) <tag>[#<code>]:[ <body>]

L: D, I, W or E. time: time.ticks_ms() digits, or YYYY-MM-DD HH:MM:SS.mmm once the RTC is set
(time.localtime() year >= 2024; clock=True forces it, clock=False the ticks). tag:
[A-Za-z0-9_.-]+, the logger's name ("log" without one); status lines of a logger without a name
carry the code's service tag (mqtt, coap, thing, rule, http, api, general; else the name).
Status lines carry #<code>: the canonical decimal code (CoAP 4.04 -> 404), or ? when the input
is not a code; plain lines have no #. A status line's body: the decoder's text (message[ |
reason[ | step]] by verbosity 0/1/2; "unknown code" if unknown; nothing in the codes tier),
then " id=<msgid>", " trace=<traceid>", " type=<business type>" when known, then " -- <note>".
A plain line's body is its message. id/trace/type are printable ASCII without spaces (other
bytes become _); notes and messages are one line of valid UTF-8 (control characters become
spaces, bad bytes ?; ASCII only with ascii=True). color=True wraps the line in an ANSI colour.
A note too long for the line buffer is cut at a character.

Each line is assembled in buffers the constructor makes and goes to each sink in one call:
write(buf, off, n), else write(bytes), else write(str). status(code) of an int, bytes or
decimal str code allocates nothing (works under micropython.heap_lock()). A call never raises:
lines that cannot be made, and copies a sink refuses, are counted in Logger.dropped.
The status lines of the 8 int codes decoded last (without their time) are kept in `cache`
bytes, so a code logged again costs one copy, not a decode from table.bin.
"""

import onenetlog

try:
    from time import ticks_ms, ticks_diff
    from micropython import const
    from io import BytesIO
except ImportError:  # CPython
    from ._host import ticks_ms, ticks_diff, const, BytesIO

_P = const(40)  # where the tag starts in the line buffer; the prefix is written backwards from it
_CAP = const(600)  # line buffer
_ROOM = const(549)  # _CAP - _P - 11: the tail (colour reset, newline) always fits
_SYNC = const(10000)  # ms between RTC reads
_DAY = const(86400000)
# Logger._A, the logger's state: the code (int) whose bare status line the line buffer holds
# (else None), its level, and the line's length after _P.
_K = const(0)
_H = const(2)
_Z = const(3)
# Clock: 1 ticks, 2 wall, 0 wall once the RTC is set; wall now; ticks_ms() at the last RTC
# read; ms into the day then (the date is in the line buffer); the second whose time it holds.
_W = const(4)
_Y = const(5)
_T0 = const(6)
_M0 = const(7)
_SC = const(8)
# write() flags and language of the text; ASCII only; the tail's length (5 with colour, 1);
# service tags; the line buffer, a memoryview of it from _P, the BytesIO where a line is
# assembled.
_F = const(9)
_G = const(10)
_AS = const(11)
_C = const(12)
_S = const(13)
_L = const(14)
_V = const(15)
_B = const(16)
# The cache of bare status lines: codes (None: free); (place, length, level) of each; the
# BytesIO holding them; where the next one goes; the next entry to reuse; its size in bytes.
_CK = const(17)
_CM = const(18)
_CC = const(19)
_CP = const(20)
_CI = const(21)
_CS = const(1)
_N = const(8)  # entries
# The ticks_ms() whose digits the line buffer holds (-1: none), and where they start.
_TT = const(22)
_TS = const(23)
# Pieces of lines, as (offset, length): " -- " 0,4 " id=" 3,4 " trace=" 7,7 " type=" 14,6
# ESC[0m 20,4 newline 24,1 # 25,1 ": " 26,2; levels DIWE at 28, their colours at 32;
# at 36 and 40 the offsets and lengths of the separators of id, trace, type and note.
_TEXT = b" -- id= trace= type=\x1b[0m\n#: DIWE6231\x03\x07\x0e\x00\x04\x07\x06\x04"
del const


class Logger:
    def __init__(self, stream=None, name=None, level=10, lang="zh", verbosity=1, color=False, ascii=False,
                 clock=None, cache=512):
        self.level = level
        cache = max(0, int(cache))  # bytes; TypeError or ValueError if it is no number
        self.dropped = 0  # line copies a sink refused, and lines that could not be made
        import sys

        self.sinks = list(stream) if isinstance(stream, list) or isinstance(stream, tuple) else [stream or sys.stdout]
        n = bytearray(name if isinstance(name, bytes) else str(name or "log").encode())[:32]
        for i in range(len(n)):
            if not (48 <= n[i] <= 57 or 65 <= n[i] <= 90 or 97 <= n[i] <= 122 or 45 <= n[i] <= 46):
                n[i] = 95
        self.name = bytes(n) or b"log"
        n = bytearray(_CAP)
        self._A = [None, cache, 30, 0, 0 if clock is None else 2 if clock else 1, 0, ticks_ms() - _SYNC, 0, -1,  # pyright: ignore[reportOperatorIssue]
                   (1 << min(max(verbosity, 0), 2) + 3) - 4 | (32 if ascii else 0), "en" if ascii else lang,
                   ascii, 5 if color else 1, name is None, n, memoryview(n)[_P:], BytesIO(_CAP - _P), [None] * _N,
                   [0] * (3 * _N), BytesIO(cache), 0, 0, -1, 0]
        self.log(-2, None)  # read the RTC

    def debug(self, msg, code=None):
        """Log msg; with a code, a status line at this level whose note is msg."""
        self.log(10, msg, code)

    def info(self, msg, code=None):
        self.log(20, msg, code)

    def warning(self, msg, code=None):
        self.log(30, msg, code)

    def error(self, msg, code=None):
        self.log(40, msg, code)

    def status(self, code, note="", id=None, trace=None, type=None):
        """Log what a status travels in, at the level its code implies (20 success, 30 transient
        or unknown, 40 failure): a code (int, str, bytes; CoAP 0x84 or "4.04"), or a OneJSON reply
        or a record of the platform's trace-log API (dict, or its JSON as str or bytes). type: a
        business type, or the topic a reply came on."""
        if type is not None and (type.__class__ is not str or "/" in type) or (
                code.__class__ is not int and onenetlog._code(code) < 0):
            try:
                from .parse import parse

                code, note, id, trace, type = parse(code, note, id, trace, type)
            except Exception:
                pass
        self.log(-1, note, b"" if code is None else code, id, trace, type)

    def log(self, level, msg, code=None, id=None, trace=None, type=None):
        """Log msg at level: a plain line, or with a code a status line whose note is msg.
        level -1: the code's own; below -1: nothing. Never raises."""
        x = self._A
        l = x[_L]
        b = x[_B]
        t = ticks_ms()
        if x[_W] != 1 and (not 0 <= ticks_diff(t, x[_T0]) < _SYNC or x[_Y] and x[_M0] + ticks_diff(t, x[_T0]) >= _DAY):
            try:  # read the RTC (allocates: under heap_lock it fails and the old base stays)
                import time

                n = time.time_ns()
                s = time.localtime(n // 1000000000)
                x[_Y] = x[_W] == 2 or s[0] >= 2024
                x[_M0] = ((s[3] * 60 + s[4]) * 60 + s[5]) * 1000 + n // 1000000 % 1000
                x[_T0] = t
                x[_SC] = x[_TT] = -1
                n = s[0] * 10000 + s[1] * 100 + s[2]
                for i in range(_P - 16, _P - 26, -1):  # YYYY-MM-DD, backwards
                    if i == _P - 18 or i == _P - 21:
                        l[i] = 45
                    else:
                        l[i] = 48 + n % 10
                        n //= 10
            except Exception:
                pass
        try:
            if level < -1:
                return
            j = -1  # -2: the line buffer holds code's bare line; else its cache entry, or -1
            h = level
            if code.__class__ is int:
                if code == x[_K]:
                    j = -2
                    h = x[_H]
                elif code in x[_CK]:
                    j = 3 * x[_CK].index(code)  # where its place, length and level are
                    h = x[_CM][j + 2]
            if level >= 0:
                if level < self.level:
                    return
            elif self.level > 20 and (h if j != -1 else onenetlog.level(code)) < self.level:
                return
            z = x[_C]  # the tail: colour reset, newline
            u = msg or msg.__class__ is int or id is not None or trace is not None or type is not None
            if code is None:
                b.seek(0)
                b.write(self.name)
                b.write(_TEXT, 26, 1)  # :
                e = b.tell()
            elif j == -1:  # decode: "tag#code: text", tag and code ? if unknown
                b.seek(0)
                if not x[_S]:
                    b.write(self.name)
                    b.write(_TEXT, 25, 1)  # #
                h = onenetlog.write(b, code, x[_G], x[_F] | (387 if x[_S] else 258))  # returns the level
                e = b.tell()  # every text fits: tests/test_logger_device.py
                b.write(_TEXT, 25 - z, z)
                n = b.tell()
                b.seek(0)
                b.readinto(x[_V], n)
                if l[_P] == 63 and l[_P + 1] == 35:  # no service: the logger's name
                    b.seek(0)
                    b.write(self.name)
                    b.write(l, _P + 1, n - 1)
                    e += b.tell() - n
                    n = b.tell()
                    b.seek(0)
                    b.readinto(x[_V], n)
                x[_K] = code if code.__class__ is int else None
                x[_Z] = n
                x[_H] = h
            else:
                if j >= 0:  # a cached line: one copy
                    k = x[_CM]
                    c = x[_CC]
                    c.seek(k[j])
                    x[_Z] = k[j + 1]
                    c.readinto(x[_V], x[_Z])
                    x[_K] = code
                    x[_H] = h
                e = x[_Z] - z
                if u:  # the segment, from the line buffer
                    b.seek(0)
                    b.write(l, _P, e)
            if level < 0:
                level = h
            n = x[_Z]
            if u or code is None:
                x[_K] = None  # the line buffer will not hold a bare line
                x[_Z] = 0
                b.seek(e)
                for q in range(4):  # id, trace, type, msg
                    v = id if q == 0 else trace if q == 1 else type if q == 2 else msg
                    if (v is not None) if q < 3 else (v or v.__class__ is int):
                        if b.tell() + 7 >= _ROOM:
                            continue
                        if code is None:
                            b.write(_TEXT, 27, 1)
                        else:
                            b.write(_TEXT, _TEXT[36 + q], _TEXT[40 + q])
                        i = b.tell()
                        if not isinstance(v, str):
                            try:
                                if v.__class__ is int:
                                    v = str(v)
                                else:
                                    from .parse import text

                                    v = text(v)
                            except Exception:
                                v = "?"
                        n = b.write(v, 0, _ROOM + 1 - i) + i
                        b.seek(0)
                        b.readinto(x[_V], n)
                        c = n > _ROOM
                        if c:  # cut before the character that crosses _ROOM
                            n = _ROOM
                            while n > i and l[_P + n] >> 6 == 2:
                                n -= 1
                        w = 33 if q < 3 else 32  # ids: no space
                        for k in range(_P + i, _P + n):
                            if not w <= l[k] < 127:
                                v = l[k]
                                if v < 128 or q < 3 or x[_AS]:
                                    l[k] = 95 if q < 3 else 32 if v < 128 else 63
                                    c = 1
                        if c:
                            b.seek(i)
                            b.write(l, _P + i, n - i)
                b.write(_TEXT, 25 - z, z)
                n = b.tell()
                b.seek(0)
                b.readinto(x[_V], n)
            if j == -1 and code.__class__ is int:  # keep "tag#code: text" and the tail
                k = x[_CM]
                c = x[_CC]
                i = x[_CP]
                m = e + z
                if m <= x[_CS]:
                    if i + m > x[_CS]:  # full: start again, empty
                        i = 0
                        for j in range(_N):
                            x[_CK][j] = None
                    j = x[_CI]
                    x[_CI] = (j + 1) % _N
                    x[_CK][j] = code
                    j *= 3
                    k[j] = i
                    k[j + 1] = m
                    k[j + 2] = h
                    x[_CP] = i + m
                    c.seek(i)
                    c.write(l, _P, e)
                    c.write(_TEXT, 25 - z, z)
            s = _P - 2
            l[s] = 41  # ") "
            l[s + 1] = 32
            if x[_Y]:
                m = (x[_M0] + ticks_diff(t, x[_T0])) % _DAY
                k = m // 1000
                if k != x[_SC]:
                    x[_SC] = k
                    i = s - 6  # HH:MM:SS.
                    while i > s - 14:
                        v = k if i < s - 10 else k % 60
                        l[i] = 48 + v // 10
                        l[i + 1] = 48 + v % 10
                        l[i + 2] = 46 if i == s - 6 else 58
                        k //= 60
                        i -= 3
                    l[s - 13] = 32
                i = s - 3
                while s > i:  # mmm
                    s -= 1
                    l[s] = 48 + m % 10
                    m //= 10
                s -= 20
            elif t == x[_TT]:  # the line buffer holds this ms's digits
                s = x[_TS]
            else:
                x[_TT] = t
                while True:
                    s -= 1
                    l[s] = 48 + t % 10  # pyright: ignore[reportOperatorIssue]
                    t //= 10  # pyright: ignore[reportOperatorIssue]
                    if not t:
                        break
                x[_TS] = s
            k = (level >= 20) + (level >= 30) + (level >= 40)
            l[s - 1] = 40  # (
            l[s - 2] = 32
            s -= 3
            l[s] = _TEXT[28 + k]
            if z > 1:
                s -= 5
                l[s] = 27  # ESC [ 3 x m
                l[s + 1] = 91
                l[s + 2] = 51
                l[s + 3] = _TEXT[32 + k]
                l[s + 4] = 109
        except Exception:
            x[_K] = None
            x[_Z] = 0
            self.dropped += 1
            return
        n += _P - s
        for t in self.sinks:
            try:
                try:
                    t.write(l, s, n)  # pyright: ignore[reportCallIssue]
                except TypeError:  # a stream of Python's own: bytes, or else str
                    v = bytes(l[s : s + n])
                    try:
                        t.write(v)
                    except TypeError:
                        t.write(str(v, "utf-8"))
            except Exception:
                self.dropped += 1
