"""Lead sync resources: leadForms, leadFormResponses, leadNotifications."""

import copy
import re
from urllib.parse import unquote, urlsplit

from .base import (
    LOOPBACK,
    ApiError,
    PreEncoded,
    Reply,
    batch_envelope,
    id_list,
    offset_envelope,
    offset_page,
    offset_window,
    urn_id,
)
from .data import RETENTION_MS
from .resources_ads import accessible_account, member_of
from .restli import project

_VERSIONED_FORM = re.compile(r"^urn:li:versionedLeadGenForm:\(\s*urn:li:leadGenForm:(\d+)\s*,\s*(\d+)\s*\)$")
LEAD_TYPES = ("SPONSORED", "EVENT", "COMPANY", "ORGANIZATION_PRODUCT")


def parse_versioned_form(urn):
    match = _VERSIONED_FORM.match(urn or "")
    if not match:
        raise ApiError(400, f"Invalid versionedLeadGenFormUrn {urn!r}")
    return int(match.group(1)), int(match.group(2))


def _owner_account(emu, req, owner):
    """The ad account of an ``owner`` record, or None for an organization owner (no organic leads here)."""
    if not isinstance(owner, dict) or len(owner) != 1:
        raise ApiError(400, "owner must be (sponsoredAccount:...) or (organization:...)")
    if "sponsoredAccount" in owner:
        return accessible_account(emu, req, urn_id(owner["sponsoredAccount"], "sponsoredAccount"))
    if "organization" in owner:
        org_id = urn_id(owner["organization"], "organization")
        if org_id not in [str(org) for org, _role in member_of(emu, req)["org_roles"]]:
            raise ApiError(403, "Member has no role on this organization", service_code=100)
        return None
    raise ApiError(400, f"Unsupported owner {owner!r}")


def _form_for_member(emu, req, form_id):
    form = emu.data.form_dict(form_id)
    if form is None:
        raise ApiError(404, f"Lead form {form_id} not found")
    accessible_account(emu, req, urn_id(form["owner"]["sponsoredAccount"], "sponsoredAccount"))
    return form


def lead_forms(emu, req, key=None):
    fields = req.params.get("fields")
    if key is not None:
        return project(_form_for_member(emu, req, unquote(key).rsplit(":", 1)[-1]), fields)
    if "ids" in req.params:
        forms = {str(f["id"]): f for f in emu.data.forms}
        return batch_envelope(
            id_list(req), lambda i: project(_form_for_member(emu, req, i), fields) if i in forms else None
        )
    if req.params.get("q") != "owner":
        raise ApiError(400, "Unsupported finder; use q=owner")
    account = _owner_account(emu, req, req.params.get("owner"))
    urn = f"urn:li:sponsoredAccount:{account['id']}" if account else None
    return offset_page(req, project([f for f in emu.data.forms if f["owner"].get("sponsoredAccount") == urn], fields))


def _decorate(emu, lead, entity, fields, forms=None):
    """Add the projection-only fields; ``forms`` caches encoded forms across one page of leads."""
    if not fields:
        return entity
    data = emu.data
    if "ownerInfo" in fields:
        entity["ownerInfo"] = {"sponsoredAccountInfo": {"name": data.account(lead.account)["name"]}}
    if "leadMetadataInfo" in fields:
        campaign = next(c for c in data.campaigns if c["id"] == lead.campaign)
        entity["leadMetadataInfo"] = {"sponsoredLeadMetadataInfo": {"campaign": {
            "id": f"urn:li:sponsoredCampaign:{campaign['id']}", "name": campaign["name"], "type": campaign["type"],
        }}}  # fmt: skip
    if "associatedEntityInfo" in fields:
        creative = next(c for c in data.creatives if c["id"] == lead.creative)
        entity["associatedEntityInfo"] = {"associatedCreative": {"id": creative["id"], "name": creative["name"]}}
    if "form" in fields:
        key = (lead.form, lead.version)
        form = forms.get(key) if forms is not None else None
        if form is None:
            form = PreEncoded(project(data.form_versions[key], fields["form"]))
            if forms is not None:
                forms[key] = form
        entity["form"] = form
    return project(entity, fields)


def render_lead(emu, lead, fields, forms=None):
    rendered = _decorate(emu, lead, emu.data.render_response(lead), fields, forms)
    change = emu.served_instead.get(lead.id)
    return change(copy.deepcopy(rendered)) if change else rendered


def _lead_for_member(emu, req, lead_id):
    lead = emu.data.leads.get(lead_id.removeprefix("urn:li:leadGenFormResponse:"))
    if lead is None or lead.deleted or lead.at < emu.now_ms() - RETENTION_MS:
        return None
    accessible_account(emu, req, lead.account)
    return lead


def lead_form_responses(emu, req, key=None):
    fields = req.params.get("fields")
    if key is not None:
        lead = _lead_for_member(emu, req, unquote(key))
        if lead is None:
            raise ApiError(404, f"Lead form response {unquote(key)} not found")
        return render_lead(emu, lead, fields)
    if "ids" in req.params:
        forms = {}

        def lookup(lead_id):
            lead = _lead_for_member(emu, req, lead_id)
            return render_lead(emu, lead, fields, forms) if lead else None

        return batch_envelope(id_list(req), lookup)
    if req.params.get("q") != "owner":
        raise ApiError(400, "Unsupported finder; use q=owner")
    params = req.params
    lead_type = params.get("leadType")
    if not isinstance(lead_type, dict) or lead_type.get("leadType") not in LEAD_TYPES:
        raise ApiError(400, "leadType must be (leadType:SPONSORED|EVENT|COMPANY|ORGANIZATION_PRODUCT)")
    if "owner" not in params:
        raise ApiError(400, "owner is required")
    account = _owner_account(emu, req, params["owner"])
    start, count = offset_window(req, cap=emu.page_cap)
    if account is None or lead_type["leadType"] != "SPONSORED":
        return offset_envelope([], start, count, 0)
    form_id = version = None
    if "versionedLeadGenFormUrn" in params:
        form_id, version = parse_versioned_form(params["versionedLeadGenFormUrn"])
    low, high = emu.now_ms() - RETENTION_MS, None
    time_range = params.get("submittedAtTimeRange")
    if time_range is not None:
        if not isinstance(time_range, dict) or set(time_range) - {"start", "end"}:
            raise ApiError(400, "submittedAtTimeRange must be (start:<ms>,end:<ms>)")
        try:
            low = max(low, int(time_range.get("start", low)))
            high = int(time_range["end"]) if "end" in time_range else None
        except ValueError:
            raise ApiError(400, "submittedAtTimeRange bounds must be epoch milliseconds") from None
    test = params.get("limitedToTestLeads")
    if test not in (None, "true", "false"):
        raise ApiError(400, "limitedToTestLeads must be true or false")
    leads = emu.data.select(
        account["id"],
        low,
        high,
        form_id,
        version,
        None if test is None else test == "true",
        newest_first=emu.newest_first,
    )
    forms = {}  # a page holds many leads of few form versions: encode each form once
    served = count if emu.short_pages is None else min(count, emu.short_pages)
    page = [render_lead(emu, lead, fields, forms) for lead in leads[start : start + served]]
    envelope = offset_envelope(page, start, count, len(leads))
    if not emu.paging_total:
        del envelope["paging"]["total"]
    if emu.after_page:
        emu.after_page(start, count)
    return envelope


def _notification_owner(emu, req, owner):
    if isinstance(owner, dict) and set(owner) == {"value"}:
        owner = owner["value"]
    _owner_account(emu, req, owner)
    return owner


def lead_notifications(emu, req, key=None):
    notifications = emu.data.notifications
    if key is not None:
        notification = notifications.get(unquote(key))
        if notification is None:
            raise ApiError(404, f"Lead notification {key} not found")
        _notification_owner(emu, req, notification["owner"])
        if req.method == "DELETE":
            del notifications[unquote(key)]
            return Reply(204)
        if req.method != "GET":
            raise ApiError(405, f"{req.method} is not supported on a lead notification")
        return project(notification, req.params.get("fields"))
    if req.method == "POST":
        return _create_notification(emu, req)
    if req.params.get("q") != "criteria":
        raise ApiError(400, "Unsupported finder; use q=criteria")
    owner = _notification_owner(emu, req, req.params.get("owner"))
    lead_type = req.params.get("leadType")
    lead_type = lead_type.get("leadType") if isinstance(lead_type, dict) else lead_type
    found = [n for n in notifications.values() if n["owner"] == owner and lead_type in (None, n["leadType"])]
    return offset_page(req, project(found, req.params.get("fields")))


def _create_notification(emu, req):
    body = req.json()
    webhook = body.get("webhook") or ""
    url = urlsplit(webhook)
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOOPBACK):
        raise ApiError(400, "webhook must be an HTTPS URL")
    if body.get("leadType") not in LEAD_TYPES:
        raise ApiError(400, f"Invalid leadType {body.get('leadType')!r}")
    owner = _notification_owner(emu, req, body.get("owner"))
    if "versionedForm" in body:
        parse_versioned_form(body["versionedForm"])
    if emu.challenge_on_subscribe and not emu.challenge(webhook):
        raise ApiError(400, "This URL did not pass the security challenge check")
    notification_id = emu.data.next_id("notification", 6_914_000)
    notification = {"id": notification_id, "webhook": webhook, "owner": owner, "leadType": body["leadType"]}
    if "versionedForm" in body:
        notification["versionedForm"] = body["versionedForm"]
    emu.data.notifications[str(notification_id)] = notification
    return Reply(201, headers={"x-restli-id": str(notification_id)})
