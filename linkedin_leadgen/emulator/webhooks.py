"""Outgoing webhook traffic: signed LEAD_ACTION deliveries and the challenge check.

The signing is written here rather than imported from the client so that each side checks the other.
"""

import hashlib
import hmac
import json
import uuid
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import ProxyHandler, Request, build_opener

_opener = build_opener(ProxyHandler({}))
FAILURES_BEFORE_BLOCK = 3  # consecutive failed re-validations (API notes 6.3)


def sign(secret, raw_body):
    """``X-LI-Signature``, dominant reading: hex HMAC-SHA256(clientSecret, b"hmacsha256=" + raw body)."""
    return hmac.new(secret.encode(), b"hmacsha256=" + raw_body, hashlib.sha256).hexdigest()


def challenge_response(secret, code):
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()


def lead_action(response, action, occurred_at):
    """The LEAD_ACTION notification of a rendered lead form response."""
    return {
        "type": "LEAD_ACTION",
        "leadGenFormResponse": f"urn:li:leadGenFormResponse:{response['id']}",
        "leadGenForm": response["versionedLeadGenFormUrn"],
        "owner": response["owner"],
        "associatedEntity": {"sponsoredCreative": response["associatedEntity"]["associatedCreative"]},
        "leadType": response["leadType"],
        "leadAction": action,
        "occurredAt": occurred_at,
    }


def post(url, raw_body, secret, timeout=5):
    """POST a signed body; returns the HTTP status, or None when the URL cannot be reached."""
    request = Request(url, data=raw_body, method="POST", headers={
        "Content-Type": "application/json", "X-LI-Signature": sign(secret, raw_body),
    })  # fmt: skip
    try:
        with _opener.open(request, timeout=timeout) as answer:
            return answer.status
    except HTTPError as error:
        return error.code
    except (URLError, OSError):
        return None


def challenge(url, secret, timeout=3):
    """LinkedIn's ``GET ?challengeCode=`` validation; True when the answer is right."""
    code = str(uuid.uuid4())
    target = url + ("&" if "?" in url else "?") + urlencode({"challengeCode": code})
    try:
        with _opener.open(Request(target), timeout=timeout) as answer:
            if answer.status != 200:
                return False
            body = json.loads(answer.read())
    except (HTTPError, URLError, OSError, ValueError):
        return False
    return (
        isinstance(body, dict)
        and body.get("challengeCode") == code
        and hmac.compare_digest(str(body.get("challengeResponse", "")), challenge_response(secret, code))
    )
