"""onenetlog.token: tokens made on CPython and on the unix port (built .mpy) verify with CPython's
hmac for every method; check() names the platform's code for each way to break a token, the
same on both interpreters; it never raises; its heap cost on the unix port is bounded."""

import base64
import hashlib
import hmac
import random
import string
import time
import urllib.parse

import pytest

import onenetlog.token as token
from upy import run_cpy, run_upy

KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
PID, DEV = "Xa8Bc3dE9f", "lamp-01"
NOW = 1796000000  # 2026-11-29
GOOD_ET = NOW + 3600


def reference(pid, device, key, et, method):
    """The token as OneNET's documentation defines it, from CPython's hmac and urllib."""
    res = f"products/{pid}" + (f"/devices/{device}" if device else "")
    msg = f"{et}\n{method}\n{res}\n2018-10-31".encode()
    sign = base64.b64encode(hmac.new(base64.b64decode(key), msg, getattr(hashlib, method)).digest()).decode()
    q = lambda s: urllib.parse.quote(s, safe="")  # noqa: E731
    return f"version=2018-10-31&res={q(res)}&et={et}&method={method}&sign={q(sign)}"


def random_cases(n, seed):
    rnd = random.Random(seed)
    name = string.ascii_letters + string.digits
    cases = []
    for i in range(n):
        key = base64.b64encode(rnd.randbytes(rnd.choice((1, 16, 32, 48, 64, 65, 100)))).decode()
        pid = "".join(rnd.choices(name, k=rnd.randint(1, 12)))
        dev = "".join(rnd.choices(name + "-_.", k=rnd.randint(1, 24))) if i % 7 else None
        cases.append((pid, dev, key, rnd.randint(1704067200, 4102444800), token.METHODS[i % 3]))
    return cases


def test_make_verifies_with_cpython_hmac_on_every_method():
    for pid, dev, key, et, method in random_cases(600, 1):
        got = token.make(pid, dev, key, et=et, method=method)
        assert got == reference(pid, dev, key, et, method)
        assert token.check(got, dev, pid, key, now=et - 1) == []


ON_DEVICE_MAKE = """
import onenetlog.token as token
for line in open(CASES):
    pid, dev, key, et, method = line.rstrip().split(" ")
    print(token.make(pid, dev or None, key, et=int(et), method=method))
"""


def test_make_on_the_unix_port_verifies_with_cpython_hmac(tmp_path):
    cases = random_cases(300, 2)
    (tmp_path / "cases").write_text("".join(" ".join(str(x or "") for x in c) + "\n" for c in cases))
    out = run_upy(f"CASES = {str(tmp_path / 'cases')!r}" + ON_DEVICE_MAKE)
    assert out.splitlines() == [reference(*c) for c in cases]


def test_make_dates_from_the_clock_and_refuses_one_never_set(monkeypatch):
    got = token.make(PID, DEV, KEY)
    et = int(urllib.parse.parse_qs(got)["et"][0])
    assert abs(et - (time.time() + token.TTL)) < 5 and token.check(got, DEV, PID, KEY) == []
    monkeypatch.setattr(time, "time", lambda: 12.5)
    with pytest.raises(ValueError, match=r"^clock not set: time.time\(\) is 12 s, before 2024; set the RTC"):
        token.make(PID, DEV, KEY)
    monkeypatch.setattr(time, "gmtime", lambda t: (2000,))  # a port counting from 2000
    monkeypatch.setattr(time, "time", lambda: NOW - 946684800)
    assert token.unix_now() == NOW


def test_make_says_what_is_wrong_with_its_arguments():
    with pytest.raises(ValueError, match="^access key is not base64: paste it as the OneNET console shows it$"):
        token.make(PID, DEV, "not base64!", et=GOOD_ET)
    with pytest.raises(ValueError, match="^method 'sha512': the platform takes md5, sha1 or sha256$"):
        token.make(PID, DEV, KEY, et=GOOD_ET, method="sha512")


def test_a_method_this_port_lacks_is_said_not_crashed(monkeypatch):
    tok = reference(PID, DEV, KEY, GOOD_ET, "md5")
    monkeypatch.delattr(hashlib, "md5")
    with pytest.raises(ValueError, match="^method 'md5': this port's hashlib has no md5; use sha256$"):
        token.make(PID, DEV, KEY, et=GOOD_ET, method="md5")
    assert token.check(tok, DEV, PID, KEY, now=NOW) == []  # the sign cannot be checked here: no claim


def good(**change):
    """A good token with fields replaced (None: left out), as the &-joined text."""
    fields = dict(urllib.parse.parse_qsl(reference(PID, DEV, KEY, GOOD_ET, "sha256")))
    fields.update(change)
    q = lambda s: urllib.parse.quote(s, safe="")  # noqa: E731
    return "&".join(f"{k}={q(v)}" for k, v in fields.items() if v is not None)


RAW_SIGN = base64.b64encode(hmac.new(KEY.encode(), f"{GOOD_ET}\nsha256\nproducts/{PID}/devices/{DEV}\n2018-10-31"
                                     .encode(), hashlib.sha256).digest()).decode()
EPOCH_2000_ET = NOW - 946684800 + 3600
BREAKS = [  # (what, token, clientId, username, key, expected codes, words in the first why)
    ("good", good(), DEV, PID, KEY, [], ""),
    ("good, key not given", good(), DEV, PID, None, [], ""),
    ("product-level res", reference(PID, None, KEY, GOOD_ET, "sha1"), DEV, PID, KEY, [], ""),
    ("token empty", "", DEV, PID, KEY, [1101], "password (the token) is empty"),
    ("clientId empty", good(), "", PID, KEY, [1101], "clientId is empty"),
    ("username empty", good(), DEV, "", KEY, [1101], "username is empty"),
    ("no password", None, DEV, PID, KEY, [1101], "no password"),
    ("et empty", good(et=""), DEV, PID, KEY, [1101], "et is empty"),
    ("no et", good(et=None), DEV, PID, KEY, [1103], "has no et="),
    ("no sign", good(sign=None), DEV, PID, KEY, [1103], "has no sign="),
    ("no version", good(version=None), DEV, PID, KEY, [1103], "has no version="),
    ("et not a number", good(et="tomorrow"), DEV, PID, KEY, [1103], "et is not Unix seconds: tomorrow"),
    ("res malformed", good(res=f"product/{PID}"), DEV, PID, KEY, [1103], "res is not products/"),
    ("bad URL encoding", good().replace("%2F", "%2G", 1), DEV, PID, KEY, [1103], "res has a bad URL encoding"),
    ("sign not URL-encoded", good().split("&sign=")[0] + "&sign=AB+/CD==", DEV, PID, KEY, [1103], "raw '+'"),
    ("sign not base64", good(sign="abc"), DEV, PID, KEY, [1103], "sign is not base64"),
    ("not text", 1104, DEV, PID, KEY, [1103], "not text"),
    ("not UTF-8", b"\xff\xfe", DEV, PID, KEY, [1103], "not text"),
    ("too long", good() + "&x=" + "a" * 2000, DEV, PID, KEY, [1103], "chars long"),
    ("expired", reference(PID, DEV, KEY, NOW - 7500, "sha256"), DEV, PID, KEY, [1104], "expired 2 h 5 min ago"),
    ("epoch 2000", reference(PID, DEV, KEY, EPOCH_2000_ET, "sha256"), DEV, PID, KEY, [1104],
     "et counts from 2000 (this port's epoch), not 1970; add 946684800"),
    ("clock never set", reference(PID, DEV, KEY, 3600, "sha256"), DEV, PID, KEY, [1104],
     "et=3600 is in 1970, made on a clock that was never set"),
    ("method unknown", good(method="sha512"), DEV, PID, KEY, [1110], "method is sha512"),
    ("version unknown", good(version="2020-01-01"), DEV, PID, KEY, [1111], "version is 2020-01-01"),
    ("swapped", good(), PID, DEV, KEY, [1114], "clientId and username are swapped"),
    ("other device", good(), "lamp-02", PID, KEY, [1114], "res is for device lamp-01, clientId is lamp-02"),
    ("other product", good(), DEV, "Zz", KEY, [1114], "res is for product Xa8Bc3dE9f, username is Zz"),
    ("wrong key", good(), DEV, PID, base64.b64encode(b"another key").decode(), [1106], "sign does not match"),
    ("key used raw", good(sign=RAW_SIGN), DEV, PID, KEY, [1106], "made with the access key's text"),
    ("key given not base64", good(), DEV, PID, "raw key!", [1106], "the key given is not base64"),
    ("key given with a newline", good(), DEV, PID, "MDEy\nMzQ1", [1106], "the key given is not base64"),
    ("key given empty", good(), DEV, PID, "", [1106], "the key given is not base64"),
    ("et in Arabic-Indic digits", good(et="\u0661\u0662\u0663"), DEV, PID, KEY, [1103], "et is not Unix seconds"),
    ("et superscript two", good(et="\u00b2"), DEV, PID, KEY, [1103], "et is not Unix seconds"),
    ("expired and swapped", reference(PID, DEV, KEY, NOW - 30, "md5"), PID, DEV, KEY, [1114, 1104], ""),
]


def expected_breaks():
    return [(what, codes, words) for what, _t, _c, _u, _k, codes, words in BREAKS]


def check_all(results):
    for (what, codes, words), found in zip(expected_breaks(), results):
        assert [c for c, _ in found] == codes, (what, found)
        assert not words or words in found[0][1], (what, found)
        assert all(isinstance(why, str) and "\n" not in why and len(why) < 160 for _, why in found), found


def test_check_names_the_code_for_each_way_to_break_a_token():
    check_all([token.check(t, c, u, k, now=NOW) for _w, t, c, u, k, _e, _x in BREAKS])


def test_check_on_the_unix_port_gives_the_same_answers():
    args = [(t, c, u, k) for _w, t, c, u, k, _e, _x in BREAKS]
    out = run_upy("import onenetlog.token as token\nfor a in %r:\n print(repr(token.check(a[0], a[1], a[2], a[3], now=%d)))\n"
                  % (args, NOW))
    got = [eval(line) for line in out.splitlines()]
    check_all(got)
    assert got == [token.check(*a, now=NOW) for a in args]


GARBAGE = ["&", "&&&&", "=", "version", "version=", "et=1&et=2", "%", "res=%", "res=%4", "sign=%ZZ",
           "version=2018-10-31&res=products%2F&et=1&method=md5&sign=AA%3D%3D", "res=products/a/devices/",
           "et=99999999999999999999999", "\x00" * 40, "é=é&res=é", b"\x80" * 10, bytearray(b"et=1"), 3.5, [], {},
           object(), -1, 2 ** 200, "a" * 1024]


def test_check_never_raises_whatever_it_is_given():
    rnd = random.Random(3)
    alphabet = "&=%2Fversionresetmethodsign0123456789+/AbC-_ "
    inputs = GARBAGE + ["".join(rnd.choices(alphabet, k=rnd.randint(0, 120))) for _ in range(2000)]
    for x in inputs:
        for args in ((x,), (x, x, x, x), (good(), x, PID, x)):
            found = token.check(*args, now=NOW)
            assert isinstance(found, list) and all(isinstance(c, int) and isinstance(w, str) for c, w in found)


def test_check_never_raises_on_the_unix_port():
    out = run_upy("import onenetlog.token as token\nn = 0\nfor x in %r + [b'\\x80' * 10, 3.5, [], None, 2 ** 200]:\n"
                  " for a in ((x,), (x, x, x, x)):\n  f = token.check(*a, now=%d)\n"
                  "  n += isinstance(f, list) and all(isinstance(c, int) for c, w in f)\nprint(n)\n"
                  % ([g for g in GARBAGE if isinstance(g, str)], NOW))
    assert int(out) == 2 * (len([g for g in GARBAGE if isinstance(g, str)]) + 5)


BAD_MAKE = [  # (keyword arguments beyond the key, the start of make()'s ValueError)
    (dict(pid=None, device="d"), "pid must be non-empty ASCII text without '/', not None"),
    (dict(pid="", device=""), "pid must be non-empty ASCII text without '/', not ''"),
    (dict(pid=PID, device=""), "device must be non-empty ASCII text without '/', not ''"),
    (dict(pid="a/b", device=DEV), "pid must be non-empty ASCII text without '/', not 'a/b'"),
    (dict(pid=PID, device="l\u00e9"), "device must be non-empty ASCII text without '/'"),
    (dict(pid=5, device=6), "pid must be non-empty ASCII text without '/', not 5"),
    (dict(pid=PID, device=DEV, et="abc"), "et must be a positive int of seconds, not 'abc'"),
    (dict(pid=PID, device=DEV, et=1.5), "et must be a positive int of seconds, not 1.5"),
    (dict(pid=PID, device=DEV, et=True), "et must be a positive int of seconds, not True"),
    (dict(pid=PID, device=DEV, et=-5), "et must be a positive int of seconds, not -5"),
    (dict(pid=PID, device=DEV, et=10 ** 12), "et must be a positive int of seconds, not 1000000000000"),
    (dict(pid=PID, device=DEV, ttl="x"), "ttl must be a positive int of seconds, not 'x'"),
    (dict(pid=PID, device=DEV, ttl=None), "ttl must be a positive int of seconds, not None"),
]
MAKE_ERRORS = """
import onenetlog.token as token
for a in %r:
    try:
        print(token.make(key=%r, **a))
    except ValueError as err:
        print("ValueError", err)
"""


def test_make_refuses_bad_names_and_seconds_with_one_value_error_on_both_interpreters():
    """What make() accepts check() reads back: pid and device as res holds them, et as Unix seconds."""
    script = MAKE_ERRORS % ([a for a, _ in BAD_MAKE], KEY)
    for out in (run_cpy(script), run_upy(script)):
        lines = out.splitlines()
        assert len(lines) == len(BAD_MAKE), lines
        for line, (_a, error) in zip(lines, BAD_MAKE):
            assert line.startswith("ValueError " + error), (line, error)


LOCKED = """
import micropython
import onenetlog.token as token
TOK = %r
def locked():
    micropython.heap_lock()
    try:
        return token.check(TOK, "lamp-01", "Xa8Bc3dE9f", None, 1796000000)
    finally:
        micropython.heap_unlock()
print(repr(locked()))  # token_check not loaded yet
token.check(TOK)
print(repr(locked()))  # loaded
print(repr(token.check(TOK, "lamp-01", "Xa8Bc3dE9f", None, 1796000000)))
"""


def test_check_with_no_heap_says_not_checked_and_does_not_raise(monkeypatch):
    out = run_upy(LOCKED % good()).splitlines()
    assert [eval(line) for line in out] == [token.NOT_CHECKED, token.NOT_CHECKED, []]
    assert token.NOT_CHECKED == ((0, "not checked: no heap free (MemoryError)"),)
    import onenetlog.token_check as token_check

    def full(*_a):
        raise MemoryError
    monkeypatch.setattr(token_check, "check", full)
    assert token.check(good(), DEV, PID, KEY, now=NOW) is token.NOT_CHECKED


BAD_NOW = """
import onenetlog.token as token
class Seconds(int):  # MicroPython cannot compare an int subclass
    pass
for now in ("abc", float("nan"), float("inf"), 1.5, b"1", None, True, Seconds(1796000000)):
    print(repr(token.check(%r, "lamp-01", "Xa8Bc3dE9f", %r, now)))
"""


def test_a_now_that_is_not_an_int_means_the_clock_on_both_interpreters():
    """The token is not blamed for a bad now: expiry is judged by the clock instead."""
    fresh = token.make(PID, DEV, KEY, et=token.unix_now() + 3600)
    stale = reference(PID, DEV, KEY, token.unix_now() - 7500, "sha256")
    for tok, codes in ((fresh, []), (stale, [1104])):
        script = BAD_NOW % (tok, KEY)
        for out in (run_cpy(script), run_upy(script)):
            assert [[c for c, _ in eval(line)] for line in out.splitlines()] == [codes] * 8, out


HEAP = """
import gc
import onenetlog
KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
def cost(f, *a):
    gc.collect()
    before = gc.mem_alloc()
    f(*a)
    return gc.mem_alloc() - before
gc.collect()
base = gc.mem_alloc()
import onenetlog.token as token
gc.collect()
imported = gc.mem_alloc() - base
tok = token.make("Xa8Bc3dE9f", "lamp-01", KEY, 1796003600)  # a first call interns its names
made = cost(token.make, "Xa8Bc3dE9f", "lamp-01", KEY, 1796003600)
gc.collect()
base = gc.mem_alloc()
token.check(tok, "lamp-01", "Xa8Bc3dE9f", None, 1796000000)  # the first call loads token_check
gc.collect()
loaded = gc.mem_alloc() - base
checked = cost(token.check, tok, "lamp-01", "Xa8Bc3dE9f", None, 1796000000)
keyed = cost(token.check, tok, "lamp-01", "Xa8Bc3dE9f", KEY, 1796000000)
print(imported, made, loaded, checked, keyed, len(token.check(tok, "lamp-01", "Xa8Bc3dE9f", KEY, 1796000000)))
"""


def heap_cost():
    imported, made, loaded, checked, keyed, found = map(int, run_upy(HEAP).split())
    assert found == 0
    return imported, made, loaded, checked, keyed


def test_heap_cost_of_token_on_the_unix_port():
    """gc-measured at -X heapsize=64k: the import beyond the decoder and the checks the first
    check() loads (both kept); what one make() and check() without and with the key allocate
    (garbage once they return, but for the answer)."""
    imported, made, loaded, checked, keyed = heap_cost()
    print(f"onenetlog.token heap B: import {imported}, make() {made}, first check() loads {loaded}, "
          f"check() {checked}, check(key=) {keyed}")
    assert imported <= 5000, imported
    assert made <= 2900, made
    assert loaded <= 7700, loaded  # 7392 until the ASCII-only et (32 B) and the finding for a bad key (160 B)
    assert checked <= 1600, checked
    assert keyed <= 2700, keyed


NEW_MODULES = ("token.py", "token_check.py", "mqtt.py", "connack.py")


def test_every_install_path_carries_the_new_modules(tmp_path):
    """onenetlog build (.mpy), package.json (mip) and the freeze build board/manifest.py freezes."""
    import json
    import os

    from onenetlog_tools import build

    built = build.build("min", str(tmp_path))
    names = {os.path.basename(p) for p in built}
    assert {n[:-3] + ".mpy" for n in NEW_MODULES} <= names
    with open(build.PACKAGE_JSON, encoding="utf-8") as f:
        urls = {dest for dest, _src in json.load(f)["urls"]}
    assert {"onenetlog/" + n for n in NEW_MODULES} <= urls
    assert build.package_json_text() == open(build.PACKAGE_JSON, encoding="utf-8").read()
    frozen = {os.path.basename(p) for p in build.build("min", str(tmp_path), freeze=True)}
    assert set(NEW_MODULES) <= frozen
