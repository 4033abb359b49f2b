"""Reading LinkedIn lead form responses without Odoo: what the importer may trust, and why not."""

import copy
import json
from datetime import datetime

import pytest
from test_client_helpers import FORM, RESPONSE

from odoo.addons.linkedin_leadgen.linkedin import (
    LeadResponse,
    UnreadableLead,
    ms_to_datetime,
    parse_lead_response,
    raw_payload,
    response_id,
    shown,
    storable,
)

SUBMITTED_MS = 1_700_000_000_123


def _response(**changes):
    """The API notes' response with its form projected, a submission time, metadata and ``changes``."""
    response = copy.deepcopy(RESPONSE)
    response.update(
        form=copy.deepcopy(FORM),
        submittedAt=SUBMITTED_MS,
        testLead=False,
        leadType="SPONSORED",
        leadMetadataInfo={
            "sponsoredLeadMetadataInfo": {"campaign": {"id": "urn:li:sponsoredCampaign:42", "name": "Spring launch"}}
        },
        associatedEntityInfo={"associatedCreative": {"id": "urn:li:sponsoredCreative:7", "name": "Carousel"}},
    )
    for key, value in changes.items():
        if value is KeyError:
            response.pop(key, None)
        else:
            response[key] = value
    return response


def test_readable_response_gives_its_facts():
    lead = parse_lead_response(_response())
    assert isinstance(lead, LeadResponse)
    assert lead.linkedin_id == RESPONSE["id"]
    assert lead.form_linkedin_id == "7234246"
    assert lead.submitted_at == datetime(2023, 11, 14, 22, 13, 20, 123000)
    assert (lead.campaign_urn, lead.campaign_name) == ("urn:li:sponsoredCampaign:42", "Spring launch")
    assert (lead.creative_urn, lead.creative_name) == ("urn:li:sponsoredCreative:7", "Carousel")
    assert lead.lead_type == "SPONSORED"
    assert lead.test is False
    assert lead.check_answers(lead.form) is None
    decoded = lead.decode(lead.form)
    assert decoded.by_field()["EMAIL"] == "kevjohonson@email.com"
    assert [consent.accepted for consent in decoded.consents] == [True, False]


def test_campaign_from_the_older_metadata_and_creative_from_the_entity():
    lead = parse_lead_response(
        _response(
            leadMetadataInfo=KeyError,
            associatedEntityInfo=KeyError,
            leadMetadata={"sponsoredLeadMetadata": {"campaign": "urn:li:sponsoredCampaign:9"}},
            associatedEntity={"associatedCreative": "urn:li:sponsoredCreative:3"},
        )
    )
    assert (lead.campaign_urn, lead.campaign_name) == ("urn:li:sponsoredCampaign:9", "")
    assert lead.creative_urn == "urn:li:sponsoredCreative:3"


def test_form_id_from_an_unversioned_reference():
    lead = parse_lead_response(_response(versionedLeadGenFormUrn="urn:li:leadGenForm:55", form={}))
    assert lead.form_linkedin_id == "55"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"id": None}, "no_id"),
        ({"id": True}, "no_id"),
        ({"id": {"nested": 1}}, "no_id"),
        ({"versionedLeadGenFormUrn": 12}, "form_reference"),
        ({"form": ["not", "an", "object"]}, "form_reference"),
        ({"submittedAt": "yesterday"}, "timestamp"),
        ({"submittedAt": -5}, "timestamp"),
        ({"submittedAt": True}, "timestamp"),
        ({"leadMetadataInfo": "campaign 42"}, "metadata"),
        ({"associatedEntity": [1, 2]}, "metadata"),
        ({"formResponse": KeyError}, "no_answers"),
        ({"formResponse": "answers"}, "no_answers"),
        ({"formResponse": {"answers": {"questionId": 1}}}, "answers_not_list"),
        ({"formResponse": {"answers": [], "consentResponses": "yes"}}, "consents"),
        ({"formResponse": {"answers": [], "consentResponses": [True]}}, "consents"),
    ],
)
def test_unreadable_envelopes_say_why(changes, code):
    unreadable = parse_lead_response(_response(**changes))
    assert isinstance(unreadable, UnreadableLead)
    assert unreadable.code == code


def test_unreadable_envelope_shows_the_offending_value():
    unreadable = parse_lead_response(_response(submittedAt="yesterday"))
    assert unreadable.detail == {"value": '"yesterday"'}
    unreadable = parse_lead_response(_response(leadMetadataInfo="campaign 42"))
    assert unreadable.detail == {"key": "leadMetadataInfo", "value": '"campaign 42"'}


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("not an object", "answer_question"),
        ({"answerDetails": {}}, "answer_question"),
        ({"questionId": None, "answerDetails": {}}, "answer_question"),
        ({"questionId": 307234246, "answerDetails": "text"}, "answer_unreadable"),
        ({"questionId": 307234246, "answerDetails": {"textQuestionAnswer": {"answer": {"a": 1}}}}, "answer_text"),
        ({"questionId": 307234246, "answerDetails": {"textQuestionAnswer": {"answer": True}}}, "answer_text"),
        ({"questionId": 707234246, "answerDetails": {"multipleChoiceAnswer": {"options": "0,2"}}}, "answer_options"),
        ({"questionId": 707234246, "answerDetails": {"multipleChoiceAnswer": {"options": [0.5]}}}, "answer_options"),
    ],
)
def test_unreadable_answers_say_why(answer, code):
    lead = parse_lead_response(_response(formResponse={"answers": [answer]}))
    unreadable = lead.check_answers(lead.form)
    assert unreadable.code == code


def test_unreadable_answer_names_its_question_by_the_form_label():
    answer = {"questionId": 307234246, "answerDetails": {"textQuestionAnswer": {"answer": ["x"]}}}
    lead = parse_lead_response(_response(formResponse={"answers": [answer]}))
    assert lead.check_answers(lead.form).detail["question"] == "Correo electrónico (307234246)"
    assert lead.check_answers({}).detail["question"] == "307234246", "without the form, its id"


def test_answers_of_unknown_questions_and_numbers_are_readable():
    answers = [
        {"questionId": 999999, "answerDetails": {"textQuestionAnswer": {"answer": "asked elsewhere"}}},
        {"questionId": 807234246, "answerDetails": {"textQuestionAnswer": {"answer": 75001}}},
        {"questionId": 707234246, "answerDetails": {"multipleChoiceAnswer": {"options": [42]}}},
    ]
    lead = parse_lead_response(_response(formResponse={"answers": answers}))
    assert lead.check_answers(lead.form) is None


def test_response_id_is_text_or_nothing():
    assert response_id({"id": " 123 "}) == "123"
    assert response_id({"id": 123}) == "123"
    assert response_id({"id": False}) == ""
    assert response_id(["id"]) == ""


def test_raw_payload_keeps_everything_but_the_form_content():
    payload = raw_payload(_response())
    assert payload["form"] == {"id": 7234246, "versionId": 1, "name": "Form with written spanish"}
    assert payload["formResponse"] == RESPONSE["formResponse"]
    assert raw_payload("not a dict") == {"response": "not a dict"}


def test_storable_removes_what_postgresql_refuses():
    value = storable({"a\x00": ["b\x00", (1, 2)], 3: {1, 2} and "set"})
    assert value == {"a": ["b", [1, 2]], "3": "set"}
    json.dumps(value)  # plain JSON
    assert shown({"x": "é"}) == '{"x": "é"}'


def test_timestamps_in_milliseconds_or_seconds():
    assert ms_to_datetime(SUBMITTED_MS) == datetime(2023, 11, 14, 22, 13, 20, 123000)
    assert ms_to_datetime(1_700_000_000) == datetime(2023, 11, 14, 22, 13, 20), "seconds are accepted"
    assert ms_to_datetime(str(SUBMITTED_MS)) == ms_to_datetime(SUBMITTED_MS)
    assert ms_to_datetime(None) is False
