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
_ROMFS_ADDRESS = const(0x21000000)  # the board's ROMFS partition, 4 MiB of RAM
_ROM_PREPARE = const(3)  # vfs.rom_ioctl operations that write (the port has only those that read)
_ROM_WRITE = const(4)
_ROM_DONE = const(5)


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


class WritableROMFS:
    """The vfs module, plus the ROMFS write operations a flash port's vfs.rom_ioctl has, so that
    `mpremote romfs deploy` can write an image (the firmware mounts it at /rom at the next
    reset). This port's own rom_ioctl only reads: QEMU's loader puts an image there at boot."""

    def __getattr__(self, name):
        return getattr(vfs, name)

    def rom_ioctl(self, op, *args):
        if op == _ROM_PREPARE:  # RAM needs no erase; it takes writes of any length
            return 1
        if op == _ROM_WRITE:
            _partition, offset, data = args
            uctypes.bytearray_at(_ROMFS_ADDRESS + offset, len(data))[:] = data
            return 0
        if op == _ROM_DONE:
            return 0
        return vfs.rom_ioctl(op, *args)


def mount():
    """Mount the RAM disk at / (formatting it when blank), put /lib on sys.path as a board's
    boot does, and let `import vfs` give WritableROMFS. Once per boot; the firmware itself
    mounts a ROMFS image at /rom."""
    disk = RAMBlockDevice()
    try:
        fs = vfs.VfsLfs2(disk)
    except OSError:  # blank RAM
        vfs.VfsLfs2.mkfs(disk)
        fs = vfs.VfsLfs2(disk)
    vfs.mount(fs, "/")
    sys.path.append("/lib")
    sys.modules["vfs"] = WritableROMFS()
