"""Request, reply and error types shared by the emulator's resources, plus paging helpers."""

import base64
import itertools
import json
from dataclasses import dataclass, field

ERROR_CODES = {
    400: "ILLEGAL_ARGUMENT",
    403: "ACCESS_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    411: "LENGTH_REQUIRED",
    414: "URI_TOO_LONG",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
MAX_COUNT = 1000
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ApiError(Exception):
    """An error answered with LinkedIn's JSON error body."""

    def __init__(self, status, message, code=None, service_code=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or ERROR_CODES.get(status)
        self.service_code = service_code
        self.headers = headers or {}

    def reply(self):
        body = {"status": self.status, "message": self.message}
        if self.code:
            body["code"] = self.code
        if self.service_code is not None:
            body["serviceErrorCode"] = self.service_code
        return Reply(self.status, body, dict(self.headers))


class PreEncoded:
    """A JSON value encoded once and spliced into every answer that embeds it (a lead's projected form)."""

    __slots__ = ("json", "token")
    _numbers = itertools.count()

    def __init__(self, value):
        self.json = json.dumps(value, separators=(",", ":"))
        self.token = f"\x00fragment{next(self._numbers)}\x00"


def dumps(value):
    """Compact JSON bytes of ``value``, as LinkedIn sends them; :class:`PreEncoded` parts are spliced in."""
    fragments = {}

    def default(item):
        if isinstance(item, PreEncoded):
            fragments[item.token] = item.json
            return item.token
        raise TypeError(f"{type(item).__name__} is not JSON serializable")

    text = json.dumps(value, separators=(",", ":"), default=default)
    for token, fragment in fragments.items():
        text = text.replace(json.dumps(token), fragment)
    return text.encode()


@dataclass
class Reply:
    """An HTTP answer: a JSON-able body, raw bytes or nothing."""

    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    raw: bytes = None
    content_type: str = "application/json"

    def payload(self):
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return dumps(self.body)


@dataclass
class Request:
    """One incoming request, after tunneling and query parsing."""

    method: str
    path: str
    query: str
    params: dict
    headers: object
    body: bytes
    data: object = None
    tunneled: bool = False
    warnings: list = field(default_factory=list)
    token: object = None
    version: str = None
    length_missing: bool = False
    captured: object = None

    @property
    def member(self):
        return self.token.member if self.token else None

    @property
    def restli_method(self):
        return (self.headers.get("X-RestLi-Method") or "").upper()

    def json(self):
        if not isinstance(self.data, (dict, list)):
            raise ApiError(400, "A JSON request body is required")
        return self.data


def int_param(req, name, default, minimum=0):
    value = req.params.get(name, default)
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid value for parameter {name}: {value!r}") from None
    if value < minimum:
        raise ApiError(400, f"Parameter {name} must be at least {minimum}")
    return value


def offset_window(req, default=10, cap=MAX_COUNT):
    """``(start, count)`` of an offset-paged finder; 400 above ``cap``."""
    start = int_param(req, "start", 0)
    count = int_param(req, "count", default)
    if count > cap:
        raise ApiError(400, f"Specified count is larger than {cap}")
    return start, count


def offset_envelope(elements, start, count, total):
    return {"elements": elements, "paging": {"start": start, "count": count, "links": [], "total": total}}


def offset_page(req, items, render=None, default=10, cap=MAX_COUNT):
    start, count = offset_window(req, default, cap)
    page = items[start : start + count]
    return offset_envelope([render(i) for i in page] if render else page, start, count, len(items))


def cursor_page(req, items, render=None, default=100, cap=MAX_COUNT):
    """Cursor paging (``pageSize``/``pageToken``); falls back to offset paging when ``start``/``count`` are sent."""
    if (
        "pageSize" not in req.params
        and "pageToken" not in req.params
        and ("start" in req.params or "count" in req.params)
    ):
        return offset_page(req, items, render, cap=cap)
    size = int_param(req, "pageSize", default, minimum=1)
    if size > cap:
        raise ApiError(400, f"Specified pageSize is larger than {cap}")
    start = 0
    if req.params.get("pageToken"):
        try:
            start = int(base64.urlsafe_b64decode(req.params["pageToken"].encode()).decode().removeprefix("o:"))
        except ValueError:
            raise ApiError(400, "Invalid pageToken") from None
    page = items[start : start + size]
    metadata = {}
    if start + size < len(items):
        metadata["nextPageToken"] = base64.urlsafe_b64encode(f"o:{start + size}".encode()).decode()
    return {"elements": [render(i) for i in page] if render else page, "metadata": metadata}


def batch_envelope(ids, lookup):
    """BATCH_GET envelope; ``lookup(id)`` returns the entity or None."""
    results, statuses, errors = {}, {}, {}
    for key in ids:
        entity = lookup(key)
        if entity is None:
            statuses[key] = 404
            errors[key] = {"status": 404, "code": "NOT_FOUND", "message": f"Entity {key} not found"}
        else:
            statuses[key] = 200
            results[key] = entity
    return {"results": results, "statuses": statuses, "errors": errors}


def id_list(req):
    ids = req.params.get("ids")
    if not isinstance(ids, list):
        raise ApiError(400, "ids must be a List()")
    return ids


def urn_id(urn, kind):
    """The id of ``urn:li:{kind}:{id}``; 400 for another type."""
    prefix = f"urn:li:{kind}:"
    if not isinstance(urn, str) or not urn.startswith(prefix):
        raise ApiError(400, f"Expected a {prefix}... URN, got {urn!r}")
    return urn[len(prefix) :]
