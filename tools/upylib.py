"""Install micropython-lib's `logging` and `umqtt.simple` for the unix-port tests, with pip as the only client.
python -m onenetlog_tools.upylib [--dest DIR]   (default: .venv/micropython-lib; run by `make venv`)

What PyPI has: micropython-logging 0.5.2 (2019, from the pfalcon/micropython-lib line), the
newest release there. It has getLogger, Logger, Handler, StreamHandler, FileHandler,
Formatter, basicConfig and handlers.RotatingFileHandler; it has no Filter and no `extra=`.
Its sdist has no setup.py, so `pip download` fetches it, checks its pinned hash
(micropython-lib.txt beside this file), unpacks it and only then fails ("does not appear to
be a Python project"). With --no-clean pip leaves the unpacked tree in its build folder under
TMPDIR, which we point at a folder of our own; we take the .py files from there and check each
against the sha256 pinned below before installing it.

micropython-umqtt.simple 1.3.4 (2017), the newest on PyPI, comes the same way (one sdist, no
setup.py). It imports usocket, ustruct and ubinascii, which MicroPython 1.29 still answers.
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
UMQTT = "micropython-umqtt.simple"
UMQTT_VERSION = "1.3.4"
UMQTT_FILES = {"umqtt/simple.py": "8555d2f654deb8eb0d724f79b0811a78cc94029d070f3d96bbd74288653d63a5"}
PINS = {PROJECT: (VERSION, FILES), UMQTT: (UMQTT_VERSION, UMQTT_FILES)}  # project -> version, files


class InstallError(Exception):
    """The files could not be had; the message says why."""


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def installed(dest=DEST, project=None):
    """True when dest already holds every pinned file (of project, default all), unchanged."""
    return all(os.path.isfile(os.path.join(dest, n)) and sha256(os.path.join(dest, n)) == h
               for p, (_v, files) in PINS.items() if project in (None, p) for n, h in files.items())


def requirement(project):
    """project's pinned line of micropython-lib.txt, as a requirements file of its own text."""
    with open(REQUIREMENTS, encoding="utf-8") as f:
        for line in f:
            if line.split("==")[0].strip() == project:
                return line
    raise InstallError(f"{os.path.relpath(REQUIREMENTS)} pins no {project}")


def fetch(work, project=PROJECT):
    """Let pip fetch, verify and unpack project's sdist under work; returns the unpacked folder."""
    env = dict(os.environ, TMPDIR=work)
    req = os.path.join(work, "requirements.txt")
    with open(req, "w", encoding="utf-8") as f:
        f.write(requirement(project))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-clean", "--no-binary", ":all:",
           "--disable-pip-version-check", "-r", req, "-d", os.path.join(work, "dl")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    top = next(iter(PINS[project][1])).split("/")[0]
    pattern = project.replace("-", "?").replace(".", "?") + "*"
    found = glob.glob(os.path.join(work, "pip-*", pattern, top))
    if not found:
        last = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise InstallError(f"pip left no unpacked {project} (exit {done.returncode}): {last[-1]}")
    return os.path.dirname(found[0])


def install(dest=DEST):
    """Install the pinned files of every project into dest (a folder for MicroPython's sys.path)."""
    fresh = False
    for project, (version, files) in PINS.items():
        if installed(dest, project):
            continue
        with tempfile.TemporaryDirectory(prefix="upylib-") as work:
            src = fetch(work, project)
            for name, want in files.items():
                path = os.path.join(src, name)
                if not os.path.isfile(path):
                    raise InstallError(f"{project} {version} has no {name}")
                if sha256(path) != want:
                    raise InstallError(f"{project} {version}: {name} does not match its pinned sha256")
            for top in {n.split("/")[0] for n in files}:
                if os.path.isdir(os.path.join(dest, top)):
                    shutil.rmtree(os.path.join(dest, top))
            for name in files:
                os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
                shutil.copyfile(os.path.join(src, name), os.path.join(dest, name))
        fresh = True
    return fresh


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-upylib", description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=DEST)
    args = ap.parse_args(argv)
    try:
        fresh = install(args.dest)
    except (InstallError, OSError, subprocess.TimeoutExpired) as err:
        print(f"upylib: error: {err}", file=sys.stderr)
        return 1
    pins = ", ".join(f"{p} {v}" for p, (v, _f) in PINS.items())
    print(f"{pins} {'installed in' if fresh else 'already in'} {os.path.relpath(args.dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
