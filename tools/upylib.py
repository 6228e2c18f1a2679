"""Install micropython-lib's `logging` for the unix-port tests, with pip as the only client.
python -m onenetlog_tools.upylib [--dest DIR]   (default: .venv/micropython-lib; run by `make venv`)

What PyPI has: micropython-logging 0.5.2 (2019, from the pfalcon/micropython-lib line), the
newest release there. It has getLogger, Logger, Handler, StreamHandler, FileHandler,
Formatter, basicConfig and handlers.RotatingFileHandler; it has no Filter and no `extra=`.
Its sdist has no setup.py, so `pip download` fetches it, checks its pinned hash
(micropython-lib.txt beside this file), unpacks it and only then fails ("does not appear to
be a Python project"). With --no-clean pip leaves the unpacked tree in its build folder under
TMPDIR, which we point at a folder of our own; we take the .py files from there and check each
against the sha256 pinned below before installing it.
"""

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(ROOT, ".venv", "micropython-lib")
REQUIREMENTS = os.path.join(ROOT, "tools", "micropython-lib.txt")
PROJECT = "micropython-logging"
FILES = {
    "logging/__init__.py": "3309be14ec2d80ed27779f1fb3d688e8091c06cc5eb15ceb9549f27648a6c0c1",
    "logging/handlers.py": "6c762a30583d6a756a57776075dd4fdd7f03287c5056f90a0f6b50c05c8a77dd",
}
VERSION = "0.5.2"


class InstallError(Exception):
    """The files could not be had; the message says why."""


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def installed(dest=DEST):
    """True when dest already holds every pinned file, unchanged."""
    return all(os.path.isfile(os.path.join(dest, n)) and sha256(os.path.join(dest, n)) == h
               for n, h in FILES.items())


def fetch(work):
    """Let pip fetch, verify and unpack the sdist under work; returns the unpacked folder."""
    env = dict(os.environ, TMPDIR=work)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-clean", "--no-binary", ":all:",
           "--disable-pip-version-check", "-r", REQUIREMENTS, "-d", os.path.join(work, "dl")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    found = glob.glob(os.path.join(work, "pip-*", PROJECT.replace("-", "?") + "*", "logging"))
    if not found:
        last = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise InstallError(f"pip left no unpacked {PROJECT} (exit {done.returncode}): {last[-1]}")
    return os.path.dirname(found[0])


def install(dest=DEST):
    """Install the pinned files into dest (a folder for MicroPython's sys.path)."""
    if installed(dest):
        return False
    with tempfile.TemporaryDirectory(prefix="upylib-") as work:
        src = fetch(work)
        for name, want in FILES.items():
            path = os.path.join(src, name)
            if not os.path.isfile(path):
                raise InstallError(f"{PROJECT} {VERSION} has no {name}")
            if sha256(path) != want:
                raise InstallError(f"{PROJECT} {VERSION}: {name} does not match its pinned sha256")
        if os.path.isdir(os.path.join(dest, "logging")):
            shutil.rmtree(os.path.join(dest, "logging"))
        for name in FILES:
            os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
            shutil.copyfile(os.path.join(src, name), os.path.join(dest, name))
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-upylib", description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=DEST)
    args = ap.parse_args(argv)
    try:
        fresh = install(args.dest)
    except (InstallError, OSError, subprocess.TimeoutExpired) as err:
        print(f"upylib: error: {err}", file=sys.stderr)
        return 1
    print(f"{PROJECT} {VERSION} {'installed in' if fresh else 'already in'} {os.path.relpath(args.dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
