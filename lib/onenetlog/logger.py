"""onenetlog.logger: Logger, OneNET status codes as tagged lines on any stream.

    log = onenetlog.Logger()             # sys.stdout; Logger(uart), Logger([sys.stdout, f])
    log.status(1104, "connect failed")   # E (12345) mqtt#1104: token expired | token已过期 -- connect failed
    log.status(reply, type=topic)        # a OneJSON reply (bytes, str, dict) and its topic
    log.info("connected")                # I (12346) log: connected

This module owns the line: its format (docs/line-format.md, which the host CLI parses), the
clock in it, the line buffer it is assembled in, and the sinks it goes to. The text of a code
comes from the decoder (onenetlog.write, joined form); what a reply or record holds from
onenetlog.parse, and the cache of finished lines (cache=) from onenetlog.linecache, both
loaded on first use.

    <L> (<time>) <tag>[#<code>]:[ <body>]

Each line is assembled in buffers the constructor makes and goes to each sink in one call:
write(buf, off, n), else write(bytes), else write(str); a sink that takes part of a line (a
UART's count) is given the rest. A line of a code (int, bytes, ASCII str) or a plain line, with
str notes and ids, allocates nothing: it works under micropython.heap_lock() (of a topic as type=,
only the one read last has its type then, another is type=?; a OneJSON reply is a line with
code ? that says so; a CONNACK line, once its code was logged). No call raises into the
application: a line that cannot be made, a line logged from inside a sink, and a line a sink
does not take whole are counted in Logger.dropped.
"""

# The ports' stubs give io.BytesIO no stream methods (seek, write, readinto, tell).
# pyright: reportAttributeAccessIssue=false

import onenetlog

try:
    from time import ticks_ms, ticks_add, ticks_diff
    from micropython import const
    from io import BytesIO
except ImportError:  # CPython
    from ._hostlog import ticks_ms, ticks_add, ticks_diff, const, BytesIO

# The line buffer: "L (time) " is written backwards from _TAG_AT (the colour before it), the
# tag and body forwards from it; the colour reset and the newline always fit after _BODY_ROOM.
_LINE_SIZE = const(600)
_TAG_AT = const(40)
_BODY_ROOM = const(549)  # _LINE_SIZE - _TAG_AT - 11: a line is at most 560 bytes after the time
_MAX_TAG = const(32)  # bytes of a logger's name
_FIELD_ROOM = const(7)  # a part is left out when fewer bytes than this are left for it
_MAX_CODE = const(999999999)  # codes have at most 9 digits: only these are held or cached
# What the sink loop hands _finish() instead of a count of bytes taken.
_PYTHON_STREAM = const(-1)  # the sink takes no write(buf, off, n)
_TORN = const(-2)  # the sink's last line was cut off

# Levels, and the one that means "the code's own" (log(); below it nothing is logged).
_OWN_LEVEL = const(-1)
_DEBUG = const(10)
_PLAIN_OWN_LEVEL = const(_DEBUG)  # a plain line at _OWN_LEVEL
_INFO = const(20)  # the lowest level a code has
_WARNING = const(30)
_ERROR = const(40)

# onenetlog.write() flags (its documented API).
_W_SERVICE = const(1)
_W_CODE = const(2)
_W_MESSAGE = const(4)
_W_REASON = const(8)
_W_STEP = const(16)
_W_ASCII = const(32)
_W_TAG = const(128)
_W_JOIN = const(256)

# Clock modes (clock=None, False, True), and how often the wall clock is read from the RTC.
_CLOCK_AUTO = const(0)
_CLOCK_TICKS = const(1)
_CLOCK_WALL = const(2)
_RTC_EVERY_MS = const(10000)
_MS_PER_DAY = const(86400000)
_WALL_SINCE_YEAR = const(2024)  # an RTC this far is set
_WALL_TIME_LEN = const(23)  # YYYY-MM-DD HH:MM:SS.mmm

# Bytes written into the line buffer one by one.
_DIGIT_0 = const(48)
_SPACE = const(32)
_DASH = const(45)
_COLON = const(58)
_DOT = const(46)
_OPEN = const(40)  # (
_CLOSE = const(41)  # )
_HASH = const(35)
_QUESTION = const(63)
_UNDERSCORE = const(95)
_ESC = const(27)
_BRACKET = const(91)
_COLOUR_3 = const(51)  # the "3" of ESC[3Xm
_COLOUR_M = const(109)
_PRINTABLE_END = const(127)  # DEL
_CONTINUATION = const(2)  # byte >> _CONTINUATION_SHIFT of a UTF-8 continuation byte
_CONTINUATION_SHIFT = const(6)
# The UTF-8 of the control characters above DEL: C2 80 to C2 9F (C1), E2 80 A8 and E2 80 A9
# (U+2028 line and U+2029 paragraph separator).
_C1_LEAD = const(0xC2)
_C1_END = const(0xA0)
_SEPARATOR_LEAD = const(0xE2)
_SEPARATOR_MID = const(0x80)
_LINE_SEPARATOR_END = const(0xA8)
_PARAGRAPH_SEPARATOR_END = const(0xA9)

_TAG_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
_LEVEL_LETTERS = b"DIWE"  # below 20, 20-29, 30-39, 40 up
_LEVEL_COLOURS = b"6231"  # cyan, green, yellow, red
_RESET_NEWLINE = b"\x1b[0m\n"
_NEWLINE = b"\n"
_ID_SEP = b" id="
_TRACE_SEP = b" trace="
_TYPE_SEP = b" type="
_NOTE_SEP = b" -- "
_MESSAGE_SEP = b" "
_NAME_END = b":"
_CODE_SEP = b"#"
_UNREAD_NOTE = "reply not read: no heap"  # status() of a reply under heap_lock
_VERBOSITY_TEXT = (_W_MESSAGE, _W_MESSAGE | _W_REASON, _W_MESSAGE | _W_REASON | _W_STEP)
del const


class Logger:
    def __init__(self, stream=None, name=None, level=10, lang="zh", verbosity=1, color=False, ascii=False,
                 clock=None, cache=0):
        import sys

        cache = max(0, int(cache))  # bytes; TypeError or ValueError if it is no number
        self.level = level
        self.dropped = 0  # lines not made, and line copies a sink did not take
        self.sinks = list(stream) if isinstance(stream, list) or isinstance(stream, tuple) else [
            sys.stdout if stream is None else stream]
        self._service_tags = name is None  # status lines carry the code's service tag
        self._lang = "en" if ascii else lang
        self._decode_flags = _VERBOSITY_TEXT[min(max(verbosity, 0), 2)] | _W_CODE | _W_JOIN | (
            _W_ASCII if ascii else 0) | (_W_SERVICE | _W_TAG if name is None else 0)
        self._tail = _RESET_NEWLINE if color else _NEWLINE
        self._line = bytearray(_LINE_SIZE)
        self._line[_TAG_AT - 2] = _CLOSE  # the time's end: ") " before the tag, on every line
        self._line[_TAG_AT - 1] = _SPACE
        self._body = memoryview(self._line)[_TAG_AT:]  # tag, body and tail
        self._assembly = BytesIO(_LINE_SIZE - _TAG_AT)  # where a body is put together
        self._body_len = 0  # bytes at _body
        # The bare status line ("tag#code: text", no tail) of the code logged last starts the
        # assembly stream, _bare_len bytes of it; a line with parts (a note, an id) is put
        # together after it, so the code's next line, bare or with parts, needs no decode.
        self._bare_len = 0
        self._held_code = None  # its int code, or None when the stream holds another line
        self._held_level = 0
        self._body_bare = False  # _body holds that bare line and the tail
        self._cache = None  # onenetlog.linecache.LineCache, loaded only for a cache
        if cache:
            from .linecache import LineCache

            self._cache = LineCache(cache)
        self._busy = False  # a line is being made: a call from inside it is dropped
        self._torn = ()  # sinks whose last line was cut off (a list once one is): a newline ends it first
        self._one_sink = [None]  # log.sinks set to one stream: it goes here
        self._clock = _CLOCK_AUTO if clock is None else _CLOCK_WALL if clock else _CLOCK_TICKS
        self._wall = False  # the time is the wall clock's
        self._rtc_ticks = ticks_add(ticks_ms(), -_RTC_EVERY_MS)  # ticks_ms() at the last RTC read
        self._rtc_ms = 0  # ms into the day then
        self._second_shown = -1  # the second whose HH:MM:SS the line buffer holds
        self._ticks_shown = -1  # the ticks_ms() whose digits the line buffer holds
        self._ticks_at = 0  # where they start
        self._set_name(name)
        if self._clock != _CLOCK_TICKS:
            self._read_rtc(ticks_ms())

    def _set_name(self, name):
        # The tag of plain lines (and of status lines, with a name): [A-Za-z0-9_.-], at most 32.
        # The lines made with the old name are forgotten.
        tag = bytearray(name if isinstance(name, bytes) else str(name or "log").encode())[:_MAX_TAG]
        for i in range(len(tag)):
            if tag[i] not in _TAG_BYTES:
                tag[i] = _UNDERSCORE
        self.name = bytes(tag) or b"log"
        self._held_code = None
        if self._cache is not None:
            self._cache.clear()

    def debug(self, msg, code=None):
        """Log msg; with a code, a status line at this level whose note is msg."""
        self.log(_DEBUG, msg, code)

    def info(self, msg, code=None):
        self.log(_INFO, msg, code)

    def warning(self, msg, code=None):
        self.log(_WARNING, msg, code)

    def error(self, msg, code=None):
        self.log(_ERROR, msg, code)

    def status(self, code, note="", id=None, trace=None, type=None):
        """Log what a status travels in, at the level its code implies (20 success, 30 transient
        or unknown, 40 failure): a code (int, str, bytes; CoAP 0x84 or "4.04"), or a OneJSON reply
        or a record of the platform's trace-log API (dict, or its JSON as str or bytes). type: a
        business type, or the topic a reply came on. Anything else is a line with code ?.
        umqtt's MQTTException(rc) itself, or rc with type="connack": a CONNACK line."""
        if code.__class__ is not int or type is not None:  # what it travels in may need reading
            try:
                if code.__class__.__name__ == "MQTTException":
                    type = "connack"  # a CONNACK line (docs/line-format.md)
                elif _wants_reading(code, type):
                    try:
                        from .parse import parse

                        code, note, id, trace, type = parse(code, note, id, trace, type)
                    except MemoryError:  # heap locked or full: a code keeps its line
                        if not _wants_reading(code, None):
                            try:  # the topic read last is kept there
                                type = onenetlog.parse.btype(type)
                            except Exception:
                                type = "?"
                        else:
                            code, note, type = b"", _UNREAD_NOTE, None
                    except Exception:  # parse() reads any input: this is a safety net
                        code, type = b"", None
            except Exception:
                code = b""
            if code is None:
                code = b""
        self.log(_OWN_LEVEL, note, code, id, trace, type)

    def log(self, level, msg, code=None, id=None, trace=None, type=None):
        """Log msg at level: a plain line, or with a code a status line whose note is msg.
        level -1: the code's own; below -1: nothing. Never raises."""
        if self._busy:  # called while a line is made (a sink logging from its write())
            self.dropped += 1
            return
        self._busy = True
        try:
            start = self._make(level, msg, code, id, trace, type)
            if start >= 0:  # the line to each sink, in one call each
                n = _TAG_AT + self._body_len - start
                sinks = self.sinks
                if not (sinks.__class__ is list or isinstance(sinks, list) or isinstance(sinks, tuple)):
                    if sinks is None:  # log.sinks set to None, or to one stream
                        self.dropped += 1
                        sinks = ()
                    else:
                        self._one_sink[0] = sinks
                        sinks = self._one_sink
                line = self._line
                for sink in sinks:
                    if self._torn and sink in self._torn:
                        self._finish(sink, start, n, _TORN)
                        continue
                    try:
                        took = sink.write(line, start, n)  # pyright: ignore[reportCallIssue]  (a MicroPython stream)
                    except TypeError:  # a stream of Python's own
                        took = _PYTHON_STREAM
                    except Exception:
                        self.dropped += 1
                        continue
                    if took is not None and took != n:  # None: a stream that does not say
                        self._finish(sink, start, n, took)
        except Exception:
            self._held_code = None
            self.dropped += 1
        finally:
            self._busy = False

    def _make(self, level, msg, code, id, trace, type):
        # The line in the line buffer -> where it starts, or -1 when its level is not logged.
        if level < _OWN_LEVEL:
            return -1
        if code is None:
            if level == _OWN_LEVEL:
                level = _PLAIN_OWN_LEVEL
            if level < self.level:
                return -1
            self._add_parts(self._new_head(self.name, _NAME_END), _MESSAGE_SEP, msg, None, None, None)
            return self._stamp(level)
        if code.__class__ is not int and isinstance(code, int) and not isinstance(code, bool):
            code = int(code)  # an int subclass
        if type is not None and type.__class__ is str and type == "connack":  # by onenetlog.mqtt
            return onenetlog.mqtt.make_line(self, level, msg, code, type)  # once loaded, no import
        if code.__class__ is int and code == self._held_code:  # its bare line is there already
            if level == _OWN_LEVEL:
                level = self._held_level
        elif code.__class__ is int and code >= 0 and self._cache is not None and code in self._cache.codes:
            cache = self._cache  # one copy from it into _body, one from there to the stream
            e = cache.codes.index(code)
            cache.store.seek(cache.starts[e])
            self._hold(code, cache.levels[e], cache.store.readinto(self._body, cache.lengths[e]))
            self._assembly.seek(0)
            self._assembly.write(self._body, 0, self._bare_len)
            if level == _OWN_LEVEL:
                level = self._held_level
        else:
            level = self._decode(level, code)
        if level < self.level:
            return -1
        if msg or msg.__class__ is int or id is not None or trace is not None or type is not None:
            self._add_parts(self._bare_len, _NOTE_SEP, msg, id, trace, type)
            self._body_bare = False
        elif not self._body_bare:  # after a line with parts: the bare line again
            self._add_parts(self._bare_len, _NOTE_SEP, "", None, None, None)
            self._body_bare = True
        return self._stamp(level)

    def _new_head(self, head, end):
        # A line of its own (a plain line, a CONNACK line) begins the assembly stream: head,
        # then end (bytes). The bare status line there is gone. -> the bytes written.
        out = self._assembly
        self._held_code = None
        out.seek(0)
        out.write(head)
        out.write(end)
        return out.tell()

    def _hold(self, code, level, n):
        # _body holds code's bare line and its tail, n bytes.
        self._body_len = n
        self._bare_len = n - len(self._tail)
        self._body_bare = True
        self._held_code = code
        self._held_level = level

    def _decode(self, level, code):
        # code's bare status line from the decoder into _body (and the cache), but not when
        # self.level hides it -> the line's level.
        if level == _OWN_LEVEL and self.level > _INFO:  # its own level may hide it
            level = onenetlog.level(code)
        if level != _OWN_LEVEL and level < self.level:
            return level
        out = self._assembly
        out.seek(0)
        if not self._service_tags:
            out.write(self.name)
            out.write(_CODE_SEP)
        own = onenetlog.write(out, code, self._lang, self._decode_flags)
        out.write(self._tail)
        n = out.tell()  # every text fits: tests/test_logger_device.py
        out.seek(0)
        out.readinto(self._body, n)
        if self._line[_TAG_AT] == _QUESTION and self._line[_TAG_AT + 1] == _HASH:
            out.seek(0)  # a code of no service: the logger's name for its tag
            out.write(self.name)
            out.write(self._line, _TAG_AT + 1, n - 1)
            n = out.tell()
            out.seek(0)
            out.readinto(self._body, n)
        held = code.__class__ is int and 0 <= code <= _MAX_CODE
        self._hold(code if held else None, own, n)
        if held and self._cache is not None:
            self._cache.keep(code, own, self._body, n)
        return own if level == _OWN_LEVEL else level

    def _add_parts(self, head, note_sep, msg, id, trace, type):
        # After the head in the assembly stream (its first head bytes, which stay): id, trace,
        # type, the note, the tail; the line into _body.
        out = self._assembly
        end = head
        if id is not None:
            end = self._add(end, _ID_SEP, id, True)
        if trace is not None:
            end = self._add(end, _TRACE_SEP, trace, True)
        if type is not None:
            end = self._add(end, _TYPE_SEP, type, True)
        if msg or msg.__class__ is int:
            end = self._add(end, note_sep, msg, False)
        out.seek(end)
        out.write(self._tail)
        self._body_len = out.tell()
        out.seek(0)
        out.readinto(self._body, self._body_len)

    def _add(self, end, sep, value, is_id):
        # sep and value after end in the assembly stream, cut to fit, its bytes made safe
        # (ids: printable ASCII but space; text: one line of UTF-8) -> the new end.
        if end + _FIELD_ROOM >= _BODY_ROOM:
            return end
        out = self._assembly
        out.seek(end)
        out.write(sep)
        start = out.tell()
        if value.__class__ is not str:  # an int, or any other value (onenetlog.parse reads it)
            try:
                value = str(value) if value.__class__ is int else onenetlog.parse.note_text(value)
            except MemoryError:  # the heap is locked or full: the part is "?"
                value = "?"
        n = out.write(value, 0, _BODY_ROOM + 1 - start) + start
        out.seek(0)
        out.readinto(self._body, n)
        line = self._line
        if n > _BODY_ROOM:  # cut before the character that crosses the room
            n = _BODY_ROOM
            while n > start and line[_TAG_AT + n] >> _CONTINUATION_SHIFT == _CONTINUATION:
                n -= 1
        if is_id:  # printable ASCII without spaces: any other byte becomes _
            for i in range(_TAG_AT + start, _TAG_AT + n):
                if not _SPACE < line[i] < _PRINTABLE_END:
                    line[i] = _UNDERSCORE
        else:
            n = _clean_text(line, _TAG_AT + start, _TAG_AT + n, self._decode_flags & _W_ASCII) - _TAG_AT
        out.seek(start)
        out.write(line, _TAG_AT + start, n - start)
        return n

    def _stamp(self, level):
        # "L (time) " before the tag, and the colour before that -> where the line starts.
        line = self._line  # ") " before the tag is there from the constructor
        now = ticks_ms()
        if self._clock != _CLOCK_TICKS:  # the RTC is read every 10 s, and at midnight
            since = ticks_diff(now, self._rtc_ticks)
            if not 0 <= since < _RTC_EVERY_MS or self._wall and self._rtc_ms + since >= _MS_PER_DAY:
                self._read_rtc(now)
        if self._wall:
            start = self._put_wall_time(now)
        elif now == self._ticks_shown:  # lines of one ms share its digits
            start = self._ticks_at
        else:  # ticks_ms() digits before ") "
            self._ticks_shown = now
            start = _TAG_AT - 2
            while True:
                start -= 1
                line[start] = _DIGIT_0 + now % 10  # pyright: ignore[reportOperatorIssue]  (ticks are ints)
                now //= 10  # pyright: ignore[reportOperatorIssue]
                if not now:
                    break
            self._ticks_at = start
        k = (level >= _INFO) + (level >= _WARNING) + (level >= _ERROR)
        line[start - 1] = _OPEN
        line[start - 2] = _SPACE
        start -= 3
        line[start] = _LEVEL_LETTERS[k]
        if self._tail is _RESET_NEWLINE:  # colour: ESC [ 3 X m
            start -= 5
            line[start] = _ESC
            line[start + 1] = _BRACKET
            line[start + 2] = _COLOUR_3
            line[start + 3] = _LEVEL_COLOURS[k]
            line[start + 4] = _COLOUR_M
        return start

    def _put_wall_time(self, now):
        # HH:MM:SS.mmm before ") ", after the date _read_rtc() wrote -> where the date starts.
        line = self._line
        end = _TAG_AT - 2
        ms = (self._rtc_ms + ticks_diff(now, self._rtc_ticks)) % _MS_PER_DAY
        second = ms // 1000
        if second != self._second_shown:
            self._second_shown = second
            line[end - 13] = _SPACE
            _put_digits(line, end - 10, second // 3600, 2)
            line[end - 10] = _COLON
            _put_digits(line, end - 7, second // 60 % 60, 2)
            line[end - 7] = _COLON
            _put_digits(line, end - 4, second % 60, 2)
            line[end - 4] = _DOT
        _put_digits(line, end, ms, 3)
        return end - _WALL_TIME_LEN

    def _read_rtc(self, now):
        # The wall clock's base, and the date into the line buffer. Allocates: under heap_lock
        # it fails and the old base stays.
        try:
            import time

            ns = time.time_ns()
            t = time.localtime(ns // 1000000000)
            self._wall = self._clock == _CLOCK_WALL or t[0] >= _WALL_SINCE_YEAR
            self._rtc_ms = ((t[3] * 60 + t[4]) * 60 + t[5]) * 1000 + ns // 1000000 % 1000
            self._rtc_ticks = now
            self._second_shown = self._ticks_shown = -1
            line = self._line
            date = _TAG_AT - 2 - _WALL_TIME_LEN  # YYYY-MM-DD
            _put_digits(line, date + 4, t[0], 4)
            line[date + 4] = _DASH
            _put_digits(line, date + 7, t[1], 2)
            line[date + 7] = _DASH
            _put_digits(line, date + 10, t[2], 2)
        except Exception:
            pass

    def _finish(self, sink, start, n, took):
        # The line to a sink that needs more than one write (took: the bytes it took of it;
        # _PYTHON_STREAM: it takes no write(buf, off, n); _TORN: its last line was cut off,
        # which a newline ends first). A line it does not take whole is counted; one cut off
        # is ended the next time.
        try:
            if took == _TORN:
                took = _write(sink, _NEWLINE, 0, 1)
                if isinstance(took, int) and took < 1:
                    self.dropped += 1
                    return
                self._torn.remove(sink)
                took = _write(sink, self._line, start, n)
            elif took == _PYTHON_STREAM:
                from .parse import write_python

                took = write_python(sink, self._line, start, n)
            cut = False
            while isinstance(took, int) and 0 < took < n:
                cut = True
                start += took
                n -= took
                took = _write(sink, self._line, start, n)
            if isinstance(took, int) and took < n:
                self.dropped += 1
                if cut:
                    self._torn = self._torn or []
                    self._torn.append(sink)
        except Exception:
            self.dropped += 1


def _write(sink, buf, start, n):
    # One write of buf[start:start + n] to sink -> the bytes it took, or None if it does not
    # say. MicroPython streams take write(buf, off, n); Python's own bytes, or else str.
    try:
        return sink.write(buf, start, n)
    except TypeError:
        from .parse import write_python

        return write_python(sink, buf, start, n)


def _wants_reading(code, type):
    # True when status() must read what it was given before logging it: a OneJSON reply or
    # trace-log record (a dict, or JSON text: "{" after blanks and a byte order mark), a topic
    # (or bytes) in type. A code, and anything else, goes to the decoder as it is. Allocates
    # nothing: a str is looked at by counts, as indexing it would allocate.
    if type is not None and (type.__class__ is not str or "/" in type) or isinstance(code, dict):
        return True
    if isinstance(code, str):
        at = code.find("{")
        return at >= 0 and (at == 0 or code.count(" ", 0, at) + code.count("\t", 0, at) + code.count(
            "\r", 0, at) + code.count("\n", 0, at) + code.count("\ufeff", 0, at) == at)
    if isinstance(code, bytes) or isinstance(code, bytearray):
        at = code.find(b"{")
        return at >= 0 and (at == 0 or code.count(b" ", 0, at) + code.count(b"\t", 0, at) + code.count(
            b"\r", 0, at) + code.count(b"\n", 0, at) + 3 * code.count(b"\xef\xbb\xbf", 0, at) == at)
    return False


def _put_digits(line, end, value, count):
    # value's last count decimal digits into line, ending just before end.
    while count:
        end -= 1
        count -= 1
        line[end] = _DIGIT_0 + value % 10
        value //= 10


def _clean_text(line, i, end, ascii):
    # A note's UTF-8 bytes line[i:end] as one line: each control character (C0, DEL, C1,
    # U+2028, U+2029) becomes one space; with ascii every other non-ASCII byte becomes ?.
    # -> the new end (a multi-byte control shortens the text).
    for w in range(i, end):  # the usual case, printable ASCII, only looked at
        if not _SPACE <= line[w] < _PRINTABLE_END:
            break
    else:
        return end
    i = w
    while i < end:
        c = line[i]
        i += 1
        if c < _SPACE or c == _PRINTABLE_END:
            c = _SPACE
        elif c > _PRINTABLE_END:
            if c == _C1_LEAD and i < end and line[i] < _C1_END:
                c = _SPACE
                i += 1
            elif c == _SEPARATOR_LEAD and i + 1 < end and line[i] == _SEPARATOR_MID and (
                    _LINE_SEPARATOR_END <= line[i + 1] <= _PARAGRAPH_SEPARATOR_END):
                c = _SPACE
                i += 2
            elif ascii:
                c = _QUESTION
        line[w] = c
        w += 1
    return w
