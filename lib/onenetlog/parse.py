"""onenetlog.parse: what Logger.status() reads from OneJSON replies, platform trace-log
records and topics, text repair for notes, and the Logger's rarely taken paths (notes that
are no str, streams of Python's own). Loaded on first use.

Fields are read by scanning the top level of the JSON text, without building it: the value
of the last occurrence of a key (as json.loads keeps it), for any valid JSON. Strings come
back as bytes (str when they hold escapes; a bad escape or a lone surrogate becomes ?),
whole numbers of at most 30 characters as int, true/false/null as True/False/None; other
numbers, objects and arrays as None. Malformed or cut-off JSON gives whatever was complete
before the fault. Reading a field costs time linear in the document's length, and heap for
the value it returns; no field's fault costs the others (parse() reads each on its own).

Business type by topic, "$sys/{pid}/{device}/...": the direction of the exchange, so a reply
has the type of the request it answers (the platform's own table files each message by its
own direction instead, e.g. set_reply under uplink; see docs/line-format.md):
  1.2 uplink:   thing/property/post, thing/event/post, thing/pack/post, thing/history/post,
                thing/property/desired/get, thing/property/desired/delete; each + /reply
  1.3 downlink: thing/property/set, thing/property/get, thing/service/{id}/invoke; each + _reply
  1.1 device behaviour: login (CoAP)
Any other topic has no type.
"""

try:
    from micropython import const
except ImportError:  # CPython
    const = int

_MAX_NUMBER_LEN = const(30)  # longer numbers are no code: not read (int() of many digits is slow)
_ESCAPES = b'bfnrt"\\/'  # what follows a backslash, and what it stands for
_ESCAPED = b'\b\f\n\r\t"\\/'

# JSON's bytes.
_SPACE = const(32)
_TAB = const(9)
_LF = const(10)
_CR = const(13)
_QUOTE = const(34)
_BACKSLASH = const(92)
_OPEN_OBJECT = const(123)  # {
_CLOSE_OBJECT = const(125)
_OPEN_ARRAY = const(91)  # [
_CLOSE_ARRAY = const(93)
_COLON = const(58)
_COMMA = const(44)
_ESCAPE_U = const(117)  # the u of \uXXXX
_HEX_DIGITS = const(4)  # of \uXXXX
_DIGIT_0 = const(48)
_DIGIT_9 = const(57)
_LETTER_A = const(97)  # lower case a and f: hex digits
_LETTER_F = const(102)
_LOWER_CASE = const(32)  # the bit that makes an ASCII letter lower case
_QUESTION = const(63)  # what a byte or escape that cannot be read becomes
_UTF8_BOM = b"\xef\xbb\xbf"
# UTF-16 surrogates in \u escapes: a high one and a low one make one character.
_HIGH_SURROGATE = const(0xD800)
_LOW_SURROGATE = const(0xDC00)
_SURROGATE_END = const(0xE000)
_SURROGATE_BITS = const(10)
_SUPPLEMENTARY = const(0x10000)  # the first character a pair stands for
# UTF-8: lead bytes by how many continuation bytes follow them; a continuation is 10xxxxxx.
_ASCII_END = const(0x80)
_LEAD_2 = const(0xC2)  # C0 and C1 would be overlong
_LEAD_3 = const(0xE0)
_LEAD_4 = const(0xF0)
_LEAD_END = const(0xF5)  # beyond U+10FFFF
_CONTINUATION = const(2)  # byte >> 6 of a continuation byte
_CONTINUATION_SHIFT = const(6)
# The second byte's range where the first byte's shortest form allows less (overlongs,
# surrogates, beyond U+10FFFF).
_LEAD_3_LOW = const(0xA0)  # after E0
_LEAD_SURROGATES = const(0xED)  # its second byte at most 9F
_LEAD_SURROGATES_HIGH = const(0x9F)
_LEAD_4_LOW = const(0x90)  # after F0
_LEAD_MAX = const(0xF4)  # its second byte at most 8F
_LEAD_MAX_HIGH = const(0x8F)
del const  # done at compile time


def _ws(b, i):
    n = len(b)
    while i < n and (b[i] == _SPACE or b[i] == _LF or b[i] == _CR or b[i] == _TAB):
        i += 1
    return i


def _end(b, i):
    # Index just past the JSON value at b[i]; -1 if it is cut off.
    n = len(b)
    if i >= n:
        return -1
    c = b[i]
    if c == _QUOTE:
        i += 1
        while i < n:
            if b[i] == _BACKSLASH:
                i += 1
            elif b[i] == _QUOTE:
                return i + 1
            i += 1
        return -1
    if c == _OPEN_OBJECT or c == _OPEN_ARRAY:
        d = 0
        while i < n:
            c = b[i]
            if c == _QUOTE:
                i = _end(b, i)
                if i < 0:
                    return -1
                continue
            if c == _OPEN_OBJECT or c == _OPEN_ARRAY:
                d += 1
            elif c == _CLOSE_OBJECT or c == _CLOSE_ARRAY:
                d -= 1
                if not d:
                    return i + 1
            i += 1
        return -1
    j = i
    while i < n and b[i] not in b" \t\r\n,}]":
        i += 1
    return i if j < i < n else -1


def _value(b, i, j):
    # The JSON scalar b[i:j] as above.
    if b[i] == _QUOTE:
        v = b[i + 1 : j - 1]
        return _unescape(v) if _BACKSLASH in v else v
    if j - i > _MAX_NUMBER_LEN:
        return None
    v = b[i:j]
    if v == b"true" or v == b"false":
        return v == b"true"
    if _DIGIT_0 <= v[-1] <= _DIGIT_9 and b"." not in v and b"e" not in v and b"E" not in v:
        try:
            return int(v)
        except Exception:
            pass
    return None


def _unescape(v):
    # The body of a JSON string with escapes (bytes) -> str; a \u surrogate pair makes one
    # character; a bad escape or a lone surrogate becomes ?, bad UTF-8 as text() repairs it.
    out = bytearray()
    i = 0
    n = len(v)
    while i < n:
        j = v.find(b"\\", i)
        if j < 0:
            j = n
        out += v[i:j]
        if j + 1 >= n:
            break
        i = j + 2  # after the backslash and the byte it escapes
        if v[j + 1] != _ESCAPE_U:
            k = _ESCAPES.find(v[j + 1 : j + 2])
            out.append(_ESCAPED[k] if k >= 0 else _QUESTION)
            continue
        u = _hex4(v, i)
        i += _HEX_DIGITS if u >= 0 else 0
        low = _hex4(v, i + 2) if v[i : i + 2] == b"\\u" else -1  # a pair's second half, if one follows
        if _HIGH_SURROGATE <= u < _LOW_SURROGATE and _LOW_SURROGATE <= low < _SURROGATE_END:
            u = _SUPPLEMENTARY + (u - _HIGH_SURROGATE << _SURROGATE_BITS) + low - _LOW_SURROGATE
            i += 2 + _HEX_DIGITS
        if u < 0 or _HIGH_SURROGATE <= u < _SURROGATE_END:
            out.append(_QUESTION)
        else:
            out += chr(u).encode()
    return text(out)


def _hex4(v, i):
    # The four hex digits at v[i] as a number, or -1.
    if i + _HEX_DIGITS > len(v):
        return -1
    u = 0
    for k in range(i, i + _HEX_DIGITS):
        c = v[k] | _LOWER_CASE
        d = c - _DIGIT_0 if _DIGIT_0 <= c <= _DIGIT_9 else c - _LETTER_A + 10 if _LETTER_A <= c <= _LETTER_F else -1
        if d < 0:
            return -1
        u = u * 16 + d
    return u


def _bytes(doc):
    # str and bytearray -> bytes (a str's lone surrogates as bytes text() repairs); else doc.
    if isinstance(doc, str):
        try:
            return doc.encode()
        except Exception:  # CPython: lone surrogates
            return doc.encode("utf-8", "surrogatepass")
    return bytes(doc) if isinstance(doc, bytearray) else doc


def _doc(doc):
    # A JSON object's text as bytes and the index just past its "{", or (None, -1).
    doc = _bytes(doc)
    if isinstance(doc, bytes):
        i = _ws(doc, len(_UTF8_BOM) if doc.startswith(_UTF8_BOM) else 0)
        if i < len(doc) and doc[i] == _OPEN_OBJECT:
            return doc, i + 1
    return None, -1


def field(doc, key):
    """Top-level key of doc (a dict, or a JSON object as str or bytes) -> its value, or None."""
    if isinstance(doc, dict):
        return doc.get(key)
    doc, i = _doc(doc)
    if doc is None:
        return None
    key = key.encode()
    at = -1
    while True:
        i = _ws(doc, i)
        j = _end(doc, i)
        if j < 0 or doc[i] != _QUOTE:
            break
        k = doc[i + 1 : j - 1]
        if _BACKSLASH in k:
            try:
                k = str(_value(doc, i, j)).encode()
            except Exception:
                k = None
        i = _ws(doc, j)
        if i >= len(doc) or doc[i] != _COLON:
            break
        i = _ws(doc, i + 1)
        j = _end(doc, i)
        if j < 0:
            break
        if k == key:
            at = i
            end = j
        i = _ws(doc, j)
        if i >= len(doc) or doc[i] != _COMMA:
            break
        i += 1
    if at < 0 or doc[at] == _OPEN_OBJECT or doc[at] == _OPEN_ARRAY:
        return None
    return _value(doc, at, end)


_THING = b"/thing/"  # topics: $sys/{pid}/{device}/thing/...
_UP_REPLY = b"/reply"  # the platform's answer to an uplink
_DOWN_REPLY = b"_reply"  # the device's answer to a downlink
_topic = None  # the topic btype() read last (str or bytes), and its type: read again, it
_topic_type = None  # costs no heap (the Logger's status() of a code and its topic, under heap_lock)


def btype(topic):
    """Business type ("1.2") of an MQTT or CoAP topic (str or bytes), or None."""
    global _topic, _topic_type
    if topic.__class__ is _topic.__class__ and topic == _topic:  # bytes == str warns on some ports
        return _topic_type
    t = _btype(topic)
    if topic.__class__ is str or topic.__class__ is bytes:
        _topic_type = t
        _topic = topic
    return t


def _btype(topic):
    if isinstance(topic, str):
        topic = topic.encode()
    if not (isinstance(topic, bytes) or isinstance(topic, bytearray)):
        return None
    i = topic.find(_THING)
    if i < 0:
        return "1.1" if topic.endswith(b"/login") else None
    t = bytes(topic[i + len(_THING) :])
    up = t.endswith(_UP_REPLY)
    if up:
        t = t[: -len(_UP_REPLY)]
    if t in (b"property/post", b"event/post", b"pack/post", b"history/post", b"property/desired/get",
             b"property/desired/delete"):
        return "1.2"
    if up:
        return None
    if t.endswith(_DOWN_REPLY):
        t = t[: -len(_DOWN_REPLY)]
    if t == b"property/set" or t == b"property/get" or (
            t.startswith(b"service/") and t.endswith(b"/invoke") and t.count(b"/") == 2):
        return "1.3"
    return None


def parse(code, note, id, trace, type):
    """Logger.status()'s arguments, with a reply or record in place of the code or a topic in
    place of the type -> (code, note, id, trace, type) of the line. A reply gives its code
    and id (an id only when it is a string or an int); a record its status, trace_id, type,
    and content's offline_reason, which goes before the note. Each field is read on its own:
    one that cannot be read is left out, the others kept."""
    if isinstance(type, str) and "/" in type or isinstance(type, bytes) and b"/" in type:
        type = _read(btype, type)
    doc = code if isinstance(code, dict) else _bytes(code)
    if not isinstance(doc, dict) and _doc(doc)[1] < 0:
        return code, note, id, trace, type
    c = _read(field, doc, "code")
    if c is None:
        c = _read(field, doc, "status")
    if isinstance(c, bytes) and len(c) == 1 and not isinstance(doc, dict):  # a JSON string: text
        c = b" " + c
    if id is None:
        id = _read(field, doc, "id")
        if isinstance(id, int) and not isinstance(id, bool):
            id = int(id)  # an int subclass: shown as the int
        elif not (isinstance(id, str) or isinstance(id, bytes)):
            id = None
    if trace is None:
        trace = _read(field, doc, "trace_id")
    if type is None:
        type = _read(field, doc, "type")
    r = _read(field, _read(field, doc, "content"), "offline_reason")
    r = None if r is None else _read(text, r)
    if r is not None:
        r = "offline_reason=" + r
        note = r + " " + (_read(text, note) or "?") if note or note.__class__ is int else r
    return c, note, id, trace, type


def _read(fn, *args):
    # fn(*args), or None if it raises.
    try:
        return fn(*args)
    except Exception:
        return None


def text(v):
    """Anything -> str; bytes are read as UTF-8, each byte of an invalid sequence becoming ?."""
    if isinstance(v, str):
        return v
    if not (isinstance(v, bytes) or isinstance(v, bytearray)):
        return str(v)
    out = bytearray()
    i = 0
    n = len(v)
    while i < n:
        c = v[i]
        k = 0 if c < _LEAD_2 else 1 if c < _LEAD_3 else 2 if c < _LEAD_4 else 3 if c < _LEAD_END else -1
        j = 1
        while 0 < j <= k:  # the continuation bytes k says follow
            d = v[i + j] if i + j < n else 0
            if d >> _CONTINUATION_SHIFT != _CONTINUATION or j == 1 and (
                    c == _LEAD_3 and d < _LEAD_3_LOW or c == _LEAD_SURROGATES and d > _LEAD_SURROGATES_HIGH or
                    c == _LEAD_4 and d < _LEAD_4_LOW or c == _LEAD_MAX and d > _LEAD_MAX_HIGH):
                k = -1
            j += 1
        if k < 0 or c >= _ASCII_END and not k:
            out.append(_QUESTION)
            i += 1
        else:
            out += v[i : i + k + 1]
            i += k + 1
    return str(out, "utf-8")


def note_text(value):
    """A note, message or id that is no str or int -> str (bytes as repaired UTF-8); "?" if it
    fails. The Logger's rare path, kept here so that its import stays small."""
    try:
        return text(value)
    except Exception:
        return "?"


def write_python(sink, buf, start, n):
    """buf[start:start + n] to a stream of Python's own (bytes, else str) -> what it took: the
    Logger's path for sinks without write(buf, off, n)."""
    part = bytes(buf[start : start + n])
    try:
        return sink.write(part)
    except TypeError:
        s = str(part, "utf-8")
        took = sink.write(s)
        return len(s[:took].encode()) if took.__class__ is int and 0 <= took < len(s) else None
