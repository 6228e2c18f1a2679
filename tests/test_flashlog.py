"""FlashLog on CPython and on the unix port (from .mpy): capped, the newest whole lines kept across
a reset and a power cut at any byte, dump() of whatever survived, and nothing raised into the
application. Each script runs unchanged on both interpreters in a folder D and prints what the
test checks; power cuts are replayed from the writes FlashLog made, recorded through its
module's `open`."""

import os

import pytest

from logline import lines
from upy import run_cpy, run_upy

RUNNERS = {"cpython": run_cpy, "unix port": run_upy}

# Helpers for every script: files, a bytes sink, and a recorder / replayer of FlashLog's writes.
PRELUDE = """
import os, sys, builtins
import onenetlog.flashlog as flashlog
from onenetlog.flashlog import FlashLog
P = D + "/log.txt"
P1 = P + ".1"
NAMES = (P, P1)
REAL_OPEN = builtins.open

def size(p):
    try:
        return os.stat(p)[6]
    except OSError:
        return 0

def read(p):
    try:
        with REAL_OPEN(p, "rb") as f:
            return f.read()
    except OSError:
        return None

def put(p, data):
    if data is None:
        try:
            os.remove(p)
        except OSError:
            pass
        return
    with REAL_OPEN(p, "wb") as f:
        f.write(data)

def snapshot():
    return {p: read(p) for p in NAMES}

class Sink:
    def __init__(self):
        self.data = bytearray()
    def write(self, b):
        self.data += bytes(b)
        return len(b)

def dump(fl=None):
    s = Sink()
    n = (fl or FlashLog(P)).dump(s)
    got = bytes(s.data).split(b"\\n")
    assert got[-1] == b"", got[-1]
    assert n == len(got) - 1, (n, len(got))
    return got[:-1]

OPS = []  # (name, position, bytes): position -1 the file made empty, -2 appended, -3 opened

class Rec:
    # A file of FlashLog's that records every write into OPS.
    def __init__(self, name, mode="r"):
        self.f = REAL_OPEN(name, mode)
        self.name = name
        self.append = "a" in mode
        OPS.append((name, -1 if "w" in mode else -3, b""))
    def write(self, b, off=0, n=-1):
        data = bytes(b)
        data = data[off:] if n < 0 else data[off:off + n]
        OPS.append((self.name, -2 if self.append else self.f.tell(), data))
        return self.f.write(data)
    def __getattr__(self, name):
        return getattr(self.f, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.f.close()
    def __iter__(self):
        return iter(self.f)

def recording(on):
    flashlog.open = Rec if on else REAL_OPEN

def units(op):
    return len(op[2]) or (op[1] == -1)  # making a file empty counts as one step

def replay(base, ops, cut):
    # The files as a power cut after `cut` steps of ops (a byte written, a file emptied) leaves them.
    files = {p: bytearray(d) for p, d in base.items() if d is not None}
    for name, pos, data in ops:
        if cut <= 0:
            break
        if pos == -1:
            files[name] = bytearray()
            cut -= 1
            continue
        f = files.setdefault(name, bytearray())
        data = data[:cut]
        cut -= len(data)
        at = len(f) if pos == -2 else pos
        f[at:at + len(data)] = data
    for p in NAMES:
        put(p, files.get(p))

def suffix(a, b):
    # a is a suffix of b
    return len(a) <= len(b) and b[len(b) - len(a):] == a
"""


def run(where, script, tmp_path, heap="64k"):
    d = tmp_path / "flash"
    d.mkdir(exist_ok=True)
    src = f"D = {str(d)!r}\n" + PRELUDE + script
    out = run_cpy(src) if where == "cpython" else run_upy(src, heap=heap, timeout=300)
    return out, d


both = pytest.mark.parametrize("where", list(RUNNERS))

SESSION = """
from onenetlog.logger import Logger
fl = FlashLog(P, 1024)
log = Logger([fl], "app", 0, "en", 1, False, False, False)
worst = 0
for i in range(300):
    log.status(1104, "line %d %s" % (i, "x" * (i * 7 % 60)))
    worst = max(worst, size(P) + size(P1))
print("worst", worst, size(P), size(P1), "dropped", log.dropped, fl.dropped)
kept = dump(fl)
print("kept", ",".join(str(k, "utf-8").split(" -- ")[1].split()[1] for k in kept))
print("total", sum(len(k) + 1 for k in kept))
fl.close()
fl = FlashLog(P, 1024)  # a reset: the same lines, and new ones after them
assert dump(fl) == kept
fl.write(b"after reset\\n")
assert dump(fl) == kept[1:] + [b"after reset"] or dump(fl) == kept + [b"after reset"]
print("reset ok")
"""


@both
def test_a_logger_session_stays_within_the_cap_and_keeps_the_newest_lines(where, tmp_path):
    out, d = run(where, SESSION, tmp_path)
    res = dict(line.split(" ", 1) for line in out.splitlines())
    assert res["worst"] == "1024 512 512 dropped 0 0"
    kept = [int(n) for n in res["kept"].split(",")]
    assert kept == list(range(300 - len(kept), 300)) and len(kept) >= 5  # the newest, none missing
    assert 512 - 32 - 100 <= int(res["total"]) <= 1024 - 64
    assert res["reset"] == "ok"
    assert sorted(os.listdir(d)) == ["log.txt", "log.txt.1"]
    text = b"".join(x + b"\n" for x in dump_here(d) if x != b"after reset")
    lines(text.decode())  # every kept line is a well-formed Logger line


def dump_here(d):
    """The dump of the log in folder d, by the library on CPython: lines without newline."""
    out = run_cpy(f"D = {str(d)!r}\n" + PRELUDE + "sys.stdout.write(repr(dump()))")
    return eval(out)


def test_cpython_and_unix_port_write_the_same_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, da = run("cpython", SESSION, tmp_path / "a")
    b, db = run("unix port", SESSION, tmp_path / "b")
    assert a == b
    untimed = lambda p: [ln.split(b")", 1)[-1] for ln in p.read_bytes().split(b"\n")]  # noqa: E731
    assert untimed(da / "log.txt") == untimed(db / "log.txt")
    assert untimed(da / "log.txt.1") == untimed(db / "log.txt.1")


WRITE_FORMS = """
fl = FlashLog(P, 512)
mv = memoryview(bytearray(b"..memoryview line\\n.."))
print(fl.write(b"bytes line\\n"), fl.write(bytearray(b"bytearray line\\n")), fl.write(mv, 2, 16),
      fl.write("str line \\u00e9\\n"), fl.write(b"no newline"), fl.write(b"two\\nlines\\n"), fl.write(b""),
      fl.write(b"xxpart of itxx", 2, 10), fl.dropped)
for line in dump(fl):
    print(str(line, "utf-8"))
"""


@both
def test_write_takes_bytes_bytearray_memoryview_str_and_slices(where, tmp_path):
    out, _ = run(where, WRITE_FORMS, tmp_path)
    assert out.splitlines() == ["11 15 16 12 10 10 0 10 0", "bytes line", "bytearray line", "memoryview line",
                                "str line \u00e9", "no newline", "two", "lines", "part of it"]


# A session written straight to FlashLog with every step recorded: lines of many lengths, one
# longer than a file holds (cut at a character), text in three scripts, no newline, memoryview.
RECORDED = """
CAP = 256
HALF = CAP // 2
ROOM = HALF - 32 - 1
def stored(text):
    while len(text.encode()) > ROOM:
        text = text[:-1]
    return text.encode()
texts = ["boot %d %s" % (i, "abcdefghij"[: i % 11]) for i in range(14)]
texts[5] = "\\u4e2d\\u6587 \\u00e9t\\u00e9 " * 12  # longer than ROOM: cut at a character
texts[9] = "emoji \\U0001f600 " * 3
want = [stored(t) for t in texts]
recording(True)
fl = FlashLog(P, CAP)
done = []  # steps after which line i is whole on flash
for i, t in enumerate(texts):
    data = t.encode()
    assert fl.write(memoryview(data) if i % 3 else data + b"\\n") == len(data) + (0 if i % 3 else 1)
    done.append(sum(units(op) for op in OPS))
recording(False)
fl.close()
ops = OPS[:]
steps = done[-1]
"""

EVERY_BYTE = RECORDED + """
base = {p: None for p in NAMES}
longest = max(len(w) for w in want)
for cut in range(steps + 1):
    replay(base, ops, cut)
    whole = sum(1 for d in done if d <= cut)
    before = snapshot()
    got = dump()
    assert snapshot() == before, cut  # reading changes nothing
    assert suffix(got, want[:whole]), (cut, got)
    kept = sum(len(g) + 1 for g in got)
    assert kept >= min(sum(len(w) + 1 for w in want[:whole]), HALF - 32 - longest), (cut, kept)
    fl = FlashLog(P, CAP)
    assert fl.write(b"after the cut\\n") == 14 and fl.dropped == 0, cut
    fl.close()
    again = dump()
    assert again[-1] == b"after the cut" and suffix(again[:-1], got), (cut, again)
    assert size(P) <= HALF and size(P1) <= HALF, cut
print("cuts", steps + 1)
"""


@both
def test_a_power_cut_at_every_byte_keeps_the_newest_whole_lines(where, tmp_path):
    out, _ = run(where, EVERY_BYTE, tmp_path)
    assert int(out.split()[-1]) > 800


# A full filesystem: every write fails with ENOSPC (28), here through FlashLog's `open`.
FULL = """
FULL = [False]
class Full(Rec):
    def write(self, b, off=0, n=-1):
        if FULL[0]:
            raise OSError(28)
        return Rec.write(self, b, off, n)

fl = FlashLog(P, 512)
for i in range(6):
    fl.write(b"line %d\\n" % i)
fl.close()
whole = snapshot()
recording(True)
OPS[:] = []
FlashLog(P, 512).write(b"this line is torn by a power cut\\n")
recording(False)
replay(whole, OPS, sum(units(op) for op in OPS) - 9)  # all but its last 9 bytes
flashlog.open = Full
FULL[0] = True
fl = FlashLog(P, 512)
print("open ok", fl.write(b"on a full filesystem\\n"), fl.dropped)
print("dump", ",".join(str(x, "utf-8") for x in dump(fl)))
FULL[0] = False
print("freed", fl.write(b"room again\\n"), fl.dropped, str(dump(fl)[-1], "utf-8"))
for p in NAMES:
    os.remove(p)
FULL[0] = True
fl = FlashLog(P, 512)
print("new log", fl.write(b"x\\n"), fl.dropped, fl.dump(Sink()))
"""


@both
def test_a_full_filesystem_with_a_torn_last_line_raises_nothing(where, tmp_path):
    out, _ = run(where, FULL, tmp_path)
    assert out.splitlines() == ["open ok 0 1", "dump line 0,line 1,line 2,line 3,line 4,line 5",
                                "freed 11 1 room again", "new log 0 1 0"]


# littlefs on a RAM block device of the unix port: a filesystem that really fills up.
LFS = """
import vfs, gc
class RAM:
    def __init__(self, blocks, size=512):
        self.size = size
        self.data = bytearray(blocks * size)
    def readblocks(self, block, buf, off=0):
        at = block * self.size + off
        for i in range(len(buf)):
            buf[i] = self.data[at + i]
    def writeblocks(self, block, buf, off=0):
        at = block * self.size + off
        for i in range(len(buf)):
            self.data[at + i] = buf[i]
    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.size
        if op == 5:
            return self.size
        if op == 6:
            at = arg * self.size
            for i in range(self.size):
                self.data[at + i] = 0xFF
        return 0
dev = RAM(32)
os.VfsLfs2.mkfs(dev)
vfs.mount(os.VfsLfs2(dev), "/lfs")
P = "/lfs/log.txt"
P1 = P + ".1"
NAMES = (P, P1)
fl = FlashLog(P, 2048)
for i in range(120):
    fl.write(b"line %d of a session on littlefs\\n" % i)
got = dump(fl)
print("session", fl.dropped, size(P), size(P1), str(got[0], "utf-8"), str(got[-1], "utf-8"))
fl.close()
# fill the filesystem with another file, then open the log again and write to it
filler = REAL_OPEN("/lfs/filler", "wb")
try:
    while True:
        filler.write(b"f" * 256)
        filler.flush()
except OSError as e:
    print("filled", e.args[0])
n = 0
fl = FlashLog(P, 2048)
for i in range(20):
    n += fl.write(b"when full %d\\n" % i) > 0
print("full", n + fl.dropped, size(P) <= 1024 and size(P1) <= 1024, str(dump(fl)[-1], "utf-8")[:5])
filler.close()
os.remove("/lfs/filler")
print("freed", fl.write(b"freed\\n"), str(dump(fl)[-1], "utf-8"))
fl.close()
gc.collect()
os.remove(P)
os.remove(P1)
filler = REAL_OPEN("/lfs/filler", "wb")
try:
    while True:
        filler.write(b"f" * 256)
        filler.flush()
except OSError as e:
    pass
fl = FlashLog(P, 2048)
print("new", fl.write(b"x\\n"), fl.dropped, fl.dump(Sink()))
filler.close()
"""


def test_littlefs_rotates_and_survives_a_full_filesystem(tmp_path):
    out, _ = run("unix port", LFS, tmp_path)
    got = out.splitlines()
    assert got[0].startswith("session 0 1024 1024 line ") and got[0].endswith(" line 119 of a session on littlefs")
    assert got[1:3] == ["filled 28", "full 20 True " + got[2][-5:]]
    assert got[3] == "freed 6 freed" and got[4] == "new 0 1 0"


DIRECTORY = """
os.mkdir(P)
fl = FlashLog(P, 512)
print("path", fl.write(b"x\\n"), fl.write(b"y\\n"), fl.dropped, fl.dump(Sink()))
os.rmdir(P)
os.remove(P1)
os.mkdir(P1)
fl = FlashLog(P, 512)
for i in range(40):
    fl.write(b"line %d\\n" % i)
got = dump(fl)
print("path.1", fl.dropped, size(P), str(got[-1], "utf-8"), FlashLog(P).dump(Sink()) == len(got))
"""


@both
def test_a_directory_in_the_way_raises_nothing(where, tmp_path):
    out, _ = run(where, DIRECTORY, tmp_path)
    assert out.splitlines() == ["path 2 2 0 2", "path.1 0 256 line 39 True"]


OTHER_SIZE = """
fl = FlashLog(P, 16384)
for i in range(200):
    fl.write(b"line %d %s\\n" % (i, b"x" * 60))
fl.close()
kept = dump()
before = snapshot()
print("dump", len(kept), FlashLog(P).dump(Sink()) == len(kept), snapshot() == before)
for size_given in (8192, 1024, 65536):
    fl = FlashLog(P, size_given)
    fl.write(b"more\\n")
    got = dump(fl)
    print(size_given, fl.size, got[:-1] == kept, size(P) + size(P1) <= 16384)
    kept = got
"""


@both
def test_another_size_reads_and_writes_the_log_at_its_own_size(where, tmp_path):
    out, _ = run(where, OTHER_SIZE, tmp_path, heap="1m")
    first, *rest = out.splitlines()
    n = int(first.split()[1])
    assert n > 190 and first.endswith(" True True")
    assert rest == ["8192 16384 True True", "1024 16384 True True", "65536 16384 True True"]


ERASED = """
bad = []
for tail in (b"\\xff" * 40, b"\\x00" * 40, b"\\xff\\xff\\n"):
    for count in range(8, 30):  # the newest file filled to each of its levels
        for p in NAMES:
            put(p, None)
        fl = FlashLog(P, 512)
        for i in range(count):
            fl.write(b"line %d %s\\n" % (i, b"y" * 10))
        fl.close()
        kept = dump()
        data = bytearray(read(P))
        end = data.rfind(b"\\n") + 1  # erased flash after the last line, over what was there
        data[end:end + len(tail)] = tail
        put(P, data)
        cap = size(P) + size(P1)
        fl = FlashLog(P, 512)
        fl.write(b"next\\n")
        if dump(fl) != kept + [b"next"] or size(P) + size(P1) > max(cap, 512):
            bad.append((tail[:1], count))
print("bad", bad)
"""


@both
def test_an_erased_flash_tail_loses_no_line_and_keeps_the_cap(where, tmp_path):
    out, _ = run(where, ERASED, tmp_path)
    assert out.strip() == "bad []"


# The newest file holds one whole line, then a line torn at every byte, up to 1 byte short of
# half the size: the next line goes after the whole one, and nothing older is lost.
NEAR_HALF = """
CAP = 512
fl = FlashLog(P, CAP)
i = 0
while fl._gen < 3 or fl._end > 32 + 40:  # just rotated: the newest file holds one line
    fl.write(b"line %d %s\\n" % (i, b"z" * 20))
    i += 1
fl.close()
whole = snapshot()
kept = dump()
OPS[:] = []
recording(True)
fl = FlashLog(P, CAP)
fl.write(b"t" * (CAP // 2 - 32 - len(kept[-1]) - 2) + b"\\n")  # fills the file to its last byte
recording(False)
fl.close()
steps = sum(units(op) for op in OPS)
bad = []
for cut in range(steps):
    replay(whole, OPS, cut)
    fl = FlashLog(P, CAP)
    fl.write(b"next\\n")
    if dump(fl) != kept + [b"next"]:
        bad.append(cut)
print("cuts", steps, "bad", bad)
"""


@both
def test_a_line_torn_near_half_the_size_keeps_the_whole_lines(where, tmp_path):
    out, _ = run(where, NEAR_HALF, tmp_path)
    assert out.split()[-1] == "[]" and int(out.split()[1]) > 100


LONG = """
fl = FlashLog(P, 512)
room = 256 - 32 - 1
for text in ("\\u4e2d" * 200, "a\\u00e9" * 200, "ab\\U0001f600" * 100, "x" + "\\u00e9" * 300):
    for shift in range(4):
        data = (text[:shift] + text).encode()
        fl.write(data)
        line = dump(fl)[-1]
        s = str(line, "utf-8")  # whole characters only
        assert data.startswith(line) and room - 3 <= len(line) <= room, (shift, len(line))
print("cut ok")
"""


@both
def test_a_line_longer_than_a_file_is_cut_at_a_character(where, tmp_path):
    out, _ = run(where, LONG, tmp_path)
    assert out.split() == ["cut", "ok"]


FLIPS = """
import io
fl = FlashLog(P, 256)
for i in range(12):
    fl.write("line %d \\u4e2d\\u6587\\n" % i)
fl.close()
good = snapshot()
class Text:  # a text stream: str only
    def __init__(self):
        self.n = 0
    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("str expected")
        self.n += len(s)
count = 0
for p in NAMES:
    for at in range(len(good[p])):
        for flip in (0x80, 0x01, 0xFF, 0x00, 0x0A, 0xC3):  # two bits flipped, then bytes set
            data = bytearray(good[p])
            data[at] = data[at] ^ flip if flip in (0x80, 0x01) else flip
            put(p, data)
            FlashLog(P).dump(Text())
            dump()
            fl = FlashLog(P, 256)
            assert fl.write(b"after\\n") == 6 and dump(fl)[-1] == b"after"
            fl.close()
            assert size(P) <= 128 and size(P1) <= 128
            put(P, good[P])
            put(P1, good[P1])
            count += 1
print("flips", count)
"""


@both
def test_a_flipped_byte_anywhere_dumps_and_writes_without_raising(where, tmp_path):
    out, _ = run(where, FLIPS, tmp_path)
    assert int(out.split()[-1]) == 6 * 256


def test_a_text_stream_gets_bad_bytes_replaced(tmp_path):
    script = """
import io
put(P, b"\\x00flashlog 0000000001 0000000256\\n" + b"ok \\xe4\\xb8\\xad\\n" + b"bad \\xe4\\xb8\\n")
s = io.StringIO()
print(FlashLog(P).dump(s), repr(s.getvalue()))
"""
    out, _ = run("cpython", script, tmp_path)
    assert out.strip() == "2 'ok \u4e2d\\nbad \ufffd\\n'"


HUGE = """
import gc
put(P, b"\\x00flashlog 0000000001 0000000256\\n" + b"a\\n" + b"\\x00" * 94)
with REAL_OPEN(P1, "wb") as f:  # not part of the log: 100 KB without a newline, then one with
    for i in range(1000):
        f.write(b"u" * 100)
    f.write(b"\\n")
    for i in range(1000):
        f.write(b"w" * 100)
    f.write(b"\\nend\\n")
class Count:
    def __init__(self):
        self.n = 0
        self.lines = 0
    def write(self, b):
        self.n += len(b)
        self.lines += b[-1:] == b"\\n"
gc.collect()
c = Count()
print(FlashLog(P).dump(c), c.n, c.lines)
"""


@both
def test_a_100kb_line_dumps_in_bounded_memory(where, tmp_path):
    out, _ = run(where, HUGE, tmp_path, heap="32k")
    # the unterminated line and the newline after it make one 100 KB line, then the 100 KB w line
    # and "end" are whole; the log's own file holds "a"
    assert out.split() == ["4", str(100001 + 100001 + 4 + 2), "4"]


LOCKED = """
import gc, micropython
from onenetlog.logger import Logger
fl = FlashLog(P, 1024)
log = Logger([fl], "app", 0, "en", 1, False, False, False)
log.info("before the lock")
NOTES = ["%d" % i for i in range(100)]
def burst():
    for note in NOTES:
        log.status(1104, note)
gc.collect()
micropython.heap_lock()
burst()
micropython.heap_unlock()
got = dump(fl)
print(log.dropped, fl.dropped, size(P), size(P1), len(got))
print(str(got[-1], "utf-8").split("-- ")[-1])
"""


def test_a_sink_under_heap_lock_keeps_every_line_across_rotations(tmp_path):
    out, _ = run("unix port", LOCKED, tmp_path)
    first, last = out.splitlines()
    dropped, fdropped, a, b, n = map(int, first.split())
    assert (dropped, fdropped, a, b) == (0, 0, 512, 512) and n >= 8
    assert last == "99"


HEAP = """
import gc
import onenetlog
P = D + "/log.txt"
gc.collect()
a = gc.mem_alloc()
from onenetlog.flashlog import FlashLog
gc.collect()
i = gc.mem_alloc()
def lines():
    for i in range(50):
        fl.write(b"another line of the log\\n")
fl = None
gc.collect()
b = gc.mem_alloc()
fl = FlashLog(P, 1024)
gc.collect()
c = gc.mem_alloc()
fl.write(b"first line\\n")
gc.collect()
d = gc.mem_alloc()
lines()
gc.collect()
print(i - a, c - b, d - c, gc.mem_alloc() - d)
"""

# unix port 1.29, .mpy (beyond the decoder): the module, an instance (its 128-byte buffer and the
# name of path.1), its two files opened by the first write (VfsPosix; littlefs files hold more)
IMPORT_BUDGET, INSTANCE_BUDGET, OPEN_BUDGET = 5888, 512, 192


def test_heap_of_the_module_an_instance_and_its_open_files(tmp_path):
    out = run_upy(f"D = {str(tmp_path)!r}\n" + HEAP)
    imp, inst, opened, grew = map(int, out.split())
    print("flashlog heap: import", imp, "instance", inst, "open files", opened, "50 lines", grew)
    assert imp <= IMPORT_BUDGET and inst <= INSTANCE_BUDGET and opened <= OPEN_BUDGET and grew == 0


WRAP = """
fl = FlashLog(P, 256)
fl.write(b"first\\n")
fl._gen = 99999997  # as after a hundred million rotations: the generation wraps to 1
fl._rotate()
order = []
for i in range(14):
    fl.write(b"line %d %s\\n" % (i, b"x" * 30))
    order.append(fl._gen)
    fl.close()
    got = dump()
    assert got[-1] == b"line %d %s" % (i, b"x" * 30) and suffix(got, [b"first"] + [b"line %d %s" % (j, b"x" * 30) for j in range(i + 1)])
    fl = FlashLog(P, 256)
print(order[0], order[-1], 1 in order)
"""


@both
def test_the_generation_wraps_and_the_order_holds(where, tmp_path):
    out, _ = run(where, WRAP, tmp_path)
    assert out.split() == ["99999998", "5", "True"]


LEGACY = """
put(P1, b"old 1\\nold 2\\n")  # files of an earlier FlashLog: lines without a header
put(P, b"old 3\\nold 4\\n")
fl = FlashLog(P, 512)
fl.write(b"new 1\\n")
print(",".join(str(x, "utf-8") for x in dump(fl)))
"""


@both
def test_a_log_of_the_earlier_format_keeps_its_newest_lines_until_a_rotation(where, tmp_path):
    out, _ = run(where, LEGACY, tmp_path)
    assert out.strip() == "old 3,old 4,new 1"
