"""The CONNACK table: generated from source/connack.toml, checked in, never stale; the generator
refuses a broken source; every OneNET code it names is one the decoder knows."""

import pytest

import onenetlog
from onenetlog import connack
from onenetlog_tools import generator as g


def test_checked_in_connack_module_is_not_stale():
    assert g.connack_stale() == [], "lib/onenetlog/connack.py is stale: run `make table`"


def test_check_reports_a_stale_connack_module(tmp_path, monkeypatch, capsys):
    (tmp_path / "connack.py").write_bytes(g.connack_module().replace(b"not authorized", b"not authorised"))
    assert g.connack_stale(str(tmp_path)) == [str(tmp_path / "connack.py")]
    monkeypatch.setattr(g, "connack_stale", lambda: [str(tmp_path / "connack.py")])
    assert g.main(["--check"]) == 1 and "stale" in capsys.readouterr().err


def test_table_covers_mqtt_311_return_codes_1_to_5():
    assert (connack.LOWEST, connack.HIGHEST) == (1, 5)
    assert connack.MEANING[5 - connack.LOWEST] == "not authorized"
    assert connack.MEANING[1 - connack.LOWEST] == "unacceptable protocol version"
    for field in (connack.MEANING, connack.WHY, connack.ONENET_WHY, connack.ONENET):
        assert len(field) == 5
    assert "likely" in connack.ONENET_WHY[4 - 1] and 1104 in connack.ONENET[4 - 1] and 1104 in connack.ONENET[5 - 1]


def test_every_onenet_code_named_is_known_to_the_decoder():
    for codes, why in zip(connack.ONENET, connack.ONENET_WHY):
        for code in codes:
            assert onenetlog.known(code) and str(code) in why, (code, why)


@pytest.mark.parametrize("text, error", [
    ('[[rc]]\nrc = 2\nmeaning = "a"\nwhy = "b"\nonenet_why = "c"\n', "rc must run 1, 2"),
    ('[[rc]]\nrc = 1\nmeaning = "a"\nwhy = "b"\n', "rc 1: missing onenet_why"),
    ('[[rc]]\nrc = 1\nmeaning = "\u5df2"\nwhy = "b"\nonenet_why = "c"\n', "must be ASCII"),
    ('[[rc]]\nrc = 1\nmeaning = "a"\nwhy = "b"\nonenet_why = "c"\nonenet = [404]\n', "MQTT access codes"),
    ('[[rc]\n', "connack.toml"),
])
def test_generator_refuses_a_broken_source(tmp_path, text, error):
    path = tmp_path / "connack.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(g.SourceError, match=error):
        g.connack_module(str(path))
