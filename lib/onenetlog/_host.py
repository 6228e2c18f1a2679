# onenetlog._host: the CPython side of the decoder (never on a board). It owns MicroPython's
# stream calls for CPython: write(buf, off, n) into a line (Out), a text piece read back as a
# str (Piece), and write() for any CPython stream (wrap).


def _bytes(buf, off, n):
    if isinstance(buf, str):
        buf = buf.encode()
    return bytes(buf[off : off + n] if n >= 0 else buf[off:])


class Out:
    """A line gathered from write(buf, off, n) calls; getvalue() is its str, like StringIO."""

    def __init__(self):
        self.data = bytearray()

    def write(self, buf, off=0, n=-1):
        self.data += _bytes(buf, off, n)
        return n

    def getvalue(self):
        return self.data.decode()


class Piece:
    """MicroPython's StringIO as text.py uses it: seek(0), write(buf, off, n), seek(0), then
    read(chars) gives the piece as a str."""

    def __init__(self, size=0):
        self.data = b""

    def seek(self, pos):
        return pos

    def write(self, buf, off, n):
        self.data = _bytes(buf, off, n)
        return n

    def read(self, chars):
        return self.data.decode()[:chars]


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
