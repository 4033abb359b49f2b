"""LinkedIn's text as the database accepts it.

JSON may carry a lone UTF-16 surrogate (``"ab\\ud83d"``): Python reads it into a ``str`` that cannot be
encoded in UTF-8, so PostgreSQL (text and ``jsonb``) refuses it. JSON may also carry a NUL character
(``"\\u0000"``), which PostgreSQL refuses in text and ``jsonb`` alike. Every text read from LinkedIn goes
through :func:`without_surrogates`, which puts U+FFFD (the replacement character) in place of a lone
surrogate and removes NUL characters (they carry nothing a reader could see).
"""

import re

REPLACEMENT = "\ufffd"
# a str holds a surrogate code point only when it is lone: json.loads joins the valid pairs
_SURROGATE = re.compile("[\ud800-\udfff]")
NUL = "\x00"


def safe_text(text):
    """``text`` (a ``str``) with each lone surrogate replaced by U+FFFD and NUL characters removed."""
    return _SURROGATE.sub(REPLACEMENT, text.replace(NUL, "") if NUL in text else text)


def without_surrogates(value):
    """A JSON value (texts, keys, lists and objects, at any depth) as the database accepts it: lone surrogates
    replaced by U+FFFD, NUL characters removed."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    return value
