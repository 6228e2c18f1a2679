"""The Logger against a hostile caller, on CPython and on the unix port (from the .mpy a board
gets): int subclasses, short and re-entrant sinks, broken OneJSON replies, control characters,
exceptions. Each check runs the same script on both interpreters; the principle: no Logger
method raises into the application, bad input gives a well-formed unknown line, memory stays
bounded, no input forges a line."""

import functools

import pytest

from upy import run_cpy, run_upy

# Each check prints "<name> ok" or "<name> FAIL <what>"; the last lines of a sink are
# checked with line(): the line without its time, as str.
SCRIPT = r"""
import sys, gc
from onenetlog.logger import Logger
MPY = sys.implementation.name == "micropython"

class Sink:
    def __init__(self, take=None, stop=None):
        self.data = bytearray()
        self.take = take  # bytes taken per call (None: all)
        self.stop = stop  # after this many bytes, take nothing
    def write(self, buf, off=0, n=-1):
        part = bytes(buf[off:off + n] if n >= 0 else buf[off:])
        if self.stop is not None:
            part = part[:max(0, self.stop - len(self.data))]
        if self.take is not None:
            part = part[:self.take]
        self.data += part
        return len(part)
    def lines(self):
        return [untimed(s) for s in str(bytes(self.data), "utf-8").split("\n")[:-1]]

def untimed(s):
    return s[:s.find("(")] + s[s.find(")"):] if "(" in s else s

def report(name, ok, what=""):
    print(name, "ok" if ok else "FAIL " + repr(what))

def logger(sink, **kw):
    return Logger(sink, kw.get("name"), 0, "en", 0, False, kw.get("ascii", False), False, kw.get("cache", 512))

class Code(int):
    pass

def check_int_subclass():
    s = Sink()
    log = logger(s)
    log.status(Code(1104))
    log.error("x", code=Code(1104))
    log.status(Code(1104), Code(7), Code(8))
    log.info(Code(5))
    report("int_subclass", s.lines() == ["E ) mqtt#1104: token expired", "E ) mqtt#1104: token expired -- x",
                                         "E ) mqtt#1104: token expired id=8 -- 7", "I ) log: 5"]
           and log.dropped == 0, s.lines())

def check_short_writes():
    s = Sink(take=7)  # a UART that takes 7 bytes a call
    log = logger(s)
    for c in (1104, 200, 1104):
        log.status(c, "n")
    ok = s.lines() == ["E ) mqtt#1104: token expired -- n", "I ) general#200: - -- n",
                       "E ) mqtt#1104: token expired -- n"] and log.dropped == 0
    report("short_writes_complete", ok, (s.lines(), log.dropped))
    s = Sink(stop=10)  # takes 10 bytes, then nothing
    log = logger(s)
    log.status(1104)
    s.stop = None  # it takes lines again: the torn one is ended first
    log.status(200)
    got = str(bytes(s.data), "utf-8").split("\n")
    report("short_writes_torn", log.dropped == 1 and len(got) == 3 and untimed(got[1]) == "I ) general#200: -"
           and got[2] == "", (got, log.dropped))

def check_reentrant_sink():
    class Loud(Sink):
        def write(self, buf, off=0, n=-1):
            log.info("from inside write")
            return Sink.write(self, buf, off, n)
    a, b = Loud(), Sink()
    log = logger([a, b])
    log.status(1104, "outer")
    log.info("second")
    want = ["E ) mqtt#1104: token expired -- outer", "I ) log: second"]
    report("reentrant_sink", a.lines() == want and b.lines() == want and log.dropped == 2, (a.lines(), b.lines()))

def check_odd_sinks():
    log = logger(None)
    log.sinks = None
    log.status(1104)
    log.info("x")
    n = log.dropped
    s = Sink()
    log.sinks = s  # one stream, not a list
    log.status(1104)
    report("odd_sinks", n == 2 and s.lines() == ["E ) mqtt#1104: token expired"], (n, s.lines()))

REPLIES = [
    (b'{"code":1104,"id":"\\uZZZZ"}', "E ) mqtt#1104: token expired id=?ZZZZ"),
    (b'{"code":1104,"id":"\\ud800x"}', "E ) mqtt#1104: token expired id=?x"),
    (b'{"code":1104,"id":"\xff\xfe"}', "E ) mqtt#1104: token expired id=??"),
    (b'{"code":1104,"id":"a\\u00"}', "E ) mqtt#1104: token expired id=a?00"),
    (b'{"status":"1104","trace_id":"\\uD83D","type":"\xc3","content":"{\\"offline_reason\\":\\"\\\\uQQQQ\xff\\"}"}',
     "E ) mqtt#1104: token expired trace=? type=? -- offline_reason=?QQQQ?"),
    (b'{"status":1104,"content":"\\u12"}', "E ) mqtt#1104: token expired"),
    (bytearray(b'{"code":1104,"id":"7"}'), "E ) mqtt#1104: token expired id=7"),
    (b"{", "W ) log#?: unknown code"),
    (b'  {"code"', "W ) log#?: unknown code"),
    (b'{"code":' + b"1" * 3000 + b'}', "W ) log#?: unknown code"),
    ({"code": 10 ** 300}, "W ) log#?: unknown code"),
    ("\ufeff{\"code\":1104}", "E ) mqtt#1104: token expired"),
]

class BadStr:
    def __str__(self):
        raise ValueError("no str")

def check_replies():
    s = Sink()
    log = logger(s)
    for i, (reply, want) in enumerate(REPLIES):
        log.status(reply)
        got = s.lines()[-1]
        report("reply_%d" % i, got == want, (reply, got))
    for i, reply in enumerate(({"status": 1104, "content": BadStr()}, {"status": 1104, "content": {"offline_reason": BadStr()}},
                               {"status": 1104, "trace_id": BadStr(), "type": BadStr()})):
        log.status(reply)
        got = s.lines()[-1]
        report("reply_bad_str_%d" % i, got.startswith("E ) mqtt#1104: token expired"), got)
    report("replies_dropped", log.dropped == 0, log.dropped)

def check_big_numbers():
    from onenetlog.parse import field
    report("big_number_not_read", field(b'{"code":' + b"7" * 60000 + b'}', "code") is None
           and field(b'{"code":' + b"7" * 30 + b'}', "code") == int("7" * 30), "")
    log = logger(Sink())
    big = {"code": 10 ** int("3000")}  # not a constant the compiler folds
    log.status(big)  # warm-up
    gc.collect()
    if MPY:
        a = gc.mem_alloc()
    log.status(big)
    big = None
    log.status(404)
    gc.collect()
    report("big_code_not_kept", not MPY or gc.mem_alloc() <= a - 1000, "")

def check_controls():
    s = Sink()
    log = logger(s, ascii=False)
    t = "a\u0085b\u009bc\u2028d\u2029e\u00a0f\x7fg"
    log.status(1104, t)
    log.info(t)
    log.status({"status": 1104, "content": {"offline_reason": "x\u2028y"}})
    log.status(1104, t.encode())
    want = ["E ) mqtt#1104: token expired -- a b c d e\u00a0f g", "I ) log: a b c d e\u00a0f g",
            "E ) mqtt#1104: token expired -- offline_reason=x y", "E ) mqtt#1104: token expired -- a b c d e\u00a0f g"]
    report("controls", s.lines() == want, s.lines())
    s = Sink()
    log = logger(s, ascii=True)
    log.info(t)
    report("controls_ascii", s.lines() == ["I ) log: a b c d e??f g"], s.lines())

def check_exceptions():
    s = Sink()
    log = logger(s)
    log.status(OSError(110))
    log.status(ValueError("x\nE (1) mqtt#1104: forged"))
    log.status(1104, OSError(113, "EHOSTUNREACH"))
    log.error(OSError(5))
    got = s.lines()
    report("exceptions", got[:2] == ["W ) log#?: unknown code"] * 2 and got[2].startswith("E ) mqtt#1104: token expired -- ")
           and len(got) == 4 and log.dropped == 0, got)

for check in (check_int_subclass, check_short_writes, check_reentrant_sink, check_odd_sinks, check_replies,
              check_big_numbers, check_controls, check_exceptions):
    try:
        check()
    except Exception as e:
        report(check.__name__, False, "raised %r" % e)
"""


@functools.lru_cache(maxsize=None)
def results(interpreter):
    out = (run_upy(SCRIPT, heap="1m", timeout=120) if interpreter == "micropython"
           else run_cpy(SCRIPT, timeout=120))
    return dict(line.split(" ", 1) for line in out.splitlines())


CHECKS = ["int_subclass", "short_writes_complete", "short_writes_torn", "reentrant_sink", "odd_sinks",
          "reply_bad_str_0", "reply_bad_str_1", "reply_bad_str_2", "replies_dropped", "big_number_not_read", "big_code_not_kept", "controls",
          "controls_ascii", "exceptions"] + ["reply_%d" % i for i in range(12)]


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
@pytest.mark.parametrize("check", CHECKS)
def test_hostile_input(interpreter, check):
    got = results(interpreter)
    assert got.get(check) == "ok", got.get(check, "missing")


def test_every_check_ran():
    for interpreter in ("micropython", "cpython"):
        assert sorted(results(interpreter)) == sorted(CHECKS), interpreter
