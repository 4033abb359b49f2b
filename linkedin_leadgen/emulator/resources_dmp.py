"""Matched Audiences: dmpSegments, their LINKEDIN destination and users streaming."""

import hashlib
import re
from collections import deque
from urllib.parse import unquote

from .base import ApiError, Reply, offset_page, urn_id
from .resources_ads import accessible_account
from .restli import project

ID_TYPES = {
    "SHA256_EMAIL": re.compile(r"^[0-9a-fA-F]{64}\Z"),
    "SHA512_EMAIL": re.compile(r"^[0-9a-fA-F]{128}\Z"),
    "GOOGLE_AID": re.compile(r"^\S+\Z"),
    "BIZO_ID": re.compile(r"^\S+\Z"),
}
_PLATFORM = re.compile(r"^[A-Z][A-Z0-9_]*\Z")
PER_ELEMENT_SINCE = 202502
MIN_AUDIENCE = 300
# API notes 8.4; ARCHIVED, EXPIRED, FAILED and ERROR are reached through emu.set_segment_status() (or
# segment_archive_after for ARCHIVED)
SEGMENT_STATUSES = ("BUILDING", "READY", "UPDATING", "ARCHIVED", "EXPIRED", "FAILED", "ERROR")
# adding users re-activates these (back through UPDATING); the other states do not move
REACTIVATED = ("READY", "ARCHIVED")


def _matched(value, threshold):
    """Whether LinkedIn "matches" an id: a stable pseudo-random draw (a SHA-256 hex id is its own draw)."""
    digest = value if ID_TYPES["SHA256_EMAIL"].match(value) else hashlib.sha256(value.encode()).hexdigest()
    return int(digest[:8], 16) % 1000 < threshold


def refresh_segment(emu, segment):
    """Move BUILDING/UPDATING to READY once the delay is over, taking the counts snapshot; archive idle ones."""
    archive_after = emu.segment_archive_after
    if (
        segment["status"] == "READY"
        and archive_after is not None
        and emu.now() - segment["lastModified"] / 1000 >= (archive_after)
    ):
        segment["status"] = "ARCHIVED"
    if segment["status"] in ("BUILDING", "UPDATING") and emu.now() >= segment["ready_at"]:
        threshold = emu.match_rate * 1000
        matched = sum(1 for value in segment["users"] if _matched(value, threshold))
        segment["status"] = "READY"
        segment["counts"] = {
            "inputCount": len(segment["users"]), "matchedCount": matched,
            "audienceSize": matched if matched >= MIN_AUDIENCE else 0,
        }  # fmt: skip
        segment["lastModified"] = emu.now_ms()


def destination(segment):
    dest = {"destination": "LINKEDIN", "status": segment["status"], "created": segment["created"],
            "lastModified": segment["lastModified"], "destinationSegmentId": segment["adSegment"]}  # fmt: skip
    if segment["counts"]:
        dest["matchedCount"] = segment["counts"]["matchedCount"]
        dest["audienceSize"] = segment["counts"]["audienceSize"]
    return dest


def segment_entity(segment):
    entity = {key: segment[key] for key in ("id", "name", "account", "type", "sourcePlatform", "created",
                                            "lastModified") if key in segment}  # fmt: skip
    for key in ("description", "sourceSegmentId"):
        if segment.get(key):
            entity[key] = segment[key]
    entity["destinations"] = [destination(segment)]
    if segment["counts"]:
        entity["inputCount"] = segment["counts"]["inputCount"]
    return entity


def _segment(emu, req, key, manage=False):
    segment = emu.data.segments.get(unquote(key))
    if segment is None:
        raise ApiError(404, f"DMP segment {key} not found")
    account = accessible_account(emu, req, urn_id(segment["account"], "sponsoredAccount"))
    if manage and emu.data.members[req.member]["roles"][account["id"]] == "VIEWER":
        raise ApiError(403, "A VIEWER cannot manage DMP segments", service_code=100)
    refresh_segment(emu, segment)
    return segment


def dmp_segments(emu, req, key=None):
    if key is not None:
        segment = _segment(emu, req, key, manage=req.method != "GET")
        if req.method == "DELETE":
            del emu.data.segments[str(segment["id"])]
            return Reply(204)
        if req.method == "POST" and req.restli_method == "PARTIAL_UPDATE":
            patch = (req.json().get("patch") or {}).get("$set") or {}
            for name in set(patch) & {"name", "description"}:
                segment[name] = patch[name]
            segment["lastModified"] = emu.now_ms()
            return Reply(204)
        if req.method != "GET":
            raise ApiError(405, f"{req.method} is not supported on a DMP segment")
        return project(segment_entity(segment), req.params.get("fields"))
    if req.method == "POST":
        return _create_segment(emu, req)
    if req.params.get("q") != "account":
        raise ApiError(400, "Unsupported finder; use q=account")
    account = accessible_account(emu, req, urn_id(req.params.get("account"), "sponsoredAccount"))
    urn = f"urn:li:sponsoredAccount:{account['id']}"
    found = []
    for segment in emu.data.segments.values():
        if segment["account"] != urn or any(
            name in req.params and segment.get(name) != req.params[name]
            for name in ("sourceSegmentId", "sourcePlatform")
        ):
            continue
        refresh_segment(emu, segment)
        found.append(segment_entity(segment))
    return offset_page(req, project(found, req.params.get("fields")))


def _create_segment(emu, req):
    body = req.json()
    account = accessible_account(emu, req, urn_id(body.get("account"), "sponsoredAccount"))
    if emu.data.members[req.member]["roles"][account["id"]] == "VIEWER":
        raise ApiError(403, "A VIEWER cannot manage DMP segments", service_code=100)
    if not body.get("name"):
        raise ApiError(400, "name is required")
    if body.get("type") not in ("USER", "COMPANY"):
        raise ApiError(400, f"Invalid type {body.get('type')!r}")
    if not _PLATFORM.match(body.get("sourcePlatform") or ""):
        raise ApiError(400, f"Invalid sourcePlatform {body.get('sourcePlatform')!r}")
    if any(d.get("destination") != "LINKEDIN" for d in body.get("destinations") or []):
        raise ApiError(400, "The only destination is LINKEDIN")
    now, now_ms = emu.now(), emu.now_ms()
    segment_id = emu.data.next_id("segment", 9_821_000)
    emu.data.segments[str(segment_id)] = {
        "id": segment_id, "name": body["name"], "description": body.get("description"),
        "account": body["account"], "type": body["type"], "sourcePlatform": body["sourcePlatform"],
        "sourceSegmentId": body.get("sourceSegmentId"), "created": now_ms, "lastModified": now_ms,
        "adSegment": f"urn:li:adSegment:{emu.data.next_id('adSegment', 15_326_000)}", "status": "BUILDING",
        "ready_at": now + emu.segment_delay, "available_at": now + emu.dmp_not_found_window,
        # users: a dict used as a set: holding only strings, the garbage collector never walks it (a set of a
        # million ids made every collection, and so every JSON decoding, several times slower)
        "users": {}, "counts": None, "requests": [],
    }  # fmt: skip
    return Reply(201, headers={"x-restli-id": str(segment_id)})


def destinations(emu, req, key, name=None):
    segment = _segment(emu, req, key, manage=req.method != "GET")
    if req.method == "POST":
        if req.json().get("destination") != "LINKEDIN":
            raise ApiError(400, "The only destination is LINKEDIN")
        return Reply(201, headers={"x-restli-id": "LINKEDIN"})
    if name is None:
        return {"elements": [destination(segment)], "paging": {"start": 0, "count": 10, "links": [], "total": 1}}
    if unquote(name) != "LINKEDIN":
        raise ApiError(404, f"Destination {name} not found")
    return project(destination(segment), req.params.get("fields"))


def _element_errors(elements):
    """The error of each element (None when valid); the common shape, SHA-256 ids only, is checked quickly."""
    sha256 = ID_TYPES["SHA256_EMAIL"].match
    errors = []
    for element in elements:
        try:
            valid = element["action"] in ("ADD", "REMOVE") and bool(element["userIds"])
            for user_id in element["userIds"] if valid else ():
                if user_id["idType"] != "SHA256_EMAIL" or not sha256(user_id["idValue"]):
                    valid = False
                    break
        except (KeyError, TypeError):
            valid = False
        errors.append(None if valid else _element_error(element))
    return errors


def _element_error(element):
    if not isinstance(element, dict) or element.get("action") not in ("ADD", "REMOVE"):
        return "action must be ADD or REMOVE"
    user_ids = element.get("userIds")
    if not isinstance(user_ids, list) or not user_ids:
        return "userIds must be a non-empty array"
    for user_id in user_ids:
        pattern = ID_TYPES.get(user_id.get("idType")) if isinstance(user_id, dict) else None
        if pattern is None:
            return f"Unsupported idType in {user_id!r}"
        if not pattern.match(str(user_id.get("idValue") or "")):
            return f"Malformed {user_id['idType']} idValue {user_id.get('idValue')!r}"
    return None


def _apply(emu, segment, elements):
    """Apply valid ADD/REMOVE elements in order; the segment moves to UPDATING once per call."""
    users = segment["users"]
    for element in elements:
        add = element["action"] == "ADD"
        for user_id in element["userIds"]:
            value = user_id["idValue"]
            if user_id["idType"].startswith("SHA"):
                value = value.lower()
            if add:
                users[value] = None
            else:
                users.pop(value, None)
    if elements:
        if segment["status"] in REACTIVATED:
            segment["status"] = "UPDATING"
            segment["ready_at"] = emu.now() + emu.segment_delay
        segment["lastModified"] = emu.now_ms()


def _rate_limit(emu, member):
    calls = emu.dmp_calls.setdefault(member, deque())
    now = emu.now()
    while calls and calls[0] <= now - 60:
        calls.popleft()
    if len(calls) >= emu.dmp_rate_limit:
        raise ApiError(429, "Resource level throttle limit for calls to this resource is reached.", service_code=101)
    calls.append(now)


def users(emu, req, key):
    if req.method != "POST":
        raise ApiError(405, "Only POST is supported on segment users")
    segment = _segment(emu, req, key, manage=True)
    if emu.now() < segment["available_at"]:
        raise ApiError(404, f"DMP segment {key} not found")
    _rate_limit(emu, req.member)
    body = req.json()
    segment["requests"].append(req.captured)
    if req.restli_method != "BATCH_CREATE":
        error = _element_error(body)
        if error:
            raise ApiError(400, error)
        _apply(emu, segment, [body])
        return Reply(201)
    elements = body.get("elements")
    if not isinstance(elements, list) or not elements:
        raise ApiError(400, "elements must be a non-empty array")
    if len(elements) > emu.dmp_batch_cap:
        raise ApiError(400, f"Batch size {len(elements)} exceeds the maximum of {emu.dmp_batch_cap}")
    errors = _element_errors(elements)
    if int(req.version[:6]) < PER_ELEMENT_SINCE and any(errors):
        index = next(i for i, error in enumerate(errors) if error)
        raise ApiError(400, f"elements[{index}]: {errors[index]}")
    if not any(errors):
        _apply(emu, segment, elements)
        return {"elements": [{"status": 201}] * len(elements)}
    results = [
        {"status": 400, "error": {"status": 400, "message": error, "batchIndex": index}} if error else {"status": 201}
        for index, error in enumerate(errors)
    ]
    _apply(emu, segment, [element for element, error in zip(elements, errors, strict=True) if not error])
    return {"elements": results}


def list_uploads(emu, req, key):
    """``POST /dmpSegments/{id}/listUploads`` (a stub: the CSV upload step is UNCONFIRMED, API notes 8.7)."""
    if "rw_ads" not in req.token.scopes:
        raise ApiError(403, "Not enough permissions to access: dmpSegments.listUploads (needs rw_ads)",
                       service_code=100)  # fmt: skip
    segment = _segment(emu, req, key, manage=True)
    input_file = req.json().get("inputFile")
    if not isinstance(input_file, str) or not input_file.startswith("urn:li:"):
        raise ApiError(400, "inputFile must be the URN of an uploaded file")
    upload_id = emu.data.next_id("listUpload", 400_000)
    segment.setdefault("list_uploads", []).append({"id": upload_id, "inputFile": input_file})
    if segment["status"] in REACTIVATED:
        segment["status"] = "UPDATING"
        segment["ready_at"] = emu.now() + emu.segment_delay
    segment["lastModified"] = emu.now_ms()
    return Reply(201, headers={"x-restli-id": str(upload_id)})
