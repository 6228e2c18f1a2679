"""`onenetlog token make|check`: the device's onenetlog.token on the host, checked against the same
module run on the unix port (built .mpy)."""

import pytest

import onenetlog
import onenetlog.token as token
from onenetlog_tools import cli
from upy import run_upy

KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
PID, DEV = "Xa8Bc3dE9f", "lamp-01"
NOW = 1796000000


def run(capsys, *argv):
    try:
        rc = cli.main(["token", *argv])
    except SystemExit as done:  # argparse's usage errors
        rc = done.code
    out, err = capsys.readouterr()
    return rc, out, err


def test_make_equals_the_device_for_every_method(capsys):
    host = []
    for method in token.METHODS:
        rc, out, _ = run(capsys, "make", "--pid", PID, "--device", DEV, "--key", KEY, "--et", "1796003600",
                         "--method", method)
        assert rc == 0
        host.append(out.strip())
    device = run_upy("import onenetlog.token as t\nfor m in ('md5', 'sha1', 'sha256'):\n"
                     f" print(t.make({PID!r}, {DEV!r}, {KEY!r}, et=1796003600, method=m))\n")
    assert host == device.split()


def test_make_dates_from_now_with_ttl(capsys):
    rc, out, _ = run(capsys, "make", "--pid", PID, "--device", DEV, "--key", KEY, "--ttl", "60")
    et = int(out.split("&et=")[1].split("&")[0])
    assert rc == 0 and 0 <= et - token.unix_now() <= 60
    assert run(capsys, "check", out.strip(), "--pid", PID, "--device", DEV, "--key", KEY)[:2] == (
        0, "ok: no refusal predicted\n")


CHECKS = [  # token made with (et, method, key used), checked as (clientId, username)
    ((1796003600, "sha256", KEY), (DEV, PID)),
    ((1704070800, "sha1", KEY), (DEV, PID)),
    ((1796003600 - 946684800, "md5", KEY), (DEV, PID)),
    ((1796003600, "sha256", KEY), (PID, DEV)),
    ((1796003600, "sha256", "b3RoZXIga2V5"), (DEV, PID)),
]


@pytest.mark.parametrize("made, names", CHECKS)
def test_check_says_what_the_device_says(capsys, made, names):
    et, method, key = made
    tok = token.make(PID, DEV, key, et=et, method=method)
    rc, out, _ = run(capsys, "check", tok, "--device", names[0], "--pid", names[1], "--key", KEY, "--now", str(NOW))
    device = run_upy(f"import onenetlog.token as t\nprint(repr(t.check({tok!r}, {names[0]!r}, {names[1]!r}, {KEY!r},"
                     f" {NOW})))\n")
    found = eval(device)
    assert found == token.check(tok, names[0], names[1], KEY, NOW)
    assert out.splitlines() == [f"{c} {token_message(c)}: {why}" for c, why in found] or out == "ok: no refusal predicted\n"
    assert rc == (1 if found else 0)


def token_message(code):
    return onenetlog.message(code)


@pytest.mark.parametrize("argv, error", [
    (["make", "--pid", PID, "--device", DEV, "--key", "not base64!"], "access key is not base64"),
    (["make", "--pid", PID, "--key", KEY, "--method", "sha512"], "method 'sha512': the platform takes"),
    (["make", "--pid", "", "--device", "", "--key", KEY], "pid must be non-empty ASCII text without '/', not ''"),
    (["make", "--pid", PID, "--device", "", "--key", KEY], "device must be non-empty ASCII text without '/'"),
    (["make", "--pid", "a/b", "--key", KEY], "pid must be non-empty ASCII text without '/', not 'a/b'"),
    (["make", "--pid", "\udcff", "--key", KEY], "pid must be non-empty ASCII text without '/', not '\\udcff'"),
    (["make", "--pid", PID, "--key", KEY, "--ttl", "0"], "ttl must be a positive int of seconds, not 0"),
])
def test_values_make_refuses_are_one_line_and_exit_1(capsys, argv, error):
    rc, out, err = run(capsys, *argv)
    assert rc == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"onenetlog token: error: {error}"), err


def test_a_key_given_that_is_not_base64_is_a_finding(capsys):
    tok = token.make(PID, DEV, KEY, et=NOW + 60)
    rc, out, _ = run(capsys, "check", tok, "--pid", PID, "--device", DEV, "--key", "!!!", "--now", str(NOW))
    assert rc == 1 and out == "1106 sign not match: the key given is not base64: cannot verify the sign\n"


@pytest.mark.parametrize("argv, error", [
    (["make", "--pid", PID, "--key", KEY, "--et", "\u0661\u0662\u0663"], "error: argument --et: not Unix seconds"),
    (["make", "--pid", PID, "--key", KEY, "--et", "soon"], "error: argument --et: not Unix seconds: 'soon'"),
    (["check", "x", "--now", "-5"], "error: argument --now"),
    (["make", "--pid", PID], "error: the following arguments are required: --key"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv, error):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "" and error in err.splitlines()[-1]


def test_a_product_level_token(capsys):
    rc, out, _ = run(capsys, "make", "--pid", PID, "--key", KEY, "--et", "1796003600")
    assert rc == 0 and "res=products%2FXa8Bc3dE9f&" in out
    assert run(capsys, "check", out.strip(), "--pid", PID, "--key", KEY, "--now", str(NOW))[0] == 0
