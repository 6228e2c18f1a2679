"""logging_tags: one line of set-up gives logging's records onenetlog's line format, with the
meaning of the code a record carries. On the unix port against micropython-lib's logging as
`make venv` installs it (micropython-logging 0.5.2, tools/upylib.py), and on CPython's logging."""

import io
import logging

import pytest

from logline import lines, parse
from onenetlog.logging_tags import Formatter, code_of, install
from onenetlog_tools import upylib
from upy import run_upy

UPYLIB = upylib.DEST


def test_micropython_lib_logging_is_installed_as_pinned():
    assert upylib.installed(), "micropython-lib logging is missing or changed: run `make venv`"
    out = run_upy(f"import sys\nsys.path.append({UPYLIB!r})\nimport logging\nprint(logging.__file__)\n"
                  "print(all(hasattr(logging, n) for n in ('Handler', 'Formatter', 'StreamHandler', 'basicConfig',"
                  " 'getLogger')), hasattr(logging, 'Filter'))")
    path, api = out.splitlines()
    assert path.startswith(UPYLIB) and api == "True False"  # 0.5.2 has no Filter: a Formatter it is


# micropython-lib logging from UPYLIB, and a stream that keeps what it is given.
PREAMBLE = """
import sys
sys.path.append(UPYLIB)
import logging
class Out:
    def __init__(self):
        self.text = []
    def write(self, s):
        self.text.append(s)
out = Out()
"""
ON_DEVICE = PREAMBLE + """
logging.basicConfig(level=logging.DEBUG, stream=out)
from onenetlog.logging_tags import install; install(lang="en", clock=False)
logging.info("connected")
logging.root.error("connect failed code=%d", 1104)
logging.root.warning("coap answered code: 4.04.")
logging.debug("decode 12 bytes, code 9999")
logging.root.critical("no code here")
app = logging.getLogger("my app")
app.addHandler(logging.StreamHandler(out))
install("my app", "%(levelname)s %(message)s", lang="zh", verbosity=0, clock=False)
app.warning("reply code=305")
app.info("ok")
sys.stdout.write("".join(out.text))
"""


def test_micropython_lib_logging_on_the_unix_port():
    got = lines(run_upy(f"UPYLIB = {UPYLIB!r}\n" + ON_DEVICE))
    assert [(d["level"], d["tag"], d["code"], d["body"]) for d in got] == [
        ("I", "root", None, "connected"),
        ("E", "mqtt", "1104", "token expired | Token has expired -- connect failed code=1104"),
        ("W", "coap", "404", "coap_not-found | Device resource not found -- coap answered code: 4.04."),
        ("D", "root", "9999", "unknown code -- decode 12 bytes, code 9999"),
        ("E", "root", None, "no code here"),
        ("W", "thing", "305", "no thing-model -- WARNING reply code=305"),
        ("I", "my_app", None, "INFO ok"),
    ]
    assert all(d["time"].isdigit() for d in got)


@pytest.fixture
def cpython_logger():
    lg = logging.getLogger("onenetlog-test")
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    stream = io.StringIO()
    lg.handlers[:] = [logging.StreamHandler(stream)]
    yield lg, stream
    lg.handlers[:] = []


def test_cpython_logging_with_extra_code(cpython_logger):
    lg, stream = cpython_logger
    f = install("onenetlog-test", lang="en", verbosity=2)
    assert isinstance(f, Formatter) and lg.handlers[0].formatter is f
    lg.error("connect failed", extra={"code": 1104})
    lg.info("plain %s", "line")
    lg.warning("code=4.04 in text")
    got = lines(stream.getvalue())
    assert [(d["level"], d["tag"], d["code"]) for d in got] == [
        ("E", "mqtt", "1104"), ("I", "onenetlog-test", None), ("W", "coap", "404")]
    assert got[0]["body"] == ("token expired | Token has expired | Check the token's expiry time (et)"
                              " -- connect failed")
    assert got[1]["body"] == "plain line" and len(got[1]["time"]) == 23


def test_install_adds_a_handler_when_there_is_none():
    lg = logging.getLogger("onenetlog-bare")
    lg.handlers[:] = []
    try:
        install("onenetlog-bare")
        assert len(lg.handlers) == 1 and isinstance(lg.handlers[0].formatter, Formatter)
    finally:
        lg.handlers[:] = []


class Rec:
    levelno = 30
    name = "x"
    msg = "m"
    args = ()


@pytest.mark.parametrize("msg,code", [
    ("code=1104", "1104"), ("code: 4.04.", "4.04"), ("error code 1104, retry", "1104"), ("Code 5", None),
    ("decode=12", None), ("codes 12", None), ("code=", None), ("code=x code=7", "7"), ("", None),
    ("rc=5", None), ("the code 2.05", "2.05"), ("code:1104code", "1104")])
def test_which_messages_carry_a_code(msg, code):
    assert code_of(Rec(), msg) == code


def test_a_record_attribute_wins_and_formatting_never_raises():
    r = Rec()
    r.code = 200
    assert code_of(r, "code=1104") == 200
    f = Formatter(lang="en", clock=False)
    line = f.format(logging.makeLogRecord({"msg": "m %s", "args": (object(),), "levelno": 20, "name": "n"}))
    assert parse(line + "\n")["tag"] == "n"
    odd = logging.makeLogRecord({"msg": "code=1104", "levelno": "x", "name": None, "code": object()})
    d = parse(f.format(odd) + "\n")  # an odd level is 0, an odd code ?
    assert (d["level"], d["tag"], d["code"], d["body"]) == ("D", "log", "?", "unknown code -- code=1104")


FORGED = "x\nE (1) mqtt#1104: token expired | forged"


@pytest.mark.parametrize("levelno", [-1, -2, -50, 10**30, -(10**30), 1.5, None, True])
def test_no_record_can_forge_a_line(levelno):
    f = Formatter(lang="en", clock=False)
    for code in (None, 1104, "x\ny"):
        r = logging.makeLogRecord({"msg": FORGED, "levelno": levelno, "name": "app\nE (1) mqtt#1104:", "code": code})
        line = f.format(r)
        d = parse(line + "\n")  # one well-formed line, whatever the level
        assert "\n" not in line and d["body"].endswith(FORGED.replace("\n", " "))
        assert d["tag"] == ("mqtt" if code == 1104 else "app_E__1__mqtt_1104_")


@pytest.mark.parametrize("cache", [0, 512])
def test_a_new_record_name_is_never_served_from_the_cache(cache):
    # 99999 belongs to no service: its status line carries the record's name; the line held
    # from the last record, or the cache, must not give the old one
    f = Formatter(lang="en", clock=False, cache=cache)
    for name in ["a", "b", "a", "b", "a", "a", "b", "b"]:
        r = logging.makeLogRecord({"msg": "x", "levelno": 30, "name": name, "code": 99999})
        d = parse(f.format(r) + "\n")
        assert (d["tag"], d["code"]) == (name, "99999")


FORGE_ON_DEVICE = PREAMBLE + """
from onenetlog.logging_tags import install
app = logging.getLogger("f")
app.setLevel(-100)
app.addHandler(logging.StreamHandler(out))
install("f", lang="en", clock=False)
for level in (-1, -2, -50):
    app.log(level, FORGED)
    app.log(level, FORGED + " code=1104")
sys.stdout.write("".join(out.text))
"""


def test_no_record_can_forge_a_line_on_the_unix_port():
    got = lines(run_upy(f"UPYLIB = {UPYLIB!r}\nFORGED = {FORGED!r}\n" + FORGE_ON_DEVICE))
    one_line = FORGED.replace("\n", " ")
    assert [(d["level"], d["tag"], d["code"], d["body"]) for d in got] == 3 * [
        ("D", "f", None, one_line), ("D", "mqtt", "1104", "token expired | Token has expired -- " + one_line + " code=1104")]
