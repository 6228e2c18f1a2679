# onenetlog.catalog: the table as a whole: every code, service tags, business types.
# Loaded on first use (onenetlog.codes() etc.); logging never needs it.
from . import decoder as _d
from . import table as _t
from .text import _str, describe


def code(x):
    """The canonical int code of x (1104, "4.04" -> 404, 0x84 -> 404), or None."""
    c = _d._code(x)
    return c if c >= 0 else None


def known(x):
    """True if x is a code in the table."""
    return _d._find(_d._code(x)) >= 0


def codes():
    """Every code in the table, ascending."""
    c = _t.CODES
    return [c[p] | (c[p + 1] << 8) for p in range(0, len(c), 2)]


def tag(x):
    """Short ASCII tag of x's service, or of the service its range suggests; None if neither."""
    t = describe(x, "en", 129).split(" ")[0]  # 129: the service, as its tag
    return None if t == "?" else t


def _service(i, h, en):
    # Service i's text at HEADER[h] (zh name 8, en 9, tag 10): with h=8 the language asked for.
    p = _d._load(i, 17, _d._SREC)
    a = _d._A
    return _str(a, _d._ref(a, p, h, 1 if h == 8 else 0, en, 0))


def _btypes():
    # (record start, array) of every business type; copies, since records share a buffer.
    h = _t.HEADER
    out = []
    for i in range(h[21]):
        p = _d._load(i, 19, _d._REC)
        out.append((p, bytes(_d._A[p : p + h[2]]) if _t.DATA is None else _d._A))
    return [(0, a) if _t.DATA is None else (p, a) for p, a in out]


def business_type(t, lang="zh"):
    """Business type by type code ("1.2") -> (type, name, service, trigger, logged), or None.
    logged is False for types the platform does not log yet."""
    en = lang == "en"
    for p, a in _btypes():
        tc = "%d.%d" % (a[p], a[p + 1])
        if tc == (t.decode() if isinstance(t, (bytes, bytearray)) else t):
            return (
                tc,
                _str(a, _d._ref(a, p, 11, 1, en, 0)),
                _service(a[p + 2], 8, en) if a[p + 2] != 255 else None,
                _str(a, _d._ref(a, p, 13, 1, en, 0)),
                bool(a[p + 3]),
            )
    return None


def business_types(service=None):
    """Type codes ("1.1", ...) of every business type, or of one service (zh or en name, or tag)."""
    out = []
    for p, a in _btypes():
        si = a[p + 2]
        if service is None or (si != 255 and service in [_service(si, h, False) for h in (8, 9, 10)]):
            out.append("%d.%d" % (a[p], a[p + 1]))
    return out
