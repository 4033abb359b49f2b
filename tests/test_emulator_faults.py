"""Fault injection, request log and counters, reset, scale and the command line of the emulator."""

import json
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator
from odoo.addons.linkedin_leadgen.linkedin import AUDIENCE_SCOPES, LinkedInClient, hash_email


def leads_query(emu):
    account = emu.data.accounts[0]["id"]
    return f"q=owner&owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A{account})&leadType=(leadType:SPONSORED)"


@pytest.mark.parametrize(
    "fault, status, code",
    [
        ("429", 429, "TOO_MANY_REQUESTS"),
        ("500", 500, "INTERNAL_SERVER_ERROR"),
        ("503", 503, "SERVICE_UNAVAILABLE"),
        ("404", 404, "NOT_FOUND"),
    ],
)
def test_status_faults_then_recovery(emu, api, fault, status, code):
    emu.inject("leadFormResponses", fault, times=2)
    answers = [api.get("/leadFormResponses", leads_query(emu)) for _i in range(3)]
    assert [a.status_code for a in answers] == [status, status, 200]
    assert answers[0].json()["code"] == code
    assert "Retry-After" not in answers[0].headers
    assert emu.calls("leadFormResponses") == 3


def test_retry_after_and_day_limit(emu, api):
    emu.inject("me", "429_retry_after", retry_after=7)
    emu.inject("me", "day_limit")
    throttled = api.get("/me")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    day = api.get("/me")
    assert day.status_code == 429 and "APPLICATION_AND_MEMBER DAY limit" in day.json()["message"]
    assert api.get("/me").ok


def test_malformed_json(emu, api):
    emu.inject("leadForms", "malformed")
    answer = api.get(f"/leadForms/{emu.data.forms[0]['id']}")
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()


def test_slow_response(emu, api):
    emu.inject("me", "slow", delay=0.5)
    with pytest.raises(requests.exceptions.Timeout):
        api.session.get(emu.api_url + "/me", headers=api.headers(), timeout=0.1)
    started = time.monotonic()
    assert api.get("/me").ok
    assert time.monotonic() - started < 0.4


def test_truncated_answer_after_the_request_was_processed(emu, api):
    emu.inject("leadFormResponses", "truncated")
    with pytest.raises((requests.exceptions.RequestException, ValueError)):  # urllib3 < 2 reads what came
        api.session.get(emu.api_url + "/leadFormResponses?" + leads_query(emu), headers=api.headers(), timeout=5).json()
    assert emu.requests("leadFormResponses")[-1]["status"] == 200, "LinkedIn did the work, the answer broke"
    assert api.get("/leadFormResponses", leads_query(emu)).ok


def test_fault_for_one_account(emu, api):
    other = emu.data.accounts[1]["id"]
    emu.inject("*", "day_limit", times=None, account=other)
    assert api.get("/leadFormResponses", leads_query(emu)).ok, "another account's requests pass"
    query = leads_query(emu).replace(str(emu.data.accounts[0]["id"]), str(other))
    assert api.get("/leadFormResponses", query).status_code == 429


def test_random_faults_are_seeded(emu, api):
    def run():
        emu.clear_faults()
        emu.random_faults(0.3, seed=5, kinds=("500", "429", "malformed"))
        statuses = [api.get("/me").status_code for _i in range(200)]
        return statuses, emu.fault_stats()

    statuses, stats = run()
    assert run() == (statuses, stats), "the same seed fails the same requests"
    assert stats["requests"] == 200
    assert sum(stats["injected"].values()) == 60, "30 % of the requests, dealt at random"
    assert set(stats["injected"]) == {"500", "429", "malformed"}
    assert statuses.count(500) == stats["injected"]["500"]
    emu.random_faults(0)
    assert {api.get("/me").status_code for _i in range(20)} == {200}


def test_token_faults_mid_run(emu, api):
    emu.inject("leadFormResponses", "expire_token")
    assert api.get("/me").ok
    assert api.get("/leadFormResponses", leads_query(emu)).json()["code"] == "EXPIRED_ACCESS_TOKEN"
    assert api.get("/me").json()["code"] == "EXPIRED_ACCESS_TOKEN"
    fresh = emu.issue_tokens()["access_token"]
    api.token = fresh
    emu.inject("*", "revoke_token")
    assert api.get("/me").json()["code"] == "REVOKED_ACCESS_TOKEN"


def test_unlimited_fault_and_reset(emu, api):
    emu.inject("*", "503", times=None)
    assert {api.get("/me").status_code for _i in range(3)} == {503}
    emu.reset()
    assert emu.requests() == [] and emu.calls() == 0
    with pytest.raises(ValueError):
        emu.inject("me", "teapot")


def test_clear_faults(emu, api):
    emu.inject("me", "503", times=None)
    emu.inject("*", "500", times=None)
    emu.inject("adAccountUsers", "429")
    emu.clear_faults("me")
    assert api.get("/me").status_code == 500, "the catch-all fault is still pending"
    emu.clear_faults()
    assert api.get("/me").ok
    assert api.get("/adAccountUsers", "q=authenticatedUser").ok


def test_request_log_masks_secrets(emu, api):
    api.get("/me", "fields=id")
    requests.post(
        emu.oauth_url + "/accessToken",
        timeout=10,
        data={
            "grant_type": "refresh_token",
            "refresh_token": "r",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        },
    )
    me, token = emu.requests()
    assert me["endpoint"] == "me" and me["status"] == 200 and me["query"] == "fields=id"
    assert me["headers"]["Authorization"] == "Bearer ***"
    assert api.token not in repr(emu.requests())
    assert token["endpoint"] == "accessToken" and token["body"]["client_secret"] == "***"
    assert emu.calls("me") == 1 and emu.calls() == 2
    assert emu.requests("accessToken") == [token]


def test_unknown_path(api):
    assert api.get("/nothingHere").status_code == 404
    assert api.get("/leadFormResponses/a/b").status_code == 404


def test_deterministic_data():
    first, second = LinkedInEmulator(responses=20, seed=7), LinkedInEmulator(responses=20, seed=7)
    assert [a["id"] for a in first.data.accounts] == [a["id"] for a in second.data.accounts]
    assert list(first.data.responses) == list(second.data.responses)
    one = next(iter(first.data.responses.values()))
    assert one["formResponse"] == second.data.responses[one["id"]]["formResponse"]
    assert list(LinkedInEmulator(responses=20, seed=8).data.responses) != list(first.data.responses)


def test_ten_thousand_responses_are_cheap():
    started = time.monotonic()
    with LinkedInEmulator(responses=10_000, seed=3) as emu:
        assert len(emu.data.responses) == 10_000
        account = emu.data.accounts[0]["id"]
        session = requests.Session()
        token = emu.issue_tokens()["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": "202610",
            "X-Restli-Protocol-Version": "2.0.0",
        }
        query = (
            f"q=owner&owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A{account})&leadType=(leadType:SPONSORED)"
        )
        seen, start = 0, 0
        while True:
            page = session.get(
                f"{emu.api_url}/leadFormResponses?{query}&start={start}&count=100", headers=headers, timeout=10
            ).json()
            seen += len(page["elements"])
            if len(page["elements"]) < 100:
                break
            start += 100
        assert seen == page["paging"]["total"] > 6000
    assert time.monotonic() - started < 15


def test_command_line():
    command = [
        sys.executable,
        "-m",
        "odoo.addons.linkedin_leadgen.emulator",
        "--responses",
        "5",
        "--seed",
        "2",
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret",
        "--fault",
        "me:500:2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("LinkedIn emulator on http://127.0.0.1:"), first + process.stderr.read()
        url = first.split()[3]
        assert "cli-id" in process.stdout.readline()
        accounts = [process.stdout.readline() for _i in range(5)]
        assert all(line.startswith("ad account ") for line in accounts)
        answer = requests.get(url + "/rest/me", timeout=10)
        assert answer.status_code == 500
    finally:
        process.terminate()
        process.wait(10)


def test_command_line_dmp_timing():
    """``--not-found-window 0``: a new segment takes users at once; ``--segment-delay``: how long it builds."""
    command = [sys.executable, "-m", "odoo.addons.linkedin_leadgen.emulator", "--responses", "1",
               "--not-found-window", "0", "--segment-delay", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("LinkedIn emulator on http://127.0.0.1:"), first + process.stderr.read()
        url = first.split()[3]
        process.stdout.readline()
        account = next(
            line.split()[2].rstrip(":")
            for line in iter(process.stdout.readline, "")
            if line.startswith("ad account ") and "VIEWER" not in line
        )
        client = LinkedInClient(url + "/rest", url + "/oauth/v2", "emu-client", "emu-secret", max_retries=0)
        redirect_uri = "https://odoo.example.com/callback"
        authorization = requests.get(
            client.authorization_url(redirect_uri, AUDIENCE_SCOPES, "s"), allow_redirects=False, timeout=10
        )
        code = parse_qs(urlsplit(authorization.headers["Location"]).query)["code"][0]
        client.exchange_code(code, redirect_uri)
        segment_id = client.create_dmp_segment(account, "CLI", "cli-list-1")
        element = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": hash_email("a@example.com")}]}
        assert client.dmp_segment_users(segment_id, [element]) == [{"status": 201}], "no 404 window"
        assert client.get_dmp_segment_destination(segment_id)["status"] == "READY", "built at once"
    finally:
        process.terminate()
        process.wait(10)


def test_daily_limit_resets_at_utc_midnight(emu, api):
    emu.daily_limits = {"me": 2}
    statuses = [api.get("/me").status_code for _i in range(3)]
    assert statuses == [200, 200, 429]
    assert "DAY limit" in api.get("/me").json()["message"]
    assert api.get("/adAccountUsers", "q=authenticatedUser").ok
    emu.clock_offset = 86400 - emu.now() % 86400 + 1
    assert api.get("/me").ok


def test_request_log_is_bounded_but_counters_and_audiences_are_not():
    with LinkedInEmulator(log_limit=5, log_body_budget=60_000, dmp_not_found_window=0) as emu:
        token = emu.issue_tokens()["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": "202610",
            "X-Restli-Protocol-Version": "2.0.0",
        }
        account = emu.data.accounts[0]["id"]
        body = {"name": "S", "account": f"urn:li:sponsoredAccount:{account}", "type": "USER", "sourcePlatform": "ODOO"}
        session = requests.Session()
        segment = session.post(f"{emu.api_url}/dmpSegments", json=body, headers=headers, timeout=10).headers
        segment_id = segment["x-restli-id"]
        batches = [[f"{n:04d}{i:060d}" for i in range(200)] for n in range(6)]  # about 28 kB a batch
        for values in batches:
            elements = [{"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": v}]} for v in values]
            answer = session.post(
                f"{emu.api_url}/dmpSegments/{segment_id}/users",
                json={"elements": elements},
                headers={**headers, "X-RestLi-Method": "BATCH_CREATE"},
                timeout=10,
            )
            assert answer.ok, answer.text
        log = emu.requests()
        assert len(log) == 5 and emu.calls() == 7 and emu.calls("dmpSegments/users") == 6
        assert [entry["body_dropped"] for entry in log] == [True, True, True, False, False]
        assert log[0]["body"] is None and len(log[-1]["body"]["elements"]) == 200
        assert [entry["body"] for entry in emu.requests(bodies=False)] == [None] * 5
        requests_bodies = emu.segment_requests(segment_id)
        assert len(requests_bodies) == 6 and requests_bodies[0] is None and requests_bodies[-1] is not None
        assert emu.segment_users(segment_id) == {v for values in batches for v in values}


def test_post_without_content_length_is_411(emu, api):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    connection.putrequest("POST", "/rest/dmpSegments")
    for name, value in api.headers(**{"Transfer-Encoding": "chunked", "Content-Type": "application/json"}).items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(b"2\r\n{}\r\n0\r\n\r\n")
    answer = connection.getresponse()
    assert answer.status == 411 and json.loads(answer.read())["code"] == "LENGTH_REQUIRED"
    connection.close()
    assert api.get("/me").ok  # the server is fine afterwards


def test_consent_page_allow_and_cancel():
    """With ``consent`` the authorization URL shows LinkedIn's permission page; Allow gives a code, Cancel
    the error LinkedIn sends; without it (the tests' default) the code comes at once."""
    redirect_uri = "http://127.0.0.1:8999/callback"
    with LinkedInEmulator(responses=1, consent=True) as emu:
        client = LinkedInClient(emu.api_url, emu.oauth_url, "emu-client", "emu-secret", max_retries=0)
        url = client.authorization_url(redirect_uri, AUDIENCE_SCOPES, "the-state")
        page = requests.get(url, allow_redirects=False, timeout=10)
        assert page.status_code == 200
        assert "text/html" in page.headers["Content-Type"]
        for words in ("Allow", "Cancel", "Morgan Lee", "rw_dmp_segments", 'value="the-state"'):
            assert words in page.text
        allowed = requests.get(url + "&consent=allow", allow_redirects=False, timeout=10)
        assert allowed.status_code == 302
        query = parse_qs(urlsplit(allowed.headers["Location"]).query)
        assert query["state"] == ["the-state"] and query["code"]
        assert client.exchange_code(query["code"][0], redirect_uri).access_token
        cancelled = requests.get(url + "&consent=cancel", allow_redirects=False, timeout=10)
        query = parse_qs(urlsplit(cancelled.headers["Location"]).query)
        assert query["error"] == ["user_cancelled_authorize"] and "code" not in query
    with LinkedInEmulator(responses=1) as emu:
        client = LinkedInClient(emu.api_url, emu.oauth_url, "emu-client", "emu-secret", max_retries=0)
        answer = requests.get(client.authorization_url(redirect_uri, AUDIENCE_SCOPES, "s"), allow_redirects=False,
                              timeout=10)  # fmt: skip
        assert answer.status_code == 302 and "code=" in answer.headers["Location"]


def test_generated_email_addresses_are_ascii():
    """Names keep their accents (Zoë, Müller), e-mail addresses do not: a demo shows addresses people type."""
    data = LinkedInEmulator(responses=300, seed=7).data
    names = [data.persona(index)["LAST_NAME"] + data.persona(index)["FIRST_NAME"] for index in range(300)]
    assert any(not name.isascii() for name in names), "the data set has accented names"
    for index in range(300):
        persona = data.persona(index)
        for key in ("EMAIL", "WORK_EMAIL", "WEBSITE"):
            assert persona[key].isascii(), persona[key]
