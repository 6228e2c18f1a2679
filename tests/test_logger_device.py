"""Logger on the MicroPython unix port (-X heapsize=64k) from the .mpy a board gets: the same
lines as CPython, nothing allocated by status() under heap_lock, a flat heap over 100,000 lines,
and the import budget."""

import re

import pytest

import onenetlog
from onenetlog_tools import build, heapcost
from logline import lines, parse
from upy import built, run_cpy, run_upy

TIERS = build.TIERS
CODES = onenetlog.codes()

# Runs unchanged on MicroPython and CPython: every kind of call, every option, to sys.stdout.
CALLS = """
import sys
from onenetlog.logger import Logger
ODD = [None, 0, -1, 10**30, "", "x" * 700, b"", b"\\xff\\xfe", b"\\xe4\\xbd", bytearray(b"12"), [1104], {"a": 1},
       True, "1104\\n", "a\\r\\nb\\x1b[0m", "4.04", b"4.04", 0x84, b"\\x84", "2.05", 9999, "abc", "中文"]
REC = {"type": "1.1", "status": "200", "trace_id": "ab2fc05759a211ecbfd023bbbfff50a4",
       "content": '{"protocol":"MQTT","offline_reason":"CloseByPeer"}'}
REPLY = b'{"id":"123","code":305,"msg":"x \\\\"code\\\\": 1"}'
for lang in ("zh", "en"):
    for v in (0, 1, 2):
        for ascii in (False, True):
            log = Logger(None, None if v == 1 else "dev", 0, lang, v, v == 2, ascii, False)
            for c in CODES:
                log.status(c)
            for o in ODD:
                log.status(o)
                log.status(1104, o, o, o, o)
                log.info(o)
                log.error(o, code=o)
            log.status(REPLY, "n", type="$sys/p/d/thing/property/post/reply")
            log.status(REPLY.decode(), type=b"$sys/p/d/thing/property/set_reply")
            log.status({"id": 7, "code": "4.04"}, type="$sys/p/d/thing/service/s/invoke_reply")
            log.status(REC, "seen")
            for k in range(0, len(REPLY), 3):  # cut off anywhere
                log.status(REPLY[:k], type="$sys/p/d/thing/event/post/reply")
            log.warning("plain %d" % 5)
            print("dropped", log.dropped)
"""


def script():
    return f"CODES = {CODES!r}\n" + CALLS


def normalized(out):
    """Lines with their time replaced by T (ticks differ between runs)."""
    return re.sub(r"^(\x1b\[3\dm)?([DIWE]) \(\d+\)", r"\1\2 (T)", out, flags=re.M)


@pytest.mark.parametrize("tier", TIERS)
def test_unix_port_writes_the_lines_cpython_writes(tier):
    upy = run_upy(script(), tier, timeout=120)
    cpy = run_cpy(script(), tier, timeout=120)
    assert upy.count("\n") > 12 * (len(CODES) + 4 * 23)
    a, b = normalized(upy).splitlines(), normalized(cpy).splitlines()
    for x, y in zip(a, b):
        assert x == y
    assert len(a) == len(b)
    body = "".join(s + "\n" for s in upy.splitlines() if not s.startswith("dropped "))
    assert len(lines(body)) == len(a) - 12
    assert set(s for s in upy.splitlines() if s.startswith("dropped ")) == {"dropped 0"}


# A sink that keeps the last line it was given (the scripts below).
LAST = """
class Last:
    def write(self, buf, off=0, n=-1):
        self.v = bytes(buf[off:off + n] if n >= 0 else buf[off:])
"""
# A Logger, and onenetlog.write() counting its calls in calls[0]: the decodes (both scripts below).
COUNTED = LAST + """
import onenetlog
from onenetlog.logger import Logger
calls = [0]
decode = onenetlog.write
def counted(*args):
    calls[0] += 1
    return decode(*args)
onenetlog.write = counted
"""
# The Logger's cache of status lines against a logger without one: the same lines, while codes
# come back in a random order, the cache fills, wraps and evicts, with notes in between.
CACHED = COUNTED + """
def untimed(v):  # the line without its time
    return v[:v.find(b"(")] + v[v.find(b")"):]
codes = CODES + [99999, 0x84, 404, 200, 1104]
seed = 12345
def rnd(n):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return (seed >> 12) % n
for size in (600, 512, 150, 40, 0):
    for lang, v, color, name in (("zh", 1, False, None), ("en", 2, True, "dev"), ("zh", 0, False, None)):
        a, b = Last(), Last()
        la = Logger(a, name, 0, lang, v, color, False, False, size)
        lb = Logger(b, name, 0, lang, v, color, False, False, 0)
        n = same = da = db = 0
        for i in range(400):  # a working set of 6 codes, then any code, often one of 4
            c = codes[rnd(6)] if i < 150 else codes[rnd(len(codes))] if rnd(3) else codes[rnd(4)]
            if i == 150:
                first = da
            note = "n%d" % i if rnd(5) == 0 else ""
            for k in range(2 if note else 1):
                calls[0] = 0
                la.status(c, note)
                da += calls[0]
                calls[0] = 0
                lb.status(c, note)
                db += calls[0]
                n += 1
                same += untimed(a.v) == untimed(b.v)
                note = ""
        print(size, lang, v, n, same, la.dropped, lb.dropped, da, db, first)
"""


@pytest.mark.parametrize("run", [run_upy, run_cpy])
def test_cached_lines_are_the_lines_a_logger_without_cache_writes(run):
    out = run(f"CODES = {CODES!r}\n" + CACHED, "full", timeout=120).split("\n")[:-1]
    assert len(out) == 15
    for row in out:
        size, lang, v, n, same, dropped_a, dropped_b, decoded_a, decoded_b, first = row.split()
        assert n == same and int(n) > 400 and dropped_a == dropped_b == "0", row
        # decodes: the logger without a cache decodes every code that differs from the last one
        assert int(decoded_a) <= int(decoded_b) < int(n)
        if int(size) >= 512 and v != "2":  # 6 short lines fit: each code is decoded twice,
            assert first == "12", row  # then kept (a code seen once is only noted)
        if size == "0":
            assert decoded_a == decoded_b, row
        else:
            assert int(decoded_a) < int(decoded_b), row


# The code logged last keeps its bare line at the start of the assembly stream: its next lines,
# with a note, an id, a trace or none, are put together after it without a decode, by a Logger
# without a cache too; another code, a plain line or a CONNACK line in between puts it out.
HELD = COUNTED + """
a = Last()
log = Logger(a, None, 0, "en", 1, False, False, False)
for args in [(1104,), (1104, "n1"), (1104,), (1104, "n2", 7), (1104, "", None, "t"), (1104,), (1104, "n3"),
             (1105,), (1104, "n4"), ("info",), (1104,), (5, "n5", None, None, "connack"), (1104, "n6")]:
    calls[0] = 0
    if args[0] == "info":
        log.info("plain")
    else:
        log.status(*args)
    print(calls[0], str(a.v[a.v.find(b")") + 2:-1], "utf-8"))
"""


@pytest.mark.parametrize("run", [run_upy, run_cpy])
def test_the_code_logged_last_needs_no_decode_for_its_next_lines(run):
    got = [row.split(" ", 1) for row in run(HELD).splitlines()]
    bare = "mqtt#1104: token expired | Token has expired"
    assert got == [["1", bare], ["0", bare + " -- n1"], ["0", bare], ["0", bare + " id=7 -- n2"],
                   ["0", bare + " trace=t"], ["0", bare], ["0", bare + " -- n3"],
                   ["1", "mqtt#1105: seckey not found | Device/product sec_key not found"], ["1", bare + " -- n4"], ["0", "log: plain"],
                   ["1", bare], got[11], ["1", bare + " -- n6"]], got
    assert got[11][1].startswith("mqtt#5: not authorized") and got[11][1].endswith("type=connack -- n5")


# ticks_ms() scripted: lines within one ms share its digits, the next ms gets its own, whatever
# their count, and a line of the same ms after another code or a note keeps the right time.
TICKS = LAST + """
import onenetlog.logger as lg
from onenetlog.logger import Logger
seq = [5, 5, 123456, 123456, 123456, 7, 7, 99999999, 0, 0, 42]
at = [0]
def ticks():
    at[0] += 1
    return seq[at[0] - 1]
s = Last()
log = Logger(s, None, 0, "en", 0, True, False, False)
lg.ticks_ms = ticks
for i, c in enumerate([200, 200, 1104, 1104, 404, 1104, 1104, 200, 200, None, 1104]):
    if c is None:
        log.info("x")
    else:
        log.status(c, "n" if i == 4 else "")
    print(s.v.decode().split(")")[0])
"""


@pytest.mark.parametrize("run", [run_upy, run_cpy])
def test_lines_of_one_ms_share_its_digits(run):
    got = run(TICKS, "full").splitlines()
    want = [f"\x1b[3{c}m{L} ({t}" for c, L, t in [
        ("2", "I", 5), ("2", "I", 5), ("1", "E", 123456), ("1", "E", 123456), ("3", "W", 123456),
        ("1", "E", 7), ("1", "E", 7), ("2", "I", 99999999), ("2", "I", 0), ("2", "I", 0), ("1", "E", 42)]]
    assert got == want


@pytest.mark.parametrize("tier", TIERS)
def test_every_text_fits_the_line(tier):
    out = run_upy(f"CODES = {CODES!r}\n" + """
from onenetlog.logger import Logger
import onenetlog
for lang in ("zh", "en"):
    log = Logger(None, "t", 0, lang, 2, True, False, False)
    for c in CODES:
        log.status(c, "n" * 600, "i" * 50, "t" * 50, "1.2")
        print(onenetlog.describe(c, lang, 28))
""", tier)
    got = out.splitlines()
    assert len(got) == 4 * len(CODES)
    for line, text in zip(got[::2], got[1::2]):
        d = parse(line + "\n")
        assert d["body"].startswith((text + " " if text else "") + "id=" + "i" * 50 + " trace=" + "t" * 50
                                    + " type=1.2 -- nnn")


# status() of every code under heap_lock, with the ticks clock and the wall clock; the loggers,
# and a wall clock that must re-read the RTC (and fails to) included.
LOCKED = """
import sys, micropython
from onenetlog.logger import Logger
logs = [Logger(None, None, 0, "zh", 1), Logger(None, "app", 0, "en", 2, True, False, False, 512),
        Logger(sys.stdout, "w", 0, "zh", 0, False, True, True)]  # clock: auto, ticks, wall; a cache
logs[2]._rtc_ticks -= 20000  # 20 s since the last RTC read: the next line tries to read it again
forms = []
for c in CODES:
    forms += [c, str(c).encode(), str(c)]
forms += [0x84, b"\\x84", b"4.04", 10**9, -1, None, b"garbage", 99999]
micropython.heap_lock()
for log in logs:
    for c in forms:
        log.status(c)
    log.status(1104)
    log.status(1104)
micropython.heap_unlock()
for log in logs:
    print("dropped", log.dropped)
"""


@pytest.mark.parametrize("tier", TIERS)
def test_status_allocates_nothing_under_heap_lock(tier):
    out = run_upy(f"CODES = {CODES!r}\n" + LOCKED, tier)
    body, tail = out.rsplit("\n", 4)[0] + "\n", out.rsplit("\n", 4)[1:]
    assert tail == ["dropped 0"] * 3 + [""]
    got = lines(body)
    n = 3 * len(CODES) + 8 + 2
    assert len(got) == 3 * n
    for d in got[:n] + got[2 * n:]:  # the RTC of the unix port is set
        assert len(d["time"]) == 23
    for d in got[n:2 * n]:
        assert d["time"].isdigit()
    assert got[0]["tag"] == "general" and got[n]["tag"] == "app" and got[2 * n]["tag"] == "w"
    assert [d["code"] for d in got[:3]] == [str(CODES[0])] * 3
    assert [d["code"] for d in got[3 * len(CODES):3 * len(CODES) + 8]] == \
        ["404", "404", "404", "?", "?", "?", "?", "99999"]


FLAT = """
import gc
from onenetlog.logger import Logger
f = open("/dev/null", "wb")
log = Logger(f, None, 0, "zh", 2, True, False, None, 512)
named = Logger([f], "app", 0, "en", 1, False, True, False)
codes = CODES + [0x84, "4.04", b"1104", None, 99999]
def burst(n):
    for i in range(n):
        c = codes[i % len(codes)]
        log.status(c)
        log.status(c, "note %d" % i, i, "abcdef", "1.2")
        named.status(1104)
        named.info("plain line")
        log.status(b'{"id":"1","code":1104}', type="$sys/p/d/thing/property/post/reply")
a = 0  # a new global would grow the module's dict between the two readings
burst(2000)  # warm-up: first-time allocations (the lazily loaded parse module among them)
gc.collect()
a = gc.mem_alloc()
burst(20000)  # 100,000 lines
gc.collect()
print(gc.mem_alloc() - a, log.dropped + named.dropped)
"""


def test_100000_lines_leave_the_heap_flat():
    grew, dropped = run_upy(f"CODES = {CODES!r}\n" + FLAT, "full", timeout=300).split()
    assert (int(grew), int(dropped)) == (0, 0)


INSTANCE = """
import gc
from onenetlog.logger import Logger
import onenetlog.linecache  # its import is not the cache's: IMPORT_BUDGET_CACHE
gc.collect()
a = gc.mem_alloc()
l0 = Logger()
gc.collect()
b = gc.mem_alloc()
l1 = Logger(None, None, 10, "zh", 1, False, False, False, 512)
gc.collect()
c = gc.mem_alloc()
l2 = Logger(None, None, 10, "zh", 1, False, False, False, 2048)
gc.collect()
print(b - a, c - b, gc.mem_alloc() - c)
"""


# A Logger's heap: its line buffer (600 B), the assembly stream (560 B) and its attributes (by
# default no cache); a cache adds its store (cache= bytes), the book of its 8 entries and the 8
# codes seen once.
LOGGER_HEAP = 2112
CACHE_BOOK = 704
# What `import onenetlog.logger` costs beyond the decoder, from .mpy (unix port, 64-bit), each
# name it interns counted at its own size (onenetlog_tools.heapcost: the raw gc figure jumps by
# a qstr pool, a kilobyte and more, with what was interned before). The Logger before issue 9
# (one 219-line log() over a list indexed by constants) cost 4992 B over its decoder, raw. The
# first rewrite (32 functions of a screen each, and the new duties: short writes, re-entrant
# sinks, reply detection, C1 controls) cost 12000 B raw. Now 22 functions: the one-caller
# helpers merged into their callers, notes that are no str and Python streams in
# onenetlog.parse, the cache in onenetlog.linecache (IMPORT_BUDGET_CACHE, loaded only for a
# Logger with cache=). What stays is what must work under heap_lock without an import (ticks
# and wall clock, short writes, text cleaning). Measured: 9566 B, and 941 B for the cache's
# module; the margins are the texts' chunk (MAX_CHUNK_SPARE) and a little room.
IMPORT_BUDGET = 9728
IMPORT_BUDGET_CACHE = 1088


def test_a_logger_takes_its_buffers_and_its_cache():
    none, default, big = map(int, run_upy(INSTANCE).split())
    assert none <= LOGGER_HEAP and default <= none + 512 + CACHE_BOOK and big <= none + 2048 + CACHE_BOOK, (
        none, default, big)


@pytest.mark.parametrize("tier", ["full", "min"])
def test_importing_the_logger_stays_within_its_budget(tier):
    cost, raw = heapcost.measure(built(tier), "import onenetlog.logger", "import onenetlog")
    assert 0 < cost <= IMPORT_BUDGET, f"import onenetlog.logger costs {cost} B beyond the decoder ({raw} B raw)"


@pytest.mark.parametrize("tier", ["full"])
def test_the_cache_module_loads_only_for_a_cache_and_stays_within_its_budget(tier):
    cost, raw = heapcost.measure(built(tier), "import onenetlog.linecache", "import onenetlog.logger")
    assert 0 < cost <= IMPORT_BUDGET_CACHE, f"import onenetlog.linecache costs {cost} B ({raw} B raw)"
    out = run_upy("import sys\nfrom onenetlog.logger import Logger\nlog = Logger()\nlog.status(1104)\nlog.status(1104)\n"
                  "print('onenetlog.linecache' in sys.modules)\nLogger(cache=256)\n"
                  "print('onenetlog.linecache' in sys.modules)", tier)
    assert out.split()[-2:] == ["False", "True"]


def test_flash_log_and_logging_load_only_when_used():
    out = run_upy("import sys\nfrom onenetlog.logger import Logger\nlog = Logger()\nlog.status(1104, b'\\xff', 1)\n"
                  "log.status(b'{\"code\":200}')\nprint(sorted(k for k in sys.modules if 'onenetlog' in k))")
    assert out.splitlines()[-1] == "['onenetlog', 'onenetlog.logger', 'onenetlog.parse', 'onenetlog.table']"


def test_json_fields_read_the_same_on_the_unix_port():
    import random

    from test_logger_parse import TRICKY, random_doc

    rng = random.Random(5)
    docs = [t.encode() for t in TRICKY] + [random_doc(rng).encode() for _ in range(300)]
    docs += [d[: len(d) // 2] for d in docs[:60]]
    script = f"DOCS = {docs!r}\n" + """
from onenetlog.parse import field
def show(v):  # repr differs for some characters: compare UTF-8 bytes as hex
    if isinstance(v, str):
        v = "S" + "".join("%02x" % c for c in v.encode())
    elif isinstance(v, bytes):
        v = "B" + "".join("%02x" % c for c in v)
    return repr(v)
for d in DOCS:
    print(" ".join(show(field(d, k)) for k in ("code", "id", "msg", "k")))
"""
    upy = run_upy(script, "full", heap="1m", timeout=120)  # room for the script's own text
    assert upy == run_cpy(script, "full", timeout=120) and upy.count("\n") == len(docs)


# Under heap_lock a reply cannot be read (parsing allocates): status() says so on a
# well-formed unknown line, and raises nothing.
REPLY_LOCKED = """
import micropython
from onenetlog.logger import Logger
log = Logger(None, None, 0, "en", 0, False, False, False)
log.status(b'{"code":1104}')  # onenetlog.parse loaded
reply = {"code": 1104}
micropython.heap_lock()
log.status(b'{"code":1104}')
log.status(reply, type="$sys/p/d/thing/property/post/reply")
log.status(1104, "n")
micropython.heap_unlock()
print("dropped", log.dropped)
"""


def test_a_reply_under_heap_lock_is_a_documented_unknown_line():
    out = run_upy(REPLY_LOCKED)
    got = lines(out.rsplit("dropped", 1)[0])
    assert [(d["tag"], d["code"], d["body"]) for d in got] == [
        ("mqtt", "1104", "token expired"), ("log", "?", "unknown code -- reply not read: no heap"),
        ("log", "?", "unknown code -- reply not read: no heap"), ("mqtt", "1104", "token expired -- n")]
    assert out.endswith("dropped 0\n")


# README: what works under heap_lock. Plain lines, status lines with str notes and ids, the
# levels' methods with a code, to a list of sinks, with colour, one of them short of room.
LOCKED_PARTS = """
import sys, micropython
from onenetlog.logger import Logger
class Short:
    def __init__(self):
        self.n = 0
    def write(self, buf, off, n):
        self.n += 1
        return sys.stdout.write(buf, off, n if self.n % 2 else min(n, 9))
log = Logger([Short()], "app", 0, "en", 1, True, False, False)
micropython.heap_lock()
log.info("plain")
log.status(1104, "a note", "id-1", "trace-1", "1.2")
log.error("x", code=b"1104")
log.warning("w", code=b"4.04")  # a dotted str code allocates (the decoder)
log.status(b"\\x84", "coap")
micropython.heap_unlock()
print("dropped", log.dropped)
"""


def test_plain_lines_and_str_parts_allocate_nothing_under_heap_lock():
    out = run_upy(LOCKED_PARTS)
    got = lines(out.rsplit("dropped", 1)[0])
    assert [(d["level"], d["tag"], d["code"], d["body"]) for d in got] == [
        ("I", "app", None, "plain"),
        ("E", "app", "1104", "token expired | Token has expired id=id-1 trace=trace-1 type=1.2 -- a note"),
        ("E", "app", "1104", "token expired | Token has expired -- x"),
        ("W", "app", "404", "coap_not-found | Device resource not found -- w"),
        ("W", "app", "404", "coap_not-found | Device resource not found -- coap")]
    assert out.endswith("dropped 0\n")


# README: under heap_lock a note or id that is no str becomes "?" (making its str allocates);
# the line is made all the same, before and after onenetlog.parse is loaded.
LOCKED_OTHER = """
import micropython
from onenetlog.logger import Logger
log = Logger(None, None, 0, "en", 0, False, False, False)
def run():
    log.status(1104, b"bytes")
    log.status(1104, id=123)
    log.status(1104, 5)
    log.info(7)
micropython.heap_lock()
run()  # onenetlog.parse not loaded yet
micropython.heap_unlock()
run()
micropython.heap_lock()
run()
micropython.heap_unlock()
print("dropped", log.dropped)
"""


def test_a_part_that_is_no_str_becomes_a_question_mark_under_heap_lock():
    out = run_upy(LOCKED_OTHER)
    got = [(d["tag"], d["code"], d["body"]) for d in lines(out.rsplit("dropped", 1)[0])]
    head = "token expired"
    locked = [("mqtt", "1104", head + " -- ?"), ("mqtt", "1104", head + " id=?"), ("mqtt", "1104", head + " -- ?"),
              ("log", None, "?")]
    unlocked = [("mqtt", "1104", head + " -- bytes"), ("mqtt", "1104", head + " id=123"),
                ("mqtt", "1104", head + " -- 5"), ("log", None, "7")]
    assert got == locked + unlocked + locked, got
    assert out.endswith("dropped 0\n")
