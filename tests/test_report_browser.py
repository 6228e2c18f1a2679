"""The report in a real browser: Debian's headless Chromium loads the page made from the
recorded session (tests/golden/session.log) and the golden trace export, offline. --dump-dom
checks what it shows; a screenshot checks that the chart is drawn (its colours are on screen).
Three browser runs in all. Skips, saying so, where chromium is not installed."""

import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

from onenetlog_tools.bench_report import CHROMIUM_FLAGS

GOLDEN = Path(__file__).parent / "golden"
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium; "
                                                          "`make sysdeps` does it as root)")
CHART_COLOURS = {"error": (0xD9, 0x30, 0x25), "warning": (0xF9, 0xA8, 0x25), "info": (0x34, 0xA8, 0x53)}


def browser(*args):
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    cmd = [sys.executable, "-m", "onenetlog_tools.cli", "report", "--lang", "en",
           str(GOLDEN / "session.log"), str(GOLDEN / "trace-export.json"), "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return out


def text_of(dom):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


def test_dom_shows_summary_chart_timeline_and_versions(page):
    dom = browser("--dump-dom", f"file://{page}").decode()
    words = text_of(dom)
    log = (GOLDEN / "session.log").read_bytes()
    assert f"1104 error {log.count(b'mqtt#1104:')} MQTT access (mqtt) token expired Token has expired" in words
    assert len(re.findall(r'<rect class="(?:error|warning|info)"', dom)) >= 15  # the SVG is in the DOM
    assert "305 no thing-model | Thing model definition does not exist" in words and "failing hop" in words
    assert "6463ff0e full 2 matches" in words
    assert "<script" not in dom


def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, as Chromium writes it."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, head = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + n
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and not interlace
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, [[tuple(r[x:x + 3]) for x in range(0, stride, bpp)] for r in rows]


def test_screenshot_shows_the_chart(page, tmp_path):
    shot = tmp_path / "shot.png"
    browser("--window-size=1000,1500", f"--screenshot={shot}", f"file://{page}")
    width, height, rows = png_pixels(shot.read_bytes())
    counts = {name: sum(row.count(rgb) for row in rows) for name, rgb in CHART_COLOURS.items()}
    assert width == 1000 and all(n > 2000 for n in counts.values()), counts  # bars of every level are drawn


def test_hostile_page_stays_text_in_the_browser(tmp_path):
    log = tmp_path / "evil.log"
    log.write_bytes(b"E (1) mqtt#1104: id=1 -- <script>document.title='owned'</script><img src=x>\n")
    out = tmp_path / "r.html"
    subprocess.run([sys.executable, "-m", "onenetlog_tools.cli", "report", "--lang", "en", str(log), "-o", str(out)],
                   check=True, capture_output=True, timeout=120)
    dom = browser("--dump-dom", f"file://{out}").decode()
    assert "<title>onenetlog report</title>" in dom and "<img" not in dom and "<script" not in dom
    assert "&lt;script&gt;document.title='owned'&lt;/script&gt;&lt;img src=x&gt;" in dom
