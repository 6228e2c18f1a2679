"""The decoder on a real MicroPython (unix port, -X heapsize=64k) from the .mpy files a board
gets: identical answers to CPython for every code and tier, and the heap budgets."""

import os
import shutil

import pytest

from onenetlog_tools import build, generator
from upy import built, run_cpy, run_upy

TIERS = build.TIERS
CODES = [c["code"] for c in generator.load_source()["codes"]]
# Every input form, and garbage that must give the unknown line.
ODD = ["1104", b"1104", "4.04", b"4.04", 0x84, b"\x84", " 1104\r\n", "2.05", 1113, 9999, 0, -1,
       10**20, None, 1.5, "abc", "", b"", b"\xff\xfe", "4.0x", [1104], True, "١٢"]

# Runs unchanged on MicroPython and CPython; one line per answer, values tagged S (str) or N (None).
PARITY = """
import onenetlog
def out(tag, v):
    print(tag + "\\t" + ("N" if v is None else "S" + str(v)))
for c in CASES:
    k = repr(c) if not isinstance(c, (str, bytes)) else "<%d>" % CASES.index(c)
    for lang in ("zh", "en"):
        out(k + " describe " + lang, onenetlog.describe(c, lang))
        out(k + " reason " + lang, onenetlog.reason(c, lang))
        out(k + " hint " + lang, onenetlog.hint(c, lang))
        out(k + " service " + lang, onenetlog.service(c, lang))
        out(k + " ascii " + lang, onenetlog.describe(c, lang, 31 | 32))
        out(k + " joined " + lang, onenetlog.describe(c, lang, 256 | 128 | 31))
    out(k + " message", onenetlog.message(c))
    out(k + " level", onenetlog.level(c))
    out(k + " is_ok", onenetlog.is_ok(c))
    out(k + " tag", onenetlog.tag(c))
    out(k + " code", onenetlog.code(c))
for t in onenetlog.business_types():
    for lang in ("zh", "en"):
        out("btype " + t + " " + lang, "|".join(str(v) for v in onenetlog.business_type(t, lang)))
out("codes", onenetlog.codes())
out("version", onenetlog.VERSION + " " + onenetlog.TIER)
"""


def _script():
    return f"CASES = [{', '.join(repr(c) for c in CODES + ODD)}]\n" + PARITY


@pytest.mark.parametrize("tier", TIERS)
def test_unix_port_and_cpython_agree_on_every_code(tier):
    script = _script()
    upy = run_upy(script, tier)
    cpy = run_cpy(script, tier)
    assert upy.count("\n") > 66 * 12
    for a, b in zip(upy.splitlines(), cpy.splitlines()):
        assert a == b
    assert len(upy.splitlines()) == len(cpy.splitlines())


def test_full_tier_text_is_the_source_text():
    out = run_upy("import onenetlog\nfor c in onenetlog.codes():\n"
                  " print(c, onenetlog.reason(c), onenetlog.hint(c), onenetlog.reason(c, 'en'))", "full")
    src = {c["code"]: c for c in generator.load_source()["codes"]}
    lines = out.splitlines()
    assert len(lines) == len(src)
    for line, (code, c) in zip(lines, sorted(src.items())):
        assert line == f"{code} {c['reason_zh']} {c['hint_zh'] or None} {c['reason_en']}"


@pytest.mark.parametrize("tier", ["en", "min", "codes"])
def test_ascii_tiers_and_ascii_flag_never_emit_non_ascii(tier):
    out = run_upy("import onenetlog, sys\nfor c in onenetlog.codes():\n"
                  " onenetlog.write(sys.stdout, c, 'zh')\n onenetlog.write(sys.stdout, c, 'zh', 95 | 32)", tier)
    assert out.isascii()
    out = run_upy("import onenetlog, sys\nfor c in onenetlog.codes() + [9999, None]:\n"
                  " onenetlog.write(sys.stdout, c, 'zh', 95 | 32)", "full")
    assert out.isascii() and "token expired | Token has expired" in out


# Heap budgets, measured with gc on the unix port exactly as a board would load the library.
IMPORT = """
import gc
gc.collect()
a = gc.mem_alloc()
import onenetlog
gc.collect()
print(gc.mem_alloc() - a)
"""


@pytest.mark.parametrize("tier,budget", [(t, 6 * 1024) for t in TIERS])
def test_import_heap_budget(tier, budget):
    cost = int(run_upy(IMPORT, tier))
    assert 0 < cost <= budget, f"import onenetlog ({tier}) costs {cost} B, budget {budget} B"


LOOKUP = """
import gc, onenetlog
onenetlog.message(200)  # load the str functions, and make their buffer, first
s = t = n = a = b = c = f = raw = None
fs = (onenetlog.message, onenetlog.reason, onenetlog.hint, onenetlog.service)
bad = 0
for c in onenetlog.codes():
    for f in fs:
        gc.collect()
        a = gc.mem_alloc()
        s = f(c)
        b = gc.mem_alloc() - a
        n = 0
        if s is not None:  # what the same str costs when built from scratch
            raw = bytearray(s.encode())
            gc.collect()
            a = gc.mem_alloc()
            t = str(raw, "utf-8")
            n = gc.mem_alloc() - a
        if b != n:
            bad += 1
            print("extra", c, b, n)
print("bad", bad)
"""


@pytest.mark.parametrize("tier", ["full", "min", "zh"])
def test_a_lookup_allocates_only_the_returned_str(tier):
    out = run_upy(LOOKUP, tier)
    assert out.splitlines()[-1] == "bad 0", out


WRITE = """
import gc, micropython, onenetlog
f = open("/dev/null", "wb")
c = a = b = r = None
ok = 0
# int, bytes and decimal str; other str forms ("4.04") are encoded first, so they allocate.
cases = onenetlog.codes() + [9999, 1113, None, 1.5, b"4.04", b"\\x84", "1104", b"1104", 0x84, 10**20, b"abc"]
for c in cases:
    onenetlog.write(f, c, "en")
gc.collect()
a = gc.mem_alloc()
for c in cases:
    for r in ("zh", "en"):
        ok += onenetlog.write(f, c, r) > 0
        ok += onenetlog.write(f, c, r, 511) > 0
b = gc.mem_alloc()
print("alloc", b - a)
gc.collect()
micropython.heap_lock()
for c in cases:
    ok += onenetlog.write(f, c, "zh") > 0
    ok += onenetlog.level(c) > 0
micropython.heap_unlock()
print("ok", ok, 6 * len(cases))
"""


@pytest.mark.parametrize("tier", TIERS)
def test_write_allocates_nothing_even_under_heap_lock(tier):
    out = run_upy(WRITE, tier).split()
    assert out[:2] == ["alloc", "0"], out
    assert out[3] == out[4], out


def test_heap_locked_write_to_stdout_prints_the_line():
    out = run_upy("import micropython, onenetlog, sys\nonenetlog.write(sys.stdout, 0)\n"
                  "micropython.heap_lock()\nonenetlog.write(sys.stdout, 1104, 'en')\n"
                  "onenetlog.write(sys.stdout, b'4.04')\nmicropython.heap_unlock()", "full")
    assert out.splitlines()[1:] == [
        "MQTT access 1104 token expired | Token has expired | Check the token's expiry time (et)",
        "CoAP接入服务 404 coap_not-found | 找不到对应设备资源 | 设备可能已在平台离线"]


def test_missing_table_bin_says_so_and_never_raises(tmp_path):
    shutil.copytree(built("full"), tmp_path / "b")
    os.remove(tmp_path / "b" / "onenetlog" / "table.bin")
    out = run_upy("import onenetlog, sys\nprint(onenetlog.write(sys.stdout, 1104))\nprint(onenetlog.describe(1104),"
                  " onenetlog.reason(1104), onenetlog.level(1104))", cwd=str(tmp_path / "b"))
    assert out.splitlines() == ["? 1104 unknown code (no table.bin)", "30",
                                "? 1104 unknown code (no table.bin) None 30"]


@pytest.mark.parametrize("tier,want", [("zh", "token已过期"), ("en", "Token has expired"), ("min", "None")])
def test_a_tier_answers_in_the_language_it_has(tier, want):
    out = run_upy("import onenetlog\nprint(onenetlog.reason(1104, 'zh'))\nprint(onenetlog.reason(1104, 'en'))", tier)
    assert out.splitlines() == [want, want]


def test_ascii_flag_on_the_chinese_tier_keeps_the_message_and_tag():
    out = run_upy("import onenetlog, sys\nfor c in onenetlog.codes() + [9999, None]:\n"
                  " onenetlog.write(sys.stdout, c, 'zh', 95 | 32)", "zh")
    assert out.isascii() and out.splitlines()[0] == "general 200 -"
    assert "mqtt 1104 token expired\n" in out


def test_inline_table_answers_like_table_bin(tmp_path):
    """The freeze build keeps the data inline in table.py (flash on a board): same answers."""
    build.build("full", str(tmp_path), freeze=True)
    script = _script()
    inline = run_upy(script, cwd=str(tmp_path / "freeze-full"), heap="256k")  # compiles .py
    assert inline == run_upy(script, "full")
    assert "token已过期" in inline and "table.bin" not in inline
    where = "import onenetlog\nprint(onenetlog._in_place, len(onenetlog._window) == len(onenetlog.table.DATA))"
    assert run_upy(where, cwd=str(tmp_path / "freeze-full"), heap="256k") == "True True\n"  # read in place
    assert run_upy(where.replace("len(onenetlog.table.DATA)", "onenetlog._largest_block"), "full") == "False True\n"


# Hostile input (issue 9), the same script on both interpreters: each line raised or answered
# wrongly before on at least one of them.
HOSTILE = """
import onenetlog, sys
sys.path.append(UPYLIB)  # micropython-lib logging, for logging_tags
print(onenetlog.flashlog.FlashLog.__name__)  # no import of it first
from onenetlog import catalog, parse, logging_tags, flashlog
print(catalog.code("4.04"), parse.__name__.split(".")[-1], logging_tags.__name__.split(".")[-1])
class Code(int):
    pass
class BadLang:
    def __eq__(self, other):
        raise RuntimeError("no comparing me")
c = Code(1104)
for f in (onenetlog.describe, onenetlog.message, onenetlog.reason, onenetlog.hint, onenetlog.service,
          onenetlog.code, onenetlog.known, onenetlog.level, onenetlog.tag):
    print(f(c) == f(1104), f(c))
bad = BadLang()
print(onenetlog.reason(1104, bad), onenetlog.hint(1104, bad), onenetlog.service(1104, bad))
print(onenetlog.business_type("1.2", bad) == onenetlog.business_type("1.2"), onenetlog.describe(1104, bad))
print(onenetlog.business_type(b"\\xff"), onenetlog.business_type(bytearray(b"\\xfe")), onenetlog.write(sys.stdout, c, bad))
print("describe" in dir(onenetlog) or len(dir(onenetlog)) > 9, hasattr(onenetlog, "no_such_module"))
"""


def test_hostile_input_gets_answers_on_both_interpreters():
    from onenetlog_tools import upylib

    script = "UPYLIB = %r\n" % upylib.DEST + HOSTILE
    upy = run_upy(script, "full", heap="128k")  # logging and four submodules beside the decoder
    assert upy == run_cpy(script, "full")
    lines = upy.splitlines()
    assert lines[:2] == ["FlashLog", "404 parse logging_tags"]
    assert all(line.startswith("True ") for line in lines[2:11]), lines
    assert lines[11] == "token已过期 检查token的过期时间 MQTT接入服务"
    assert lines[13:] == ["MQTT接入服务 1104 token expired | token已过期 | 检查token的过期时间", "None None 40",
                          "True False"]  # dir() of the package, whose __getattr__ loads on first use


def test_describe_under_heap_lock_is_none_as_documented_and_write_works():
    out = run_upy("import micropython, onenetlog, sys\nonenetlog.describe(0)\nonenetlog.message(0)\nd = m = n = 0\n"
                  "micropython.heap_lock()\n"
                  "d = onenetlog.describe(1104)\nm = onenetlog.message(1104)\nn = onenetlog.write(sys.stdout, 1104, 'en')\n"
                  "micropython.heap_unlock()\nprint(d, m, n)\nprint(onenetlog.describe(1104, 'en'))", "full")
    line = "MQTT access 1104 token expired | Token has expired | Check the token's expiry time (et)"
    assert out.splitlines() == [line, "None None 40", line]


@pytest.mark.parametrize("run", [run_upy, run_cpy])
def test_the_map_of_lazy_names_unloads_once_a_name_is_bound(run):
    """The package's __getattr__ loads _lazy.py for a name it lacks; once the name is bound the
    map unloads (no heap between lookups), and `from onenetlog import flashlog` works."""
    out = run("import sys, onenetlog\n"
              "print('onenetlog._lazy' in sys.modules)\n"
              "onenetlog.describe(1104)\n"
              "print('onenetlog._lazy' in sys.modules, 'describe' in onenetlog.__dict__)\n"
              "from onenetlog import flashlog\n"
              "print('onenetlog._lazy' in sys.modules, flashlog.__name__)\n"
              "try:\n    onenetlog.no_such_name\nexcept AttributeError:\n    print('AttributeError')\n")
    assert out.splitlines() == ["False", "False True", "False onenetlog.flashlog", "AttributeError"]


def test_after_one_str_answer_the_others_need_no_heap_to_be_found():
    # README: the first use of describe/message/reason/hint/service loads text.py; made
    # outside heap_lock, every one of them then answers None inside it instead of raising
    # from the package's lazy lookup.
    out = run_upy("import micropython, onenetlog\n"
                  "def f():\n"
                  "    onenetlog.message(0)\n"
                  "    micropython.heap_lock()\n"
                  "    d = onenetlog.describe(1104)\n"
                  "    r = onenetlog.reason(1104, 'en')\n"
                  "    h = onenetlog.hint(1104)\n"
                  "    s = onenetlog.service(1104)\n"
                  "    micropython.heap_unlock()\n"
                  "    print(d, r, h, s)\n"
                  "f()", "full")
    assert out.split() == ["None", "None", "None", "None"]


# From a hostile pass over the decoder's new paths: each case answered wrongly before.
FLAGS_AND_FORMS = """
import onenetlog, sys
onenetlog.write(sys.stdout, 1104, "zh", 256 | 64 | 1 | 2)  # joined, the code last: "tag#code:" then the newline
onenetlog.write(sys.stdout, 1104, "zh", 256 | 128 | 64 | 2)
for flags in (1, 129, 2, 257, 385, 33, 161, 6):  # "unknown code" only where a text part is asked
    print(repr(onenetlog.describe(1113, "en", flags)))
for name in ("describe message", "codes known", "INFO WARNING", " describe", "text:"):
    print(hasattr(onenetlog, name), getattr(onenetlog, name, None))
"""


@pytest.mark.parametrize("run", [run_upy, run_cpy])
@pytest.mark.parametrize("tier", ["codes", "full"])
def test_joined_lines_unknown_codes_and_odd_names(run, tier):
    lines = run(FLAGS_AND_FORMS, tier).splitlines()
    tag = "mqtt" if tier == "codes" else "MQTT接入服务"
    assert lines[:2] == [tag + "#1104:", "1104:"]
    service = "'mqtt'" if tier == "codes" else "'MQTT access'"
    assert lines[2:10] == [service, "'mqtt'", "'1113'", service, "'mqtt'", service, "'mqtt'", "'1113 unknown code'"]
    assert lines[10:] == ["False None"] * 5


def test_str_codes_with_blanks_or_a_dot_work_under_heap_lock():
    """A str code is read a character at a time: blanks around it and a dotted CoAP code need
    no heap (README: the decoder under heap_lock)."""
    out = run_upy("import onenetlog, sys, micropython\n"
                  "def locked(c):\n"
                  "    onenetlog.write(sys.stdout, c, 'en')\n"
                  "    micropython.heap_lock()\n"
                  "    r = onenetlog.write(sys.stdout, c, 'en')\n"
                  "    micropython.heap_unlock()\n"
                  "    return r\n"
                  "for c in (' 2001 ', '1104\\r\\n', '4.04', '2.05', ' 4.01', '4.4', 'x1104'):\n"
                  "    print(locked(c), onenetlog.level(c))\n", "codes")
    lines = out.splitlines()
    pairs = [lines[k:k + 3] for k in range(0, len(lines), 3)]
    assert all(a == b for a, b, _ in pairs), pairs  # the same line under the lock
    assert [p[0].split(" ")[:2] for p in pairs[:4]] == [["http", "2001"], ["mqtt", "1104"], ["coap", "404"],
                                                       ["coap", "205"]]
    assert [p[2] for p in pairs] == ["40 40", "40 40", "30 30", "20 20", "40 40", "30 30", "30 30"]
