"""The host tool as a user installs it: the wheel, built from a copy of the checkout, installed
(not editable) into a fresh venv, run from a folder outside the repository. Every subcommand
must answer as the checkout's does, on real input, without a traceback; the wheel ships
exactly the package, the board files and its metadata."""

import email.parser
import re
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

import onenetlog
from onenetlog_tools import build

ROOT = build.ROOT
GOLDEN = os.path.join(ROOT, "tests", "golden")
INSTALL_TIMEOUT = 600
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "dist", "build", "*.egg-info", "__pycache__", ".pytest_cache")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built with the checkout's pinned setuptools from a copy (no build/ or
    egg-info left in the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORE)
    out = work / "out"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("onenetlog-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """{onenetlog, python, site, home}: a fresh venv with the wheel and its pinned dependencies."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    assert done.returncode == 0, "pip install of the wheel (its dependencies come from the package index): " \
        + done.stderr[-2000:]
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    home = tmp_path_factory.mktemp("user")  # outside the repository, like a user's folder
    return {"onenetlog": str(venv / "bin" / "onenetlog"), "python": python, "site": site, "home": home}


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ONENETLOG", "VIRTUAL_ENV"))}
    return {**env, "COLUMNS": "100", **extra}


def run(inst, *args, data=None, rc=0):
    done = subprocess.run([inst["onenetlog"], *args], input=data, capture_output=True, cwd=inst["home"],
                          env=clean_env(), timeout=300)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    assert done.returncode == rc, (args, done.returncode, done.stderr.decode())
    return done


def checkout(*args, data=None):
    """The same command from the checkout's editable install: the answer to match."""
    done = subprocess.run([sys.executable, "-m", "onenetlog_tools.cli", *args], input=data, capture_output=True,
                          cwd=ROOT, env=clean_env(), timeout=300)
    return done


def same(inst, *args, data=None, rc=0):
    got = run(inst, *args, data=data, rc=rc)
    want = checkout(*args, data=data)
    assert (got.stdout, got.stderr) == (want.stdout, want.stderr), args
    return got.stdout.decode("utf-8")


# -- what the wheel holds ----------------------------------------------------------------------

def test_wheel_ships_the_package_the_board_files_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    files = {n for n in names if ".dist-info/" not in n}
    want = {f"onenetlog/{n}" for n in os.listdir(build.LIB_DIR) if n.endswith((".py", ".bin"))}
    want |= {f"onenetlog_tools/{n}" for n in os.listdir(os.path.join(ROOT, "tools")) if n.endswith(".py")}
    want |= {f"onenetlog_tools/board/{n}" for n in ("main.py", "manifest.py")}
    want |= {f"onenetlog_tools/templates/{n}" for n in os.listdir(os.path.join(ROOT, "tools", "templates"))}
    assert files == want
    assert "onenetlog_tools/source_data.py" in files and "onenetlog/table.bin" in files
    assert not any(n.startswith(("tests/", "dist/", "source/", "build/")) or "/dist/" in n for n in names)
    info = {n.split("/", 1)[1] for n in names if ".dist-info/" in n}
    assert info == {"METADATA", "WHEEL", "RECORD", "entry_points.txt", "top_level.txt", "licenses/LICENSE"}


def test_wheel_metadata(wheel):
    z = zipfile.ZipFile(wheel)
    info = next(n.split("/")[0] for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    meta = email.parser.Parser().parsestr(z.read(f"{info}/METADATA").decode("utf-8"))
    assert meta["Name"] == "onenetlog" and meta["Version"] == build.project_version()
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert z.read(f"{info}/licenses/LICENSE") == open(os.path.join(ROOT, "LICENSE"), "rb").read()
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip() == open(os.path.join(ROOT, "README.md"), encoding="utf-8").read().strip()
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: Implementation :: MicroPython" in classifiers
    assert "Topic :: Software Development :: Embedded Systems" in classifiers
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues"} <= set(urls) and all(u.startswith("https://") for u in urls.values())
    assert all("==" in r for r in meta.get_all("Requires-Dist")), "dependencies are pinned"
    assert meta["Requires-Python"] == ">=3.11"
    entry = z.read(f"{info}/entry_points.txt").decode()
    assert "[console_scripts]\nonenetlog = onenetlog_tools.cli:main" in entry


# -- every subcommand, installed ---------------------------------------------------------------

COMMANDS = ("lookup", "list", "annotate", "monitor", "trace", "summary", "report", "build", "deploy")


def test_help_of_every_command(installed):
    top = run(installed, "--help").stdout.decode()
    for name in COMMANDS:
        assert name in top
        out = run(installed, name, "--help").stdout.decode()
        assert out.startswith("usage: onenetlog " + name), name
    assert "--out DIR write into DIR itself" in " ".join(run(installed, "build", "--help").stdout.decode().split())
    version = run(installed, "--version").stdout.decode()
    assert version == f"onenetlog {build.project_version()}, table version {onenetlog.VERSION} tier full\n"


def test_the_installed_tool_reads_its_own_package(installed):
    done = subprocess.run([installed["python"], "-c", "import onenetlog, onenetlog_tools; "
                           "print(onenetlog.__file__); print(onenetlog_tools.__file__)"],
                          capture_output=True, text=True, cwd=installed["home"], env=clean_env(), check=True)
    assert all(p.startswith(installed["site"]) for p in done.stdout.split())


def test_lookup_in_every_form(installed):
    out = same(installed, "lookup", "1104", "4.04", "0x84", " 2001 ", "3001", "--lang", "en", "--color", "never")
    assert out.startswith("1104  MQTT access (mqtt)  error\n  message  token expired\n")
    assert "404 (from 4.04)" in out and "404 (from 0x84)" in out and "parameter error (newer page)" in out
    doc = json.loads(same(installed, "lookup", "1104", "4.04", "3001", "--json"))
    assert [e["code"] for e in doc] == [1104, 404, 3001]
    assert doc[0]["reason"] == onenetlog.reason(1104, "zh") and doc[2]["other_messages"] == ["parameter error"]
    err = same(installed, "lookup", "1113", "x1", rc=1)
    assert "1113" in err


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_list_in_every_format_and_filter(installed, fmt):
    for filters in ([], ["--service", "mqtt"], ["--service", "HTTP推送服务"], ["--type", "1.2"], ["--type", "1"],
                    ["--level", "error"], ["codes"], ["types"], ["--lang", "en"]):
        same(installed, "list", "--format", fmt, "--color", "never", *filters)
    if fmt == "json":
        doc = json.loads(run(installed, "list", "--format", "json", "--type", "1.2").stdout)
        assert len(doc["codes"]) == 42 and [t["type"] for t in doc["business_types"]] == ["1.2"]


def test_annotate_summary_and_trace_on_real_input(installed):
    for tier in ("full", "codes"):
        log = os.path.join(GOLDEN, f"device-{tier}.log")
        for lang in ("en", "zh"):
            out = run(installed, "annotate", log, "--lang", lang, "--color", "never").stdout
            assert out == open(os.path.join(GOLDEN, f"device-{tier}.{lang}.out"), "rb").read()
        data = open(log, "rb").read()
        assert run(installed, "annotate", "--no-decode", data=data).stdout == data
        same(installed, "summary", log, "--color", "never")
        doc = json.loads(same(installed, "summary", log, "--json"))
        assert doc["codes"] and doc["services"]
    export = os.path.join(GOLDEN, "trace-export.json")
    for lang in ("en", "zh"):
        out = run(installed, "trace", export, "--lang", lang, "--color", "never").stdout
        assert out == open(os.path.join(GOLDEN, f"trace-export.{lang}.txt"), "rb").read()
    missing = os.path.join(installed["home"], "no-such.log")
    assert run(installed, "summary", missing, rc=1).stderr.decode() == f"onenetlog summary: error: {missing}: no such file\n"


@pytest.mark.parametrize("freeze", [False, True], ids=["mpy", "freeze"])
def test_build_of_every_tier_writes_only_where_told(installed, freeze, tmp_path):
    before = sorted(os.listdir(installed["site"]))
    for tier in build.TIERS:
        dest = os.path.join(installed["home"], "fw" if freeze else "out", tier)
        run(installed, "build", "--tier", tier, "--out", dest, *(["--freeze"] if freeze else []))
        want = tmp_path / tier
        build.build_into(tier, str(want), freeze=freeze)
        got_files = [os.path.relpath(p, dest) for p in build.list_files(dest)]
        assert got_files == [os.path.relpath(p, want) for p in build.list_files(str(want))]
        for rel in got_files:
            assert open(os.path.join(dest, rel), "rb").read() == (want / rel).read_bytes(), (tier, rel)
    assert sorted(os.listdir(installed["site"])) == before  # no dist/ in site-packages
    run(installed, "build", "--tier", "min")  # the default: dist/min in the working directory
    assert os.path.isfile(os.path.join(installed["home"], "dist", "min", "onenetlog", "__init__.mpy"))


def test_deploy_and_monitor_without_a_board_are_one_line(installed):
    err = run(installed, "deploy", "--tier", "min", "--port", "/dev/no-such-board", rc=1).stderr.decode()
    assert err.startswith("onenetlog deploy: error: ") and err.count("\n") == 1
    err = run(installed, "monitor", "--port", "/dev/no-such-board", rc=1).stderr.decode()
    assert err.startswith("onenetlog monitor: error: ") and err.count("\n") == 1


def test_report_renders_from_its_packaged_template(installed):
    page = os.path.join(installed["home"], "report.html")
    run(installed, "report", "--lang", "en", os.path.join(GOLDEN, "session.log"),
        os.path.join(GOLDEN, "trace-export.json"), "-o", page)
    text = open(page, encoding="utf-8").read()
    assert "Summary: " in text and 'id="chart-wall"' in text and "failing hop" in text and "6463ff0e" in text


# -- the README's commands, as shown -----------------------------------------------------------

README = os.path.join(ROOT, "README.md")
NOT_RUN = "<!-- readme-test: not run ("


def readme_blocks():
    """[(language, marker line before the fence, body lines dedented, line number of the first)]
    of README's fenced blocks."""
    lines = open(README, encoding="utf-8").read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^( *)```(\w*)$", lines[i])
        if not fence:
            i += 1
            continue
        indent, lang = len(fence.group(1)), fence.group(2)
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        blocks.append((lang, before, [line[indent:] for line in lines[i + 1:end]], i + 2))
        i = end + 1
    return blocks


def console_steps(body):
    """[(command, expected output)] of a console block: `$ ` lines and what follows each."""
    steps = []
    for line in body:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before any command: {line!r}"
            steps[-1][1].append(line)
    return [(cmd, "\n".join(out)) for cmd, out in steps]


def test_every_console_block_runs_or_says_why_not():
    blocks = [(m, body) for lang, m, body, _at in readme_blocks() if lang == "console"]
    assert blocks
    for marker, body in blocks:
        if marker.startswith("<!--") and "readme-test" in marker:
            assert marker.startswith(NOT_RUN) and marker.endswith(") -->"), marker
        assert all(line.startswith("$ ") for line in body[:1]), body


def test_readme_console_blocks_print_what_they_show(installed):
    work = os.path.join(installed["home"], "readme")
    os.makedirs(work)
    env = clean_env(PATH=os.path.dirname(installed["onenetlog"]) + os.pathsep + os.environ["PATH"])
    del env["COLUMNS"]
    ran = 0
    for lang, marker, body, _at in readme_blocks():
        if lang != "console" or marker.startswith(NOT_RUN):
            continue
        for cmd, want in console_steps(body):
            done = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, cwd=work,
                                  env=env, timeout=300)
            got = (done.stdout + done.stderr).decode("utf-8").rstrip("\n")
            assert done.returncode == 0, f"{cmd}: exit {done.returncode}\n{got}"
            assert got.split("\n") == want.split("\n") if want else got == "", f"README shows for `{cmd}`:\n{want}\nit prints:\n{got}"
            ran += 1
    assert ran >= 8


def test_readme_python_sessions_answer_as_shown():
    import doctest

    sessions = [("\n".join(body), at - 1) for lang, _m, body, at in readme_blocks() if lang == "pycon"]
    assert sessions
    for text, at in sessions:
        test = doctest.DocTestParser().get_doctest(text, {}, "README.md", README, at)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0 and runner.tries > 5, "a README example answers otherwise (doctest report above)"


def size_rows(path, column):
    """{tier: figure} from the table in path whose header has `column`, first column the tier."""
    rows = {}
    head = None
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and column in cells:
            head = cells.index(column)
        elif head is not None and line.startswith("|") and not set(line) <= set("|-\n"):
            rows[cells[0].replace("onenetlog ", "")] = cells[head]
        elif not line.startswith("|"):
            head = None
    return rows


def test_tier_sizes_in_readme_and_benchmarks_are_what_build_prints(installed):
    printed = {}
    for tier in build.TIERS:
        out = run(installed, "build", "--tier", tier, "--out", os.path.join(installed["home"], "sizes", tier))
        (line,) = [x for x in out.stdout.decode().splitlines() if x.endswith("library (onenetlog/)")]
        printed[tier] = line.split()[0]
    readme = size_rows(README, "library B")
    bench = size_rows(os.path.join(ROOT, "docs", "benchmarks.md"), "installed B")
    fix = "\n".join(f"| {t} | {printed[t]} |" for t in build.TIERS)
    assert readme == printed, f"README's size table; build prints:\n{fix}"
    assert {t: bench[t] for t in build.TIERS} == printed, f"docs/benchmarks.md's installed B; build prints:\n{fix}"


def test_readme_deploy_answer_is_what_deploy_prints():
    from onenetlog_tools import deploy

    text = open(README, encoding="utf-8").read()
    shown = [line.strip() for line in text.splitlines() if line.strip().startswith("board: ")]
    tier = re.search(r"onenetlog deploy --tier (\w+)", text).group(1)
    marks = {"VERSION": [build.table_version(tier)], "TIER": [tier], "CODES": [str(len(onenetlog.codes()))],
             "SAMPLE": [f"{deploy.SAMPLE_CODE} {onenetlog.describe(deploy.SAMPLE_CODE, 'en')}"]}
    assert shown == deploy.check(marks, tier, build.table_version(tier))


def test_every_option_the_readme_names_exists(installed):
    text = open(README, encoding="utf-8").read()
    spans = re.findall(r"`(onenetlog [a-z]+[^`]*)`", text) + re.findall(r"^\s*\$ (onenetlog [a-z]+.*)$", text, re.M)
    helps = {}
    for span in spans:
        words = span.split()
        # a command with subcommands of its own (token make|check) is asked at that depth
        sub = " ".join(words[1:3]) if words[1] == "token" and words[2:3] in (["make"], ["check"]) else words[1]
        if sub not in helps:
            helps[sub] = run(installed, *sub.split(), "--help").stdout.decode()
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", span):
            assert flag in helps[sub], f"README: `{span}`: onenetlog {sub} has no {flag}"
    assert len(helps) >= 7


def test_readme_says_which_micropython_it_is():
    from onenetlog_tools.ptybridge import find_micropython

    done = subprocess.run([find_micropython(), "-c", "import sys; print(sys.implementation.version)"],
                          capture_output=True, text=True, timeout=60)
    major, minor, micro, *release = eval(done.stdout)  # a tuple literal such as (1, 29, 0, 'preview')
    name = f"MicroPython {major}.{minor}" + (f" {release[0]}" if release and release[0] else "")
    text = " ".join(open(README, encoding="utf-8").read().split())
    assert name in text, f"the unix port the tests run is {name}"
