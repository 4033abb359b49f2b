"""OAuth 2.0 of the emulator: authorization codes, access and refresh tokens, introspection."""

import base64
import html
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from .base import Reply

ACCESS_TTL = 60 * 86400
REFRESH_TTL = 365 * 86400
CODE_TTL = 30 * 60
KNOWN_SCOPES = {
    "r_ads", "rw_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile", "r_events",
    "rw_dmp_segments", "openid", "profile", "email",
}  # fmt: skip
DEFAULT_SCOPES = ["r_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile",
                  "rw_dmp_segments"]  # fmt: skip
CODE_MISMATCH = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. "
    "Or authorization code expired. Or external member binding exists"
)
REFRESH_INVALID = "The provided authorization grant or refresh token is invalid, expired or revoked"


@dataclass
class Token:
    """An issued access or refresh token."""

    value: str
    kind: str
    member: str
    scopes: list
    created: float
    expires_at: float
    revoked: bool = False
    refresh: object = None

    def status(self, now):
        if self.revoked:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"


class OAuthError(Exception):
    """A token endpoint error: ``{"error", "error_description"}``."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def reply(self):
        return Reply(self.status, {"error": self.error, "error_description": self.description})


def split_scopes(value):
    return [s for s in value.replace(",", " ").split() if s]


class TokenStore:
    """Codes and tokens of one emulator (not thread-safe: the emulator holds its lock)."""

    def __init__(self, clock):
        self.clock = clock
        self.tokens = {}
        self.codes = {}
        self.grants = {}  # member -> scope set of the member's last authorization (code exchange)

    def grant(self, member, scopes):
        """Record an authorization; a different scope set than the last one revokes the member's access tokens."""
        previous, scopes = self.grants.get(member), frozenset(scopes)
        if previous is not None and previous != scopes:
            for token in self.tokens.values():
                if token.member == member and token.kind == "access":
                    token.revoked = True
        self.grants[member] = scopes

    def issue(self, member, scopes, refresh=True, refresh_token=None):
        now = self.clock()
        access = Token("AQV" + secrets.token_urlsafe(96), "access", member, list(scopes), now, now + ACCESS_TTL)
        self.tokens[access.value] = access
        if refresh and refresh_token is None:
            refresh_token = Token("AQX" + secrets.token_urlsafe(96), "refresh", member, list(scopes), now,
                                  now + REFRESH_TTL)  # fmt: skip
            self.tokens[refresh_token.value] = refresh_token
        access.refresh = refresh_token
        body = {"access_token": access.value, "expires_in": ACCESS_TTL, "scope": ",".join(scopes),
                "token_type": "Bearer"}  # fmt: skip
        if refresh_token:
            body["refresh_token"] = refresh_token.value
            body["refresh_token_expires_in"] = max(0, int(refresh_token.expires_at - now))
        return body

    def new_code(self, member, scopes, redirect_uri, client_id):
        code = "AQT" + secrets.token_urlsafe(48)
        self.codes[code] = {"member": member, "scopes": scopes, "redirect_uri": redirect_uri,
                            "client_id": client_id, "expires_at": self.clock() + CODE_TTL, "used": False}  # fmt: skip
        return code


def _client_credentials(req, emu):
    """Client id and secret from the form body or HTTP Basic auth; raises on a mismatch."""
    client_id, secret = req.data.get("client_id"), req.data.get("client_secret")
    auth = req.headers.get("Authorization") or ""
    if auth.startswith("Basic "):
        try:
            client_id, _sep, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            raise OAuthError(401, "invalid_client", "Client authentication failed") from None
    for name, value in (("client_id", client_id), ("client_secret", secret)):
        if not value:
            raise OAuthError(400, "invalid_request", f'A required parameter "{name}" is missing')
    if client_id != emu.client_id or secret != emu.client_secret:
        raise OAuthError(401, "invalid_client", "Client authentication failed")


def authorization(emu, req):
    """``GET /oauth/v2/authorization``: LinkedIn's permission page when ``emu.consent`` is set (its Allow
    and Cancel buttons come back here with ``consent=allow|cancel``), else approve at once; then redirect
    with ``code`` and ``state`` (or ``error``)."""
    params = dict(parse_qsl(req.query))
    if params.get("response_type") != "code":
        return Reply(400, raw=b"response_type must be code", content_type="text/plain")
    if params.get("client_id") != emu.client_id:
        return Reply(401, raw=b"Client_id doesn't match", content_type="text/plain")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri or not redirect_uri.startswith(("https://", "http://")) or "#" in redirect_uri:
        return Reply(401, raw=b"Redirect_uri doesn't match", content_type="text/plain")
    scopes = split_scopes(params.get("scope", ""))
    if not scopes or set(scopes) - KNOWN_SCOPES:
        return Reply(401, raw=b"Invalid scope", content_type="text/plain")
    decision = params.pop("consent", None)
    if emu.consent and decision not in ("allow", "cancel"):
        return Reply(200, raw=consent_page(emu, params, scopes), content_type="text/html; charset=utf-8")
    answer = {}
    if decision == "cancel":
        answer = {"error": "user_cancelled_authorize", "error_description": "The user cancelled the authorization"}
    elif emu.cancel_next_login:
        emu.cancel_next_login = False
        answer = {"error": "user_cancelled_login", "error_description": "The user cancelled LinkedIn login"}
    else:
        answer = {"code": emu.tokens.new_code(emu.login_member, scopes, redirect_uri, emu.client_id)}
    if "state" in params:
        answer["state"] = params["state"]
    location = redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(answer)
    return Reply(302, headers={"Location": location})


SCOPE_WORDS = {
    "r_ads": "See your ad accounts",
    "r_ads_reporting": "See your ad accounts' reports",
    "r_marketing_leadgen_automation": "Read the leads of your Lead Gen Forms",
    "r_organization_admin": "See the company pages you administer",
    "r_basicprofile": "Use your name and photo",
    "rw_dmp_segments": "Create and update Matched Audiences",
}


def consent_page(emu, params, scopes):
    """The page a member sees on LinkedIn before granting an app access (Allow / Cancel)."""
    member = emu.data.members[emu.login_member]
    name = html.escape(f"{member['localizedFirstName']} {member['localizedLastName']}")
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">' for key, value in params.items()
    )
    items = "".join(f"<li>{html.escape(SCOPE_WORDS.get(scope, scope))} <code>{html.escape(scope)}</code></li>"
                    for scope in scopes)  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LinkedIn (emulator): allow access</title>
<style>body{{font-family:sans-serif;background:#f4f2ee;margin:0}}main{{max-width:480px;margin:60px auto;
background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 3px #0003}}h1{{font-size:22px;color:#0a66c2}}
button{{font-size:16px;padding:10px 24px;border-radius:24px;border:1px solid #0a66c2;cursor:pointer;margin-right:8px}}
.allow{{background:#0a66c2;color:#fff}}.cancel{{background:#fff;color:#0a66c2}}small{{color:#666}}</style></head>
<body><main><h1>LinkedIn</h1>
<p>Signed in as <b>{name}</b>.</p>
<p>The application <b>{html.escape(emu.client_id)}</b> would like to:</p><ul>{items}</ul>
<form method="get" action="">{hidden}
<button class="allow" type="submit" name="consent" value="allow" autofocus>Allow</button>
<button class="cancel" type="submit" name="consent" value="cancel">Cancel</button></form>
<p><small>This is the project's LinkedIn emulator, not LinkedIn: nothing leaves this machine.</small></p>
</main></body></html>""".encode()


def _form_body(req):
    if req.method != "POST":
        raise OAuthError(405, "invalid_request", "Only POST is allowed for token requests")
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
    req.data = dict(parse_qsl(req.body.decode("utf-8", "replace")))
    return req.data


def access_token(emu, req):
    """``POST /oauth/v2/accessToken``: authorization_code and refresh_token grants."""
    try:
        form = _form_body(req)
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError(400, "invalid_request", 'A required parameter "grant_type" is missing')
        if grant == "authorization_code":
            return Reply(200, _code_grant(emu, req, form))
        if grant == "refresh_token":
            return Reply(200, _refresh_grant(emu, req, form))
        raise OAuthError(400, "unsupported_grant_type", f"Grant type {grant} is not supported")
    except OAuthError as error:
        return error.reply()


def _code_grant(emu, req, form):
    for name in ("code", "redirect_uri"):
        if not form.get(name):
            raise OAuthError(400, "invalid_request", f'A required parameter "{name}" is missing')
    _client_credentials(req, emu)
    grant = emu.tokens.codes.get(form["code"])
    if grant is None:
        raise OAuthError(401, "invalid_request", "Unable to retrieve access token: authorization code not found")
    if grant["used"] or emu.now() >= grant["expires_at"] or grant["redirect_uri"] != form["redirect_uri"]:
        raise OAuthError(400, "invalid_request", CODE_MISMATCH)
    grant["used"] = True
    if emu.scope_change_revokes:
        emu.tokens.grant(grant["member"], grant["scopes"])
    return emu.tokens.issue(grant["member"], grant["scopes"], refresh=emu.refresh_tokens)


def _refresh_grant(emu, req, form):
    if not form.get("refresh_token"):
        raise OAuthError(400, "invalid_request", 'A required parameter "refresh_token" is missing')
    _client_credentials(req, emu)
    token = emu.tokens.tokens.get(form["refresh_token"])
    if token is None or token.kind != "refresh" or token.status(emu.now()) != "active":
        raise OAuthError(400, emu.refresh_error, REFRESH_INVALID)
    return emu.tokens.issue(token.member, token.scopes, refresh_token=token)


def introspect(emu, req):
    """``POST /oauth/v2/introspectToken``."""
    try:
        form = _form_body(req)
        if form.get("client_id") != emu.client_id or not form.get("token"):
            raise OAuthError(400, "invalid_request", "Invalid client id or token")
        if form.get("client_secret") != emu.client_secret:
            raise OAuthError(401, "invalid_client", "Client authentication failed")
    except OAuthError as error:
        return error.reply()
    token = emu.tokens.tokens.get(form["token"])
    if token is None:
        return Reply(200, {"active": False})
    status = token.status(emu.now())
    return Reply(200, {
        "active": status == "active", "client_id": emu.client_id, "authorized_at": int(token.created),
        "created_at": int(token.created), "status": status, "expires_at": int(token.expires_at),
        "scope": ",".join(token.scopes), "auth_type": "3L",
    })  # fmt: skip
