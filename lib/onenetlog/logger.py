"""onenetlog.logger: Logger, OneNET status codes as tagged lines on any stream.

Line format (docs/line-format.md; the host CLI parses it):

    <L> (<time>) <tag>[#<code>]:[ <body>]

L: D, I, W or E. time: time.ticks_ms() digits, or YYYY-MM-DD HH:MM:SS.mmm when the RTC is set
(time.localtime() year >= 2024; clock="ticks" or "wall" forces one). tag: [A-Za-z0-9_.-]+, the
logger's name, or for status lines the code's service tag (mqtt, coap, thing, rule, http, api,
general) when the logger has no name or svc=True. Status lines carry #<code>: the canonical
decimal code (CoAP 4.04 -> 404), or ? when the input is not a code; plain lines have no #.
A status line's body: the decoder's text (message[ | reason[ | step]] by verbosity; "unknown
code" if unknown; nothing in the codes tier), then " id=<msgid>", " trace=<traceid>",
" type=<business type>" when known, then " -- <note>". Values of id/trace/type keep only
[A-Za-z0-9_.:-] (others become _); notes and messages are one line of valid UTF-8 (control
characters become spaces, invalid bytes ?; ASCII only with ascii=True). color=True wraps the
whole line in an ANSI colour. Lines longer than the buffer are cut, never split.

    E (12345) mqtt#1104: token expired | Token has expired id=123 -- connect failed
    I (12346) app: connected
"""

import sys
from . import write as _emit, put_int as _int, level as _level, _find
import onenetlog as _o

try:
    from time import ticks_ms, ticks_diff
    from micropython import const
    from io import BytesIO as _B
except ImportError:  # CPython
    from ._hostlog import ticks_ms, ticks_diff, const, B as _B
import time as _time

_P = const(40)  # where the tag starts in the line buffer; the prefix is written backwards from it
_CAP = const(600)  # line buffer
_ROOM = const(549)  # _CAP - _P - 11: the tail (colour reset, newline) always fits
_SYNC = const(10000)  # ms between RTC reads
_DAY = const(86400000)


def _days(y, m, d):
    # Days since 1970-01-01 of a civil date (proleptic Gregorian).
    y -= m <= 2
    e = y // 400
    y -= e * 400
    return e * 146097 + y * 365 + y // 4 - y // 100 + (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 719469


def _2(l, i, v):
    # Two digits of v at l[i].
    l[i] = 48 + v // 10 % 10
    l[i + 1] = 48 + v % 10


class Logger:
    def __init__(self, stream=None, name=None, level=10, lang="zh", verbosity=1, color=False, ascii=False,
                 clock=None, svc=False):
        self.level = level
        self.dropped = 0  # lines, or line copies to a sink, that could not be written
        self._s = []
        self._m = []
        for s in stream if isinstance(stream, list) or isinstance(stream, tuple) else (stream or sys.stdout,):
            self.add(s)
        n = name if isinstance(name, bytes) else str(name or "log").encode()
        self.name = bytes(c if 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c in b"_.-" else 95
                          for c in n[:32]) or b"log"
        self._svc = name is None or svc
        self._g = "en" if ascii else lang
        self._f = (4, 12, 28)[min(max(verbosity, 0), 2)] | (32 if ascii else 0)  # write() flags
        self._a = ascii
        self._c = color
        self._l = bytearray(_CAP)
        self._v = memoryview(self._l)[_P:]
        self._b = _B(_CAP - _P)
        # Status segment "tag#code:[ text]" cached in _b: its code (int), length, level; _z: the
        # length of the line in _l after _P when _l already holds that bare status line.
        self._k = None
        self._e = 0
        self._h = 30
        self._z = 0
        # Clock: _w 1 ticks, 2 wall, 0 wall once the RTC is set; _y wall now; base: ticks _t0,
        # day _d0, ms into it _m0; _sc the second whose date and time _l holds.
        self._w = (None, "ticks", "wall").index(clock) if clock in ("ticks", "wall") else 0
        self._y = self._w == 2
        self._t0 = ticks_ms()
        self._d0 = 0
        self._m0 = 0
        self._sc = -1
        if self._w != 1:
            self._sync(self._t0)

    def add(self, sink):
        """Add a sink: any object with write (sys.stdout, machine.UART, a file, a FlashLog)."""
        self._s.append(sink)
        self._m.append(0)

    def log(self, level, msg, code=None):
        """Log msg at level; with a code, a status line whose note is msg."""
        if level >= self.level:
            self._out(level, code, msg, None, None, None, code is None)

    def debug(self, msg, code=None):
        self.log(10, msg, code)

    def info(self, msg, code=None):
        self.log(20, msg, code)

    def warning(self, msg, code=None):
        self.log(30, msg, code)

    def error(self, msg, code=None):
        self.log(40, msg, code)

    def status(self, code, note="", id=None, trace=None, type=None):
        """Log code at the level it implies (20 success, 30 transient or unknown, 40 failure)."""
        if self.level > 20:
            try:
                if (self._h if code == self._k and code.__class__ is int else _level(code)) < self.level:
                    return
            except Exception:
                pass
        self._out(-1, code, note, id, trace, type, 0)

    def reply(self, topic, payload, note=""):
        """A OneJSON reply (bytes, str or dict) received on topic: its code, id and business type."""
        c = i = t = None
        try:
            from .payload import reply

            c, i, t = reply(topic, payload)
        except Exception:
            pass
        self.status(c, note, i, None, t)

    def record(self, rec, note=""):
        """A device-log record from the platform's trace-log API (dict, or its JSON)."""
        c = i = t = None
        try:
            from .payload import record

            c, i, t, note = record(rec, note)
        except Exception:
            pass
        self.status(c, note, None, i, t)

    def _sync(self, t):
        # Read the RTC (allocates: under heap_lock it fails and the old base stays).
        try:
            n = _time.time_ns()
            s = _time.localtime(n // 1000000000)
            self._y = self._w == 2 or (self._w == 0 and s[0] >= 2024)
            self._d0 = _days(s[0], s[1], s[2])
            self._m0 = ((s[3] * 60 + s[4]) * 60 + s[5]) * 1000 + n // 1000000 % 1000
            self._t0 = t
            self._sc = -1
        except Exception:
            pass

    def _seg(self, code):
        # Render "tag#code:[ text]" for code into _b.
        b = self._b
        self._k = None
        self._z = 0
        b.seek(0)
        if self._svc:
            _emit(b, code, "en", 129)  # the service's tag, then maybe " unknown code"
            n = b.tell()
            b.seek(0)
            b.readinto(self._v, n)
            l = self._l
            i = 0
            while i < n and l[_P + i] != 32:
                i += 1
            b.seek(i)
            if i < 2 and l[_P] == 63 or not i:  # ?: no service
                b.seek(0)
                b.write(self.name)
        else:
            b.write(self.name)
        b.write(b"#")
        _find(code)
        if _o._N < 0:
            b.write(b"?")
        else:
            _int(b, _o._N)
        b.write(b": ")
        n = b.tell()
        _emit(b, code, self._g, self._f)
        i = b.tell()
        if i == n:  # no text (codes tier): drop the space
            b.seek(n - 1)
        elif i > _ROOM:  # longer than any text in the table: cut before a character
            b.seek(0)
            b.readinto(self._v, _ROOM)
            i = _ROOM
            while self._l[_P + i] >> 6 == 2:
                i -= 1
            b.seek(i)
        self._e = b.tell()
        self._h = _level(code)
        if code.__class__ is int:
            self._k = code

    def _put(self, sep, v, token):
        # Write sep and v (str, bytes, int or anything printable) into _b, v clipped to the room
        # left (nothing if there is none); token: keep [A-Za-z0-9_.:-], else make it one line of
        # valid UTF-8 (ASCII if asked).
        b = self._b
        if b.tell() + len(sep) >= _ROOM:
            return
        b.write(sep)
        x = b.tell()
        if v.__class__ is int and 0 <= v < 1000000000:
            _int(b, v)
            return
        if not (isinstance(v, str) or isinstance(v, bytes) or isinstance(v, bytearray)):
            try:
                v = str(v)
            except Exception:
                v = "?"
        b.write(v, 0, _ROOM - x)
        y = b.tell()
        b.seek(0)
        b.readinto(self._v, y)
        l = self._l
        i = _P + x
        y += _P
        ch = 0
        while i < y:
            c = l[i]
            if token:
                if not (48 <= c <= 58 or 65 <= c <= 90 or 97 <= c <= 122 or c == 95 or c == 45 or c == 46):
                    l[i] = 95
                    ch = 1
            elif c < 32 or c == 127:
                l[i] = 32
                ch = 1
            elif c > 127:
                k = 0 if self._a else 1 if 0xC2 <= c <= 0xDF else 2 if 0xE0 <= c <= 0xEF else 3 if 0xF0 <= c <= 0xF4 else 0
                j = 1
                while j <= k:
                    # continuation bytes; the second one's range excludes overlongs and surrogates
                    d = l[i + j] if i + j < y else 0
                    if d >> 6 != 2 or j == 1 and (c == 0xE0 and d < 0xA0 or c == 0xED and d > 0x9F or
                                                  c == 0xF0 and d < 0x90 or c == 0xF4 and d > 0x8F):
                        k = 0
                    j += 1
                if k:
                    i += k
                else:
                    l[i] = 63
                    ch = 1
            i += 1
        if ch:
            b.seek(x)
            b.write(l, _P + x, y - _P - x)

    def _out(self, lvl, code, note, id, trace, type, plain):
        # Build one line in _l (tail forwards from _P, prefix backwards), then one write per sink.
        try:
            b = self._b
            if plain:
                self._k = None
                self._z = 0
                b.seek(0)
                b.write(self.name)
                b.write(b":")
                e = b.tell()
            else:
                if code != self._k or code.__class__ is not int:
                    self._seg(code)
                if lvl < 0:
                    lvl = self._h
                e = self._e
            n = self._z
            if not n or id is not None or trace is not None or type is not None or note or plain:
                b.seek(e)
                if id is not None:
                    self._put(b" id=", id, 1)
                if trace is not None:
                    self._put(b" trace=", trace, 1)
                if type is not None:
                    self._put(b" type=", type, 1)
                if note or note.__class__ is int:
                    self._put(b" " if plain else b" -- ", note, 0)
                if self._c:
                    b.write(b"\x1b[0m")
                b.write(b"\n")
                n = b.tell()
                b.seek(0)
                b.readinto(self._v, n)
                self._z = n if not plain and n == e + (5 if self._c else 1) else 0
            l = self._l
            t = ticks_ms()
            s = _P - 2
            l[s] = 41  # ") "
            l[s + 1] = 32
            if self._w != 1 and not 0 <= ticks_diff(t, self._t0) < _SYNC:
                self._sync(t)
            if self._y:
                m = self._m0 + ticks_diff(t, self._t0)
                d = self._d0 + m // _DAY
                m %= _DAY
                k = m // 1000
                if k | (d & 4095) << 17 != self._sc:
                    self._sc = k | (d & 4095) << 17
                    # civil date of day d (Hinnant's algorithm), then "YYYY-MM-DD HH:MM:SS."
                    d += 719468
                    c = d // 146097
                    d -= c * 146097
                    y = (d - d // 1460 + d // 36524 - d // 146096) // 365
                    d -= 365 * y + y // 4 - y // 100
                    j = (5 * d + 2) // 153
                    d -= (153 * j + 2) // 5 - 1
                    j = j + 3 if j < 10 else j - 9
                    y += c * 400 + (j <= 2)
                    i = s - 23  # YYYY-MM-DD HH:MM:SS.
                    _2(l, i, y // 100)
                    _2(l, i + 2, y)
                    _2(l, i + 5, j)
                    _2(l, i + 8, d)
                    _2(l, i + 11, k // 3600)
                    _2(l, i + 14, k // 60 % 60)
                    _2(l, i + 17, k % 60)
                    l[i + 4] = l[i + 7] = 45
                    l[i + 10] = 32
                    l[i + 13] = l[i + 16] = 58
                    l[i + 19] = 46
                s -= 1
                l[s] = 48 + m % 10
                s -= 1
                l[s] = 48 + m // 10 % 10
                s -= 1
                l[s] = 48 + m // 100 % 10
                s -= 20
            else:
                while True:
                    s -= 1
                    l[s] = 48 + t % 10
                    t //= 10
                    if not t:
                        break
            k = 3 if lvl >= 40 else 2 if lvl >= 30 else 1 if lvl >= 20 else 0
            l[s - 1] = 40  # (
            l[s - 2] = 32
            s -= 3
            l[s] = b"DIWE"[k]
            if self._c:
                s -= 5
                l[s] = 27  # ESC [ 3 x m
                l[s + 1] = 91
                l[s + 2] = 51
                l[s + 3] = b"6231"[k]
                l[s + 4] = 109
        except Exception:
            self._k = None
            self._z = 0
            self.dropped += 1
            return
        n += _P - s
        for j in range(len(self._s)):
            v = self._m[j]
            k = v or 1
            while True:
                try:
                    t = self._s[j]
                    if k == 1:
                        t.write(l, s, n)
                    elif k == 2:
                        t.write(bytes(l[s : s + n]))
                    else:
                        t.write(str(l[s : s + n], "utf-8"))
                    if not v:
                        self._m[j] = k
                    break
                except TypeError:
                    if v or k == 3:
                        self.dropped += 1
                        break
                    k += 1
                except Exception:
                    self.dropped += 1
                    break
