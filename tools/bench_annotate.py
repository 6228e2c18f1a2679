"""Benchmark: `onenetlog annotate` over a generated log against a plain Python line-copy loop.
python -m onenetlog_tools.bench_annotate [--lines N]

Both read the same file and write a file in the same folder, in the same run, alternating, best
of ROUNDS each. The main log cycles through MIX: a device console where one line in ten is a
status code in an anchored context that needs text from the host (a codes-tier status line or
a OneJSON reply), one in ten is a status line the device already decoded, and the rest are
plain lines, some with decoys (ports, addresses, heap sizes, `#3`, `decoder`). A second log,
WORST, is all codes-tier status lines: every line gets text.
"""

import argparse
import os
import sys
import tempfile
import time

from onenetlog_tools.annotate import SEP, Annotator

ROUNDS = 3
TRACE = "ab2fc05759a211ecbfd023bbbfff50a4"
# One cycle of the generated log; {t} ticks, {n} a sequence number. Comments: what annotate does.
MIX = (
    "I ({t}) wifi: connected rssi=-67 ip=192.168.1.20",
    "D ({t}) mqtt: connecting to 183.230.40.96:1883 keepalive=120",
    "D ({t}) mem: free=123456 alloc=45678 max_block=0x3ffb1234",
    "I ({t}) app: sensor temp=23.5 hum=41 seq={n}",
    'D ({t}) mqtt: publish $sys/Pk7x/dev1/thing/property/post {{"id":"{n}","version":"1.0","params":{{"temp":{{"value":23.5}}}}}}',
    "I ({t}) thing#200: - | Success id={n} type=1.2",  # decoded on the device: copied
    "D ({t}) app: decoder ready, 66 codes, batch #3 queued",  # decoys: copied
    "W ({t}) wifi: rssi low (-82 dBm), retry 2/5",
    "I ({t}) app: uptime 12345 s, heap 98304",
    "E ({t}) mqtt#1104: id={n} -- connect failed",  # codes tier: annotated
    "I ({t}) app: reading sensor bank 2 of 4",
    "D ({t}) net: dns 183.230.40.96 ttl=300",
    'I ({t}) mqtt: rx $sys/Pk7x/dev1/thing/property/post/reply {{"id":"{n}","code":305,"msg":"no thing-model"}}',  # annotated
    "I ({t}) app: sleeping 1000 ms",
    "W ({t}) thing#305: no thing-model | Thing model definition does not exist id={n}",  # decoded: copied
    "D ({t}) app: gc collect freed 2048 bytes",
    "I ({t}) app: button pressed, count={n}",
    "D ({t}) coap: POST $sys/Pk7x/dev1/login 2.01 in 87 ms",
    "I ({t}) app: led on",
    "D ({t}) app: idle",
)
# The worst case: a codes-tier device where every line is a status code.
WORST = ("E ({t}) mqtt#1104: id={n} -- connect failed", "W ({t}) coap#404: trace=" + TRACE,
         "E ({t}) thing#305: id={n} type=1.2", "I ({t}) general#200: id={n}")


def write_log(path, lines, mix=MIX):
    """Write a lines-long log cycling through mix; returns its size in bytes."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for start in range(0, lines, 10000):
            f.write("".join(mix[i % len(mix)].format(t=1000 + i, n=i) + "\n"
                            for i in range(start, min(lines, start + 10000))))
    return os.path.getsize(path)


def copy_loop(src, dst):
    """The baseline: a plain Python line-copy loop."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for line in fin:
            fout.write(line)


def annotate_file(src, dst, annotator):
    """What `onenetlog annotate SRC > DST` does."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        annotator.stream(fin, fout)


def _timed(fn, *args):
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def bench_annotate(lines=1_000_000):
    """Rows (dicts: log, what, lines, MB, seconds, MB/s, lines/s, % of copy loop, annotated) for
    the copy loop and annotate over the console MIX, then over WORST. Prints nothing."""
    annotator = Annotator(lang="en")
    rows = []
    with tempfile.TemporaryDirectory(prefix="onenetlog-bench-") as tmp:
        for name, mix in (("console mix", MIX), ("every line needs text", WORST)):
            src = os.path.join(tmp, "console.log")
            size = write_log(src, lines, mix)
            dst = os.path.join(tmp, "out.log")
            copy_t = ann_t = float("inf")
            for _ in range(ROUNDS):
                copy_t = min(copy_t, _timed(copy_loop, src, dst))
                ann_t = min(ann_t, _timed(annotate_file, src, dst, annotator))
            with open(dst, "rb") as f:
                annotated = sum(1 for line in f if SEP in line)
            for what, sec in (("python line-copy loop", copy_t), ("onenetlog annotate", ann_t)):
                rows.append({"log": name, "what": what, "lines": lines, "MB": round(size / 1e6, 1),
                             "seconds": round(sec, 3), "MB/s": round(size / sec / 1e6, 1),
                             "lines/s": round(lines / sec), "% of copy loop": round(100 * copy_t / sec, 1),
                             "annotated": annotated if what == "onenetlog annotate" else 0})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    rows = bench_annotate(args.lines)
    keys = list(rows[0])
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(str(r[k]) for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
