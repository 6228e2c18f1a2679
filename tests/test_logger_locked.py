"""The Logger under micropython.heap_lock() after a warm-up, on the unix port (from the .mpy a
board gets): a code with its topic, CONNACK lines; and ids that are int subclasses, on both
interpreters. Code in functions: at module level a script's new globals allocate."""

from upy import run_cpy, run_upy

TOPIC_LOCKED = """
import micropython
import onenetlog
T = "$sys/p/d/thing/property/post/reply"
U = "$sys/p/d/thing/property/set"
def run():
    log = onenetlog.Logger(clock=False)
    log.status(1104, type=T)  # warm-up: onenetlog.parse loaded, T read
    micropython.heap_lock()
    log.status(1104, type=T)  # the topic read last: its type costs no heap
    log.status(b"1104", "n", type=T)
    log.status(1104, type=U)  # another topic: not read (type=?)
    log.status(1104, type="1.2")
    micropython.heap_unlock()
    print("dropped", log.dropped)
run()
"""


def test_a_code_with_its_topic_under_heap_lock_keeps_its_code():
    # Reading a topic allocates: under heap_lock only the topic read last has its type, another
    # is type=? (not read); the code's line is made either way.
    out = run_upy(TOPIC_LOCKED).splitlines()
    assert out[-1] == "dropped 0", out
    head = "mqtt#1104: token expired | token已过期 type="
    assert [s[s.find(")") + 2:] for s in out[:-1]] == [
        head + "1.2", head + "1.2", head + "1.2 -- n", head + "?", head + "1.2"], out


CONNACK_LOCKED = """
import micropython
import onenetlog
class MQTTException(Exception):
    pass
def run():
    log = onenetlog.Logger(clock=False)
    refused = MQTTException(5)
    log.status(refused)  # warm-up: onenetlog.mqtt loaded, the line's head made once
    log.status(0, type="connack")
    micropython.heap_lock()
    log.status(refused)
    log.status(5, type="connack")
    log.status(0, "up", type="connack")
    micropython.heap_unlock()
    print("dropped", log.dropped)
run()
"""


def test_connack_lines_under_heap_lock_after_a_warm_up():
    out = run_upy(CONNACK_LOCKED).splitlines()
    assert out[-1] == "dropped 0", out
    got = [s[s.find(")") + 2:] for s in out[2:-1]]
    assert [s[:17] for s in got] == ["mqtt#5: not autho"] * 2 + ["mqtt#0: accepted "], got
    assert got[0] == got[1] == out[0][out[0].find(")") + 2:] and got[0].endswith(" type=connack"), out
    assert got[2] == "mqtt#0: accepted type=connack -- up" and out[2].startswith("E ") and out[4].startswith("I ")


INT_SUBCLASS_ID = """
import onenetlog
class I(int):
    pass
log = onenetlog.Logger(clock=False)
log.status({"code": 305, "id": I(7)})
log.status({"code": 305, "id": 7})
log.status({"code": 305, "id": True})  # a bool is no id
"""


def test_an_int_subclass_id_is_shown_on_both_interpreters():
    for out in (run_upy(INT_SUBCLASS_ID), run_cpy(INT_SUBCLASS_ID)):
        ids = [s.split(" id=")[1].split()[0] if " id=" in s else None for s in out.splitlines()]
        assert ids == ["7", "7", None], out
