# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A corpus of malformed LinkedIn lead form responses, each named, with what must become of it.

Each :class:`Case` changes one response as LinkedIn renders it (``change(element)`` returns what LinkedIn
sends instead, any JSON value); the emulator serves it through ``serve_instead``. ``outcome``:

* ``lead``: imported (a lead created or updated, or kept for review: test lead, partial match);
* ``failed``: kept as a failed submission whose error contains ``reason``;
* ``retried``: failed so (the database refuses it as sent), then imported by the next run from the payload
  kept as the database accepts it;
* ``unbound``: it has no id that can be stored: counted as failed, reported in the sync log, its data kept
  for administrators;
* ``duplicate``: it carries the id of another response of the same page: stored once.

``stored_id(original id)`` gives the id it is stored under when the change alters it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable
    outcome: str
    reason: str = ""
    stored_id: Callable = None


def _set(key, value):
    def change(element):
        element[key] = value
        return element

    return change


def _drop(key):
    def change(element):
        element.pop(key, None)
        return element

    return change


def _form_response(key, value):
    def change(element):
        element["formResponse"][key] = value
        return element

    return change


def _answer(predicate, details=None, **updates):
    """Change the first answer for which ``predicate(answer)`` is true: its details, or its keys."""

    def change(element):
        answer = next(a for a in element["formResponse"]["answers"] if predicate(a))
        if details is not None:
            answer["answerDetails"] = details
        answer.update(updates)
        return element

    return change


def _is_email(answer):
    return "@" in str((answer["answerDetails"].get("textQuestionAnswer") or {}).get("answer"))


def _is_text(answer):
    return "textQuestionAnswer" in answer["answerDetails"] and not _is_email(answer)


def _is_choice(answer):
    return "multipleChoiceAnswer" in answer["answerDetails"]


def _text(value):
    return _answer(_is_text, {"textQuestionAnswer": {"answer": value}})


def _choice(options):
    return _answer(_is_choice, {"multipleChoiceAnswer": {"options": options}})


def _consents(value):
    return _form_response("consentResponses", value)


def _consent(**updates):
    def change(element):
        element["formResponse"]["consentResponses"][0].update(updates)
        return element

    return change


def _email(value):
    return _answer(_is_email, {"textQuestionAnswer": {"answer": value}})


def _extra_answer(question_id, details):
    def change(element):
        element["formResponse"]["answers"].append({"questionId": question_id, "answerDetails": details})
        return element

    return change


def _form_version(version):
    def change(element):
        urn = element["versionedLeadGenFormUrn"]
        element["versionedLeadGenFormUrn"] = urn.rsplit(",", 1)[0] + f",{version})"
        return element

    return change


def _metadata_campaign(campaign):
    def change(element):
        element["leadMetadataInfo"] = {"sponsoredLeadMetadataInfo": {"campaign": campaign}}
        return element

    return change


def _answers_of_another_form(element):
    for answer in element["formResponse"]["answers"]:
        answer["questionId"] = answer["questionId"] + 1
    return element


def _everything_stringified(element):
    element["submittedAt"] = str(element["submittedAt"])
    element["testLead"] = "false"
    return element


def _suffix(text):
    return lambda original: original + text


TEXT_AND_CHOICE = {"textQuestionAnswer": {"answer": "a"}, "multipleChoiceAnswer": {"options": [0]}}

CASES = [
    # -- the id
    Case("id_number", _set("id", 987654321012), "lead", stored_id=lambda original: "987654321012"),
    Case("id_float", _set("id", 1.5), "unbound"),
    Case("id_true", _set("id", True), "unbound"),
    Case("id_null", _set("id", None), "unbound"),
    Case("id_missing", _drop("id"), "unbound"),
    Case("id_empty", _set("id", ""), "unbound"),
    Case("id_blank", _set("id", "   "), "unbound"),
    Case("id_object", _set("id", {"value": "x"}), "unbound"),
    Case("id_list", _set("id", ["x"]), "unbound"),
    Case("id_huge", lambda e: _set("id", e["id"] + "x" * 5000)(e), "lead", stored_id=_suffix("x" * 5000)),
    Case("id_nul_character", lambda e: _set("id", e["id"] + "\x00")(e), "lead"),
    Case("id_lone_surrogate", lambda e: _set("id", e["id"] + "\ud83d")(e), "lead", stored_id=_suffix("\ufffd")),
    Case("id_bidi_override", lambda e: _set("id", e["id"] + "\u202e")(e), "lead", stored_id=_suffix("\u202e")),
    Case("id_padded", lambda e: _set("id", f"  {e['id']}  ")(e), "lead"),
    # -- the submission date
    Case("scalars_as_strings", _everything_stringified, "lead"),
    Case("submitted_superscript_two", _set("submittedAt", "²"), "failed", "is not a timestamp"),
    Case("submitted_arabic_digits", _set("submittedAt", "١٢٣٤"), "failed", "is not a timestamp"),
    Case("submitted_overflow", _set("submittedAt", 10**20), "failed", "is not a timestamp"),
    Case("submitted_negative", _set("submittedAt", -1), "failed", "is not a timestamp"),
    Case("submitted_true", _set("submittedAt", True), "failed", "is not a timestamp"),
    Case("submitted_object", _set("submittedAt", {"ms": 1}), "failed", "is not a timestamp"),
    Case("submitted_nan", _set("submittedAt", float("nan")), "failed", "is not a timestamp"),
    Case("submitted_null", _set("submittedAt", None), "lead"),
    Case("submitted_missing", _drop("submittedAt"), "lead"),
    Case("submitted_float", lambda e: _set("submittedAt", float(e["submittedAt"]))(e), "lead"),
    Case("submitted_seconds", lambda e: _set("submittedAt", e["submittedAt"] // 1000)(e), "lead"),
    # -- the answers' container
    Case("form_response_missing", _drop("formResponse"), "failed", "no formResponse"),
    Case("form_response_null", _set("formResponse", None), "failed", "no formResponse"),
    Case("form_response_list", _set("formResponse", []), "failed", "no formResponse"),
    Case("answers_null", _form_response("answers", None), "lead"),
    Case("answers_text", _form_response("answers", "all of them"), "failed", "not a list"),
    Case("answers_object", _form_response("answers", {"0": {}}), "failed", "not a list"),
    Case("answer_not_an_object", _form_response("answers", ["x"]), "failed", ""),
    # -- one answer
    Case("question_id_null", _answer(_is_text, questionId=None), "failed", ""),
    Case("question_id_true", _answer(_is_text, questionId=True), "failed", ""),
    Case("question_id_float", _answer(_is_text, questionId=1.5), "failed", ""),
    Case("question_unknown", _extra_answer(987654, {"textQuestionAnswer": {"answer": "Asked elsewhere"}}), "lead"),
    Case("answer_details_null", _answer(_is_text, None, answerDetails=None), "lead"),
    Case("answer_details_text", _answer(_is_text, None, answerDetails="x"), "failed", ""),
    Case("answer_details_unknown_kind", _answer(_is_text, {"dateAnswer": {"date": "2026-01-01"}}), "lead"),
    Case("text_answer_null", _text(None), "lead"),
    Case("text_answer_number", _text(42), "lead"),
    Case("text_answer_object", _text({"value": "x"}), "failed", "is not text"),
    Case("text_answer_list", _text(["x"]), "failed", "is not text"),
    Case("text_answer_true", _text(True), "failed", "is not text"),
    Case("text_question_answer_text", _answer(_is_text, {"textQuestionAnswer": "x"}), "failed", "is not text"),
    Case("choice_options_null", _choice(None), "lead"),
    Case("choice_options_text", _choice("0"), "failed", ""),
    Case("choice_option_unknown", _choice([42]), "lead"),
    Case("choice_options_nested", _choice([[0]]), "failed", ""),
    Case("choice_option_float", _choice([0.5]), "failed", ""),
    Case("text_and_choice_at_once", _answer(_is_text, TEXT_AND_CHOICE), "lead"),
    Case("answers_of_another_form", _answers_of_another_form, "lead"),
    Case("answers_of_another_form_version", _form_version(99), "lead"),
    # -- consents
    Case("consents_null", _consents(None), "lead"),
    Case("consents_text", _consents("yes"), "failed", ""),
    Case("consent_not_an_object", _consents(["yes"]), "failed", ""),
    Case("consent_accepted_text", _consent(accepted="yes"), "lead"),
    Case("consent_unknown_id", _consent(consentId=99), "lead"),
    # -- the envelope
    Case("lead_type_unknown", _set("leadType", "HOLOGRAM"), "lead"),
    Case("lead_type_number", _set("leadType", 7), "lead"),
    Case("form_urn_garbage", _set("versionedLeadGenFormUrn", "urn:li:somethingElse:1"), "lead"),
    Case("form_urn_number", _set("versionedLeadGenFormUrn", 5), "failed", ""),
    Case("form_projection_text", _set("form", "Demo request"), "failed", ""),
    Case("lead_metadata_text", _set("leadMetadata", "campaign"), "failed", ""),
    Case("associated_entity_list", _set("associatedEntity", ["creative"]), "failed", ""),
    Case("campaign_name_object", _metadata_campaign({"id": "urn:li:sponsoredCampaign:5", "name": {"x": 1}}), "lead"),
    Case("campaign_id_number", _metadata_campaign({"id": 5, "name": "Numbered"}), "lead"),
    Case("test_lead_text", _set("testLead", "false"), "lead"),
    Case("owner_missing", _drop("owner"), "lead"),
    Case("unknown_fields", _set("futureField", {"nested": [1, 2, {"deeper": None}]}), "lead"),
    # -- text
    Case("control_characters", _text("Ann\x01\x02\x1b[31m\x7f"), "lead"),
    Case("nul_character", _text("Nul\x00Company"), "lead"),
    Case("nul_only", _text("\x00"), "lead"),
    Case("nul_in_email", _email("nul\x00@example.com"), "lead"),
    Case(
        "nul_in_campaign_name", _metadata_campaign({"id": "urn:li:sponsoredCampaign:5", "name": "Spring\x00"}), "lead"
    ),
    Case("nul_in_consent_id", _consent(consentId="1\x00"), "lead"),
    Case("nul_in_unknown_field", _set("future\x00Field", "x\x00y"), "lead"),
    Case("bidi_characters", _text("\u202egnp.exe\u202c \u200f"), "lead"),
    Case("lone_surrogate", _text("ab\ud83d"), "lead"),
    Case("emoji", _text("Caf\u00e9 \U0001f600"), "lead"),
    Case("huge_text", _text("x" * 200_000), "lead"),
    Case("huge_email", _email("a" * 3000 + "@example.com"), "lead"),
    Case("email_with_newline", _email("evil@example.com\nBcc: all@example.com"), "lead"),
    # -- the whole element
    Case("element_text", lambda element: "oops", "unbound"),
    Case("element_null", lambda element: None, "unbound"),
    Case("element_list", lambda element: [element], "unbound"),
    Case("element_number", lambda element: 42, "unbound"),
]
