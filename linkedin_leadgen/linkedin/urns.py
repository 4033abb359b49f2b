"""Small helpers around LinkedIn URNs."""

import re

_VERSIONED_FORM_RE = re.compile(r"^urn:li:versionedLeadGenForm:\(\s*urn:li:leadGenForm:(\d+)\s*,\s*(\d+)\s*\)$")


def _urn(kind, value):
    value = str(value)
    return value if value.startswith("urn:") else f"urn:li:{kind}:{value}"


def account_urn(account_id):
    """``urn:li:sponsoredAccount:{id}`` (a URN is returned unchanged)."""
    return _urn("sponsoredAccount", account_id)


def organization_urn(organization_id):
    return _urn("organization", organization_id)


def person_urn(person_id):
    return _urn("person", person_id)


def campaign_urn(campaign_id):
    return _urn("sponsoredCampaign", campaign_id)


def form_urn(form_id):
    return _urn("leadGenForm", form_id)


def versioned_form_urn(form_id, version):
    """``urn:li:versionedLeadGenForm:(urn:li:leadGenForm:{id},{version})``."""
    return f"urn:li:versionedLeadGenForm:({form_urn(parse_urn_id(form_id))},{int(version)})"


def parse_urn_id(urn):
    """Last id part of a simple URN (``urn:li:sponsoredAccount:123`` -> ``"123"``); plain ids pass through."""
    if urn is None:
        return None
    value = str(urn).strip()
    if value.startswith("urn:"):
        return value.rsplit(":", 1)[-1]
    return value


def parse_versioned_form_urn(urn):
    """``urn:li:versionedLeadGenForm:(urn:li:leadGenForm:1, 2)`` -> ``("1", 2)``; tolerant of spaces."""
    match = _VERSIONED_FORM_RE.match(str(urn or "").strip())
    if not match:
        raise ValueError(f"Not a versioned lead form URN: {urn!r}")
    return match.group(1), int(match.group(2))


def owner_account_id(owner):
    """The id in an ``owner`` union (``{"sponsoredAccount": urn}`` or ``{"organization": urn}``); "" otherwise."""
    if not isinstance(owner, dict):
        return ""
    urn = owner.get("sponsoredAccount") or owner.get("organization")
    return parse_urn_id(urn) if isinstance(urn, str) else ""
