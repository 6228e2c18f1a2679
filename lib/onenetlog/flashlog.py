"""onenetlog.flashlog: FlashLog, a bounded log on flash that survives a reset.

    from onenetlog.flashlog import FlashLog
    log = onenetlog.Logger(); log.sinks.append(FlashLog("/log.txt", 8192))
    ...after a reset: FlashLog("/log.txt").dump()

Two files, path (the newest lines) and path + ".1" (the ones before them), each at most half
of size bytes, so together never more than size. A line that would not fit in path moves path
to path + ".1" (dropping the old one) and starts path afresh: the newest lines are always
kept, between half of size and size of them. Each write() is one whole line, appended and
flushed (Logger writes each line in one call); a line longer than half of size is cut to fit.

A power cut mid-write leaves at most one torn line: the last one of path, without its
newline. Opening the log again ends it with NUL and a newline, so nothing is glued to it;
dump() and lines() skip every line without a newline or holding a NUL or 0xFF byte (erased
flash), so they show only whole lines.
"""

import os


class FlashLog:
    def __init__(self, path="log.txt", size=8192):
        self.path = path
        self.size = max(size, 64)
        self._f = None
        self._n = 0  # bytes in path
        self._open()

    def _open(self):
        # Open path for appending; end a torn last line first (or move it out if that would
        # break the cap).
        if self._f:
            self._f.close()
        self._f = None
        try:
            n = os.stat(self.path)[6]
        except OSError:
            n = 0
        if n:
            with open(self.path, "rb") as f:
                f.seek(n - 1)
                torn = f.read(1) != b"\n"
            if torn and n + 2 > self.size // 2:
                self._rotate()
                n = 0
            elif torn:
                with open(self.path, "ab") as f:
                    f.write(b"\x00\n")
                n += 2
        self._f = open(self.path, "ab")
        self._n = n

    def _rotate(self):
        if self._f:
            self._f.close()
        self._f = None
        try:
            os.remove(self.path + ".1")
        except OSError:
            pass
        os.rename(self.path, self.path + ".1")

    def write(self, buf, off=0, n=-1):
        """Append one line (buf[off:off + n]); returns the bytes written. Raises OSError when
        the filesystem fails (Logger counts it as dropped)."""
        if isinstance(buf, str):
            buf = buf.encode()
        if n < 0:
            n = len(buf) - off
        half = self.size // 2
        cut = n > half
        if cut:
            n = half - 1
        try:
            if self._f is None:
                self._open()
            if self._n + n + cut > half:
                self._rotate()
                self._open()
            try:
                self._f.write(buf, off, n)
            except TypeError:  # CPython files take one argument
                self._f.write(bytes(buf[off : off + n]))
            if cut:
                self._f.write(b"\n")
            self._f.flush()
        except Exception:
            self._f = None  # reopen, and end what may be torn, on the next write
            raise
        self._n += n + cut
        return n + cut

    def lines(self):
        """The whole lines kept, oldest first, as bytes with their newline."""
        for p in (self.path + ".1", self.path):
            try:
                f = open(p, "rb")
            except OSError:
                continue
            with f:
                for line in f:
                    if line[-1:] == b"\n" and b"\x00" not in line and b"\xff" not in line:
                        yield line

    def dump(self, stream=None):
        """Write the whole lines kept to stream (default sys.stdout); returns how many."""
        import sys

        stream = stream or sys.stdout
        n = 0
        for line in self.lines():
            try:
                stream.write(line)
            except TypeError:  # a text stream of CPython
                stream.write(str(line, "utf-8"))
            n += 1
        return n

    def flush(self):
        if self._f:
            self._f.flush()

    def close(self):
        if self._f:
            self._f.close()
        self._f = None
