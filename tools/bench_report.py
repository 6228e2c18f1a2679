"""Benchmark of `onenetlog report` on a day of console at 10 lines/s (864,000 lines), beside
`onenetlog summary` on the same file (the same counting, no page) as the baseline measured in
the same run, best of several rounds; then the page's size and, where Debian's chromium is
installed, how long headless Chromium takes to load and lay it out beside a page of one line.

    python -m onenetlog_tools.bench_report [--lines N] [--rounds R]
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

# A day of a device: mostly successes, a token that expires, CoAP misses, plain lines between.
_PATTERN = (
    (b"I", b"general#200: - | Success id=%d -- property post"),
    (b"I", b"app: rx $sys/7ubgKi1vhm/dev1/thing/property/post/reply {\"id\":\"%d\",\"code\":200}"),
    (b"I", b"general#200: - | Success id=%d -- property post"),
    (b"D", b"app: heap %d free"),
    (b"E", b"mqtt#1104: token expired | Token has expired id=%d -- CONNECT refused"),
    (b"I", b"general#200: - | Success id=%d -- reconnected"),
    (b"W", b"coap#404: coap_not-found | Device resource not found id=%d -- coap get"),
    (b"I", b"app: sensor %d"),
    (b"W", b"mqtt#1401: abnormal offline | Device went offline abnormally id=%d -- offline_reason=CloseByPeer"),
    (b"E", b"thing#305: no thing-model | Thing model definition does not exist id=%d"),
)


def day_log(path, lines=864000, per_second=10, start=datetime.datetime(2026, 11, 26, 0, 0, 0), filler=b""):
    """Write a console of `lines` lines, per_second apart, in the line format with the board's
    wall clock; a version line at the start. filler: bytes appended to every plain line."""
    step = 1000 // per_second
    with open(path, "wb") as f:
        f.write(b"onenetlog VERSION 6463ff0e TIER full\n")
        chunk = []
        for i in range(lines):
            t = start + datetime.timedelta(milliseconds=i * step)
            level, body = _PATTERN[i % len(_PATTERN)]
            stamp = t.strftime("%Y-%m-%d %H:%M:%S").encode() + b".%03d" % (t.microsecond // 1000)
            chunk.append(level + b" (" + stamp + b") " + body % i + (filler if b"#" not in body else b"") + b"\n")
            if len(chunk) >= 10000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def _best(cmd, rounds):
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium_dump(page, timeout=120):
    """(seconds, DOM) of headless Chromium loading page and dumping its DOM; None if no chromium."""
    exe = shutil.which("chromium")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        t0 = time.perf_counter()
        done = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", f"file://{page}"],
                              capture_output=True, timeout=timeout)
        return time.perf_counter() - t0, done.stdout


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=864000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    tool = [sys.executable, "-m", "onenetlog_tools.cli"]
    with tempfile.TemporaryDirectory() as work:
        log = os.path.join(work, "day.log")
        page = os.path.join(work, "report.html")
        small = os.path.join(work, "small.html")
        one = os.path.join(work, "one.log")
        day_log(log, args.lines)
        day_log(one, 1)
        size = os.path.getsize(log)
        summary = _best([*tool, "summary", "--lang", "en", log], args.rounds)
        report = _best([*tool, "report", "--lang", "en", log, "-o", page], args.rounds)
        subprocess.run([*tool, "report", "--lang", "en", one, "-o", small], check=True, stderr=subprocess.DEVNULL)
        print(f"console: {args.lines} lines, {size / 1e6:.1f} MB")
        print(f"  onenetlog summary (baseline)  {summary:6.2f} s")
        print(f"  onenetlog report              {report:6.2f} s  page {os.path.getsize(page) / 1024:.0f} KB")
        big = [chromium_dump(page) for _ in range(args.rounds)]
        if big[0] is None:
            print("  chromium: not installed (apt-get install chromium); no load time")
            return 0
        base = min(chromium_dump(small)[0] for _ in range(args.rounds))
        print(f"  chromium --dump-dom, one-line page (baseline)  {base:6.2f} s")
        print(f"  chromium --dump-dom, the day's page            {min(t for t, _ in big):6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
