# onenetlog.decoder: status code -> line (service, code, message, reason, step) and level.
# The allocation-free core: codes in RAM, records and text read on demand from table.bin.
from sys import implementation
from . import table as _t

try:
    from micropython import const
except ImportError:  # CPython
    const = int

_MPY = implementation.name == "micropython"

# emit() flags; logger.py uses the same values.
_SERVICE = const(1)
_CODE = const(2)
_MESSAGE = const(4)
_REASON = const(8)
_HINT = const(16)
_ASCII = const(32)  # only ASCII text: English, or leave the field out
_NEWLINE = const(64)
_TAG = const(128)  # the service's short tag instead of its name
_LINE = const(31)

# table.HEADER positions.
_H_W = const(0)
_H_SW = const(1)
_H_MSG = const(3)
_H_RZH = const(4)
_H_HZH = const(5)
_H_SZH = const(8)
_H_TAG = const(10)
_H_AT = const(15)  # u16 offsets of code, service records
_NONE = const(0xFFFF)
_ABSENT = const(255)

_H = _t.HEADER
_C = _t.CODES
_D = _t.DATA  # inline (frozen builds), else None and read from _f
_REC = bytearray(max(_H[0], _H[1], _H[2]))  # a code or business-type record
_SREC = bytearray(_H[_H_SW])  # a service record
_BUF = bytearray(64)  # a piece of text or a number on its way to a stream
_A = _D  # where _load() put the record it loaded
_f = None
if _D is None:
    # Text mode on MicroPython: seek(byte offset) then read(chars) makes exactly one str.
    try:
        _f = _t.__file__
        _f = open(_f[: max(_f.rfind("/"), _f.rfind("\\")) + 1] + "table.bin", "r" if _MPY else "rb")
        if _f.read(8) not in (_t.VERSION, _t.VERSION.encode()):
            _f.close()
            _f = None
    except Exception:
        _f = None
    if _f is None:
        _C = b""  # no record can be read: every code reads as unknown, and says why


def _code(x):
    # Any input -> canonical code, or -1: int; decimal, 0x hex or dotted CoAP "4.04" as str or
    # bytes; one raw CoAP byte. CoAP bytes 0x40-0x5f, 0x80-0xbf become c*100+dd.
    # int, bytes and decimal str allocate nothing; other str forms are encoded first.
    try:
        if isinstance(x, int):
            n = x
        elif isinstance(x, str) and len(x) < 10 and x.isdigit() and (_MPY or x.isascii()):
            n = int(x)
        else:
            if isinstance(x, str):
                x = x.encode()
            elif not (isinstance(x, bytes) or isinstance(x, bytearray)):
                return -1
            elif len(x) == 1 and not 48 <= x[0] <= 57:
                return _code(x[0])
            i = 0
            n = len(x)
            while i < n and x[i] <= 32:
                i += 1
            while n > i and x[n - 1] <= 32:
                n -= 1
            if n - i == 4 and x[i + 1] == 46:  # c.dd
                c, d, e = x[i] - 48, x[i + 2] - 48, x[i + 3] - 48
                return c * 100 + d * 10 + e if 0 <= c <= 9 and 0 <= d <= 9 and 0 <= e <= 9 else -1
            base = 10
            if n - i > 2 and x[i] == 48 and x[i + 1] | 32 == 120:  # 0x
                i += 2
                base = 16
            if not 0 < n - i < 10:
                return -1
            v = 0
            while i < n:
                d = x[i] | 32
                d = d - 48 if d <= 57 else d - 87
                if not 0 <= d < base:
                    return -1
                v = v * base + d
                i += 1
            n = v
        if n < 0 or n > 999999999:
            return -1
        if 64 <= n < 96 or 128 <= n < 192:
            return (n >> 5) * 100 + (n & 31)
        return n
    except Exception:
        return -1


def _find(c):
    # Binary search of CODES -> record number, or -1.
    lo = 0
    hi = len(_C) // 2 - 1
    while lo <= hi and c >= 0:
        m = (lo + hi) >> 1
        v = _C[2 * m] | (_C[2 * m + 1] << 8)
        if v == c:
            return m
        if v < c:
            lo = m + 1
        else:
            hi = m - 1
    return -1


def _into(off, buf, n):
    # n bytes of table.bin from off into buf.
    _f.seek(off)
    if _MPY:
        _f.readinto(buf, n)
    else:
        buf[:n] = _f.read(n)


def _load(i, at, buf):
    # Record i of the section whose u16 offset is at HEADER[at] -> its start in _A (the data
    # itself when inline, else buf read from table.bin).
    global _A
    w = _H[_H_W + (at - _H_AT) // 2]
    off = _H[at] | (_H[at + 1] << 8)
    if _D is not None:
        _A = _D
        return off + i * w
    _A = buf
    _into(off + i * w, buf, w)
    return 0


def _ref(a, base, h, d, en, asc):
    # Text reference for the zh field HEADER[h] of the record at a[base], or its en twin
    # HEADER[h + d]: the language asked for, else the one the tier has; asc: only en. -1 if none.
    k = h + d if en or asc else h
    while True:
        o = _H[k]
        if o != _ABSENT and a[base + o] | (a[base + o + 1] << 8) != _NONE:
            return base + o
        if asc or k != h or d == 0:
            return -1
        k = h + d


def _put(s, a, q):
    # Write the text referenced at a[q] to s without allocating.
    off = a[q] | (a[q + 1] << 8)
    n = a[q + 2]
    if _D is not None:
        s.write(_D, off, n)
        return
    while n > 0:
        k = n if n < 64 else 64
        _into(off, _BUF, k)
        s.write(_BUF, 0, k)
        off += k
        n -= k


def put_int(s, v):
    """Write the digits of int v >= 0 to s without allocating."""
    i = 16
    while True:
        i -= 1
        _BUF[i] = 48 + v % 10
        v //= 10
        if v == 0:
            break
    s.write(_BUF, i, 16 - i)


def emit(s, code, lang="zh", flags=_LINE):
    """Write the parts of code's line chosen by flags to s.write(buf, off, n); allocation-free.
    flags: 1 service, 2 code, 4 message, 8 reason, 16 step, 32 ASCII only, 64 newline, 128 tag."""
    c = _code(code)
    i = _find(c)
    en = lang == "en"
    asc = flags & _ASCII
    sep = 0
    if i >= 0:
        p = _load(i, _H_AT, _REC)
        a = _A
    if flags & _SERVICE:
        k = -1
        if i >= 0:
            k = a[p + 2]
        elif c >= 0:
            r = _t.RANGES
            for q in range(0, len(r), 5):
                if r[q] | (r[q + 1] << 8) <= c <= r[q + 2] | (r[q + 3] << 8):
                    k = r[q + 4]
        if k < 0:
            s.write(b"?")
        else:
            k = _load(k, _H_AT + 2, _SREC)
            q = -1 if flags & _TAG else _ref(_A, k, _H_SZH, 1, en, asc)
            _put(s, _A, q if q >= 0 else k + _H[_H_TAG])
        sep = 1
    if flags & _CODE:
        if sep:
            s.write(b" ")
        if c < 0:
            s.write(b"?")
        else:
            put_int(s, c)
        sep = 1
    if i < 0:
        s.write(b" unknown code" if sep else b"unknown code")
        if not _C:
            s.write(b" (no table.bin)")
    else:
        for h, d, bit in ((_H_MSG, 0, _MESSAGE), (_H_RZH, 2, _REASON), (_H_HZH, 2, _HINT)):
            q = _ref(a, p, h, d, en, asc) if flags & bit else -1
            if q >= 0:
                if sep:
                    s.write(b" | " if sep > 1 else b" ")
                _put(s, a, q)
                sep = 2
    if flags & _NEWLINE:
        s.write(b"\n")


def write(stream, code, lang="zh", flags=_LINE):
    """Write code's line and a newline to stream, allocating nothing on MicroPython (where the
    stream needs write(buf, off, n): sys.stdout, UART, files). Returns False if the stream
    failed; never raises."""
    try:
        if _MPY:
            emit(stream, code, lang, flags | _NEWLINE)
        else:
            from ._host import write_line

            write_line(stream, code, lang, flags)
        return True
    except Exception:
        return False


def level(code):
    """20 (INFO) for success, 30 (WARNING) for transient or unknown, 40 (ERROR) for a failure to fix."""
    c = _code(code)
    i = _find(c)
    if i >= 0:
        i = _load(i, _H_AT, _REC)
        return _A[i + 3]
    return 20 if 200 <= c <= 231 else 30  # CoAP 2.xx: success


def is_ok(code):
    """True for success: 200, and CoAP 2.xx (2.01 Created, 2.05 Content, ...)."""
    return level(code) == 20
