# onenetlog._host: the CPython side of the decoder (never imported on MicroPython).
# MicroPython's stream calls for CPython: write(buf, off, n), readinto(buf, n), wrapped write().


class Out:
    def __init__(self):
        self.data = bytearray()

    def write(self, buf, off=0, n=-1):
        self.data += buf[off : off + n] if n >= 0 else buf[off:]
        return n

    def getvalue(self):
        return bytes(self.data)


class Table:
    """table.bin, opened binary, with MicroPython's readinto(buf, n)."""

    def __init__(self, f):
        self.seek, self.read, self.close = f.seek, f.read, f.close

    def readinto(self, buf, n):
        buf[:n] = self.read(n)
        return n


def wrap(core):
    """core: the decoder's write for MicroPython streams -> write for any CPython stream."""

    def write(stream, code, lang="zh", flags=95):
        if stream is None or isinstance(stream, Out):
            return core(stream, code, lang, flags)
        out = Out()
        level = core(out, code, lang, flags)
        try:
            try:
                stream.write(out.data.decode())
            except TypeError:  # a binary stream
                stream.write(bytes(out.data))
        except Exception:
            return 0
        return level

    write.__doc__ = core.__doc__
    return write

# What logger.py takes from MicroPython (imported from here: one import name fewer on a board).
from ._hostlog import BytesIO, const, ticks_diff, ticks_ms  # noqa: E402,F401
