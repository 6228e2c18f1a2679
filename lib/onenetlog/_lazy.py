# onenetlog._lazy: where the names the package loads on first use are (its __getattr__
# calls load()). Once it has bound a name it unloads itself, so the map costs no heap between
# lookups. A name of _WHERE comes from its module; a submodule (the line without one) is
# itself, so `from onenetlog import flashlog` and `onenetlog.flashlog.FlashLog` work on
# MicroPython too. Any other name is an AttributeError without a look at the filesystem, and
# keeps the map loaded (dir() asks for every name there is): a new submodule adds its name to
# the last line.
import sys

_WHERE = """text: describe message reason hint service
catalog: codes known tag code business_type business_types DEBUG INFO WARNING ERROR
logger: Logger
table: TIER
: catalog text table logger linecache parse flashlog logging_tags token token_check mqtt connack"""


def load(package, name):
    # name's value, loaded into package (the globals of onenetlog). A module's names are all
    # bound when it loads, so after the first call of one of them the others need no lookup
    # (and work under heap_lock).
    for line in _WHERE.split("\n"):
        where, listed = line.split(":")
        names = listed.split()
        if name in names:
            module = where or name
            break
    else:
        raise AttributeError(name)
    try:
        m = __import__(package["__name__"] + "." + module, None, None, (module,))
    except ImportError:  # a submodule this build lacks
        raise AttributeError(name) from None
    if module == name:
        package[name] = m
    else:  # keyed by the module's own names: interned, where split() made new str
        for n, value in m.__dict__.items():
            if n in names:
                package[n] = value
    package.pop("_lazy", None)
    sys.modules.pop(__name__, None)
    return package[name]
