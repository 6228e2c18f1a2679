# Table generator: platform table + overlay -> packed lib/onenetlog/table.py (+ table.bin).
# python -m onenetlog_tools.generator [--tier full|en|zh|min|codes] [--out DIR] [--inline] [--check]
import argparse
import hashlib
import html.parser
import os
import struct
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIR = os.path.join(ROOT, "source")
TABLE_MD = os.path.join(SOURCE_DIR, "device-log-status-codes.md")
OVERLAY = os.path.join(SOURCE_DIR, "overlay.toml")
LIB_DIR = os.path.join(ROOT, "lib", "onenetlog")
HOST_DATA = os.path.join(ROOT, "tools", "source_data.py")

LEVELS = {"info": 20, "warning": 30, "error": 40}
# Text fields of a code record, in slot order; each tier keeps a subset.
FIELDS = ("message", "reason_zh", "hint_zh", "reason_en", "hint_en")
SVC_FIELDS = ("zh", "en", "tag")
BT_FIELDS = ("name_zh", "name_en", "trigger_zh", "trigger_en")
# Each tier: the languages it has a line for (each code gets one finished line per language),
# the pieces of text in a line, the service names and the business-type texts it keeps.
PIECES = ("message", "reason", "hint")
TIERS = {
    "full": {"lines": ("zh", "en"), "pieces": PIECES, "svc": SVC_FIELDS, "bt": BT_FIELDS,
             "doc": "message, reason and step in Chinese and English"},
    "en": {"lines": ("en",), "pieces": PIECES, "svc": ("en", "tag"),
           "bt": ("name_en", "trigger_en"), "doc": "message, reason and step in English (ASCII)"},
    "zh": {"lines": ("zh",), "pieces": PIECES, "svc": ("zh", "tag"),
           "bt": ("name_zh", "trigger_zh"), "doc": "message, reason and step in Chinese"},
    "min": {"lines": ("en",), "pieces": ("message",), "svc": ("en", "tag"), "bt": ("name_en",),
            "doc": "message only (ASCII)"},
    "codes": {"lines": ("en",), "pieces": (), "svc": ("tag",), "bt": (),
              "doc": "codes and service tags only; text is expanded on the host"},
}
MAX_TEXT = 255  # bytes per piece of text: one length byte


class SourceError(ValueError):
    """The source table or overlay is inconsistent; the message names the row."""


class _Tables(html.parser.HTMLParser):
    """Collects every <table> as rows of cell texts, expanding rowspan."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = []  # [(rows, line numbers)]
        self._cell = None
        self._row = None
        self._span = 1

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1][1].append(self.getpos()[0])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            span = dict(attrs).get("rowspan") or "1"
            self._span = int(span.strip()) if span.strip().isdigit() else 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(("".join(self._cell).strip(), self._span))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][0].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _expand(rows, lines, width, what):
    """Rows of exactly `width` cells, filling rowspan gaps from the rows above."""
    out = []
    pending = {}  # column -> [text, rows left]
    for row, line in zip(rows, lines):
        cells = []
        it = iter(row)
        for col in range(width):
            if col in pending:
                text, left = pending[col]
                cells.append(text)
                if left <= 1:
                    del pending[col]
                else:
                    pending[col][1] = left - 1
                continue
            try:
                text, span = next(it)
            except StopIteration:
                raise SourceError(f"{what} line {line}: row has {len(cells)} cells, needs {width}")
            cells.append(text)
            if span > 1:
                pending[col] = [text, span - 1]
        if next(it, None) is not None:
            raise SourceError(f"{what} line {line}: row has more than {width} cells")
        out.append((line, cells))
    return out


def parse_table(text, what="device-log-status-codes.md"):
    """-> (business types [(line, [service, type, trigger])], codes [(line, [service, code, msg, reason, step])])."""
    p = _Tables()
    p.feed(text)
    p.close()
    if len(p.tables) != 2:
        raise SourceError(f"{what}: expected 2 tables (business types, status codes), found {len(p.tables)}")
    (brows, blines), (crows, clines) = p.tables
    btypes = _expand(brows[1:], blines[1:], 3, what)
    codes = _expand(crows[1:], clines[1:], 5, what)
    return btypes, codes


def load_source(table_path=TABLE_MD, overlay_path=OVERLAY):
    """Parse and validate both sources -> dict with services, codes, btypes, aliases, digest."""
    with open(table_path, "rb") as f:
        raw_table = f.read()
    with open(overlay_path, "rb") as f:
        raw_overlay = f.read()
    try:
        ov = tomllib.loads(raw_overlay.decode("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{os.path.basename(overlay_path)}: {e}") from None
    tname = os.path.basename(table_path)
    btrows, crows = parse_table(raw_table.decode("utf-8"), tname)

    services = []
    by_zh = {}
    for i, s in enumerate(ov.get("service", [])):
        for k in ("zh", "en", "tag"):
            if not s.get(k):
                raise SourceError(f"overlay service #{i + 1}: missing {k}")
        if s["zh"] in by_zh:
            raise SourceError(f"overlay service {s['zh']}: listed twice")
        by_zh[s["zh"]] = i
        services.append({"zh": s["zh"], "en": s["en"], "tag": s["tag"],
                         "ranges": [tuple(r) for r in s.get("ranges", [])]})

    def svc_index(name, where):
        if name not in by_zh:
            raise SourceError(f"{where}: service {name!r} has no English name in the overlay")
        return by_zh[name]

    ov_codes = {}
    for k, v in ov.get("code", {}).items():
        if not k.isdigit():
            raise SourceError(f"overlay [code.{k}]: not a code")
        ov_codes[int(k)] = v
    codes = {}

    def add(code_text, svc, msg, reason, hint, where, source):
        if not code_text.isdigit():
            raise SourceError(f"{where}: code {code_text!r} is not a number")
        code = int(code_text)
        for name, val in (("service", svc), ("message", msg), ("reason", reason)):
            if not val:
                raise SourceError(f"{where}: code {code}: empty {name} cell")
        if code in codes:
            raise SourceError(f"{where}: code {code} is a duplicate (first at {codes[code]['where']})")
        si = svc_index(svc, where)
        if not any(lo <= code <= hi for lo, hi in services[si]["ranges"]):
            raise SourceError(f"{where}: code {code} is outside the groups of {svc} {services[si]['ranges']}")
        en = ov_codes.get(code)
        if not en or not en.get("reason") or "hint" not in en or (hint and not en["hint"]):
            raise SourceError(f"{where}: code {code} has no English reason/hint in the overlay")
        if en.get("level") not in LEVELS:
            raise SourceError(f"overlay [code.{code}]: level must be one of {sorted(LEVELS)}")
        if not msg.isascii():
            raise SourceError(f"{where}: code {code}: message {msg!r} is not ASCII")
        codes[code] = {"code": code, "service": si, "message": msg, "reason_zh": reason,
                       "hint_zh": hint, "reason_en": en["reason"], "hint_en": en["hint"],
                       "level": LEVELS[en["level"]], "where": where, "source": source}

    for line, (svc, code, msg, reason, hint) in crows:
        add(code, svc, msg, reason, hint, f"{tname} line {line}", "table")
    for x in ov.get("extra", []):
        add(str(x.get("code", "")), x.get("service", ""), x.get("message", ""), x.get("reason", ""),
            x.get("hint", ""), f"overlay extra code {x.get('code')}", x.get("source", "newer"))
    for code in sorted(set(ov_codes) - set(codes)):
        raise SourceError(f"overlay [code.{code}]: English text for a code that does not exist")

    btypes = []
    ov_bt = {b["name"]: b for b in ov.get("btype", [])}
    seen = set()
    for line, (svc, name, trigger) in btrows:
        where = f"{tname} line {line}"
        b = ov_bt.get(name)
        if b is None:
            raise SourceError(f"{where}: business type {name!r} has no type code/English in the overlay")
        btypes.append(_btype(b, svc_index(svc, where), trigger, "table", where))
        seen.add(name)
    for name, b in ov_bt.items():
        if name in seen:
            continue
        if b.get("source") != "newer":
            raise SourceError(f"overlay btype {name!r}: not in the table and not marked source = \"newer\"")
        btypes.append(_btype(b, None, b.get("trigger", ""), "newer", f"overlay btype {name}"))
    types = [b["type"] for b in btypes]
    if len(set(types)) != len(types):
        raise SourceError(f"overlay: duplicate business type code in {types}")
    btypes.sort(key=lambda b: tuple(int(x) for x in b["type"].split(".")))

    aliases = {int(k): v for k, v in ov.get("alias", {}).items()}
    for code in aliases:
        if code not in codes:
            raise SourceError(f"overlay [alias] {code}: not a code")
    for s in services:
        _check_ascii(s["en"], f"overlay service {s['zh']}")
    for c in codes.values():
        for k in ("reason_en", "hint_en"):
            _check_ascii(c[k], f"overlay [code.{c['code']}] {k}")
    digest = hashlib.sha256(raw_table + b"\0" + raw_overlay).hexdigest()
    return {"services": services, "codes": [codes[k] for k in sorted(codes)], "btypes": btypes,
            "aliases": aliases, "digest": digest}


def _btype(b, svc, trigger, source, where):
    t = b.get("type", "")
    parts = t.split(".")
    if len(parts) != 2 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise SourceError(f"{where}: type code {t!r} is not of the form N.N")
    if not b.get("en") or "trigger_en" not in b:
        raise SourceError(f"{where}: business type {b.get('name')!r} has no English name/trigger")
    _check_ascii(b["en"] + b["trigger_en"], where)
    logged = b.get("logged", "暂未接入" not in trigger)
    return {"type": t, "service": svc, "name_zh": b["name"], "name_en": b["en"],
            "trigger_zh": trigger, "trigger_en": b["trigger_en"], "logged": bool(logged),
            "source": source}


def _check_ascii(text, where):
    if not text.isascii():
        raise SourceError(f"{where}: English text must be ASCII: {text!r}")


# The record layout of table.bin, defined here once. pack() below fills the records through
# these names; layout_block() writes them as `_NAME = const(value)` into a marked block of each
# decoder module (DECODER_MODULES), which reads every field through them. A const with a
# leading underscore costs a board no heap; a public one in table.py would cost ~46 B each.
LAYOUT = (
    ("Every text in table.bin is a line: a header, the Logger's head 'tag#code: ' (a service's", None),
    ("own line: its tag), then the finished line '<service> <code> <message> | <reason> | <step>\\n'", None),
    ("of five parts (a service's own line has its name only); an absent part goes with its", None),
    ("separator. A block holds a line per language.", None),
    ("LINE_SIZE", 0, "u16: bytes after the header: the head and the line, its newline included"),
    ("LINE_TAG", 2, "u8: bytes of the tag, the head's start"),
    ("LINE_LENS", 3, "u8 each: bytes of the five parts (0: absent)"),
    ("LINE_CHARS", 8, "u8 each: their characters"),
    ("LINE_JOINED", 13, "u8: bytes of the head; the line starts after it"),
    ("LINE_HEAD", 14, "bytes of the header"),
    ("LINE_PARTS", 5, "the parts, in order; write() flag 1 << part asks for one"),
    ("PART_NAME", 0, "the service name"),
    ("PART_CODE", 1, "one space before it"),
    ("PART_MESSAGE", 2, "one space before it"),
    ("PART_REASON", 3, "' | ' before it and before the step"),
    ("PART_STEP", 4, ""),
    ("NO_LINE", 255, "a language the tier has no line for"),
    ("Where blocks are: LINE_AT in table.py holds each block's offset in table.bin >> BLOCK_SHIFT.", None),
    ("BLOCK_SHIFT", 2, "blocks start at a multiple of 4: table.bin can reach 256 KB"),
    ("The code groups of the services, RANGES in table.py: records of", None),
    ("RANGE_LOW", 0, "u16: the lowest code"),
    ("RANGE_HIGH", 2, "u16: the highest"),
    ("RANGE_SERVICE", 4, "u8: the service (the block LINE_AT[codes + service] has its own line)"),
    ("RANGE_RECORD", 5, "bytes of a record"),
    ("The business types, the last block of table.bin: lines of fields apart by BTYPE_SEP, the", None),
    ("first line naming them. service is its number (empty: none), logged 1 if the platform logs", None),
    ("it, a text the tier lacks is empty.", None),
    ("BTYPE_SEP", 9, "a tab"),
)
L = {e[0]: e[1] for e in LAYOUT if e[1] is not None}
VERSION_SIZE = 8


def _text(text, where):
    """text -> (UTF-8 bytes, characters), within one length byte."""
    raw = text.encode("utf-8")
    if len(raw) > MAX_TEXT:
        raise SourceError(f"{where}: text is {len(raw)} bytes, the limit is {MAX_TEXT}")
    return raw, len(text)


def service_name(spec, service, lang):
    """The name a tier's line in lang gives a service: its own language, else its tag."""
    return service[lang] if lang in spec["svc"] else service["tag"]


def line(spec, lang, service, code=None):
    """One finished line with its header (LINE_*): of a code, or with code None of its service."""
    head = bytearray(L["LINE_HEAD"])
    tag = service["tag"].encode()
    joined = tag + (b"#%d: " % code["code"] if code else b"")  # the Logger's head
    head[L["LINE_TAG"]], head[L["LINE_JOINED"]] = len(tag), len(joined)
    parts = [service_name(spec, service, lang), str(code["code"]) if code else ""]
    parts += [code[p if p == "message" else f"{p}_{lang}"] if code and p in spec["pieces"] else "" for p in PIECES]
    text = b""
    for j, part in enumerate(parts):
        if part:
            raw, chars = _text(part, f"code {code and code['code']} {lang} part {j}")
            head[L["LINE_LENS"] + j], head[L["LINE_CHARS"] + j] = len(raw), chars
            text += (b"" if j == 0 else b" | " if j >= L["PART_REASON"] else b" ") + raw
    text = joined + text + b"\n"
    struct.pack_into("<H", head, L["LINE_SIZE"], len(text))
    return bytes(head) + text


def btype_record(spec, b):
    """One business type as a line of text (BTYPE_SEP, fields as BTYPE_FIELDS says); texts the
    tier leaves out are empty."""
    fields = [b["type"], "" if b["service"] is None else str(b["service"]), str(int(b["logged"]))]
    fields += [b[f] if f in spec["bt"] else "" for f in BT_FIELDS]
    sep = chr(L["BTYPE_SEP"])
    if any(sep in f or "\n" in f for f in fields):
        raise SourceError(f"business type {b['type']}: a tab or newline in its text")
    return (sep.join(fields) + "\n").encode("utf-8")


def table_version(tier, src=None):
    """The table version of tier: a short hash of both sources and the tier."""
    return hashlib.sha256(f"{(src or load_source())['digest']}:{tier}".encode()).hexdigest()[:8]


BTYPE_FIELDS = ("type", "service", "logged") + BT_FIELDS


def _place(head, blocks):
    """Blocks after head, each at a multiple of 1 << BLOCK_SHIFT -> (blob, offsets >> BLOCK_SHIFT)."""
    shift = L["BLOCK_SHIFT"]
    blob, at = bytearray(head), []
    for b in blocks:
        blob += bytes(-len(blob) % (1 << shift))
        at.append(len(blob) >> shift)
        blob += b
    if at[-1] > 0xFFFF:
        raise SourceError(f"table.bin would be {len(blob)} bytes; LINE_AT reaches {0xFFFF << shift}")
    return bytes(blob), at


def pack(src, tier):
    """One tier -> dict: the RAM part (codes, their levels and where their lines are, the
    service ranges) and the data blob: version, then a block of lines for each code and for
    each service, then the business types."""
    spec = TIERS[tier]
    version = table_version(tier, src)
    services = src["services"]
    sep = chr(L["BTYPE_SEP"])
    btypes = (sep.join(BTYPE_FIELDS) + "\n").encode() + b"".join(btype_record(spec, b) for b in src["btypes"])
    blocks = [b"".join(line(spec, lang, services[c["service"]], c) for lang in spec["lines"])
              for c in src["codes"]]
    blocks += [b"".join(line(spec, lang, s) for lang in spec["lines"]) for s in services]
    blob, line_at = _place(version.encode(), blocks + [btypes])
    ranges = b"".join(struct.pack("<HHB", lo, hi, i) for i, s in enumerate(services) for lo, hi in s["ranges"])
    assert len(ranges) % L["RANGE_RECORD"] == 0
    return {
        "tier": tier, "doc": spec["doc"], "version": version, "blob": blob,
        "codes": [c["code"] for c in src["codes"]], "line_at": line_at,
        "levels": bytes(c["level"] for c in src["codes"]), "ranges": ranges,
        "en_line": spec["lines"].index("en") if "en" in spec["lines"] else L["NO_LINE"],
    }


def _bytes_literal(data, indent="    "):
    if len(data) <= 48:
        return [repr(bytes(data))]
    return ["("] + [f"{indent}{bytes(data[i:i + 48])!r}" for i in range(0, len(data), 48)] + [")"]


def _assign(name, lines, prefix="", suffix=""):
    if len(lines) == 1:
        return [f"{name} = {prefix}{lines[0]}{suffix}"]
    return [f"{name} = {prefix}{lines[0]}"] + lines[1:-1] + [lines[-1] + suffix]


def _u16s(values):
    return b"".join(struct.pack("<H", v) for v in values)


def render(t, inline=False):
    """table.py source for a packed tier; the data blob goes inline or into table.bin."""
    out = [
        "# generated by tools/generator.py from source/device-log-status-codes.md and",
        "# source/overlay.toml -- do not edit; run `make table` (or the generator) instead.",
        f"# Tier {t['tier']}: {t['doc']}.",
        "# The records are laid out as tools/generator.py LAYOUT says; the decoder modules carry",
        "# that layout as _LINE_* constants (docs/design.md).",
        "try:",
        "    from micropython import const",
        "except ImportError:  # CPython",
        "    const = int",
        "",
        f"VERSION = {t['version']!r}",
        f"TIER = {t['tier']!r}",
    ]
    out += [
        "",
        f"EN_LINE = const({t['en_line']})  # which line of a block is English, all ASCII (255: none); line 0",
        "# is Chinese when the tier has Chinese.",
        "# In RAM (bytes: a .mpy keeps its constants anyway): every code, u16 ascending; its level;",
        "# where its block of lines is (then those of each service, then the business types).",
    ]
    out += _assign("CODES", _bytes_literal(_u16s(t["codes"])))
    out += _assign("LEVELS", _bytes_literal(t["levels"]))
    out += _assign("LINE_AT", _bytes_literal(_u16s(t["line_at"])))
    out += ["# The code groups each service owns (records of RANGE_RECORD bytes)."]
    out += _assign("RANGES", _bytes_literal(t["ranges"]))
    if inline:
        out += ["# table.bin, inline so that a frozen build keeps it in flash."]
        out += _assign("DATA", _bytes_literal(t["blob"]))
    else:
        out += ["# The version, the business types and the lines are in table.bin beside this module.",
                "DATA = None"]
    return ("\n".join(out) + "\n").encode("utf-8")


LAYOUT_BEGIN = "# ---- The table's record layout: generated by tools/generator.py (LAYOUT), do not edit. ----"
LAYOUT_END = "# ---- End of the generated layout. ----"
DECODER_MODULES = ("__init__.py", "text.py", "catalog.py")


def layout_block():
    """LAYOUT as the lines of the block each decoder module carries."""
    out = [LAYOUT_BEGIN]
    for entry in LAYOUT:
        if entry[1] is None:
            out.append(f"# {entry[0]}")
        else:
            out.append(f"_{entry[0]} = const({entry[1]})" + (f"  # {entry[2]}" if entry[2] else ""))
    return out + [LAYOUT_END]


def with_layout(text, where):
    """A decoder module's source with its layout block made current."""
    lines = text.split("\n")
    if lines.count(LAYOUT_BEGIN) != 1 or lines.count(LAYOUT_END) != 1:
        raise SourceError(f"{where}: needs one generated layout block ({LAYOUT_BEGIN!r} ... {LAYOUT_END!r})")
    a, b = lines.index(LAYOUT_BEGIN), lines.index(LAYOUT_END)
    return "\n".join(lines[:a] + layout_block() + lines[b + 1:])


def write_layout(lib_dir=LIB_DIR):
    """Refresh the layout block of every decoder module in lib_dir -> the paths it changed."""
    changed = []
    for name in DECODER_MODULES:
        path = os.path.join(lib_dir, name)
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new = with_layout(old, path)
        if new != old:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            changed.append(path)
    return changed


def _write(path, data):
    """Write data (bytes) to path -> path."""
    with open(path, "wb") as f:
        f.write(data)
    return path


def _differs(path, data):
    """Whether the checked-in file at path is missing or is not data (bytes)."""
    if not os.path.exists(path):
        return True
    with open(path, "rb") as f:
        return f.read() != data


def write_tier(tier, out_dir, inline=False, src=None):
    """Write out_dir/table.py (+ table.bin) -> list of written paths."""
    t = pack(src or load_source(), tier)
    os.makedirs(out_dir, exist_ok=True)
    files = {"table.py": render(t, inline)}
    if not inline:
        files["table.bin"] = t["blob"]
    bin_path = os.path.join(out_dir, "table.bin")
    if inline and os.path.exists(bin_path):
        os.remove(bin_path)
    return [_write(os.path.join(out_dir, name), data) for name, data in files.items()]


def stale(out_dir=LIB_DIR, tier="full", src=None):
    """Names of checked-in files that differ from a fresh generation."""
    t = pack(src or load_source(), tier)
    want = {"table.py": render(t), "table.bin": t["blob"]}
    bad = [os.path.join(out_dir, name) for name, data in want.items() if _differs(os.path.join(out_dir, name), data)]
    for name in DECODER_MODULES:
        path = os.path.join(out_dir, name)
        if os.path.exists(path):
            text = open(path, encoding="utf-8").read()
            if with_layout(text, path) != text:
                bad.append(path)
    return bad


# --- MQTT CONNACK return codes: source/connack.toml -> lib/onenetlog/connack.py ---------------
CONNACK_TOML = os.path.join(SOURCE_DIR, "connack.toml")
CONNACK_PY = "connack.py"
CONNACK_FIELDS = ("meaning", "why", "onenet_why")


def connack_module(path=CONNACK_TOML):
    """connack.py source: the CONNACK return codes 1-5, their meaning and the OneNET codes that
    may stand behind each, validated (consecutive from 1, ASCII text, known codes only)."""
    with open(path, "rb") as f:
        try:
            src = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise SourceError(f"{os.path.basename(path)}: {e}") from None
    rows = src.get("rc", [])
    if [r.get("rc") for r in rows] != list(range(1, len(rows) + 1)) or not rows:
        raise SourceError(f"{os.path.basename(path)}: rc must run 1, 2, ... in order")
    for r in rows:
        for k in CONNACK_FIELDS:
            if not isinstance(r.get(k), str) or not r[k]:
                raise SourceError(f"{os.path.basename(path)} rc {r['rc']}: missing {k}")
            _check_ascii(r[k], f"{os.path.basename(path)} rc {r['rc']} {k}")
        if not all(isinstance(c, int) and 1100 <= c <= 1199 for c in r.get("onenet", [])):
            raise SourceError(f"{os.path.basename(path)} rc {r['rc']}: onenet lists MQTT access codes (11xx)")
    out = ["# generated by tools/generator.py from source/connack.toml -- do not edit; run `make table`",
           "# (or the generator) instead. MQTT 3.1.1 CONNACK return codes (umqtt's MQTTException(rc)),",
           f"# from {src.get('origin', 'source/connack.toml')}.",
           "# Each tuple is indexed by rc - LOWEST.", "LOWEST = 1", f"HIGHEST = {len(rows)}"]
    for k, doc in (("meaning", "what the code means"), ("why", "the standard's description"),
                   ("onenet_why", "the OneNET device-log codes that may stand behind it")):
        out += [f"# {doc}", f"{k.upper()} = ("] + [f"    {r[k]!r}," for r in rows] + [")"]
    out += ["# those codes", "ONENET = ("] + [f"    {tuple(r.get('onenet', []))!r}," for r in rows] + [")"]
    return ("\n".join(out) + "\n").encode("ascii")


def connack_stale(out_dir=LIB_DIR, path=CONNACK_TOML):
    """[the checked-in connack.py] if it differs from a fresh generation, else []."""
    target = os.path.join(out_dir, CONNACK_PY)
    return [target] if _differs(target, connack_module(path)) else []


def write_connack(out_dir=LIB_DIR, path=CONNACK_TOML):
    return _write(os.path.join(out_dir, CONNACK_PY), connack_module(path))


# -- the parsed sources for the host tools ---------------------------------------------------

def render_host_data(src):
    """tools/source_data.py: load_source()'s result as one Python literal. The installed host
    tools (annotate's second spellings, build of every tier, table versions) read it; an
    installed package has no source/."""
    import pprint

    head = ["# generated by tools/generator.py from source/device-log-status-codes.md and",
            "# source/overlay.toml -- do not edit; run `make table` (or the generator) instead.",
            "# The sources as load_source() parses them, for the host tools after installation."]
    def literal(value):
        if not isinstance(value, (list, dict)):
            return repr(value)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        key = (lambda k: f"{k!r}: ") if isinstance(value, dict) else (lambda k: "")
        lines = [key(k) + pprint.pformat(v, width=92, sort_dicts=False) + "," for k, v in items]
        brackets = "{}" if isinstance(value, dict) else "[]"
        return brackets[0] + "\n" + "".join(f"    {line}\n" for text in lines for line in text.split("\n")) + brackets[1]

    body = [f"{key.upper()} = {literal(value)}" for key, value in src.items()]
    body.append("SOURCE = {" + ", ".join(f"{key!r}: {key.upper()}" for key in src) + "}")
    return ("\n".join(head + body) + "\n").encode("utf-8")


def write_host_data(src, path=HOST_DATA):
    return _write(path, render_host_data(src))


def host_data_stale(src, path=HOST_DATA):
    """[path] if the checked-in host data differs from a fresh generation, else []."""
    return [path] if _differs(path, render_host_data(src)) else []


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-generator", description=__doc__ or "Generate the packed table.")
    ap.add_argument("--tier", choices=sorted(TIERS), default="full")
    ap.add_argument("--out", default=LIB_DIR, help="folder for table.py and table.bin (default lib/onenetlog)")
    ap.add_argument("--inline", action="store_true", help="put the string pool into table.py (for freezing)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the checked-in table is stale")
    ap.add_argument("--table", default=TABLE_MD, help="the platform's table (default source/device-log-status-codes.md)")
    ap.add_argument("--overlay", default=OVERLAY, help="our English text and type codes (default source/overlay.toml)")
    a = ap.parse_args(argv)
    checked_in = os.path.abspath(a.out) == LIB_DIR  # the default: also the files beside the table
    try:
        src = load_source(a.table, a.overlay)
        if a.check:
            bad = stale(a.out, a.tier, src)
            bad += host_data_stale(src) + connack_stale() if checked_in else []
            for p in bad:
                print(f"stale: {p} (run `make table`)", file=sys.stderr)
            return 1 if bad else 0
        written = write_tier(a.tier, a.out, a.inline, src)
        written += [write_host_data(src), write_connack()] if checked_in else []
        for p in written:
            print(f"{os.path.getsize(p):6d}  {os.path.relpath(p)}")
        if checked_in:
            for p in write_layout():
                print(f"layout  {os.path.relpath(p)}")
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
