"""tools/build.py: dist/<tier> holds exactly the compiled library and its table; package.json
for mip lists exactly the checked-in package with repo-relative URLs."""

import json
import os

import pytest

from onenetlog_tools import build

ROOT = build.ROOT
MPY_MAGIC = b"M\x06"  # mpy format 6, what MicroPython 1.29 loads


def lib_modules():
    return sorted(os.path.basename(p)[:-3] for p in build.library_sources())


@pytest.mark.parametrize("tier", build.TIERS)
def test_tier_tree_is_mpy_plus_table(tier, tmp_path, capsys):
    assert build.main(["--tier", tier, "--out", str(tmp_path)]) == 0
    pkg = tmp_path / tier / "onenetlog"
    want = sorted(f"{m}.mpy" for m in lib_modules() + ["table"])
    if tier != "codes":
        want = sorted(want + ["table.bin"])
    assert sorted(os.listdir(pkg)) == want
    extra = sorted(set(os.listdir(tmp_path / tier)) - {"onenetlog"})
    assert extra == (["main.py"] if os.path.isfile(build.BOARD_MAIN) else [])
    for name in want:
        if name.endswith(".mpy"):
            assert (pkg / name).read_bytes()[:2] == MPY_MAGIC, name
    report = capsys.readouterr().out.splitlines()
    sizes = sum(os.path.getsize(p) for p in build.list_files(str(tmp_path / tier)))
    assert report[-1].split()[0] == str(sizes) and "total" in report[-1]


def test_rebuild_replaces_the_tier_folder(tmp_path):
    assert build.main(["--tier", "min", "--out", str(tmp_path)]) == 0
    stale = tmp_path / "min" / "onenetlog" / "old.mpy"
    stale.write_bytes(b"stale")
    assert build.main(["--tier", "min", "--out", str(tmp_path)]) == 0
    assert not stale.exists()
    assert sorted(os.listdir(tmp_path)) == ["min"]  # no work folders left behind


def test_broken_source_fails_with_one_message(tmp_path, capsys, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "__init__.py").write_text("def broken(:\n")
    monkeypatch.setattr(build, "library_sources", lambda lib_dir=None: [str(lib / "__init__.py")])
    assert build.main(["--tier", "full", "--out", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("build: error: mpy-cross on onenetlog/__init__.py failed")
    assert not (tmp_path / "dist" / "full").exists()


def test_missing_library_is_reported(tmp_path):
    with pytest.raises(build.BuildError, match="missing __init__.py"):
        build.library_sources(str(tmp_path))


def test_package_json_matches_the_library():
    with open(os.path.join(ROOT, "package.json"), encoding="utf-8") as f:
        text = f.read()
    assert text == build.package_json_text(), "package.json is stale: run python -m onenetlog_tools.build --package-json"
    pkg = json.loads(text)
    assert pkg["version"] == build.project_version()
    for dest, url in pkg["urls"]:
        assert not url.startswith(("/", "http", "github:")), "mip needs URLs relative to package.json"
        assert os.path.isfile(os.path.join(ROOT, url)), url
        assert dest == "onenetlog/" + os.path.basename(url)
    names = {os.path.basename(u) for _d, u in pkg["urls"]}
    assert {"__init__.py", "table.py", "table.bin"} <= names
