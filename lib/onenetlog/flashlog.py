"""onenetlog.flashlog: FlashLog, a log on flash within a fixed cap that keeps the newest whole
lines across resets and power cuts, and never raises into the application.

    from onenetlog.flashlog import FlashLog
    log = onenetlog.Logger(); log.sinks.append(FlashLog("/log.txt", 8192))
    ...after a reset: FlashLog("/log.txt").dump()

Layout. Two files, path and path + ".1", each exactly half of size bytes from the first write
on, written in place and never grown. Each starts with a header line (NUL, "flashlog1", its
generation, the log's size, a check); the one with the higher generation holds the newest lines.
After the header come whole lines, then filler: NUL bytes, or what a power cut left of a
line, never a newline. A line goes after the last newline, over the filler, and is flushed.

Rotation. A line that does not fit goes to the other file: it is wiped with NUL (the oldest
lines go), then given the next generation, and the line is written after its header. Both
files stay open, so writes and rotations allocate nothing (they work under heap_lock).

Power cuts. A cut mid-line leaves bytes after the last newline: filler, overwritten by the
next line. A cut mid-wipe leaves a file without a valid header: what is left of its lines
(the oldest) is shown first, and the writer wipes it again. dump() shows the lines that end
with a newline and hold no NUL or 0xFF byte, reading pieces of _PIECE bytes whatever their
length.

Size. An existing log keeps the size its header records (FlashLog(path).dump() reads a log of
any size); size is that of a new log: delete both files to change it. A file outside the log
(no valid header) is wiped at a rotation, or emptied at the first write if it is longer than
half the size. Only arguments of the wrong type raise (in the constructor); a line that cannot
be stored is counted in dropped and write() returns 0.
"""

try:
    from micropython import const

    _MPY = True
except ImportError:  # CPython
    const = int
    _MPY = False

_PIECE = const(128)  # bytes read or wiped at a time: the buffer each FlashLog keeps
# The header: b"\0flashlog1 ", then the generation, the log's size and a check (the sum of the
# bytes before it, mod 100: one changed digit makes the header invalid), each in decimal digits
# with leading zeros and a space after it; the space after the check is a newline.
_HEADER = const(32)
_GEN_AT = const(11)
_SIZE_AT = const(20)
_CHECK_AT = const(29)
_DIGITS = const(8)
_CHECK_DIGITS = const(2)
_MIN_SIZE = const(256)
_MAX_SIZE = const(99999998)  # the most _DIGITS digits hold
_MAX_GEN = const(99999999)
_NEWLINE = const(10)
_ERASED = const(0xFF)  # erased NOR flash
_CONT_MASK = const(0xC0)  # UTF-8: bytes b with b & 0xC0 == 0x80 continue a character
_CONT = const(0x80)
_LEAD2 = const(0xC0)  # the first byte of a 2-, 3- or 4-byte character is at least this
_LEAD3 = const(0xE0)
_LEAD4 = const(0xF0)
_MAGIC = b"\x00flashlog1 "
_NL = b"\n"


class FlashLog:
    def __init__(self, path="log.txt", size=8192):
        """Nothing is read or written until the first write() or dump()."""
        self.path = path
        self.size = min(max(int(size), _MIN_SIZE), _MAX_SIZE)  # the log's cap; the recorded one once opened
        self.dropped = 0  # lines write() could not store
        self._path1 = path + ".1"
        self._piece = bytearray(_PIECE)  # a header, a piece of a scan or dump, or NUL to wipe with
        self._cur = None  # the file the next line goes into, open r+b
        self._old = None  # the other one, wiped at the next rotation (the same file if only one opens)
        self._gen = 0  # the generation of _cur
        self._end = _HEADER  # where the next line goes in _cur

    def write(self, buf, off=0, n=-1):
        """Store buf[off:off + n] (default all of it; bytes, bytearray, memoryview or str) as one
        line, ending it with a newline if it has none; a line longer than a file's room is cut
        at a UTF-8 character. Returns n (the bytes taken) when stored, else 0 and counts the line
        in dropped. Never raises; allocates nothing once the files are open (str is encoded)."""
        try:
            if isinstance(buf, str):
                buf = buf.encode()
            if n < 0:
                n = len(buf) - off
            if n <= 0:
                return 0
            if self._cur is None and not self._open():
                self.dropped += 1
                return 0
            k = n - 1 if buf[off + n - 1] == _NEWLINE else n  # the line without its newline
            half = self.size // 2
            room = half - _HEADER - 1
            if k > room:
                k = room - _partial(buf, off, room)
            if self._end + k + 1 > half:
                self._rotate()
            f = self._cur
            f.seek(self._end)
            _write(f, buf, off, k)
            f.write(_NL)
            f.flush()
            self._end += k + 1
            return n
        except Exception:
            self.dropped += 1
            return 0

    def _open(self):
        # Open both files in place (allocates: the first write, and after a failure to open).
        # -> True when a file is ready for lines. A file outside the log (no valid header) waits
        # to be wiped at a rotation, or is made afresh if it is longer than half the size.
        self.close()
        try:
            a, gen_a, size_a = _open_part(self.path, self._piece)
            b, gen_b, size_b = _open_part(self._path1, self._piece)
            if gen_a or gen_b:
                self.size = size_b if _newer(gen_b, gen_a) else size_a
            if gen_a and size_a != self.size:
                gen_a = 0
            if gen_b and size_b != self.size:
                gen_b = 0
            a = _afresh(a, self.path, gen_a, self.size // 2)
            b = _afresh(b, self._path1, gen_b, self.size // 2)
            if _newer(gen_b, gen_a):
                a, b, gen_a = b, a, gen_b
            self._cur, self._old = a or b, b or a
            if self._cur is None:
                return False
            if gen_a:
                self._gen = gen_a
                self._end = self._data_end(self._cur)
            else:  # a new log: path.1 first, so lines path holds from before stay until a rotation
                self._gen = 0
                self._rotate()
            return True
        except Exception:
            self.close()
            return False

    def _rotate(self):
        # The other file becomes the current one: wiped, then given the next generation. On a
        # failure nothing changes (the line is dropped; the next one tries again).
        f = self._old
        piece = self._piece
        for i in range(_PIECE):
            piece[i] = 0
        half = self.size // 2
        f.seek(0)
        for at in range(0, half, _PIECE):
            _write(f, piece, 0, min(_PIECE, half - at))
        f.flush()
        for i in range(len(_MAGIC)):
            piece[i] = _MAGIC[i]
        gen = _next_gen(self._gen)
        _put_number(piece, _GEN_AT, _DIGITS, gen)
        _put_number(piece, _SIZE_AT, _DIGITS, self.size)
        _put_number(piece, _CHECK_AT, _CHECK_DIGITS, _check(piece))
        piece[_HEADER - 1] = _NEWLINE
        f.seek(0)
        _write(f, piece, 0, _HEADER)
        f.flush()
        self._old = self._cur
        self._cur = f
        self._gen = gen
        self._end = _HEADER

    def _data_end(self, f):
        # Where the next line goes in f: after its last newline (the header's at least).
        end = _HEADER
        half = self.size // 2
        piece = self._piece
        for at in range(_HEADER, half, _PIECE):
            f.seek(at)
            got = _readinto(f, piece, min(_PIECE, half - at))
            for i in range(got):
                if piece[i] == _NEWLINE:
                    end = at + i + 1
            if got < _PIECE:
                break
        return end

    def dump(self, stream=None):
        """Write the whole lines kept, oldest first, to stream (default sys.stdout; bytes, else
        str with bad bytes replaced). Returns how many; never raises, memory bounded."""
        import sys

        stream = stream or sys.stdout
        parts = []
        for path in (self._path1, self.path):
            f = None
            try:
                f = open(path, "rb")
                gen, size = _header(f, self._piece)
                parts.append((gen, path, f, _HEADER if gen else 0, size // 2 if gen else -1))
            except Exception:  # missing, a directory, unreadable
                if f:
                    f.close()
        if len(parts) == 2 and _newer(parts[0][0], parts[1][0]):  # files outside the log (gen 0) first
            parts.reverse()
        lines = 0
        for gen, path, f, start, end in parts:
            try:
                lines += self._dump_part(f, start, end, stream)
            except Exception:
                pass
            f.close()
        return lines

    def _dump_part(self, f, start, end, stream):
        # The whole lines of f from start to end (-1: its end) -> stream; returns how many.
        piece = self._piece
        lines = 0
        line = at = start  # where the line being read starts; where piece was read from
        clean = True  # no NUL or 0xFF in the line so far
        while end < 0 or at < end:
            f.seek(at)
            got = _readinto(f, piece, _PIECE if end < 0 else min(_PIECE, end - at))
            for i in range(got):
                c = piece[i]
                if c == _NEWLINE:
                    if clean:
                        if line >= at:  # the whole line is in piece
                            _emit(stream, piece, line - at, at + i + 1 - line)
                        else:
                            _copy(f, line, at + i + 1, stream)
                        lines += 1
                    line = at + i + 1
                    clean = True
                elif c == 0 or c == _ERASED:
                    clean = False
            if got < _PIECE:
                break
            at += got
        return lines

    def flush(self):
        pass  # each line is flushed when written

    def close(self):
        for f in (self._cur, self._old):
            try:
                if f:
                    f.close()
            except Exception:
                pass
        self._cur = self._old = None


def _next_gen(gen):
    # The generation after gen: 1 to the largest of _DIGITS digits, then 1 again (0: no log).
    return gen % _MAX_GEN + 1


def _newer(gen, other):
    # True if a file of generation gen holds newer lines than one of other (0: outside the log).
    return gen > 0 and (other == 0 or gen == _next_gen(other) or other != _next_gen(gen) and gen > other)


def _open_part(path, buf):
    # One of the log's files opened for writing in place -> (file or None, generation or 0, size).
    try:
        f = open(path, "r+b")
    except Exception:
        return None, 0, 0
    gen, size = _header(f, buf)
    return f, gen, size


def _afresh(f, path, gen, half):
    # f (of path) if it is part of the log (gen) or no longer than half the size (wiped in
    # place at a rotation; what it holds stays readable until then), else path made afresh,
    # empty, open w+b.
    if f and (gen or f.seek(0, 2) <= half):
        return f
    if f:
        f.close()
    try:
        return open(path, "w+b")
    except Exception:
        return None


def _header(f, buf):
    # -> (generation, size) of the header at the start of f, or (0, 0) if it has none.
    f.seek(0)
    if _readinto(f, buf, _HEADER) < _HEADER or buf[_HEADER - 1] != _NEWLINE:
        return 0, 0
    for i in range(len(_MAGIC)):
        if buf[i] != _MAGIC[i]:
            return 0, 0
    gen = _number(buf, _GEN_AT, _DIGITS)
    size = _number(buf, _SIZE_AT, _DIGITS)
    if gen <= 0 or size < _MIN_SIZE or _number(buf, _CHECK_AT, _CHECK_DIGITS) != _check(buf):
        return 0, 0
    return gen, size


def _check(header):
    # The header's check: the sum of its bytes from the generation to the check, mod 100.
    total = 0
    for i in range(_GEN_AT, _CHECK_AT):
        total += header[i]
    return total % 100


def _number(buf, at, digits):
    # The decimal digits at buf[at:at + digits], or -1.
    n = 0
    for i in range(at, at + digits):
        if not 48 <= buf[i] <= 57:
            return -1
        n = n * 10 + buf[i] - 48
    return n


def _put_number(buf, at, digits, n):
    # n as decimal digits with leading zeros into buf[at:at + digits], then a space.
    for i in range(at + digits - 1, at - 1, -1):
        buf[i] = 48 + n % 10
        n //= 10
    buf[at + digits] = 32


def _partial(buf, off, n):
    # How many bytes at the end of buf[off:off + n] begin a UTF-8 character that is not
    # complete there: a cut after them would split it.
    back = 0  # continuation bytes at the end
    while back < 3 and back < n and buf[off + n - 1 - back] & _CONT_MASK == _CONT:
        back += 1
    if back == n:
        return 0
    lead = buf[off + n - 1 - back]
    size = 1 + (lead >= _LEAD2) + (lead >= _LEAD3) + (lead >= _LEAD4)
    return back + 1 if back + 1 < size else 0


def _copy(f, start, end, stream):
    # f's bytes from start to end -> stream, in pieces cut at a UTF-8 character.
    while start < end:
        f.seek(start)
        piece = f.read(min(_PIECE, end - start))
        if not piece:
            return
        n = len(piece)
        if start + n < end:
            n -= _partial(piece, 0, n)
        _emit(stream, piece, 0, n)
        start += n


def _emit(stream, data, off, n):
    # data[off:off + n] -> stream: write(buf, off, n), else bytes, else str (CPython text).
    try:
        stream.write(data, off, n)
        return
    except TypeError:
        pass
    piece = bytes(data[off : off + n])
    try:
        stream.write(piece)
    except TypeError:
        stream.write(_text(piece))


def _text(piece):
    # piece as str: CPython replaces bad bytes with U+FFFD; MicroPython (no errors=) with "?".
    try:
        return str(piece, "utf-8", "replace")
    except UnicodeError:
        ascii = bytearray(piece)
        for i in range(len(ascii)):
            if ascii[i] >= _CONT:
                ascii[i] = 63
        return str(ascii, "utf-8")


def _write(f, buf, off, n):
    # buf[off:off + n] -> file f (MicroPython files take write(buf, off, n); CPython's a slice)
    if _MPY:
        f.write(buf, off, n)  # pyright: ignore[reportCallIssue]
    else:
        f.write(memoryview(buf)[off : off + n])


def _readinto(f, buf, n):
    # The first n bytes of buf <- file f; returns how many came.
    if _MPY:
        return f.readinto(buf, n)  # pyright: ignore[reportCallIssue]
    return f.readinto(memoryview(buf)[:n]) or 0
