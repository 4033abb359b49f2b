"""LinkedIn client OAuth against the emulator: authorization URL, code exchange, refresh, introspection."""

import os
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from odoo.addons.linkedin_leadgen.linkedin import (
    LEADGEN_SCOPES,
    AuthError,
    AuthRevokedError,
    LinkedInClient,
    LinkedInError,
    ReauthorizationRequired,
    Tokens,
)

REDIRECT = "https://odoo.example.com/linkedin_leadgen/oauth/callback"


def _client(emu, **kwargs):
    return LinkedInClient(emu.api_url, emu.oauth_url, emu.client_id, emu.client_secret, **kwargs)


def _authorize(client, scopes=LEADGEN_SCOPES, state="st4te-123"):
    """Follow the emulator's auto-approving consent page; return the ``code`` and ``state`` it redirects with."""
    url = client.authorization_url(REDIRECT, scopes, state)
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    return query["code"][0], query["state"][0]


def test_authorization_code_flow(emu):
    received = []
    client = _client(emu, on_tokens=received.append)
    code, state = _authorize(client)
    assert state == "st4te-123"
    tokens = client.exchange_code(code, REDIRECT)
    assert isinstance(tokens, Tokens) and received == [tokens]
    assert tokens.access_token and tokens.refresh_token
    assert set(LEADGEN_SCOPES) <= set(tokens.scopes)
    assert tokens.expires_at > tokens.refresh_expires_at - 366 * 86400
    assert client.access_token == tokens.access_token
    assert client.get_me()["id"]

    token_call = next(r for r in emu.requests() if r["endpoint"] == "accessToken")
    assert token_call["method"] == "POST"
    assert token_call["body"]["grant_type"] == "authorization_code"
    assert token_call["body"]["client_id"] == emu.client_id
    assert token_call["body"]["redirect_uri"] == REDIRECT
    assert "Basic" not in str(token_call["headers"].get("Authorization", ""))


def test_exchange_of_a_bad_code_is_an_auth_error(emu):
    client = _client(emu)
    with pytest.raises(AuthError) as caught:
        client.exchange_code("not-a-code", REDIRECT)
    assert not isinstance(caught.value, ReauthorizationRequired)
    assert caught.value.code == "invalid_request"


def test_refresh_and_introspection(emu):
    received = []
    data = emu.issue_tokens()
    client = _client(
        emu, access_token=data["access_token"], refresh_token=data["refresh_token"], on_tokens=received.append
    )
    assert client.introspect()["active"] is True
    old_refresh_expiry = client.refresh_expires_at
    tokens = client.refresh()
    assert received == [tokens]
    assert tokens.access_token != data["access_token"]
    assert tokens.refresh_token == data["refresh_token"]  # LinkedIn does not rotate refresh tokens
    if old_refresh_expiry:
        assert tokens.refresh_expires_at <= old_refresh_expiry
    assert client.introspect(tokens.access_token)["status"] == "active"
    refresh_call = [r for r in emu.requests() if r["endpoint"] == "accessToken"][-1]
    assert refresh_call["body"]["grant_type"] == "refresh_token"
    assert refresh_call["body"]["client_id"] == emu.client_id


@pytest.mark.parametrize("error", ["invalid_request", "invalid_grant"])
def test_revoked_refresh_token_requires_reauthorization(emu, error):
    emu.refresh_error = error
    data = emu.issue_tokens()
    emu.revoke(data["refresh_token"])
    client = _client(emu, access_token=data["access_token"], refresh_token=data["refresh_token"], expires_at=1)
    with pytest.raises(ReauthorizationRequired) as caught:
        client.refresh()
    assert caught.value.code == error
    with pytest.raises(ReauthorizationRequired):
        client.get_me()  # the access token is past expires_at: the automatic refresh fails the same way


def test_refresh_without_refresh_token(emu):
    client = _client(emu, access_token=emu.issue_tokens(refresh=False)["access_token"])
    with pytest.raises(ReauthorizationRequired):
        client.refresh()
    assert emu.calls("accessToken") == 0


def test_authorizing_other_scopes_revokes_the_members_earlier_token(emu):
    leadgen = _client(emu)
    leadgen.exchange_code(_authorize(leadgen)[0], REDIRECT)
    assert leadgen.get_me()["id"]
    audience = _client(emu)
    audience.exchange_code(_authorize(audience, scopes=["rw_dmp_segments", "r_basicprofile"])[0], REDIRECT)
    with pytest.raises(AuthRevokedError):
        leadgen.get_me()  # LinkedIn keeps one scope set per member and app: ask for the union at once
    assert audience.get_me()["id"]


def test_plain_http_permission_is_scoped_and_thread_safe(emu):
    """Concurrent loopback token calls: each gets through, and the process environment is left as it was."""
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    errors, tokens = [], []

    def run():
        try:
            client = _client(emu)
            tokens.append(client.exchange_code(_authorize(client)[0], REDIRECT))
            tokens.append(client.refresh())
        except (LinkedInError, requests.RequestException, AssertionError) as error:  # asserted below
            errors.append(error)

    threads = [threading.Thread(target=run) for _i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == [] and len(tokens) == 12
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "keep-me"
    try:
        _client(emu).exchange_code(_authorize(_client(emu))[0], REDIRECT)
        assert os.environ["OAUTHLIB_INSECURE_TRANSPORT"] == "keep-me"  # a value set by someone else is restored
    finally:
        del os.environ["OAUTHLIB_INSECURE_TRANSPORT"]
