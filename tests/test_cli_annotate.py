"""`onenetlog annotate`: anchored contexts only, byte-for-byte pass-through, robust input, and the
fast block path equal to the one-line reference."""

import io
import os
import random
import subprocess
import sys

import pytest

import onenetlog
from onenetlog_tools import annotate as ann
from onenetlog_tools.cli import main

SEP = ann.SEP


@pytest.fixture(scope="module")
def en():
    return ann.Annotator("en")


def text(code, with_code=False, lang="en"):
    return SEP + ann.meaning(code, lang, with_code).encode()


def run(data, *args):
    out = io.BytesIO()
    ann.Annotator(*args).stream(io.BytesIO(data), out)
    return out.getvalue()


def cli(data, *args, timeout=120):
    done = subprocess.run([sys.executable, "-m", "onenetlog_tools.cli", "annotate", *args], input=data,
                          capture_output=True, timeout=timeout)
    return done


def test_meaning_is_the_decoders_text():
    assert ann.meaning(1104, "en") == onenetlog.describe(1104, "en")
    assert ann.meaning(1104, "en", with_code=False) == "token expired | Token has expired | Check the token's expiry time (et)"
    assert ann.meaning(1104, "zh", with_code=False) == " | ".join(
        [onenetlog.message(1104), onenetlog.reason(1104, "zh"), onenetlog.hint(1104, "zh")])


@pytest.mark.parametrize("line, code", [
    (b"E (12345) mqtt#1104: id=123", 1104),  # codes tier
    (b"E (12345) mqtt#1104:", 1104),
    (b"E (12345) mqtt#1104: -- connect failed", 1104),
    (b"W (12) coap#404: trace=ab2fc05759a211ecbfd023bbbfff50a4 type=1.2", 404),
    (b"I (2024-05-01 12:00:01.250) thing#305: type=2.1", 305),
    (b"E (7) app.x-y_z#4001: unknown code", 4001),  # the device's table lacked it; the host has it
    (b"E (7) http#4001: failures reached the maximum number", 4001),  # another code's words
    (b"\x1b[31mE (12345) mqtt#1104: id=1\x1b[0m", 1104),
])
def test_device_status_lines_that_need_text(en, line, code):
    assert en.suffix(line) == text(code)


@pytest.mark.parametrize("line", [
    b"E (12345) mqtt#1104: token expired | Token has expired | Check the token's expiry time (et) id=123 -- x",
    b"E (12345) mqtt#1104: token expired",  # min tier
    b"E (12345) mqtt#1104: token expired | token\xe5\xb7\xb2\xe8\xbf\x87\xe6\x9c\x9f",  # zh tier
    b"W (1) http#4001: send failed | Push failed",  # the newer page's spelling
    b"W (1) http#4001: fail -- x",
    b"W (1) http#3003: failures reached the maximum number",
    b"I (1) general#200: - | Success type=1.2",
    b"W (1) log#9999: unknown code",  # unknown on both sides: nothing to add
    b"W (1) log#?: unknown code",
    b"W (1) log#?: id=5",
    b"I (12346) app: connected",
    b"E (12345) mqtt#1104: id=123  ## token expired",  # annotated already
])
def test_lines_left_alone(en, line):
    assert en.suffix(line) == b""


def test_unknown_code_without_text_gets_the_unknown_line(en):
    assert en.suffix(b"W (1) log#1999: id=5") == SEP + onenetlog.describe(1999, "en").encode()


@pytest.mark.parametrize("line, codes", [
    (b'{"id":"123","code":305,"msg":"no thing-model"}', [305]),
    (b'{"id": "123", "code" : "1104"}', [1104]),
    (b'{"status":"200","trace_id":"ab2fc05759a211ecbfd023bbbfff50a4"}', [200]),
    (b'"status": "1401",', [1401]),
    (b"rx code=1104", [1104]),
    (b"coap code=4.04 and code=0x84 and code=1104", [404, 1104]),  # each code once
    (b"I (1) app: reply {\"code\":305} code=1104", [305, 1104]),
    (b"I (1) thing#305: id=1 -- {\"code\":305}", None),  # the status line names 305 already
])
def test_anchored_contexts(en, line, codes):
    if codes is None:
        assert en.suffix(line) == text(305)
    else:
        assert en.suffix(line) == b"".join(text(c, True) for c in codes)


@pytest.mark.parametrize("line", [
    b"I (1104) app: uptime 1104 ms",  # a timestamp
    b"D (5) net: 183.230.40.96:1883 and port 5683",  # addresses and ports
    b"D (5) mem: free=123456 heap=305 max_block=0x3ffb1104",  # heap sizes, addresses
    b"errcode=305 status_code=404 xcode=1104 code=1883 code=99999 code=305.5 code=1104x",
    b'{"status":200,"code":3.05,"error_code":305,"codes":[1104],"code":1e3}',
    b'{"code":"abc","status":"x1104"}',
    b"E (12345) mqtt#1104 missing colon",
    b"E 12345 mqtt#1104: no parentheses",
    b"X (12345) mqtt#1104: bad level",
    b"  E (12345) mqtt#1104: indented",
    b"issue #1104: fixed",
    b"E (12345) my tag#1104: space in tag",
    b"",
])
def test_no_false_positives(en, line):
    assert en.suffix(line) == b""


def test_file_passes_through_byte_for_byte_except_annotations():
    data = (b"I (1) app: boot\r\n"
            b"E (2) mqtt#1104: id=1\r\n"
            b"\xff\xfe\x00binary\x00code=4.04\n"
            b"\n"
            b"no newline at end code=305")
    out = run(data, "en")
    assert out == (b"I (1) app: boot\r\n"
                   b"E (2) mqtt#1104: id=1" + text(1104) + b"\r\n"
                   b"\xff\xfe\x00binary\x00code=4.04" + text(404, True) + b"\n"
                   b"\n"
                   b"no newline at end code=305" + text(305, True))


def test_no_decode_copies_everything():
    data = b"E (2) mqtt#1104: id=1\n" * 3
    assert run(data, "en", False, False) == data
    done = cli(data, "--no-decode")
    assert done.returncode == 0 and done.stdout == data


def test_colour_wraps_only_the_annotation():
    line = b"E (2) mqtt#1104: id=1"
    out = run(line + b"\n", "en", True)
    assert out == line + SEP + b"\x1b[31m" + ann.meaning(1104, "en", False).encode() + b"\x1b[0m\n"
    assert cli(line, "--color", "always", "--lang", "en").stdout == out[:-1]
    assert cli(line, "--lang", "en").stdout == line + text(1104)  # a pipe: no colour


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_reads_of_any_size_give_the_same_output(size):
    data = b"".join(b"E (%d) mqtt#1104: id=%d\r\nI (%d) app: {\"code\":305}\n" % (i, i, i) for i in range(200))

    class Trickle(io.BytesIO):
        def read1(self, n=-1):
            return super().read1(min(size, n if n > 0 else size))

    out = io.BytesIO()
    ann.Annotator("en").stream(Trickle(data), out)
    assert out.getvalue() == run(data, "en")


def test_line_longer_than_max_line_passes_through(monkeypatch):
    monkeypatch.setattr(ann, "MAX_LINE", 1000)
    long = b"E (1) mqtt#1104: id=1 " + b"x" * 5000
    data = long + b"\nE (2) mqtt#1104: id=2\n" + b"y" * 3000
    out = io.BytesIO()

    class Small(io.BytesIO):
        def read1(self, n=-1):
            return super().read1(700)

    ann.Annotator("en").stream(Small(data), out)
    assert out.getvalue() == long + b"\nE (2) mqtt#1104: id=2" + text(1104) + b"\n" + b"y" * 3000


def test_megabyte_lines_binary_garbage_and_empty_input(tmp_path):
    rnd = random.Random(7)
    garbage = bytes(rnd.getrandbits(8) for _ in range(300_000))
    big = b"E (1) mqtt#1104: id=1 " + b"\xff" * 1_200_000 + b" code=305\n"
    data = garbage + b"\n" + big + b"\x00" * 1000
    path = tmp_path / "in.log"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "onenetlog_tools.cli", "annotate", "--lang", "en", str(path)],
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and done.stderr == b""
    want = run(garbage + b"\n", "en") + big[:-1] + text(1104) + text(305, True) + b"\n" + b"\x00" * 1000
    assert done.stdout == want
    assert cli(b"").stdout == b"" and cli(b"").returncode == 0


def test_annotated_output_is_left_alone_the_second_time():
    data = b"E (2) mqtt#1104: id=1\n{\"code\":305}\n"
    once = run(data, "en")
    assert once != data and run(once, "en") == once


def test_missing_file_and_directory_are_one_line_errors(tmp_path, capsys):
    assert main(["annotate", str(tmp_path / "nope.log")]) == 1
    err = capsys.readouterr().err
    assert err == f"onenetlog annotate: error: {tmp_path / 'nope.log'}: no such file\n"
    assert main(["annotate", str(tmp_path)]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_closed_pipe_ends_quietly(tmp_path):
    path = tmp_path / "big.log"
    path.write_bytes(b"E (2) mqtt#1104: id=1\n" * 200_000)
    cmd = f"{sys.executable} -m onenetlog_tools.cli annotate {path} | head -c 100 > /dev/null"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, timeout=60)
    assert done.stderr == b""


# -- the block path against the one-line reference -------------------------------------------

PARTS = [b"E (12345) mqtt#1104: ", b"I (1) thing#305: ", b"W (2024-01-02 03:04:05.678) x.y-z#4001: ",
         b"D (9) a#?: ", b"token expired", b"send failed", b"fail", b"failures reached the maximum number",
         b"unknown code", b" | ", b" id=12", b" trace=ab2fc05759a211ecbfd023bbbfff50a4", b" type=1.2", b" -- ",
         b"code=1104", b"code=4.04", b"code=0x84", b"errcode=305", b'"code":305', b'"code": "1104"',
         b'"status":"200"', b'"status": 200', b"\r", b"\n", b"\r\n", b"#", b"code", b"\x1b[31m", b"\x1b[0m",
         SEP, b"E (1) mqtt#1999: ", b"x", b" ", b"1104", b"no thing-model", b"-", b"#200: - | Success",
         b"\xff\xfe", b"E (1) a#200: -", b"I (3) general#200: - | Success", b'"code"', b"=", b":",
         b'"status"', b'"', b'"1104"', b"305", b"4.04", b"_", b"unknown code", b"E (1) log#?: "]


def reference(a, data):
    # Line by line through suffix(): the definition block() must match.
    out = []
    rows = data.split(b"\n")
    for i, row in enumerate(rows):
        body = row[:-1] if row.endswith(b"\r") else row
        out.append(body + a.suffix(body) + row[len(body):])
    return b"\n".join(out)


def test_block_path_equals_line_reference(en):
    rnd = random.Random(11)
    for _ in range(20000):
        data = b"".join(rnd.choice(PARTS) for _ in range(rnd.randint(0, 14)))
        out = io.BytesIO()
        en.stream(io.BytesIO(data), out)
        assert out.getvalue() == reference(en, data), data


def test_aliases_come_from_the_generators_sources():
    from onenetlog_tools import generator

    assert ann.aliases() == generator.load_source()["aliases"]
    assert {3001, 3003, 4001} <= set(ann.aliases())
    assert ann.spellings()[4001] == {b"fail", b"send failed"}


def test_to_code_takes_the_device_forms():
    assert [ann.to_code(x) for x in ("1104", b"1104", "4.04", "0x84", b"0X84", 0x84, " 305 ")] == \
        [1104, 1104, 404, 404, 404, 404, 305]
    assert [ann.to_code(x) for x in ("abc", "0x", "0xzz", "0x1_0", "0x184", "", None)] == [None] * 7


def test_live_pipe_is_annotated_line_by_line():
    # `tail -f console.log | onenetlog annotate`: each line comes out as soon as it is complete.
    import select

    proc = subprocess.Popen([sys.executable, "-m", "onenetlog_tools.cli", "annotate", "--lang", "en"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        got = b""
        for line in (b"E (1) mqtt#1104: id=1\n", b"I (2) app: ok\n"):
            proc.stdin.write(line)
            proc.stdin.flush()
            want = got + (line[:-1] + text(1104) + b"\n" if b"#" in line else line)
            while len(got) < len(want) and select.select([proc.stdout], [], [], 30)[0]:
                got += os.read(proc.stdout.fileno(), 4096)
            assert got == want
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0
