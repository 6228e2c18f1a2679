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

LEVELS = {"info": 20, "warning": 30, "error": 40}
# Text fields of a code record, in slot order; each tier keeps a subset.
FIELDS = ("message", "reason_zh", "hint_zh", "reason_en", "hint_en")
SVC_FIELDS = ("zh", "en", "tag")
BT_FIELDS = ("name_zh", "name_en", "trigger_zh", "trigger_en")
TIERS = {
    "full": {"fields": FIELDS, "svc": SVC_FIELDS, "bt": BT_FIELDS,
             "doc": "message, reason and step in Chinese and English"},
    "en": {"fields": ("message", "reason_en", "hint_en"), "svc": ("en", "tag"),
           "bt": ("name_en", "trigger_en"), "doc": "message, reason and step in English (ASCII)"},
    "zh": {"fields": ("message", "reason_zh", "hint_zh"), "svc": ("zh", "tag"),
           "bt": ("name_zh", "trigger_zh"), "doc": "message, reason and step in Chinese"},
    "min": {"fields": ("message",), "svc": ("en", "tag"), "bt": ("name_en",),
            "doc": "message only (ASCII)"},
    "codes": {"fields": (), "svc": ("tag",), "bt": (),
              "doc": "codes and service tags only; text is expanded on the host"},
}
NONE = 0xFFFF  # text reference to nothing
ABSENT = 255  # slot of a field the tier leaves out
MAX_TEXT = 255  # bytes per string: one length byte
HEADER_SIZE = 24


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


class _Pool:
    """Deduplicated UTF-8 strings placed from `base` on; a reference is (offset u16, bytes u8, chars u8)."""

    def __init__(self, base):
        self.base = base
        self.data = bytearray()
        self.at = {}

    def ref(self, text, where):
        if not text:
            return struct.pack("<HBB", NONE, 0, 0)
        raw = text.encode("utf-8")
        if len(raw) > MAX_TEXT:
            raise SourceError(f"{where}: text is {len(raw)} bytes, the limit is {MAX_TEXT}")
        if text not in self.at:
            self.at[text] = self.base + len(self.data)
            self.data += raw
        off = self.at[text]
        if off >= NONE:
            raise SourceError("table data exceeds 64 KB")
        return struct.pack("<HBB", off, len(raw), len(text))


def table_version(tier, src=None):
    """The table version of tier: a short hash of both sources and the tier."""
    return hashlib.sha256(f"{(src or load_source())['digest']}:{tier}".encode()).hexdigest()[:8]


def pack(src, tier):
    """Packed tables for one tier -> dict with the RAM parts (header, codes, ranges) and the
    data blob: version, code records, service records, business-type records, string pool."""
    spec = TIERS[tier]
    version = table_version(tier, src)

    def slots(names, order, head):
        # record offset of each field in `order`; ABSENT = not in this tier
        return bytes(head + names.index(f) * 4 if f in names else ABSENT for f in order)

    width, svc_width, bt_width = 4 + 4 * len(spec["fields"]), 4 * len(spec["svc"]), 4 + 4 * len(spec["bt"])
    at_codes = len(version)
    at_btypes = at_codes + width * len(src["codes"])
    pool = _Pool(at_btypes + bt_width * len(src["btypes"]))

    records = bytearray()
    for c in src["codes"]:
        records += struct.pack("<HBB", c["code"], c["service"], c["level"])
        for f in spec["fields"]:
            records += pool.ref(c[f], f"code {c['code']} {f}")
    btypes = bytearray()
    for b in src["btypes"]:
        major, minor = (int(x) for x in b["type"].split("."))
        svc = 255 if b["service"] is None else b["service"]
        btypes += bytes((major, minor, svc, int(b["logged"])))
        btypes += b"".join(pool.ref(b[f], f"business type {b['type']}") for f in spec["bt"])
    services = bytearray()
    for s in src["services"]:
        services += b"".join(pool.ref(s[f], f"service {s['tag']}") for f in spec["svc"])
    ranges = bytearray()
    for i, s in enumerate(src["services"]):
        for lo, hi in s["ranges"]:
            ranges += struct.pack("<HHB", lo, hi, i)
    header = bytes((width, svc_width, bt_width)) + slots(spec["fields"], FIELDS, 4) \
        + slots(spec["svc"], SVC_FIELDS, 0) + slots(spec["bt"], BT_FIELDS, 4) \
        + struct.pack("<HHBBB", at_codes, at_btypes, len(src["btypes"]), len(ranges) // 5, len(src["services"]))
    at_svc = HEADER_SIZE + len(ranges)  # where INDEX holds the service records, then the codes
    at_index_codes = at_svc + len(services)
    if at_index_codes > 255:
        raise SourceError(f"INDEX: {len(ranges) // 5} ranges and {len(src['services'])} services leave the codes "
                          f"at byte {at_index_codes}; the header has one byte for it")
    header += bytes((at_svc, at_index_codes))
    assert len(header) == HEADER_SIZE
    blob = version.encode() + records + btypes + pool.data
    assert len(blob) == pool.base + len(pool.data)
    return {
        "tier": tier, "doc": spec["doc"], "version": version,
        "index": header + ranges + services + b"".join(struct.pack("<H", c["code"]) for c in src["codes"]),
        "blob": bytes(blob), "pool_at": pool.base,
    }


def _bytes_literal(name, data, comment):
    out = [f"# {line}" for line in comment]
    if len(data) <= 48:
        return out + [f"{name} = {data!r}"]
    out.append(f"{name} = (")
    for i in range(0, len(data), 48):
        out.append(f"    {data[i:i + 48]!r}")
    return out + [")"]


def render(t, inline=False):
    """table.py source for a packed tier; the data blob goes inline or into table.bin."""
    out = [
        "# generated by tools/generator.py from source/device-log-status-codes.md and",
        "# source/overlay.toml -- do not edit; run `make table` (or the generator) instead.",
        f"# Tier {t['tier']}: {t['doc']}.",
        f"VERSION = {t['version']!r}",
        f"TIER = {t['tier']!r}",
    ]
    out += _bytes_literal("INDEX", t["index"], [
        "The part kept in RAM. Header (24 bytes): widths of a code, service and business-type",
        "record; the record offset of each text field (255: not in this tier): code message,",
        "reason zh, step zh, reason en, step en; service name zh, name en, tag; business type name",
        "zh, name en, trigger zh, trigger en; u16 offsets of the code and business-type records",
        "in DATA; the counts of business types, ranges and services; where INDEX holds the service",
        "records and the codes. Then the ranges (low u16, high u16, service u8: the code groups a",
        "service owns), the service records, and every code, u16, ascending: record i in DATA is",
        "code i."])
    data = ["Data: version; records of code u16, service u8, level u8 and text references",
            "(offset u16, bytes u8, chars u8); business types; UTF-8 strings."]
    if inline:
        out += _bytes_literal("DATA", t["blob"], data + ["Inline, so that a frozen build keeps it in flash."])
    else:
        out += [f"# {line}" for line in data] + ["# In table.bin beside this module, read on demand.", "DATA = None"]
    return ("\n".join(out) + "\n").encode("utf-8")


def write_tier(tier, out_dir, inline=False, src=None):
    """Write out_dir/table.py (+ table.bin) -> list of written paths."""
    t = pack(src or load_source(), tier)
    inline = inline or tier == "codes"  # a few tags: no data file worth opening
    os.makedirs(out_dir, exist_ok=True)
    files = {"table.py": render(t, inline)}
    if not inline:
        files["table.bin"] = t["blob"]
    bin_path = os.path.join(out_dir, "table.bin")
    if inline and os.path.exists(bin_path):
        os.remove(bin_path)
    written = []
    for name, data in files.items():
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        written.append(path)
    return written


def stale(out_dir=LIB_DIR, tier="full", src=None):
    """Names of checked-in files that differ from a fresh generation."""
    t = pack(src or load_source(), tier)
    want = {"table.py": render(t), "table.bin": t["blob"]}
    bad = []
    for name, data in want.items():
        path = os.path.join(out_dir, name)
        if not os.path.exists(path) or open(path, "rb").read() != data:
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
    if os.path.exists(target) and open(target, "rb").read() == connack_module(path):
        return []
    return [target]


def write_connack(out_dir=LIB_DIR, path=CONNACK_TOML):
    target = os.path.join(out_dir, CONNACK_PY)
    with open(target, "wb") as f:
        f.write(connack_module(path))
    return target


def main(argv=None):
    ap = argparse.ArgumentParser(prog="onenetlog-generator", description=__doc__ or "Generate the packed table.")
    ap.add_argument("--tier", choices=sorted(TIERS), default="full")
    ap.add_argument("--out", default=LIB_DIR, help="folder for table.py and table.bin (default lib/onenetlog)")
    ap.add_argument("--inline", action="store_true", help="put the string pool into table.py (for freezing)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the checked-in table is stale")
    ap.add_argument("--table", default=TABLE_MD, help="the platform's table (default source/device-log-status-codes.md)")
    ap.add_argument("--overlay", default=OVERLAY, help="our English text and type codes (default source/overlay.toml)")
    a = ap.parse_args(argv)
    try:
        src = load_source(a.table, a.overlay)
        if a.check:
            bad = stale(a.out, a.tier, src) + (connack_stale() if a.out == LIB_DIR else [])
            for p in bad:
                print(f"stale: {p} (run `make table`)", file=sys.stderr)
            return 1 if bad else 0
        for p in write_tier(a.tier, a.out, a.inline, src) + ([write_connack()] if a.out == LIB_DIR else []):
            print(f"{os.path.getsize(p):6d}  {os.path.relpath(p)}")
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
