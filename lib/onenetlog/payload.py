"""onenetlog.payload: what Logger.reply() and Logger.record() read from OneJSON replies and
platform log records. Loaded on their first use.

Fields are read by scanning the top level of the JSON text, without building it: the value
of the last occurrence of a key (as json.loads keeps it), for any valid JSON. Strings come
back as bytes (str when they hold escapes), whole numbers as int, true/false/null as
True/False/None; other numbers, objects and arrays as None. Malformed or cut-off JSON gives
whatever was complete before the fault.

Business type by MQTT topic, "$sys/{pid}/{device}/..." (the exchange's direction: a reply has
the type of the request it answers; the platform's own table files each message by its own
direction instead, e.g. set_reply under uplink):
  1.2 uplink:   thing/property/post, thing/event/post, thing/pack/post, thing/history/post,
                thing/property/desired/get, thing/property/desired/delete; each +/reply
  1.3 downlink: thing/property/set, thing/property/get, thing/service/{id}/invoke; each +_reply
  1.1 device behaviour: login (CoAP)
Any other topic has no type.
"""


def _ws(b, i):
    n = len(b)
    while i < n and (b[i] == 32 or b[i] == 10 or b[i] == 13 or b[i] == 9):
        i += 1
    return i


def _end(b, i):
    # Index just past the JSON value at b[i]; -1 if it is cut off.
    n = len(b)
    if i >= n:
        return -1
    c = b[i]
    if c == 34:  # "
        i += 1
        while i < n:
            if b[i] == 92:  # backslash
                i += 1
            elif b[i] == 34:
                return i + 1
            i += 1
        return -1
    if c == 123 or c == 91:  # { [
        d = 0
        while i < n:
            c = b[i]
            if c == 34:
                i = _end(b, i)
                if i < 0:
                    return -1
                continue
            if c == 123 or c == 91:
                d += 1
            elif c == 125 or c == 93:
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
    c = b[i]
    if c == 34:
        v = b[i + 1 : j - 1]
        if 92 in v:
            from json import loads

            v = loads(b[i:j])
        return v
    v = b[i:j]
    if v == b"true" or v == b"false":
        return v == b"true"
    try:
        if 48 <= v[-1] <= 57 and b"." not in v and b"e" not in v and b"E" not in v:
            return int(v)
    except Exception:
        pass
    return None


def field(doc, key):
    """Top-level key of doc (a dict, or a JSON object as str/bytes) -> its value, or None."""
    if isinstance(doc, dict):
        return doc.get(key)
    if isinstance(doc, str):
        doc = doc.encode()
    elif not (isinstance(doc, bytes) or isinstance(doc, bytearray)):
        return None
    key = key.encode()
    i = _ws(doc, 3 if doc[:3] == b"\xef\xbb\xbf" else 0)
    if i >= len(doc) or doc[i] != 123:
        return None
    at = -1
    while True:
        i = _ws(doc, i + 1)
        j = _end(doc, i)
        if j < 0 or doc[i] != 34:
            break
        k = doc[i + 1 : j - 1]
        if 92 in k:
            try:
                k = _value(doc, i, j).encode()
            except Exception:
                k = None
        i = _ws(doc, j)
        if i >= len(doc) or doc[i] != 58:  # :
            break
        i = _ws(doc, i + 1)
        j = _end(doc, i)
        if j < 0:
            break
        if k == key:
            at = i
            end = j
        i = _ws(doc, j)
        if i >= len(doc) or doc[i] != 44:  # ,
            break
    if at < 0 or doc[at] == 123 or doc[at] == 91:
        return None
    return _value(doc, at, end)


def btype(topic):
    """Business type ("1.2") of an MQTT or CoAP topic (str or bytes), or None."""
    if isinstance(topic, str):
        topic = topic.encode()
    if not (isinstance(topic, bytes) or isinstance(topic, bytearray)):
        return None
    i = topic.find(b"/thing/")
    if i < 0:
        return "1.1" if topic.endswith(b"/login") else None
    t = bytes(topic[i + 7 :])
    up = t.endswith(b"/reply")
    if up:
        t = t[:-6]
    if t in (b"property/post", b"event/post", b"pack/post", b"history/post", b"property/desired/get",
             b"property/desired/delete"):
        return "1.2"
    if up:
        return None
    if t.endswith(b"_reply"):
        t = t[:-6]
    if t == b"property/set" or t == b"property/get" or t.startswith(b"service/") and t.endswith(b"/invoke") \
            and t.count(b"/") == 2:
        return "1.3"
    return None


def reply(topic, payload):
    """(code, id, business type) of a OneJSON reply; id only when it is a string or an int."""
    i = field(payload, "id")
    if not (isinstance(i, str) or isinstance(i, bytes) or i.__class__ is int):
        i = None
    return field(payload, "code"), i, btype(topic)


def record(rec, note=""):
    """(status, trace_id, type, note) of a trace-log record; offline_reason goes into note."""
    r = field(field(rec, "content"), "offline_reason")
    if r is not None:
        try:
            r = "offline_reason=" + (str(r, "utf-8") if isinstance(r, bytes) else str(r))
        except Exception:
            r = "offline_reason=?"
        note = r + " " + note if note else r
    return field(rec, "status"), field(rec, "trace_id"), field(rec, "type"), note
