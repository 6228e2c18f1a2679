"""Benchmarks, each against a baseline measured in the same run, on the MicroPython unix port.
python -m onenetlog_tools.bench [--only decoder,logger,annotate] [--lines N]
python -m onenetlog_tools.bench --board qemu   (the emulated board: tools/bench_board.py)

decoder: per tier, the installed size, the heap an import costs, and µs per lookup; beside it a
naive baseline generated from the same data (a dict of tuples of str, compiled the same way).
"""

import argparse
import os
import subprocess
import sys
import tempfile

from . import build, generator
from .ptybridge import find_micropython

HEAP = "64k"
ROUNDS = 200  # passes over every code, per timing

# Runs on the unix port in the build folder; prints: import_heap us_message us_describe us_write
DECODER = """
import gc, time
gc.collect()
a = gc.mem_alloc()
import {mod} as m
gc.collect()
imp = gc.mem_alloc() - a
{setup}
f = open("/dev/null", "wb")
def timed(fn):
    t = time.ticks_us()
    for _ in range({rounds}):
        for c in codes:
            fn(c)
    return time.ticks_diff(time.ticks_us(), t) / ({rounds} * len(codes))
print(imp, "%.2f" % timed({message}), "%.2f" % timed({describe}), "%.2f" % timed({write}))
"""

LIB = dict(mod="onenetlog", setup="codes = m.codes(); m.describe(0)",
           message="m.message", describe="m.describe", write="lambda c: m.write(f, c)")
NAIVE = dict(mod="naive", setup="codes = list(m.TABLE)",
             message="lambda c: m.TABLE[c][1]",
             describe="lambda c: '%s %d %s | %s | %s' % ((m.TABLE[c][0], c) + m.TABLE[c][1:])",
             write="lambda c: f.write(('%s %d %s | %s | %s\\n' % ((m.TABLE[c][0], c) + m.TABLE[c][1:])).encode())")


def naive_module(src, fields=("reason_zh", "hint_zh")):
    """The obvious table: {code: (service, message, reason, step)} in Chinese."""
    svc = src["services"]
    rows = [f"    {c['code']}: ({svc[c['service']]['zh']!r}, {c['message']!r}, {c[fields[0]]!r}, {c[fields[1]]!r}),"
            for c in src["codes"]]
    return "# naive baseline: one tuple of str per code\nTABLE = {\n" + "\n".join(rows) + "\n}\n"


def run_upy(script, cwd):
    done = subprocess.run([find_micropython(), "-X", f"heapsize={HEAP}", "-c", script], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or done.stdout.strip())
    return done.stdout.split()


def folder_size(path):
    return sum(os.path.getsize(os.path.join(b, n)) for b, _d, ns in os.walk(path) for n in ns)


def bench_decoder(work):
    """Rows: name, installed bytes, import heap bytes, µs message(), µs describe(), µs write()."""
    rows = []
    for tier in build.TIERS:
        build.build(tier, work)
        path = os.path.join(work, tier)
        if os.path.exists(os.path.join(path, "main.py")):
            os.remove(os.path.join(path, "main.py"))
        size = folder_size(os.path.join(path, "onenetlog"))
        rows.append([f"onenetlog {tier}", size] + run_upy(DECODER.format(rounds=ROUNDS, **LIB), path))
    naive = os.path.join(work, "naive")
    os.makedirs(naive)
    with open(os.path.join(naive, "src.py"), "w", encoding="utf-8") as f:
        f.write(naive_module(generator.load_source()))
    build.compile_mpy(os.path.join(naive, "src.py"), os.path.join(naive, "naive.mpy"), "naive.py")
    os.remove(os.path.join(naive, "src.py"))
    rows.append(["naive dict (zh)", os.path.getsize(os.path.join(naive, "naive.mpy"))]
                + run_upy(DECODER.format(rounds=ROUNDS, **NAIVE), naive))
    return rows


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
    a = ap.parse_args(argv)
    if a.board:
        from .bench_board import main as board_main

        return board_main(a.board)
    parts = a.only.split(",")
    with tempfile.TemporaryDirectory() as work:
        if "decoder" in parts:
            print(table(f"Decoder on the unix port (-X heapsize={HEAP}; µs per call, mean over "
                        f"{ROUNDS} passes over every code)",
                        ["library", "installed B", "import heap B", "µs message()", "µs describe()", "µs write()"],
                        bench_decoder(work)))
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
