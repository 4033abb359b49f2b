"""OAuth 2.0 authorization-code flow with requests-oauthlib (API notes, section 2).

Plain ``http://`` is accepted only for loopback hosts (the emulator); oauthlib's own HTTPS check is
lifted for exactly those calls, under a lock, and restored at once.
"""

import ipaddress
import logging
import os
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from .exceptions import (
    AuthError,
    InsecureTransportError,
    LinkedInError,
    ReauthorizationRequired,
    RetryableServerError,
    ThrottledError,
)
from .tokens import Tokens

_logger = logging.getLogger(__name__)
_INSECURE_ENV = "OAUTHLIB_INSECURE_TRANSPORT"
_ENV_LOCK = threading.RLock()
_QUIET = threading.local()
REAUTH_ERRORS = ("invalid_request", "invalid_grant")


class _HideOAuthLibLogs(logging.Filter):
    """requests-oauthlib logs token request bodies and answers at DEBUG: drop them during our calls."""

    def filter(self, record):
        return not getattr(_QUIET, "active", False)


logging.getLogger("requests_oauthlib.oauth2_session").addFilter(_HideOAuthLibLogs())


def is_loopback_url(url):
    """True when ``url``'s host is 127.0.0.0/8, ::1 or localhost."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url):
    """Refuse anything but HTTPS, except plain HTTP to a loopback host."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and is_loopback_url(url)):
        return
    raise InsecureTransportError(
        f"Refusing to talk to LinkedIn over {scheme or 'an unknown scheme'}://{urlsplit(url).hostname or ''}: "
        "use https:// (plain http:// is only allowed for a loopback emulator such as 127.0.0.1 or localhost)."
    )


@contextmanager
def oauthlib_transport(url):
    """Let oauthlib accept ``url``: checked by :func:`check_transport`, relaxed only if loopback http."""
    check_transport(url)
    _QUIET.active = True
    try:
        if url.lower().startswith("https://"):
            yield
            return
        with _ENV_LOCK:
            previous = os.environ.get(_INSECURE_ENV)
            os.environ[_INSECURE_ENV] = "1"
            try:
                yield
            finally:
                if previous is None:
                    os.environ.pop(_INSECURE_ENV, None)
                else:
                    os.environ[_INSECURE_ENV] = previous
    finally:
        _QUIET.active = False


def _check_token_http_status(response):
    """Compliance hook: turn throttling and server failures into typed errors before oauthlib parses."""
    if response.status_code == 429:
        raise ThrottledError("LinkedIn token endpoint throttled the request", status=429)
    if response.status_code >= 500:
        raise RetryableServerError(
            f"LinkedIn token endpoint failed with HTTP {response.status_code}", status=response.status_code
        )
    return response


def _session(client_id, **kwargs):
    session = OAuth2Session(client_id, **kwargs)
    for hook in ("access_token_response", "refresh_token_response"):
        session.register_compliance_hook(hook, _check_token_http_status)
    return session


def authorization_url(oauth_url, client_id, redirect_uri, scopes, state):
    """URL of LinkedIn's consent page, carrying ``state`` and the space-delimited ``scopes``."""
    url = f"{oauth_url.rstrip('/')}/authorization"
    with oauthlib_transport(url):
        session = OAuth2Session(client_id, redirect_uri=redirect_uri, scope=list(scopes), state=state)
        auth_url, _state = session.authorization_url(url)
    return auth_url


def _token_call(func, refresh):
    try:
        return func()
    except LinkedInError:
        raise
    except OAuth2Error as exc:
        error = exc.error or "unknown_error"
        message = f"LinkedIn token endpoint refused the request ({error}): {exc.description or ''}".strip()
        if refresh and error in REAUTH_ERRORS:
            raise ReauthorizationRequired(message, status=exc.status_code, code=error) from None
        raise AuthError(message, status=exc.status_code, code=error) from None
    except requests.Timeout:
        raise RetryableServerError("LinkedIn token endpoint timed out") from None
    except requests.RequestException as exc:
        raise RetryableServerError(f"LinkedIn token endpoint unreachable ({type(exc).__name__})") from None
    except ValueError:
        raise RetryableServerError("LinkedIn token endpoint sent an unreadable answer") from None


def exchange_code(oauth_url, client_id, client_secret, code, redirect_uri, timeout):
    """Authorization-code grant; client credentials go in the form body as LinkedIn requires."""
    url = f"{oauth_url.rstrip('/')}/accessToken"
    now = int(time.time())
    with oauthlib_transport(url):
        session = _session(client_id, redirect_uri=redirect_uri)
        data = _token_call(
            lambda: session.fetch_token(
                url, code=code, client_secret=client_secret, include_client_id=True, timeout=timeout
            ),
            refresh=False,
        )
    _logger.info("LinkedIn authorization code exchanged for tokens")
    return Tokens.from_response(data, now=now)


def refresh_tokens(oauth_url, client_id, client_secret, refresh_token, timeout, refresh_expires_at=None):
    """Refresh grant; the refresh token keeps its original lifetime (LinkedIn does not extend it)."""
    if not refresh_token:
        raise ReauthorizationRequired("No LinkedIn refresh token: the member must authorize again")
    url = f"{oauth_url.rstrip('/')}/accessToken"
    now = int(time.time())
    with oauthlib_transport(url):
        session = _session(client_id)
        data = _token_call(
            lambda: session.refresh_token(
                url,
                refresh_token=refresh_token,
                client_id=client_id,
                client_secret=client_secret,
                timeout=timeout,
            ),
            refresh=True,
        )
    _logger.info("LinkedIn access token refreshed")
    return Tokens.from_response(
        data, now=now, previous_refresh_token=refresh_token, previous_refresh_expires_at=refresh_expires_at
    )
