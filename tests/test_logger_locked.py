"""The Logger under micropython.heap_lock() after a warm-up, on the unix port (from the .mpy a
board gets): a code with its topic, CONNACK lines; and ids that are int subclasses, on both
interpreters. Code in functions: at module level a script's new globals allocate."""

from upy import run_cpy, run_upy

TOPIC_LOCKED = """
import micropython
import onenetlog
T = "$sys/p/d/thing/property/post/reply"
def run():
    log = onenetlog.Logger(clock=False)
    log.status(1104, type=T)  # warm-up: onenetlog.parse loaded
    micropython.heap_lock()
    log.status(1104, type=T)
    log.status(1104, "n", type=T)
    log.status(1104, type="1.2")
    log.status(b"1104", type=T)
    micropython.heap_unlock()
    print("dropped", log.dropped)
run()
"""


def test_a_code_with_its_topic_under_heap_lock_keeps_its_code():
    # Reading a topic allocates: under heap_lock the code's line comes with type=? (not read).
    out = run_upy(TOPIC_LOCKED).splitlines()
    assert out[-1] == "dropped 0", out
    head = "mqtt#1104: token expired | token已过期 type="
    assert [s[s.find(")") + 2:] for s in out[:-1]] == [head + "1.2", head + "?", head + "? -- n", head + "1.2", head + "?"], out
