"""Logger on CPython (the code the board runs; test_logger_device.py runs it on the unix port)."""

import io
import time

import pytest

import onenetlog
from onenetlog.logger import Logger
from logline import lines, parse, split_status

EN_1104 = "token expired | Token has expired | Check the token's expiry time (et)"


class Sink:
    """A stream like MicroPython's: write(buf, off, n); records each call."""

    def __init__(self):
        self.calls = []

    def write(self, buf, off=0, n=-1):
        self.calls.append(bytes(buf[off : off + n] if n >= 0 else buf[off:]))
        return n

    def text(self):
        return b"".join(self.calls).decode("utf-8")


class Broken:
    def __init__(self, exc):
        self.exc = exc
        self.tries = 0

    def write(self, *args):
        self.tries += 1
        raise self.exc


def logger(**kw):
    s = Sink()
    return Logger(s, **kw), s


def one(sink):
    got = lines(sink.text())
    assert len(got) == 1 and len(sink.calls) == 1, sink.calls
    sink.calls.clear()
    return got[0]


def test_the_issue_examples():
    log, s = logger(name="app", lang="en", verbosity=2, clock=False)
    log.status(1104, "connect failed", id="123")
    d = one(s)
    assert (d["level"], d["tag"], d["code"]) == ("E", "app", "1104") and d["time"].isdigit()
    assert d["body"] == EN_1104 + " id=123 -- connect failed"
    log.info("connected")
    d = one(s)
    assert (d["level"], d["tag"], d["code"], d["body"]) == ("I", "app", None, "connected")


def test_ticks_time_is_ticks_ms():
    from onenetlog._hostlog import ticks_diff, ticks_ms

    log, s = logger(clock=False)
    t = ticks_ms()
    log.status(200)
    assert 0 <= ticks_diff(int(one(s)["time"]), t) < 1000


def test_wall_clock_when_the_rtc_is_set():
    log, s = logger()  # CPython's clock is set
    before = time.time()
    log.status(1104)
    stamp = one(s)["time"]
    t = time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:]) / 1000
    assert before - 1 < t < time.time() + 1
    log2, s2 = logger(clock=True)
    log2.warning("x")
    assert len(one(s2)["time"]) == 23


def test_service_tags_codes_and_levels_without_a_name():
    log, s = logger(lang="en")
    cases = [(1104, "E", "mqtt", "1104"), (0x84, "W", "coap", "404"), ("4.04", "W", "coap", "404"),
             (b"1104", "E", "mqtt", "1104"), (200, "I", "general", "200"), ("2.05", "I", "coap", "205"),
             (1113, "W", "mqtt", "1113"), (77777, "W", "log", "77777"), ("garbage", "W", "log", "?"),
             (None, "W", "log", "?"), (10**40, "W", "log", "?")]
    for code, level, tag, digits in cases:
        log.status(code)
        d = one(s)
        assert (d["level"], d["tag"], d["code"]) == (level, tag, digits), code
        want = onenetlog.describe(code, "en", 12)
        if digits == "?" or want.endswith("unknown code"):
            assert d["body"] == "unknown code"
        else:
            assert d["body"] == want


@pytest.mark.parametrize("verbosity,flags", [(0, 4), (1, 12), (2, 28)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_verbosity_and_language_choose_the_text(verbosity, flags, lang):
    log, s = logger(name="dev", lang=lang, verbosity=verbosity)
    for code in onenetlog.codes():
        log.status(code)
        d = one(s)
        assert d["tag"] == "dev" and d["code"] == str(code)
        assert d["body"] == onenetlog.describe(code, lang, flags)
        assert d["level"] == "DIWE"[onenetlog.level(code) // 10 - 1]


def test_ascii_output_never_holds_other_bytes():
    log, s = logger(lang="zh", verbosity=2, ascii=True)
    for code in onenetlog.codes():
        log.status(code, "笔记 ünïcode", id="编号")
    text = s.text()
    assert text.isascii() and len(lines(text)) == len(onenetlog.codes())
    assert "token expired | Token has expired" in text and " -- ?????? ??n??code" in text  # each byte of a character: ?


def test_color_wraps_the_line():
    log, s = logger(color=True, clock=False)
    for code, color in [(1104, "\x1b[31m"), (0x84, "\x1b[33m"), (200, "\x1b[32m")]:
        log.status(code, "n")
        raw = s.text()
        assert raw.startswith(color) and raw.endswith("\x1b[0m\n")
        one(s)
    log.debug("d")
    assert s.text().startswith("\x1b[36mD (")


def test_a_disabled_level_formats_nothing():
    class Loud:
        def __str__(self):
            raise AssertionError("formatted")

    log, s = logger(level=30)
    log.debug(Loud())
    log.info(Loud(), code=1104)
    log.status(200, Loud())  # success is INFO: below the level
    assert s.calls == [] and log.dropped == 0
    log.status(1104, "kept")
    assert one(s)["level"] == "E"
    log.level = 0
    log.debug("now")
    assert one(s)["body"] == "now"


def test_plain_and_status_lines_at_any_level():
    log, s = logger(name="app", lang="en", verbosity=0, clock=False)
    log.debug("d")
    log.info("i")
    log.warning("w", code=1104)
    log.error("e", code="4.04")
    log.log(50, "critical")
    log.log(-1, "own level", 200)
    got = lines(s.text())
    assert [(d["level"], d["code"], d["body"]) for d in got] == [
        ("D", None, "d"), ("I", None, "i"), ("W", "1104", "token expired -- w"),
        ("E", "404", "coap_not-found -- e"), ("E", None, "critical"), ("I", "200", "- -- own level")]


ODD = [None, 0, -1, 1.5, 10**100, -(10**100), "", "x" * 2000, "\ud800", b"", b"\xff\xfe\xfd", b"\xe4\xbd",
       bytearray(b"12"), [1104], {"a": 1}, object(), True, "1104\n", "line\r\nbreak\x1b[31m", b"\x00\x01"]


class BadStr:
    def __str__(self):
        raise RuntimeError("no str")

    def __eq__(self, other):
        raise RuntimeError("no eq")

    __hash__ = object.__hash__


@pytest.mark.parametrize("ascii", [False, True])
def test_never_raises_and_every_line_is_well_formed(ascii):
    log, s = logger(name="odd", ascii=ascii, color=True)
    n = 0
    for v in ODD + [BadStr()]:
        log.status(v)
        log.status(1104, v, v, v, v)
        log.status(v, v, id=v, trace=v, type=v)
        log.info(v)
        log.warning(v, code=v)
        log.error("e", code=v)
        log.log(40, v, v)
        log.log(v, "level given as %r" % type(v))  # nothing for a level that is not a number
        n += 7
    text = s.text()
    got = lines(text)
    levels = [v for v in ODD + [BadStr()] if isinstance(v, (int, float))]
    assert log.dropped == len(ODD) + 1 - len(levels)  # the other levels: counted, not raised
    assert len(got) == n + sum(1 for v in levels if v >= 10 or v == -1)  # the level's line, if enabled
    assert not ascii or text.isascii()
    for d in got:
        assert d["color"] and "\r" not in (d["body"] or "")


def test_ids_and_notes_are_kept_on_one_line():
    log, s = logger(name="app", lang="en", verbosity=0, clock=False)
    log.status(1104, "a\nb\rc\x1bd", id="1 2", trace="ab#c", type=b"1.2")
    d = one(s)
    assert d["body"] == "token expired id=1_2 trace=ab#c type=1.2 -- a b c d"
    log.status(1104, b"bad \xff utf-8 \xe4\xbd\xa0")
    assert one(s)["body"] == "token expired -- bad ? utf-8 你"


def test_an_overlong_note_is_cut_whole():
    log, s = logger(name="app", lang="zh", verbosity=2)
    log.status(1104, "长" * 1000, id="1" * 100)
    raw = s.calls[0]
    d = one(s)
    assert len(raw) <= 600 and d["body"].endswith("长") and " id=" + "1" * 100 + " -- " in d["body"]


def test_a_note_fills_the_line_to_its_last_byte_and_is_cut_at_a_character():
    log, s = logger(name="d", lang="en", verbosity=0, clock=False)
    room = 549 - len("d#1104: token expired -- ")  # the note's bytes: the line has 560 after the time
    for note, kept in [("a" * (room - 1) + "Z", "a" * (room - 1) + "Z"),  # fits exactly
                       ("a" * (room + 5), "a" * room),  # cut after room ASCII bytes
                       ("a" * (room - 1) + "长", "a" * (room - 1)),  # a character across the end
                       ("a" * (room - 3) + "长x", "a" * (room - 3) + "长")]:  # one ending there
        log.status(1104, note)
        assert split_status(one(s)["body"], "token expired")[4] == kept


def test_the_cache_size_is_a_number_of_bytes():
    for size in (0, -5, 7.9, "64", 10**6):
        log, s = logger(lang="en", verbosity=0, clock=False, cache=size)
        log.status(1104)
        log.status(1105)
        log.status(1104)
        assert [d["code"] for d in lines(s.text())] == ["1104", "1105", "1104"] and log.dropped == 0
    for bad in (None, "big", b"x" * 10, object()):
        with pytest.raises((TypeError, ValueError)):
            Logger(cache=bad)


def test_a_raising_sink_is_counted_and_the_others_keep_working():
    good, text, binary = Sink(), io.StringIO(), io.BytesIO()
    bad = Broken(OSError(5, "EIO"))
    typeerr = Broken(TypeError("nope"))
    log = Logger([bad, good, text, typeerr, binary], "app", lang="en", clock=False)
    for i in range(3):
        log.status(1104, i)
    assert log.dropped == 6 and bad.tries == 3 and typeerr.tries == 9  # 3 forms tried per line
    assert len(good.calls) == 3
    assert good.text() == text.getvalue() == binary.getvalue().decode()
    assert [d["body"] for d in lines(text.getvalue())] == [f"token expired | Token has expired -- {i}" for i in range(3)]


def test_one_write_per_line_per_sink():
    log, s = logger(name="app", lang="en", verbosity=2, color=True)
    log.status(1104, "n", id=1, trace="t", type="1.2")
    log.status(1104)
    log.status(1104)
    log.info("x")
    assert len(s.calls) == 4 and all(c.endswith(b"\n") and c.count(b"\n") == 1 for c in s.calls)


def test_repeated_codes_give_the_same_line_as_fresh_ones():
    a, sa = logger(name="app", lang="en", clock=False)
    for code in [1104, 1104, 1105, 1104, "1104", b"1104", 1104, 0x84, "4.04", 404, 404]:
        b, sb = logger(name="app", lang="en", clock=False)
        a.status(code)
        a.status(code, "n")
        a.status(code)
        b.status(code)
        b.status(code, "n")
        b.status(code)
        strip = [(d["level"], d["tag"], d["code"], d["body"]) for d in lines(sa.text())]
        assert strip == [(d["level"], d["tag"], d["code"], d["body"]) for d in lines(sb.text())]
        sa.calls.clear()


def test_names_become_tags():
    for name, tag in [("app", "app"), ("a b#c:d", "a_b_c_d"), (b"dev-1.x", "dev-1.x"), ("", "log"),
                      ("名字", "______"), ("x" * 50, "x" * 32)]:
        log, s = logger(name=name)
        log.info("m")
        assert one(s)["tag"] == tag


REPLY = b'{"id":"123","code":305,"msg":"no thing model"}'


@pytest.mark.parametrize("payload", [REPLY, REPLY.decode(), {"id": "123", "code": 305, "msg": "x"},
                                     b' \r\n{ "msg" : "a \\" code", "code" :305, "id":"123" } '])
def test_a_onejson_reply_with_its_topic(payload):
    log, s = logger(lang="en", verbosity=0)
    log.status(payload, type="$sys/pid/dev/thing/property/post/reply")
    d = one(s)
    assert (d["level"], d["tag"], d["code"]) == ("E", "thing", "305")
    assert d["body"] == onenetlog.message(305) + " id=123 type=1.2"


def test_a_one_byte_code_is_a_coap_byte_unless_it_is_json_text():
    log, s = logger(lang="en", verbosity=0)
    for reply in ({"code": b"\x84"}, {"code": bytearray(b"\x84")}, b'{"code":132}', {"code": 0x84}):
        log.status(reply)
        assert one(s)["code"] == "404", reply
    for reply in (b'{"code":"\x84"}', '{"code":"b"}', {"code": "b"}):
        log.status(reply)
        assert one(s)["code"] == "?", reply


def test_a_reply_without_code_and_broken_json():
    log, s = logger(lang="en", verbosity=0)
    log.status(b'{"id":"9","params":{"code":1104}}', "set", type="$sys/p/d/thing/property/set")
    d = one(s)
    assert (d["code"], d["body"]) == ("?", "unknown code id=9 type=1.3 -- set")
    for cut in range(len(REPLY)):
        log.status(REPLY[:cut], type=b"$sys/p/d/thing/event/post/reply")
        d = one(s)
        assert d["code"] in ("305", "?")


def test_a_platform_trace_log_record():
    rec = {"_routing": "7ubgKi1vhm", "@timestamp": "2021-12-10T10:19:33.325Z", "type": "1.1", "pid": "7ubgKi1vhm",
           "status": "200", "trace_id": "ab2fc05759a211ecbfd023bbbfff50a4",
           "content": "{\"protocol\":\"MQTT\",\"offline_time\":\"2021-12-10 18:19:33.325\",\"offline_reason\":\"CloseByPeer\"}",
           "device_name": "400A002090011001", "type_mean": "设备行为", "status_mean": "成功"}
    log, s = logger(lang="en")
    log.status(rec, "seen")
    d = one(s)
    assert (d["level"], d["tag"], d["code"]) == ("I", "general", "200")
    text, mid, trace, btype, note = split_status(d["body"], onenetlog.describe(200, "en", 12))
    assert (mid, trace, btype, note) == (None, "ab2fc05759a211ecbfd023bbbfff50a4", "1.1",
                                          "offline_reason=CloseByPeer seen")
    import json

    log.status(json.dumps(rec, ensure_ascii=False).encode())
    assert one(s)["body"] == d["body"][: -len(" seen")]


def test_lines_parse_with_the_shared_checker():
    assert parse("E (1) mqtt#1104: id=123\n")["body"] == "id=123"  # the codes tier's form
    assert parse("I (2026-01-02 03:04:05.678) app:\n")["body"] is None
    for bad in ["E (1) mqtt#1104 x\n", "X (1) a: b\n", "E (1) a b: c\n", "E 1 a: b\n", "E (1) a#12a: b\n"]:
        with pytest.raises(AssertionError):
            parse(bad)
