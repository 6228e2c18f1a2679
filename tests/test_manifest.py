"""board/manifest.py run with stand-ins for the firmware build's manifest functions.
Every path it names must exist; the frozen package must decode like CPython without table.bin."""

import json
import os
import subprocess

import pytest

from onenetlog_tools import build
from onenetlog_tools.ptybridge import find_micropython

ROOT = build.ROOT
MANIFEST = os.path.join(ROOT, "board", "manifest.py")
BOARDS = {  # board -> (port, manifest the build must include)
    "ESP32_GENERIC": ("esp32", "$(PORT_DIR)/boards/manifest.py"),
    "RPI_PICO": ("rp2", "$(PORT_DIR)/boards/manifest.py"),
    "RPI_PICO_W": ("rp2", "$(BOARD_DIR)/manifest.py"),
}
SAMPLE = 40  # codes decoded per tier on the unix port


class StandIns:
    """The manifest API as makemanifest offers it, recording calls and checking paths."""

    def __init__(self, path_vars, here):
        self.vars = path_vars
        self.here = here
        self.calls = []

    def resolve(self, path):
        for name, value in self.vars.items():
            path = path.replace(f"$({name})", value)
        assert "$(" not in path, f"unknown variable in {path}"
        return os.path.normpath(os.path.join(self.here, path))

    def api(self):
        names = ("include", "package", "module", "metadata", "require", "freeze")
        return {n: getattr(self, n) for n in names} | {"__name__": "manifest"}

    def include(self, manifest_path, **kwargs):
        path = self.resolve(manifest_path)
        if os.path.isdir(path):
            path = os.path.join(path, "manifest.py")
        assert os.path.isfile(path), f"include: no {path}"
        self.calls.append(("include", manifest_path))

    def package(self, package_path, files=None, base_path=".", opt=None):
        pkg = os.path.join(self.resolve(base_path), package_path)
        assert os.path.isfile(os.path.join(pkg, "__init__.py")), f"package: no {pkg}/__init__.py"
        for name in files or ():
            assert os.path.isfile(os.path.join(pkg, name)), f"package: no {pkg}/{name}"
        self.calls.append(("package", pkg))

    def module(self, module_path, base_path=".", opt=None):
        path = os.path.join(self.resolve(base_path), module_path)
        assert os.path.isfile(path), f"module: no {path}"
        self.calls.append(("module", path))

    def freeze(self, path, script=None, opt=None):
        full = self.resolve(path)
        assert os.path.exists(os.path.join(full, script) if script else full), f"freeze: no {full}"
        self.calls.append(("freeze", full))

    def metadata(self, description=None, version=None, license=None, author=None):
        self.calls.append(("metadata", version))

    def require(self, name, version=None, **kwargs):
        assert isinstance(name, str) and name, "require: needs a package name"
        self.calls.append(("require", name))


def fake_micropython(tmp_path, board, port):
    """A micropython tree with just the manifests the real one has for these boards."""
    port_dir = tmp_path / "mpy" / "ports" / port
    board_dir = port_dir / "boards" / board
    board_dir.mkdir(parents=True)
    (port_dir / "boards" / "manifest.py").write_text("freeze('$(PORT_DIR)/modules')\n")
    if board == "RPI_PICO_W":
        (board_dir / "manifest.py").write_text("include('$(PORT_DIR)/boards/manifest.py')\n")
    return {"MPY_DIR": str(tmp_path / "mpy"), "PORT_DIR": str(port_dir), "BOARD_DIR": str(board_dir)}


def run_manifest(stand_ins, env, monkeypatch):
    for key in ("ONENETLOG_TIER", "ONENETLOG_DIST", "ONENETLOG_BOARD", "BOARD"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(os.path.dirname(MANIFEST))  # makemanifest runs it from its folder
    with open(MANIFEST, encoding="utf-8") as f:
        exec(compile(f.read(), MANIFEST, "exec"), stand_ins.api())


@pytest.fixture(scope="module")
def freeze_dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    for tier in ("full", "en"):
        assert build.main(["--tier", tier, "--out", str(out / f"freeze-{tier}"), "--freeze"]) == 0
    return out


@pytest.mark.parametrize("board", sorted(BOARDS))
@pytest.mark.parametrize("tier", ["full", "en"])
def test_manifest_names_only_existing_paths(board, tier, freeze_dist, tmp_path, monkeypatch):
    port, wanted = BOARDS[board]
    stand_ins = StandIns(fake_micropython(tmp_path, board, port), os.path.dirname(MANIFEST))
    env = {"ONENETLOG_TIER": tier, "ONENETLOG_DIST": str(freeze_dist), "BOARD": board}
    run_manifest(stand_ins, env, monkeypatch)
    assert ("include", wanted) in stand_ins.calls
    assert ("package", str(freeze_dist / f"freeze-{tier}" / "onenetlog")) in stand_ins.calls
    assert ("metadata", build.project_version()) in stand_ins.calls


def test_manifest_default_dist_is_repo_dist(tmp_path, monkeypatch):
    stand_ins = StandIns(fake_micropython(tmp_path, "RPI_PICO", "rp2"), os.path.dirname(MANIFEST))
    with pytest.raises(FileNotFoundError) as err:
        run_manifest(stand_ins, {"ONENETLOG_TIER": "never-built"}, monkeypatch)
    missing = str(err.value).split()[1].rstrip(":")
    assert stand_ins.resolve(missing) == os.path.join(ROOT, "dist", "freeze-never-built", "onenetlog")


def test_manifest_without_freeze_build_says_what_to_run(tmp_path, monkeypatch):
    stand_ins = StandIns(fake_micropython(tmp_path, "ESP32_GENERIC", "esp32"), os.path.dirname(MANIFEST))
    env = {"ONENETLOG_TIER": "zh", "ONENETLOG_DIST": str(tmp_path / "empty")}
    with pytest.raises(FileNotFoundError, match="--tier zh --freeze"):
        run_manifest(stand_ins, env, monkeypatch)


def test_freeze_tree_is_sources_only(freeze_dist):
    # No table.bin: makemanifest freezes .py files only, so the text must be inline.
    pkg = freeze_dist / "freeze-full" / "onenetlog"
    lib_modules = sorted(os.path.basename(p) for p in build.library_sources())
    assert sorted(os.listdir(pkg)) == sorted(lib_modules + ["table.py"])


@pytest.mark.parametrize("tier", ["full", "en"])
def test_frozen_package_decodes_like_cpython_without_table_bin(tier, freeze_dist):
    import onenetlog

    codes = onenetlog.codes()[:SAMPLE]
    lang = "zh" if tier == "full" else "en"
    script = (
        "import json, onenetlog\n"
        f"for c in {codes!r}:\n"
        f"    print(json.dumps([c, onenetlog.describe(c, {lang!r})]))\n"
        "print(json.dumps(['tier', onenetlog.TIER]))\n"
    )
    done = subprocess.run([find_micropython(), "-X", "heapsize=256k", "-c", script],
                          cwd=freeze_dist / f"freeze-{tier}", capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert rows[-1] == ["tier", tier]
    assert rows[:-1] == [[c, onenetlog.describe(c, lang)] for c in codes]
