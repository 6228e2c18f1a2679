"""onenetlog.parse: reading code and id from JSON without building it must agree with json.loads
on any valid JSON; topics map to business types; text repair yields valid UTF-8."""

import json
import random

import pytest

import onenetlog
from onenetlog import parse


def canonical(v):
    """The code a value gives the decoder (-1: not a code)."""
    return onenetlog._code(v)


def as_loaded(v):
    """A scanned scalar in json.loads' terms (strings come back as bytes unless escaped)."""
    return v.decode() if isinstance(v, bytes) else v


def check(doc, keys=("code", "id", "msg", "k")):
    want = json.loads(doc)
    for key in keys:
        got = parse.field(doc, key)
        exp = want.get(key) if isinstance(want, dict) else None
        if isinstance(exp, (dict, list, float)):
            assert got is None, (doc, key)
        else:
            assert as_loaded(got) == exp and type(as_loaded(got)) is type(exp), (doc, key, got, exp)
        if key == "code" and isinstance(want, dict) and key in want:  # the code parse() hands on
            assert canonical(parse.parse(doc, "", None, None, None)[0]) == canonical(exp), doc


TRICKY = [
    '{"id":"123","code":200,"msg":"success"}',
    '{"msg":"the \\"code\\": 1104 is inside a string","code":305}',
    '{"data":{"code":1104,"id":"inner"},"code":"4.04","id":"outer"}',
    '{"code":1,"code":2,"id":"a","id":"b"}',
    '{"code":"b"}', '{"code":"5"}', '{"code":"\\u0084"}',
    '  \n\t{ "code" :\r\n 200 , "id" : "1" }  ',
    '{"\\u0063ode":1104,"i\\u0064":"e\\u0073c"}',
    '{"code":"1104","id":"a\\\\b\\"c"}',
    '{"code":null,"id":null}',
    '{"code":true,"id":false}',
    '{"code":-5,"id":12}',
    '{"code":2e2,"id":1.5}',
    '{"code":[1104],"id":{"x":1}}',
    '{"list":[{"code":1},"]}",{"a":"}"}],"code":1103}',
    '{}',
    '[{"code":1104}]',
    '"code"',
    '1104',
    '{"code":99999999999999999999999,"id":"1234567890123"}',
    '{"k":"\\ud83d\\ude00","code":"\\u0032\\u0030\\u0030"}',
    '{"k":"中文","code":200}',
]


@pytest.mark.parametrize("doc", TRICKY)
def test_tricky_documents(doc):
    check(doc)
    check(doc.encode())
    check(b"\xef\xbb\xbf" + doc.encode())


def random_value(rng, depth):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.randrange(-10**6, 10**12)
    if kind == 1:
        return rng.choice(["code", "id", "}", "{", "\\", '"', "4.04", "1104", "", " ", "中", "\n", "\u00e9"]) * rng.randrange(3)
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return rng.random() * 1000
    if kind in (4, 5):
        return rng.choice([200, 305, 1104, 0x84, 404, 2001])
    if kind in (6, 7):
        return {random_key(rng): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def random_key(rng):
    return rng.choice(["code", "id", "msg", "k", "data", "code ", "Code", "c\"ode", "", "ид"])


def random_doc(rng):
    pairs = [(random_key(rng), random_value(rng, 0)) for _ in range(rng.randrange(6))]
    ws = lambda: rng.choice(["", " ", "\n", "\t", " \r\n "])  # noqa: E731
    parts = []
    for k, v in pairs:  # duplicates allowed, as JSON allows them
        key = json.dumps(k, ensure_ascii=rng.random() < 0.5)
        if rng.random() < 0.2:
            key = '"' + "".join("\\u%04x" % ord(ch) for ch in k) + '"'
        parts.append(ws() + key + ws() + ":" + ws() + json.dumps(v, ensure_ascii=rng.random() < 0.5) + ws())
    return ws() + "{" + ",".join(parts) + "}" + ws()


def test_random_documents_agree_with_json_loads():
    rng = random.Random(20261126)
    for _ in range(3000):
        doc = random_doc(rng)
        check(doc)
        check(doc.encode())


def test_malformed_and_cut_json_never_raises():
    rng = random.Random(7)
    docs = [random_doc(rng).encode() for _ in range(200)] + [t.encode() for t in TRICKY]
    for doc in docs:
        for cut in range(0, len(doc), max(1, len(doc) // 25)):
            for bad in (doc[:cut], doc[:cut] + b"\xff", doc[cut:], doc.replace(b":", b"", 1)):
                for key in ("code", "id"):
                    v = parse.field(bad, key)
                    assert v is None or isinstance(v, (bytes, str, int, bool))
    for junk in [None, 5, 1.5, [], {"code": [1]}, object(), b"{", b'{"code"', b'{"code":', b'{"code":1104',
                 b'{"code":1104 ', b'{"code":"1104', "{\"code\":1104}"[:-1], b"\xff\xfe{"]:
        parse.field(junk, "code")
    assert parse.field(b'{"code":1104', "code") is None  # a number cut at the end may be longer
    assert parse.field(b'{"code":1104,"id":"12', "code") == 1104  # what came whole before the cut


@pytest.mark.parametrize("topic,btype", [
    ("$sys/pid/dev/thing/property/post", "1.2"), ("$sys/pid/dev/thing/property/post/reply", "1.2"),
    ("$sys/pid/dev/thing/event/post", "1.2"), ("$sys/pid/dev/thing/event/post/reply", "1.2"),
    ("$sys/pid/dev/thing/pack/post/reply", "1.2"), ("$sys/pid/dev/thing/history/post", "1.2"),
    ("$sys/pid/dev/thing/property/desired/get", "1.2"), ("$sys/pid/dev/thing/property/desired/get/reply", "1.2"),
    ("$sys/pid/dev/thing/property/desired/delete/reply", "1.2"),
    ("$sys/pid/dev/thing/property/set", "1.3"), ("$sys/pid/dev/thing/property/set_reply", "1.3"),
    ("$sys/pid/dev/thing/property/get", "1.3"), ("$sys/pid/dev/thing/property/get_reply", "1.3"),
    ("$sys/pid/dev/thing/service/reboot/invoke", "1.3"), ("$sys/pid/dev/thing/service/post/invoke_reply", "1.3"),
    (b"$sys/pid/dev/login", "1.1"), ("$sys/pid/post/thing/property/set", "1.3"),
    ("$sys/pid/dev/thing/property/set/reply", None), ("$sys/pid/dev/thing/other", None),
    ("$sys/pid/dev/dp/post/json", None), ("", None), (None, None), (5, None)])
def test_topics_give_business_types(topic, btype):
    assert parse.btype(topic) == btype
    if btype:
        assert onenetlog.business_type(btype) is not None


@pytest.mark.parametrize("raw", [b"", b"plain", "中文".encode(), b"\xff", b"a\xe4\xbdb", b"\xed\xa0\x80",
                                 b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98\x80", b"\xe0\x80\xaf", bytes(range(256))])
def test_text_repairs_bad_utf8(raw):
    s = parse.text(raw)
    s.encode("utf-8")  # valid: no surrogates
    try:
        assert s == raw.decode("utf-8")
    except UnicodeDecodeError:
        assert "?" in s and s.replace("?", "") == raw.decode("utf-8", "ignore").replace("?", "")
    assert parse.text(12) == "12" and parse.text("x") == "x"


def test_a_bytes_topic_after_a_str_topic_prints_no_port_warning():
    # The unix port warns on stderr when bytes are compared with a str: btype() compares the
    # topic it read last only with one of its own kind.
    import subprocess

    from upy import MICROPYTHON, built

    script = ("from onenetlog.logger import Logger\nlog = Logger(clock=False)\nT = '$sys/p/d/thing/property/post/reply'\n"
              "log.status(1104, type=T)\nlog.status(1104, type=T.encode())\nlog.status(1104, type=T)\n")
    done = subprocess.run([MICROPYTHON, "-c", script], cwd=built("full"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "" and done.stdout.count("type=1.2") == 3, (done.stdout, done.stderr)
