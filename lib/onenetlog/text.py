# onenetlog.text: the decoder's answers as str (describe, message, reason, hint, service).
# Loaded on first use; each lookup allocates only the str it returns.
from . import decoder as _d
from .table import DATA as _D

def _str(a, q):
    # The text referenced at a[q] (q from decoder._ref) -> a new str, the only allocation; or None.
    if q < 0:
        return None
    off = a[q] | (a[q + 1] << 8)
    if _D is not None:
        return str(_D[off : off + a[q + 2]], "utf-8")
    f = _d._f
    f.seek(off)
    return f.read(a[q + 3]) if _d._MPY else f.read(a[q + 2]).decode()


def _field(code, h, d, lang):
    i = _d._find(_d._code(code))
    if i < 0:
        return None
    p = _d._load(i, 15, _d._REC)
    a = _d._A
    if d == 1:  # service name
        p = _d._load(a[p + 2], 17, _d._SREC)
        a = _d._A
    return _str(a, _d._ref(a, p, h, d, lang == "en", 0))


def message(code):
    """The platform's short English message, or None."""
    return _field(code, 3, 0, "")


def reason(code, lang="zh"):
    """Why the platform logged code, or None."""
    return _field(code, 4, 2, lang)


def hint(code, lang="zh"):
    """The troubleshooting step for code, or None."""
    return _field(code, 5, 2, lang)


def service(code, lang="zh"):
    """Name of the service that logs code (zh: the table's own), or None if code is unknown."""
    return _field(code, 8, 1, lang)


def describe(code, lang="zh", flags=31):
    """One line: service, code, message, reason, step; an unknown code gets a well-formed line."""
    try:
        try:
            from io import BytesIO as Out

            Out().write(b"", 0, 0)
        except TypeError:  # CPython's BytesIO takes no offset
            from ._host import Out
        out = Out()
        _d.emit(out, code, lang, flags & ~64)
        return str(out.getvalue(), "utf-8")
    except Exception:
        return "? ? unknown code"
