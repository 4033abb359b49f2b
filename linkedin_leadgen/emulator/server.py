"""HTTP plumbing: routing, LinkedIn's header, token, version and scope checks, faults and the request log."""

import copy
import json
import logging
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import oauth
from . import resources_ads as ads
from . import resources_dmp as dmp
from . import resources_leads as leads
from .base import ApiError, Reply, Request
from .faults import DAY_LIMIT, PASS_THROUGH
from .restli import RestliSyntaxError, parse_query

_logger = logging.getLogger(__name__)
MAX_QUERY = 4096
MAX_URL = 8192
_VERSION = re.compile(r"^(\d{6})(\.\d{2})?$")
ADS = {"r_ads", "rw_ads"}
LEADS = {"r_marketing_leadgen_automation"}
DMP = {"rw_dmp_segments"}
# endpoint name -> (handler, accepted scopes, allowed methods)
REST = {
    "me": (ads.me, {"r_basicprofile"}, {"GET"}),
    "adAccountUsers": (ads.ad_account_users, ADS, {"GET"}),
    "adAccounts": (ads.ad_accounts, ADS, {"GET"}),
    "adCampaigns": (ads.ad_campaigns, ADS, {"GET"}),
    "adCampaignGroups": (ads.ad_campaign_groups, ADS, {"GET"}),
    "creatives": (ads.creatives, ADS, {"GET"}),
    "organizationAcls": (ads.organization_acls, {"r_organization_admin"}, {"GET"}),
    "leadForms": (leads.lead_forms, ADS | LEADS, {"GET"}),
    "leadFormResponses": (leads.lead_form_responses, LEADS, {"GET"}),
    "leadNotifications": (leads.lead_notifications, LEADS, {"GET", "POST", "DELETE"}),
    "dmpSegments": (dmp.dmp_segments, DMP, {"GET", "POST", "DELETE"}),
    "dmpSegments/destinations": (dmp.destinations, DMP, {"GET", "POST"}),
    "dmpSegments/users": (dmp.users, DMP, {"POST"}),
    "dmpSegments/listUploads": (dmp.list_uploads, DMP, {"POST"}),
}
OAUTH = {"authorization": oauth.authorization, "accessToken": oauth.access_token, "introspectToken": oauth.introspect}


def route(path):
    """``(endpoint, raw key segments)`` for a path, ``(None, ())`` when nothing lives there."""
    if path.startswith("/oauth/v2/"):
        name = path[len("/oauth/v2/") :]
        return (name, ()) if name in OAUTH else (None, ())
    if not path.startswith("/rest/"):
        return None, ()
    head, *rest = path[len("/rest/") :].rstrip("/").split("/")
    head = "leadNotifications" if head == "leadnotifications" else head
    if len(rest) >= 2 and head == "adAccounts":
        if rest[1] in ("adCampaigns", "adCampaignGroups", "creatives") and len(rest) <= 3:
            return rest[1], (rest[0], *rest[2:])
        return None, ()
    if len(rest) >= 2 and head == "dmpSegments":
        if (rest[1], len(rest)) in (("users", 2), ("listUploads", 2), ("destinations", 2), ("destinations", 3)):
            return f"dmpSegments/{rest[1]}", (rest[0], *rest[2:])
        return None, ()
    if head in REST and len(rest) <= 1 and all(rest):
        return head, tuple(rest)
    return None, ()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LinkedInEmulator"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stalls

    def _dispatch(self):
        serve(self.server.emulator, self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, fmt, *args):
        _logger.debug("%s - %s", self.address_string(), fmt % args)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threaded server that does not wait for slow (fault-injected) requests on close."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, _Handler)


def serve(emu, handler):
    """Answer one request and record it."""
    split = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    req = Request(handler.command, split.path, split.query, {}, handler.headers,
                  handler.rfile.read(length) if length else b"")  # fmt: skip
    if handler.command in ("POST", "PUT", "PATCH") and handler.headers.get("Content-Length") is None:
        req.length_missing = True
        handler.close_connection = True  # a chunked body we do not read would poison the connection
    req.captured = CapturedBody(req) if req.body else None
    endpoint, args = route(split.path)
    with emu.lock:
        fault = emu.take_fault(endpoint, f"{split.path}?{split.query}")
        generation = emu.generation
    if fault and fault.kind == "slow":
        emu.stopping.wait(fault.options.get("delay", 5))
    with emu.lock:
        try:
            if emu.generation != generation:  # reset while it waited: answered, never counted or logged
                raise ApiError(503, "The emulator was reset while this request waited")
            reply = _process(emu, req, endpoint, args, fault, len(handler.path))
        except ApiError as error:
            reply = error.reply()
        except RestliSyntaxError as error:
            reply = ApiError(400, str(error)).reply()
        except Exception:
            _logger.exception("emulator error on %s %s", req.method, req.path)
            reply = ApiError(500, "Internal Server Error").reply()
        if emu.generation == generation:
            emu.record(req, reply, endpoint)
    _logger.info("%s %s -> %s", handler.command, split.path, reply.status)
    _write(handler, reply, truncate=bool(fault and fault.kind == "truncated"))


def _process(emu, req, endpoint, args, fault, url_length):
    if req.length_missing:
        raise ApiError(411, f"{req.method} requests need a Content-Length header")
    if endpoint is None:
        raise ApiError(404, f"No resource at {req.path}")
    if fault and fault.kind not in PASS_THROUGH:
        return fault.reply()
    if endpoint in OAUTH:
        return OAUTH[endpoint](emu, req)
    if len(req.query) > MAX_QUERY or url_length > MAX_URL:
        raise ApiError(414, "Request-URI Too Long: tunnel the query in a POST body")
    _tunnel(req)
    req.params, req.warnings = parse_query(req.query)
    for warning in req.warnings:
        _logger.warning("%s %s: %s", req.method, req.path, warning)
    _authenticate(emu, req, fault)
    _check_headers(emu, req)
    handler, scopes, methods = REST[endpoint]
    if not scopes & set(req.token.scopes):
        raise ApiError(403, f"Not enough permissions to access: {endpoint}.{req.method}.{req.version[:6]}01",
                       service_code=100)  # fmt: skip
    if req.method not in methods:
        raise ApiError(405, f"{req.method} is not supported on {endpoint}")
    if endpoint in emu.daily_limits:
        day = (endpoint, req.member, int(emu.now() // 86400))
        emu.daily_calls[day] += 1
        if emu.daily_calls[day] > emu.daily_limits[endpoint]:
            raise ApiError(429, DAY_LIMIT, service_code=101)
    if req.method in ("POST", "PUT") and req.body:
        try:
            req.data = json.loads(req.body)
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON") from None
    result = handler(emu, req, *args)
    return result if isinstance(result, Reply) else Reply(200, result)


def _tunnel(req):
    override = (req.headers.get("X-HTTP-Method-Override") or "").upper()
    if req.method != "POST" or not override:
        return
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if override != "GET" or content_type != "application/x-www-form-urlencoded":
        raise ApiError(400, "Query tunneling needs X-HTTP-Method-Override: GET and a form-encoded body")
    req.query = "&".join(part for part in (req.query, req.body.decode("utf-8", "replace")) if part)
    req.method, req.tunneled = "GET", True


def _authenticate(emu, req, fault):
    auth = req.headers.get("Authorization") or ""
    value = auth[7:].strip() if auth.startswith("Bearer ") else ""
    if not value:
        raise ApiError(401, "Empty oauth2_access_token", service_code=401)
    token = emu.tokens.tokens.get(value)
    if token is not None and fault is not None:
        if fault.kind == "expire_token":
            token.expires_at = emu.now() - 1
        elif fault.kind == "revoke_token":
            token.revoked = True
    status = token.status(emu.now()) if token is not None and token.kind == "access" else "invalid"
    if status == "invalid":
        raise ApiError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
    if status == "revoked":
        raise ApiError(401, "The token used in the request has been revoked by the user", "REVOKED_ACCESS_TOKEN", 65601)
    if status == "expired":
        raise ApiError(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65602)
    req.token = token


def _check_headers(emu, req):
    version = req.headers.get("LinkedIn-Version")
    if not version:
        raise ApiError(
            400, "A version must be present. Please specify a version by adding the Linkedin-Version header.",
            code="VERSION_MISSING",
        )  # fmt: skip
    match = _VERSION.match(version)
    if not match or match.group(1) not in emu.active_versions:
        raise ApiError(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
    req.version = version
    if req.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        raise ApiError(400, "X-Restli-Protocol-Version: 2.0.0 is required on versioned APIs")


def masked_headers(headers):
    masked = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0]
            value = f"{scheme} ***" if " " in value else "***"
        masked[name] = value
    return masked


class CapturedBody:
    """A request body kept for the log: raw bytes, decoded only when read.

    Form bodies (OAuth) are decoded at once so that ``client_secret`` is masked; JSON bodies stay raw,
    which costs one bytes object instead of a tree of dicts (a DMP batch of 5,000 ids is 0.5 MB).
    ``release()`` forgets the bytes when the emulator's body budget is spent.
    """

    __slots__ = ("_raw", "_value", "dropped", "size")

    def __init__(self, req):
        self._raw, self._value, self.dropped = None, None, False
        self.size = len(req.body)
        content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
            if "client_secret" in form:
                form["client_secret"] = "***"
            self._value = form
        else:
            self._raw = req.body

    def value(self):
        """The decoded body: JSON, a form dict (client_secret masked), text, or None once released."""
        raw = self._raw  # read once: another thread may release it meanwhile
        if raw is None:
            return copy.deepcopy(self._value)
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def release(self):
        self._raw = self._value = None
        self.dropped = True


def log_entry(req, reply, endpoint):
    """One request log entry; ``body`` is a :class:`CapturedBody` (or None), decoded by ``emu.requests()``."""
    return {
        "method": "POST" if req.tunneled else req.method,
        "path": req.path, "query": req.query, "params": req.params, "headers": masked_headers(req.headers),
        "body": req.captured, "status": reply.status, "endpoint": endpoint, "tunneled": req.tunneled,
        "warnings": list(req.warnings), "time": time.time(),
    }  # fmt: skip


def _write(handler, reply, truncate=False):
    """Send ``reply``; ``truncate``: the request was processed but the connection breaks halfway through the
    answer (all of the headers and half of the body, or nothing when it has no body)."""
    payload = reply.payload()
    if truncate:
        handler.close_connection = True
        if not payload:
            return
    try:
        handler.send_response(reply.status)
        if payload:
            handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("X-RestLi-Protocol-Version", "2.0.0")
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload[: len(payload) // 2] if truncate else payload)
    except (BrokenPipeError, ConnectionResetError):
        _logger.debug("client went away before the answer to %s", handler.path)
