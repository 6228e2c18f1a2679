"""`onenetlog summary` and `onenetlog report` count a Logger's CONNACK line (`mqtt#5: not
authorized | ... type=connack`, docs/line-format.md) as the MQTT CONNACK return code, its own
row `CONNACK 5` (level and message from lib/onenetlog/connack.py), apart from platform code 5."""

import io
import json

import onenetlog
from onenetlog_tools import annotate as ann
from onenetlog_tools import report
from onenetlog_tools.cli import count_codes, main
from test_report import rows, run


class MQTTException(Exception):  # as umqtt.simple defines it
    pass


def device_log():
    """What the device Logger writes for a refused connect, a platform code, an accepted one."""
    out = io.StringIO()
    log = onenetlog.Logger(out, lang="en", clock=False)
    log.status(MQTTException(5), note="pre-flight: 1104 expired")
    log.status(1104, note="pre-flight: expired")
    log.status(MQTTException(5))
    log.status(0, type="connack")
    return out.getvalue().encode()


# The line of the defect report, and a platform code 5 (no such code: "unknown code").
REPORTED = (b"E (1463929) mqtt#5: not authorized | the token or the device: likely one of 1101, 1103"
            b" type=connack -- pre-flight: 1104 expired\n")
LOG = REPORTED + b"E (1) mqtt#1104: token expired\nW (2) app#5: something\n"


def summary_json(capsys, path):
    assert main(["summary", str(path), "--json", "--lang", "en"]) == 0
    return json.loads(capsys.readouterr().out)


def test_summary_json_counts_connack_apart_from_platform_code_5(capsys, tmp_path):
    path = tmp_path / "c.log"
    path.write_bytes(LOG)
    doc = summary_json(capsys, path)
    assert [(r["code"], r["count"], r["level"], r["service_tag"], r["message"]) for r in doc["codes"]] == [
        (1104, 1, "error", "mqtt", "token expired"),
        ("CONNACK 5", 1, "error", "mqtt", "not authorized"),
        (5, 1, "warning", "?", "unknown code")]
    assert doc["codes"][1]["service"] == onenetlog.service(1104, "en")
    assert [(s["service_tag"], s["count"], s["error"]) for s in doc["services"]] == [("mqtt", 2, 2), ("?", 1, 0)]


def test_summary_json_of_the_loggers_own_lines(capsys, tmp_path):
    path = tmp_path / "c.log"
    path.write_bytes(device_log())
    doc = summary_json(capsys, path)
    assert [(r["code"], r["count"], r["level"], r["message"]) for r in doc["codes"]] == [
        ("CONNACK 5", 2, "error", "not authorized"), (1104, 1, "error", "token expired"),
        ("CONNACK 0", 1, "info", "accepted")]


def test_summary_text_shows_a_connack_row(capsys, tmp_path):
    path = tmp_path / "c.log"
    path.write_bytes(LOG)
    assert main(["summary", str(path), "--lang", "en", "--color", "never"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Status codes: 3 in 3 kinds"
    heads = [" ".join(line.split()[:-2]) for line in lines[1:4]]  # without the bar and count
    assert heads == ["E 1104 mqtt token expired", "E CONNACK 5 mqtt not authorized", "W 5 ? unknown code"]


def test_found_tells_connack_lines_apart():
    a = ann.Annotator("en")
    assert a.found(REPORTED.rstrip(b"\n")) == [(ann.Connack(5), False)]
    assert a.found(b"\x1b[31m" + REPORTED.rstrip(b"\n") + b"\x1b[0m") == [(ann.Connack(5), False)]
    assert a.found(b"I (3) mqtt#0: accepted type=connack") == [(ann.Connack(0), False)]
    assert a.found(b"W (3) mqtt#9: unknown CONNACK code type=connack") == [(ann.Connack(9), False)]
    # Not a CONNACK line: another type, ` type=connack` only in the note, a `#?`.
    assert a.found(b"E (3) app#5: x type=connacks") == [(5, False)]
    assert a.found(b"E (3) app#5: x -- note type=connack") == [(5, False)]
    assert a.found(b"W (3) mqtt#?: unknown CONNACK code type=connack") == [(ann.UNREADABLE, False)]
    assert ann.Connack(5) != 5 and str(ann.Connack(5)) == "CONNACK 5"


def test_report_summary_table_has_a_connack_row(tmp_path):
    path = tmp_path / "c.log"
    path.write_bytes(LOG)
    done = run(path, "-o", tmp_path / "r.html")
    assert done.returncode == 0, done.stderr
    got = [r[:5] for r in rows((tmp_path / "r.html").read_text(), "codes") if r[0]]  # not "last seen"
    service = onenetlog.service(1104, "en")
    assert got == [["1104", "error", "1", f"{service} (mqtt)", "token expired"],
                   ["CONNACK 5", "error", "1", f"{service} (mqtt)", "not authorized"],
                   ["5", "warning", "1", "(?)", "unknown code"]]


def test_report_counts_agree_with_summary_on_connack_lines():
    data = device_log() + LOG
    for block in (data, data.replace(b"E (", b"\x1b[31mE (")):
        c = report.Console()
        c.read("x", io.BytesIO(block))
        want, _lines = count_codes(io.BytesIO(block), ann.Annotator("en"))
        assert c.counts == want
        assert c.counts[ann.Connack(5)] == 3 and c.counts[5] == 1
