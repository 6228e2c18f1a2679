"""`onenetlog annotate` and `monitor` on a refused connect: umqtt's `MQTTException: N` traceback
line gets the CONNACK code's meaning; the Logger's CONNACK lines pass through as they are."""

import io
import subprocess
import sys

import onenetlog.mqtt as mqtt
from onenetlog_tools import annotate as ann
from onenetlog_tools.monitor import Console

LOG = (b"Traceback (most recent call last):\n"
       b'  File "main.py", line 12, in <module>\n'
       b'  File "umqtt/simple.py", line 99, in connect\n'
       b"MQTTException: 5\r\n"
       b"umqtt.simple.MQTTException: 4\n"
       b"E (12) mqtt#5: not authorized | the token or the device: likely one of 1101 type=connack -- pre-flight: x\n"
       b"I (13) app: MQTTException: 5 was caught\n"
       b"MQTTException: 5  ## already annotated\n"
       b"MQTTException: 9\n")


def want(rc):
    return b"  ## CONNACK %d %s" % (rc, mqtt.describe(rc).encode())


EXPECTED = LOG.replace(b"MQTTException: 5\r\n", b"MQTTException: 5" + want(5) + b"\r\n").replace(
    b"MQTTException: 4\n", b"MQTTException: 4" + want(4) + b"\n").replace(
    b"MQTTException: 9\n", b"MQTTException: 9  ## CONNACK 9 unknown CONNACK code\n")


def test_annotate_explains_the_traceback_line_and_nothing_else():
    done = subprocess.run([sys.executable, "-m", "onenetlog_tools.cli", "annotate", "--lang", "en", "--color", "never"],
                          input=LOG, capture_output=True, timeout=60)
    assert done.returncode == 0 and done.stdout == EXPECTED, done.stdout.decode()
    assert want(5).startswith(b"  ## CONNACK 5 not authorized | the token or the device: likely one of 1101, 1103")


def test_block_and_suffix_agree_and_colour_marks_it_an_error():
    a = ann.Annotator("en")
    out = io.BytesIO()
    a.stream(io.BytesIO(LOG), out)
    by_line = b"".join(line.rstrip(b"\r\n") + a.suffix(line.rstrip(b"\r\n")) + line[len(line.rstrip(b"\r\n")):]
                       for line in LOG.splitlines(keepends=True))
    assert out.getvalue() == by_line == EXPECTED
    assert ann.Annotator("en", color=True).suffix(b"MQTTException: 5") == b"  ## \x1b[31m" + want(5)[5:] + b"\x1b[0m"


def test_monitor_explains_it_on_a_live_console():
    class Sink(list):
        def write(self, x):
            self.append(bytes(x))

        def flush(self):
            pass

    out = Sink()
    console = Console(ann.Annotator("en"), out, Sink(), versions=lambda: {})
    for piece in (LOG[:60], LOG[60:130], LOG[130:]):
        console.feed(piece)
    assert b"".join(out) == EXPECTED
