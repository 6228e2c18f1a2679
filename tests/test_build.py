"""tools/build.py: `--out DIR` holds exactly the compiled library, its table and the demo main.py
(a freeze build: the sources and manifest.py); nothing else is written or replaced. package.json
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
    pkg = tmp_path / "onenetlog"
    want = sorted([f"{m}.mpy" for m in lib_modules() + ["table"]] + ["table.bin"])
    assert sorted(os.listdir(pkg)) == want
    assert sorted(os.listdir(tmp_path)) == ["main.py", "onenetlog"]
    assert (tmp_path / "main.py").read_bytes() == open(build.BOARD_MAIN, "rb").read()
    for name in want:
        if name.endswith(".mpy"):
            assert (pkg / name).read_bytes()[:2] == MPY_MAGIC, name
    report = capsys.readouterr().out.splitlines()
    sizes = sum(os.path.getsize(p) for p in build.list_files(str(tmp_path)))
    assert report[-1].split()[0] == str(sizes) and "total" in report[-1]
    library = sum(os.path.getsize(p) for p in build.list_files(str(pkg)))
    assert report[-2] == f"{library:8d}  library (onenetlog/)"  # the README's size per tier


def test_rebuild_replaces_the_earlier_build(tmp_path):
    assert build.main(["--tier", "min", "--out", str(tmp_path), "--freeze"]) == 0
    stale = tmp_path / "onenetlog" / "old.py"
    stale.write_bytes(b"stale")
    assert build.main(["--tier", "min", "--out", str(tmp_path)]) == 0
    assert not stale.exists()
    assert sorted(os.listdir(tmp_path)) == ["main.py", "onenetlog"]  # no manifest.py, no work folders


def test_default_out_is_dist_tier_in_the_working_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert build.main(["--tier", "codes"]) == 0
    assert build.main(["--tier", "codes", "--freeze"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["dist"]
    assert sorted(os.listdir(tmp_path / "dist")) == ["codes", "freeze-codes"]
    assert sorted(os.listdir(tmp_path / "dist" / "freeze-codes")) == ["manifest.py", "onenetlog"]


@pytest.mark.parametrize("occupied", ["notes.txt", "main.py", "onenetlog/x.py"])
def test_a_folder_holding_anything_but_a_build_is_left_alone(occupied, tmp_path, capsys):
    (tmp_path / occupied).parent.mkdir(exist_ok=True)
    (tmp_path / occupied).write_text("mine\n")
    before = sorted(build.list_files(str(tmp_path)))
    assert build.main(["--tier", "min", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not empty and holds no earlier build" in err[0]
    assert sorted(build.list_files(str(tmp_path))) == before
    assert (tmp_path / occupied).read_text() == "mine\n"


def test_freeze_build_carries_a_manifest_that_freezes_its_own_folder(tmp_path, monkeypatch):
    from test_manifest import StandIns, fake_micropython

    out = tmp_path / "fw"
    assert build.main(["--tier", "en", "--out", str(out), "--freeze"]) == 0
    assert (out / "manifest.py").read_bytes() == open(build.BOARD_MANIFEST, "rb").read()
    stand_ins = StandIns(fake_micropython(tmp_path, "RPI_PICO", "rp2"), str(out))
    for key in ("ONENETLOG_TIER", "ONENETLOG_DIST", "ONENETLOG_BOARD", "BOARD"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(out)  # makemanifest runs it from its folder
    exec(compile((out / "manifest.py").read_text(), str(out / "manifest.py"), "exec"), stand_ins.api())
    assert ("package", str(out / "onenetlog")) in stand_ins.calls


def test_broken_source_fails_with_one_message(tmp_path, capsys, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "__init__.py").write_text("def broken(:\n")
    monkeypatch.setattr(build, "library_sources", lambda lib_dir=None: [str(lib / "__init__.py")])
    assert build.main(["--tier", "full", "--out", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("build: error: mpy-cross on onenetlog/__init__.py failed")
    assert not (tmp_path / "dist").exists()


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
