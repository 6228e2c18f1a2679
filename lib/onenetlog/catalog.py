# onenetlog.catalog: the table as a whole: every code, service tags, business types.
# Loaded on first use (onenetlog.codes() etc.); logging never needs it.
import onenetlog as _d
from . import table as _t
from .text import _str, describe

# Levels, as in logging: level() returns INFO, WARNING or ERROR.
DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40


def code(x):
    """The canonical int code of x (1104, "4.04" -> 404, 0x84 -> 404), or None."""
    _d._find(x)
    return _d._N if _d._N >= 0 else None


def known(x):
    """True if x is a code in the table."""
    return _d._find(x) >= 0


def codes():
    """Every code in the table, ascending."""
    i = _t.INDEX
    return [i[p] | (i[p + 1] << 8) for p in range(i[23], len(i), 2)]


def tag(x):
    """Short ASCII tag of x's service, or of the service its range suggests; None if neither."""
    t = describe(x, "en", 129).split(" ")[0]  # 129: the service, as its tag
    return None if t == "?" else t


def _service(i, h, en):
    # Service i's text at INDEX[h] (zh name 8, en 9, tag 10): with h=8 the language asked for.
    a = _t.INDEX
    p = a[22] + i * a[1]
    return _str(a, _d._ref(a, p, h, 1 if h == 8 else 0, en))


def _btypes():
    # (record start, data) of every business type.
    h = _t.INDEX
    n = h[2]
    at = h[17] | (h[18] << 8)
    if _t.DATA is not None:
        return [(at + i * n, _t.DATA) for i in range(h[19])]
    f = _d._f
    if f is None:  # table.bin is missing
        return []
    f.seek(at)
    raw = bytearray(n * h[19])
    f.readinto(raw, len(raw))
    return [(i * n, raw) for i in range(h[19])]


def business_type(t, lang="zh"):
    """Business type by type code ("1.2") -> (type, name, service, trigger, logged), or None.
    logged is False for types the platform does not log yet."""
    en = lang == "en"
    for p, a in _btypes():
        tc = "%d.%d" % (a[p], a[p + 1])
        if tc == (t.decode() if isinstance(t, (bytes, bytearray)) else t):
            return (
                tc,
                _str(a, _d._ref(a, p, 11, 1, en)),
                _service(a[p + 2], 8, en) if a[p + 2] != 255 else None,
                _str(a, _d._ref(a, p, 13, 1, en)),
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
