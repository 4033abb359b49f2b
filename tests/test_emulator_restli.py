"""Rest.li 2.0 parsing, projections, batch get, tunneling and URL limits of the emulator."""

import pytest

from odoo.addons.linkedin_leadgen.emulator.restli import (
    RestliSyntaxError,
    parse_key,
    parse_projection,
    parse_query,
    project,
)


def test_parse_record_with_encoded_urn():
    params, warnings = parse_query("q=owner&owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A123)")
    assert params == {"q": "owner", "owner": {"sponsoredAccount": "urn:li:sponsoredAccount:123"}}
    assert warnings == []


def test_parse_versioned_form_urn_primitive():
    params, _warnings = parse_query(
        "versionedLeadGenFormUrn=urn%3Ali%3AversionedLeadGenForm%3A%28urn%3Ali%3AleadGenForm%3A3162%2C1%29"
    )
    assert params["versionedLeadGenFormUrn"] == "urn:li:versionedLeadGenForm:(urn:li:leadGenForm:3162,1)"


def test_parse_nested_records_and_lists():
    params, _warnings = parse_query(
        "search=(status:(values:List(ACTIVE,DRAFT)),test:false)"
        "&submittedAtTimeRange=(start:1711407600000,end:1711494000000)&ids=List(1,2,3)&empty=List()"
    )
    assert params["search"] == {"status": {"values": ["ACTIVE", "DRAFT"]}, "test": "false"}
    assert params["submittedAtTimeRange"] == {"start": "1711407600000", "end": "1711494000000"}
    assert params["ids"] == ["1", "2", "3"]
    assert params["empty"] == []


def test_percent_encoded_structure_is_accepted_with_a_warning():
    params, warnings = parse_query("owner=%28sponsoredAccount%3Aurn%3Ali%3AsponsoredAccount%3A123%29")
    assert params["owner"] == {"sponsoredAccount": "urn:li:sponsoredAccount:123"}
    assert warnings and "owner" in warnings[0]


@pytest.mark.parametrize("raw", ["owner=(sponsoredAccount:x", "owner=(:x)", "search=(a:List(1,2)x)"])
def test_syntax_errors(raw):
    with pytest.raises(RestliSyntaxError):
        parse_query(raw)


def test_projection():
    tree = parse_projection("id,form:(hiddenFields,content(questions)),leadMetadataInfo")
    assert tree == {
        "id": None,
        "form": {"hiddenFields": None, "content": {"questions": None}},
        "leadMetadataInfo": None,
    }
    entity = {"id": 1, "secret": 2, "form": {"hiddenFields": [], "name": "x", "content": {"questions": [], "y": 1}}}
    assert project(entity, tree) == {"id": 1, "form": {"hiddenFields": [], "content": {"questions": []}}}
    with pytest.raises(RestliSyntaxError):
        parse_projection("id,form:(name")


def test_compound_key():
    key = "(account:urn%3Ali%3AsponsoredAccount%3A1,user:urn%3Ali%3Aperson%3AAbC)"
    assert parse_key(key) == {"account": "urn:li:sponsoredAccount:1", "user": "urn:li:person:AbC"}
    assert parse_key("urn%3Ali%3AsponsoredCreative%3A5") == "urn:li:sponsoredCreative:5"


def test_over_http_exact_leads_query(emu, api):
    account = emu.data.accounts[0]["id"]
    query = (
        f"q=owner&owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A{account})&leadType=(leadType:SPONSORED)"
        "&limitedToTestLeads=false&submittedAtTimeRange=(start:0,end:99999999999999)"
        "&fields=ownerInfo,associatedEntityInfo,leadMetadataInfo,owner,leadType,versionedLeadGenFormUrn,id,"
        "submittedAt,testLead,formResponse,form:(hiddenFields,creationLocale,name,id,content)&count=10&start=0"
    )
    answer = api.get("/leadFormResponses", query)
    assert answer.status_code == 200, answer.text
    element = answer.json()["elements"][0]
    assert set(element) == {
        "ownerInfo",
        "associatedEntityInfo",
        "leadMetadataInfo",
        "owner",
        "leadType",
        "versionedLeadGenFormUrn",
        "id",
        "submittedAt",
        "testLead",
        "formResponse",
        "form",
    }
    assert set(element["form"]) == {"hiddenFields", "creationLocale", "name", "id", "content"}
    logged = emu.requests("leadFormResponses")[-1]
    assert logged["params"]["owner"] == {"sponsoredAccount": f"urn:li:sponsoredAccount:{account}"}
    assert logged["warnings"] == []


def test_over_http_encoded_structure_logged(emu, api):
    account = emu.data.accounts[0]["id"]
    answer = api.get("/leadForms", f"q=owner&owner=%28sponsoredAccount%3Aurn%3Ali%3AsponsoredAccount%3A{account}%29")
    assert answer.status_code == 200
    assert answer.json()["elements"]
    assert emu.requests("leadForms")[-1]["warnings"]


def test_syntax_error_is_400(api):
    answer = api.get("/adAccounts", "q=search&search=(status:(values:List(ACTIVE))")
    assert answer.status_code == 400
    assert answer.json()["status"] == 400


def test_query_too_long_is_414_and_tunneling_works(emu, api):
    ids = ",".join(str(1_000_000 + i) for i in range(600))
    query = f"ids=List({ids})"
    assert len(query) > 4096
    assert api.get("/adAccounts", query).status_code == 414
    answer = api.post(
        "/adAccounts",
        data=query,
        headers={"X-HTTP-Method-Override": "GET", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["errors"]) == 600
    logged = emu.requests("adAccounts")[-1]
    assert logged["tunneled"] and logged["method"] == "POST"


def test_tunneling_requires_form_body(api):
    answer = api.post("/adAccounts", body={"q": "search"}, headers={"X-HTTP-Method-Override": "GET"})
    assert answer.status_code == 400


def test_batch_get_envelope(emu, api):
    form = emu.data.forms[0]["id"]
    answer = api.get("/leadForms", f"ids=List({form},42)")
    body = answer.json()
    assert body["statuses"] == {str(form): 200, "42": 404}
    assert body["results"][str(form)]["id"] == form
    assert body["errors"]["42"]["status"] == 404
