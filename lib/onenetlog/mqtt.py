"""onenetlog.mqtt: connect a umqtt MQTTClient to OneNET and say why it is refused.
Loaded only when used: `import onenetlog.mqtt`.

    from umqtt.simple import MQTTClient
    client = MQTTClient(device, "mqtts.heclouds.com", 1883, user=pid, password=tok, keepalive=120)
    rc = onenetlog.mqtt.connect(client, log)     # 0: connected; else the CONNACK return code

connect() checks the token first (onenetlog.token.check: a status line per platform code the
connect would be refused with, note "pre-flight: <why>"), connects, and logs a refusal as a
CONNACK line: `E (t) mqtt#5: not authorized | the token or the device: likely one of ...
type=connack -- pre-flight: 1104 expired 2 h 5 min ago`. Errors other than a refusal (no
network, a broken socket) propagate as client.connect() raises them. make_line() is how the
Logger makes a CONNACK line; onenetlog.token loads only for the pre-flight.
"""

import onenetlog.connack as _connack


def rc_of(x):
    """The CONNACK return code in umqtt's MQTTException(rc), or of an int; None otherwise."""
    if type(x) is not int:
        if type(x).__name__ != "MQTTException" or len(x.args) != 1 or type(x.args[0]) is not int:
            return None
        x = x.args[0]
    return x if 0 <= x <= 255 else None


def describe(rc, verbosity=1):
    """'meaning | the OneNET codes behind it' of a CONNACK code (verbosity 0: the meaning)."""
    if type(rc) is not int or not _connack.LOWEST <= rc <= _connack.HIGHEST:
        return "accepted" if rc == 0 else "unknown CONNACK code"
    i = rc - _connack.LOWEST
    return _connack.MEANING[i] + (" | " + _connack.ONENET_WHY[i] if verbosity else "")


def head(x, tag, verbose=1):
    """b"tag#rc: text" of a CONNACK line for umqtt's MQTTException(rc) or rc (#? when it holds
    no code), text as describe() gives it."""
    rc = rc_of(x)
    return tag + b"#" + (b"%d" % rc if rc is not None else b"?") + b": " + describe(rc, verbose).encode()


def make_line(log, level, note, x, type):
    """Logger._make() of a CONNACK line, in the Logger's buffers (kept here, loaded with the first
    such line, so that the Logger's import stays in its heap budget): the head, then its type and
    the note -> where the line starts in the line buffer, or -1 when its level is not logged.
    Allocates nothing for a code whose line was made before (a str note, no pre-flight)."""
    rc = rc_of(x)
    line = _kept_head(log, rc)
    if level < 0:  # the code's own
        level = line_level(rc)
    if level < log.level:
        return -1
    log._add_parts(log._new_head(line, b""), b" -- ", note, None, None, type)
    return log._stamp(level)


def _kept_head(log, rc):
    # head() of rc for log, kept on it for the codes of _connack (and 0 and no code), each made
    # once: a CONNACK line after the first of its code is made under heap_lock too.
    tag = log._service_tags and b"mqtt" or log.name
    if getattr(log, "_connack_tag", None) is not tag:  # the first, or the log's name changed
        log._connack_heads = {}
        log._connack_tag = tag
    line = log._connack_heads.get(rc)
    if line is None:
        line = head(rc, tag, log._decode_flags & 8)  # 8: the reason
        if rc is None or rc <= _connack.HIGHEST:
            log._connack_heads[rc] = line
    return line


def line_level(rc):
    """The level of a CONNACK line: 20 accepted, 40 refused (1-5), 30 an unknown code."""
    return 20 if rc == 0 else 40 if type(rc) is int and _connack.LOWEST <= rc <= _connack.HIGHEST else 30


def preflight(client, key=None, now=None):
    """token.check() of the client's password, clientId and username: [(code, why), ...]."""
    import onenetlog.token as _token  # loaded here: the Logger reads CONNACK codes without it

    return _token.check(client.pswd, client.client_id, client.user, key, now)


_PRE = "pre-flight: "  # what a note of the token check starts with


def note(findings):
    """The pre-flight findings as one note: 'pre-flight: 1104 expired ...; 1114 ...' ('' if none)."""
    if not findings:
        return ""
    return _PRE + "; ".join("%d %s" % (code, why) for code, why in findings)


def connect(client, log=None, key=None, clean_session=True, now=None):
    """Pre-flight, connect, decode a refusal; returns 0 when connected, else the CONNACK code.
    log: a onenetlog.Logger (None: nothing is logged); key: the access key, to check the sign."""
    findings = preflight(client, key, now)
    if log is not None:
        for code, why in findings:
            log.status(code, note=_PRE + why)
    try:
        client.connect(clean_session)
    except Exception as err:
        rc = rc_of(err)
        if rc is None:
            raise
        if log is not None:
            log.status(err, note=note(findings))
        return rc
    return 0
