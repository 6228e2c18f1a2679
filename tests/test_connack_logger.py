"""Logger.status() of a refused connect: umqtt's MQTTException itself, or status(rc,
type="connack"), is a status line in the documented format (docs/line-format.md), the same on
CPython and on the unix port with umqtt.simple's own exception class."""

import io

import pytest

import onenetlog
from logline import lines
from onenetlog import connack
from onenetlog_tools import upylib
from upy import run_upy


class MQTTException(Exception):  # as umqtt.simple and umqtt.robust define it
    pass


def onenet(rc):
    return connack.MEANING[rc - 1] + " | " + connack.ONENET_WHY[rc - 1]


WANT = [  # (level, tag, code, body)
    ("E", "mqtt", "5", onenet(5) + " type=connack"),
    ("E", "mqtt", "4", onenet(4) + " type=connack -- pre-flight: 1104 expired 3 h ago"),
    ("E", "mqtt", "2", onenet(2) + " type=connack"),
    ("W", "mqtt", "9", "unknown CONNACK code type=connack"),
    ("I", "mqtt", "0", "accepted type=connack"),
    ("W", "mqtt", "?", "unknown CONNACK code type=connack -- x"),
    ("E", "app", "3", "server unavailable type=connack"),
    ("E", "mqtt", "1104", "token expired | Token has expired"),
]
CALLS = """
log.status(MQTTException(5))
log.status(MQTTException(4), note="pre-flight: 1104 expired 3 h ago")
log.status(2, type="connack")
log.status(9, type="connack")
log.status(0, type="connack")
log.status("five", "x", type="connack")
app.status(MQTTException(3))
log.status(1104)
"""


def check(out):
    got = [(d["level"], d["tag"], d["code"], d["body"]) for d in lines(out)]
    assert got == WANT


def test_connack_lines_on_cpython():
    out = io.StringIO()
    log = onenetlog.Logger(out, lang="en", clock=False)
    app = onenetlog.Logger(out, name="app", lang="en", verbosity=0, clock=False)
    exec(CALLS, {"log": log, "app": app, "MQTTException": MQTTException})
    check(out.getvalue())
    assert log.dropped == 0


def test_connack_lines_on_the_unix_port_with_umqtts_exception():
    if not upylib.installed(project=upylib.UMQTT):
        pytest.skip("umqtt.simple is missing: run `make venv`")
    script = (f"import sys\nsys.path.append({upylib.DEST!r})\nfrom umqtt.simple import MQTTException\n"
              "import onenetlog\nlog = onenetlog.Logger(lang='en', clock=False)\n"
              "app = onenetlog.Logger(name='app', lang='en', verbosity=0, clock=False)\n" + CALLS)
    check(run_upy(script))


def test_status_of_anything_with_type_connack_never_raises():
    out = io.StringIO()
    log = onenetlog.Logger(out, lang="en", clock=False)
    for x in (None, b"\xff", 2 ** 200, -1, 3.5, [], MQTTException(), MQTTException(1, 2), MQTTException(True)):
        log.status(x, type="connack")
        log.status(MQTTException(x))
    assert all(d["code"] == "?" and "unknown CONNACK code" in d["body"] for d in lines(out.getvalue()))
    assert log.dropped == 0
