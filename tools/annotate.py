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
5. umqtt's `MQTTException: N` alone on a line (the last line of a traceback of a refused
   connect): N is the MQTT CONNACK return code, explained from lib/onenetlog/connack.py.
   The Logger's own CONNACK lines (`mqtt#5: not authorized | ... type=connack`) carry it:
   found() gives their code as Connack(5), apart from the platform's codes (connack_of()).

Contexts 2-4 count only for codes in the table; NNN may be decimal, dotted CoAP (`4.04`) or a
CoAP byte (`0x84`), as the device accepts them. Each code is described once per line. The
annotation goes at the end of the line, before its `\\r\\n` or `\\n`:

    E (12345) mqtt#1104: id=123  ## token expired | Token has expired | Check ...
    {"id":"7","code":305,"msg":"x"}  ## Thing model 305 no thing-model | ...

Every other byte is copied as it is. Input is read as bytes in blocks of whole lines, and
regexes with literal prefixes (`#`, `code`, `"status"`) find the contexts in a whole block, so
a line without one costs no Python work (Annotator.block). A block holding ANSI colour goes
line by line (Annotator.suffix, the reference the tests hold block() to). A line longer than
MAX_LINE passes through unannotated, and so does a line that already carries an annotation
(SEP).
"""

import collections
import re

import onenetlog
import onenetlog.mqtt
from onenetlog_tools.source_data import ALIASES

SEP = b"  ## "
BLOCK = 1 << 20
MAX_LINE = 16 << 20
UNREADABLE = "?"  # the device's `#?`: a code it could not read

# What every context contains: candidates() picks lines by these (the line-by-line path).
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
# A refused connect's traceback line (umqtt.simple, umqtt.robust): the CONNACK code in group 1.
MQTT_EXCEPTION = re.compile(rb"^(?:[A-Za-z_][\w.]*\.)?MQTTException: (\d{1,3})(?=\r?$)", re.M)
# The Logger's CONNACK line: a status line whose body ends its fields with this (before a note).
CONNACK_TYPE = b" type=connack"
NOTE = b" -- "
COLORS = {40: b"\x1b[31m", 30: b"\x1b[33m", 20: b"\x1b[32m"}
RESET = b"\x1b[0m"


def aliases():
    """{code: the newer page's English message} where it differs from the table's (NOTES.md 1),
    as the generator wrote it into source_data.py at `make table` time."""
    return ALIASES


def spellings():
    """{code: frozenset of message spellings as bytes}: the table's and the newer page's."""
    out = {c: {onenetlog.message(c)} for c in onenetlog.codes()}
    for c, alias in aliases().items():
        out.setdefault(c, set()).add(alias)
    return {c: frozenset(s.encode() for s in v if s) for c, v in out.items()}


def trie(words):
    """A regex (bytes) matching any of words, shaped as a trie: at each byte the engine picks
    among the next bytes that occur instead of trying every word in turn."""
    root = {}
    for w in words:
        node = root
        for b in w:
            node = node.setdefault(b, {})
        node[None] = {}

    def emit(node):
        alts = [re.escape(bytes([b])) + emit(node[b]) for b in sorted(k for k in node if k is not None)]
        if not alts:
            return b""
        body = alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
        if None in node:  # a word ends here and longer ones go on
            return (b"(?:" + body + b")?") if len(alts) == 1 else body + b"?"
        return body

    return b"(?:" + emit(root) + b")"


def to_code(x):
    """Canonical int code of x (str or bytes: decimal, dotted CoAP `4.04`, CoAP byte `0x84`;
    or int), or None. The decoder reads all but the hex form, which is read here."""
    if isinstance(x, (bytes, bytearray)):
        x = bytes(x).decode("ascii", "replace")
    if isinstance(x, str):
        x = x.strip()
        if len(x) > 2 and x[:2] in ("0x", "0X"):
            if not re.fullmatch(r"[0-9A-Fa-f]{1,2}", x[2:]):
                return None
            x = int(x[2:], 16)
    return onenetlog.code(x)


class Connack(collections.namedtuple("Connack", "rc")):
    """The MQTT CONNACK return code of a Logger's CONNACK line, as found() gives it: its own key,
    apart from the platform code of the same number; str() is its label, `CONNACK 5`."""

    __slots__ = ()
    tag = "mqtt"

    def __str__(self):
        return "CONNACK %d" % self.rc

    def level(self):
        return onenetlog.mqtt.line_level(self.rc)

    def message(self):
        return onenetlog.mqtt.describe(self.rc, 0)

    def onenet_why(self):
        """The OneNET device-log codes that may stand behind it (None for 0 or an unknown code)."""
        return onenetlog.mqtt.describe(self.rc).partition(" | ")[2] or None

    def service(self, lang):
        """The decoder's name of the MQTT access service, whose refusals CONNACK reports."""
        return next((onenetlog.service(c, lang) for c in onenetlog.codes() if onenetlog.tag(c) == self.tag), None)


def connack_of(line, m):
    """Connack(rc) when the device status line (m: its DEVICE match, code not `?`) is a Logger's
    CONNACK line: its body carries ` type=connack`, ending its fields, before any note; else None."""
    at = line.find(CONNACK_TYPE, m.end())
    if at < 0:
        return None
    end = at + len(CONNACK_TYPE)
    if line[end:end + len(NOTE)] not in (b"", NOTE) or NOTE in line[m.end():at]:
        return None
    return Connack(int(m.group(1)))


def meaning(code, lang, with_code=True):
    """Host text for code: the decoder's describe line (service, code, message, reason, step),
    or without service and code (for a device line that names them) message | reason | step."""
    if with_code or not onenetlog.known(code):
        return onenetlog.describe(code, lang)
    return onenetlog.describe(code, lang, 4 | 8 | 16)  # message, reason, step


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
        decoded = trie([b"%d: " % c + w for c, ws in words.items() for w in ws])
        self._todo = re.compile(rb"#(?!" + decoded + rb"(?: |\r?\n|\r?\Z))" + _CODE[1:] + rb"[^\n]*")
        self._cache = {}
        self._dev = {}  # code -> annotation of a device status line (without code and service)
        self._ctx = {}  # code -> annotation of a code in another context
        self._codes = {}  # context text -> code or None

    # -- one line ------------------------------------------------------------------------
    def found(self, line):
        """[(code, with_code)] for line (bytes, no line end), in order, each code once. code is
        an int, UNREADABLE for a device `#?`, or a Connack for a Logger's CONNACK line; with_code
        is False for the device's own status code (its line already names the tag and the code)."""
        if b"\x1b" in line:
            line = ANSI.sub(b"", line)
        out = []
        m = DEVICE.match(line)
        if m:
            raw = m.group(1)
            code = UNREADABLE if raw == b"?" else connack_of(line, m) or int(raw)
            out.append((code, False))
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
        if b"MQTTException: " in line and not add:
            m = MQTT_EXCEPTION.fullmatch(line)
            add = self._connack(int(m.group(1))) if m else b""
        return b"" if add and SEP in line else add

    def _connack(self, rc):
        """The annotation of umqtt's MQTTException(rc): `CONNACK rc meaning | OneNET codes`."""
        text = b"CONNACK %d %s" % (rc, onenetlog.mqtt.describe(rc).encode())
        return SEP + (COLORS[40] + text + RESET if self.color else text)

    def _mqtt_exceptions(self, buf, end):
        """[(content end, annotation)] of the MQTTException lines in buf[:end] (block())."""
        out = []
        for m in MQTT_EXCEPTION.finditer(buf, 0, end):
            out.append((m.end(), self._connack(int(m.group(1)))))
        return out

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
            (self._ctx if with_code else self._dev)[code] = got
        return got

    # -- a block of lines ----------------------------------------------------------------
    def block(self, buf, end):
        """[(content end, bytes to insert there)] for the lines of buf[:end], in order: what
        suffix() gives for each line. Three regexes with literal prefixes (`code`, `"status"`,
        `#`) run over the whole block in C; a decoded status line never leaves the regex
        engine. A block with ANSI colour goes line by line through suffix()."""
        if not self.decode:
            return []
        find = buf.find
        rfind = buf.rfind
        if find(b"\x1b", 0, end) >= 0:
            return [(ce, add) for ls, ce, hits in candidates(buf, end)
                    for add in (self.suffix(buf[ls:ce], hits),) if add]
        known = self._known
        codes = self._codes
        ctx = {}  # line start -> [(position, code)] of the contexts in that line
        for pattern in (CODE_ANY, STATUS):
            for m in pattern.finditer(buf, 0, end):
                p = m.start()
                if pattern is CODE_ANY:
                    before = buf[p - 1] if p else 10
                    if not ((before not in WORD) if m.group(1) is not None else before == 34):
                        continue
                raw = m.group(m.lastindex)
                c = codes.get(raw, -1)
                if c == -1:
                    c = self._code(raw)
                if c in known:
                    ls = rfind(b"\n", 0, p) + 1
                    hits = ctx.get(ls)
                    if hits is None:
                        ctx[ls] = [(p, c)]
                    else:
                        hits.append((p, c))
        out = []
        status = {}  # line start -> (content end, code, annotation) of status lines with contexts
        texts = self._dev
        head = HEAD.fullmatch
        for m in self._todo.finditer(buf, 0, end):
            p = m.start()
            ls = rfind(b"\n", 0, p) + 1
            if head(buf, ls, p) is None:
                continue
            ce = m.end()  # the todo regex runs to the line end
            if ce > ls and buf[ce - 1] == 13:
                ce -= 1
            raw = m.group(1)
            if raw == b"?":
                c = None
                add = b""
            else:
                c = int(raw)
                if c in known:  # the regex let it through: its body is not decoded text
                    add = texts.get(c) or self._text(c, False)
                else:
                    bs = m.end(1) + 2
                    add = self._text(c, False) if self.needs(buf[bs:ce] if bs <= ce else b"", c) else b""
            if ctx and ls in ctx:
                status[ls] = (ce, c, add)
            elif add and find(SEP, p, ce) < 0:
                out.append((ce, add))
        if ctx:
            texts = self._ctx
            for ls, hits in ctx.items():
                got = status.get(ls)
                if got is None:  # a plain line, or a status line the device decoded
                    p = hits[0][0]
                    ce = find(b"\n", p, end)
                    if ce < 0:
                        ce = end
                    if ce > ls and buf[ce - 1] == 13:
                        ce -= 1
                    dev = None
                    add = b""
                    if find(b"#", ls, p) >= 0:
                        m = DEVICE.match(buf, ls, ce)
                        if m is not None and m.group(1) != b"?":
                            dev = int(m.group(1))
                else:
                    ce, dev, add = got
                if len(hits) == 1:
                    c = hits[0][1]
                    if c != dev:
                        add += texts.get(c) or self._text(c, True)
                else:
                    seen = [dev]
                    for p, c in sorted(hits):
                        if c not in seen:
                            seen.append(c)
                            add += texts.get(c) or self._text(c, True)
                if add and find(SEP, ls, ce) < 0:
                    out.append((ce, add))
            out.sort()
        if find(b"MQTTException: ", 0, end) >= 0:
            out = sorted(out + self._mqtt_exceptions(buf, end))
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

