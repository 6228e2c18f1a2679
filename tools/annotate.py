"""Annotate text logs: append the platform's meaning to the status codes a line carries.

What counts as a status code (anchored contexts only; any other number is left alone):

1. A line written by the device Logger (lib/onenetlog/logger.py), after removing ANSI colour:

       <L> (<time>) <tag>#<code>: <body>

   L is D, I, W or E; time is ticks_ms digits or `YYYY-MM-DD HH:MM:SS.mmm`; tag is
   [A-Za-z0-9_.-]+; `#<code>` is glued to the tag and is a decimal code or `?`. The body is the
   decoder text (`message[ | reason[ | step]]`, absent in the `codes` tier, or `unknown code`),
   then optional ` id=<msgid>`, ` trace=<32 hex>`, ` type=<N.N>`, then optional ` -- <note>`.
   Lines without `#<code>` are plain log lines. A status line gets the host's text when the
   device wrote none (the `codes` tier), wrote `unknown code` for a code the host knows, or
   wrote a message that is not a spelling of that code's message (the table's own or the
   newer page's, NOTES.md 1). `#?` (a code the device could not read) gets nothing.
2. `code=NNN` not preceded by a letter, digit or `_` (`errcode=` does not count).
3. `"code": NNN` and `"code": "NNN"` (OneJSON replies).
4. `"status": "NNN"` (trace-log records, where status is a string).

Contexts 2-4 count only for codes in the table; NNN may be decimal, dotted CoAP (`4.04`) or a
CoAP byte (`0x84`), as the device accepts them. Each code is described once per line. The
annotation goes at the end of the line, before its `\\r\\n` or `\\n`:

    E (12345) mqtt#1104: id=123  ## token expired | Token has expired | Check ...
    {"id":"7","code":305,"msg":"x"}  ## Thing model 305 no thing-model | ...

Every other byte is copied as it is. Input is read as bytes in blocks of whole lines; the
strings every context contains (NEEDLES) are found with bytes.find, and only lines holding one
cost Python work. A line longer than MAX_LINE passes through unannotated, and so does a line
that already carries an annotation (SEP).
"""

import functools
import re

import onenetlog
from onenetlog_tools import generator

SEP = b"  ## "
BLOCK = 1 << 20
MAX_LINE = 16 << 20
UNREADABLE = "?"  # the device's `#?`: a code it could not read

NEEDLES = (b"#", b"code", b'"status"', b"\x1b")
HIT_HASH, HIT_CONTEXT, HIT_ESC, HIT_ALL = 1, 2 | 4, 8, 15
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
_HEAD = rb"[DIWE] \((?:\d+|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\) [A-Za-z0-9_.\-]+"
_CODE = rb"#(\d{1,9}|\?):(?: |(?=\r?\n)|\r?\Z)"
DEVICE = re.compile(_HEAD + _CODE)  # a status line, from its start; group 1 the code
HEAD = re.compile(_HEAD)  # a status line's start, up to its `#`
NO_TEXT = (b"id=", b"trace=", b"type=", b"-- ")  # a body that starts with these has no text
_NUM = rb"\d{1,9}|\d\.\d\d"
CODE_EQ = re.compile(rb"(?<![A-Za-z0-9_])code=(" + _NUM + rb"|0[xX][0-9A-Fa-f]{2})(?![\w.])")
JSON_CODE = re.compile(rb'"code"\s*:\s*(?:(\d{1,9})(?![\d.eE])|"(' + _NUM + rb')")')
STATUS = re.compile(rb'"status"\s*:\s*"(' + _NUM + rb')"')
# CODE_EQ and JSON_CODE as one regex with a literal prefix; block() checks the byte before.
CODE_ANY = re.compile(rb"code(?:=(" + _NUM + rb"|0[xX][0-9A-Fa-f]{2})(?![\w.])"
                      rb'|"\s*:\s*(?:(\d{1,9})(?![\d.eE])|"(' + _NUM + rb')"))')
WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
CONTEXT = re.compile(b"|".join(p.pattern for p in (CODE_EQ, JSON_CODE, STATUS)))
COLORS = {40: b"\x1b[31m", 30: b"\x1b[33m", 20: b"\x1b[32m"}
RESET = b"\x1b[0m"


@functools.lru_cache(maxsize=1)
def aliases():
    """{code: the newer page's English message} where it differs from the table's (NOTES.md 1),
    as the generator parsed it from source/."""
    return dict(generator.load_source()["aliases"])


def spellings():
    """{code: frozenset of message spellings as bytes}: the table's and the newer page's."""
    out = {c: {onenetlog.message(c)} for c in onenetlog.codes()}
    for c, alias in aliases().items():
        out.setdefault(c, set()).add(alias)
    return {c: frozenset(s.encode() for s in v if s) for c, v in out.items()}


def to_code(x):
    """Canonical int code of x (str or bytes: decimal, dotted CoAP `4.04`, CoAP byte `0x84`;
    or int), or None. The decoder reads all but the hex form, which is read here."""
    if isinstance(x, (bytes, bytearray)):
        x = bytes(x).decode("ascii", "replace")
    if isinstance(x, str):
        x = x.strip()
        if len(x) > 2 and x[:2] in ("0x", "0X"):
            try:
                x = int(x[2:], 16)
            except ValueError:
                return None
    return onenetlog.code(x)


def meaning(code, lang, with_code=True):
    """Host text for code: the decoder's describe line (service, code, message, reason, step),
    or without service and code (for a device line that names them) message | reason | step."""
    if with_code or not onenetlog.known(code):
        return onenetlog.describe(code, lang)
    parts = (onenetlog.message(code), onenetlog.reason(code, lang), onenetlog.hint(code, lang))
    return " | ".join(p for p in parts if p)


class Annotator:
    """One configuration (language, colour, decoding on/off) and its caches.

    suffix(line) is the reference for one line; block() finds the same annotations for a whole
    block faster (tests hold the two equal) and stream() uses it."""

    def __init__(self, lang="zh", color=False, decode=True):
        self.lang = lang
        self.color = color
        self.decode = decode
        self._known = frozenset(onenetlog.codes())
        words = spellings()
        # code -> (each spelling + b" ", the spellings): a body starting with either is decoded.
        self._spelled = {c: (tuple(w + b" " for w in ws), ws) for c, ws in words.items()}
        # `#<code>: <spelling>` of a decoded status line, so that block() skips those in C.
        alts = b"|".join(re.escape(b"%d: " % c + w) for c, ws in sorted(words.items()) for w in sorted(ws))
        self._todo = re.compile(rb"#(?!(?:" + alts + rb")(?: |\r?\n|\r?\Z))" + _CODE[1:])
        self._cache = {}
        self._codes = {}  # context text -> code or None

    # -- one line ------------------------------------------------------------------------
    def found(self, line):
        """[(code, with_code)] for line (bytes, no line end), in order, each code once. code is
        an int, or UNREADABLE for a device `#?`; with_code is False for the device's own status
        code (its line already names the tag and the code)."""
        if b"\x1b" in line:
            line = ANSI.sub(b"", line)
        out = []
        m = DEVICE.match(line)
        if m:
            raw = m.group(1)
            out.append((UNREADABLE if raw == b"?" else int(raw), False))
        for g in CONTEXT.finditer(line):
            c = self._code(g.group(g.lastindex))
            if c in self._known and all(c != k for k, _ in out):
                out.append((c, True))
        return out

    def needs(self, body, code):
        """Whether a device status body lacks the host's text for code: no decoder text, the
        device's `unknown code` for a code the host knows, or a message that is not a spelling
        of code's message."""
        spelled = self._spelled.get(code)
        if spelled is None:  # the host does not know it either: add only to a bare number
            return not body or body.startswith(NO_TEXT)
        return not (body.startswith(spelled[0]) or body in spelled[1])

    def suffix(self, line, hits=HIT_ALL):
        """Bytes to add at the end of line (no line end), or b"" to leave it as it is. hits:
        which NEEDLES the line holds (bit i for NEEDLES[i]), when the caller knows."""
        if not self.decode:
            return b""
        if hits & HIT_ESC:
            line = ANSI.sub(b"", line)
            hits = HIT_ALL
        add = b""
        dev = None
        if hits & HIT_HASH:
            m = DEVICE.match(line)
            if m:
                raw = m.group(1)
                if raw != b"?":
                    dev = int(raw)
                    if self.needs(line[m.end():], dev):
                        add = self._text(dev, False)
        if hits & HIT_CONTEXT:
            seen = {dev}
            for g in CONTEXT.finditer(line):
                c = self._code(g.group(g.lastindex))
                if c in self._known and c not in seen:
                    seen.add(c)
                    add += self._text(c, True)
        return b"" if add and SEP in line else add

    def _code(self, raw):
        c = self._codes.get(raw, -1)
        if c == -1:
            c = to_code(raw)
            if len(self._codes) < 4096:
                self._codes[raw] = c
        return c

    def _text(self, code, with_code):
        key = (code, with_code)
        got = self._cache.get(key)
        if got is None:
            text = meaning(code, self.lang, with_code).encode()
            if self.color:
                text = COLORS.get(onenetlog.level(code), b"") + text + RESET
            got = self._cache[key] = SEP + text
        return got

    # -- a block of lines ----------------------------------------------------------------
    def block(self, buf, end):
        """[(content end, bytes to insert there)] for the lines of buf[:end], in order: what
        suffix() gives for each line. Three regexes with literal prefixes (`#`, `code`,
        `"status"`) run over the whole block in C; a decoded status line never leaves the
        regex engine. A block with ANSI colour goes line by line through suffix()."""
        if not self.decode:
            return []
        find = buf.find
        rfind = buf.rfind
        if find(b"\x1b", 0, end) >= 0:
            return [(ce, add) for ls, ce, hits in candidates(buf, end)
                    for add in (self.suffix(buf[ls:ce], hits),) if add]
        lines = {}  # line start -> [content end, device code or None, annotation, codes seen]
        head = HEAD.fullmatch
        spelled = self._spelled
        for m in self._todo.finditer(buf, 0, end):
            p = m.start()
            ls = rfind(b"\n", 0, p) + 1
            if head(buf, ls, p) is None:
                continue
            le = find(b"\n", p, end)
            ce = end if le < 0 else le
            if ce > ls and buf[ce - 1] == 13:
                ce -= 1
            raw = m.group(1)
            if raw == b"?":
                lines[ls] = [ce, None, b"", None]
                continue
            c = int(raw)
            body = buf[m.end():ce]
            s = spelled.get(c)
            if s is None:  # needs(), inline
                need = not body or body.startswith(NO_TEXT)
            else:
                need = not (body.startswith(s[0]) or body in s[1])
            lines[ls] = [ce, c, self._text(c, False) if need else b"", None]
        ctx = []  # (line start, position, code)
        for m in CODE_ANY.finditer(buf, 0, end):
            p = m.start()
            before = buf[p - 1] if p else 10
            if (before not in WORD) if m.group(1) is not None else before == 34:
                c = self._code(m.group(m.lastindex))
                if c in self._known:
                    ctx.append((rfind(b"\n", 0, p) + 1, p, c))
        for m in STATUS.finditer(buf, 0, end):
            c = self._code(m.group(1))
            if c in self._known:
                p = m.start()
                ctx.append((rfind(b"\n", 0, p) + 1, p, c))
        if ctx:
            ctx.sort()
            for ls, p, c in ctx:
                e = lines.get(ls)
                if e is None:
                    le = find(b"\n", p, end)
                    ce = end if le < 0 else le
                    if ce > ls and buf[ce - 1] == 13:
                        ce -= 1
                    dev = None
                    if find(b"#", ls, p) >= 0:  # a decoded status line names its code
                        m = DEVICE.match(buf, ls, ce)
                        if m is not None and m.group(1) != b"?":
                            dev = int(m.group(1))
                    e = lines[ls] = [ce, dev, b"", None]
                if e[3] is None:
                    e[3] = [e[1]]
                if c not in e[3]:
                    e[3].append(c)
                    e[2] += self._text(c, True)
        out = [(e[0], e[2]) for ls, e in lines.items() if e[2] and find(SEP, ls, e[0]) < 0]
        if ctx:
            out.sort()
        return out

    # -- a stream ------------------------------------------------------------------------
    def stream(self, inp, out, flush=False):
        """Copy binary stream inp to out with annotations. inp needs read1 (or read)."""
        for buf, end, whole in blocks(inp):
            view = memoryview(buf)
            pos = 0
            pieces = []
            if whole:
                for ce, add in self.block(buf, end):
                    pieces += (view[pos:ce], add)
                    pos = ce
            if pieces:
                pieces.append(view[pos:end])
                out.write(b"".join(pieces))
            else:
                out.write(view[:end])
            if flush:
                out.flush()


def blocks(inp, size=BLOCK):
    """(buf, end, whole) per read: buf[:end] ends on a line end, or at end of input. whole is
    False for pieces of a line longer than MAX_LINE, which are passed through as they come."""
    read = getattr(inp, "read1", inp.read)
    pending = b""
    long_line = False
    while True:
        data = read(size)
        if not data:
            break
        if long_line:
            nl = data.find(b"\n") + 1
            if not nl:
                yield data, len(data), False
                continue
            yield data, nl, False
            data = data[nl:]
            long_line = False
        buf = pending + data if pending else data
        cut = buf.rfind(b"\n") + 1
        if cut:
            yield buf, cut, True
            pending = buf[cut:]
        else:
            pending = buf
        if len(pending) > MAX_LINE:
            yield pending, len(pending), False
            pending = b""
            long_line = True
    if pending:
        yield pending, len(pending), True


def candidates(buf, end):
    """(start, content end, hits) of each line in buf[:end] that holds a NEEDLES string;
    content end excludes the line's `\\n` or `\\r\\n`; bit i of hits: it holds NEEDLES[i]."""
    find = buf.find
    rfind = buf.rfind
    live = []
    for i, needle in enumerate(NEEDLES):
        p = find(needle, 0, end)
        if p >= 0:
            live.append([p, needle, 1 << i])
    while live:
        p = min(n[0] for n in live)
        ls = rfind(b"\n", 0, p) + 1
        le = find(b"\n", p, end)
        if le < 0:
            le = end
        hits = 0
        for n in live:
            if n[0] < le:
                hits |= n[2]
                n[0] = find(n[1], le + 1, end)
        yield ls, le - 1 if le > ls and buf[le - 1] == 13 else le, hits
        live = [n for n in live if n[0] >= 0]

