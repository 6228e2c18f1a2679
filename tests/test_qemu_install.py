"""The ways a user installs the library, onto the emulated board (the qemu port's MPS2_AN385
firmware without the library frozen in, littlefs on a RAM disk at /): `onenetlog deploy`,
`mpremote mip install`, a ROMFS image (`mpremote romfs deploy`, or flashed at boot) and
`mpremote mount`. Each decodes every code, both languages, exactly as CPython does."""

import os
import subprocess
import sys

import pytest

import onenetlog
from onenetlog_tools import build, deploy, qemu
from test_board_deploy import decode_all, host_lines

WHY_NOT = qemu.missing()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"emulated board: {WHY_NOT}")
ONENETLOG = os.path.join(os.path.dirname(sys.executable), "onenetlog")  # the installed CLI


@pytest.fixture(scope="module")
def board():
    with qemu.QemuBoard(qemu.firmware("none"), timeout=600) as b:
        b.reset()
        yield b
    assert not b.alive()


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """A build folder (.mpy + table.bin) with onenetlog.romfs, built by the CLI as a user would."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([ONENETLOG, "build", "--tier", "full", "--romfs", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def test_the_firmware_has_no_library_frozen_in(board):
    out = board.run("try:\n    import onenetlog\n    print(onenetlog.__file__)\nexcept ImportError:\n    print('none')")
    assert out.split() == ["none"]


def test_onenetlog_deploy_to_littlefs(board, dist):
    done = subprocess.run([ONENETLOG, "deploy", "--tier", "full", "--port", board.port, "--dir", str(dist),
                            "--target", "/lib", "--main-dir", "none"],
                           capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    library = [f for f in deploy.dist_files(str(dist), "full") if f.startswith("onenetlog/")]
    assert done.stdout.count("sha256 ok") == len(library)
    assert f"VERSION {onenetlog.VERSION} TIER full, 66 codes" in done.stdout and "warning" not in done.stdout
    head, lines = decode_all(board.port, "/lib")
    assert head["file"] == "/lib/onenetlog/__init__.mpy" and head["in_place"] is False  # read into a window
    assert lines == host_lines()


def test_mip_install_of_package_json(board):
    done = board.mpremote("mip", "install", "--target", "/mip/lib", "./package.json", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    head, lines = decode_all(board.port, "/mip/lib")
    assert head["file"] == "/mip/lib/onenetlog/__init__.py"
    assert lines == host_lines()


def test_mpremote_romfs_deploy_runs_the_library_from_rom(board, dist):
    done = board.mpremote("romfs", "deploy", str(dist / "onenetlog.romfs"), timeout=300)
    assert done.returncode == 0 and "ROMFS image deployed" in done.stdout, done.stdout + done.stderr
    board.reset()  # the firmware mounts the new image at /rom
    head, lines = decode_all(board.port, "/rom/lib")
    assert head["file"] == "/rom/lib/onenetlog/__init__.mpy"
    assert head["in_place"] is True  # table.bin read where it is in flash, no window
    assert lines == host_lines()


def test_a_romfs_image_flashed_at_boot_is_imported_from_rom(dist):
    with qemu.QemuBoard(qemu.firmware("none"), romfs=str(dist / "onenetlog.romfs"), timeout=300) as b:
        b.reset()
        out = b.run("import onenetlog\nprint(onenetlog.__file__)\nprint(onenetlog.describe(1104, 'en'))")
    assert out.splitlines() == ["/rom/lib/onenetlog/__init__.mpy", onenetlog.describe(1104, "en")]


def test_mpremote_mount_of_the_sources(board):
    """The development loop: `mpremote mount .` in lib/, the checked-in sources and table."""
    head, lines = decode_all(board.port, "/remote", "mount", os.path.join(build.ROOT, "lib"))
    assert head["file"] == "/remote/onenetlog/__init__.py"
    assert lines == host_lines()
