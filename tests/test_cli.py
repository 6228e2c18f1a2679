"""The `onenetlog` command: lookup, list, summary, errors, colour and width, pass-through to build
and deploy. Text comes from the decoder in lib/ (the same table the board runs)."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

import onenetlog
from onenetlog_tools.cli import main
from onenetlog_tools.term import cells, clip, wrap

ONENETLOG = os.path.join(os.path.dirname(sys.executable), "onenetlog")
GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
GOLDEN_LOG = os.path.join(GOLDEN, "device-full.log")
GOLDEN_TRACE = os.path.join(GOLDEN, "trace-export.json")


def sh(*args, data=b"", env=None, timeout=120):
    """The installed console script, as a user runs it."""
    return subprocess.run([ONENETLOG, *args], input=data, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def out_of(capsys, argv):
    rc = main(argv)
    got = capsys.readouterr()
    return rc, got.out, got.err


# -- lookup ------------------------------------------------------------------------------------

def test_lookup_prints_the_full_entry(capsys):
    rc, out, err = out_of(capsys, ["lookup", "1104", "--lang", "en", "--color", "never"])
    assert rc == 0 and err == ""
    assert out.splitlines() == [
        "1104  MQTT access (mqtt)  error",
        "  message  token expired",
        "  reason   Token has expired",
        "  step     Check the token's expiry time (et)",
    ]


def test_lookup_takes_the_device_forms(capsys):
    rc, out, _ = out_of(capsys, ["lookup", "4.04", "0x84", "404", "--lang", "zh", "--json"])
    rows = json.loads(out)
    assert rc == 0 and [r["code"] for r in rows] == [404, 404, 404]
    assert rows[0]["service"] == onenetlog.service(404, "zh") and rows[0]["reason"] == onenetlog.reason(404, "zh")
    assert rows[0]["line"] == onenetlog.describe(404, "zh")
    rc, out, _ = out_of(capsys, ["lookup", "4.04", "--lang", "en", "--color", "never"])
    assert out.startswith("404 (from 4.04)  CoAP access (coap)  warning\n")


def test_lookup_shows_the_newer_pages_spelling(capsys):
    rc, out, _ = out_of(capsys, ["lookup", "4001", "--lang", "en", "--color", "never"])
    assert "  message  fail\n  also     send failed (newer page)\n" in out
    rc, out, _ = out_of(capsys, ["lookup", "4001", "--json"])
    assert json.loads(out)[0]["other_messages"] == ["send failed"]


def test_lookup_of_unknown_and_garbage_exits_1(capsys):
    rc, out, err = out_of(capsys, ["lookup", "1999", "9999", "abc", "--lang", "en", "--color", "never"])
    assert rc == 1
    assert out.splitlines() == ["1999  unknown code, in the range of MQTT access (mqtt)", "", "9999  unknown code"]
    assert err == "onenetlog lookup: error: 'abc' is not a status code (forms: 1104, 4.04, 0x84)\n"


def test_lookup_wraps_to_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    rc, out, _ = out_of(capsys, ["lookup", "1022", "--lang", "en", "--color", "never"])
    assert all(cells(line) <= 40 for line in out.splitlines())
    assert " ".join(w for line in out.splitlines()[1:] for w in line.split()) .count("subscribed") == 2
    monkeypatch.setenv("COLUMNS", "30")
    rc, out, _ = out_of(capsys, ["lookup", "1022", "--lang", "zh", "--color", "never"])
    assert all(cells(line) <= 30 for line in out.splitlines()[1:])


# -- list --------------------------------------------------------------------------------------

def test_list_json_is_the_whole_table(capsys):
    rc, out, _ = out_of(capsys, ["list", "--format", "json", "--lang", "en"])
    doc = json.loads(out)
    assert [r["code"] for r in doc["codes"]] == onenetlog.codes()
    assert [r["type"] for r in doc["business_types"]] == onenetlog.business_types()
    r = next(r for r in doc["codes"] if r["code"] == 1104)
    assert (r["message"], r["reason"], r["step"], r["service_tag"]) == (
        onenetlog.message(1104), onenetlog.reason(1104, "en"), onenetlog.hint(1104, "en"), "mqtt")


def test_list_csv_filters_by_service(capsys):
    rc, out, _ = out_of(capsys, ["list", "codes", "--service", "MQTT接入服务", "--format", "csv", "--lang", "en"])
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["code"]) for r in rows] == [c for c in onenetlog.codes() if 1000 <= c < 2000]
    rc, out2, _ = out_of(capsys, ["list", "codes", "--service", "mqtt", "--format", "csv", "--lang", "en"])
    assert out2 == out


def test_list_by_type_and_level(capsys):
    rc, out, _ = out_of(capsys, ["list", "--type", "5.1", "--format", "json", "--lang", "en"])
    doc = json.loads(out)
    assert [r["type"] for r in doc["business_types"]] == ["5.1"]
    assert {r["service_tag"] for r in doc["codes"]} == {"http"} and len(doc["codes"]) == 5
    rc, out, _ = out_of(capsys, ["list", "types", "--type", "1", "--format", "csv"])
    assert [r["type"] for r in csv.DictReader(io.StringIO(out))] == ["1.1", "1.2", "1.3"]
    rc, out, _ = out_of(capsys, ["list", "codes", "--level", "info", "--format", "json"])
    assert [r["code"] for r in json.loads(out)["codes"]] == [c for c in onenetlog.codes() if onenetlog.level(c) == 20]


def test_list_markdown_escapes_pipes(capsys):
    rc, out, _ = out_of(capsys, ["list", "--format", "markdown", "--lang", "en"])
    lines = out.splitlines()
    assert lines[0] == "## Status codes" and "## Business types" in lines
    table = [line for line in lines if line.startswith("| ")]
    assert all(line.replace("\\|", "").count("|") in (7, 6) for line in table)


def test_list_table_fits_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "90")
    rc, out, _ = out_of(capsys, ["list", "--lang", "zh", "--color", "never"])
    assert rc == 0 and all(cells(line) <= 90 for line in out.splitlines())
    monkeypatch.delenv("COLUMNS")
    rc, out, _ = out_of(capsys, ["list", "codes", "--lang", "en", "--color", "never"])  # not a tty: whole
    assert onenetlog.hint(1022, "en") in out


def test_list_unknown_service_or_type_is_an_error(capsys):
    rc, _, err = out_of(capsys, ["list", "--service", "nope"])
    assert rc == 1 and err.startswith("onenetlog list: error: unknown service 'nope' (choose from general")
    rc, _, err = out_of(capsys, ["list", "--type", "7.7"])
    assert rc == 1 and "unknown business type '7.7'" in err


# -- summary -----------------------------------------------------------------------------------

LOG = (b"E (1) mqtt#1104: id=1\n" * 5 + b"W (2) coap#404: trace=ab2fc05759a211ecbfd023bbbfff50a4\n" * 2
       + b'I (3) app: rx {"id":"1","code":200}\n' * 3 + b"E (4) thing#305: no thing-model\n"
       + b"W (5) log#?: unknown code\n" + b"I (6) app: port 1883 heap 123456\n")


def test_summary_counts_codes_and_services_errors_first(capsys, tmp_path):
    path = tmp_path / "console.log"
    path.write_bytes(LOG)
    rc, out, _ = out_of(capsys, ["summary", str(path), "--json"])
    doc = json.loads(out)
    assert [(r["code"], r["count"], r["level"]) for r in doc["codes"]] == [
        (1104, 5, "error"), (305, 1, "error"), (404, 2, "warning"), ("?", 1, "warning"), (200, 3, "info")]
    assert [(s["service_tag"], s["count"], s["error"]) for s in doc["services"]] == [
        ("mqtt", 5, 5), ("thing", 1, 1), ("coap", 2, 0), ("?", 1, 0), ("general", 3, 0)]


def test_summary_bar_chart(capsys, tmp_path, monkeypatch):
    path = tmp_path / "console.log"
    path.write_bytes(LOG)
    monkeypatch.setenv("COLUMNS", "70")
    rc, out, _ = out_of(capsys, ["summary", str(path), "--color", "never", "--lang", "en"])
    lines = out.splitlines()
    assert rc == 0 and lines[0] == "Status codes: 12 in 5 kinds"
    assert lines[1].startswith("E 1104  mqtt     token expired") and lines[1].endswith(" 5")
    bars = [line.count("█") or line.count("#") for line in lines[1:6]]
    assert bars[0] > bars[4] > bars[2] >= bars[1] and all(cells(line) <= 70 for line in lines)
    assert "mqtt     MQTT access" in out and "(5 errors)" in out


def test_summary_of_empty_or_garbage_input(capsys, tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 100)
    rc, out, _ = out_of(capsys, ["summary", str(path)])
    assert rc == 0 and out == "no status codes found\n"
    done = sh("summary", "-")
    assert done.returncode == 0 and done.stdout == b"no status codes found\n"


# -- the command line --------------------------------------------------------------------------

def test_unknown_command_and_bad_usage_exit_2_without_traceback():
    done = sh("frobnicate")
    assert done.returncode == 2
    assert done.stderr.decode() == ("onenetlog: error: unknown command 'frobnicate' (choose from lookup, list, "
                                    "annotate, monitor, trace, summary, build, deploy, token)\n")
    done = sh("lookup")
    assert done.returncode == 2 and b"Traceback" not in done.stderr and b"CODE" in done.stderr
    done = sh()
    assert done.returncode == 2 and b"lookup" in done.stderr


def test_missing_file_is_one_line_for_every_reader(tmp_path):
    for cmd in ("annotate", "trace", "summary"):
        done = sh(cmd, str(tmp_path / "missing.log"))
        assert done.returncode == 1
        assert done.stderr.decode() == f"onenetlog {cmd}: error: {tmp_path / 'missing.log'}: no such file\n"


def test_colour_only_when_asked_or_on_a_tty():
    assert b"\x1b[" not in sh("lookup", "1104").stdout  # a pipe
    assert b"\x1b[31m" in sh("lookup", "1104", "--color", "always").stdout
    assert b"\x1b[31m" in sh("--color", "always", "lookup", "1104").stdout
    assert b"\x1b[" not in sh("--color", "always", "lookup", "1104", "--color", "never").stdout


def test_colour_auto_on_a_pty():
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([ONENETLOG, "lookup", "1104"], stdout=slave, stderr=subprocess.DEVNULL,
                                env={k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")})
        os.close(slave)
        proc.wait(timeout=60)
        data = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        os.close(master)
    assert b"\x1b[31m" in data


def test_version_names_the_table():
    done = sh("--version")
    assert done.returncode == 0
    assert done.stdout.decode().endswith(f"table version {onenetlog.VERSION} tier {onenetlog.TIER}\n")


def test_language_default_from_environment():
    assert "Token has expired" in sh("lookup", "1104", env={"ONENETLOG_LANG": "en"}).stdout.decode()
    assert onenetlog.reason(1104, "zh") in sh("lookup", "1104", env={"ONENETLOG_LANG": "zh"}).stdout.decode()


def test_build_passes_through(tmp_path, capsys):
    assert main(["build", "--tier", "min", "--out", str(tmp_path)]) == 0
    assert os.path.isfile(tmp_path / "onenetlog" / "__init__.mpy")
    assert capsys.readouterr().out.splitlines()[-1].endswith("files")
    done = sh("build", "--tier", "nope")
    assert done.returncode == 2 and b"invalid choice" in done.stderr


def test_deploy_passes_through(tmp_path):
    done = sh("deploy", "--tier", "min", "--dir", str(tmp_path), "--port", "/dev/nonexistent-port")
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert done.stderr.decode().startswith(f"deploy: error: {tmp_path} is not built")


# -- terminal helpers --------------------------------------------------------------------------

def test_widths_count_cjk_as_two():
    assert cells("token已过期") == 11 and cells("abc") == 3
    assert clip("token已过期", 8) == "token已…" and cells(clip("已过期已过期", 7)) <= 7
    assert wrap("检查token的过期时间检查token的过期时间", 10) == ["检查token", "的过期时间", "检查token", "的过期时间"]
    assert wrap("a bb ccc dddd", 6) == ["a bb", "ccc", "dddd"]


def test_summary_reads_trace_exports_too(capsys):
    export = os.path.join(os.path.dirname(__file__), "golden", "trace-export.json")
    rc, out, _ = out_of(capsys, ["summary", export, "--json"])
    counts = {r["code"]: r["count"] for r in json.loads(out)["codes"]}
    assert counts == {200: 2, 305: 1, 3001: 1, 1021: 1}  # 7777 is no code in the table


# -- defects found by installing the wheel (issue 10) -----------------------------------------

def test_access_types_list_the_mqtt_and_coap_codes(capsys):
    # 1.1-1.3 are logged by "CoAP/MQTT access": the codes of CoAP access and of MQTT access.
    want = sorted(c for c in onenetlog.codes() if onenetlog.tag(c) in ("mqtt", "coap"))
    assert len([c for c in want if onenetlog.tag(c) == "mqtt"]) == 28
    assert len([c for c in want if onenetlog.tag(c) == "coap"]) == 14
    for value in ("1", "1.1", "1.2", "1.3"):
        rc, out, _ = out_of(capsys, ["list", "codes", "--type", value, "--format", "json"])
        assert rc == 0 and [r["code"] for r in json.loads(out)["codes"]] == want, value
    rc, out, _ = out_of(capsys, ["list", "codes", "--service", "access", "--format", "json"])
    assert [r["code"] for r in json.loads(out)["codes"]] == want
    rc, out, _ = out_of(capsys, ["list", "--type", "1.2", "--color", "never"])
    assert out.splitlines()[0] == "Status codes (42)" and "(none" not in out


def test_a_type_without_codes_says_so(capsys):
    rc, out, _ = out_of(capsys, ["list", "--type", "3.1", "--lang", "en", "--color", "never"])
    assert rc == 0 and "(none: the table lists no codes under Data storage)" in out


@pytest.mark.parametrize("argv", [["list"], ["lookup", "1104"], ["annotate", GOLDEN_LOG], ["summary", GOLDEN_LOG],
                                  ["trace", GOLDEN_TRACE], ["list", "--format", "json"]])
def test_a_full_disk_is_one_line_and_exit_1(argv):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full (a Linux device that fails every write with ENOSPC)")
    with open("/dev/full", "wb") as full:
        done = subprocess.run([ONENETLOG, *argv], stdout=full, stderr=subprocess.PIPE, timeout=60)
    err = done.stderr.decode().splitlines()
    assert done.returncode == 1 and err == [f"onenetlog {argv[0]}: error: writing the output: No space left on device"]


@pytest.mark.parametrize("value", ["xx", "EN", "zh_CN"])
def test_a_bad_language_in_the_environment_is_a_usage_error(value):
    done = sh("lookup", "1104", env={"ONENETLOG_LANG": value})
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"onenetlog: error: ONENETLOG_LANG: invalid choice: {value!r} (choose from zh, en)"]
    assert sh("lookup", "1104", env={"ONENETLOG_LANG": ""}).returncode == 0  # empty: unset


def test_no_command_reads_source_after_installation(monkeypatch, capsys, tmp_path):
    # A wheel has no source/: every command must run on the packaged data alone.
    from onenetlog_tools import generator

    def no_source(*_args, **_kwargs):
        raise FileNotFoundError(2, "No such file or directory", os.path.join(generator.ROOT, "source", "x.md"))

    monkeypatch.setattr(generator, "load_source", no_source)
    for argv in (["lookup", "3001", "--json"], ["list"], ["annotate", GOLDEN_LOG], ["summary", GOLDEN_LOG],
                 ["trace", GOLDEN_TRACE], ["build", "--tier", "codes", "--out", str(tmp_path / "b")]):
        rc, out, err = out_of(capsys, argv)
        assert rc == 0 and err == "" and out, argv
    rc, out, _ = out_of(capsys, ["lookup", "3001", "--json"])
    assert json.loads(out)[0]["other_messages"] == ["parameter error"]


def test_summary_blames_only_its_input(monkeypatch, capsys):
    # An error that is not about reading FILE (here: the tool's own data) is not FILE's fault.
    from onenetlog_tools import annotate

    def broken(*_args, **_kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/site-packages/source/x.md")

    monkeypatch.setattr(annotate, "Annotator", broken)
    with pytest.raises(FileNotFoundError):
        main(["summary", GOLDEN_LOG])
    assert GOLDEN_LOG not in capsys.readouterr().err


def test_an_unreadable_input_is_named(capsys, tmp_path):
    for argv in (["summary", str(tmp_path)], ["annotate", str(tmp_path)], ["trace", str(tmp_path)]):
        rc, _, err = out_of(capsys, argv)
        assert rc == 1 and err == f"onenetlog {argv[0]}: error: {tmp_path}: is a directory\n"
