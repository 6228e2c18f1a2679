"""Golden files: console output of the real device Logger (lib/onenetlog/logger.py, run from
its .mpy build on the MicroPython unix port) and what `onenetlog annotate` makes of it.

tests/golden/device-<tier>.log is the unix port's output of DEVICE for that tier; the
.en.out / .zh.out files beside it are `onenetlog annotate --lang en|zh` of it. When the
Logger's format changes, test_golden_input_is_what_the_device_prints fails: regenerate with
    ONENETLOG_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_cli_golden.py
and review the diff of tests/golden/ before committing it.
"""

import os
import re
import subprocess
import sys

import pytest

import onenetlog
from onenetlog_tools import annotate as ann
from upy import run_upy

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
REGEN = os.environ.get("ONENETLOG_REGEN_GOLDEN") == "1"
TIERS = ("codes", "full")
TRACE = "ab2fc05759a211ecbfd023bbbfff50a4"

# Runs on the unix port, in a tier's build folder. Loggers with a name tag plain lines with it;
# svc (no name) tags status lines with the code's service.
DEVICE = f"""
import sys
import onenetlog
print("onenetlog VERSION", onenetlog.VERSION, "TIER", onenetlog.TIER)
svc = onenetlog.Logger(sys.stdout, clock=False, verbosity=2)
app = onenetlog.Logger(sys.stdout, name="app", clock=False)
net = onenetlog.Logger(sys.stdout, name="net", clock=True, lang="en")
ui = onenetlog.Logger(sys.stdout, name="ui", clock=False, color=True, verbosity=0)
asc = onenetlog.Logger(sys.stdout, clock=False, lang="en", ascii=True)
app.info("boot: free heap 123456 bytes at 0x3ffb1234, uptime 15000 ms")
app.debug("mqtt connect 183.230.40.96:1883 keepalive 120 at 2021-12-10 18:19:33")
svc.status(1104, "CONNECT refused", id=123)
svc.status(1104)
svc.status("4.04", trace="{TRACE}")
svc.status(b"\\x84")
svc.status(201, "login ok")
svc.status(9999)
svc.status("garbage")
svc.status(200, type="1.2")
svc.status(2001)
svc.status(3001, "push")
svc.status(3003)
svc.status(4001)
app.error("token rejected", code=1104)
app.warning("login refused", code="4.03")
svc.status(b'{{"id":"42","code":305,"msg":"no thing-model"}}', type="$sys/7ubgKi1vhm/dev1/thing/property/post/reply")
svc.status('{{"id":"43","code":200}}', "set", type="$sys/7ubgKi1vhm/dev1/thing/property/set_reply")
svc.status({{"type": "1.1", "status": "1401", "trace_id": "{TRACE}",
            "content": '{{"protocol":"MQTT","offline_reason":"CloseByPeer"}}'}})
app.info('rx $sys/7ubgKi1vhm/dev1/thing/property/post/reply {{"id":"44","code":305,"msg":"no thing-model"}}')
app.info('rx {{"id":"45","code":"1104"}}')
app.info("coap login response code=4.03")
app.info('record {{"status":"606","trace_id":"{TRACE}"}}')
app.info("decoys: port 5683, code 1104, errcode=305, status=200, heap 98304, #3, decoder")
net.status(1104, "wall clock")
net.info("time synced")
ui.status(1104, "colour")
ui.info("colour plain")
asc.status(1104, "ascii")
asc.status(305)
"""


def device_output(tier):
    return run_upy(DEVICE, tier=tier).encode("utf-8")


def normal(data):
    """data with every line's time replaced by its kind: device runs differ only in time."""
    return re.sub(rb"(?m)^((?:\x1b\[[0-9;]*m)?[DIWE]) \((?:\d+|(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}))\)",
                  lambda m: m.group(1) + (b" (wall)" if m.group(2) else b" (ticks)"), data)


def annotate(data, *args):
    done = subprocess.run([sys.executable, "-m", "onenetlog_tools.cli", "annotate", "--color", "never", *args],
                          input=data, capture_output=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


def golden(name, fresh):
    path = os.path.join(GOLDEN, name)
    if REGEN:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "wb") as f:
            f.write(fresh)
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("tier", TIERS)
def test_golden_input_is_what_the_device_prints(tier):
    fresh = device_output(tier)
    want = golden(f"device-{tier}.log", fresh)
    assert normal(fresh) == normal(want), "the Logger's output changed: regenerate (see module docstring)"


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("lang", ("en", "zh"))
def test_annotate_matches_golden(tier, lang):
    with open(os.path.join(GOLDEN, f"device-{tier}.log"), "rb") as f:
        data = f.read()
    out = annotate(data, "--lang", lang)
    assert out == golden(f"device-{tier}.{lang}.out", out)


def lines(tier, lang):
    with open(os.path.join(GOLDEN, f"device-{tier}.log"), "rb") as f:
        src = f.read().split(b"\n")
    with open(os.path.join(GOLDEN, f"device-{tier}.{lang}.out"), "rb") as f:
        out = f.read().split(b"\n")
    assert len(src) == len(out)
    return list(zip(src, out))


@pytest.mark.parametrize("lang", ("en", "zh"))
def test_codes_tier_status_lines_get_the_host_text(lang):
    # Independent of the annotator: the decoder's own text, appended to each bare status line.
    seen = 0
    for src, out in lines("codes", lang):
        m = re.match(rb"(?:\x1b\[[0-9;]*m)?[DIWE] \([^)]*\) [A-Za-z0-9_.-]+#(\d+):( |$)", src)
        if m and onenetlog.known(int(m.group(1))) and b"## " not in src:
            c = int(m.group(1))
            text = " | ".join(p for p in (onenetlog.message(c), onenetlog.reason(c, lang), onenetlog.hint(c, lang)) if p)
            assert out.startswith(src + b"  ## ")
            assert text.encode() in out[len(src):], (src, out)
            seen += 1
        elif b'"code"' not in src and b"code=" not in src and b'"status"' not in src:
            assert out == src, "only status codes get text"
    assert seen >= 15


def test_full_tier_status_lines_pass_through():
    # The device already decoded them; only plain lines with a code in JSON or code= get text.
    annotated = []
    for src, out in lines("full", "en"):
        if out != src:
            assert out.startswith(src + b"  ## ") and b"#" not in src.split(b":")[0], (src, out)
            annotated.append(src)
    assert len(annotated) == 4, annotated  # two OneJSON replies, code=4.03, a trace record's status


def test_decoys_get_nothing():
    for tier in TIERS:
        for src, out in lines(tier, "en"):
            if b"decoys:" in src:
                assert out == src


def test_board_version_line_is_the_one_monitor_reads():
    from onenetlog_tools.monitor import VERSION_RE

    first = lines("full", "en")[0][0]
    m = VERSION_RE.search(first)
    assert m and m.group(1).decode() == onenetlog.VERSION and m.group(2) == b"full"


def test_reference_and_block_paths_agree_on_golden_input():
    a = ann.Annotator("en")
    for tier in TIERS:
        with open(os.path.join(GOLDEN, f"device-{tier}.log"), "rb") as f:
            data = f.read()
        plain = normal(ann.ANSI.sub(b"", data))  # no colour: the block path
        by_block = dict(a.block(plain, len(plain)))
        for ls, ce, _hits in ann.candidates(plain, len(plain)):
            assert by_block.pop(ce, b"") == a.suffix(plain[ls:ce])
        assert not by_block
