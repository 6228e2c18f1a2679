"""tools/generator.py: parses the platform's HTML-in-Markdown table, validates it loudly, and
writes a byte-for-byte reproducible packed table that the checked-in copy must match."""

import os
import re
import shutil

import pytest

from onenetlog_tools import generator as g

SHARED = os.path.join(g.ROOT, "..", "shared", "platform", "device-log-status-codes.md")


@pytest.fixture
def src(tmp_path):
    """Copies of the two sources, to break in a test."""
    shutil.copy(g.TABLE_MD, tmp_path / "table.md")
    shutil.copy(g.OVERLAY, tmp_path / "overlay.toml")
    return tmp_path


def load(src):
    return g.load_source(str(src / "table.md"), str(src / "overlay.toml"))


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_source_table_is_the_platform_table_unchanged():
    if not os.path.exists(SHARED):
        pytest.skip(f"no {os.path.normpath(SHARED)}: the platform's table, which source/ must equal "
                    "(check out the shared/ folder beside this repository, as CI does)")
    with open(SHARED, "rb") as a, open(g.TABLE_MD, "rb") as b:
        assert a.read() == b.read()


def test_every_code_of_the_table_plus_2001_with_services_from_rowspans():
    s = g.load_source()
    codes = {c["code"]: c for c in s["codes"]}
    assert len(codes) == 66 and 2001 in codes and codes[2001]["source"] == "newer"
    svc = [x["zh"] for x in s["services"]]
    assert svc[codes[1401]["service"]] == "MQTT接入服务"  # last row of a rowspan=28 group
    assert svc[codes[606]["service"]] == "CoAP接入服务"
    assert svc[codes[802]["service"]] == "开放API服务"
    assert svc[codes[200]["service"]] == "通用"
    assert codes[1114]["hint_zh"].startswith("检查填写的clientId、userName字段")
    assert codes[200]["hint_zh"] == "" and codes[200]["level"] == 20
    assert not set(codes) & {1113, 1203, 1205, 1206, 1207, 1208, 1209}
    types = {b["type"]: b for b in s["btypes"]}
    assert sorted(types) == ["1.1", "1.2", "1.3", "2.1", "3.1", "4.1", "5.1", "6.1", "7.1", "8.1", "9.1"]
    assert not types["3.1"]["logged"] and not types["6.1"]["logged"] and types["1.2"]["logged"]
    assert types["8.1"]["source"] == "newer" and types["1.1"]["name_zh"] == "设备行为类"
    assert s["aliases"][3003] == "failures reached the maximum number"


# Each way the sources can be wrong: the edits that break them, and the error naming the row.
BROKEN = {
    "duplicate code": ([("table.md", "<td >1104</td>", "<td >1103</td>")],
                       r"table.md line \d+: code 1103 is a duplicate \(first at table.md line \d+\)"),
    "missing cell": ([("table.md", "  <td >token已过期</td>\n", "")], r"table.md line \d+: row has 4 cells, needs 5"),
    "code outside its group": ([("table.md", "<td >1401</td>", "<td >4401</td>"),
                                ("overlay.toml", "[code.1401]", "[code.4401]")],
                               r"line \d+: code 4401 is outside the groups of MQTT接入服务"),
    "code without English": ([("overlay.toml", "[code.1104]", "[nocode.1104]")],
                             r"line \d+: code 1104 has no English reason/hint in the overlay"),
    "English for no code": ([("overlay.toml", "[code.1104]",
                              '[code.1113]\nlevel = "error"\nreason = "x"\nhint = "y"\n\n[code.1104]')],
                            r"\[code.1113\]: English text for a code that does not exist"),
    "service without English": ([("table.md", "<td rowspan=2 >规则引擎服务</td>", "<td rowspan=2 >规则服务</td>")],
                                r"service '规则服务' has no English name"),
    "non-ASCII English": ([("overlay.toml", 'reason = "Token has expired"', 'reason = "Token已过期"')],
                          r"English text must be ASCII"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_source_fails_naming_the_row(case, src):
    edits, error = BROKEN[case]
    for name, old, new in edits:
        edit(src / name, old, new)
    with pytest.raises(g.SourceError, match=error):
        load(src)


def test_main_reports_a_bad_source_in_one_line(src, capsys):
    edit(src / "table.md", "<td >1104</td>", "<td >11x4</td>")
    assert g.main(["--table", str(src / "table.md"), "--out", str(src / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.match(r"error: table.md line \d+: code '11x4' is not a number", err[0])


def test_generation_is_reproducible_and_the_checked_in_table_is_fresh(tmp_path):
    assert g.stale() == [], "lib/onenetlog/table.* is stale: run `make table`"
    g.write_tier("full", str(tmp_path / "a"))
    g.write_tier("full", str(tmp_path / "b"))
    for name in ("table.py", "table.bin"):
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes()
        assert a == open(os.path.join(g.LIB_DIR, name), "rb").read()
    assert g.main(["--check"]) == 0


def test_check_fails_on_a_stale_table(tmp_path, capsys):
    g.write_tier("full", str(tmp_path))
    edit(tmp_path / "table.py", "TIER = 'full'", "TIER = 'ful'")
    assert g.main(["--check", "--out", str(tmp_path)]) == 1
    assert "stale" in capsys.readouterr().err


def test_table_module_header_and_version():
    head = open(os.path.join(g.LIB_DIR, "table.py"), encoding="utf-8").read().splitlines()
    assert head[0].startswith("# generated by tools/generator.py") and "do not edit" in head[1]
    versions = {t: g.table_version(t) for t in g.TIERS}
    assert versions["full"] == g.pack(g.load_source(), "full")["version"]
    assert len(set(versions.values())) == len(g.TIERS)  # the tier is part of the version


@pytest.mark.parametrize("tier", sorted(g.TIERS))
def test_every_tier_writes_with_one_command(tier, tmp_path):  # and its text is what the tier says
    assert g.main(["--tier", tier, "--out", str(tmp_path)]) == 0
    names = sorted(os.listdir(tmp_path))
    assert names == ["table.bin", "table.py"]
    blob = g.pack(g.load_source(), tier)["blob"]
    assert (tmp_path / "table.py").read_bytes().isascii()
    if tier in ("en", "min", "codes"):  # no Chinese (test_device checks every line is ASCII)
        assert re.search("[\u4e00-\u9fff]", blob.decode("utf-8", "replace")) is None
    if tier == "zh":
        assert "token已过期".encode() in blob and b"Token has expired" not in blob


def _module(path):
    scope = {}
    exec(open(path, encoding="utf-8").read(), scope)
    return scope


def test_inline_puts_the_data_into_the_module(tmp_path):
    g.main(["--tier", "min", "--out", str(tmp_path), "--inline"])
    assert os.listdir(tmp_path) == ["table.py"]
    assert _module(tmp_path / "table.py")["DATA"] == g.pack(g.load_source(), "min")["blob"]


def test_each_code_has_its_finished_line_per_language_in_its_block():
    """The layout: LINE_AT[i] is code i's block, a line per language, each the Logger's head and
    the describe() line."""
    s = g.load_source()
    t = g.pack(s, "full")
    L, blob, svc = g.L, t["blob"], s["services"]
    for i, c in enumerate(s["codes"]):
        at = int.from_bytes(t["line_at"][i].to_bytes(2, "little"), "little") << L["BLOCK_SHIFT"]
        for lang in ("zh", "en"):
            head = blob[at:at + L["LINE_HEAD"]]
            size = int.from_bytes(head[L["LINE_SIZE"]:L["LINE_SIZE"] + 2], "little")
            tag_len, head_len = head[L["LINE_TAG"]], head[L["LINE_JOINED"]]
            text = blob[at + L["LINE_HEAD"]:at + L["LINE_HEAD"] + size]
            assert text[:tag_len].decode() == svc[c["service"]]["tag"]
            assert text[tag_len:head_len].decode() == f"#{c['code']}: "
            want = f"{svc[c['service']][lang]} {c['code']} {c['message']} | {c['reason_' + lang]}"
            want += f" | {c['hint_' + lang]}" if c["hint_" + lang] else ""
            assert text[head_len:].decode() == want + "\n"
            at += L["LINE_HEAD"] + size


def test_the_decoder_modules_carry_the_layout_block(tmp_path):
    for name in g.DECODER_MODULES:
        text = open(os.path.join(g.LIB_DIR, name), encoding="utf-8").read()
        assert g.with_layout(text, name) == text, f"{name}: run `make table`"
        assert "_LINE_HEAD = const(%d)" % g.L["LINE_HEAD"] in text
    shutil.copytree(g.LIB_DIR, tmp_path / "lib")
    edit(tmp_path / "lib" / "text.py", "_LINE_HEAD = const(", "_LINE_HEAD = const(1 + ")
    assert str(tmp_path / "lib" / "text.py") in g.stale(str(tmp_path / "lib"))
