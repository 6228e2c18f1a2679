"""Read OneNET device trace-log exports (NOTES.md section 3) and lay them out as a timeline.

Input, any mix of, as concatenated JSON documents (so JSON lines too):
- API responses `{"data": {"list": [records], "meta": {...}}, "requestId": ..., "success": true}`;
  a failed one (`success` false, `code`/`msg`) is reported, not fatal;
- JSON arrays of responses or of records;
- single records (an object with `trace_id`, `status` or `type`).

Errors carry the place: ParseError("line 3 column 7: ...").
"""

import datetime
import json

import onenetlog

from onenetlog_tools.annotate import to_code
from onenetlog_tools.term import cells, pad

_WS = " \t\r\n"
# Record fields shown in the timeline's own columns or bookkeeping of the log store.
SHOWN = {"trace_id", "type", "status", "content", "device_name", "pid", "@timestamp", "start_time",
         "end_time", "create_time", "type_mean", "status_mean", "_routing", "@version", "uid",
         "env_type", "message_status"}


class ParseError(ValueError):
    """Input that is not what trace reads; the message says where."""


def _where(text, pos):
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {col}"


def decode(data):
    """bytes -> str; invalid UTF-8 is a ParseError naming its place."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        good = data[: err.start].decode("utf-8")
        raise ParseError(f"{_where(good, len(good))}: not UTF-8 text (byte {err.start})") from None
    return text[1:] if text.startswith("\ufeff") else text


def documents(text):
    """Every JSON document in text, in order, as (value, start offset)."""
    dec = json.JSONDecoder()
    pos = 0
    n = len(text)
    end = len(text.rstrip(_WS))
    while True:
        while pos < n and text[pos] in _WS:
            pos += 1
        if pos >= n:
            return
        try:
            value, nxt = dec.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            if err.pos >= end:
                raise ParseError(f"{_where(text, err.pos)}: truncated JSON: the input ends inside the "
                                 f"document that starts at {_where(text, pos)}") from None
            raise ParseError(f"{_where(text, err.pos)}: not JSON: {err.msg}") from None
        except RecursionError:
            raise ParseError(f"{_where(text, pos)}: JSON nested too deeply") from None
        yield value, pos
        pos = nxt


class Export:
    """What a trace-log input holds: records, and responses that reported a failure."""

    def __init__(self):
        self.records = []
        self.failures = []  # (where, code, msg)
        self.responses = 0

    def add(self, value, where):
        if isinstance(value, list):
            for item in value:
                self.add(item, where)
        elif isinstance(value, dict) and ("data" in value or "success" in value or "requestId" in value):
            self.responses += 1
            if value.get("success") is False:
                self.failures.append((where, value.get("code"), value.get("msg")))
                return
            data = value.get("data")
            items = data.get("list") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise ParseError(f"{where}: a response without data.list")
            for item in items:
                if not isinstance(item, dict):
                    raise ParseError(f"{where}: data.list holds a {type(item).__name__}, not a record")
                self.records.append(item)
        elif isinstance(value, dict) and ("trace_id" in value or "status" in value or "type" in value):
            self.records.append(value)
        else:
            kind = type(value).__name__ if not isinstance(value, dict) else "object without trace_id, status or type"
            raise ParseError(f"{where}: not a trace-log response or record (a JSON {kind})")


def load(data):
    """bytes of an export -> Export. Raises ParseError."""
    text = decode(data)
    export = Export()
    for value, pos in documents(text):
        export.add(value, _where(text, pos))
    return export


# -- rendering ---------------------------------------------------------------------------------

def safe(value):
    """Text fit for a terminal: control characters escaped, non-strings as compact JSON."""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in value)


def _time(rec):
    for key in ("@timestamp", "start_time", "create_time"):
        v = rec.get(key)
        if isinstance(v, str) and v:
            return v
    return ""


def _sort_key(rec):
    t = _time(rec)
    try:
        d = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
        if d.tzinfo is None:  # create_time: the platform's local time, UTC+8
            d = d.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
        return (0, d.timestamp(), t)
    except ValueError:
        return (1, 0.0, t)


def content(rec):
    """The record's content as a dict, or the raw value when it is not a JSON object."""
    raw = rec.get("content")
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return raw
        return parsed if isinstance(parsed, dict) else raw
    return raw


def status_code(status):
    """A record's status as a code (an int), or None when it is no code (bools, other types)."""
    return to_code(status) if isinstance(status, (str, int)) and not isinstance(status, bool) else None


def status_text(status, lang):
    """(level, text) for a record's status: code, message, reason and step from the decoder."""
    code = status_code(status)
    if code is None or not onenetlog.known(code):
        return 30, None
    parts = [p for p in (onenetlog.message(code), onenetlog.reason(code, lang), onenetlog.hint(code, lang))
             if p and p != "-"]
    return onenetlog.level(code), " | ".join(parts)


def type_text(t, lang):
    found = onenetlog.business_type(t, lang) if isinstance(t, str) else None
    return found[1] if found else None


def groups(records):
    """[(trace id or None, [records by time])], ordered by each trace's first record."""
    by = {}
    for rec in records:
        tid = rec.get("trace_id")
        by.setdefault(tid if isinstance(tid, str) and tid else None, []).append(rec)
    out = [(tid, sorted(recs, key=_sort_key)) for tid, recs in by.items()]
    out.sort(key=lambda g: (g[0] is None, _sort_key(g[1][0])))
    return out


def timeline(export, lang, style):
    """The timeline as lines of text. style colours by level (see cli.Style)."""
    found = groups(export.records)
    traces = sum(1 for tid, _ in found if tid)
    resp = f", from {export.responses} response{'s' if export.responses != 1 else ''}" if export.responses else ""
    lines = [f"{len(export.records)} record{'s' if len(export.records) != 1 else ''} in {traces} "
             f"trace{'s' if traces != 1 else ''}{resp}", ""]
    for tid, recs in found:
        devices = sorted({safe(r.get("device_name")) for r in recs if r.get("device_name")})
        products = sorted({safe(r.get("pid")) for r in recs if r.get("pid")})
        head = f"trace {safe(tid)}" if tid else "records without a trace id"
        extra = [f"{len(recs)} record{'s' if len(recs) != 1 else ''}"]
        if len(devices) == 1:
            extra.append(f"device {devices[0]}")
        if len(products) == 1:
            extra.append(f"product {products[0]}")
        lines.append(style.bold(head) + "  (" + ", ".join(extra) + ")")
        rows = [_record(rec, lang, style, per_device=len(devices) > 1) for rec in recs]
        wt = max(cells(r[0]) for r in rows)
        wk = max(cells(r[1]) for r in rows)
        for when, kind, stat, details in rows:
            lines.append(f"  {pad(when, wt)}  {pad(kind, wk)}  {stat}".rstrip())
            lines += details
        lines.append("")
    return lines


def _record(rec, lang, style, per_device):
    t = rec.get("type")
    tname = type_text(t, lang)
    if tname is None and rec.get("type_mean"):
        tname = f"{safe(rec['type_mean'])} (platform's name)"
    status = rec.get("status")
    level, meaning = status_text(status, lang)
    if meaning is None:
        meaning = (f"{safe(rec['status_mean'])} (platform's text; not in the table)" if rec.get("status_mean")
                   else "unknown code")
    when = safe(_time(rec).replace("T", " ")) or "(no time)"
    who = f"  [{safe(rec.get('device_name'))}]" if per_device and rec.get("device_name") else ""
    kind = f"{safe(t)} {tname}" if tname else f"type {safe(t)}" if t is not None else "no type"
    stat = f"{safe(status)} {meaning}" if status is not None else "no status"
    mark = {40: "E", 30: "W", 20: "I"}.get(level, "W")
    out = []
    body = content(rec)
    if isinstance(body, dict):
        if "offline_reason" in body:
            out.append(f"      offline_reason: {style.bold(safe(body['offline_reason']))}")
        rest = [f"{safe(k)}={safe(v)}" for k, v in body.items() if k != "offline_reason"]
        if rest:
            out.append("      content: " + " ".join(rest))
    elif body not in (None, ""):
        out.append(f"      content: {safe(body)}")
    extras = [f"{safe(k)}={safe(v)}" for k, v in rec.items()
              if k not in SHOWN or (k == "message_status" and v not in ("0", 0))]
    if extras:
        out.append("      " + " ".join(extras))
    return when, kind + who, style.level(f"{mark} {stat}", level), out
