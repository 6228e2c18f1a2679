# onenetlog: OneNET device-log status codes as readable lines on a MicroPython console.
# write/level/is_ok are the allocation-free core; everything else loads on first use.
from .decoder import write, level, is_ok


def __getattr__(name):
    for mod, names in (
        ("text", " describe message reason hint service "),
        ("catalog", " code known codes tag business_type business_types "),
        ("table", " VERSION TIER "),
        ("logger", " Logger "),
    ):
        if " " + name + " " in names:
            v = getattr(__import__(__name__ + "." + mod, None, None, (name,)), name)
            globals()[name] = v
            return v
    raise AttributeError(name)
