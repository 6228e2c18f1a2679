"""Terminal output for the CLI: colour only where wanted, widths that count CJK as two columns."""

import os
import shutil
import sys
import unicodedata


class Style:
    """ANSI colour, or plain text when off."""

    def __init__(self, on):
        self.on = on

    def _wrap(self, code, text):
        return f"\x1b[{code}m{text}\x1b[0m" if self.on and text else text

    def bold(self, text):
        return self._wrap("1", text)

    def dim(self, text):
        return self._wrap("2", text)

    def level(self, text, level):
        return self._wrap({40: "31", 30: "33", 20: "32"}.get(level, "0"), text)


def use_color(choice, stream):
    """--color never|always|auto; auto: a tty, and neither NO_COLOR nor TERM=dumb."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def term_width(stream=None):
    """Columns to fit: $COLUMNS, else the terminal's width when stream is a tty, else None."""
    cols = os.environ.get("COLUMNS", "")
    if cols.isdigit() and int(cols) > 0:
        return int(cols)
    stream = stream or sys.stdout
    if getattr(stream, "isatty", None) and stream.isatty():
        return shutil.get_terminal_size().columns
    return None


def cells(text):
    """Terminal columns text takes: wide (CJK) characters count two, combining marks none."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return n


def clip(text, width):
    """text cut to width columns, ending in '…' when cut."""
    if cells(text) <= width:
        return text
    out = []
    used = 0
    for ch in text:
        w = cells(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text, width):
    return text + " " * max(0, width - cells(text))


def wrap(text, width):
    """Lines of at most width columns; breaks at spaces, or anywhere in CJK text."""
    if width is None or cells(text) <= width:
        return [text]
    lines = []
    cur = ""
    for word in text.split(" "):
        cand = f"{cur} {word}" if cur else word
        if cells(cand) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        cur = ""
        for ch in word:  # a word (or CJK run) wider than the line breaks anywhere
            if cells(cur + ch) > width:
                lines.append(cur)
                cur = ""
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def fit_columns(widths, total, shrink):
    """Shrink the columns listed in shrink (widest first) until sum(widths) + gaps <= total."""
    widths = list(widths)
    gaps = 2 * (len(widths) - 1)
    while sum(widths) + gaps > total:
        i = max(shrink, key=lambda k: widths[k])
        if widths[i] <= 8:
            break
        widths[i] -= 1
    return widths


def table(rows, header, width, shrink=()):
    """Rows as aligned text columns, clipped to fit width (None: no limit)."""
    widths = [max([cells(header[i])] + [cells(r[i]) for r in rows]) for i in range(len(header))]
    if width:
        widths = fit_columns(widths, width, shrink or range(len(header)))
    out = []
    for r in [header] + rows:
        cols = [clip(c, w) for c, w in zip(r, widths)]
        out.append("  ".join(pad(c, w) for c, w in zip(cols[:-1], widths[:-1])) + "  " + cols[-1])
    return [line.rstrip() for line in out]
