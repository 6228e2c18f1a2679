"""docs/connect.md shows real output: its board script runs on the unix port against mosquitto
(the broker fixture of test_mqtt) and prints its lines, times aside; each `$ onenetlog ...` gives
what the page shows; the make() refusal it quotes is make()'s."""

import os
import re
import subprocess
import sys
import time

import onenetlog.token as token
from onenetlog_tools import upylib
from test_mqtt import broker, need_broker  # noqa: F401 (a fixture)
from upy import run_upy

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "connect.md")
TICKS = re.compile(r"^([DIWE]) \(\d+\) ", re.M)


def blocks():
    text = open(DOC, encoding="utf-8").read()
    return re.findall(r"```(\w*)\n(.*?)```", text, re.S)


@need_broker
def test_the_board_script_prints_what_the_page_shows(broker):  # noqa: F811
    host, port = broker
    (_, script), (_, shown) = blocks()[0], blocks()[1]
    assert 'HOST, PORT = "mqtts.heclouds.com", 1883\n' in script
    script = script.replace('HOST, PORT = "mqtts.heclouds.com", 1883', f"HOST, PORT = {host!r}, {port}")
    out = run_upy(f"import sys\nsys.path.append({upylib.DEST!r})\n" + script)
    assert TICKS.sub(r"\1 (t) ", out) == TICKS.sub(r"\1 (t) ", shown)


def test_each_host_command_prints_what_the_page_shows():
    commands = [b for lang, b in blocks() if b.startswith("$ ")]
    assert len(commands) == 2
    shell = f'onenetlog() {{ "{sys.executable}" -m onenetlog_tools.cli "$@"; }}\n'
    for block in commands:
        for command, shown in re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", block, re.M):
            done = subprocess.run(["bash", "-c", shell + command], capture_output=True, text=True, timeout=60)
            assert done.stdout == shown, (command, done.stdout, done.stderr)


def test_the_refusal_of_a_clock_never_set_is_quoted_as_make_says_it(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 612)
    try:
        token.make("Xa8Bc3dE9f", "lamp-01", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    except ValueError as err:
        assert f"`ValueError: {err}`" in open(DOC, encoding="utf-8").read()
    else:
        raise AssertionError("make() took a clock never set")
