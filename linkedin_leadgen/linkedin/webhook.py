"""Webhook challenge and ``X-LI-Signature`` helpers (API notes, sections 6.3 and 6.4)."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-LI-Signature"
SIGNATURE_PREFIX = "hmacsha256="


def _hmac_hex(secret, message):
    if isinstance(secret, str):
        secret = secret.encode()
    if isinstance(message, str):
        message = message.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def webhook_challenge_response(client_secret, challenge_code):
    """The JSON body answering LinkedIn's ``GET ?challengeCode=...`` validation."""
    return {"challengeCode": challenge_code, "challengeResponse": _hmac_hex(client_secret, challenge_code)}


def sign_webhook_body(client_secret, raw_body):
    """Signature in the dominant reading: ``hex(HMAC_SHA256(secret, b"hmacsha256=" + body))``."""
    if isinstance(raw_body, str):
        raw_body = raw_body.encode()
    return _hmac_hex(client_secret, SIGNATURE_PREFIX.encode() + raw_body)


def verify_webhook_signature(client_secret, raw_body, header_value):
    """Check ``X-LI-Signature`` against the raw body, accepting both readings of the docs.

    The header may carry an optional ``hmacsha256=`` prefix; the digest may cover the body with or
    without that prefix. Comparisons are constant-time.
    """
    if not header_value or not client_secret:
        return False
    if isinstance(raw_body, str):
        raw_body = raw_body.encode()
    if isinstance(header_value, bytes):
        header_value = header_value.decode("latin-1")
    received = header_value.strip()
    if received.lower().startswith(SIGNATURE_PREFIX):
        received = received[len(SIGNATURE_PREFIX) :]
    received = received.strip().lower().encode()
    candidates = (sign_webhook_body(client_secret, raw_body), _hmac_hex(client_secret, raw_body))
    matches = [hmac.compare_digest(received, candidate.encode()) for candidate in candidates]
    return any(matches)
