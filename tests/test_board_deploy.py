"""The unix port behind the pty bridge stands in for a board: build, deploy, mip install, decode.
Every code, both languages, must decode on it exactly as CPython decodes it; all calls are time-bound."""

import json
import os
import subprocess
import sys

import pytest

import onenetlog
from onenetlog_tools import build, deploy
from onenetlog_tools.ptybridge import PtyBridge

ROOT = build.ROOT
HEAP = "-X", "heapsize=256k"  # a roomy ESP32's free heap, far below the unix default
STEP = 120  # seconds allowed for any one command
LANGS = ("en", "zh")


def mpremote(port, *args, cwd=ROOT, timeout=STEP):
    cmd = [sys.executable, "-m", "mpremote", "connect", port, "resume", *args]
    return subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd)


def deploy_cmd(port, dist, lib, main_dir, *extra, timeout=STEP):
    cmd = [sys.executable, "-m", "onenetlog_tools.deploy", "--tier", "full", "--port", port,
           "--dir", str(dist), "--target", str(lib), "--main-dir", str(main_dir), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


# A Logger with a cache (its module, onenetlog.linecache, loaded from the same layout) writes
# 1104 and 1105 in turn until 1104's line comes from the cache: [line without its time, the
# folder the cache's module came from].
CACHED_LINE = """
from onenetlog.logger import Logger
class _Last:
    def write(self, buf, off=0, n=-1):
        self.v = bytes(buf[off:off + n])
_sink = _Last()
_log = Logger(_sink, None, 10, "en", 1, False, False, False, 512)
for _c in (1104, 1105, 1104, 1105, 1104):
    _log.status(_c)
_dir = lambda m: m.__file__[:m.__file__.rfind("/")]
print(json.dumps(["cached", [str(_sink.v[_sink.v.find(b")") + 2:], "utf-8"),
                             _dir(sys.modules["onenetlog.linecache"]) == _dir(onenetlog)]]))
"""


def host_cached_line():
    from onenetlog.logger import Logger

    class Last:
        def write(self, buf):
            self.v = bytes(buf)

    sink = Last()
    Logger(sink, None, 10, "en", 1, False, False, False, 512).status(1104)
    return [str(sink.v[sink.v.find(b")") + 2:], "utf-8"), True]


def decode_all(port, lib, *before):
    """Board-side decode of every host code from the package under lib: {(code, lang): line};
    also checks a Logger with a cache from there (CACHED_LINE) against CPython's line.
    before: mpremote commands to run first in the same session (mount DIR)."""
    script = (
        "import sys, json\n"
        "for k in list(sys.modules):\n"
        "    if k.split('.')[0] == 'onenetlog':\n"
        "        del sys.modules[k]\n"
        f"sys.path.insert(0, {str(lib)!r})\n"
        "import onenetlog\n"
        "sys.path.pop(0)\n"
        "print(json.dumps(['file', onenetlog.__file__]))\n"
        "print(json.dumps(['codes', onenetlog.codes()]))\n"
        "print(json.dumps(['in_place', onenetlog._in_place]))\n"  # lines read where the table is
        + CACHED_LINE +
        f"for c in {onenetlog.codes()!r}:\n"
        f"    for lang in {LANGS!r}:\n"
        "        print(json.dumps([c, lang, onenetlog.describe(c, lang)]))\n"
    )
    done = mpremote(port, *before, "exec", script)
    text = done.stdout.decode("utf-8")
    assert done.returncode == 0, text[-500:] + done.stderr.decode("utf-8", "replace")
    rows = [json.loads(line) for line in text.splitlines() if line.startswith("[")]
    head = {r[0]: r[1] for r in rows[:4]}
    assert head["cached"] == host_cached_line(), head["cached"]
    return head, {(c, lang): line for c, lang, line in rows[4:]}


def host_lines():
    return {(c, lang): onenetlog.describe(c, lang) for c in onenetlog.codes() for lang in LANGS}


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    home = tmp_path_factory.mktemp("board")
    with PtyBridge(HEAP, cwd=str(home), timeout=600) as bridge:
        yield bridge, home
    assert not bridge.alive()


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    assert build.main(["--tier", "full", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def deployed(board, dist):
    bridge, home = board
    done = deploy_cmd(bridge.path, dist, home / "lib", home)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_deploy_verifies_every_file_and_reports_the_table(deployed, dist, board):
    _bridge, home = board
    files = deploy.dist_files(str(dist), "full")
    assert deployed.count("sha256 ok") == len(files)
    for rel in files:
        assert (home / ("lib/" + rel if rel.startswith("onenetlog/") else rel)).read_bytes() == \
            (dist / rel).read_bytes()
    assert f"VERSION {onenetlog.VERSION} TIER full" in deployed
    assert f"sample {deploy.SAMPLE_CODE} " in deployed and "warning" not in deployed


def test_deployed_mpy_decodes_every_code_like_cpython(deployed, board):
    bridge, home = board
    head, lines = decode_all(bridge.path, home / "lib")
    assert head["file"].endswith("onenetlog/__init__.mpy")
    assert head["codes"] == onenetlog.codes()
    assert lines == host_lines()


def test_mip_install_from_local_package_json(board):
    bridge, home = board
    target = home / "mip" / "lib"
    done = mpremote(bridge.path, "mip", "install", "--target", str(target), "./package.json")
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    with open(os.path.join(ROOT, "package.json"), encoding="utf-8") as f:
        urls = json.load(f)["urls"]
    for dest, src in urls:
        assert (target / dest).read_bytes() == open(os.path.join(ROOT, src), "rb").read()
    head, lines = decode_all(bridge.path, target)
    assert head["file"].endswith("onenetlog/__init__.py")
    assert lines == host_lines()


def test_mpremote_mount_decodes_every_code_like_cpython(board, dist):
    """table.bin is read binary, so it reads the same through mpremote's mounted filesystem
    (whose text mode fails on UTF-8 split across reads)."""
    bridge, _home = board
    head, lines = decode_all(bridge.path, "/remote", "mount", str(dist))
    assert head["file"].startswith("/remote/onenetlog/")
    assert lines == host_lines()


def test_redeploy_over_mip_sources_removes_shadowing_py(board, dist):
    bridge, home = board
    target = home / "over"
    mip = mpremote(bridge.path, "mip", "install", "--target", str(target), "./package.json")
    assert mip.returncode == 0, mip.stderr.decode()
    done = deploy_cmd(bridge.path, dist, target, "none")
    assert done.returncode == 0, done.stderr
    assert "removed stale" in done.stdout
    assert sorted(os.listdir(target / "onenetlog")) == sorted(os.listdir(dist / "onenetlog"))
    head, _ = decode_all(bridge.path, target)
    assert head["file"].endswith(".mpy")


def test_soft_reset_restarts_the_interpreter(board):
    bridge, _home = board
    before = bridge.spawns
    cmd = [sys.executable, "-m", "mpremote", "connect", bridge.path, "exec", "print('fresh')"]
    done = subprocess.run(cmd, capture_output=True, timeout=STEP)
    assert done.stdout.strip() == b"fresh" and bridge.spawns == before + 1 and bridge.alive()


def one_error_line(done):
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    return lines[0]


def test_deploy_to_absent_board_is_one_line(dist, tmp_path):
    done = deploy_cmd("/dev/pts/no-such-board", dist, "/lib", "none")
    assert "no board at /dev/pts/no-such-board" in one_error_line(done)


def test_deploy_to_busy_board_is_one_line(board, dist):
    import serial

    bridge, home = board
    with serial.Serial(bridge.path, exclusive=True):
        done = deploy_cmd(bridge.path, dist, home / "busy", "none")
    assert "in use" in one_error_line(done)


def test_deploy_to_silent_board_times_out_in_one_line(dist, tmp_path):
    import pty

    master, slave = pty.openpty()  # a port nobody answers on
    try:
        done = deploy_cmd(os.ttyname(slave), dist, "/lib", "none", "--timeout", "3", timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert "did not answer in 3 s" in one_error_line(done)


def test_failed_copy_is_one_line(board, dist):
    bridge, home = board
    pkg = home / "broken" / "onenetlog"
    pkg.mkdir(parents=True)
    (pkg / "__init__.mpy").symlink_to(home / "no-such-dir" / "__init__.mpy")
    done = deploy_cmd(bridge.path, dist, home / "broken", "none")
    assert one_error_line(done).startswith("onenetlog deploy: error: copy:")


def test_deploy_without_build_says_what_to_run(tmp_path):
    done = deploy_cmd("/dev/null", tmp_path, "/lib", "none")
    assert "onenetlog build --tier full" in one_error_line(done)


def test_auto_port_without_usb_board_is_an_error(monkeypatch, dist, capsys):
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [])
    assert deploy.main(["--dir", str(dist)]) == 1
    assert "no board found" in capsys.readouterr().err


def test_hash_mismatch_and_missing_files_fail_verification():
    want = {"/lib/onenetlog/a.mpy": "aa", "/lib/onenetlog/b.mpy": "bb"}
    with pytest.raises(deploy.DeployError, match="1 file.*b.mpy"):
        deploy.compare_hashes(want, {"/lib/onenetlog/a.mpy": "aa", "/lib/onenetlog/b.mpy": "cc"})
    with pytest.raises(deploy.DeployError, match="2 file"):
        deploy.compare_hashes(want, {})


def test_board_without_sha256_is_verified_from_its_bytes():
    marks = deploy.marked("noise\n@@D /lib/x.bin 616263\r\n@@H /lib/y.mpy 00ff\n")
    got = deploy.board_hashes(marks)
    assert got == {"/lib/x.bin": __import__("hashlib").sha256(b"abc").hexdigest(), "/lib/y.mpy": "00ff"}


def test_version_mismatch_is_a_warning_and_tier_mismatch_an_error():
    marks = {"VERSION": ["00000000"], "TIER": ["full"], "CODES": ["66"], "SAMPLE": ["1104 x"]}
    lines = deploy.check(marks, "full", "12345678")
    assert lines[-1].startswith("warning: board VERSION 00000000 differs from the host's 12345678")
    with pytest.raises(deploy.DeployError, match="tier full, expected en"):
        deploy.check(marks, "en", "00000000")
