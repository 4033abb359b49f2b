"""Every LinkedIn client endpoint against the emulator, with the exact Rest.li query strings sent."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from odoo.addons.linkedin_leadgen.linkedin import (
    LEAD_FIELDS,
    AuthError,
    InsufficientPermissionError,
    LinkedInClient,
    NotFoundError,
    VersionSunsetError,
    decode_lead,
    hash_email,
    parse_versioned_form_urn,
    verify_webhook_signature,
    webhook_challenge_response,
)

URN = "urn%3Ali%3AsponsoredAccount%3A"


def _client(emu, scopes=None, **kwargs):
    data = emu.issue_tokens(scopes=scopes)
    options = {"access_token": data["access_token"], "refresh_token": data.get("refresh_token"), "timeout": 5}
    options.update(kwargs)
    return LinkedInClient(emu.api_url, emu.oauth_url, emu.client_id, emu.client_secret, **options)


def _sent(emu, endpoint):
    """The request log entries of ``endpoint``."""
    return [r for r in emu.requests() if r["endpoint"] == endpoint]


def _account(emu, index=0):
    return emu.data.accounts[index]["id"]


@pytest.fixture
def client(emu):
    return _client(emu)


def test_rest_headers_on_every_call(emu, client):
    client.get_me()
    list(client.iter_lead_forms(_account(emu)))
    for entry in emu.requests():
        headers = {name.lower(): value for name, value in entry["headers"].items()}
        assert headers["authorization"].startswith("Bearer ")
        assert headers["linkedin-version"] == "202610"
        assert headers["x-restli-protocol-version"] == "2.0.0"
    assert client.stats["me"] == 1 and client.stats["leadForms"] == 1 and client.stats["total"] == 2


def test_member_and_ad_accounts(emu, client):
    me = client.get_me()
    assert me["localizedFirstName"]
    users = list(client.iter_ad_account_users())
    assert {u["account"] for u in users} >= {f"urn:li:sponsoredAccount:{_account(emu)}"}
    assert _sent(emu, "adAccountUsers")[0]["query"] == "q=authenticatedUser&start=0&count=100"

    account = client.get_ad_account(_account(emu))
    assert account["id"] == _account(emu)
    assert _sent(emu, "adAccounts")[0]["path"] == f"/rest/adAccounts/{_account(emu)}"

    active = list(client.iter_ad_accounts(status="ACTIVE"))
    assert active and all(a["status"] == "ACTIVE" for a in active)
    assert _sent(emu, "adAccounts")[-1]["query"] == "q=search&search=(status:(values:List(ACTIVE)))&pageSize=100"

    wanted = [_account(emu, 0), _account(emu, 1)]
    assert sorted(a["id"] for a in client.iter_ad_accounts(ids=wanted)) == sorted(wanted)
    assert _sent(emu, "adAccounts")[-1]["query"] == (
        f"q=search&search=(id:(values:List({URN}{wanted[0]},{URN}{wanted[1]})))&pageSize=100"
    )

    acls = list(client.iter_organization_acls())
    assert acls and all(acl["state"] == "APPROVED" for acl in acls)
    assert _sent(emu, "organizationAcls")[0]["query"] == "q=roleAssignee&state=APPROVED&start=0&count=100"


def test_lead_forms(emu, client):
    account_id = _account(emu)
    forms = list(client.iter_lead_forms(account_id))
    assert forms and all(f["owner"]["sponsoredAccount"] == f"urn:li:sponsoredAccount:{account_id}" for f in forms)
    assert (
        _sent(emu, "leadForms")[0]["query"] == f"q=owner&owner=(sponsoredAccount:{URN}{account_id})&start=0&count=100"
    )
    form = client.get_lead_form(forms[0]["id"])
    assert form["id"] == forms[0]["id"] and form["content"]["questions"]
    with pytest.raises(NotFoundError):
        client.get_lead_form(1)


def test_lead_form_responses_query_string(emu, client):
    account_id = _account(emu)
    form = next(iter(client.iter_lead_forms(account_id)))
    start_ms, end_ms = 1711407600000, 1911494000000
    list(
        client.iter_lead_form_responses(
            account_id, form_urn=(form["id"], form["versionId"]), start_ms=start_ms, end_ms=end_ms, test_leads=False
        )
    )
    assert _sent(emu, "leadFormResponses")[0]["query"] == (
        f"q=owner&owner=(sponsoredAccount:{URN}{account_id})&leadType=(leadType:SPONSORED)"
        "&versionedLeadGenFormUrn=urn%3Ali%3AversionedLeadGenForm%3A%28urn%3Ali%3AleadGenForm%3A"
        f"{form['id']}%2C{form['versionId']}%29&limitedToTestLeads=false"
        f"&submittedAtTimeRange=(start:{start_ms},end:{end_ms})&fields={LEAD_FIELDS}&start=0&count=100"
    )


def test_lead_form_responses_filters_and_decoding(emu, client):
    account_id = _account(emu)
    leads = list(client.iter_lead_form_responses(account_id))
    expected = sorted(
        r["id"] for r in emu.data.responses.values() if r["owner"]["sponsoredAccount"].endswith(f":{account_id}")
    )
    assert sorted(lead["id"] for lead in leads) == expected
    assert _sent(emu, "leadFormResponses")[0]["query"] == (
        f"q=owner&owner=(sponsoredAccount:{URN}{account_id})&leadType=(leadType:SPONSORED)&fields={LEAD_FIELDS}"
        "&start=0&count=100"
    )
    tests_only = list(client.iter_lead_form_responses(account_id, test_leads=True))
    assert all(lead["testLead"] for lead in tests_only)
    assert all(not lead["testLead"] for lead in client.iter_lead_form_responses(account_id, test_leads=False))

    lead = leads[0]
    assert lead["form"]["content"]["questions"] and "leadMetadataInfo" in lead
    decoded = decode_lead(lead)
    assert decoded.answers and all(answer.name for answer in decoded.answers)
    form_id, version = parse_versioned_form_urn(lead["versionedLeadGenFormUrn"])
    form = client.get_lead_form(form_id)
    if form["versionId"] == version:
        assert decode_lead(lead, form).by_field() == decoded.by_field()

    newest = max(lead["submittedAt"] for lead in leads)
    window = list(client.iter_lead_form_responses(account_id, start_ms=newest, end_ms=newest + 1))
    assert newest in [lead["submittedAt"] for lead in window]
    assert all(newest <= lead["submittedAt"] <= newest + 1 for lead in window)


def test_single_and_batch_lead_responses(emu, client):
    account_id = _account(emu)
    leads = list(client.iter_lead_form_responses(account_id, fields=None))[:3]
    one = client.get_lead_form_response(leads[0]["id"])
    assert one["id"] == leads[0]["id"] and "form" in one
    assert client.get_lead_form_response(f"urn:li:leadGenFormResponse:{leads[0]['id']}")["id"] == leads[0]["id"]
    assert _sent(emu, "leadFormResponses")[-2]["path"] == f"/rest/leadFormResponses/{leads[0]['id']}"

    ids = [lead["id"] for lead in leads]
    batch = client.batch_get_lead_form_responses([*ids, "missing-lead-1"], fields="id,submittedAt")
    assert sorted(batch) == sorted(ids)
    assert set(batch[ids[0]]) <= {"id", "submittedAt"}
    assert (
        _sent(emu, "leadFormResponses")[-1]["query"]
        == f"ids=List({','.join([*ids, 'missing-lead-1'])})&fields=id,submittedAt"
    )


def test_batch_get_campaigns(emu, client):
    account_id = _account(emu)
    urn = f"urn:li:sponsoredAccount:{account_id}"
    campaigns = sorted(c["id"] for c in emu.data.campaigns if c["account"] == urn)
    found = client.batch_get_campaigns(account_id, [f"urn:li:sponsoredCampaign:{campaigns[1]}", campaigns[0]])
    assert sorted(found) == campaigns and found[campaigns[0]]["name"]
    entry = _sent(emu, "adCampaigns")[0]
    assert entry["path"] == f"/rest/adAccounts/{account_id}/adCampaigns"
    assert entry["query"] == f"ids=List({campaigns[0]},{campaigns[1]})"
    assert client.batch_get_campaigns(account_id, []) == {}


class _Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint answering LinkedIn's challenge and checking ``X-LI-Signature`` with the client helpers."""

    secret = None
    received = None  # a list per server, set by the fixture

    def do_GET(self):
        code = parse_qs(urlsplit(self.path).query)["challengeCode"][0]
        self._answer(200, json.dumps(webhook_challenge_response(self.secret, code)).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = verify_webhook_signature(self.secret, body, self.headers.get("X-LI-Signature"))
        self.received.append((json.loads(body), valid))
        self._answer(200 if valid else 401, b"")

    def _answer(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(emu):
    handler = type("Receiver", (_Receiver,), {"secret": emu.client_secret, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/linkedin_leadgen/webhook"
    server.shutdown()
    server.server_close()


def test_lead_notifications_and_signed_delivery(emu, client, receiver):
    handler, webhook = receiver
    account_id = _account(emu)
    notification_id = client.create_lead_notification(account_id, webhook)
    assert notification_id.isdigit()
    assert _sent(emu, "leadNotifications")[0]["body"] == {
        "webhook": webhook,
        "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{account_id}"},
        "leadType": "SPONSORED",
    }
    listed = list(client.iter_lead_notifications(account_id))
    assert [str(n["id"]) for n in listed] == [notification_id]
    assert _sent(emu, "leadNotifications")[-1]["query"] == (
        f"q=criteria&owner=(value:(sponsoredAccount:{URN}{account_id}))&leadType=(leadType:SPONSORED)&start=0&count=100"
    )

    lead = next(iter(client.iter_lead_form_responses(account_id, fields="id")))
    assert emu.deliver_webhook(lead["id"]) == [(webhook, 200)]
    payload, valid = handler.received[-1]
    assert valid and payload["leadGenFormResponse"] == f"urn:li:leadGenFormResponse:{lead['id']}"

    client.delete_lead_notification(notification_id)
    assert _sent(emu, "leadNotifications")[-1]["method"] == "DELETE"
    assert list(client.iter_lead_notifications(account_id)) == []


def test_dmp_segments(emu, client):
    account_id = _account(emu)
    segment_id = client.create_dmp_segment(account_id, "Odoo - Newsletter", "odoo-mailing-list-42", description="x")
    assert _sent(emu, "dmpSegments")[0]["body"] == {
        "name": "Odoo - Newsletter",
        "account": f"urn:li:sponsoredAccount:{account_id}",
        "type": "USER",
        "sourcePlatform": "ODOO",
        "sourceSegmentId": "odoo-mailing-list-42",
        "destinations": [{"destination": "LINKEDIN"}],
        "description": "x",
    }
    segment = client.get_dmp_segment(segment_id)
    assert str(segment["id"]) == segment_id and segment["destinations"][0]["status"] == "BUILDING"
    found = list(client.iter_dmp_segments(account_id, source_segment_id="odoo-mailing-list-42"))
    assert [str(s["id"]) for s in found] == [segment_id]
    assert _sent(emu, "dmpSegments")[-1]["query"] == (
        f"q=account&account={URN}{account_id}&sourceSegmentId=odoo-mailing-list-42&start=0&count=100"
    )
    assert client.get_dmp_segment_destination(segment_id)["destination"] == "LINKEDIN"

    emu.clock_offset += 120  # past the post-create window in which /users answers 404
    elements = [
        {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": hash_email("a@example.com")}]},
        {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": "not-a-hash"}]},
        {"action": "REMOVE", "userIds": [{"idType": "SHA256_EMAIL", "idValue": hash_email("b@example.com")}]},
    ]
    results = client.dmp_segment_users(segment_id, elements)
    assert results[0]["status"] == 201 and results[2]["status"] == 201
    assert 400 <= results[1]["status"] < 500
    users_call = _sent(emu, "dmpSegments/users")[-1]
    assert users_call["headers"].get("X-RestLi-Method") == "BATCH_CREATE"
    assert users_call["body"] == {"elements": elements}
    assert emu.segment_users(segment_id) == {hash_email("a@example.com")}

    client.delete_dmp_segment(segment_id)
    with pytest.raises(NotFoundError):
        client.get_dmp_segment(segment_id)


def test_query_tunneling_for_long_urls(emu, client):
    account_id = _account(emu)
    leads = list(client.iter_lead_form_responses(account_id, fields="id"))
    ids = [lead["id"] for lead in leads] + [f"unknown-{n:04d}-{'x' * 40}" for n in range(80)]
    found = client.batch_get_lead_form_responses(ids, fields="id", batch_size=len(ids))
    assert sorted(found) == sorted(lead["id"] for lead in leads)
    entry = _sent(emu, "leadFormResponses")[-1]
    assert entry["tunneled"] and entry["method"] == "POST"
    assert entry["headers"].get("X-HTTP-Method-Override") == "GET"
    assert entry["query"].startswith("ids=List(") and entry["query"].endswith("&fields=id")
    assert len(entry["query"]) > client.max_query_length


def test_error_mapping(emu):
    with pytest.raises(VersionSunsetError) as caught:
        _client(emu, version="202001").get_me()
    assert caught.value.status == 426 and caught.value.code == "NONEXISTENT_VERSION"
    with pytest.raises(InsufficientPermissionError):
        list(_client(emu, scopes=["r_basicprofile"]).iter_lead_form_responses(_account(emu)))
    bogus = LinkedInClient(emu.api_url, emu.oauth_url, emu.client_id, emu.client_secret, access_token="bogus")
    with pytest.raises(AuthError) as caught:
        bogus.get_me()
    assert caught.value.code == "INVALID_ACCESS_TOKEN" and "bogus" not in str(caught.value)
