"""Rest.li 2.0 query-string encoding, by hand (see the API notes, section 1.3).

Values are percent-encoded; the structure characters ``( ) : ,`` of records and ``List()`` are not.
``requests``' ``params=`` would re-encode them, so callers pass the finished query string.
"""

from urllib.parse import quote


class Raw(str):
    """A value that is already encoded (e.g. a ``fields`` projection) and must be sent verbatim."""


def encode(value):
    """Encode one value: records ``(k:v)``, ``List(a,b)``, booleans, numbers, strings."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        items = ((key, val) for key, val in value.items() if val is not None)
        return "(" + ",".join(f"{quote(str(key), safe='')}:{encode(val)}" for key, val in items) + ")"
    if isinstance(value, list | tuple | set | frozenset):
        return "List(" + ",".join(encode(val) for val in value) + ")"
    return quote(str(value), safe="")


def build_query(params):
    """Join ``params`` (a dict, in its order) into a query string; ``None`` values are skipped.

    ``fields`` is a projection and is left unencoded, as LinkedIn's official client does.
    """
    parts = []
    for key, value in params.items():
        if value is None:
            continue
        if key == "fields" and not isinstance(value, list | tuple | dict):
            parts.append(f"fields={value}")
        else:
            parts.append(f"{quote(str(key), safe='')}={encode(value)}")
    return "&".join(parts)


def encode_key(key):
    """Encode a resource key for a URL path: simple ids as they are, URNs fully encoded."""
    if isinstance(key, dict):
        return encode(key)
    return quote(str(key), safe="")
