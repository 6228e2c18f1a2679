"""The Logger's line format (docs/line-format.md) as a checker, for the logger's tests."""

import re

TIME = r"(?P<time>\d+|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})"
LINE = re.compile(r"(?P<color>\x1b\[3[1236]m)?(?P<level>[DIWE]) \(" + TIME + r"\) (?P<tag>[A-Za-z0-9_.-]+)"
                  r"(?:#(?P<code>\d+|\?))?:(?: (?P<body>[^\n]*?))?(?P<reset>\x1b\[0m)?\n")
TAIL = re.compile(r"(?: id=(?P<id>\S+))?(?: trace=(?P<trace>\S+))?(?: type=(?P<type>\S+))?(?: -- (?P<note>.*))?$")


def parse(line):
    """One line (str, with its newline) -> dict of its parts; AssertionError if malformed."""
    m = LINE.fullmatch(line)
    assert m, f"malformed line: {line!r}"
    d = m.groupdict()
    assert bool(d["color"]) == bool(d["reset"]), line
    assert "\x1b" not in (d["body"] or ""), line
    return d


def lines(text):
    """Every line of text (str), parsed."""
    assert text.endswith("\n") or not text, repr(text[-80:])
    return [parse(s + "\n") for s in text[:-1].split("\n")] if text else []


def split_status(body, text):
    """A status line's body -> (decoder text, id, trace, type, note), given the decoder's text."""
    body = body or ""
    assert body.startswith(text), (body, text)
    rest = body[len(text):]
    m = TAIL.match(rest if text or not rest else " " + rest)
    assert m, body
    return (text,) + m.groups()
