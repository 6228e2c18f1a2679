"""onenetlog: OneNET device-log status codes on the host.

Decoding comes from lib/onenetlog, the same generated table the board runs. Exit status: 0 on
success, 1 on an error (or an unknown code for lookup, a failed response for trace), 2 for a
usage error, 130 after Ctrl-C while reading input (monitor: 0 when Ctrl-] or a signal ends it).
"""

import argparse
import csv
import io
import json
import os
import sys

import onenetlog

from onenetlog_tools import annotate as ann
from onenetlog_tools.term import Style, cells, clip, pad, table, term_width, use_color, wrap
from onenetlog_tools.usage import Parser

PROG = "onenetlog"
LANGS = ("zh", "en")
LEVEL_NAMES = {20: "info", 30: "warning", 40: "error"}
LEVEL_MARKS = {20: "I", 30: "W", 40: "E"}
PASS_THROUGH = {"build": "onenetlog_tools.build", "deploy": "onenetlog_tools.deploy",
                "token": "onenetlog_tools.token_cli"}


class Failure(Exception):
    """An error for the user: printed as one line, exit status 1."""


# -- inputs ------------------------------------------------------------------------------------

def open_input(path):
    """Binary stream for FILE or '-' (stdin). Missing or unreadable files are a Failure."""
    if path in (None, "-"):
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise Failure(f"{path}: no such file") from None
    except IsADirectoryError:
        raise Failure(f"{path}: is a directory") from None
    except OSError as err:
        raise Failure(f"{path}: {err.strerror or err}") from None


class Reader:
    """An input whose read errors are a Failure naming it; any other error (writing the output,
    a bug) is not blamed on the input."""

    def __init__(self, f, path):
        self.f = f
        self.name = "<stdin>" if path in (None, "-") else path

    def read1(self, size=-1):
        try:
            return self.f.read1(size)
        except OSError as err:
            raise Failure(f"{self.name}: {err.strerror or err}") from None

    def read(self, size=-1):
        try:
            return self.f.read(size)
        except OSError as err:
            raise Failure(f"{self.name}: {err.strerror or err}") from None


def read_all(path):
    f = open_input(path)
    try:
        return Reader(f, path).read()
    finally:
        if f is not sys.stdin.buffer:
            f.close()


# -- lookup ------------------------------------------------------------------------------------

def entry(x, lang):
    """Everything the table says about code x (as typed), as a dict; None if x is no code."""
    c = ann.to_code(x)
    if c is None:
        return None
    known = onenetlog.known(c)
    lvl = onenetlog.level(c)
    e = {"input": x, "code": c, "known": known, "level": LEVEL_NAMES.get(lvl, str(lvl)),
         "ok": onenetlog.is_ok(c), "service": None, "service_tag": onenetlog.tag(c), "message": None,
         "other_messages": [], "reason": None, "step": None, "line": onenetlog.describe(c, lang)}
    if known:
        alias = ann.aliases().get(c)
        e.update(service=onenetlog.service(c, lang), message=onenetlog.message(c),
                 other_messages=[alias] if alias else [], reason=onenetlog.reason(c, lang),
                 step=onenetlog.hint(c, lang))
    return e


def lookup_text(e, style, width):
    lvl = {"info": 20, "warning": 30, "error": 40}.get(e["level"], 30)
    code = str(e["code"]) if e["input"].strip() == str(e["code"]) else f"{e['code']} (from {e['input'].strip()})"
    if not e["known"]:
        svc = e["line"][: -len(f" {e['code']} unknown code")] if e["service_tag"] else ""
        where = f", in the range of {svc} ({e['service_tag']})" if svc else ""
        return [f"{style.bold(code)}  {style.level('unknown code', 30)}{where}"]
    out = [f"{style.bold(code)}  {e['service']} ({e['service_tag']})  {style.level(e['level'], lvl)}"]
    rows = [("message", e["message"])] + [("also", f"{m} (newer page)") for m in e["other_messages"]]
    rows += [("reason", e["reason"]), ("step", e["step"])]
    for key, value in rows:
        if value:
            for i, part in enumerate(wrap(value, width - 11 if width else None)):
                out.append(f"  {key if i == 0 else '':<8} {part}")
    return out


def cmd_lookup(args, style):
    width = term_width()
    entries = []
    bad = []
    for x in args.codes:
        e = entry(x, args.lang)
        if e is None:
            bad.append(x)
        else:
            entries.append(e)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        blocks = ["\n".join(lookup_text(e, style, width)) for e in entries]
        if blocks:
            print("\n\n".join(blocks))
    for x in bad:
        print(f"{PROG} lookup: error: {x!r} is not a status code (forms: 1104, 4.04, 0x84)", file=sys.stderr)
    return 1 if bad or any(not e["known"] for e in entries) else 0


# -- list --------------------------------------------------------------------------------------

def services():
    """[{tag, en, zh}] of every service the decoder names, codes' services first."""
    out = {}
    for c in onenetlog.codes():
        en = onenetlog.service(c, "en")
        out.setdefault(en, {"tag": onenetlog.tag(c), "en": en, "zh": onenetlog.service(c, "zh")})
    for t in onenetlog.business_types():
        en = onenetlog.business_type(t, "en")[2]
        if en and en not in out:
            out[en] = {"tag": None, "en": en, "zh": onenetlog.business_type(t, "zh")[2]}
    return list(out.values())


def pick_service(name):
    """The service a --service value names (tag, English or Chinese name; any case)."""
    want = name.strip().casefold()
    for s in services():
        if want in {(v or "").casefold() for v in s.values()}:
            return s
    # A service with no codes has no tag through the decoder's API; ask it by name.
    types = onenetlog.business_types(name.strip())
    if types:
        return services_of_type(types[0])
    names = ", ".join(s["tag"] or s["en"] for s in services())
    raise Failure(f"unknown service {name!r} (choose from {names})")


def services_of_type(t):
    en = onenetlog.business_type(t, "en")[2]
    return next(s for s in services() if s["en"] == en)


def member_services(service):
    """The services whose codes `service` stands for: itself, or, for a name joining others with
    '/' (the business types' "CoAP/MQTT access", 1.1-1.3), each of those: CoAP access and MQTT
    access. The platform's table names the joined service only in its business-type table."""
    head, sep, tail = service["en"].partition(" ")
    parts = head.split("/")
    names = {f"{part}{sep}{tail}" for part in parts}
    found = [s for s in services() if s["en"] in names]
    return found if len(parts) > 1 and len(found) == len(parts) else [service]


def code_rows(lang, service=None, level=None):
    wanted = None if service is None else {s["en"] for s in member_services(service)}
    rows = []
    for c in onenetlog.codes():
        if wanted is not None and onenetlog.service(c, "en") not in wanted:
            continue
        lvl = onenetlog.level(c)
        if level is not None and LEVEL_NAMES[lvl] != level:
            continue
        alias = ann.aliases().get(c)
        rows.append({"code": c, "level": LEVEL_NAMES[lvl], "service_tag": onenetlog.tag(c),
                     "service": onenetlog.service(c, lang), "message": onenetlog.message(c),
                     "other_message": alias or "", "reason": onenetlog.reason(c, lang) or "",
                     "step": onenetlog.hint(c, lang) or ""})
    return rows


def type_rows(lang, service=None, types=None):
    rows = []
    for t in onenetlog.business_types():
        if types is not None and t not in types:
            continue
        tc, name, svc, trigger, logged = onenetlog.business_type(t, lang)
        if service is not None and onenetlog.business_type(t, "en")[2] != service["en"]:
            continue
        rows.append({"type": tc, "name": name, "service": svc or "", "logged": logged, "trigger": trigger or ""})
    return rows


def pick_types(value):
    """Type codes a --type value selects: `1.2` exactly, or `1` for 1.1, 1.2, 1.3."""
    all_types = onenetlog.business_types()
    got = [t for t in all_types if t == value or t.split(".")[0] == value]
    if not got:
        raise Failure(f"unknown business type {value!r} (choose from {', '.join(all_types)})")
    return got


def cmd_list(args, style):
    service = pick_service(args.service) if args.service else None
    types = pick_types(args.type) if args.type else None
    if types is not None and service is None and args.what != "types":
        # A type's codes are those of the service that logs it.
        svc = {onenetlog.business_type(t, "en")[2] for t in types}
        codes = [r for s in services() if s["en"] in svc for r in code_rows(args.lang, s, args.level)]
        codes.sort(key=lambda r: r["code"])
    else:
        codes = code_rows(args.lang, service, args.level)
    btypes = type_rows(args.lang, service, types) if args.level is None else []
    show_codes = args.what in ("all", "codes")
    show_types = args.what in ("all", "types")
    fmt = args.format
    if fmt == "json":
        doc = {}
        if show_codes:
            doc["codes"] = codes
        if show_types:
            doc["business_types"] = btypes
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    if fmt == "csv":
        parts = []
        if show_codes:
            parts.append(_csv(codes, ["code", "level", "service_tag", "service", "message", "other_message", "reason", "step"]))
        if show_types:
            parts.append(_csv(btypes, ["type", "name", "service", "logged", "trigger"]))
        sys.stdout.write("\n".join(parts))
        return 0
    code_cols = ["code", "level", "service_tag", "message", "reason", "step"]
    code_head = ["code", "level", "service", "message", "reason", "step"]
    type_cols = ["type", "name", "service", "logged", "trigger"]
    out = []
    if fmt == "markdown":
        if show_codes:
            out += ["## Status codes", ""] + _markdown(codes, code_cols, code_head) + [""]
        if show_types:
            out += ["## Business types", ""] + _markdown(btypes, type_cols, type_cols) + [""]
        print("\n".join(out).rstrip("\n"))
        return 0
    width = term_width()
    if show_codes:
        out.append(style.bold(f"Status codes ({len(codes)})"))
        rows = [[str(r[k]) if k != "level" else r[k] for k in code_cols] for r in codes]
        out += table(rows, code_head, width, shrink=(3, 4, 5))
        if not codes:
            out.append("(none" + (": the table lists no codes under " + ", ".join(sorted(
                {r["service"] for r in type_rows("en", None, types)} - {""})) if types else "") + ")")
    if show_types:
        if out:
            out.append("")
        out.append(style.bold(f"Business types ({len(btypes)})"))
        rows = [[r["type"], r["name"], r["service"], "yes" if r["logged"] else "not yet", r["trigger"]] for r in btypes]
        out += table(rows, type_cols, width, shrink=(1, 2, 4))
        if not btypes:
            out.append("(none)")
    print("\n".join(out))
    return 0


def _csv(rows, cols):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])
    return buf.getvalue()


def _markdown(rows, cols, head):
    def cell(v):
        v = "yes" if v is True else "not yet" if v is False else str(v)
        return v.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in rows]
    return out


# -- annotate and summary ----------------------------------------------------------------------

def cmd_annotate(args, style):
    a = ann.Annotator(args.lang, color=style.on, decode=not args.no_decode)
    inp = open_input(args.file)
    out = sys.stdout.buffer
    try:
        a.stream(Reader(inp, args.file), out, flush=not _regular(inp))
        out.flush()
    finally:
        if inp is not sys.stdin.buffer:
            inp.close()
    return 0


def _regular(f):
    try:
        import stat

        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


def count_codes(inp, a):
    """({code: lines}, lines read) over a text log: the codes annotator a recognises, once per
    line. A device `#?` counts as ann.UNREADABLE."""
    counts = {}
    total = 0
    for buf, end, whole in ann.blocks(inp):
        total += buf.count(b"\n", 0, end)
        if not whole:
            continue
        for ls, ce, _hits in ann.candidates(buf, end):
            for c, _with in a.found(buf[ls:ce]):
                counts[c] = counts.get(c, 0) + 1
    return counts, total


def code_row(c, n, lang):
    """The summary's row of a platform code (or ann.UNREADABLE) seen on n lines."""
    lvl = 30 if c == ann.UNREADABLE else onenetlog.level(c)
    known = c != ann.UNREADABLE and onenetlog.known(c)
    return {"code": c, "count": n, "level": LEVEL_NAMES[lvl],
            "service_tag": (onenetlog.tag(c) if c != ann.UNREADABLE else None) or "?",
            "service": onenetlog.service(c, lang) if known else None,
            "message": (onenetlog.message(c) if known else
                        "unreadable code" if c == ann.UNREADABLE else "unknown code")}


def connack_row(c, n, lang):
    """The summary's row of an MQTT CONNACK code (ann.Connack): code is its label, `CONNACK 5`."""
    return {"code": str(c), "count": n, "level": LEVEL_NAMES[c.level()], "service_tag": c.tag,
            "service": c.service(lang), "message": c.message()}


def cmd_summary(args, style):
    a = ann.Annotator("en")
    inp = open_input(args.file)
    try:
        counts, _total = count_codes(Reader(inp, args.file), a)
    finally:
        if inp is not sys.stdin.buffer:
            inp.close()
    rows = [connack_row(c, n, args.lang) if isinstance(c, ann.Connack) else code_row(c, n, args.lang)
            for c, n in counts.items()]
    order = {"error": 0, "warning": 1, "info": 2}
    rows.sort(key=lambda r: (order[r["level"]], -r["count"], str(r["code"]).zfill(9)))
    svcs = {}
    for r in rows:
        s = svcs.setdefault(r["service_tag"], {"service_tag": r["service_tag"], "service": r["service"],
                                               "count": 0, "error": 0, "warning": 0, "info": 0})
        s["count"] += r["count"]
        s[r["level"]] += r["count"]
        s["service"] = s["service"] or r["service"]
    svc_rows = sorted(svcs.values(), key=lambda s: (-s["error"], -s["warning"], -s["count"], s["service_tag"]))
    if args.json:
        print(json.dumps({"codes": rows, "services": svc_rows}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no status codes found")
        return 0
    width = term_width() or 80
    bar = "█" if (sys.stdout.encoding or "").lower().replace("-", "") in ("utf8", "utf16", "utf32") else "#"
    total = sum(r["count"] for r in rows)
    out = [style.bold(f"Status codes: {total} in {len(rows)} kinds")]
    cw = max(4, max(len(str(r["code"])) for r in rows))
    labels = [f"{LEVEL_MARKS[{'error': 40, 'warning': 30, 'info': 20}[r['level']]]} {str(r['code']):>{cw}}  "
              f"{r['service_tag']:<8} {r['message']}" for r in rows]
    out += _bars(labels, [r["count"] for r in rows], [r["level"] for r in rows], width, bar, style)
    out += ["", style.bold(f"Services: {len(svc_rows)}")]
    labels = [f"{s['service_tag']:<8} {s['service'] or ''}" for s in svc_rows]
    levels = ["error" if s["error"] else "warning" if s["warning"] else "info" for s in svc_rows]
    notes = [", ".join(f"{s[k]} {k}{'s' if s[k] != 1 else ''}" for k in ("error", "warning") if s[k]) for s in svc_rows]
    out += _bars(labels, [s["count"] for s in svc_rows], levels, width, bar, style, notes)
    print("\n".join(out))
    return 0


def _bars(labels, counts, levels, width, bar, style, notes=None):
    lw = min(max(cells(x) for x in labels), max(16, width // 2))
    nw = len(str(max(counts)))
    room = max(10, width - lw - nw - 4 - (max((len(n) for n in notes), default=0) + 3 if notes else 0))
    top = max(counts)
    out = []
    for i, (label, n, lvl) in enumerate(zip(labels, counts, levels)):
        size = max(1, round(n * room / top))
        tail = f"  ({notes[i]})" if notes and notes[i] else ""
        coloured = style.level(bar * size, {"error": 40, "warning": 30, "info": 20}[lvl])
        out.append(f"{pad(clip(label, lw), lw)}  {coloured}{' ' * (room - size)} {n:>{nw}}{tail}".rstrip())
    return out


# -- trace and monitor -------------------------------------------------------------------------

def cmd_trace(args, style):
    from onenetlog_tools import tracelog

    data = read_all(args.file)
    name = "<stdin>" if args.file in (None, "-") else args.file
    try:
        export = tracelog.load(data)
    except tracelog.ParseError as err:
        raise Failure(f"{name}: {err}") from None
    for where, code, msg in export.failures:
        print(f"{PROG} trace: warning: {name}: response at {where} failed: code {code}: {msg}", file=sys.stderr)
    if not export.records:
        print(f"no trace-log records in {name}", file=sys.stderr)
        return 1 if export.failures else 0
    print("\n".join(tracelog.timeline(export, args.lang, style)).rstrip("\n"))
    return 1 if export.failures else 0


def cmd_monitor(args, style):
    from onenetlog_tools import monitor

    a = ann.Annotator(args.lang, color=style.on, decode=not args.no_decode)
    return monitor.main(args, a, Style(use_color(args.color, sys.stderr)))


def cmd_report(args, style):
    from onenetlog_tools import report

    return report.main(args)


def _report_arguments(s):
    from onenetlog_tools import report

    report.add_arguments(s)


def _monitor_arguments(s):
    from onenetlog_tools import monitor

    monitor.add_arguments(s)


# -- the command line --------------------------------------------------------------------------

def env_lang():
    """The default language: ONENETLOG_LANG if set (a bad value is a usage error), else zh."""
    lang = os.environ.get("ONENETLOG_LANG", "")
    if lang and lang not in LANGS:
        raise Failure(f"ONENETLOG_LANG: invalid choice: {lang!r} (choose from {', '.join(LANGS)})")
    return lang or "zh"


def parser(lang="zh"):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGS, default=lang,
                        help=f"language of reasons, steps and names (default {lang}; env ONENETLOG_LANG)")
    common.add_argument("--color", choices=("never", "always", "auto"), default=argparse.SUPPRESS,
                        help="colour: auto (default) colours only a terminal")
    p = Parser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--color", choices=("never", "always", "auto"), default="auto", help=argparse.SUPPRESS)
    p.add_argument("--version", action="store_true", help="show versions of the tool and its table")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    s = sub.add_parser("lookup", parents=[common], help="the full entry for codes (1104, 4.04, 0x84)")
    s.add_argument("codes", nargs="+", metavar="CODE")
    s.add_argument("--json", action="store_true", help="JSON output")

    s = sub.add_parser("list", parents=[common], help="the whole table and the business types")
    s.add_argument("what", nargs="?", choices=("all", "codes", "types"), default="all")
    s.add_argument("--service", help="one service: tag (mqtt), English or Chinese name")
    s.add_argument("--type", help="business type 1.2, or 1 for 1.x; codes: those of its service")
    s.add_argument("--level", choices=("error", "warning", "info"), help="codes of one level")
    s.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table")

    s = sub.add_parser("annotate", parents=[common], help="copy a log through, adding meanings to status codes")
    s.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    s.add_argument("--no-decode", action="store_true", help="add nothing: copy the input as it is")

    s = sub.add_parser("monitor", parents=[common], help="live serial console with annotation")
    _monitor_arguments(s)

    s = sub.add_parser("report", parents=[common], help="one HTML page from console logs and trace-log exports")
    _report_arguments(s)

    s = sub.add_parser("trace", parents=[common], help="timeline of trace-log API responses or records")
    s.add_argument("file", nargs="?", default="-", metavar="FILE|-")

    s = sub.add_parser("summary", parents=[common], help="counts per code and per service, errors first")
    s.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    s.add_argument("--json", action="store_true", help="JSON output")

    for name in PASS_THROUGH:
        sub.add_parser(name, help=f"python -m {PASS_THROUGH[name]} (its own --help)", add_help=False)
    return p


COMMANDS = {"lookup": cmd_lookup, "list": cmd_list, "annotate": cmd_annotate, "monitor": cmd_monitor,
            "trace": cmd_trace, "summary": cmd_summary, "report": cmd_report}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    if argv and argv[0] in PASS_THROUGH:
        import importlib

        return importlib.import_module(PASS_THROUGH[argv[0]]).main(argv[1:])
    try:
        p = parser(env_lang())
    except Failure as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    known = list(COMMANDS) + list(PASS_THROUGH)
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is not None and first not in known and argv.index(first) == 0:
        print(f"{PROG}: error: unknown command {first!r} (choose from {', '.join(known)})", file=sys.stderr)
        return 2
    args = p.parse_args(argv)
    if args.version:
        from importlib.metadata import PackageNotFoundError, version

        try:
            tool = version("onenetlog")
        except PackageNotFoundError:
            tool = "unknown"
        print(f"onenetlog {tool}, table version {onenetlog.VERSION} tier {onenetlog.TIER}")
        return 0
    if args.command is None:
        p.print_help(sys.stderr)
        return 2
    style = Style(use_color(args.color, sys.stdout))
    try:
        rc = COMMANDS[args.command](args, style)
        sys.stdout.flush()
        return rc
    except Failure as err:
        print(f"{PROG} {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python's exit flush quiet too.
        _drop_stdout()
        return 0
    except OSError as err:
        # Inputs fail as Failures (Readers); an error naming a file is the tool's own: a bug.
        # What is left is the output: a full disk, a lost terminal.
        if err.filename is not None:
            raise
        _drop_stdout()
        print(f"{PROG} {args.command}: error: writing the output: {err.strerror or err}", file=sys.stderr)
        return 1


def _drop_stdout():
    """Send what is left of stdout to /dev/null, so that the exit flush cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing will flush into a closed pipe


if __name__ == "__main__":
    sys.exit(main())
