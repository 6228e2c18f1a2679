"""The decoder's API on CPython (the same code the board runs; test_device.py checks parity)."""

import io
import random

import pytest

import onenetlog
from upy import run_cpy, run_upy


def test_describe_a_token_error_in_both_languages():
    assert onenetlog.describe(1104) == "MQTT接入服务 1104 token expired | token已过期 | 检查token的过期时间"
    assert onenetlog.describe(1104, "en") == (
        "MQTT access 1104 token expired | Token has expired | Check the token's expiry time (et)")


@pytest.mark.parametrize("form", [404, "404", b"404", "4.04", b"4.04", 0x84, b"\x84", " 4.04\r\n", b"404\n"])
def test_every_form_of_a_coap_code(form):
    assert onenetlog.code(form) == 404
    assert onenetlog.message(form) == "coap_not-found"
    assert onenetlog.service(form) == "CoAP接入服务" and onenetlog.service(form, "en") == "CoAP access"


def test_fields_and_none():
    assert onenetlog.message(200) == "-" and onenetlog.reason(200) == "成功" and onenetlog.hint(200) is None
    assert onenetlog.reason(2001, "en") == "Status code error"  # from the newer page
    for f in (onenetlog.message, onenetlog.reason, onenetlog.hint, onenetlog.service):
        assert f(1113) is None and f(None) is None


def test_unknown_codes_name_the_code_and_the_service_their_range_suggests():
    assert onenetlog.describe(1113) == "MQTT接入服务 1113 unknown code"
    assert onenetlog.describe(399, "en") == "Thing model 399 unknown code"
    assert onenetlog.describe(77777, "en") == "? 77777 unknown code"
    assert onenetlog.describe("nonsense") == "? ? unknown code"


def test_levels():
    assert onenetlog.level(200) == onenetlog.INFO == 20 and onenetlog.is_ok(200)
    assert onenetlog.level("2.05") == 20 and onenetlog.is_ok(b"2.01")  # CoAP success class
    assert onenetlog.level(1104) == onenetlog.ERROR == 40 and not onenetlog.is_ok(1104)
    assert onenetlog.level(606) == onenetlog.WARNING == 30  # rate limit: transient
    assert onenetlog.level(9999) == 30 and onenetlog.level(None) == 30


GARBAGE = [None, 1.5, float("nan"), -1, -(10**30), 10**30, "", b"", "x", b"\xff" * 3, "١٢", [], {}, object(),
           True, False, bytearray(b"1104"), memoryview(b"1104"), "4.4.4", "1104" * 100, b"\x00", complex(1, 2)]


@pytest.mark.parametrize("x", GARBAGE, ids=repr)
def test_garbage_never_raises(x):
    line = onenetlog.describe(x)
    assert line.endswith("unknown code") or onenetlog.code(x) is not None
    assert onenetlog.level(x) in (20, 30, 40)
    for f in (onenetlog.message, onenetlog.reason, onenetlog.hint, onenetlog.service):
        f(x)
    assert onenetlog.write(io.StringIO(), x) == onenetlog.level(x) > 0


def test_random_bytes_and_strings_never_raise():
    rnd = random.Random(2001)
    for _ in range(5000):
        raw = bytes(rnd.randrange(256) for _ in range(rnd.randrange(12)))
        for x in (raw, raw.decode("latin-1")):
            assert "\n" not in onenetlog.describe(x, rnd.choice(["zh", "en", None, 5]))


def test_write_to_text_and_binary_streams_and_a_failing_one():
    t, b = io.StringIO(), io.BytesIO()
    assert onenetlog.write(t, 1104, "en") == 40 and onenetlog.write(b, 200) == 20  # the level
    assert t.getvalue() == onenetlog.describe(1104, "en") + "\n"
    assert b.getvalue().decode() == onenetlog.describe(200) + "\n"

    class Broken:
        def write(self, data):
            raise OSError("unplugged")

    assert onenetlog.write(Broken(), 1104) == 0
    assert onenetlog.write(None, 1104) == 0


def test_write_flags_choose_the_parts():
    s = io.StringIO()
    onenetlog.write(s, 1104, "zh", 2 | 4)  # code and message, no newline
    onenetlog.write(s, 1104, "zh", 1 | 128 | 64)  # the service tag, newline
    onenetlog.write(s, 1104, "zh", 8 | 16 | 32)  # reason and step, ASCII only: the English ones
    assert s.getvalue() == "1104 token expiredmqtt\nToken has expired | Check the token's expiry time (et)"


def test_the_joined_form_is_the_loggers():
    s = io.StringIO()
    for c in (1104, 99999, "x", 1113):
        onenetlog.write(s, c, "en", 256 | 128 | 64 | 7)  # tag#code: message
    onenetlog.write(s, 1104, "en", 256 | 2 | 24)  # code: reason | step
    assert s.getvalue().splitlines() == [
        "mqtt#1104: token expired", "?#99999: unknown code", "?#?: unknown code",
        "mqtt#1113: unknown code", "1104: Token has expired | Check the token's expiry time (et)"]
    assert onenetlog.describe(1104, "en", 256 | 3) == "MQTT access#1104:"  # no text after the code


def test_catalog_and_business_types():
    codes = onenetlog.codes()
    assert codes == sorted(codes) and len(codes) == 66 and onenetlog.known(2001) and not onenetlog.known(1113)
    assert onenetlog.tag(1104) == "mqtt" and onenetlog.tag("4.04") == "coap" and onenetlog.tag(1113) == "mqtt"
    assert onenetlog.tag(5) is None
    assert onenetlog.business_type("1.2") == (
        "1.2", "上行消息", "CoAP/MQTT接入服务",
        "设备侧上报（设备上报属性、事件），设备侧期望操作（设备获取、删除属性期望值），平台侧属性设置操作设备回复", True)
    assert onenetlog.business_type(b"6.1", "en")[1:] == (
        "MQ push (Kafka push)", "MQ push", "Not yet connected to device logs", False)
    assert onenetlog.business_type("9.1", "en") == ("9.1", "Application long connection", None, None, False)
    assert onenetlog.business_type("1.4") is None and onenetlog.business_type(None) is None
    assert onenetlog.business_types("CoAP/MQTT接入服务") == onenetlog.business_types("access") == ["1.1", "1.2", "1.3"]
    assert len(onenetlog.business_types()) == 11 and onenetlog.business_types("nope") == []


def test_version_and_tier():
    assert onenetlog.TIER == "full" and len(onenetlog.VERSION) == 8
    with pytest.raises(AttributeError):
        onenetlog.no_such_name


# Hostile input (issue 9): each of these raised or answered wrongly before.
class Code(int):
    """An int subclass, as an application's enum might hold a code."""


class BadLang:
    """A lang whose comparison raises."""

    def __eq__(self, other):
        raise RuntimeError("no comparing me")

    __hash__ = object.__hash__


def test_an_int_subclass_is_its_code():
    c = Code(1104)
    assert onenetlog.describe(c) == onenetlog.describe(1104) and onenetlog.message(c) == "token expired"
    assert onenetlog.reason(c) == "token已过期" and onenetlog.hint(c, "en") == onenetlog.hint(1104, "en")
    assert onenetlog.service(c) == "MQTT接入服务" and onenetlog.code(c) == 1104 and onenetlog.known(c)
    assert onenetlog.level(c) == 40 and onenetlog.tag(c) == "mqtt" and type(onenetlog.code(c)) is int


def test_a_lang_that_compares_badly_answers_in_chinese():
    bad = BadLang()
    assert onenetlog.reason(1104, bad) == "token已过期" and onenetlog.hint(1104, bad) == onenetlog.hint(1104)
    assert onenetlog.service(1104, bad) == "MQTT接入服务" and onenetlog.describe(1104, bad) == onenetlog.describe(1104)
    assert onenetlog.business_type("1.2", bad) == onenetlog.business_type("1.2")
    assert onenetlog.write(io.StringIO(), 1104, bad) == 40


@pytest.mark.parametrize("t", [b"\xff", bytearray(b"\xfe1.2"), "\udcff", 1.2, object()], ids=repr)
def test_business_type_of_garbage_is_none(t):
    assert onenetlog.business_type(t) is None and onenetlog.business_type(t, "en") is None


def test_submodules_load_through_the_package():
    import subprocess
    import sys

    script = ("import onenetlog\nprint(onenetlog.flashlog.FlashLog.__name__)\n"
              "from onenetlog import catalog, parse, logging_tags, flashlog\nprint(catalog.code('4.04'))\n"
              "print(hasattr(onenetlog, 'no_such_module'))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["FlashLog", "404", "False"]


# Every joined line (the Logger's form, flag 256 with the code) against one assembled from the
# str answers: with the tag, the service's name or neither before the code, each choice of
# text parts, ASCII or not, on a tier with English and one without; the same on both
# interpreters. (Runs of parts from the message on take the Logger's two-write path.)
JOINED = """
import onenetlog, io
r = onenetlog.reason(1104, "en")
has_en = r is not None and all(ord(ch) < 128 for ch in r)
def expected(c, lang, head, texts, ascii):
    lang = "en" if ascii and has_en else lang
    parts = [onenetlog.message(c)] if texts & 1 else []
    if not ascii or has_en:
        parts += [onenetlog.reason(c, lang)] if texts & 2 else []
        parts += [onenetlog.hint(c, lang)] if texts & 4 else []
    parts = [p for p in parts if p]
    name = onenetlog.tag(c) if ascii and not has_en else onenetlog.service(c, lang)  # ASCII: else the tag
    before = onenetlog.tag(c) + "#" if head == 129 else name + "#" if head == 1 else ""
    return before + str(c) + ":" + (" " + " | ".join(parts) if parts else "")
bad = 0
for c in onenetlog.codes():
    for lang in ("zh", "en"):
        for head in (0, 129, 1):
            for texts in range(8):
                for ascii in (0, 32):
                    s = io.StringIO()
                    onenetlog.write(s, c, lang, 256 | 2 | head | texts << 2 | ascii)
                    if s.getvalue() != expected(c, lang, head, texts, ascii):
                        bad += 1
                        if bad < 4:
                            print(c, lang, head, texts, ascii, repr(s.getvalue()), repr(expected(c, lang, head, texts, ascii)))
print("bad", bad)
"""


@pytest.mark.parametrize("tier", ["full", "zh"])
def test_every_joined_line_is_its_parts(tier):
    got = run_upy(JOINED, tier, heap="128k")
    assert got == run_cpy(JOINED, tier) and got.splitlines()[-1] == "bad 0", got
