"""The README's first command: run board/main.py on the MicroPython unix port, from the .mpy
build in dist/full (what a board gets), with a board-sized heap.
python -m onenetlog_tools.demo [--tier full]"""

import argparse
import os
import subprocess
import sys

from . import build
from .ptybridge import find_micropython


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-demo", description=__doc__.splitlines()[0])
    ap.add_argument("--tier", choices=build.TIERS, default="full")
    a = ap.parse_args(argv)
    folder = build.out_dir(build.DIST, a.tier)
    if not os.path.isfile(os.path.join(folder, "main.py")):
        print(f"demo: no build in {folder}: run `onenetlog build --tier {a.tier}`", file=sys.stderr)
        return 1
    return subprocess.run([find_micropython(), "-X", "heapsize=64k", "main.py"], cwd=folder).returncode


if __name__ == "__main__":
    sys.exit(main())
