"""LinkedIn client pagination, retries, throttling, token refresh and log hygiene against the emulator."""

import logging
import time

import pytest
import requests

from odoo.addons.linkedin_leadgen.linkedin import (
    AuthExpiredError,
    AuthRevokedError,
    DailyQuotaExceededError,
    LinkedInClient,
    NotFoundError,
    ReauthorizationRequired,
    RetryableServerError,
    ThrottledError,
    next_utc_midnight,
)


class Sleeps(list):
    """A ``sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


def _client(emu, tokens=None, **kwargs):
    data = tokens or emu.issue_tokens()
    options = {
        "access_token": data["access_token"],
        "refresh_token": data.get("refresh_token"),
        "expires_at": int(time.time()) + int(data["expires_in"]),
        "sleep": Sleeps(),
        "timeout": 5,
    }
    options.update(kwargs)
    return LinkedInClient(emu.api_url, emu.oauth_url, emu.client_id, emu.client_secret, **options)


def _account(emu, index=0):
    return emu.data.accounts[index]["id"]


# -- pagination


def test_empty_page(emu):
    client = _client(emu)
    future = int(time.time() * 1000) + 10 * 86400000
    assert list(client.iter_lead_form_responses(_account(emu), start_ms=future)) == []
    assert emu.calls("leadFormResponses") == 1


def test_offset_paging_exact_multiple_of_page_size(emu):
    client = _client(emu)
    account_id = _account(emu)
    everything = [lead["id"] for lead in client.iter_lead_form_responses(account_id, fields="id")]
    if len(everything) % 2:
        emu.add_response(account_id=account_id)
        everything = [lead["id"] for lead in client.iter_lead_form_responses(account_id, fields="id")]
    assert len(everything) >= 4 and len(set(everything)) == len(everything)
    before = emu.calls("leadFormResponses")
    paged = [
        lead["id"] for lead in client.iter_lead_form_responses(account_id, fields="id", count=len(everything) // 2)
    ]
    assert sorted(paged) == sorted(everything)
    assert emu.calls("leadFormResponses") - before == 2  # paging.total ends it: no extra empty page
    starts = [r["query"].rsplit("&start=", 1)[1] for r in emu.requests() if r["endpoint"] == "leadFormResponses"]
    assert starts[-2:] == [f"0&count={len(everything) // 2}", f"{len(everything) // 2}&count={len(everything) // 2}"]


def test_offset_paging_resumes_at_a_stored_offset(emu):
    client = _client(emu)
    account_id = _account(emu)
    everything = [lead["id"] for lead in client.iter_lead_form_responses(account_id, fields="id", count=3)]
    assert len(everything) > 4
    before = emu.calls("leadFormResponses")
    rest = [lead["id"] for lead in client.iter_lead_form_responses(account_id, fields="id", count=3, start=4)]
    assert rest == everything[4:]
    first = [r for r in emu.requests() if r["endpoint"] == "leadFormResponses"][before]
    assert first["query"].endswith("&start=4&count=3")


def test_offset_paging_is_lazy(emu):
    client = _client(emu)
    iterator = client.iter_lead_form_responses(_account(emu), fields="id", count=2)
    assert emu.calls("leadFormResponses") == 0
    next(iterator)
    next(iterator)
    assert emu.calls("leadFormResponses") == 1
    next(iterator)
    assert emu.calls("leadFormResponses") == 2


def test_cursor_paging_until_no_next_token(emu):
    client = _client(emu)
    everything = [a["id"] for a in client.iter_ad_accounts()]
    assert len(everything) >= 3 and emu.calls("adAccounts") == 1
    paged = [a["id"] for a in client.iter_cursor("adAccounts", "adAccounts", {"q": "search"}, page_size=2)]
    assert paged == everything
    assert emu.calls("adAccounts") == 1 + (len(everything) + 1) // 2
    queries = [r["query"] for r in emu.requests() if r["endpoint"] == "adAccounts"]
    assert queries[1] == "q=search&pageSize=2" and "pageToken=" in queries[2]


# -- retries


def test_server_errors_are_retried_with_exponential_backoff(emu):
    client = _client(emu, backoff=1.0, max_backoff=60)
    emu.inject("me", "500", times=1)
    emu.inject("me", "503", times=1)
    assert client.get_me()["id"]
    assert emu.calls("me") == 3 and client.stats["me"] == 3
    first, second = client.sleep
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0


def test_retries_are_bounded(emu):
    client = _client(emu, max_retries=3, backoff=1.0, max_backoff=2.5)
    emu.inject("me", "500", times=10)
    with pytest.raises(RetryableServerError) as caught:
        client.get_me()
    assert caught.value.status == 500 and caught.value.retryable
    assert emu.calls("me") == 4 and len(client.sleep) == 3
    assert all(delay <= 2.5 for delay in client.sleep)


def test_creates_are_not_retried_after_an_ambiguous_failure(emu):
    client = _client(emu)
    emu.inject("dmpSegments", "500")
    with pytest.raises(RetryableServerError):
        client.create_dmp_segment(_account(emu), "Newsletter", "list-1")
    assert emu.calls("dmpSegments") == 1 and client.sleep == []
    emu.inject("dmpSegments", "429")
    assert client.create_dmp_segment(_account(emu), "Newsletter", "list-1")
    assert emu.calls("dmpSegments") == 3 and len(client.sleep) == 1


def test_segment_users_404_after_create_is_waited_out(emu):
    def sleep(seconds):  # waiting moves the emulator's clock instead of ours
        delays.append(seconds)
        emu.clock_offset += seconds

    delays = []
    client = _client(emu, sleep=sleep, backoff=2.0)
    segment_id = client.create_dmp_segment(_account(emu), "Newsletter", "list-1")
    element = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": "a" * 64}]}
    assert client.dmp_segment_users(segment_id, [element]) == [{"status": 201}]
    assert delays and sum(delays) >= 5.0 - 2.0  # the emulator's 5 s window, give or take the last jitter
    with pytest.raises(NotFoundError):
        client.get_dmp_segment("123")  # elsewhere a 404 is final
    assert len(delays) == len(emu.requests("dmpSegments/users")) - 1


def test_retry_after_is_honoured(emu):
    client = _client(emu)
    emu.inject("leadForms", "429_retry_after", retry_after=7)
    assert list(client.iter_lead_forms(_account(emu)))
    assert client.sleep == [7.0]


def test_retry_after_beyond_max_backoff_is_left_to_the_caller(emu):
    client = _client(emu, max_backoff=60)
    emu.inject("leadForms", "429_retry_after", retry_after=3600)
    with pytest.raises(ThrottledError) as caught:
        list(client.iter_lead_forms(_account(emu)))
    assert caught.value.retry_after == 3600 and client.sleep == []


def test_throttle_without_retry_after_backs_off(emu):
    client = _client(emu, backoff=2.0)
    emu.inject("leadForms", "429")
    assert list(client.iter_lead_forms(_account(emu)))
    assert len(client.sleep) == 1 and 1.0 <= client.sleep[0] <= 2.0


def test_day_limit_is_not_retried(emu):
    client = _client(emu)
    emu.inject("leadFormResponses", "day_limit", times=5)
    with pytest.raises(DailyQuotaExceededError) as caught:
        list(client.iter_lead_form_responses(_account(emu)))
    assert emu.calls("leadFormResponses") == 1 and client.sleep == []
    assert caught.value.reset_at == next_utc_midnight()
    assert caught.value.reset_at % 86400 == 0 and caught.value.reset_at > time.time()


def test_malformed_json_is_retried(emu):
    client = _client(emu)
    emu.inject("me", "malformed")
    assert client.get_me()["id"]
    assert emu.calls("me") == 2 and len(client.sleep) == 1


def test_timeouts_are_retried(emu):
    client = _client(emu, timeout=0.3, max_retries=2)
    emu.inject("me", "slow", delay=1.5)
    assert client.get_me()["id"]
    assert len(client.sleep) == 1


# -- tokens


def test_refresh_before_a_call_when_past_expires_at(emu):
    received = []
    client = _client(emu, expires_at=int(time.time()) - 10, on_tokens=received.append)
    old = client.access_token
    assert client.get_me()["id"]
    assert len(received) == 1 and client.access_token == received[0].access_token
    assert client.access_token != old
    assert client.expires_at > time.time() + 86400
    assert emu.calls("accessToken") == 1 and emu.calls("me") == 1


def test_refresh_once_on_expired_access_token_answer(emu):
    received = []
    client = _client(emu, on_tokens=received.append)
    emu.expire_access_token(client.access_token)
    assert client.get_me()["id"]
    assert len(received) == 1 and emu.calls("me") == 2 and emu.calls("accessToken") == 1
    emu.inject("me", "expire_token")
    assert client.get_me()["id"]
    assert len(received) == 2


def test_expired_access_token_without_refresh_token(emu):
    client = _client(emu, tokens=emu.issue_tokens(refresh=False))
    emu.expire_access_token(client.access_token)
    with pytest.raises(AuthExpiredError):
        client.get_me()
    past = _client(emu, tokens=emu.issue_tokens(refresh=False), expires_at=int(time.time()) - 1)
    with pytest.raises(AuthExpiredError):
        past.get_me()
    assert emu.calls("accessToken") == 0


def test_revoked_access_token(emu):
    client = _client(emu)
    emu.revoke(client.access_token)
    with pytest.raises(AuthRevokedError):
        client.get_me()


# -- secrets


def test_no_token_or_secret_in_logs(emu, caplog):
    caplog.set_level(logging.DEBUG)
    client = LinkedInClient(emu.api_url, emu.oauth_url, emu.client_id, emu.client_secret, sleep=Sleeps())
    url = client.authorization_url("https://odoo.example.com/cb", ["r_ads", "r_basicprofile"], "st4te")
    code = requests.get(url, allow_redirects=False, timeout=5).headers["Location"].split("code=")[1].split("&")[0]
    first = client.exchange_code(code, "https://odoo.example.com/cb")
    client.get_me()
    emu.expire_access_token(client.access_token)
    emu.inject("me", "500")
    client.get_me()
    second = client.refresh()
    client.introspect()
    errors = []
    emu.revoke(client.access_token)
    try:
        client.get_me()
    except AuthRevokedError as error:
        errors.append(str(error))
    emu.revoke(client.refresh_token)
    client.expires_at = 1
    try:
        client.get_me()
    except ReauthorizationRequired as error:
        errors.append(str(error))
    assert len(errors) == 2
    secrets = {first.access_token, first.refresh_token, second.access_token, emu.client_secret, code}
    text = caplog.text + "\n".join(errors) + repr(first) + repr(client)
    assert caplog.records, "the flow should have logged something at DEBUG"
    for secret in secrets:
        assert secret not in text


def test_retry_after_on_503_is_honoured(emu):
    client = _client(emu)
    emu.inject("me", "503", retry_after=3)
    assert client.get_me()["id"]
    assert client.sleep == [3.0]


def test_token_endpoint_failure_during_a_proactive_refresh_is_retried(emu):
    client = _client(emu, expires_at=int(time.time()) - 10)
    emu.inject("accessToken", "503")
    assert client.get_me()["id"]
    assert emu.calls("accessToken") == 2 and len(client.sleep) == 1


def test_offset_paging_follows_a_server_page_smaller_than_asked(emu):
    """Without ``paging.total``, a page of ``paging.count`` elements is not the last one."""
    client = _client(emu)
    items = list(range(25))

    def get(path, endpoint, params=None, **kwargs):
        start, _count = params["start"], params["count"]
        return {"elements": items[start : start + 10], "paging": {"start": start, "count": 10, "links": []}}

    client.get = get
    assert list(client.iter_offset("organizationAcls", "organizationAcls", {"q": "roleAssignee"})) == items


def test_offset_paging_reads_past_a_short_page_without_total(emu):
    """A page shorter than asked, without ``paging.total``, is not the end: only an empty page is."""
    client = _client(emu)
    items = list(range(25))
    asked = []

    def get(path, endpoint, params=None, **kwargs):
        start = params["start"]
        asked.append(start)
        return {"elements": items[start : start + 7], "paging": {"start": start, "count": params["count"]}}

    client.get = get
    assert list(client.iter_offset("leadFormResponses", "leadFormResponses", {}, count=10)) == items
    assert asked == [0, 7, 14, 21, 25]


def test_offset_paging_steps_back_when_elements_were_removed(emu):
    """``paging.total`` shrank by two between pages: two elements before the offset are gone and those after
    moved back by two; the listing reads again from two earlier, so that none is skipped."""
    client = _client(emu)
    items = list(range(30))
    position = {}

    def get(path, endpoint, params=None, **kwargs):
        start, count = params["start"], params["count"]
        if start == 10 and 1 in items:
            items.remove(1)  # deleted on LinkedIn while the first page was being imported
            items.remove(2)
        return {"elements": items[start : start + count], "paging": {"count": count, "total": len(items)}}

    client.get = get
    seen = list(client.iter_offset("leadFormResponses", "leadFormResponses", {}, count=10, position=position))
    assert set(range(30)) - set(seen) == set(), "every element still there was read"
    assert position == {"next": 28, "total": 28}


def test_dmp_users_in_batches(emu):
    client = _client(emu)
    segment_id = client.create_dmp_segment(_account(emu), "Newsletter", "list-1")
    emu.advance_segments()
    hashes = [f"{i:064x}" for i in range(25)]
    elements = [{"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": h}]} for h in hashes]
    results = client.dmp_segment_users_batched(segment_id, elements, batch_size=10)
    assert results == [{"status": 201}] * 25
    assert [len(body["elements"]) for body in emu.segment_requests(segment_id)] == [10, 10, 5]
    assert emu.segment_users(segment_id) == set(hashes)
