"""`onenetlog trace`: a trace-log export built from the documented record format (NOTES.md 3),
read as concatenated responses, an array of responses, or JSON lines of records; errors say where.

tests/golden/trace-export.json holds two API pages; trace-export.<lang>.txt the expected timeline
(regenerate with ONENETLOG_REGEN_GOLDEN=1, then review)."""

import json
import os
import subprocess
import sys

import pytest

import onenetlog
from onenetlog_tools import tracelog
from onenetlog_tools.term import Style

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
EXPORT = os.path.join(GOLDEN, "trace-export.json")
REGEN = os.environ.get("ONENETLOG_REGEN_GOLDEN") == "1"


def trace(*args, data=None):
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "trace", "--color", "never", *args]
    return subprocess.run(cmd, input=data, capture_output=True, timeout=60)


def responses():
    with open(EXPORT, "rb") as f:
        return [v for v, _ in tracelog.documents(f.read().decode())]


def test_export_follows_the_documented_record_format():
    # The field names and kinds of NOTES.md section 3.
    fields = {"_routing", "@timestamp", "type", "start_time", "end_time", "@version", "pid", "status",
              "trace_id", "env_type", "uid", "device_name", "content", "create_time", "message_status",
              "type_mean", "status_mean"}
    pages = responses()
    assert len(pages) == 2
    for page in pages:
        assert page["success"] is True and set(page["data"]["meta"]) == {"total", "limit", "offset"}
        for rec in page["data"]["list"]:
            assert set(rec) == fields
            assert isinstance(rec["status"], str) and isinstance(rec["content"], str)


@pytest.mark.parametrize("lang", ("en", "zh"))
def test_timeline_matches_golden(lang):
    done = trace(EXPORT, "--lang", lang)
    assert done.returncode == 0 and done.stderr == b""
    path = os.path.join(GOLDEN, f"trace-export.{lang}.txt")
    if REGEN:
        with open(path, "wb") as f:
            f.write(done.stdout)
    with open(path, "rb") as f:
        assert done.stdout == f.read()


def test_timeline_content():
    text = trace(EXPORT, "--lang", "en").stdout.decode()
    lines = text.splitlines()
    assert lines[0] == "6 records in 2 traces, from 2 responses"
    # Grouped by trace id, each group in time order, the records without an id last.
    heads = [line for line in lines if not line.startswith(" ") and line]
    assert [h.split("  ")[0] for h in heads[1:]] == [
        "trace ab2fc05759a211ecbfd023bbbfff50a4", "trace c0ffee0000000000000000000000beef", "records without a trace id"]
    order = [line.split()[2] for line in lines if line.startswith("  2021")]
    assert order == ["1.1", "1.2", "2.1", "5.1", "1.3", "9.9"]
    assert "      offline_reason: CloseByPeer" in lines
    assert f"E 305 {onenetlog.message(305)} | {onenetlog.reason(305, 'en')} | {onenetlog.hint(305, 'en')}" in text
    assert onenetlog.business_type("2.1", "en")[1] in text
    assert "      content: id=77 params={\"temp\":{\"value\":23.5}}" in lines
    assert "      content: plain text, not JSON" in lines
    assert "未来的类型 (platform's name)" in text and "W 7777 未知状态 (platform's text; not in the table)" in text
    assert "\x1b" not in text and "dev\\x1b[31mevil" in text  # control characters from the input are escaped


def test_same_timeline_from_an_array_and_from_json_lines(tmp_path):
    want = trace(EXPORT, "--lang", "en").stdout
    pages = responses()
    arr = tmp_path / "array.json"
    arr.write_text(json.dumps(pages, ensure_ascii=False))
    out = trace(str(arr), "--lang", "en").stdout
    assert out == want
    records = [r for p in pages for r in p["data"]["list"]]
    jl = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    out = trace("-", "--lang", "en", data=jl.encode()).stdout.decode()
    assert out.splitlines()[0] == "6 records in 2 traces" and out.splitlines()[1:] == want.decode().splitlines()[1:]


def test_failed_response_is_reported_and_exits_1(tmp_path):
    path = tmp_path / "mixed.json"
    with open(EXPORT, encoding="utf-8") as f:
        text = f.read()
    path.write_text(text + '{"success": false, "code": 10403, "msg": "auth failed", "requestId": "x"}\n')
    done = trace(str(path), "--lang", "en")
    assert done.returncode == 1 and b"trace ab2fc05759a211ecbfd023bbbfff50a4" in done.stdout
    line = text.count("\n") + 1
    assert done.stderr.decode().endswith(f"response at line {line} column 1 failed: code 10403: auth failed\n")


@pytest.mark.parametrize("data, message", [
    (b'{"data": {"list": [{"status": "200"', "line 1 column 36: truncated JSON: the input ends inside the "
                                            "document that starts at line 1 column 1"),
    (b'{"status": "200"}\n{"status": 200,\n  "type": x}', "line 3 column 11: not JSON: Expecting value"),
    (b"\xff\xfe\x00garbage", "line 1 column 1: not UTF-8 text (byte 0)"),
    (b'{"status": "200"}\n\xe4\xb8', "line 2 column 1: not UTF-8 text (byte 18)"),
    (b"hello", "line 1 column 1: not JSON: Expecting value"),
    (b'{"status": "200"}\n[1, 2]', "line 2 column 1: not a trace-log response or record (a JSON int)"),
    (b'{"data": {"list": 5}, "success": true}', "line 1 column 1: a response without data.list"),
    (b"[" * 100000, "line 1 column 1: JSON nested too deeply"),
])
def test_bad_input_says_where(data, message):
    done = trace("-", data=data)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode() == f"onenetlog trace: error: <stdin>: {message}\n"


def test_empty_input_and_missing_file(tmp_path):
    done = trace("-", data=b"")
    assert done.returncode == 0 and done.stderr == b"no trace-log records in <stdin>\n"
    done = trace(str(tmp_path / "nope.json"))
    assert done.returncode == 1 and done.stderr.decode().endswith("nope.json: no such file\n")


def test_colour_marks_levels():
    export = tracelog.load(open(EXPORT, "rb").read())
    lines = tracelog.timeline(export, "en", Style(True))
    assert any("\x1b[31mE 305" in line for line in lines) and any("\x1b[32mI 200" in line for line in lines)
