"""onenetlog.mqtt.connect() against a real broker: Debian's mosquitto on 127.0.0.1, started here on a
free port with a password file and no anonymous access (so it refuses bad credentials with a
CONNACK code), with micropython-umqtt.simple 1.3.4 (tools/upylib.py) on the unix port; and the
same helper on CPython through a socket shim for umqtt's usocket."""

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
import types

import pytest

import onenetlog
import onenetlog.mqtt as mqtt
import onenetlog.token as token
from logline import lines, split_status
from onenetlog_tools import upylib
from upy import run_upy

KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
PID, DEV = "Xa8Bc3dE9f", "lamp-01"
GOOD = token.make(PID, DEV, KEY, et=4102444800)  # 2100: the one password the broker takes
EXPIRED = token.make(PID, DEV, KEY, et=1704067200 + 3600)  # 2024-01-01 01:00
NOW = 1796000000
MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
PASSWD = shutil.which("mosquitto_passwd")
need_broker = pytest.mark.skipif(not (MOSQUITTO and PASSWD),
                                 reason="mosquitto is missing (tools/debian-packages.txt: sudo apt-get install mosquitto)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """(host, port) of a mosquitto that knows one user: PID with the password GOOD."""
    work = tmp_path_factory.mktemp("mosquitto")
    subprocess.run([PASSWD, "-b", "-c", str(work / "passwd"), PID, GOOD], check=True, capture_output=True)
    port = free_port()
    (work / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\n"
                                         f"password_file {work / 'passwd'}\npersistence false\n"
                                         f"user {getpass.getuser()}\n")  # as root it would drop to mosquitto
    proc = subprocess.Popen([MOSQUITTO, "-c", str(work / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()[-500:]
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


ON_DEVICE = """
import sys
sys.path.append(UPYLIB)
from umqtt.simple import MQTTClient, MQTTException
import onenetlog, onenetlog.mqtt
log = onenetlog.Logger(lang="en", clock=False)
for pw, user, dev in CASES:
    client = MQTTClient(dev, HOST, PORT, user=user, password=pw)
    rc = onenetlog.mqtt.connect(client, log, key=KEY, now=NOW)
    print("rc", rc)
    if rc == 0:
        client.disconnect()
try:
    MQTTClient(DEV, HOST, PORT, user=PID, password="x").connect()
except MQTTException as err:
    log.status(err)
"""
CASES = [(GOOD, PID, DEV), (EXPIRED, PID, DEV), (GOOD, DEV, PID)]


def check_lines(out):
    got = lines("".join(s + "\n" for s in out.splitlines() if not s.startswith("rc ")))
    rcs = [int(s[3:]) for s in out.splitlines() if s.startswith("rc ")]
    assert rcs[0] == 0 and rcs[1] == rcs[2] and rcs[1] in (4, 5), out  # mosquitto 2 says 5
    rc = rcs[1]
    text = mqtt.describe(rc)
    expired = token.check(EXPIRED, DEV, PID, KEY, NOW)[0][1]
    swapped = token.check(GOOD, PID, DEV, KEY, NOW)[0][1]
    assert expired.startswith("expired about 3 years ago") and swapped.startswith("clientId and username are swapped")
    status = lambda c: f"{onenetlog.message(c)} | {onenetlog.reason(c, 'en')}"  # noqa: E731
    want = [
        ("E", "mqtt", "1104", status(1104), None, "pre-flight: " + expired),
        ("E", "mqtt", str(rc), text, "connack", "pre-flight: 1104 " + expired),
        ("E", "mqtt", "1114", status(1114), None, "pre-flight: " + swapped),
        ("E", "mqtt", str(rc), text, "connack", "pre-flight: 1114 " + swapped),
        ("E", "mqtt", str(rc), text, "connack", None),
    ]
    assert len(got) == len(want), out
    for d, (level, tag, code, body, type_, note) in zip(got, want):
        assert (d["level"], d["tag"], d["code"]) == (level, tag, code), d
        decoded, _id, _trace, typ, n = split_status(d["body"], body)
        assert (typ, n) == (type_, note), d


@need_broker
def test_a_real_broker_refusal_reaches_the_console_decoded_on_the_unix_port(broker):
    assert upylib.installed(project=upylib.UMQTT), "umqtt.simple is missing: run `make venv`"
    host, port = broker
    setup = (f"UPYLIB = {upylib.DEST!r}\nHOST, PORT = {host!r}, {port}\nKEY = {KEY!r}\nNOW = {NOW}\n"
             f"PID, DEV = {PID!r}, {DEV!r}\nCASES = {CASES!r}\n")
    check_lines(run_upy(setup + ON_DEVICE))


class _Sock:
    """usocket as umqtt.simple uses it (write, read), over a CPython socket."""

    def __init__(self):
        self.s = socket.socket()

    def connect(self, addr):
        self.s.connect(addr)

    def write(self, data, n=None):
        data = data.encode() if isinstance(data, str) else bytes(data)
        return self.s.sendall(data[:n] if n is not None else data)

    def read(self, n):
        data = b""
        while len(data) < n:
            more = self.s.recv(n - len(data))
            if not more:
                break
            data += more
        return data

    def close(self):
        self.s.close()


@pytest.fixture
def umqtt_on_cpython(monkeypatch):
    usocket = types.SimpleNamespace(socket=_Sock, getaddrinfo=socket.getaddrinfo)
    import binascii
    import struct
    for name, mod in (("usocket", usocket), ("ustruct", struct), ("ubinascii", binascii)):
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.syspath_prepend(upylib.DEST)
    monkeypatch.delitem(sys.modules, "umqtt.simple", raising=False)
    monkeypatch.delitem(sys.modules, "umqtt", raising=False)
    import umqtt.simple
    return umqtt.simple


@need_broker
def test_a_real_broker_refusal_reaches_the_console_decoded_on_cpython(broker, umqtt_on_cpython, capsys):
    if not upylib.installed(project=upylib.UMQTT):
        pytest.skip("umqtt.simple is missing: run `make venv`")
    host, port = broker
    log = onenetlog.Logger(lang="en", clock=False)
    for pw, user, dev in CASES:
        client = umqtt_on_cpython.MQTTClient(dev, host, port, user=user, password=pw)
        rc = mqtt.connect(client, log, key=KEY, now=NOW)
        print("rc", rc)
        if rc == 0:
            client.disconnect()
    try:
        umqtt_on_cpython.MQTTClient(DEV, host, port, user=PID, password="x").connect()
    except umqtt_on_cpython.MQTTException as err:
        log.status(err)
    check_lines(capsys.readouterr().out)


def test_rc_of_and_describe_read_every_form():
    class MQTTException(Exception):
        pass

    assert [mqtt.rc_of(x) for x in (MQTTException(5), MQTTException(4), 3, MQTTException("5"), ValueError(5),
                                    MQTTException(), None, "5", 256, -1, True)] == [5, 4, 3, None, None, None,
                                                                                     None, None, None, None, None]
    assert mqtt.describe(5).startswith("not authorized | the token or the device: likely one of 1101")
    assert mqtt.describe(2, 0) == "identifier rejected"
    assert [mqtt.describe(x) for x in (0, 6, None, "5")] == ["accepted", "unknown CONNACK code",
                                                             "unknown CONNACK code", "unknown CONNACK code"]
    assert mqtt.note([]) == "" and mqtt.note([(1104, "a"), (1114, "b")]) == "pre-flight: 1104 a; 1114 b"


def test_a_failure_other_than_a_refusal_propagates():
    class Client:
        client_id, user, pswd = DEV, PID, GOOD

        def connect(self, clean_session=True):
            raise OSError(111)

    with pytest.raises(OSError):
        mqtt.connect(Client())
