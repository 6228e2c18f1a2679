"""The pty bridge: mpremote drives the unix port through it like a board, losslessly.
Covers raw REPL, soft reset (respawn), output with no client attached, and shutdown."""

import subprocess
import sys
import time

import pytest

from onenetlog_tools.ptybridge import PtyBridge, main

STEP = 60


def mpremote(port, *args):
    cmd = [sys.executable, "-m", "mpremote", "connect", port, *args]
    return subprocess.run(cmd, capture_output=True, timeout=STEP)


@pytest.fixture
def bridge():
    with PtyBridge(("-X", "heapsize=64k"), timeout=300) as b:
        yield b
    assert not b.alive()


def test_raw_repl_exec_and_eval(bridge):
    done = mpremote(bridge.path, "resume", "exec", "print('x' * 3, 6 * 7)", "+", "eval", "1 + 2")
    assert done.returncode == 0 and done.stdout.split() == [b"xxx", b"42", b"3"], done


def test_large_multibyte_output_arrives_intact(bridge):
    # mpremote reads a pty one byte at a time: far slower than the interpreter writes.
    script = "for i in range(3000):\n    print(i, '状态码解码' * 4)\n"
    done = mpremote(bridge.path, "resume", "exec", script)
    assert done.returncode == 0, done.stderr
    want = "".join(f"{i} {'状态码解码' * 4}\n" for i in range(3000)).encode("utf-8")
    assert done.stdout == want


def test_soft_reset_respawns_a_fresh_interpreter(bridge):
    assert mpremote(bridge.path, "resume", "exec", "marker = 1").returncode == 0
    done = mpremote(bridge.path, "exec", "print('marker' in globals())")  # soft reset first
    assert done.stdout.strip() == b"False" and bridge.spawns == 2 and bridge.alive()


def test_output_without_a_client_does_not_wedge_the_interpreter(bridge):
    # A client that disappears mid-output: the bridge must drop, not block forever.
    cmd = [sys.executable, "-m", "mpremote", "connect", bridge.path, "resume", "exec",
           "for i in range(20000):\n    print('unread line', i)\n"]
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(cmd, capture_output=True, timeout=1.5)
    time.sleep(3)  # past the bridge's stall limit
    done = mpremote(bridge.path, "resume", "eval", "40 + 2")
    assert done.stdout.strip() == b"42", done


def test_interpreter_stops_on_exit_and_on_timeout():
    with PtyBridge(timeout=300) as b:
        assert b.alive()
    assert b.proc.returncode is not None  # reaped, not left running
    with PtyBridge(timeout=1) as short:
        time.sleep(2)
        assert short.proc.returncode is not None


def test_cli_reports_missing_interpreter(monkeypatch, capsys):
    import onenetlog_tools.ptybridge as ptybridge

    def missing():
        raise FileNotFoundError("micropython unix port not found")

    monkeypatch.setattr(ptybridge, "find_micropython", missing)
    assert main(["--timeout", "1"]) == 1
    assert "not found" in capsys.readouterr().err
