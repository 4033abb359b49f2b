"""OAuth flows, token life cycle, header and version checks, scope gating of the emulator."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

REDIRECT = "https://odoo.example.com/linkedin_leadgen/oauth/callback"
SCOPES = "r_ads r_marketing_leadgen_automation r_organization_admin r_basicprofile"


def authorize(emu, scope=SCOPES, state="xyz", **extra):
    params = {"response_type": "code", "client_id": emu.client_id, "redirect_uri": REDIRECT, "state": state}
    params.update(scope=scope, **extra)
    answer = requests.get(emu.oauth_url + "/authorization", params=params, allow_redirects=False, timeout=10)
    return answer


def token_request(emu, **form):
    return requests.post(emu.oauth_url + "/accessToken", data=form, timeout=10)


def refresh(emu, refresh_token):
    return token_request(
        emu,
        grant_type="refresh_token",
        refresh_token=refresh_token,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )


def exchange(emu, code, redirect_uri=REDIRECT):
    return token_request(
        emu,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )


def code_of(answer):
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    return parse_qs(location.query)


def test_authorization_redirects_with_code_and_state(emu):
    query = code_of(authorize(emu))
    assert query["state"] == ["xyz"]
    tokens = exchange(emu, query["code"][0]).json()
    assert tokens["expires_in"] == 60 * 86400
    assert tokens["refresh_token_expires_in"] == 365 * 86400
    assert tokens["scope"].split(",") == SCOPES.split()


def test_cancelled_login(emu):
    emu.cancel_next_login = True
    query = code_of(authorize(emu))
    assert query["error"] == ["user_cancelled_login"]
    assert query["state"] == ["xyz"]
    assert "code" in code_of(authorize(emu))


@pytest.mark.parametrize(
    "change, text",
    [({"client_id": "nope"}, "Client_id"), ({"scope": "r_ads w_everything"}, "Invalid scope")],
)
def test_authorization_page_errors(emu, change, text):
    params = {"response_type": "code", "client_id": emu.client_id, "redirect_uri": REDIRECT, "scope": SCOPES}
    params.update(change)
    answer = requests.get(emu.oauth_url + "/authorization", params=params, allow_redirects=False, timeout=10)
    assert answer.status_code == 401
    assert text in answer.text


def test_code_is_single_use_and_expires(emu):
    code = code_of(authorize(emu))["code"][0]
    assert exchange(emu, code).status_code == 200
    again = exchange(emu, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    late = code_of(authorize(emu))["code"][0]
    emu.clock_offset = 31 * 60
    assert exchange(emu, late).status_code == 400
    assert exchange(emu, "unknown").json()["error_description"].endswith("authorization code not found")


def test_code_exchange_checks_redirect_uri_and_client(emu):
    code = code_of(authorize(emu))["code"][0]
    assert exchange(emu, code, "https://evil.example.com/cb").status_code == 400
    answer = token_request(
        emu,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=emu.client_id,
        client_secret="wrong",
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    missing = token_request(emu, grant_type="authorization_code", code=code, client_id=emu.client_id)
    assert missing.json() == {
        "error": "invalid_request",
        "error_description": 'A required parameter "redirect_uri" is missing',
    }


def test_client_credentials_in_basic_auth_are_accepted(emu):
    code = code_of(authorize(emu))["code"][0]
    answer = requests.post(
        emu.oauth_url + "/accessToken",
        auth=(emu.client_id, emu.client_secret),
        timeout=10,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert answer.status_code == 200, answer.text


def test_token_endpoint_is_form_encoded_post_only(emu):
    form = {
        "grant_type": "refresh_token",
        "refresh_token": "x",
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
    }
    assert requests.post(emu.oauth_url + "/accessToken", json=form, timeout=10).status_code == 400
    assert requests.get(emu.oauth_url + "/accessToken", params=form, timeout=10).status_code == 405


def test_refresh_does_not_extend_the_refresh_token(emu):
    tokens = emu.issue_tokens()
    emu.clock_offset = 300 * 86400
    answer = refresh(emu, tokens["refresh_token"])
    refreshed = answer.json()
    assert refreshed["refresh_token"] == tokens["refresh_token"]
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["expires_in"] == 60 * 86400
    assert 64 * 86400 <= refreshed["refresh_token_expires_in"] <= 65 * 86400
    emu.clock_offset = 366 * 86400
    expired = refresh(emu, tokens["refresh_token"])
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_request"


@pytest.mark.parametrize("error", ["invalid_request", "invalid_grant"])
def test_revoked_refresh_token(emu, error):
    emu.refresh_error = error
    tokens = emu.issue_tokens()
    emu.revoke(tokens["refresh_token"])
    answer = refresh(emu, tokens["refresh_token"])
    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_introspection(emu):
    tokens = emu.issue_tokens(["r_ads"])

    def introspect(token, secret=emu.client_secret):
        form = {"client_id": emu.client_id, "client_secret": secret, "token": token}
        return requests.post(emu.oauth_url + "/introspectToken", data=form, timeout=10)

    info = introspect(tokens["access_token"]).json()
    assert info["active"] is True and info["status"] == "active" and info["scope"] == "r_ads"
    assert info["expires_at"] - info["created_at"] == 60 * 86400
    emu.revoke(tokens["access_token"])
    assert introspect(tokens["access_token"]).json()["status"] == "revoked"
    assert introspect("unknown").json() == {"active": False}
    assert introspect("unknown", secret="bad").status_code == 401


def test_rest_token_errors(emu, api):
    assert api.get("/me").status_code == 200
    empty = api.get("/me", headers={"Authorization": None})
    assert empty.json() == {"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401}
    assert api.get("/me", headers={"Authorization": "Bearer nope"}).json()["code"] == "INVALID_ACCESS_TOKEN"
    emu.expire_access_token(api.token)
    expired = api.get("/me")
    assert expired.status_code == 401
    assert expired.json()["code"] == "EXPIRED_ACCESS_TOKEN"
    emu.revoke(api.token)
    assert api.get("/me").json() == {
        "status": 401,
        "serviceErrorCode": 65601,
        "code": "REVOKED_ACCESS_TOKEN",
        "message": "The token used in the request has been revoked by the user",
    }


def test_access_token_expires_after_sixty_days(emu, api):
    emu.clock_offset = 60 * 86400 + 1
    assert api.get("/me").json()["code"] == "EXPIRED_ACCESS_TOKEN"


def test_version_and_protocol_headers(emu, api):
    missing = api.get("/me", headers={"LinkedIn-Version": None})
    assert missing.status_code == 400
    assert "version must be present" in missing.json()["message"]
    old = api.get("/me", headers={"LinkedIn-Version": "202411"})
    assert old.status_code == 426
    assert old.json() == {
        "status": 426,
        "code": "NONEXISTENT_VERSION",
        "message": "Requested version 202411 is not active",
    }
    assert api.get("/me", headers={"LinkedIn-Version": "202601.01"}).status_code == 200
    assert api.get("/me", headers={"linkedin-version": "202611"}).status_code == 200
    assert api.get("/me", headers={"LinkedIn-Version": "202612"}).status_code == 426
    assert api.get("/me", headers={"X-Restli-Protocol-Version": None}).status_code == 400
    emu.active_versions = {"202612"}
    assert api.get("/me", headers={"LinkedIn-Version": "202612"}).status_code == 200


@pytest.mark.parametrize(
    "path, query, scope",
    [
        ("/me", "", "r_basicprofile"),
        ("/adAccountUsers", "q=authenticatedUser", "r_ads"),
        ("/organizationAcls", "q=roleAssignee", "r_organization_admin"),
        ("/leadFormResponses/abc", "", "r_marketing_leadgen_automation"),
        ("/dmpSegments/1", "", "rw_dmp_segments"),
    ],
)
def test_scope_gating(make_api, path, query, scope):
    others = ["r_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile", "rw_dmp_segments"]
    others.remove(scope)
    answer = make_api(others).get(path, query)
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "ACCESS_DENIED"
    assert body["message"].startswith("Not enough permissions to access: ")
    assert make_api([scope]).get(path, query).status_code != 403


def test_lead_responses_need_leadgen_scope_even_with_r_ads(emu, make_api):
    account = emu.data.accounts[0]["id"]
    query = f"q=owner&owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A{account})&leadType=(leadType:SPONSORED)"
    api = make_api(["r_ads"])
    assert api.get("/leadFormResponses", query).status_code == 403
    assert api.get("/leadForms", query.replace("&leadType=(leadType:SPONSORED)", "")).ok


def _rest_status(emu, token):
    headers = {"Authorization": f"Bearer {token}", "LinkedIn-Version": "202610", "X-Restli-Protocol-Version": "2.0.0"}
    answer = requests.get(emu.api_url + "/me", headers=headers, timeout=10)
    return answer.status_code, answer.json().get("code")


def test_new_scope_set_revokes_earlier_access_tokens(emu):
    first = exchange(emu, code_of(authorize(emu))["code"][0]).json()
    fixture_token = emu.issue_tokens(["r_basicprofile"])["access_token"]  # issue_tokens() neither counts nor revokes
    same = exchange(emu, code_of(authorize(emu))["code"][0]).json()
    assert _rest_status(emu, first["access_token"]) == (200, None)  # same scopes: both stay valid
    wider = exchange(emu, code_of(authorize(emu, scope=SCOPES + " rw_dmp_segments"))["code"][0]).json()
    for token in (first["access_token"], same["access_token"], fixture_token):
        assert _rest_status(emu, token) == (401, "REVOKED_ACCESS_TOKEN")
    assert _rest_status(emu, wider["access_token"]) == (200, None)
    other = emu.issue_tokens(member="other")["access_token"]
    emu.scope_change_revokes = False
    exchange(emu, code_of(authorize(emu))["code"][0])
    assert _rest_status(emu, wider["access_token"]) == (200, None)
    assert _rest_status(emu, other) == (200, None)
