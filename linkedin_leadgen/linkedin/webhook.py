"""Webhook challenge and ``X-LI-Signature`` helpers (API notes, sections 6.3 and 6.4).

The challenge is a public HMAC with the key that signs notifications: it answers only codes of the shape
LinkedIn sends (a UUID), so that nobody can have a body of their own signed through it. A notification's
signature is read one way only, the documented one: ``hex(HMAC_SHA256(secret, b"hmacsha256=" + body))``.
"""

import hashlib
import hmac
import re

SIGNATURE_HEADER = "X-LI-Signature"
SIGNATURE_PREFIX = "hmacsha256="
# LinkedIn's challengeCode: a UUID (lowercase hex in 8-4-4-4-12 groups), nothing else is ever answered
CHALLENGE_CODE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def _hmac_hex(secret, message):
    if isinstance(secret, str):
        secret = secret.encode()
    if isinstance(message, str):
        message = message.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def is_challenge_code(value):
    """True when ``value`` has the shape of LinkedIn's ``challengeCode`` (a UUID)."""
    return isinstance(value, str) and CHALLENGE_CODE.fullmatch(value.lower()) is not None


def webhook_challenge_response(client_secret, challenge_code):
    """The JSON body answering LinkedIn's ``GET ?challengeCode=...`` validation.

    Raises ``ValueError`` for a code that is not of LinkedIn's shape: it is never signed.
    """
    if not is_challenge_code(challenge_code):
        raise ValueError("not a LinkedIn challenge code")
    return {"challengeCode": challenge_code, "challengeResponse": _hmac_hex(client_secret, challenge_code)}


def sign_webhook_body(client_secret, raw_body):
    """The signature of a notification: ``hex(HMAC_SHA256(secret, b"hmacsha256=" + body))``."""
    if isinstance(raw_body, str):
        raw_body = raw_body.encode()
    return _hmac_hex(client_secret, SIGNATURE_PREFIX.encode() + raw_body)


def verify_webhook_signature(client_secret, raw_body, header_value):
    """Check ``X-LI-Signature`` (64 hex digits) against the raw body; the comparison is constant-time."""
    if not header_value or not client_secret:
        return False
    if isinstance(header_value, bytes):
        header_value = header_value.decode("latin-1")
    received = header_value.strip().lower()
    if not _HEX_DIGEST.fullmatch(received):
        return False
    return hmac.compare_digest(received.encode(), sign_webhook_body(client_secret, raw_body).encode())
