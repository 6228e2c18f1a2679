"""onenetlog token: make or check a OneNET device token with the device's own code (onenetlog.token).
onenetlog token make --pid P --device D --key K [--et UNIX | --ttl S] [--method sha256]
onenetlog token check TOKEN --pid P --device D [--key K] [--now UNIX]

`make` prints the token (the MQTT password; clientId = device, username = pid). `check` prints one
line per platform code the connect would be refused with, `<code> <message>: <why>`, and exits 1;
with none it prints `ok: no refusal predicted` and exits 0. A bad argument is one line,
`onenetlog token: error: ...`: exit 1 for a value make() refuses, 2 for a usage error.
"""

import argparse
import sys

import onenetlog
import onenetlog.token as token
from onenetlog_tools.usage import Parser

PROG = "onenetlog token"


def unix_seconds(text):
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise argparse.ArgumentTypeError(f"not Unix seconds: {text!r}")
    return int(text)


def parser():
    p = Parser(prog=PROG, description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", metavar="make|check", parser_class=Parser, required=True)
    m = sub.add_parser("make", help="make a token from the access key")
    m.add_argument("--pid", required=True, help="product ID (the MQTT username)")
    m.add_argument("--device", help="device name (the MQTT clientId); leave out for a product-level key")
    m.add_argument("--key", required=True, help="access key, base64 as the console shows it")
    when = m.add_mutually_exclusive_group()
    when.add_argument("--et", type=unix_seconds, help="expiry, Unix seconds")
    when.add_argument("--ttl", type=unix_seconds, default=token.TTL,
                      help=f"seconds from now (default {token.TTL}, 30 days)")
    m.add_argument("--method", default="sha256", help="md5, sha1 or sha256 (default)")
    c = sub.add_parser("check", help="the codes the platform would refuse a token with")
    c.add_argument("token")
    c.add_argument("--pid", help="product ID the board sends as username")
    c.add_argument("--device", help="device name the board sends as clientId")
    c.add_argument("--key", help="access key: also check the sign")
    c.add_argument("--now", type=unix_seconds, help="judge expiry at this time (default: now)")
    return p


def findings_text(found):
    """The lines `check` prints for token.check()'s findings."""
    return [f"{code} {onenetlog.message(code)}: {why}" for code, why in found] or ["ok: no refusal predicted"]


def main(argv=None):
    args = parser().parse_args(argv)
    if args.command == "make":
        try:
            print(token.make(args.pid, args.device, args.key, et=args.et, method=args.method, ttl=args.ttl))
        except ValueError as err:
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return 1
        return 0
    found = token.check(args.token, args.device, args.pid, args.key, args.now)
    print("\n".join(findings_text(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
