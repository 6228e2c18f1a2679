"""onenetlog.linecache: the Logger's cache of finished status lines, Logger(cache=bytes).

Loaded only by a Logger given cache= above 0: the cache trades heap (its store, and about
700 B for its book and this module) for speed when a few codes take turns, and a Logger
without one pays for neither. The Logger reads it in _make() and fills it in _decode()."""

# The ports' stubs give io.BytesIO no stream methods (seek, write, readinto, tell).
# pyright: reportAttributeAccessIssue=false

try:
    from micropython import const
    from io import BytesIO
except ImportError:  # CPython
    from ._hostlog import const, BytesIO

_CACHE_LINES = const(8)
_FREE = const(-1)  # the code of a free entry (no code is negative)
del const


class LineCache:
    """The bare status lines ("tag#code: text" and the tail, without the time) of the
    _CACHE_LINES int codes last decoded a second time, in one store of size bytes, so a code
    logged again costs one copy. A code decoded once is only noted (among the last
    _CACHE_LINES such), so a run over many codes neither pays for keeping its lines nor
    pushes out the few logged over and over. When the store is full it starts again, empty."""

    def __init__(self, size):
        self.size = size
        self.store = BytesIO(size)
        self.codes = [_FREE] * _CACHE_LINES  # ints only: a list of small ints is searched fastest
        self.starts = [0] * _CACHE_LINES  # where each line is in the store
        self.lengths = [0] * _CACHE_LINES
        self.levels = bytearray(_CACHE_LINES)  # 20, 30 or 40
        self.end = 0  # where the next line goes
        self.oldest = 0  # the entry to reuse next
        self.seen = [_FREE] * _CACHE_LINES  # codes decoded once, not kept
        self.next_seen = 0  # where the next one goes

    def keep(self, code, level, body, n):
        # code's line (the first n bytes of body) and level, in the oldest entry, if code was
        # seen before; else it is noted as seen.
        if code not in self.seen:
            self.seen[self.next_seen] = code
            self.next_seen = (self.next_seen + 1) % _CACHE_LINES
            return
        if n > self.size:
            return
        if self.end + n > self.size:
            self.clear()
        e = self.oldest
        self.oldest = (e + 1) % _CACHE_LINES
        self.codes[e] = code
        self.starts[e] = self.end
        self.lengths[e] = n
        self.levels[e] = level
        self.store.seek(self.end)
        self.end += self.store.write(body, 0, n)

    def clear(self):
        self.end = 0
        for e in range(_CACHE_LINES):
            self.codes[e] = _FREE
