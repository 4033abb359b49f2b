"""Matched Audiences in the emulator: DMP segments, destinations, users streaming and their limits."""

import hashlib

import pytest


def sha(email):
    return hashlib.sha256(email.encode()).hexdigest()


def element(email, action="ADD"):
    return {"action": action, "userIds": [{"idType": "SHA256_EMAIL", "idValue": sha(email)}]}


BATCH = {"X-RestLi-Method": "BATCH_CREATE"}


@pytest.fixture
def segment(emu, api):
    """A new segment on the first ad account; returns its id."""
    account = emu.data.accounts[0]["id"]
    body = {
        "name": "Odoo - Newsletter",
        "account": f"urn:li:sponsoredAccount:{account}",
        "type": "USER",
        "sourcePlatform": "ODOO",
        "sourceSegmentId": "odoo-mailing-list-42",
        "destinations": [{"destination": "LINKEDIN"}],
    }
    created = api.post("/dmpSegments", body)
    assert created.status_code == 201, created.text
    return created.headers["x-restli-id"]


def test_segment_life_cycle(emu, api, segment):
    entity = api.get(f"/dmpSegments/{segment}").json()
    assert entity["destinations"][0]["status"] == "BUILDING"
    assert "inputCount" not in entity and "matchedCount" not in entity["destinations"][0]
    emu.advance_segments()
    ready = api.get(f"/dmpSegments/{segment}/destinations/LINKEDIN").json()
    assert ready["status"] == "READY" and ready["matchedCount"] == 0
    emails = [f"user{i}@example.com" for i in range(1000)]
    for start in range(0, 1000, 500):
        answer = api.post(
            f"/dmpSegments/{segment}/users",
            {"elements": [element(e) for e in emails[start : start + 500]]},
            headers=BATCH,
        )
        assert answer.json() == {"elements": [{"status": 201}] * 500}
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "UPDATING"
    emu.advance_segments()
    entity = api.get(f"/dmpSegments/{segment}").json()
    destination = entity["destinations"][0]
    assert destination["status"] == "READY" and entity["inputCount"] == 1000
    assert 600 < destination["matchedCount"] < 800 and destination["audienceSize"] == destination["matchedCount"]
    assert emu.segment_users(segment) == {sha(e) for e in emails}
    assert len(emu.segment_requests(segment)) == 2


def test_segment_becomes_ready_after_the_delay(emu, api, segment):
    emu.clock_offset = emu.segment_delay + 1
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "READY"


def test_finder_get_and_delete(emu, api, segment):
    account = emu.data.accounts[0]["id"]
    query = f"q=account&account=urn%3Ali%3AsponsoredAccount%3A{account}"
    assert [s["id"] for s in api.get("/dmpSegments", query).json()["elements"]] == [int(segment)]
    assert api.get("/dmpSegments", query + "&sourceSegmentId=odoo-mailing-list-42").json()["paging"]["total"] == 1
    assert api.get("/dmpSegments", query + "&sourceSegmentId=other").json()["elements"] == []
    rename = api.post(
        f"/dmpSegments/{segment}",
        {"patch": {"$set": {"name": "Renamed"}}},
        headers={"X-RestLi-Method": "PARTIAL_UPDATE"},
    )
    assert rename.status_code == 204 and api.get(f"/dmpSegments/{segment}").json()["name"] == "Renamed"
    assert api.delete(f"/dmpSegments/{segment}").status_code == 204
    assert api.get(f"/dmpSegments/{segment}").status_code == 404


def test_users_not_found_right_after_create(emu, api, segment):
    answer = api.post(f"/dmpSegments/{segment}/users", {"elements": [element("a@example.com")]}, headers=BATCH)
    assert answer.status_code == 404
    emu.dmp_not_found_window = 0
    account = emu.data.accounts[0]["id"]
    body = {"name": "Now", "account": f"urn:li:sponsoredAccount:{account}", "type": "USER", "sourcePlatform": "ODOO"}
    fresh = api.post("/dmpSegments", body).headers["x-restli-id"]
    assert api.post(f"/dmpSegments/{fresh}/users", {"elements": [element("a@example.com")]}, headers=BATCH).ok


def test_per_element_errors_since_202502(emu, api, segment):
    emu.advance_segments()
    bad = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": "not-a-hash"}]}
    elements = [element("a@example.com"), bad, element("b@example.com", "REMOVE"), {"action": "MERGE"}]
    answer = api.post(f"/dmpSegments/{segment}/users", {"elements": elements}, headers=BATCH)
    assert answer.status_code == 200
    results = answer.json()["elements"]
    assert [r["status"] for r in results] == [201, 400, 201, 400]
    assert results[1]["error"]["batchIndex"] == 1 and "SHA256_EMAIL" in results[1]["error"]["message"]
    assert emu.segment_users(segment) == {sha("a@example.com")}


def test_whole_batch_fails_before_202502(emu, api, segment):
    emu.active_versions = {"202501", "202610"}
    emu.advance_segments()
    bad = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": "x" * 64}]}
    answer = api.post(
        f"/dmpSegments/{segment}/users",
        {"elements": [element("a@example.com"), bad]},
        headers={**BATCH, "LinkedIn-Version": "202501"},
    )
    assert answer.status_code == 400 and "elements[1]" in answer.json()["message"]
    assert emu.segment_users(segment) == set()


def test_single_user_form_and_remove(emu, api, segment):
    emu.advance_segments()
    assert api.post(f"/dmpSegments/{segment}/users", element("a@example.com")).status_code == 201
    assert api.post(f"/dmpSegments/{segment}/users", element("a@example.com", "REMOVE")).status_code == 201
    assert emu.segment_users(segment) == set()


def test_batch_cap_and_rate_limit(emu, api, segment):
    emu.advance_segments()
    emu.dmp_batch_cap = 2
    elements = [element(f"{i}@example.com") for i in range(3)]
    assert api.post(f"/dmpSegments/{segment}/users", {"elements": elements}, headers=BATCH).status_code == 400
    emu.dmp_rate_limit = 4  # the refused batch above counts too
    statuses = [api.post(f"/dmpSegments/{segment}/users", element("a@example.com")).status_code for _i in range(4)]
    assert statuses == [201, 201, 201, 429]
    emu.clock_offset = 61
    assert api.post(f"/dmpSegments/{segment}/users", element("a@example.com")).status_code == 201


def test_segment_validation_and_viewer(emu, api):
    viewer = next(a for a in emu.data.accounts if a["role"] == "VIEWER")
    body = {"name": "X", "account": f"urn:li:sponsoredAccount:{viewer['id']}", "type": "USER", "sourcePlatform": "ODOO"}
    assert api.post("/dmpSegments", body).status_code == 403
    account = f"urn:li:sponsoredAccount:{emu.data.accounts[0]['id']}"
    assert api.post("/dmpSegments", dict(body, account=account, type="PEOPLE")).status_code == 400
    assert api.post("/dmpSegments", dict(body, account=account, sourcePlatform="odoo")).status_code == 400
    assert api.post("/dmpSegments", dict(body, account=account, name="")).status_code == 400


@pytest.mark.parametrize("status", ["ARCHIVED", "EXPIRED", "FAILED", "ERROR"])
def test_set_segment_status_is_reflected_everywhere(emu, api, segment, status):
    emu.advance_segments()
    emu.set_segment_status(segment, status)
    account = emu.data.accounts[0]["id"]
    found = api.get("/dmpSegments", f"q=account&account=urn%3Ali%3AsponsoredAccount%3A{account}").json()
    assert [s["destinations"][0]["status"] for s in found["elements"]] == [status]
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == status
    assert api.get(f"/dmpSegments/{segment}/destinations/LINKEDIN").json()["status"] == status
    emu.clock_offset += emu.segment_delay + 1  # not a transient state: time does not end it
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == status
    with pytest.raises(ValueError):
        emu.set_segment_status(segment, "PROCESSING")


def test_users_reactivate_an_archived_segment_not_an_expired_one(emu, api, segment):
    emu.advance_segments()
    emu.set_segment_status(segment, "ARCHIVED")
    assert api.post(f"/dmpSegments/{segment}/users", element("a@example.com")).status_code == 201
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "UPDATING"
    emu.set_segment_status(segment, "READY")
    entity = api.get(f"/dmpSegments/{segment}").json()
    assert entity["destinations"][0]["status"] == "READY" and entity["inputCount"] == 1
    emu.set_segment_status(segment, "EXPIRED")
    assert api.post(f"/dmpSegments/{segment}/users", element("b@example.com")).status_code == 201
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "EXPIRED"
    assert emu.segment_users(segment) == {sha("a@example.com"), sha("b@example.com")}


def test_idle_ready_segment_is_archived(emu, api, segment):
    emu.segment_archive_after = 30 * 86400
    emu.advance_segments()
    emu.clock_offset += 29 * 86400
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "READY"
    emu.clock_offset += 2 * 86400
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "ARCHIVED"


def test_list_uploads_stub(emu, make_api, segment):
    emu.advance_segments()
    body = {"inputFile": "urn:li:media:/AAYQAQ-file"}
    without_rw_ads = make_api(["rw_dmp_segments"])
    assert without_rw_ads.post(f"/dmpSegments/{segment}/listUploads", body).status_code == 403
    api = make_api(["rw_ads", "rw_dmp_segments"])
    created = api.post(f"/dmpSegments/{segment}/listUploads", body)
    assert created.status_code == 201 and created.headers["x-restli-id"]
    assert api.get(f"/dmpSegments/{segment}").json()["destinations"][0]["status"] == "UPDATING"
    assert api.post(f"/dmpSegments/{segment}/listUploads", {"inputFile": "x"}).status_code == 400


def test_id_values_are_matched_whole(emu, api, segment):
    emu.advance_segments()
    trailing = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": sha("a@example.com") + "\n"}]}
    numeric = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": 12}]}
    answer = api.post(f"/dmpSegments/{segment}/users", {"elements": [trailing, numeric]}, headers=BATCH)
    assert [r["status"] for r in answer.json()["elements"]] == [400, 400]
    upper = {"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": sha("b@example.com").upper()}]}
    assert api.post(f"/dmpSegments/{segment}/users", {"elements": [upper]}, headers=BATCH).ok
    assert emu.segment_users(segment) == {sha("b@example.com")}
