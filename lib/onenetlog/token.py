"""onenetlog.token: make a OneNET device token (the MQTT password) and check one before connecting.
Loaded only when used: `import onenetlog.token as token`.

    pw = token.make(pid, "dev1", key)                # sha256, valid for TTL s from the clock
    for code, why in token.check(pw, "dev1", pid, key):
        print(code, why)                              # the codes the platform would log

MQTT: clientId = device name, username = product ID, password = the token (OneNET's MQTT
device access documentation). A token is

    version=2018-10-31&res=products%2F<pid>%2Fdevices%2F<device>&et=<unix s>&method=<m>&sign=<s>

with sign = base64(HMAC-<m>(base64decode(access key), et "\\n" m "\\n" res "\\n" version)),
res and sign URL-encoded; res is products/<pid> for a product-level key. Some MicroPython
ports count time from 2000; et is always Unix seconds (from 1970).
"""

import binascii
import hashlib
import time

try:
    from micropython import const
except ImportError:  # CPython
    from ._host import const

VERSION = "2018-10-31"  # the token version devices use
METHODS = ("md5", "sha1", "sha256")  # the sign methods the platform takes
TTL = const(2592000)  # lifetime of a token make() dates from the clock: 30 days
EPOCH_2000 = const(946684800)  # 2000-01-01 in Unix seconds: the epoch of some MicroPython ports
CLOCK_SET = const(1704067200)  # 2024-01-01: a clock before it was never set
YEAR = const(31557600)  # 365.25 days
_TWELVE_DIGITS = 1000000000000  # et longer than 12 digits is not Unix seconds (check() refuses it)
# check()'s answer when the heap is full: nothing could be checked. Built at import, so that it
# takes no heap when returned.
NOT_CHECKED = ((0, "not checked: no heap free (MemoryError)"),)
_BLOCK = const(64)  # HMAC block size of md5, sha1 and sha256
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# The platform's URL-encoding list, "%" first so that it is not encoded twice.
_QUOTES = (("%", "%25"), ("+", "%2B"), (" ", "%20"), ("/", "%2F"), ("?", "%3F"), ("#", "%23"),
           ("&", "%26"), ("=", "%3D"))


def unix_now():
    """time.time() as Unix seconds, whatever the port's epoch."""
    return int(time.time()) + (EPOCH_2000 if time.gmtime(0)[0] == 2000 else 0)


def make(pid, device, key, et=None, method="sha256", ttl=TTL):
    """The token for device of product pid (device None: a product-level res), signed with the
    access key as the console shows it (base64). et=None: the clock's Unix time + ttl.
    Raises ValueError saying what is wrong: a pid or device that is not ASCII text without '/'
    (what res can hold), an et or ttl that is not a positive int, a clock that was never set
    (a year before 2024), a key that is not base64, a method the platform or this port's
    hashlib lacks."""
    res = "products/" + _name(pid, "pid") + ("" if device is None else "/devices/" + _name(device, "device"))
    if et is None:
        now = unix_now()
        if now < CLOCK_SET:
            raise ValueError("clock not set: time.time() is %d s, before 2024; set the RTC (ntptime.settime())"
                             " before make()" % now)
        et = now + _seconds(ttl, "ttl")
    _seconds(et, "et")
    if not _is_base64(key):
        raise ValueError("access key is not base64: paste it as the OneNET console shows it")
    sign = _sign(binascii.a2b_base64(key), et, method, res)
    if sign is None:
        raise ValueError("method %r: %s" % (method, _no_method(method)))
    return ("version=" + VERSION + "&res=" + _quote(res) + "&et=" + str(et) + "&method=" + method
            + "&sign=" + _quote(sign))


def _name(value, what):
    """value when res can hold it (what check() reads back): non-empty ASCII text without '/'."""
    if not isinstance(value, str) or not value or "/" in value or max(value) >= "\x80":
        raise ValueError("%s must be non-empty ASCII text without '/', not %s" % (what, repr(value)[:40]))
    return value


def _seconds(value, what):
    """value when it is a positive int of at most 12 digits (as check() reads et); else ValueError."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < _TWELVE_DIGITS:
        raise ValueError("%s must be a positive int of seconds, not %s" % (what, repr(value)[:40]))
    return value


def check(token, client_id=None, username=None, key=None, now=None):
    """[(code, why), ...]: the platform codes a connect with this token would be refused with,
    each with a one-line reason; [] when none is predicted. client_id and username are the MQTT
    clientId (device name) and username (product ID), key the access key: each is checked when
    given. now: Unix seconds as an int (anything else, None by default, a bool or an int
    subclass too: the clock; expiry is not judged on a clock never set). Never raises: with
    no heap left (MemoryError, heap_lock()) it returns NOT_CHECKED, code 0 (no platform code)
    saying so. The checks load on first use (onenetlog.token_check)."""
    try:
        from .token_check import check

        return check(token, client_id, username, key, now if type(now) is int else None)
    except MemoryError:
        return NOT_CHECKED
    except Exception as err:  # token_check missing from the install
        return [(1103, "token could not be checked (%s)" % type(err).__name__)]


def _sign(key, et, method, res):
    """base64 of the HMAC of the token's string-to-sign, or None if the method is missing."""
    mac = _hmac(method, key, ("%d\n%s\n%s\n%s" % (et, method, res, VERSION)).encode())
    return None if mac is None else binascii.b2a_base64(mac, newline=False).decode()


def _hmac(method, key, msg):
    """RFC 2104 HMAC with hashlib's method (block size 64 for all three), or None if missing."""
    new = getattr(hashlib, method, None) if method in METHODS else None
    if new is None:
        return None
    if len(key) > _BLOCK:
        key = new(key).digest()
    pad = bytearray(_BLOCK)  # the key, zero-padded, then xored into the inner and the outer pad
    pad[: len(key)] = key
    for i in range(_BLOCK):
        pad[i] ^= 0x36
    inner = new(pad)
    inner.update(msg)
    for i in range(_BLOCK):
        pad[i] ^= 0x36 ^ 0x5C
    outer = new(pad)
    outer.update(inner.digest())
    return outer.digest()


def _no_method(method):
    if method not in METHODS:
        return "the platform takes md5, sha1 or sha256"
    return "this port's hashlib has no %s; use sha256" % method


def _is_base64(s):
    """True for non-empty standard base64 with its padding, as the console and the sign use."""
    if not isinstance(s, str) or not s or len(s) % 4:
        return False
    body = s.rstrip("=")
    if len(s) - len(body) > 2:
        return False
    for c in body:
        if c not in _B64:
            return False
    return True


def _quote(s):
    for raw, enc in _QUOTES:
        s = s.replace(raw, enc)
    return s

