"""E-mail hashing for Matched Audiences (API notes, section 8.6)."""

import hashlib
import re

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def hash_email(value):
    """Strip, lower-case and SHA-256 an e-mail (lowercase hex); a 64-hex value passes through.

    Dots and ``+tags`` are kept: LinkedIn documents no such normalization. Empty values give None.
    """
    if not value:
        return None
    normalized = str(value).strip().lower()
    if not normalized:
        return None
    if _SHA256_HEX.match(normalized):
        return normalized
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
