"""LinkedIn client helpers that need no server: hashing, webhooks, Rest.li encoding, URNs, answers."""

import hashlib
import hmac
import json
import os
from urllib.parse import parse_qs, urlsplit

import pytest

from odoo.addons.linkedin_leadgen.linkedin import (
    InsecureTransportError,
    LinkedInClient,
    Raw,
    build_query,
    check_transport,
    decode_lead,
    encode,
    hash_email,
    is_challenge_code,
    is_loopback_url,
    is_timestamp,
    ms_to_datetime,
    next_utc_midnight,
    parse_urn_id,
    parse_versioned_form_urn,
    safe_text,
    sign_webhook_body,
    split_scopes,
    storable,
    verify_webhook_signature,
    versioned_form_urn,
    webhook_challenge_response,
    without_surrogates,
)

SECRET = "emu-secret"

# The form and response of the API notes, sections 4.3 and 5.4 (Spanish form, trimmed).
FORM = {
    "id": 7234246,
    "versionId": 1,
    "name": "Form with written spanish",
    "creationLocale": {"country": "ES", "language": "es"},
    "hiddenFields": [{"name": "hidden_field", "value": "abc678"}, {"name": "campo_escondido", "value": "def789"}],
    "content": {
        "questions": [
            {
                "questionId": 107234246,
                "name": "First name",
                "predefinedField": "FIRST_NAME",
                "question": {"localized": {"es_ES": "Nombre"}},
                "questionDetails": {"textQuestionDetails": {"maxResponseLength": 300}},
            },
            {
                "questionId": 307234246,
                "name": "Email address",
                "predefinedField": "EMAIL",
                "question": {"localized": {"es_ES": "Correo electrónico"}},
                "questionDetails": {"textQuestionDetails": {"maxResponseLength": 300}},
            },
            {
                "questionId": 707234246,
                "name": "Custom question 0",
                "question": {"localized": {"es_ES": "Cuál es tu color favorito"}},
                "questionDetails": {
                    "multipleChoiceQuestionDetails": {
                        "options": [
                            {"id": 0, "text": {"localized": {"es_ES": "Rojo"}}},
                            {"id": 1, "text": {"localized": {"es_ES": "Azul"}}},
                            {"id": 2, "text": {"localized": {"en_US": "Green", "es_ES": "Verde"}}},
                        ]
                    }
                },
            },
            {
                "questionId": 807234246,
                "name": "Custom question 1",
                "question": {"localized": {"fr_FR": "Où avez-vous grandi ?"}},
                "questionDetails": {"textQuestionDetails": {"maxResponseLength": 300}},
            },
        ],
        "legalInfo": {
            "consents": [
                {"id": 0, "checkRequired": True, "consent": {"localized": {"es_ES": "Acepto la política"}}},
                {"id": 1, "checkRequired": False, "consent": {"localized": {"es_ES": "Quiero noticias"}}},
            ]
        },
    },
}
RESPONSE = {
    "id": "249592fc-d272-44ba-a7db-c2bdce579507-6",
    "versionedLeadGenFormUrn": "urn:li:versionedLeadGenForm:(urn:li:leadGenForm:7234246,1)",
    "formResponse": {
        "consentResponses": [{"accepted": True, "consentId": 0}],
        "answers": [
            {"answerDetails": {"textQuestionAnswer": {"answer": "kevjohonson@email.com"}}, "questionId": 307234246},
            {"answerDetails": {"multipleChoiceAnswer": {"options": [0, 2]}}, "questionId": 707234246},
            {"answerDetails": {"textQuestionAnswer": {"answer": "Mexico"}}, "questionId": 807234246},
            {"answerDetails": {"textQuestionAnswer": {"answer": "Kevin"}}, "questionId": 107234246},
            {"answerDetails": {"textQuestionAnswer": {"answer": "?"}}, "questionId": 999},
        ],
    },
}


def test_hash_email_normalizes_and_keeps_plus_tags():
    expected = hashlib.sha256(b"john.doe+x@example.com").hexdigest()
    assert hash_email(" John.Doe+x@Example.COM ") == expected
    assert hash_email(expected.upper()) == expected  # already hashed: passed through
    assert hash_email("") is None
    assert hash_email(None) is None


def test_webhook_challenge_response():
    code = "890e4665-4dfe-4ab1-b689-ed553bceeed0"
    expected = hmac.new(SECRET.encode(), code.encode(), hashlib.sha256).hexdigest()
    assert webhook_challenge_response(SECRET, code) == {"challengeCode": code, "challengeResponse": expected}


def test_webhook_challenge_only_answers_linkedin_codes():
    body = b'{"type": "LEAD_ACTION", "leadAction": "DELETED"}'
    for forged in (body.decode(), "hmacsha256=" + body.decode(), "", "x", "890e4665-4dfe-4ab1-b689-ed553bceeed0\n",
                   "890e4665-4dfe-4ab1-b689-ed553bceeed0 ", "890e46654dfe4ab1b689ed553bceeed0", None, 12):  # fmt: skip
        assert not is_challenge_code(forged)
        with pytest.raises(ValueError):
            webhook_challenge_response(SECRET, forged)
    assert is_challenge_code("890E4665-4DFE-4AB1-B689-ED553BCEEED0")


def test_webhook_signature_has_one_reading():
    body = json.dumps({"type": "LEAD_ACTION", "leadAction": "CREATED"}).encode()
    documented = hmac.new(SECRET.encode(), b"hmacsha256=" + body, hashlib.sha256).hexdigest()
    minority = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign_webhook_body(SECRET, body) == documented
    assert verify_webhook_signature(SECRET, body, documented)
    assert verify_webhook_signature(SECRET, body.decode(), documented.upper())
    # what the challenge would sign for a forged body, in any spelling, is refused
    assert not verify_webhook_signature(SECRET, body, minority)
    assert not verify_webhook_signature(SECRET, body, "hmacsha256=" + minority)
    assert not verify_webhook_signature(SECRET, body, "hmacsha256=" + documented)


def test_webhook_signature_rejects_tampering():
    body = b'{"leadGenFormResponse":"urn:li:leadGenFormResponse:1a2b3c-4"}'
    signature = sign_webhook_body(SECRET, body)
    assert not verify_webhook_signature(SECRET, body.replace(b"1a2b", b"9a2b"), signature)
    assert not verify_webhook_signature("other-secret", body, signature)
    assert not verify_webhook_signature(SECRET, body, "")
    assert not verify_webhook_signature(SECRET, body, None)
    assert not verify_webhook_signature(SECRET, body, "hmacsha256=")


def test_restli_encoding_of_values():
    assert encode(True) == "true"
    assert encode(12) == "12"
    assert encode("urn:li:sponsoredAccount:123") == "urn%3Ali%3AsponsoredAccount%3A123"
    assert encode(["A", "B"]) == "List(A,B)"
    assert encode({"status": {"values": ["ACTIVE"]}, "test": False}) == "(status:(values:List(ACTIVE)),test:false)"


def test_restli_query_strings_of_the_api_notes():
    owner = {"sponsoredAccount": "urn:li:sponsoredAccount:123"}
    assert build_query({"owner": owner}) == "owner=(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A123)"
    assert build_query({"versionedLeadGenFormUrn": versioned_form_urn(3162, 1)}) == (
        "versionedLeadGenFormUrn=urn%3Ali%3AversionedLeadGenForm%3A%28urn%3Ali%3AleadGenForm%3A3162%2C1%29"
    )
    assert build_query({"submittedAtTimeRange": {"start": 1711407600000, "end": 1711494000000}}) == (
        "submittedAtTimeRange=(start:1711407600000,end:1711494000000)"
    )
    assert build_query({"ids": [1, 2, 3], "skipped": None}) == "ids=List(1,2,3)"
    assert build_query({"fields": Raw("id,form:(name,id)")}) == "fields=id,form:(name,id)"
    assert build_query({"owner": {"value": owner}}) == (
        "owner=(value:(sponsoredAccount:urn%3Ali%3AsponsoredAccount%3A123))"
    )
    assert build_query({"submittedAtTimeRange": {"start": 1711407600000, "end": None}}) == (
        "submittedAtTimeRange=(start:1711407600000)"
    )
    assert build_query({"search": {"name": {"values": ["Acme (EU), 50% off"]}}}) == (
        "search=(name:(values:List(Acme%20%28EU%29%2C%2050%25%20off)))"
    )


def test_urn_helpers():
    assert parse_urn_id("urn:li:sponsoredAccount:123") == "123"
    assert parse_urn_id(456) == "456"
    assert parse_versioned_form_urn("urn:li:versionedLeadGenForm:(urn:li:leadGenForm:1, 2)") == ("1", 2)
    assert parse_versioned_form_urn(versioned_form_urn("urn:li:leadGenForm:7", 3)) == ("7", 3)
    with pytest.raises(ValueError):
        parse_versioned_form_urn("urn:li:leadGenForm:1")
    assert split_scopes("r_ads,rw_dmp_segments r_basicprofile") == ["r_ads", "rw_dmp_segments", "r_basicprofile"]


def test_next_utc_midnight():
    assert next_utc_midnight(1700000000) == 1700006400  # 2023-11-14 22:13:20 UTC -> 2023-11-15 00:00 UTC
    assert next_utc_midnight(1700006400) == 1700092800


def test_decode_lead_named_values_choices_consents_hidden_fields():
    lead = decode_lead(RESPONSE, FORM)
    assert [a.question_id for a in lead.answers] == [107234246, 307234246, 707234246, 807234246, 999]
    assert lead.by_field() == {"FIRST_NAME": "Kevin", "EMAIL": "kevjohonson@email.com"}
    assert lead.by_name()["Custom question 0"] == "Rojo, Verde"  # option ids -> text in the form's locale
    choice = lead.answers[2]
    assert (choice.label, choice.predefined_field) == ("Cuál es tu color favorito", None)
    assert lead.answers[3].label == "Où avez-vous grandi ?"  # no es_ES text: any locale will do
    assert lead.answers[4].name == "" and lead.answers[4].value == "?"  # question unknown to this form version
    assert [(c.consent_id, c.text, c.required, c.accepted) for c in lead.consents] == [
        (0, "Acepto la política", True, True),
        (1, "Quiero noticias", False, False),
    ]
    assert lead.hidden_fields == {"hidden_field": "abc678", "campo_escondido": "def789"}


def test_decode_lead_uses_projected_form():
    lead = decode_lead({**RESPONSE, "form": FORM})
    assert lead.by_field()["FIRST_NAME"] == "Kevin"


def test_loopback_detection():
    for url in ("http://127.0.0.1:8069/x", "http://127.8.0.1/", "http://localhost:1/", "http://[::1]:80/"):
        assert is_loopback_url(url), url
    for url in ("http://10.0.0.1/", "http://example.com/", "http://127.0.0.1.example.com/", "http://[::2]/"):
        assert not is_loopback_url(url), url
    check_transport("https://www.linkedin.com/oauth/v2/accessToken")
    check_transport("http://127.0.0.1:1/oauth/v2/accessToken")


def test_plain_http_refused_for_other_hosts():
    client = LinkedInClient(
        "http://api.example.com/rest", "http://www.example.com/oauth/v2", "id", "secret", access_token="t0ken"
    )
    with pytest.raises(InsecureTransportError, match="only allowed for a loopback"):
        client.authorization_url("https://odoo.example.com/cb", ["r_ads"], "st4te")
    with pytest.raises(InsecureTransportError, match=r"http://www\.example\.com"):
        client.exchange_code("code", "https://odoo.example.com/cb")
    with pytest.raises(InsecureTransportError):
        client.refresh_token = "r3fresh"
        client.refresh()
    with pytest.raises(InsecureTransportError, match=r"http://api\.example\.com"):
        client.get_me()
    assert client.stats["me"] == 0


def test_authorization_url_on_loopback_and_https():
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    for base in ("http://127.0.0.1:9/oauth/v2", "https://www.linkedin.com/oauth/v2"):
        client = LinkedInClient("https://api.linkedin.com/rest", base, "86abc123", "secret")
        url = client.authorization_url("https://odoo.example.com/cb", ["r_ads", "rw_dmp_segments"], "Zx81kQ")
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == base + "/authorization"
        query = parse_qs(parts.query)
        assert query["response_type"] == ["code"]
        assert query["client_id"] == ["86abc123"]
        assert query["state"] == ["Zx81kQ"]
        assert query["redirect_uri"] == ["https://odoo.example.com/cb"]
        assert query["scope"] == ["r_ads rw_dmp_segments"]
        assert "secret" not in url
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_lone_surrogates_become_replacement_characters():
    value = json.loads('{"a\\ud83d": ["ab\\ud83d", {"x": "\\udc00y"}], "pair": "\\ud83d\\ude00", "n": 1}')
    cleaned = without_surrogates(value)
    assert cleaned == {"a\ufffd": ["ab\ufffd", {"x": "\ufffdy"}], "pair": "\U0001f600", "n": 1}
    json.dumps(cleaned, ensure_ascii=False).encode()  # UTF-8 encodable: PostgreSQL takes it
    assert safe_text("ab\ud83d") == "ab\ufffd"
    assert storable({"k": "\x00\ud83d"}) == {"k": "\ufffd"}


def test_nul_characters_are_removed():
    """PostgreSQL refuses NUL in text and jsonb: LinkedIn's texts are read without it."""
    value = json.loads('{"a\\u0000b": ["Nul\\u0000Company", {"x": "\\u0000"}], "n": 1}')
    assert without_surrogates(value) == {"ab": ["NulCompany", {"x": ""}], "n": 1}
    assert safe_text("ab\x00\ud83d") == "ab\ufffd"


@pytest.mark.parametrize("value", ["²", "١٢٣٤", 10**20, "100000000000000000000", -5, 1.5e300, "12 34", True, None])
def test_odd_timestamps_are_not_timestamps(value):
    assert not is_timestamp(value)
    assert ms_to_datetime(value) is False


def test_timestamps_read_as_dates():
    assert is_timestamp(1689894599288) and is_timestamp(" 1689894599288 ")
    assert ms_to_datetime("1689894599288").year == 2023
    assert ms_to_datetime(1689894599).year == 2023  # seconds
