"""Benchmarks, each against a baseline measured in the same run, on the MicroPython unix port.
python -m onenetlog_tools.bench [--only decoder,logger,annotate] [--lines N] [--rounds N]
python -m onenetlog_tools.bench --board qemu   (the emulated board: tools/bench_board.py)

decoder: per tier, the installed size and the heap an import costs; then µs per call of
level(), message(), describe() and write(), best of --rounds, beside a naive baseline
generated from the same data (a dict of tuples of str, compiled the same way), at the table's
66 codes and at a synthetic table ten times larger; and the file reads level() makes.
"""

import argparse
import copy
import os
import random
import shutil
import subprocess
import sys
import tempfile

from . import build, generator
from .ptybridge import find_micropython

HEAP = "64k"
ROUNDS = 60  # timings of each call; the best counts (short ones, so that one falls in a quiet moment)
SPELLS = 6  # runs the rounds are split into, each library's in turn with the others', so the
# machine's slow spells fall on all of them alike
PASSES = 5  # passes over every code per timing
SCALE = 10  # the synthetic table: this many codes for each real one

# Heap on the unix port, in a script that interns no names of its own first (its names take
# qstr pool space, so an import in a longer script costs a few hundred bytes more): the
# import, then with the str answers loaded. As tests/test_device.py measures the budget.
HEAP_SCRIPT = """
import gc
gc.collect()
a = gc.mem_alloc()
import {mod} as m
gc.collect()
print(gc.mem_alloc() - a)
{warm}
gc.collect()
print(gc.mem_alloc() - a)
"""

# Runs on the unix port in the library's folder; prints µs level() message() describe()
# write(); then the table reads level() made over every code, and whether write() made any
# (the counter works).
DECODER = """
import time
import {mod} as m
{warm}
codes = {codes}
f = open("/dev/null", "wb")
def best(fn):
    b = None
    for _ in range({rounds}):
        t = time.ticks_us()
        for _ in range({passes}):
            for c in codes:
                fn(c)
        t = time.ticks_diff(time.ticks_us(), t)
        b = t if b is None or t < b else b
    return "%.2f" % (b / ({passes} * len(codes)))
print(best({level}), best({message}), best({describe}), best({write}))
{count_reads}
"""

# The decoder's table stream, counting its calls, while level() runs over every code.
COUNT_READS = """
class Counted:
    def __init__(self, f):
        self.f, self.calls = f, 0
    def seek(self, pos):
        self.calls += 1
        return self.f.seek(pos)
    def readinto(self, buf):
        self.calls += 1
        return self.f.readinto(buf)
m._table = Counted(m._table)
m._window_block = -1
for c in codes:
    m.level(c)
reads = m._table.calls
m.write(f, codes[0])
print(reads, m._table.calls > reads)
"""

LIB = dict(mod="onenetlog", warm="m.describe(0); m.message(0)", level="m.level", message="m.message",
           describe="m.describe", write="lambda c: m.write(f, c)", count_reads=COUNT_READS)
NAIVE = dict(mod="naive", warm="", level="lambda c: m.TABLE[c][0]", message="lambda c: m.TABLE[c][2]",
             describe="lambda c: '%s %d %s | %s | %s' % ((m.TABLE[c][1], c) + m.TABLE[c][2:])",
             write="lambda c: f.write(('%s %d %s | %s | %s\\\\n' % ((m.TABLE[c][1], c) + m.TABLE[c][2:])).encode())",
             count_reads="print('-', '-')")


def naive_module(src):
    """The obvious table: {code: (level, service, message, reason, step)} in Chinese."""
    svc = src["services"]
    rows = [f"    {c['code']}: ({c['level']}, {svc[c['service']]['zh']!r}, {c['message']!r}, {c['reason_zh']!r}, "
            f"{c['hint_zh']!r})," for c in src["codes"]]
    return "# naive baseline: one tuple of str per code\nTABLE = {\n" + "\n".join(rows) + "\n}\n"


def synthetic(src, scale=SCALE):
    """src with each code made scale codes (code * scale + k, same text), the ranges widened."""
    out = copy.deepcopy(src)
    out["codes"] = [dict(c, code=c["code"] * scale + k) for c in src["codes"] for k in range(scale)]
    for s in out["services"]:
        s["ranges"] = [(lo * scale, hi * scale + scale - 1) for lo, hi in s["ranges"]]
    return out


def run_upy(script, cwd):
    done = subprocess.run([find_micropython(), "-X", f"heapsize={HEAP}", "-c", script], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or done.stdout.strip())
    return done.stdout.split()


def folder_size(path):
    return sum(os.path.getsize(os.path.join(b, n)) for b, _d, ns in os.walk(path) for n in ns)


def build_library(work, name, tier, src, inline=False):
    """work/name/onenetlog: the library as a board gets it (.mpy, table.bin) for src -> work/name."""
    pkg = os.path.join(work, name + "-src", "onenetlog")
    os.makedirs(pkg)
    for path in build.library_sources():
        shutil.copy2(path, pkg)
    generator.write_tier(tier, pkg, inline, src=src)
    dest = os.path.join(work, name)
    build.fill_mpy(pkg, dest)
    os.remove(os.path.join(dest, "main.py"))
    return dest


def build_naive(work, name, src):
    """work/name/naive.mpy: the naive baseline for src -> work/name."""
    folder = os.path.join(work, name)
    os.makedirs(folder)
    with open(os.path.join(folder, "src.py"), "w", encoding="utf-8") as f:
        f.write(naive_module(src))
    build.compile_mpy(os.path.join(folder, "src.py"), os.path.join(folder, "naive.mpy"), "naive.py")
    os.remove(os.path.join(folder, "src.py"))
    return folder


def libraries(work, data, all_tiers):
    """(name, folder, script parts) of what is measured on one table."""
    n = len(data["codes"])
    suffix = "" if all_tiers else f", {n} codes"  # a tier's name alone means the real table
    libs = [(f"onenetlog {t}{suffix}", build_library(work, f"{t}-{n}", t, data), LIB)
            for t in (build.TIERS if all_tiers else ("full",))]
    if all_tiers:  # a .mpy loads its constants into RAM: 10x the table inline outgrows the heap
        libs.append(("onenetlog full, inline (the freeze build, here as .mpy)",
                     build_library(work, f"inline-{n}", "full", data, inline=True), LIB))
    libs.append((f"naive dict (zh){suffix}", build_naive(work, f"naive-{n}", data), NAIVE))
    return libs


def bench_decoder(work, rounds=ROUNDS):
    """-> (a row per library and table, (table labels, rows of the targets))."""
    src = generator.load_source()
    rows, by = [], {}
    for data in (src, synthetic(src)):
        label = f"{len(data['codes'])} codes" + ("" if data is src else " (synthetic)")
        order = [c["code"] for c in data["codes"]]
        random.Random(9).shuffle(order)  # the same order for every library
        libs = libraries(work, data, data is src)
        best, reads = {}, {}
        for _ in range(SPELLS):
            for name, folder, which in libs:
                out = run_upy(DECODER.format(codes=repr(order), rounds=max(1, rounds // SPELLS), passes=PASSES,
                                             **which), folder)
                us = [float(x) for x in out[:4]]
                best[name] = [min(a, b) for a, b in zip(best[name], us)] if name in best else us
                reads[name] = out[4]
        for name, folder, which in libs:
            size = folder_size(os.path.join(folder, "onenetlog") if which is LIB else folder)
            heap = run_upy(HEAP_SCRIPT.format(**which), folder)
            rows.append([label, name, size] + heap + ["%.2f" % us for us in best[name]] + [reads[name]])
            by[label, name] = rows[-1]
    return rows, targets(by)


def targets(by):
    """The issue's targets from the measured rows: onenetlog full against the naive dict."""
    labels = list(dict.fromkeys(k[0] for k in by))
    lib = [next(by[k] for k in by if k[0] == lb and k[1].startswith("onenetlog full")) for lb in labels]
    naive = [next(by[k] for k in by if k[0] == lb and k[1].startswith("naive dict")) for lb in labels]

    def ratio(col):
        return ["%.2fx (%s / %s µs)" % (float(a[col]) / float(b[col]), a[col], b[col]) for a, b in zip(lib, naive)]

    codes = [int(lb.split()[0]) for lb in labels]
    per_code = (int(lib[1][3]) - int(lib[0][3])) / (codes[1] - codes[0])
    return labels, [
        ["describe() / naive dict", "<= 3x"] + ratio(7),
        ["write() / naive dict", "<= 2x"] + ratio(8),
        ["level(): table seeks and reads over every code", "0"] + [a[9] for a in lib],
        ["import heap B, onenetlog full / naive dict", "<= 6144"] + [f"{a[3]} / {b[3]}" for a, b in zip(lib, naive)],
        ["import heap B per code", "low"] + ["%.1f (from %d to %d codes)" % (per_code, codes[0], codes[1])] * 2,
    ]


def table(title, head, rows):
    """A Markdown table; rows are lists, or dicts whose keys are the head."""
    if rows and isinstance(rows[0], dict):
        head = list(rows[0])
        rows = [[r[k] for k in head] for r in rows]
    out = [title, "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-bench", description="benchmarks against same-run baselines")
    ap.add_argument("--only", default="decoder,logger,annotate")
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines for the annotate benchmark")
    ap.add_argument("--board", help="qemu: heap and flash on the emulated board instead (tools/bench_board.py)")
    ap.add_argument("--rounds", type=int, default=ROUNDS, help="timings per decoder call; the best counts")
    a = ap.parse_args(argv)
    if a.board:
        from .bench_board import main as board_main

        return board_main(a.board)
    parts = a.only.split(",")
    with tempfile.TemporaryDirectory() as work:
        if "decoder" in parts:
            rows, (labels, goals) = bench_decoder(work, a.rounds)
            for label in labels:
                print(table(f"Decoder, {label}, on the unix port (-X heapsize={HEAP}); µs per call, best of "
                            f"{a.rounds} timings of {PASSES} passes over every code in a shuffled order, same run",
                            ["library", "installed B", "import heap B", "heap B, str answers loaded", "µs level()",
                             "µs message()", "µs describe()", "µs write()", "level() reads"],
                            [r[1:] for r in rows if r[0] == label]))
                print()
            print(table("Decoder targets (onenetlog full against the naive dict, same run)",
                        ["what", "target"] + labels, goals))
            print()
        if "logger" in parts:
            from .bench_logger import bench_logger

            rows = bench_logger()
            print(table("Logger on the unix port", ["what", "figure", "baseline", "baseline figure"], rows))
            print()
        if "annotate" in parts:
            from .bench_annotate import bench_annotate

            print(table(f"annotate over {a.lines:,} lines (best of 3, same files, same run)", [],
                        bench_annotate(a.lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
