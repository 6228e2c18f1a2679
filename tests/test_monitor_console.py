"""`onenetlog monitor` on a pty fed with recorded consoles: the print filter, the host's
timestamps, the saved log, and waiting for a port (tests/monitor_session.py). The recorded
console tests/golden/session.log is a session of the unix-port board as the monitor's
--save-log wrote it (docs/report.md says how it was made)."""

import os
import re
import time
from pathlib import Path

import pytest

from onenetlog_tools import annotate as ann
from monitor_session import Session, port, serial_pty  # noqa: F401 (port: a fixture)

GOLDEN = Path(__file__).parent / "golden"
HEAD = re.compile(rb"(?:\x1b\[[0-9;]*m)?([DIWE]) \([^)]*\) ([A-Za-z0-9_.-]+)(?:#[0-9?]+)?:")
RANK = {"N": 0, "E": 1, "W": 2, "I": 3, "D": 4, "V": 5}


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def filtered(data, rules, rest):
    """What the monitor should show of data: the lines rules ({tag: level}, rest for other
    tags) let through, annotated as `onenetlog annotate` does; other lines while rest > N."""
    a = ann.Annotator("en")
    out = []
    for line in data.splitlines(keepends=True):
        body = line.rstrip(b"\r\n")
        m = HEAD.match(body)
        limit = RANK[rules.get(m.group(2).decode(), rest)] if m else None
        if m is None and RANK[rest] == 0 or m is not None and limit < RANK[m.group(1).decode()]:
            continue
        out.append(body + a.suffix(body) + line[len(body):] if line.endswith(b"\n") else line)
    return b"".join(out)


@pytest.mark.parametrize("text, rules, rest", [
    ("mqtt:W coap:W *:E", {"mqtt": "W", "coap": "W"}, "E"),
    ("app *:N", {"app": "V"}, "N"),
    ("general:N *", {"general": "N"}, "V"),
])
def test_filter_on_a_recorded_console(port, text, rules, rest):
    master, path = port
    data = (GOLDEN / "session.log").read_bytes() + b"\r\nE (1) app: end\r\n"  # the end passes every filter
    want = filtered(data, rules, rest)
    assert want.count(b"\n") > 20 or rest == "N"
    with Session(path, "--filter", text) as mon:
        mon.started()
        write_all(master, data)
        mon.wait_out(b"E (1) app: end\r\n")
        rc, out, err = mon.quit()
    assert rc == 0 and out == want


def test_filter_on_the_golden_device_log(port):
    # Colour, the wall clock, #? and ticks: the filter reads every head the line format has.
    master, path = port
    data = (GOLDEN / "device-full.log").read_bytes()
    want = filtered(data, {"mqtt": "W", "ui": "E", "net": "I"}, "N")
    assert want.count(b"\n") == 7
    with Session(path, "--filter", "mqtt:W ui:E net:I") as mon:
        mon.started()
        write_all(master, data + b"I (1) net: end\n")
        mon.wait_out(b"I (1) net: end\n")
        rc, out, err = mon.quit()
    assert rc == 0 and out == want + b"I (1) net: end\n"


def test_timestamps_and_the_board_wall_clock(port):
    master, path = port
    lines = (b"I (5) app: ticks\r\n"
             b"E (2026-11-26 20:10:58.365) net#1104: token expired -- wall clock\r\n"
             b">>> \r\n")
    stamp = rb"\d\d:\d\d:\d\d\.\d{6} "
    got = {}
    for args in ((), ("all",)):
        with Session(path, "--timestamps", *args, "--timestamp-format", "%H:%M:%S.%f") as mon:
            mon.started()
            write_all(master, lines)
            mon.wait_out(b">>> \r\n")
            rc, out, _ = mon.quit()
        assert rc == 0
        got[args] = out.split(b"\r\n")[:3]
    plain, every = got[()], got[("all",)]
    assert re.fullmatch(stamp + rb"I \(5\) app: ticks", plain[0]) and re.fullmatch(stamp + b">>> ", plain[2])
    assert plain[1].startswith(b"E (2026-11-26 20:10:58.365) net#1104:")  # the board's clock, kept
    assert all(re.match(stamp + b"[IE>]", line) for line in every)
    assert every[1].split(b" ", 1)[1] == plain[1]


def test_save_log_keeps_the_bytes_as_received_under_a_default_name(port, tmp_path):
    master, path = port
    raw = b"I (1) app: a\r\nW (2) coap#404: id=1\r\r\npartial \x1b[31m\xff"
    start = time.strftime("%Y%m%d-%H%M%S")
    with Session(path, "--save-log", "--filter", "*:N", cwd=tmp_path) as mon:
        mon.started()
        write_all(master, raw)
        mon.wait_err(b"saving the board's output to ")
        mon.wait_err(b".log ---\n")
        name = re.search(rb"saving the board's output to (\S+) ---", bytes(mon.err)).group(1).decode()
        end = time.monotonic() + 30
        while (tmp_path / name).read_bytes() != raw and time.monotonic() < end:
            time.sleep(0.05)
        rc, out, err = mon.quit()
    assert rc == 0 and out == b""  # *:N: nothing on screen, everything in the log
    stamp = re.fullmatch(rf"onenetlog-{os.path.basename(path)}-(\d{{8}}-\d{{6}})\.log", name)
    assert stamp and start <= stamp.group(1) <= time.strftime("%Y%m%d-%H%M%S"), name
    assert (tmp_path / name).read_bytes() == raw


def test_waits_for_a_port_to_appear(tmp_path):
    master, slave, path = serial_pty()
    link = tmp_path / "ttyLATE"
    try:
        with Session(str(link), "--open-port-attempts", "0") as mon:
            mon.wait_err(b"waiting for " + str(link).encode() + b" to appear")
            link.symlink_to(path)
            mon.started()
            write_all(master, b"I (1) app: here\r\n")
            mon.wait_out(b"here\r\n")
            rc, out, err = mon.quit()
    finally:
        os.close(master)
        os.close(slave)
    assert rc == 0 and err.count(b"waiting for") == 1


def test_gives_up_after_the_attempts_when_the_port_stays_away():
    master, slave, path = serial_pty()
    with Session(path, "--open-port-attempts", "2") as mon:
        mon.started()
        write_all(master, b"I (1) app: bye")
        mon.wait_out(b"bye")
        os.close(slave)
        os.close(master)  # unplugged; the pty's name goes with it
        rc, out, err = mon.finish()
    assert rc == 1 and out == b"I (1) app: bye\r\n" and b"Traceback" not in err
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith(f"onenetlog monitor: error: {path}: the board went away (") and "did not come back" in last
