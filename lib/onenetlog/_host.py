# onenetlog._host: the CPython side of the decoder (never imported on MicroPython).
# A stream with MicroPython's write(buf, off, n), and write() for text or binary streams.


class Out:
    def __init__(self):
        self.data = bytearray()

    def write(self, buf, off=0, n=-1):
        self.data += buf[off : off + n] if n >= 0 else buf[off:]
        return n

    def getvalue(self):
        return bytes(self.data)


def write_line(stream, code, lang, flags):
    from .text import describe

    line = describe(code, lang, flags) + "\n"
    try:
        stream.write(line)
    except TypeError:  # a binary stream
        stream.write(line.encode())
