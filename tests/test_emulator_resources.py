"""Member, ads and lead sync resources of the emulator, and webhook delivery."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

DAY_MS = 86_400_000


def owner(account_id):
    return f"(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A{account_id})"


def leads_query(account_id, extra=""):
    return f"q=owner&owner={owner(account_id)}&leadType=(leadType:SPONSORED){extra}"


def fetch_all(api, path, query, count):
    elements, start = [], 0
    while True:
        page = api.get(path, f"{query}&start={start}&count={count}").json()
        elements += page["elements"]
        if len(page["elements"]) < count:
            return elements, page
        start += count


def test_me(emu, api):
    member = emu.data.members["default"]
    assert api.get("/me").json()["id"] == member["id"]
    assert api.get("/me", "fields=id").json() == {"id": member["id"]}


def test_ad_account_users(emu, api, make_api):
    body = api.get("/adAccountUsers", "q=authenticatedUser").json()
    roles = {e["account"]: e["role"] for e in body["elements"]}
    assert len(roles) == len(emu.data.accounts) == body["paging"]["total"]
    assert "VIEWER" in roles.values()
    viewer = next(a for a in emu.data.accounts if a["role"] == "VIEWER")
    member = emu.data.members["default"]["urn"]
    key = f"(account:urn%3Ali%3AsponsoredAccount%3A{viewer['id']},user:{member.replace(':', '%3A')})"
    assert api.get(f"/adAccountUsers/{key}").json()["role"] == "VIEWER"
    by_account = api.get("/adAccountUsers", f"q=accounts&accounts=urn%3Ali%3AsponsoredAccount%3A{viewer['id']}")
    assert [e["user"] for e in by_account.json()["elements"]] == [member]
    assert api.get("/adAccountUsers", "q=accounts&accounts=urn%3Ali%3AsponsoredAccount%3A999").status_code == 404
    assert make_api(member="other").get("/adAccountUsers", "q=authenticatedUser").json()["elements"] == []


def test_ad_accounts_get_and_search(emu, api):
    with_page, without = emu.data.accounts[0], next(a for a in emu.data.accounts if not a["has_page"])
    entity = api.get(f"/adAccounts/{with_page['id']}").json()
    assert entity["name"] == with_page["name"] and "referenceInfo" not in entity
    fields = "fields=id,name,referenceInfo"
    assert api.get(f"/adAccounts/{with_page['id']}", fields).json()["referenceInfo"]["organization"]["id"]
    assert api.get(f"/adAccounts/{without['id']}", fields).json()["referenceInfo"] == {}
    assert api.get("/adAccounts/123").status_code == 404
    active = api.get("/adAccounts", "q=search&search=(status:(values:List(ACTIVE)),test:false)&start=0&count=10")
    assert active.json()["paging"]["total"] == sum(a["status"] == "ACTIVE" for a in emu.data.accounts)
    by_id = api.get("/adAccounts", f"q=search&search=(id:(values:List(urn%3Ali%3AsponsoredAccount%3A{without['id']})))")
    assert [e["id"] for e in by_id.json()["elements"]] == [without["id"]]


def test_ad_accounts_cursor_paging(emu, api):
    seen, token, pages = [], None, 0
    while True:
        body = api.get("/adAccounts", "q=search&pageSize=2" + (f"&pageToken={token}" if token else "")).json()
        seen += [e["id"] for e in body["elements"]]
        pages += 1
        token = body["metadata"].get("nextPageToken")
        if not token:
            break
    assert seen == [a["id"] for a in emu.data.accounts] and pages == 3
    exact = api.get("/adAccounts", f"q=search&pageSize={len(emu.data.accounts)}").json()
    assert "nextPageToken" not in exact["metadata"]
    assert api.get("/adAccounts", "q=search&pageToken=garbage!").status_code == 400


def test_organization_acls(emu, api):
    body = api.get("/organizationAcls", "q=roleAssignee&state=APPROVED&start=0&count=10").json()
    orgs = {e["organization"] for e in body["elements"]}
    assert orgs == {f"urn:li:organization:{a['organization']['id']}" for a in emu.data.accounts if a["has_page"]}
    assert api.get("/organizationAcls", "q=roleAssignee&state=REQUESTED").json()["elements"] == []


def test_lead_forms(emu, api):
    account = emu.data.accounts[0]["id"]
    body = api.get("/leadForms", f"q=owner&owner={owner(account)}&count=10&start=0").json()
    forms = body["elements"]
    assert len(forms) == 3
    questions = [q for f in forms for q in f["content"]["questions"]]
    fields = {q.get("predefinedField") for q in questions}
    assert {
        "FIRST_NAME",
        "LAST_NAME",
        "EMAIL",
        "WORK_EMAIL",
        "PHONE_NUMBER",
        "COMPANY_NAME",
        "JOB_TITLE",
        "COUNTRY",
        "CITY",
        "STATE",
        "ZIP_CODE",
        "WEBSITE",
    } <= fields
    assert any("multipleChoiceQuestionDetails" in q["questionDetails"] for q in questions)
    assert any("predefinedField" not in q and "textQuestionDetails" in q["questionDetails"] for q in questions)
    assert any(f["content"]["legalInfo"]["consents"] for f in forms) and any(f["hiddenFields"] for f in forms)
    one = api.get(f"/leadForms/{forms[1]['id']}").json()
    assert one == forms[1]
    no_page = next(a for a in emu.data.accounts if not a["has_page"])
    assert api.get("/leadForms", f"q=owner&owner={owner(no_page['id'])}").json()["elements"] == []


def test_lead_form_responses_filters(emu, api):
    account = emu.data.accounts[0]["id"]
    urn = f"urn:li:sponsoredAccount:{account}"
    mine = [r for r in emu.data.responses.values() if r["owner"]["sponsoredAccount"] == urn]
    everything, page = fetch_all(api, "/leadFormResponses", leads_query(account), 10)
    assert page["paging"]["total"] == len(mine) == len(everything)
    assert [e["submittedAt"] for e in everything] == sorted((r["submittedAt"] for r in mine), reverse=True)
    tests, _page = fetch_all(api, "/leadFormResponses", leads_query(account, "&limitedToTestLeads=true"), 100)
    assert {e["testLead"] for e in tests} <= {True}
    real, _page = fetch_all(api, "/leadFormResponses", leads_query(account, "&limitedToTestLeads=false"), 100)
    assert len(tests) + len(real) == len(mine)
    form = emu.data.forms[1]
    urn_query = (
        f"&versionedLeadGenFormUrn=urn%3Ali%3AversionedLeadGenForm%3A%28urn%3Ali%3AleadGenForm%3A{form['id']}%2C2%29"
    )
    versioned, _page = fetch_all(api, "/leadFormResponses", leads_query(account, urn_query), 100)
    expected = [r for r in mine if r["versionedLeadGenFormUrn"].endswith(f"{form['id']},2)")]
    assert len(versioned) == len(expected)
    ats = sorted(r["submittedAt"] for r in mine)
    window = f"&submittedAtTimeRange=(start:{ats[2]},end:{ats[7]})"
    ranged = api.get("/leadFormResponses", leads_query(account, window)).json()
    assert sorted(e["submittedAt"] for e in ranged["elements"]) == ats[2:7]


def test_lead_form_responses_paging_edges(emu, api):
    account = emu.data.accounts[0]["id"]
    future = f"&submittedAtTimeRange=(start:{emu.now_ms() + DAY_MS})"
    empty = api.get("/leadFormResponses", leads_query(account, future)).json()
    assert empty["elements"] == [] and empty["paging"]["total"] == 0
    urn = f"urn:li:sponsoredAccount:{account}"
    ats = sorted(r["submittedAt"] for r in emu.data.responses.values() if r["owner"]["sponsoredAccount"] == urn)
    window = f"&submittedAtTimeRange=(start:{ats[0]},end:{ats[20]})"
    pages = [
        api.get("/leadFormResponses", leads_query(account, window) + f"&start={s}&count=10").json() for s in (0, 10, 20)
    ]
    assert [len(p["elements"]) for p in pages] == [10, 10, 0]
    ids = [e["id"] for p in pages for e in p["elements"]]
    assert len(set(ids)) == 20


def test_lead_form_responses_page_cap_and_errors(emu, api):
    account = emu.data.accounts[0]["id"]
    assert api.get("/leadFormResponses", leads_query(account, "&count=100")).status_code == 200
    over = api.get("/leadFormResponses", leads_query(account, "&count=101"))
    assert over.status_code == 400 and "larger than 100" in over.json()["message"]
    emu.page_cap = 500
    assert api.get("/leadFormResponses", leads_query(account, "&count=500")).status_code == 200
    assert api.get("/leadFormResponses", f"q=owner&owner={owner(account)}").status_code == 400
    assert api.get("/leadFormResponses", leads_query(account, "&limitedToTestLeads=maybe")).status_code == 400
    bad_urn = "&versionedLeadGenFormUrn=urn%3Ali%3AleadGenForm%3A1"
    assert api.get("/leadFormResponses", leads_query(account, bad_urn)).status_code == 400


def test_lead_form_response_get_batch_and_projection(emu, api):
    lead = next(iter(emu.data.responses.values()))
    assert api.get(f"/leadFormResponses/{lead['id']}").json() == lead
    urn_key = f"urn%3Ali%3AleadGenFormResponse%3A{lead['id']}"
    assert api.get(f"/leadFormResponses/{urn_key}").json()["id"] == lead["id"]
    assert api.get("/leadFormResponses/nope").status_code == 404
    decorated = api.get(f"/leadFormResponses/{lead['id']}", "fields=id,leadMetadataInfo,ownerInfo,form:(name)").json()
    campaign = next(
        c
        for c in emu.data.campaigns
        if lead["leadMetadata"]["sponsoredLeadMetadata"]["campaign"].endswith(str(c["id"]))
    )
    assert decorated["leadMetadataInfo"]["sponsoredLeadMetadataInfo"]["campaign"]["name"] == campaign["name"]
    assert set(decorated) == {"id", "leadMetadataInfo", "ownerInfo", "form"} and set(decorated["form"]) == {"name"}
    other = list(emu.data.responses)[1]
    batch = api.get("/leadFormResponses", f"ids=List({lead['id']},{other},missing-1)").json()
    assert set(batch["results"]) == {lead["id"], other} and batch["statuses"]["missing-1"] == 404


def test_answers_match_the_form(emu):
    for response in list(emu.data.responses.values())[:30]:
        form_id, version = response["versionedLeadGenFormUrn"].rsplit(":", 1)[1].strip("()").split(",")
        form = emu.data.form_dict(form_id, version)
        questions = {q["questionId"]: q for q in form["content"]["questions"]}
        for answer in response["formResponse"]["answers"]:
            question = questions[answer["questionId"]]
            if "multipleChoiceAnswer" in answer["answerDetails"]:
                options = {o["id"] for o in question["questionDetails"]["multipleChoiceQuestionDetails"]["options"]}
                assert set(answer["answerDetails"]["multipleChoiceAnswer"]["options"]) <= options
        consent_ids = {c["id"] for c in form["content"]["legalInfo"]["consents"]}
        assert {c["consentId"] for c in response["formResponse"]["consentResponses"]} == consent_ids


def test_add_and_delete_response(emu, api):
    form = emu.data.forms[1]
    added = emu.add_response(
        form_id=form["id"],
        answers={"WORK_EMAIL": "jane@example.com", "PHONE_NUMBER": None, "Preferred contact time": "Afternoon"},
        consents={0: True, 1: False},
        test=True,
    )
    by_question = {a["questionId"]: a["answerDetails"] for a in added["formResponse"]["answers"]}
    questions = {q.get("predefinedField") or q["name"]: q["questionId"] for q in form["content"]["questions"]}
    assert by_question[questions["WORK_EMAIL"]] == {"textQuestionAnswer": {"answer": "jane@example.com"}}
    assert questions["PHONE_NUMBER"] not in by_question
    assert by_question[questions["Preferred contact time"]] == {"multipleChoiceAnswer": {"options": [1]}}
    assert added["formResponse"]["consentResponses"] == [
        {"consentId": 0, "accepted": True},
        {"consentId": 1, "accepted": False},
    ]
    account = form["owner"]["sponsoredAccount"].rsplit(":", 1)[1]
    newest = api.get("/leadFormResponses", leads_query(account, "&count=1")).json()["elements"][0]
    assert newest["id"] == added["id"] and newest["testLead"] is True
    emu.delete_response(added["id"])
    assert api.get(f"/leadFormResponses/{added['id']}").status_code == 404
    assert added["id"] not in emu.data.responses


def test_bulk_accounts_and_backlog(emu, api):
    """The benchmarks' set-up: more ad accounts the member administers, and a backlog added at once."""
    added = emu.data.add_accounts(2)
    listed = {e["id"] for e in api.get("/adAccounts", "q=search&pageSize=100").json()["elements"]}
    assert set(added) <= listed
    forms = api.get("/leadForms", f"q=owner&owner={owner(added[1])}&count=10&start=0").json()["elements"]
    assert [f["state"] for f in forms] == ["PUBLISHED"]
    before = len(emu.data.responses)
    assert emu.data.add_leads(1000, added, emu.now_ms() - 1000) == 2
    assert len(emu.data.responses) == before + 1000
    elements, _page = fetch_all(api, "/leadFormResponses", leads_query(added[1]), 100)
    assert len(elements) == 500 and len({e["id"] for e in elements}) == 500
    assert all(e["formResponse"]["answers"] for e in elements)


def test_retention_hides_old_responses(emu, api, make_api):
    account = emu.data.accounts[0]["id"]
    before = api.get("/leadFormResponses", leads_query(account)).json()["paging"]["total"]
    emu.clock_offset = 200 * 86400
    after = make_api().get("/leadFormResponses", leads_query(account)).json()["paging"]["total"]
    assert 0 < after < before


def test_campaigns_and_creatives(emu, api):
    account = emu.data.accounts[0]["id"]
    campaigns = [c for c in emu.data.campaigns if c["account"].endswith(str(account))]
    one = api.get(f"/adAccounts/{account}/adCampaigns/{campaigns[0]['id']}").json()
    assert one["name"] == campaigns[0]["name"]
    batch = api.get(
        f"/adAccounts/{account}/adCampaigns", f"ids=List({campaigns[0]['id']},{campaigns[1]['id']},1)"
    ).json()
    assert batch["results"][str(campaigns[1]["id"])]["name"] == campaigns[1]["name"]
    assert batch["statuses"]["1"] == 404
    search = api.get(f"/adAccounts/{account}/adCampaigns", "q=search&search=(status:(values:List(ACTIVE)))").json()
    assert [c["id"] for c in search["elements"]] == [campaigns[0]["id"]]
    creative = next(c for c in emu.data.creatives if c["account"].endswith(str(account)))
    encoded = creative["id"].replace(":", "%3A")
    assert api.get(f"/adAccounts/{account}/creatives/{encoded}").json()["name"] == creative["name"]
    by_campaign = api.get(
        f"/adAccounts/{account}/creatives", f"q=criteria&campaigns=List({creative['campaign'].replace(':', '%3A')})"
    )
    assert creative["id"] in [c["id"] for c in by_campaign.json()["elements"]]
    other_account = emu.data.accounts[1]["id"]
    assert api.get(f"/adAccounts/{other_account}/adCampaigns/{campaigns[0]['id']}").status_code == 404


def test_lead_notifications_crud(emu, api):
    account = emu.data.accounts[0]["id"]
    body = {
        "webhook": "https://odoo.example.com/linkedin_leadgen/webhook",
        "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{account}"},
        "leadType": "SPONSORED",
    }
    created = api.post("/leadNotifications", body)
    assert created.status_code == 201 and created.content == b""
    notification_id = created.headers["x-restli-id"]
    query = f"q=criteria&owner=(value:{owner(account)})&leadType=(leadType:SPONSORED)"
    listed = api.get("/leadNotifications", query).json()["elements"]
    assert [str(n["id"]) for n in listed] == [notification_id]
    assert api.get(f"/leadNotifications/{notification_id}").json()["webhook"] == body["webhook"]
    assert api.delete(f"/leadNotifications/{notification_id}").status_code == 204
    assert api.get(f"/leadNotifications/{notification_id}").status_code == 404
    assert api.post("/leadNotifications", dict(body, webhook="http://odoo.example.com/hook")).status_code == 400


class _Hook(BaseHTTPRequestHandler):
    """A webhook receiver that answers challenges and records deliveries."""

    secret = "emu-secret"
    received: ClassVar[list] = []
    good_challenge = True

    def do_GET(self):
        code = parse_qs(urlsplit(self.path).query)["challengeCode"][0]
        answer = hmac.new(self.secret.encode(), code.encode(), hashlib.sha256).hexdigest()
        payload = json.dumps({"challengeCode": code, "challengeResponse": answer if self.good_challenge else "x"})
        self._answer(200, payload.encode())

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((raw, self.headers["X-LI-Signature"]))
        self._answer(200, b"")

    def _answer(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture
def hook():
    _Hook.received = []
    _Hook.good_challenge = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/linkedin_leadgen/webhook"
    server.shutdown()
    server.server_close()


def test_webhook_delivery_is_signed(emu, api, hook):
    lead = next(iter(emu.data.responses.values()))
    body = {"webhook": hook, "owner": lead["owner"], "leadType": "SPONSORED"}
    assert api.post("/leadNotifications", body).status_code == 201
    assert emu.deliver_webhook(lead["id"]) == [(hook, 200)]
    raw, signature = _Hook.received[0]
    expected = hmac.new(emu.client_secret.encode(), b"hmacsha256=" + raw, hashlib.sha256).hexdigest()
    assert signature == expected
    payload = json.loads(raw)
    assert payload["type"] == "LEAD_ACTION" and payload["leadAction"] == "CREATED"
    assert payload["leadGenFormResponse"] == f"urn:li:leadGenFormResponse:{lead['id']}"
    assert payload["leadGenForm"] == lead["versionedLeadGenFormUrn"]
    assert payload["associatedEntity"] == {"sponsoredCreative": lead["associatedEntity"]["associatedCreative"]}
    emu.delete_response(lead["id"])
    assert emu.deliver_webhook(lead["id"], "DELETED") == [(hook, 200)]
    assert json.loads(_Hook.received[1][0])["leadAction"] == "DELETED"
    other_account = next(r for r in emu.data.responses.values() if r["owner"] != lead["owner"])
    assert emu.deliver_webhook(other_account["id"]) == []


def test_challenge(emu, api, hook):
    assert emu.challenge(hook) is True
    _Hook.good_challenge = False
    assert emu.challenge(hook) is False
    emu.challenge_on_subscribe = True
    account = emu.data.accounts[0]["id"]
    body = {
        "webhook": hook,
        "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{account}"},
        "leadType": "SPONSORED",
    }
    refused = api.post("/leadNotifications", body)
    assert refused.status_code == 400 and "security challenge" in refused.json()["message"]
    assert emu.challenge("http://127.0.0.1:9/nothing") is False


def test_three_failed_revalidations_block_a_webhook(emu, api, hook):
    lead = next(iter(emu.data.responses.values()))
    body = {"webhook": hook, "owner": lead["owner"], "leadType": "SPONSORED"}
    notification_id = api.post("/leadNotifications", body).headers["x-restli-id"]
    assert emu.revalidate_webhooks() == {notification_id: "ok"}
    _Hook.good_challenge = False
    assert emu.revalidate_webhooks() == {notification_id: "failed"}
    _Hook.good_challenge = True
    assert emu.revalidate_webhooks() == {notification_id: "ok"}  # a success resets the count
    _Hook.good_challenge = False
    outcomes = [emu.revalidate_webhooks()[notification_id] for _i in range(3)]
    assert outcomes == ["failed", "failed", "blocked"]
    assert emu.deliver_webhook(lead["id"]) == [] and _Hook.received == []
    _Hook.good_challenge = True
    assert emu.revalidate_webhooks() == {notification_id: "blocked"}  # only the portal unblocks
    emu.unblock_webhook(notification_id)
    assert emu.deliver_webhook(lead["id"]) == [(hook, 200)]
