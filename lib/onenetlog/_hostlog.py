# onenetlog._hostlog: what logger.py takes from MicroPython, for CPython (never imported there).
import io
import time


def const(x):
    return x


def ticks_ms():
    return time.monotonic_ns() // 1000000 & 0x3FFFFFFF


def ticks_add(a, delta):
    return (a + delta) & 0x3FFFFFFF


def ticks_diff(a, b):
    return ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000


class BytesIO(io.BytesIO):
    """BytesIO with MicroPython's write(buf, off, n) and readinto(buf, n); str is written as UTF-8."""

    def __init__(self, size=0):  # MicroPython's BytesIO(n) preallocates n bytes
        super().__init__()

    def write(self, buf, off=0, n=-1):
        if isinstance(buf, str):
            buf = buf.encode("utf-8", "replace")  # lone surrogates: MicroPython has none
        buf = bytes(buf[off:])
        return super().write(buf[:n] if n >= 0 else buf)

    def readinto(self, buf, n=-1):
        return super().readinto(memoryview(buf)[: n if n >= 0 else len(buf)])
