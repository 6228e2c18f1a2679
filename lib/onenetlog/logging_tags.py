"""onenetlog.logging_tags: micropython-lib `logging` lines in onenetlog's line format, with the
meaning of the status code a record carries. One line of set-up:

    from onenetlog.logging_tags import install; install()

install() puts a Formatter on every handler of the root logger (or of getLogger(name); a
StreamHandler is added when it has none). A record carries a code when it has a `code`
attribute (CPython: extra={"code": 1104}) or its message names one: the word "code" followed
by =, : or spaces and a code (1104, 4.04). Such a record becomes a status line whose note is
the message, tagged with the code's service:

    logging.error("connect failed code=%d", 1104)
    -> E (12345) mqtt#1104: token expired | Token has expired -- connect failed code=1104

and any other record a plain line tagged with its logger's name: I (12346) app: connected.
fmt (default "%(message)s") formats the message part. Works with micropython-lib's logging
(tested with micropython-logging 0.5.2 from PyPI, which has no Filter) and CPython's.
"""

import logging

from .logger import Logger


def code_of(record, msg):
    """The code record carries: its code attribute, else the one msg names; or None."""
    c = getattr(record, "code", None)
    if c is not None:
        return c
    i = 0
    while True:
        i = msg.find("code", i)
        if i < 0:
            return None
        j = i + 4
        if i == 0 or not (msg[i - 1].isalpha() or msg[i - 1].isdigit()):
            while j < len(msg) and msg[j] in " =:":
                j += 1
            k = j
            while k < len(msg) and (msg[k].isdigit() or msg[k] == "."):
                k += 1
            while k > j and msg[k - 1] == ".":
                k -= 1
            if k > j:
                return msg[j:k]
        i += 4


class _Last:
    """A sink that keeps the last line it was given."""

    line = b""

    def write(self, buf, off=0, n=-1):
        self.line = bytes(buf[off : off + n] if n >= 0 else buf[off:])
        return len(self.line)


def _level(record):
    # A record's level as the Logger takes it: a number of at least 0 (a lower or odd one: 0).
    level = getattr(record, "levelno", 20)
    try:
        return level if level >= 0 else 0
    except Exception:
        return 0


class Formatter(logging.Formatter):
    def __init__(self, fmt=None, lang="zh", verbosity=1, color=False, ascii=False, clock=None, cache=0):
        super().__init__(fmt or "%(message)s")
        self._out = _Last()
        self._log = Logger(self._out, None, 0, lang, verbosity, color, ascii, clock, cache)
        self._name = None

    def format(self, record):
        """The record as one line of onenetlog's format, whatever it holds."""
        msg = super().format(record)
        lg = self._log
        try:
            name = str(getattr(record, "name", "") or "log")
            if name != self._name:
                self._name = name
                lg._set_name(name)  # forgets the lines made with the old one
            code = code_of(record, msg)
        except Exception:
            code = None
        self._out.line = b""
        lg.log(_level(record), msg, code)
        line = self._out.line
        if not line:  # no line could be made (no heap): the message, on one line
            return "W (0) log: " + " ".join(msg.split())
        return str(line[:-1], "utf-8")


def install(name=None, fmt=None, **opts):
    """Format every handler of logging.getLogger(name) (the root logger by default) with a
    Formatter(fmt, **opts); add a StreamHandler if it has none. Returns the Formatter."""
    f = Formatter(fmt, **opts)
    lg = logging.getLogger(name)
    if not lg.handlers:
        lg.addHandler(logging.StreamHandler())
    for h in lg.handlers:
        h.setFormatter(f)
    return f
