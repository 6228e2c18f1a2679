# onenetlog: the decoder. OneNET status code -> line (service, code, message, reason, step), level.
# Allocation-free core: codes in RAM (table.INDEX), records and text read on demand from table.bin.
import sys
from .table import INDEX as _I, DATA as _D, VERSION

try:
    from micropython import const
except ImportError:  # CPython
    const = int

_MPY = sys.implementation.name == "micropython"

# write() flags; logger.py uses the same values.
_SERVICE = const(1)
_CODE = const(2)
_ASCII = const(32)  # only ASCII text: English, or leave the field out
_NEWLINE = const(64)
_TAG = const(128)  # the service's short tag instead of its name
_JOIN = const(256)  # "tag#code: text", the Logger's form

# INDEX header positions (see table.py).
_H_SW = const(1)
_H_SZH = const(8)
_H_TAG = const(10)
_H_SVC = const(22)  # where INDEX holds the service records (the ranges end there)
_H_CODES = const(23)  # where INDEX holds the codes
_H_SIZE = const(24)
_NONE = const(0xFFFF)
_ABSENT = const(255)
# Pieces of every line, written as (offset, length) slices of one constant; at 35 the offsets
# and lengths of the separator before a text by sep (0 none, 1 " ", 2 " | ", 3 ": "), at 43 of
# "unknown code" with its separator.
_TEXT = b" | ?#: unknown code (no table.bin)\n\0\0\0\5\0\1\3\2\7\6\6\5"

del sys, const  # const() is done at compile time; fewer globals keep the module's dict small
# _I: table.INDEX, in RAM. _D: table.DATA when inline (frozen builds); else None, read from _f.
_REC = bytearray(_I[0])  # a code record
_BUF = bytearray(32)  # a piece of text or a number on its way to a stream
_A = _D  # where _find() put the record it found
_N = -1  # the code _find() was given, canonical
_f = None
if _D is None:
    # Text mode on MicroPython: seek(byte offset) then read(chars) makes exactly one str.
    try:
        _f = open(__file__[: max(__file__.rfind("/"), __file__.rfind("\\")) + 1] + "table.bin", "r" if _MPY else "rb")
        if _f.read(8) not in (VERSION, VERSION.encode()):
            _f.close()
            _f = None
    except Exception:
        _f = None


def _find(code):
    # Any input -> start of its record in _A (DATA itself when inline, else _REC), or -1;
    # the canonical code goes to _N (-1: not a code). Codes: int; decimal or dotted CoAP "4.04"
    # as str or bytes (blanks around it are fine); one raw CoAP byte, as bytes (a str is text).
    # CoAP bytes 0x40-0x5f and 0x80-0xbf become c*100+dd. int, bytes and decimal str allocate
    # nothing.
    global _A, _N
    _N = n = -1
    try:
        if isinstance(code, str):
            code = (int(code) if len(code) < 10 and code.isdigit() and (_MPY or code.isascii())
                    else (" " + code).encode())
        if isinstance(code, int) and not isinstance(code, bool):
            n = code
        elif isinstance(code, bytes) or isinstance(code, bytearray):
            if len(code) == 1 and code[0] > 57:
                n = code[0]
            else:
                n = d = 0  # value, digits; d < 0 after the dot of c.dd
                for c in code:
                    if 48 <= c <= 57 and -3 < d < 9:
                        n = n * 10 + c - 48
                        d += 1 if d >= 0 else -1
                    elif c == 46 and d == 1:
                        d = -1
                    elif c > 32:
                        return -1
                if d == 0 or d == -1 or d == -2:
                    return -1
    except Exception:
        return -1
    if 64 <= n < 96 or 128 <= n < 192:
        n = (n >> 5) * 100 + (n & 31)
    if n < 0 or n > 999999999:
        return -1
    _N = n
    if _D is None and n == _REC[0] | (_REC[1] << 8) and n:  # the record read last time
        _A = _REC
        return 0
    # Binary search of the codes in INDEX (none when DATA is unreadable).
    at = _I[_H_CODES]
    lo = 0
    m = (len(_I) - at) // 2 - 1 if _D is not None or _f is not None else -1
    while lo <= m:
        i = (lo + m) >> 1
        v = _I[at + 2 * i] | (_I[at + 2 * i + 1] << 8)
        if v == n:  # its record, from DATA or table.bin
            n = _I[0]
            i = i * n + (_I[15] | (_I[16] << 8))
            if _D is not None:
                _A = _D
                return i
            _A = _REC
            _f.seek(i)
            _f.readinto(_REC, n)
            return 0
        if v < n:
            lo = i + 1
        else:
            m = i - 1
    return -1


def _ref(data, off, key, val, mode):
    # Text reference of the zh field INDEX[key] of the record at data[off], or of its en twin
    # INDEX[key + val]. mode 0: zh, else the en one; the other if the tier lacks it, but never
    # with mode 2 (ASCII only). -> its position in data, or -1.
    k = key + val if mode else key
    n = 2 if mode != 2 and val else 1  # fields to try
    while n:
        v = _I[k]
        if v != _ABSENT and data[off + v] | (data[off + v + 1] << 8) != _NONE:
            return off + v
        n -= 1
        k = 2 * key + val - k  # the twin
    return -1


def _put(stream, data, pos):
    # Write the text referenced at data[pos] to stream without allocating.
    off = data[pos] | (data[pos + 1] << 8)
    n = data[pos + 2]
    if _D is not None:
        stream.write(_D, off, n)
        return
    if _f is None:  # table.bin is missing
        stream.write(_TEXT, 3, 1)
        return
    while n > 0:
        k = n if n < 32 else 32
        _f.seek(off)
        _f.readinto(_BUF, k)
        stream.write(_BUF, 0, k)
        off += k
        n -= k


def write(stream, code, lang="zh", flags=95):
    """Write code's line to stream: the parts chosen by flags (default: all, then a newline),
    allocating nothing on MicroPython, where the stream needs write(buf, off, n) (sys.stdout,
    UART, files). flags: 1 service, 2 code, 4 message, 8 reason, 16 step, 32 ASCII only,
    64 newline, 128 service tag instead of name, 256 "tag#code: text" (the Logger's form).
    Returns the code's level (see level()), or 0 if the stream failed; never raises."""
    try:
        s = stream
        p = _find(code)
        a = _A
        c = _N
        mode = 2 if flags & _ASCII else lang == "en"
        sep = 0
        if flags & _SERVICE:
            k = -1
            if p >= 0:
                k = a[p + 2]
            elif c >= 0:
                for q in range(_H_SIZE, _I[_H_SVC], 5):
                    if _I[q] | (_I[q + 1] << 8) <= c <= _I[q + 2] | (_I[q + 3] << 8):
                        k = _I[q + 4]
            if k < 0:
                s.write(_TEXT, 3, 1)  # ?
            else:
                k = _I[_H_SVC] + k * _I[_H_SW]
                q = -1 if flags & _TAG else _ref(_I, k, _H_SZH, 1, mode)
                _put(s, _I, q if q >= 0 else k + _I[_H_TAG])
            sep = 1
        if flags & _CODE:
            if sep:
                s.write(_TEXT, 4 if flags & _JOIN else 0, 1)
            if c < 0:
                s.write(_TEXT, 3, 1)
            else:  # digits, backwards into _BUF
                k = 16
                while True:
                    k -= 1
                    _BUF[k] = 48 + c % 10
                    c //= 10
                    if c == 0:
                        break
                s.write(_BUF, k, 16 - k)
                c = _N
            sep = 3 if flags & _JOIN else 1
        if p < 0:
            if flags & 31:  # any part asked for
                k = _TEXT[43 + sep]
                s.write(_TEXT, k, 19 - k)  # [sep]unknown code
                if _D is None and _f is None:
                    s.write(_TEXT, 19, 15)
        else:
            for k in range(3, 6):  # message 4, reason 8, step 16: INDEX[3..5], en twins at +2
                q = _ref(a, p, k, 0 if k == 3 else 2, mode) if flags & (1 << (k - 1)) else -1
                if q >= 0:
                    if sep:
                        s.write(_TEXT, _TEXT[35 + sep], _TEXT[39 + sep])
                    _put(s, a, q)
                    sep = 2
            if sep == 3:  # joined, no text: "tag#code:"
                s.write(_TEXT, 5, 1)
        if flags & _NEWLINE:
            s.write(_TEXT, 34, 1)
        return a[p + 3] if p >= 0 else 20 if 200 <= c <= 231 else 30  # CoAP 2.xx: success
    except Exception:
        return 0


def level(code):
    """20 (INFO) for success, 30 (WARNING) for transient or unknown, 40 (ERROR) for a failure to fix."""
    return write(None, code, "", 0)


def is_ok(code):
    """True for success: 200, and CoAP 2.xx (2.01 Created, 2.05 Content, ...)."""
    return level(code) == 20


def __getattr__(name):
    # The rest of the API loads on first use: str answers (text), the whole table and the
    # level names (catalog), the table's tier, and the Logger.
    m = "logger" if name == "Logger" else "table" if name == "TIER" else (
        "text" if name in "describe message reason hint service" else "catalog")
    v = getattr(__import__(__name__ + "." + m, None, None, (name,)), name)
    globals()[name] = v
    return v


if not _MPY:  # CPython streams take str or bytes: gather the line first
    from ._host import wrap, Table

    write = wrap(write)
    if _f:
        _f = Table(_f)
