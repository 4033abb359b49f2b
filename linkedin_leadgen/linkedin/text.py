"""LinkedIn's text as the database accepts it.

JSON may carry a lone UTF-16 surrogate (``"ab\\ud83d"``): Python reads it into a ``str`` that cannot be
encoded in UTF-8, so PostgreSQL (text and ``jsonb``) refuses it. Every text read from LinkedIn goes
through :func:`without_surrogates`, which puts U+FFFD (the replacement character) in its place.
"""

import re

REPLACEMENT = "\ufffd"
# a str holds a surrogate code point only when it is lone: json.loads joins the valid pairs
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(text):
    """``text`` (a ``str``) with each lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text)


def without_surrogates(value):
    """A JSON value (texts, keys, lists and objects, at any depth) with lone surrogates replaced by U+FFFD."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    return value
