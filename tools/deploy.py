"""Deploy a built tier (what `onenetlog build` wrote) to a MicroPython board with mpremote, then verify it there.
onenetlog deploy --tier full [--dir DIR] [--port PORT|auto] [--target /lib] [--main-dir /|none]

Steps: make the folders and drop stale files (a left-over .py would shadow its .mpy), copy
with `mpremote fs cp`, hash every file on the board (sha256 via hashlib) against the host,
then import the package there and print its VERSION, TIER and a sample decode. A VERSION
other than the host's fresh table for the same tier is a warning. Never soft-resets the board.
"""

import hashlib
import os
import subprocess
import sys

from onenetlog_tools import build
from onenetlog_tools.usage import Parser

PACKAGE = build.PACKAGE
SAMPLE_CODE = 1104
MARK = "@@"

# Board-side scripts; %r slots are filled on the host. Every failure prints one marked line.
PREPARE = """
import os
def _mkdirs(path):
    cur = ''
    for part in path.split('/'):
        if part:
            cur += '/' + part
            try:
                os.mkdir(cur)
            except OSError:
                pass
    if not os.stat(path)[0] & 0x4000:
        raise OSError('not a folder: ' + path)
try:
    for _d in %r:
        _mkdirs(_d)
    for _n in os.listdir(%r):
        if _n not in %r:
            os.remove(%r + '/' + _n)
            print('@@RM', _n)
    print('@@READY')
except Exception as e:
    print('@@ERR', type(e).__name__, e)
"""

VERIFY = """
import sys, binascii
try:
    import hashlib
    _sha = hashlib.sha256
except (ImportError, AttributeError):
    _sha = None
def _digest(path):
    buf = bytearray(256)
    h = _sha()
    with open(path, 'rb') as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(memoryview(buf)[:n])
    return binascii.hexlify(h.digest()).decode()
for _p in %r:
    try:
        if _sha:
            print('@@H', _p, _digest(_p))
        else:
            print('@@D', _p, binascii.hexlify(open(_p, 'rb').read()).decode())
    except OSError:
        print('@@H', _p, 'missing')
for _k in list(sys.modules):
    if _k == 'onenetlog' or _k.startswith('onenetlog.'):
        del sys.modules[_k]
sys.path.insert(0, %r)
try:
    import onenetlog
    print('@@VERSION', onenetlog.VERSION)
    print('@@TIER', onenetlog.TIER)
    _codes = onenetlog.codes()
    _c = %r if %r in _codes else _codes[0]
    print('@@CODES', len(_codes))
    print('@@SAMPLE', _c, onenetlog.describe(_c, 'en'))
except Exception as e:
    print('@@ERR', type(e).__name__, e)
finally:
    sys.path.pop(0)
"""


class DeployError(Exception):
    """Deployment failed; the message is the one line shown to the user."""


def find_port(port):
    """The serial device to use: `auto` picks the first USB serial port."""
    if port != "auto":
        if port.startswith("/") and not os.path.exists(port):
            raise DeployError(f"no board at {port} (no such device)")
        return port
    from serial.tools import list_ports

    usb = [p.device for p in sorted(list_ports.comports()) if p.vid is not None]
    if not usb:
        raise DeployError("no board found: no USB serial port is attached (use --port)")
    return usb[0]


def dist_files(root, tier):
    """Files of the build in root, relative to it, with '/' separators."""
    if not os.path.isfile(os.path.join(root, PACKAGE, "__init__.mpy")):
        raise DeployError(f"{root} is not built; run `onenetlog build --tier {tier} --out {root}`")
    return [os.path.relpath(p, root).replace(os.sep, "/") for p in build.list_files(root)]


def board_path(rel, target, main_dir):
    """Where one dist file goes on the board."""
    if rel.startswith(PACKAGE + "/"):
        return f"{target.rstrip('/')}/{rel}"
    return f"{main_dir.rstrip('/')}/{rel}"


def plan(files, target, main_dir):
    """{relative dist path: board path}; main.py is skipped when main_dir is None."""
    out = {}
    for rel in files:
        if rel.startswith(PACKAGE + "/") or (rel == "main.py" and main_dir is not None):
            out[rel] = board_path(rel, target, main_dir or "/")
    return out


class Board:
    """One mpremote command line per call, each bounded by a timeout."""

    def __init__(self, port, timeout):
        self.port = port
        self.timeout = timeout

    def run(self, *args, what):
        cmd = [sys.executable, "-m", "mpremote", "connect", self.port, "resume", *args]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise DeployError(f"{what}: board at {self.port} did not answer in {self.timeout:g} s (busy or absent)") from None
        out = done.stdout.decode("utf-8", "replace")
        if done.returncode != 0:
            raise DeployError(f"{what}: {last_line(done.stderr.decode('utf-8', 'replace') + out)}")
        return out

    def exec(self, script, what):
        out = self.run("exec", script, what=what)
        marks = marked(out)
        if "ERR" in marks:
            raise DeployError(f"{what} failed on the board: {marks['ERR'][-1]}")
        return marks


def last_line(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "mpremote failed with no output"


def marked(text):
    """{'KEY': [rest of line, ...]} for every '@@KEY rest' line."""
    out = {}
    for line in text.splitlines():
        if line.startswith(MARK):
            key, _, rest = line[len(MARK):].partition(" ")
            out.setdefault(key, []).append(rest.rstrip("\r"))
    return out


def prepare(board, files, target, main_dir):
    pkg_dir = f"{target.rstrip('/')}/{PACKAGE}"
    names = [rel.split("/", 1)[1] for rel in files if rel.startswith(PACKAGE + "/")]
    dirs = [pkg_dir] + ([main_dir] if main_dir and main_dir != "/" else [])
    marks = board.exec(PREPARE % (dirs, pkg_dir, names, pkg_dir), "preparing folders")
    if "READY" not in marks:
        raise DeployError("preparing folders: no answer from the board's REPL")
    return [f"{pkg_dir}/{n}" for n in marks.get("RM", [])]


def copy(board, root, mapping):
    """One mpremote call: fs cp for every file, chained with '+'."""
    args = []
    for rel, dest in sorted(mapping.items()):
        args += (["+"] if args else []) + ["fs", "cp", os.path.join(root, rel), ":" + dest]
    board.run(*args, what="copy")


def host_hashes(root, mapping):
    out = {}
    for rel, dest in mapping.items():
        with open(os.path.join(root, rel), "rb") as f:
            out[dest] = hashlib.sha256(f.read()).hexdigest()
    return out


def board_hashes(marks):
    out = {}
    for line in marks.get("H", []):
        path, _, digest = line.rpartition(" ")
        out[path] = digest
    for line in marks.get("D", []):
        path, _, data = line.rpartition(" ")
        out[path] = hashlib.sha256(bytes.fromhex(data)).hexdigest()
    return out


def compare_hashes(want, got):
    bad = [p for p in sorted(want) if got.get(p) != want[p]]
    if bad:
        raise DeployError(f"verify: {len(bad)} file(s) differ on the board, first {bad[0]} ({got.get(bad[0], 'no answer')})")


def check(marks, tier, expect_version):
    """Lines to print about the board's import; warns on a version mismatch."""
    got = {k: marks.get(k, ["?"])[0] for k in ("VERSION", "TIER", "CODES", "SAMPLE")}
    lines = [f"board: onenetlog VERSION {got['VERSION']} TIER {got['TIER']}, {got['CODES']} codes",
             f"board: sample {got['SAMPLE']}"]
    if got["TIER"] != tier:
        raise DeployError(f"self-check: board imported tier {got['TIER']}, expected {tier}")
    if got["VERSION"] != expect_version:
        lines.append(f"warning: board VERSION {got['VERSION']} differs from the host's {expect_version} "
                     f"for tier {tier}; rebuild with `onenetlog build --tier {tier}`")
    return lines


def deploy(tier, port, target, main_dir, folder, timeout):
    """Copy, verify and self-check; returns the lines to print."""
    if not target.startswith("/") or (main_dir and not main_dir.startswith("/")):
        raise DeployError("--target and --main-dir must be absolute board paths")
    files = dist_files(folder, tier)
    mapping = plan(files, target, main_dir)
    board = Board(find_port(port), timeout)
    lines = [f"deploy: tier {tier} -> {board.port}:{target.rstrip('/')}/{PACKAGE}"]
    lines += [f"removed stale {p}" for p in prepare(board, files, target, main_dir)]
    copy(board, folder, mapping)
    want = host_hashes(folder, mapping)
    marks = board.exec(VERIFY % (sorted(want), target, SAMPLE_CODE, SAMPLE_CODE), "verify")
    compare_hashes(want, board_hashes(marks))
    lines += [f"{os.path.getsize(os.path.join(folder, rel)):8d}  sha256 ok  {dest}"
              for rel, dest in sorted(mapping.items())]
    return lines + check(marks, tier, build.table_version(tier))


def main(argv=None):
    ap = Parser(prog="onenetlog deploy", description=__doc__.splitlines()[0])
    ap.add_argument("--tier", choices=build.TIERS, default="full")
    ap.add_argument("--port", default="auto", help="serial device or mpremote port (default: first USB serial)")
    ap.add_argument("--target", default="/lib", help="board folder that receives onenetlog/ (default /lib)")
    ap.add_argument("--main-dir", default="/", help="board folder for main.py, or 'none' to skip it")
    ap.add_argument("--dir", metavar="DIR", help="the build to copy: the folder `onenetlog build --out DIR` wrote "
                                             "(default: dist/<tier> in the working directory)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per mpremote call")
    args = ap.parse_args(argv)
    main_dir = None if args.main_dir.lower() == "none" else args.main_dir
    try:
        lines = deploy(args.tier, args.port, args.target, main_dir, os.path.abspath(args.dir or build.out_dir(build.DIST, args.tier)), args.timeout)
    except (DeployError, build.BuildError, OSError) as err:
        print(f"onenetlog deploy: error: {err}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
