# The filesystem of the qemu MPS2 boards, which have no flash: littlefs on 1 MiB of emulated RAM
# that the firmware and its GC heap never touch (they end near 0x58000 of the 4 MiB). RAM keeps
# its bytes over a soft reset, as flash keeps them over a reset; a fresh QEMU starts it blank.
# The port runs no _boot.py, so the host calls qemufs.mount() after each boot.
import sys
import uctypes
import vfs
from micropython import const

_DISK_ADDRESS = const(0x200000)
_DISK_BYTES = const(0x100000)
_BLOCK_BYTES = const(4096)  # a flash sector's size
_IOCTL_BLOCK_COUNT = const(4)
_IOCTL_BLOCK_SIZE = const(5)
_ROMFS_SEGMENT = const(2)  # vfs.rom_ioctl: the memoryview of a ROMFS partition


class RAMBlockDevice:
    """Block device over RAM, with the extended interface (offsets) littlefs uses."""

    def __init__(self):
        self.ram = memoryview(uctypes.bytearray_at(_DISK_ADDRESS, _DISK_BYTES))

    def readblocks(self, block, buf, off=0):
        at = block * _BLOCK_BYTES + off
        buf[:] = self.ram[at : at + len(buf)]

    def writeblocks(self, block, buf, off=0):
        at = block * _BLOCK_BYTES + off
        self.ram[at : at + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == _IOCTL_BLOCK_COUNT:
            return _DISK_BYTES // _BLOCK_BYTES
        if op == _IOCTL_BLOCK_SIZE:
            return _BLOCK_BYTES
        return 0  # init, deinit, sync, erase: nothing to do in RAM


def mount():
    """Mount the RAM disk at / (formatting it when blank) and a ROMFS image, if QEMU loaded
    one, at /rom; put /rom/lib and /lib on sys.path as a board's boot does. Once per boot."""
    disk = RAMBlockDevice()
    try:
        fs = vfs.VfsLfs2(disk)
    except OSError:  # blank RAM
        vfs.VfsLfs2.mkfs(disk)
        fs = vfs.VfsLfs2(disk)
    vfs.mount(fs, "/")
    try:
        vfs.mount(vfs.VfsRom(vfs.rom_ioctl(_ROMFS_SEGMENT, 0)), "/rom")
        sys.path.insert(1, "/rom/lib")
    except OSError:  # no valid image
        pass
    sys.path.append("/lib")
