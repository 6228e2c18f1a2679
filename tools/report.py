"""`onenetlog report [console.log ...] [export.json ...] -o report.html`: one self-contained
HTML page (no script, no fetch: it opens offline) that shows

- a summary: the status codes by count and by service, errors first, each with its message,
  reason and step in the chosen language, and the last line it was seen on;
- the status codes over time, as an inline SVG chart drawn here: counts by level per minute
  of the console's own times (wall clock, or minutes of uptime for ticks_ms lines), and one
  bar per record of a trace-log export;
- each trace-log export as a timeline per trace ID, the failing hop marked with its meaning;
- the table versions the board reported, against the host's.

Files ending in .json, .jsonl or .ndjson are trace-log exports (tools/tracelog.py reads them;
one that is not is a one-line error); anything else is a console log. A console is read in
blocks of whole lines (annotate.blocks) and only counted, so memory stays bounded whatever its
size: per code a count and one example line, per time bin three counts, the bins merged into
wider ones when there would be too many. The page is rendered by Jinja2 with autoescaping
from tools/templates/report.html.j2.
"""

import datetime
import functools
import math
import os
import re
import sys

import onenetlog
from onenetlog_tools import annotate as ann
from onenetlog_tools import tracelog
from onenetlog_tools.monitor import BOOT_RE, VERSION_RE, host_versions

EXPORT_SUFFIXES = (".json", ".jsonl", ".ndjson")
LEVELS = (40, 30, 20)  # error, warning, info: the order of the summary and of the chart's stack
LEVEL_NAMES = {40: "error", 30: "warning", 20: "info"}
MAX_CODES = 512  # distinct codes kept; more fold into OTHER_CODES
OTHER_CODES = "other"
MAX_BINS = 20000  # time bins kept while reading; more merge into bins twice as wide
MAX_BARS = 1500  # chart bars; a day of minutes fits
MAX_RECORDS = 5000  # timeline rows; the rest are counted, not shown
EXAMPLE_CHARS = 240
# The head of a line in the line format (docs/line-format.md), for its time.
LINE_TIME = re.compile(rb"(?:\x1b\[[0-9;]*m)?[DIWE] \((?:(\d{1,12})|(\d{4}-\d\d-\d\d \d\d:\d\d):\d\d\.\d{3})\) ")
# A status line from its start (annotate.DEVICE with the time's parts), for a whole block.
STATUS_LINE = re.compile(rb"^[DIWE] \((?:(\d{1,12})|(\d{4}-\d\d-\d\d \d\d:\d\d):\d\d\.\d{3})\) [A-Za-z0-9_.\-]+"
                         rb"#(\d{1,9}|\?):(?: |(?=\r?\n)|\r?\Z)", re.M)
# Where a Logger's CONNACK line may be: such lines go through found(), which tells them apart.
CONNACK_TYPE = re.compile(re.escape(ann.CONNACK_TYPE))
EPOCH = datetime.datetime(1970, 1, 1)


class ReportError(Exception):
    """Input the report cannot use; the message is one line."""


# -- reading -----------------------------------------------------------------------------------

class Bins:
    """Counts by level per time bin of `width` minutes, keyed by the bin's first minute. Past
    MAX_BINS bins, the width doubles and the bins merge: memory stays bounded."""

    def __init__(self):
        self.width = 1
        self.counts = {}

    def add(self, minute, level, n=1):
        key = minute - minute % self.width
        got = self.counts.get(key)
        if got is None:
            got = self.counts[key] = {40: 0, 30: 0, 20: 0}
            if len(self.counts) > MAX_BINS:
                self._widen()
                got = self.counts[minute - minute % self.width]
        got[level] += n

    def _widen(self):
        self.width *= 2
        merged = {}
        for key, got in self.counts.items():
            into = merged.setdefault(key - key % self.width, {40: 0, 30: 0, 20: 0})
            for level, n in got.items():
                into[level] += n
        self.counts = merged


class Console:
    """What console logs hold, gathered a block at a time."""

    def __init__(self):
        self.files = []  # (name, lines, status lines)
        self.counts = {}  # code -> lines it is on
        self.examples = {}  # code -> the last line it was on (cut, ANSI colour removed)
        self.wall = Bins()  # minutes since 1970 of lines with the board's wall clock
        self.uptime = Bins()  # minutes of ticks_ms of the others
        self.untimed = 0  # codes on lines without a time
        self.versions = {}  # (version, tier) -> times reported
        self.boots = 0
        self._annotator = ann.Annotator("en")
        self._minutes = {}  # "YYYY-MM-DD HH:MM" -> minutes since 1970

    def read(self, name, inp):
        lines = status = 0
        open_line = False  # the input's last line has no line end
        for buf, end, whole in ann.blocks(inp):
            lines += buf.count(b"\n", 0, end)
            open_line = end > 0 and buf[end - 1] != 10
            if whole:
                status += self._block(buf, end)
        self.files.append((name, lines + open_line, status))

    def _block(self, buf, end):
        """Count a block of whole lines. Status lines go through one regex in C; lines with a
        code in another context (code=, "code":, "status":), with ` type=connack` (a CONNACK
        line) or with colour go line by line through the annotator's found(), as `onenetlog
        summary` counts them."""
        for m in VERSION_RE.finditer(buf, 0, end):
            key = (m.group(1).decode().lower(), (m.group(2) or b"").decode().lower() or None)
            self.versions[key] = self.versions.get(key, 0) + 1
        self.boots += sum(1 for _ in BOOT_RE.finditer(buf, 0, end))
        if buf.find(b"\x1b", 0, end) >= 0:
            return self._lines(buf, end, None)
        rfind = buf.rfind
        slow = {rfind(b"\n", 0, m.start()) + 1 for pattern in (ann.CODE_ANY, ann.STATUS, CONNACK_TYPE)
                for m in pattern.finditer(buf, 0, end)}
        status = self._lines(buf, end, slow) if slow else 0
        seen = {}  # (ticks minute or wall-clock text, raw code) -> lines
        last = {}  # raw code -> start of the last line it was on
        for m in STATUS_LINE.finditer(buf, 0, end):
            ls = m.start()
            if ls in slow:
                continue
            ticks, wall, raw = m.groups()
            key = (int(ticks) // 60000 if ticks is not None else wall, raw)
            seen[key] = seen.get(key, 0) + 1
            last[raw] = ls
        for (when, raw), n in seen.items():
            code = self._code(raw)
            level = code_level(code)
            status += n
            self.counts[code] = self.counts.get(code, 0) + n
            if isinstance(when, int):
                self.uptime.add(when, level, n)
            else:
                self._wall(when, level, n)
        for raw, ls in last.items():
            ce = buf.find(b"\n", ls, end)
            self.examples[self._code(raw)] = buf[ls:ce if ce >= 0 else end].rstrip(b"\r")[:EXAMPLE_CHARS * 4]
        return status

    def _code(self, raw):
        return self._fold(ann.UNREADABLE if raw == b"?" else int(raw))

    def _fold(self, code):
        """code, or OTHER_CODES once MAX_CODES codes are counted and code is not one of them."""
        if code not in self.counts and len(self.counts) >= MAX_CODES:
            return OTHER_CODES
        return code

    def _wall(self, text, level, n):
        minute = self._minute(text)
        if minute is None:
            self.untimed += n
        else:
            self.wall.add(minute, level, n)

    def _lines(self, buf, end, only):
        """Count the lines of the block (only: the line starts to count, None for all) one at a time."""
        found = self._annotator.found
        status = 0
        for ls, ce, _hits in ann.candidates(buf, end):
            if only is not None and ls not in only:
                continue
            line = buf[ls:ce]
            codes = found(line)
            if codes:
                status += 1
                self._line(line, codes)
        return status

    def _line(self, line, codes):
        if b"\x1b" in line:
            line = ann.ANSI.sub(b"", line)
        bins, minute = self._when(line)
        for code, _with in codes:
            code = self._fold(code)
            self.counts[code] = self.counts.get(code, 0) + 1
            self.examples[code] = line[:EXAMPLE_CHARS * 4]
            level = code_level(code)
            if bins is None:
                self.untimed += 1
            else:
                bins.add(minute, level)

    def _when(self, line):
        """(bins, minute) of a line's time, or (None, None)."""
        m = LINE_TIME.match(line)
        if m is None:
            return None, None
        if m.group(1) is not None:
            return self.uptime, int(m.group(1)) // 60000
        minute = self._minute(m.group(2))
        return (None, None) if minute is None else (self.wall, minute)

    def _minute(self, text):
        """Minutes since 1970 of b"YYYY-MM-DD HH:MM", or None."""
        minute = self._minutes.get(text)
        if minute is None:
            try:
                when = datetime.datetime.strptime(text.decode(), "%Y-%m-%d %H:%M")
            except ValueError:
                return None
            minute = int((when - EPOCH).total_seconds()) // 60
            if len(self._minutes) > 4096:
                self._minutes.clear()
            self._minutes[text] = minute
        return minute


@functools.lru_cache(maxsize=MAX_CODES * 2)
def code_level(code):
    if isinstance(code, ann.Connack):
        return code.level()
    return 30 if not isinstance(code, int) else onenetlog.level(code)


def read_console(console, path):
    if path == "-":  # stdin, read as a console log like the other commands
        console.read("<stdin>", sys.stdin.buffer)
        return
    try:
        with open(path, "rb") as f:
            console.read(path, f)
    except OSError as err:
        raise ReportError(f"{path}: {err.strerror or err}") from None


def read_export(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise ReportError(f"{path}: {err.strerror or err}") from None
    try:
        return tracelog.load(data)
    except tracelog.ParseError as err:
        raise ReportError(f"{path}: not a trace-log export: {err}") from None


# -- what the page shows -----------------------------------------------------------------------

def code_rows(counts, examples, lang):
    """The summary's rows, errors first, then by count."""
    rows = []
    for code, n in counts.items():
        if isinstance(code, ann.Connack):
            rows.append(connack_row(code, n, examples, lang))
            continue
        known = isinstance(code, int) and onenetlog.known(code)
        level = code_level(code)
        rows.append({
            "code": code, "count": n, "level": LEVEL_NAMES[level],
            "tag": (onenetlog.tag(code) if isinstance(code, int) else None) or "?",
            "service": onenetlog.service(code, lang) if known else None,
            "message": onenetlog.message(code) if known else {ann.UNREADABLE: "unreadable code",
                                                              OTHER_CODES: "more distinct codes"}.get(code, "unknown code"),
            "reason": onenetlog.reason(code, lang) if known else None,
            "step": onenetlog.hint(code, lang) if known else None,
            "example": _example(examples.get(code)),
        })
    rows.sort(key=lambda r: (LEVELS.index({"error": 40, "warning": 30, "info": 20}[r["level"]]), -r["count"], str(r["code"])))
    return rows


def connack_row(code, n, examples, lang):
    """The summary's row of an MQTT CONNACK code (ann.Connack), labelled `CONNACK 5`: its
    reason is the OneNET codes that may stand behind it."""
    return {"code": str(code), "count": n, "level": LEVEL_NAMES[code.level()], "tag": code.tag,
            "service": code.service(lang), "message": code.message(), "reason": code.onenet_why(),
            "step": None, "example": _example(examples.get(code))}


def _example(line):
    if not line:
        return None
    text = line.decode("utf-8", "replace")
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "…"


def service_rows(rows):
    out = {}
    for r in rows:
        s = out.setdefault(r["tag"], {"tag": r["tag"], "service": r["service"], "count": 0, "error": 0, "warning": 0, "info": 0})
        s["count"] += r["count"]
        s[r["level"]] += r["count"]
        s["service"] = s["service"] or r["service"]
    return sorted(out.values(), key=lambda s: (-s["error"], -s["warning"], -s["count"], s["tag"]))


def chart(bins, label, start_of):
    """Bars for bins (a Bins): one per bin, the axis continuous in time, at most MAX_BARS (bins
    merged when more). label(minute) names a bin."""
    if not bins.counts:
        return None
    first, last = min(bins.counts), max(bins.counts)
    width = bins.width
    span = (last - first) // width + 1
    per = max(1, math.ceil(span / MAX_BARS))
    bars = {}
    for key, got in bins.counts.items():
        i = (key - first) // width // per
        into = bars.setdefault(i, {40: 0, 30: 0, 20: 0})
        for level, n in got.items():
            into[level] += n
    n_bars = (span - 1) // per + 1
    return _bars(bars, n_bars, lambda i: label(first + i * per * width), f"{per * width} min", start_of)


def record_chart(records, lang):
    """One bar per record of an export, in time order (the first MAX_BARS)."""
    if not records:
        return None
    bars = {}
    labels = []
    for i, rec in enumerate(records[:MAX_BARS]):
        level, _ = tracelog.status_text(rec.get("status"), lang)
        bars[i] = {40: 0, 30: 0, 20: 0, level: 1}
        labels.append(tracelog.safe(tracelog._time(rec)) or "(no time)")
    return _bars(bars, len(labels), lambda i: labels[i], "record", None)


CHART_W, CHART_H = 1000, 220
BAR_MAX = 24  # a bar's width at most, when there are few


def _bars(bars, n_bars, label, per, start_of):
    """The chart as numbers for the template: bars of stacked segments, a y scale, x labels."""
    top = max((sum(b.values()) for b in bars.values()), default=1) or 1
    step = CHART_W / n_bars
    out = []
    for i in sorted(bars):
        got = bars[i]
        y = CHART_H
        segments = []
        for level in LEVELS:
            h = got.get(level, 0) * CHART_H / top
            if h:
                y -= h
                segments.append({"y": round(y, 2), "h": round(h, 2), "level": LEVEL_NAMES[level]})
        w = min(max(step * 0.9, 0.5), BAR_MAX)
        out.append({"x": round(i * step + (step - w) / 2, 2), "w": round(w, 2), "segments": segments,
                    "title": f"{label(i)}: " + ", ".join(f"{got[lv]} {LEVEL_NAMES[lv]}" for lv in LEVELS if got.get(lv))})
    ticks = sorted({min(n_bars - 1, round(k * (n_bars - 1) / 5)) for k in range(6)})
    return {"bars": out, "top": top, "per": per, "width": CHART_W, "height": CHART_H,
            "xlabels": [{"x": round(i * step + step / 2, 2), "text": label(i)} for i in ticks],
            "total": {LEVEL_NAMES[lv]: sum(b.get(lv, 0) for b in bars.values()) for lv in LEVELS}}


def wall_label(minute):
    return (EPOCH + datetime.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M")


def uptime_label(minute):
    return f"{minute // 60}h{minute % 60:02d} up"


def traces(records, lang):
    """[{id, device, product, rows}] per trace ID, as `onenetlog trace` orders them; the first
    record whose status is not a success is the failing hop."""
    out = []
    for tid, recs in tracelog.groups(records):
        rows = []
        failing = None
        for rec in recs:
            row = _record_row(rec, lang)
            if row["failed"] and failing is None:
                failing = row
                row["failing"] = True
            rows.append(row)
        devices = sorted({tracelog.safe(r.get("device_name")) for r in recs if r.get("device_name")})
        products = sorted({tracelog.safe(r.get("pid")) for r in recs if r.get("pid")})
        out.append({"id": tracelog.safe(tid) if tid else None, "devices": devices, "products": products,
                    "rows": rows, "failing": failing})
    return out


def _record_row(rec, lang):
    status = rec.get("status")
    level, meaning = tracelog.status_text(status, lang)
    if meaning is None:
        meaning = (f"{tracelog.safe(rec['status_mean'])} (platform's text; not in the table)" if rec.get("status_mean")
                   else "unknown code")
    t = rec.get("type")
    tname = tracelog.type_text(t, lang)
    if tname is None and rec.get("type_mean"):
        tname = f"{tracelog.safe(rec['type_mean'])} (platform's name)"
    code = tracelog.status_code(status)
    body = tracelog.content(rec)
    details = []
    if isinstance(body, dict):
        details = [(tracelog.safe(k), tracelog.safe(v)) for k, v in body.items()]
    elif body not in (None, ""):
        details = [("content", tracelog.safe(body))]
    return {"when": tracelog.safe(tracelog._time(rec).replace("T", " ")) or "(no time)",
            "type": tracelog.safe(t) if t is not None else None, "type_name": tname,
            "status": tracelog.safe(status) if status is not None else None, "level": LEVEL_NAMES.get(level, "warning"),
            "meaning": meaning, "details": details, "failed": code is None or not onenetlog.is_ok(code),
            "failing": False, "device": tracelog.safe(rec.get("device_name")) if rec.get("device_name") else None}


def versions(found):
    """[{version, tier, times, host, matches}] of the versions the board reported."""

    host = host_versions()
    out = []
    for (version, tier), n in sorted(found.items(), key=lambda kv: -kv[1]):
        want = host.get(tier) if tier else None
        matches = version == want if want else version in host.values()
        out.append({"version": version, "tier": tier, "times": n, "host": want, "matches": matches})
    return out, host


# -- the command -------------------------------------------------------------------------------

def build(paths, lang):
    """The template's context for the inputs."""
    console = Console()
    export = tracelog.Export()
    exports = []
    for path in paths:
        if path.lower().endswith(EXPORT_SUFFIXES):
            one = read_export(path)
            export.records += one.records
            export.failures += [(f"{path} {where}", code, msg) for where, code, msg in one.failures]
            export.responses += one.responses
            exports.append((path, len(one.records)))
        else:
            read_console(console, path)
    counts = dict(console.counts)
    examples = dict(console.examples)
    for rec in export.records:
        status = rec.get("status")
        code = tracelog.status_code(status)
        if code is not None:
            counts[code] = counts.get(code, 0) + 1
    rows = code_rows(counts, examples, lang)
    found, host = versions(console.versions)
    records = sorted(export.records, key=tracelog._sort_key)
    groups = traces(records[:MAX_RECORDS], lang)
    return {
        "lang": lang, "generated": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "consoles": console.files, "exports": exports, "codes": rows, "services": service_rows(rows),
        "total": sum(r["count"] for r in rows), "untimed": console.untimed, "boots": console.boots,
        "wall_chart": chart(console.wall, wall_label, None), "uptime_chart": chart(console.uptime, uptime_label, None),
        "record_chart": record_chart(records, lang), "traces": groups, "records": len(records),
        "records_left_out": max(0, len(records) - MAX_RECORDS), "failures": export.failures,
        "versions": found, "host_versions": host, "tool_version": onenetlog.VERSION,
    }


def render(context):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(context)


def add_arguments(s):
    """The `report` subcommand's options (cli.py registers the subcommand)."""
    s.add_argument("files", nargs="+", metavar="FILE",
                   help="console logs (- for stdin), and trace-log exports (.json, .jsonl, .ndjson)")
    s.add_argument("-o", "--output", default="onenetlog-report.html", metavar="FILE",
                   help="the page to write (default onenetlog-report.html; - for stdout)")


def overwritten_input(output, paths):
    """The input path that output would overwrite (the same file, through a link too), or None."""
    if output == "-" or not os.path.exists(output):
        return None
    for path in paths:
        if path != "-" and os.path.exists(path) and os.path.samefile(output, path):
            return path
    return None


def main(args):
    """`onenetlog report`; returns the exit status."""
    same = overwritten_input(args.output, args.files)
    if same is not None:
        print(f"onenetlog report: error: -o {args.output} is the input {same}: name another output file",
              file=sys.stderr)
        return 1
    try:
        page = render(build(args.files, args.lang)).encode("utf-8")
    except ReportError as err:
        print(f"onenetlog report: error: {err}", file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.buffer.write(page)
        return 0
    try:
        with open(args.output, "wb") as f:
            f.write(page)
    except OSError as err:
        print(f"onenetlog report: error: {args.output}: {err.strerror or err}", file=sys.stderr)
        return 1
    print(f"onenetlog report: wrote {args.output} ({len(page) // 1024 or 1} KB)", file=sys.stderr)
    return 0
