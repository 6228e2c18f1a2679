# onenetlog.text: the decoder's answers as str (describe, message, reason, hint, service).
# Loaded on first use; a lookup allocates only the str it returns.
import onenetlog as _d


def _str(data, pos):
    # The text referenced at data[pos] (pos from onenetlog._ref) -> a new str, or None.
    if pos < 0:
        return None
    off = data[pos] | (data[pos + 1] << 8)
    if _d._D is not None:
        return str(_d._D[off : off + data[pos + 2]], "utf-8")
    f = _d._f
    if f is None:
        return None
    f.seek(off)
    return f.read(data[pos + 3]) if _d._MPY else f.read(data[pos + 2]).decode()


def _field(code, key, val, lang):
    # key, val as in onenetlog._ref; val 1 means the service name.
    p = _d._find(code)
    if p < 0:
        return None
    a = _d._A
    if val == 1:  # the service record, in INDEX
        i = _d._I
        a = i
        p = i[22] + _d._A[p + 2] * i[1]
    return _str(a, _d._ref(a, p, key, val, lang == "en"))


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
        if _d._MPY:
            from io import BytesIO as Out
        else:
            from ._host import Out
        out = Out()
        _d.write(out, code, lang, flags & ~64)
        return str(out.getvalue(), "utf-8")  # pyright: ignore[reportAttributeAccessIssue]  (stubs lack it)
    except Exception:
        return "? ? unknown code"
