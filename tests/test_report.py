"""`onenetlog report`: the page's content for the recorded session and the golden trace export
(read back with html.parser), hostile input (escaped text, a 50 MB log in bounded memory, an
export that is not one), and the bounds the reader keeps. tests/test_report_browser.py opens
the page in headless Chromium."""

import html
import html.parser
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import onenetlog
from onenetlog_tools import report
from onenetlog_tools.bench_report import day_log

GOLDEN = Path(__file__).parent / "golden"
SESSION = GOLDEN / "session.log"
EXPORT = GOLDEN / "trace-export.json"
ROOT = Path(__file__).parent.parent


def run(*args, cwd=None):
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "report", "--lang", "en", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, timeout=120, cwd=cwd)


class Page(html.parser.HTMLParser):
    """Elements by tag, each with its attributes, and the text by element id."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.text = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all_text(self):
        return re.sub(r"\s+", " ", " ".join(self.text))


def rows(text, table_id):
    """The cells of each row of the table with table_id, as text."""
    body = text[text.index(f'<table id="{table_id}">'):]
    body = body[: body.index("</table>")]
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        out.append([html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", td))).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)])
    return [r for r in out if r]


def test_recorded_session_and_golden_export(tmp_path):
    out = tmp_path / "report.html"
    done = run(SESSION, EXPORT, "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().startswith(f"onenetlog report: wrote {out} (")
    text = out.read_text()
    page = Page(text)
    # Self-contained: no script, nothing fetched.
    assert not [t for t, a in page.tags if t in ("script", "link", "img", "iframe")]
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    # The summary: errors first, each code with its count, message, reason and step.
    log = SESSION.read_bytes()
    codes = rows(text, "codes")
    first = [r for r in codes if len(r) == 7]
    assert [r[1] for r in first] == sorted((r[1] for r in first), key=["error", "warning", "info"].index)
    by_code = {r[0]: r for r in first}
    assert by_code["1104"][2] == str(log.count(b"mqtt#1104:"))
    assert by_code["1104"][4:] == ["token expired", onenetlog.reason(1104, "en"), onenetlog.hint(1104, "en")]
    assert by_code["200"][2] == str(log.count(b"general#200:") + log.count(b'"code":200') + 2)  # + 2 export records
    assert by_code["7777"][1:5] == ["warning", "1", "(?)", "unknown code"]  # from the export
    services = {r[0]: r for r in rows(text, "services")}
    assert services["MQTT access (mqtt)"][2] == str(log.count(b"mqtt#1104:"))
    # The chart: one bar per minute of the board's clock, by level.
    assert 'id="chart-wall"' in text and 'id="chart-records"' in text
    assert len([1 for t, a in page.tags if t == "rect" and a.get("class") == "error"]) >= 5
    # The trace timeline: the failing hop and its meaning.
    words = page.all_text()
    assert ("Fails at 2021-12-10 10:19:35.100Z, 2.1 Thing-model call: 305 no thing-model | "
            "Thing model definition does not exist") in words
    assert "trace c0ffee0000000000000000000000beef (4 records, device 400A002090011001" in words
    # The table versions the board reported.
    assert "6463ff0e full 2 matches" in words


def test_hostile_text_is_escaped(tmp_path):
    log = tmp_path / "evil.log"
    log.write_bytes(b"E (1) mqtt#1104: id=1 -- <script>alert(1)</script>\n"
                    b"I (2) app: rx {\"code\":305,\"msg\":\"<img src=x onerror=alert(2)>\"}\n")
    export = tmp_path / "evil.json"
    export.write_text('{"trace_id":"<u>t</u>","status":"305","type":"2.1","device_name":"<script>x()</script>",'
                      '"content":"{\\"k\\":\\"</td><iframe>\\"}"}')
    out = tmp_path / "r.html"
    assert run(log, export, "-o", out).returncode == 0
    text = out.read_text()
    page = Page(text)
    assert not [t for t, a in page.tags if t in ("script", "img", "iframe", "u")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x onerror=alert(2)&gt;" in text
    assert "&lt;/td&gt;&lt;iframe&gt;" in text and "trace <code>&lt;u&gt;t&lt;/u&gt;</code>" in text


def test_input_that_is_not_an_export_or_missing_is_one_line(tmp_path):
    cases = {"text.json": b"hello\n", "object.json": b'{"a": 1}', "cut.json": b'{"data": {"list": [',
             "binary.ndjson": b"\xff\xfe"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        done = run(tmp_path / name, "-o", tmp_path / "r.html")
        lines = done.stderr.decode().splitlines()
        assert done.returncode == 1 and len(lines) == 1, (name, lines)
        assert lines[0].startswith(f"onenetlog report: error: {tmp_path / name}: not a trace-log export: line 1 column "), lines
    done = run(tmp_path / "nope.log")
    assert done.returncode == 1 and done.stderr.decode() == f"onenetlog report: error: {tmp_path / 'nope.log'}: No such file or directory\n"
    assert not (tmp_path / "r.html").exists()


def test_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path):
    log, export = tmp_path / "keep.log", tmp_path / "a.jsonl"
    log.write_bytes(b"E (1) mqtt#1104: x\n")
    export.write_bytes(b"")
    (tmp_path / "link.html").symlink_to(log)
    for out, named in ((log, log), (export, export), (tmp_path / "link.html", log)):
        done = run(log, export, "-o", out)
        lines = done.stderr.decode().splitlines()
        assert done.returncode == 1 and lines == [f"onenetlog report: error: -o {out} is the input {named}: "
                                                  "name another output file"], lines
    assert log.read_bytes() == b"E (1) mqtt#1104: x\n" and export.read_bytes() == b""


def test_stdin_is_read_as_a_console_log(tmp_path):
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "report", "--lang", "en", "-", "-o", str(tmp_path / "x.html")]
    done = subprocess.run(cmd, input=b"E (1) mqtt#1104: x\n", capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = Page((tmp_path / "x.html").read_text()).all_text()
    assert "<stdin>" in text and "1104" in text


# Measured by a small parent: a child's peak counts the pages of the process it forked from.
MEASURE = ("import os, subprocess, sys\n"
           "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
           "_, status, usage = os.wait4(p.pid, 0)\n"
           "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n")


def peak_rss_kb(args, cwd):
    """Peak resident memory (KB) of the report command, from the kernel's accounting."""
    cmd = [sys.executable, "-c", MEASURE, sys.executable, "-m", "onenetlog_tools.cli", "report", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, cwd=cwd, timeout=300)
    status, peak = map(int, done.stdout.split())
    assert status == 0, done.stderr
    return peak


def test_a_50_mb_log_in_bounded_memory(tmp_path):
    big = tmp_path / "big.log"
    day_log(big, 100000, filler=b" " + b"x" * 1300)  # ~45 MB, long plain lines ...
    with open(big, "ab") as f:
        f.write(b"E (1) mqtt#1104: " + b"y" * (8 << 20) + b"\n")  # ... a line of 8 MB ...
        f.write(b"".join(b"W (%d) log#%d: unknown code\n" % (i * 60000, 10000 + i) for i in range(30000)))  # many codes, minutes
    assert big.stat().st_size > 50e6
    small = tmp_path / "small.log"
    day_log(small, 1000)
    base = peak_rss_kb([small, "-o", tmp_path / "s.html"], tmp_path)
    peak = peak_rss_kb([big, "-o", tmp_path / "b.html"], tmp_path)
    print(f"peak RSS: {base} KB for a 1000-line log, {peak} KB for {big.stat().st_size} bytes")
    assert peak - base < 40 * 1024  # a block and its longest line (8 MB), not the 50 MB file
    text = (tmp_path / "b.html").read_text()
    assert "more distinct codes" in text  # codes past MAX_CODES are counted, not dropped


def test_bins_widen_and_codes_fold():
    bins = report.Bins()
    for minute in range(report.MAX_BINS * 3):
        bins.add(minute, 40)
    assert len(bins.counts) <= report.MAX_BINS and bins.width == 4
    assert sum(c[40] for c in bins.counts.values()) == report.MAX_BINS * 3
    c = report.Console()
    import io

    c.read("x", io.BytesIO(b"".join(b"W (1) log#%d: unknown code\n" % (100000 + i) for i in range(report.MAX_CODES + 10))))
    assert len(c.counts) == report.MAX_CODES + 1 and c.counts[report.OTHER_CODES] == 10
    assert sum(c.counts.values()) == report.MAX_CODES + 10 and c.files == [("x", report.MAX_CODES + 10, report.MAX_CODES + 10)]


def test_chart_keeps_a_day_of_minutes_and_merges_more():
    bins = report.Bins()
    for minute in range(1440):
        bins.add(minute, 20)
    assert len(report.chart(bins, report.uptime_label, None)["bars"]) == 1440
    for minute in range(1440, 4000):
        bins.add(minute, 30)
    merged = report.chart(bins, report.uptime_label, None)
    assert len(merged["bars"]) <= report.MAX_BARS and merged["per"] == "3 min"
    assert merged["total"] == {"error": 0, "warning": 2560, "info": 1440}


def test_templates_ship_as_package_data():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "templates/*.j2" in meta["tool"]["setuptools"]["package-data"]["onenetlog_tools"]
    assert any(d.startswith("jinja2==") for d in meta["project"]["dependencies"])
    assert (ROOT / "tools" / "templates" / "report.html.j2").exists()


def test_counts_agree_with_summary_on_every_golden_log():
    # The block path (one regex for status lines) against `onenetlog summary`'s line by line.
    import io

    from onenetlog_tools.annotate import Annotator
    from onenetlog_tools.cli import count_codes

    mixed = b"".join((GOLDEN / n).read_bytes() for n in ("device-full.log", "device-codes.log", "session.log"))
    mixed += b"E (5) a#1104: x\r\nE (6) a#1104:\nW (2026-01-01 00:00:00.000) b#?: bad\nE (7) c#1104 not\nI (8) d: code=4.04\n"
    for data in ((GOLDEN / "device-full.log").read_bytes(), (GOLDEN / "session.log").read_bytes(), mixed,
                 mixed.replace(b"\x1b", b"")):
        c = report.Console()
        c.read("x", io.BytesIO(data))
        want, lines = count_codes(io.BytesIO(data), Annotator("en"))
        assert c.counts == want
        timed = sum(sum(sum(v.values()) for v in b.counts.values()) for b in (c.wall, c.uptime))
        assert timed + c.untimed == sum(want.values())
