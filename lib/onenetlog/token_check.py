"""onenetlog.token_check: what onenetlog.token.check() does, loaded on its first call, so that a
board that only makes its token does without it."""

import binascii

from .token import METHODS, VERSION, EPOCH_2000, CLOCK_SET, YEAR, _is_base64, _sign, unix_now

try:
    from micropython import const
except ImportError:  # CPython
    from ._host import const

_LONGEST = const(1024)  # chars: no real token comes near; longer is refused before reading
# The platform's codes a finding carries (its message in the table).
_INVALID_ARGUMENT = const(1101)
_INVALID_TOKEN = const(1103)
_TOKEN_EXPIRED = const(1104)
_SIGN_NOT_MATCH = const(1106)
_METHOD_NOT_SUPPORTED = const(1110)
_INVALID_VERSION = const(1111)
_ARGUMENT_NOT_MATCH = const(1114)
# Durations, in seconds.
_MINUTE = const(60)
_HOUR = const(3600)
_DAY = const(86400)
_UNIX_EPOCH_YEAR = const(1970)
_NEVER_SET = const(10)  # years: an et this close to 1970 was made on a clock never set
# URL and hex digits.
_PERCENT = const(0x25)  # %XX
_ASCII_END = const(0x80)
_BYTE_END = const(256)
_DIGIT_0 = const(48)
_DIGIT_9 = const(57)
_LETTER_A = const(97)  # lower case a and f
_LETTER_F = const(102)
_LOWER_CASE = const(32)  # the bit that makes an ASCII letter lower case
_NOT_HEX = const(-512)  # a digit's value that makes the byte out of range


def check(token, client_id=None, username=None, key=None, now=None):
    """onenetlog.token.check(): never raises."""
    if token is None:
        return [(_INVALID_ARGUMENT, "no password (the token) given")]
    try:
        return _check(_text(token), _text(client_id), _text(username), key, now)
    except Exception as err:  # MemoryError: the answer is that it could not be read
        return [(_INVALID_TOKEN, "token could not be read (%s)" % type(err).__name__)]


def _check(tok, client_id, username, key, now):
    found = []
    for value, what in ((tok, "password (the token)"), (client_id, "clientId"), (username, "username")):
        if value == "":
            found.append((_INVALID_ARGUMENT, what + " is empty"))
    if not tok:
        if tok is None:
            found.append((_INVALID_TOKEN, "the token is not text"))
        return found
    if len(tok) > _LONGEST:
        return found + [(_INVALID_TOKEN, "the token is %d chars long: no OneNET token is" % len(tok))]
    fields = []
    for name in ("version", "res", "et", "method", "sign"):
        value = _field(tok, name)
        if value is None:
            found.append((_INVALID_TOKEN, "the token has no " + name + "="))
        elif not value:
            found.append((_INVALID_ARGUMENT, name + " is empty"))
        fields.append(value)
    version, res, et, method, sign = fields
    if version and version != VERSION:
        found.append((_INVALID_VERSION, "version is %s: devices use %s" % (version, VERSION)))
    if method and method not in METHODS:
        found.append((_METHOD_NOT_SUPPORTED, "method is %s: the platform takes md5, sha1 or sha256" % method))
    et = _et(et, found)
    res = _res(res, client_id, username, found)
    sign = _sign_text(sign, found)
    if et is not None:
        _expiry(et, unix_now() if now is None else now, found)
    if key is not None and not _is_base64(_text(key)):
        found.append((_SIGN_NOT_MATCH, "the key given is not base64: cannot verify the sign"))
    elif key is not None and sign and res and et is not None and method in METHODS:
        _verify(_text(key), et, method, res, sign, found)
    return found


def _et(et, found):
    """et as an int, or None after a finding."""
    if et and (not et.isdigit() or max(et) > "9" or len(et) > 12):  # ASCII digits: isdigit() takes others
        found.append((_INVALID_TOKEN, "et is not Unix seconds: %s" % et[:16]))
        return None
    return int(et) if et else None


def _res(res, client_id, username, found):
    """res URL-decoded and matched against clientId and username; None after a 1103."""
    if not res:
        return None
    text = _unquote(res)
    if text is None:
        found.append((_INVALID_TOKEN, "res has a bad URL encoding: %s" % res[:48]))
        return None
    parts = text.split("/")
    if not (len(parts) in (2, 4) and parts[0] == "products" and parts[1]
            and (len(parts) == 2 or parts[2] == "devices" and parts[3])):
        found.append((_INVALID_TOKEN, "res is not products/<pid>/devices/<device name>: %s" % res[:48]))
        return None
    pid = parts[1]
    device = parts[3] if len(parts) == 4 else None
    if device and client_id == pid and username == device:
        found.append((_ARGUMENT_NOT_MATCH, "clientId and username are swapped: clientId = device name %s, username = "
                            "product ID %s" % (device, pid)))
        return text
    if username and username != pid:
        found.append((_ARGUMENT_NOT_MATCH, "res is for product %s, username is %s (username = product ID)" % (pid, username)))
    if client_id and device and client_id != device:
        found.append((_ARGUMENT_NOT_MATCH, "res is for device %s, clientId is %s (clientId = device name)" % (device, client_id)))
    return text


def _sign_text(sign, found):
    """sign URL-decoded, or None after a 1103."""
    if not sign:
        return None
    if "+" in sign:
        found.append((_INVALID_TOKEN, "sign has a raw '+', read as a space: URL-encode it (%2B)"))
        return None
    text = _unquote(sign)
    if text is None:
        found.append((_INVALID_TOKEN, "sign has a bad URL encoding: %s" % sign[:48]))
        return None
    if not _is_base64(text):
        found.append((_INVALID_TOKEN, "sign is not base64 after URL-decoding: %s" % sign[:48]))
        return None
    return text


def _expiry(et, now, found):
    """A 1104 when et is past, saying by how much and naming the clock mistake behind it."""
    if now < CLOCK_SET or et > now:  # a clock never set cannot judge expiry
        return
    gap = now - et
    if et < _NEVER_SET * YEAR:
        why = ("expired %s ago: et=%d is in %d, made on a clock that was never set (time.time() near 0)"
               % (_span(gap), et, _UNIX_EPOCH_YEAR + et // YEAR))
    elif abs(gap - EPOCH_2000) < 2 * YEAR:
        why = ("expired %s ago: et counts from 2000 (this port's epoch), not 1970; add %d"
               % (_span(gap), EPOCH_2000))
    else:
        why = "expired %s ago (et=%d, now=%d)" % (_span(gap), et, now)
    found.append((_TOKEN_EXPIRED, why))


def _verify(key, et, method, res, sign, found):
    """A 1106 when sign is not made with key; names a key used raw instead of base64-decoded."""
    good = _sign(binascii.a2b_base64(key), et, method, res)
    if good is None or good == sign:  # this port lacks the method: make() says so
        return
    if _sign(key.encode(), et, method, res) == sign:
        found.append((_SIGN_NOT_MATCH, "sign was made with the access key's text: base64-decode the key first"))
    else:
        found.append((_SIGN_NOT_MATCH, "sign does not match the access key (for this et, method and res)"))


def _span(s):
    """A duration in words: 42 s, 5 min, 3 h 20 min, 12 d 4 h, about 30 years."""
    if s < _MINUTE:
        return "%d s" % s
    if s < _HOUR:
        return "%d min" % (s // _MINUTE)
    if s < _DAY:
        return "%d h %d min" % (s // _HOUR, s % _HOUR // _MINUTE)
    if s < 2 * YEAR:
        return "%d d %d h" % (s // _DAY, s % _DAY // _HOUR)
    return "about %d years" % ((s + YEAR // 2) // YEAR)


def _field(tok, name):
    """The value of name= in the &-separated token, or None when absent."""
    at = 0
    while at <= len(tok):
        end = tok.find("&", at)
        if end < 0:
            end = len(tok)
        eq = at + len(name)
        if tok.startswith(name, at) and eq < len(tok) and tok[eq] == "=":
            return tok[eq + 1 : end]
        at = end + 1
    return None


def _text(x):
    """x as a str (bytes are decoded), or None when it is no text."""
    if isinstance(x, str):
        return x
    if isinstance(x, (bytes, bytearray)):
        try:
            return bytes(x).decode()
        except Exception:  # UnicodeError
            return None
    return None


def _unquote(s):
    """s with %XX decoded, or None for a bad escape, a raw non-ASCII char or bytes not UTF-8."""
    if "%" not in s:
        return s
    raw = s.encode()
    out = bytearray(len(raw))  # the decoded bytes; never longer than raw
    n = at = 0
    while at < len(raw):
        b = raw[at]
        if b == _PERCENT:
            b = _hex(raw, at + 1) << 4 | _hex(raw, at + 2)
            at += 2
        if not 0 <= b < _BYTE_END or raw[at] >= _ASCII_END:  # a bad escape; a token is ASCII
            return None
        out[n] = b
        n += 1
        at += 1
    try:
        return bytes(memoryview(out)[:n]).decode()
    except Exception:  # UnicodeError
        return None


def _hex(raw, at):
    """The value of the hex digit raw[at], or _NOT_HEX (poisons the byte) when it is none."""
    d = raw[at] if at < len(raw) else 0
    if _DIGIT_0 <= d <= _DIGIT_9:
        return d - _DIGIT_0
    d |= _LOWER_CASE
    return d - _LETTER_A + 10 if _LETTER_A <= d <= _LETTER_F else _NOT_HEX
