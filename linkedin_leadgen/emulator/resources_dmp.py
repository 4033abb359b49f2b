"""Matched Audiences: dmpSegments, their LINKEDIN destination and users streaming."""

import hashlib
import re
from collections import deque
from urllib.parse import unquote

from .base import ApiError, Reply, offset_page, urn_id
from .resources_ads import accessible_account
from .restli import project

ID_TYPES = {
    "SHA256_EMAIL": re.compile(r"^[0-9a-fA-F]{64}$"),
    "SHA512_EMAIL": re.compile(r"^[0-9a-fA-F]{128}$"),
    "GOOGLE_AID": re.compile(r"^\S+$"),
    "BIZO_ID": re.compile(r"^\S+$"),
}
_PLATFORM = re.compile(r"^[A-Z][A-Z0-9_]*$")
PER_ELEMENT_SINCE = 202502
MIN_AUDIENCE = 300


def _matched(value, rate):
    return int(hashlib.sha256(value.encode()).hexdigest()[:8], 16) % 1000 < rate * 1000


def refresh_segment(emu, segment):
    """Move BUILDING/UPDATING to READY once the delay is over, taking the counts snapshot."""
    if segment["status"] in ("BUILDING", "UPDATING") and emu.now() >= segment["ready_at"]:
        matched = sum(1 for value in segment["users"] if _matched(value, emu.match_rate))
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
        "users": set(), "counts": None, "requests": [],
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


def _apply(emu, segment, element):
    for user_id in element["userIds"]:
        value = user_id["idValue"]
        value = value.lower() if user_id["idType"].startswith("SHA") else value
        if element["action"] == "ADD":
            segment["users"].add(value)
        else:
            segment["users"].discard(value)
    if segment["status"] == "READY":
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
    segment["requests"].append(body)
    if req.restli_method != "BATCH_CREATE":
        error = _element_error(body)
        if error:
            raise ApiError(400, error)
        _apply(emu, segment, body)
        return Reply(201)
    elements = body.get("elements")
    if not isinstance(elements, list) or not elements:
        raise ApiError(400, "elements must be a non-empty array")
    if len(elements) > emu.dmp_batch_cap:
        raise ApiError(400, f"Batch size {len(elements)} exceeds the maximum of {emu.dmp_batch_cap}")
    errors = [_element_error(element) for element in elements]
    if int(req.version[:6]) < PER_ELEMENT_SINCE and any(errors):
        index = next(i for i, error in enumerate(errors) if error)
        raise ApiError(400, f"elements[{index}]: {errors[index]}")
    results = []
    for index, (element, error) in enumerate(zip(elements, errors, strict=True)):
        if error:
            results.append({"status": 400, "error": {"status": 400, "message": error, "batchIndex": index}})
        else:
            _apply(emu, segment, element)
            results.append({"status": 201})
    return {"elements": results}
