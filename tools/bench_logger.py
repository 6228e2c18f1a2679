"""Logger benchmark on the MicroPython unix port, against baselines measured in the same run:
print() of the same pre-built line, and micropython-lib logging (micropython-logging 0.5.2, the
one `make venv` installs) emitting a line of the same length; import heap of both.
bench_logger() returns rows (what, figure, baseline, baseline figure) and prints nothing."""

import os
import re
import shutil
import subprocess
import tempfile

from . import build, heapcost, upylib
from .ptybridge import find_micropython

HEAP = "64k"
FREEZE_HEAP = "128k"  # the freeze build's text is inline: 26 KB of RAM here (flash on a board)
N = 20000  # lines per timing; each timing is the best of ROUNDS
ROUNDS = 5
SPELLS = 3  # runs of the script: one process may run all of it slower than the next

# Timing: each round times every case once, in turn, so cases and baselines share the
# machine's moods; a case's figure is its best round. The cold lines: each the next of every
# code, so none is in the logger's cache.
TIMING = """
def rounds(cases):
    best = [None] * len(cases)
    for _ in range(ROUNDS):
        for k in range(len(cases)):
            t = time.ticks_us()
            cases[k][1]()
            us = time.ticks_diff(time.ticks_us(), t) / N
            best[k] = us if best[k] is None else min(best[k], us)
    for k in range(len(cases)):
        out(cases[k][0], "%.2f" % best[k])
    out("timed", " ".join(case[0] for case in cases))
every = onenetlog.codes()
def status_cold():
    for i in range(N):
        log.status(every[i % len(every)])
cached = Logger(sys.stdout, None, 10, "en", 1, False, False, False, 512)
def status_cold_cached():
    for i in range(N):
        cached.status(every[i % len(every)])
import io, logging
cap = io.BytesIO()
Logger(cap, None, 10, "en", 1, False, False, False).status(1104)
line = str(cap.getvalue(), "utf-8")[:-1]
lo = logging.getLogger("bench")
lo.addHandler(logging.StreamHandler(sys.stdout))
lo.setLevel(logging.DEBUG)
text = "x" * max(0, len(line) - len("mqtt 1104 "))
def logged():
    for _ in range(N):
        lo.warning("mqtt %d %s", 1104, text)
"""


# Runs in the build folder with stdout to /dev/null (every line really goes through print /
# write to it); figures go to stderr as "key value".
SCRIPT = """
import gc, sys, time
a = b = 0
def out(k, v):
    sys.stderr.write("%s %s\\n" % (k, v))
import onenetlog, onenetlog.logger, logging
Logger = onenetlog.logger.Logger
import onenetlog.linecache  # loaded by the first Logger with a cache: not the cache's heap
log = cached = None
gc.collect()
a = gc.mem_alloc()
log = Logger(sys.stdout, None, 10, "en", 1, False, False, False)
gc.collect()
b = gc.mem_alloc()
cached = Logger(sys.stdout, None, 10, "en", 1, False, False, False, 512)
gc.collect()
out("logger_heap", b - a)
out("logger_heap_cached", gc.mem_alloc() - b)
codes = [1104, 1105, 1106, 1107, 1101, 1103]
""" + TIMING + """
def status_same():
    for _ in range(N):
        log.status(1104)
def status_changing():
    for i in range(N):
        log.status(codes[i % 6])
def status_changing_cached():
    for i in range(N):
        cached.status(codes[i % 6])
def status_note():
    for i in range(N):
        log.status(1104, "connect failed", i)
def info():
    for _ in range(N):
        log.info("connected to the broker")
cap = io.BytesIO()
Logger(cap, None, 10, "en", 1, False, False, False).status(1104, "connect failed", N)
noted = len(cap.getvalue()) - 1
def printed():
    for _ in range(N):
        print(line)
text2 = "x" * max(0, noted - len("mqtt 1104 "))
def logged_note():
    for _ in range(N):
        lo.warning("mqtt %d %s", 1104, text2)
out("len", len(line))
class Calls:  # the price of the Logger's structure: one method call with three arguments
    def call(self, a, b, c):
        return a
calls = Calls()
def called():
    for _ in range(N):
        calls.call(1, 2, 3)
def looped():
    for _ in range(N):
        pass
rounds([("status_same", status_same), ("status_changing", status_changing), ("status_cold", status_cold),
        ("status_cold_cached", status_cold_cached), ("status_changing_cached", status_changing_cached),
        ("status_note", status_note), ("info", info), ("print", printed), ("logging", logged),
        ("logging_note", logged_note), ("called", called), ("looped", looped)])
out("cache", len(cached._cache.codes))
out("codes", len(every))
out("len_note", noted)
a = 0
for i in range(2000):
    log.status(codes[i % 6], "n", i)
gc.collect()
a = gc.mem_alloc()
for i in range(100000):
    log.status(codes[i % 6], "n", i)
gc.collect()
out("flat", gc.mem_alloc() - a)
"""


# The same cold lines from a freeze build: the text inline in table.py, a bytes constant that
# stays in flash when frozen (in RAM here), so no line reads table.bin.
COLD = """
import sys, time, onenetlog
from onenetlog.logger import Logger
def out(k, v):
    sys.stderr.write("%s %s\\n" % (k, v))
log = Logger(sys.stdout, None, 10, "en", 1, False, False, False)
""" + TIMING + """
rounds([("status_cold", status_cold), ("status_cold_cached", status_cold_cached), ("logging", logged)])
"""


def _prepare_freeze(work):
    """The full tier's freeze build, each .py compiled to .mpy as the firmware would hold it."""
    build.build("full", work, freeze=True)
    path = build.out_dir(work, "full", freeze=True)
    for root, _, files in os.walk(path):
        for name in files:
            src = os.path.join(root, name)
            if name.endswith(".py"):
                if name != "main.py":
                    build.compile_mpy(src, src[:-3] + ".mpy", name)
                os.remove(src)
    return _add_logging(path)


def _prepare(work):
    """The full tier's build plus micropython-lib logging compiled to .mpy beside it."""
    build.build("full", work)
    path = os.path.join(work, "full")
    if os.path.exists(os.path.join(path, "main.py")):
        os.remove(os.path.join(path, "main.py"))
    return _add_logging(path)


def _add_logging(path):
    """micropython-lib logging compiled to .mpy into path (the baseline); returns path."""
    upylib.install()
    os.makedirs(os.path.join(path, "logging"))
    for name in upylib.FILES:
        src = os.path.join(upylib.DEST, name)
        build.compile_mpy(src, os.path.join(path, name[:-3] + ".mpy"), name)
    return path


# One case of TIMING, run once, for an instruction count: no timing, no output but the lines.
COUNT = """
import sys, time, onenetlog
from onenetlog.logger import Logger
log = Logger(sys.stdout, None, 10, "en", 1, False, False, False)
""" + TIMING + """
{case}()
"""
COUNT_LINES = (2000, 6000)  # two runs: their difference is the cost of the lines alone


def instructions(path, case, heap=HEAP):
    """Instructions (valgrind's callgrind: user space, so the kernel's side of a read or write
    is not counted) per line of a TIMING case, or None without valgrind. Repeatable to the
    instruction, where timings on a shared machine swing by a fifth."""
    if shutil.which("valgrind") is None:
        return None
    counts = []
    for n in COUNT_LINES:
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", find_micropython(),
                               "-X", f"heapsize={heap}", "-c", f"N = {n}\nROUNDS = 1\n" + COUNT.format(case=case)],
                              cwd=path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or not found:
            raise RuntimeError(done.stderr.strip()[-500:])
        counts.append(int(found.group(1)))
    return round((counts[1] - counts[0]) / (COUNT_LINES[1] - COUNT_LINES[0]))


def _best(kept, new):
    """kept with each timing (the cases its rounds() named) the lower of its figure and new's;
    new if no kept."""
    if kept is None:
        return new
    timed = kept["timed"].split()
    return {k: min(v, new[k], key=float) if k in timed else v for k, v in kept.items()}


def measure(path, n=N, script=SCRIPT, heap=HEAP):
    """{key: figure} from one run of script in path, n lines per timing."""
    done = subprocess.run([find_micropython(), "-X", f"heapsize={heap}", "-c", f"N = {n}\nROUNDS = {ROUNDS}\n" + script],
                          cwd=path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-500:])
    return dict(line.split(" ", 1) for line in done.stderr.splitlines())


def bench_logger(n=N):
    """Rows: what, figure, baseline, baseline figure; n lines per timing."""
    work = tempfile.mkdtemp(prefix="bench-logger-")
    try:
        path, frozen_path = _prepare(work), _prepare_freeze(work)
        m = frozen = None
        for _ in range(SPELLS):  # each run's best rounds; the best run counts, case by case
            m = _best(m, measure(path, n))
            frozen = _best(frozen, measure(frozen_path, n, COLD, FREEZE_HEAP))
        for case in ("status_cold", "logged"):
            m["ir_" + case] = instructions(path, case)
            frozen["ir_" + case] = instructions(frozen_path, case, FREEZE_HEAP)
        m["import_logger"] = heapcost.measure(path, "import onenetlog.logger", "import onenetlog")[0]
        m["import_logging"] = heapcost.measure(path, "import logging")[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pr = float(m["print"])
    lg = f"logging.warning() of a {m['len']}-char line ({upylib.PROJECT} {upylib.VERSION})"
    return [
        ["µs status() line, same code again", m["status_same"],
         f"print() of the same {m['len']}-char line", m["print"]],
        ["µs status() line, code changing every line among 6", m["status_changing"], "5 × print()",
         f"{5 * pr:.2f}"],
        [f"µs status() line, each line the next of all {m['codes']} codes (decoded from table.bin)", m["status_cold"],
         lg, m["logging"]],
        ["the same, freeze build (text inline in table.py: flash on a board; no reads)", frozen["status_cold"],
         lg, frozen["logging"]],
        ["instructions per cold line (callgrind)", m["ir_status_cold"] or "-", "per logging.warning() line",
         m["ir_logged"] or "-"],
        ["instructions per cold line, freeze build (callgrind)", frozen["ir_status_cold"] or "-",
         "per logging.warning() line", frozen["ir_logged"] or "-"],
        [f"the cold line with cache=512 (which holds {m['cache']} codes)", m["status_cold_cached"],
         "without a cache (above)", m["status_cold"]],
        ["the cold line with cache=512, freeze build", frozen["status_cold_cached"], "without a cache (above)",
         frozen["status_cold"]],
        ["µs status() line, code changing among 6, cache=512 (each line a copy from the cache)",
         m["status_changing_cached"], "without a cache (above: each line decoded)", m["status_changing"]],
        [f"µs status() line with a note and an id ({m['len_note']} chars)", m["status_note"],
         f"logging.warning() of a {m['len_note']}-char line", m["logging_note"]],
        ["µs info() plain line", m["info"], lg, m["logging"]],
        ["µs one method call with 3 arguments (a line of the code held makes 4: status, log, _make, "
         "_stamp)", f"{float(m['called']) - float(m['looped']):.2f}", "", ""],
        ["import heap B, onenetlog.logger beyond the decoder (names at their own size: tools/heapcost.py)",
         m["import_logger"], f"import heap B, logging ({upylib.PROJECT} {upylib.VERSION}, .mpy)",
         m["import_logging"]],
        ["heap B of a Logger (the default: no cache)", m["logger_heap"], "of a Logger with cache=512",
         m["logger_heap_cached"]],
        ["heap growth B over 100,000 status() lines, after gc", m["flat"], "", ""],
    ]
