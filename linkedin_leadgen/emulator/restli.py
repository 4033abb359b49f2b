"""Rest.li 2.0 query parsing and field projections."""

import re
from urllib.parse import unquote

_ENCODED_STRUCTURE = re.compile(r"(?i)(List)?%28")
_PROJECTION_NAME = re.compile(r"[^,():]*")


class RestliSyntaxError(ValueError):
    """A query string that is not valid Rest.li 2.0."""


def parse_query(raw):
    """Parse a raw (still percent-encoded) query string.

    Returns ``(params, warnings)``: params maps names to str, dict (record),
    list (``List()``) or, for ``fields``, a projection tree.
    """
    params, warnings = {}, []
    for part in raw.split("&"):
        if not part:
            continue
        key, _sep, value = part.partition("=")
        key = unquote(key)
        if key == "fields":
            params[key] = parse_projection(unquote(value))
        elif _ENCODED_STRUCTURE.match(value):
            warnings.append(f"{key}: Rest.li structure characters are percent-encoded")
            params[key] = parse_value(unquote(value), decode=False)
        else:
            params[key] = parse_value(value)
    return params, warnings


def parse_value(text, decode=True):
    """Parse one Rest.li value: ``(k:v,...)``, ``List(...)`` or a primitive."""
    if not text.startswith(("(", "List(")):
        return unquote(text) if decode else text
    value, pos = _parse(text, 0, decode)
    if pos != len(text):
        raise RestliSyntaxError(f"unexpected text after position {pos} in {text!r}")
    return value


def _parse(text, pos, decode):
    if text.startswith("List(", pos):
        return _parse_items(text, pos + 5, decode, None)
    if text.startswith("(", pos):
        return _parse_items(text, pos + 1, decode, {})
    end, depth = pos, 0
    while end < len(text):
        char = text[end]
        if char == "(":
            depth += 1
        elif char == ")":
            if not depth:
                break
            depth -= 1
        elif char == "," and not depth:
            break
        end += 1
    raw = text[pos:end]
    return (unquote(raw) if decode else raw), end


def _parse_items(text, pos, decode, record):
    items = [] if record is None else record
    if text.startswith(")", pos):
        return items, pos + 1
    while True:
        if record is not None:
            colon = text.find(":", pos)
            key = text[pos:colon]
            if colon < 0 or not key or any(c in key for c in "(),"):
                raise RestliSyntaxError(f"bad record key at position {pos} in {text!r}")
            value, pos = _parse(text, colon + 1, decode)
            record[unquote(key) if decode else key] = value
        else:
            value, pos = _parse(text, pos, decode)
            items.append(value)
        if pos >= len(text):
            raise RestliSyntaxError(f"unterminated structure in {text!r}")
        if text[pos] == ")":
            return items, pos + 1
        if text[pos] != ",":
            raise RestliSyntaxError(f"unexpected {text[pos]!r} at position {pos} in {text!r}")
        pos += 1


def parse_projection(text):
    """Parse ``fields=a,b(c),form:(d,e)`` into ``{"a": None, "b": {"c": None}, "form": {...}}``."""
    tree, pos = _parse_projection(text, 0)
    if pos != len(text):
        raise RestliSyntaxError(f"unbalanced projection {text!r}")
    return tree


def _parse_projection(text, pos):
    tree = {}
    while pos < len(text):
        match = _PROJECTION_NAME.match(text, pos)
        name, pos = match.group(), match.end()
        sub = None
        if text.startswith(":(", pos):
            pos += 1
        if text.startswith("(", pos):
            sub, pos = _parse_projection(text, pos + 1)
            if not text.startswith(")", pos):
                raise RestliSyntaxError(f"unbalanced projection {text!r}")
            pos += 1
        if name:
            tree[name] = sub
        if text.startswith(",", pos):
            pos += 1
        elif pos < len(text):
            break
    return tree, pos


def project(value, tree):
    """Keep only the fields of ``tree`` (``None`` keeps everything)."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [project(item, tree) for item in value]
    if isinstance(value, dict):
        return {key: project(value[key], sub) for key, sub in tree.items() if key in value}
    return value


def parse_key(raw):
    """A resource key from a raw path segment: an id, an encoded URN or a ``(k:v,...)`` compound key."""
    if _ENCODED_STRUCTURE.match(raw):
        return parse_value(unquote(raw), decode=False)
    return parse_value(raw)
