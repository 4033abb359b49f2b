"""LinkedIn lead form responses read as values: what the importer may trust of LinkedIn's JSON.

:func:`parse_lead_response` checks the envelope of one ``leadFormResponses`` element (the form reference,
the timestamp, the metadata, the answers and consents containers) and returns a :class:`LeadResponse`,
or an :class:`UnreadableLead` saying why it cannot become a lead. :meth:`LeadResponse.check_answers`
checks the answers against the form they were given for. Nothing here raises on LinkedIn's data.
"""

import json
import math
from dataclasses import dataclass, field

from .answers import decode_lead, localized
from .text import safe_text
from .times import ms_to_datetime
from .urns import parse_urn_id, parse_versioned_form_urn

# The keys of a response that hold objects (when present).
METADATA_KEYS = ("leadMetadataInfo", "leadMetadata", "associatedEntityInfo", "associatedEntity")


@dataclass(frozen=True)
class UnreadableLead:
    """Why a response cannot be read as a lead: a ``code`` and the ``detail`` that the sentence names.

    Codes: ``no_id``, ``form_reference``, ``timestamp`` (value), ``metadata`` (key, value), ``no_answers``,
    ``answers_not_list`` (value), ``consents`` (value), ``answer_question`` (value), ``answer_text``,
    ``answer_options``, ``answer_unreadable`` (question, value).
    """

    code: str
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LeadResponse:
    """One readable LinkedIn lead form response."""

    linkedin_id: str
    response: dict  # LinkedIn's element as received
    form_urn: str
    form_linkedin_id: str
    form: dict  # the form projected in the response ({} when LinkedIn sent none)
    submitted_at: object  # naive UTC datetime, or False
    test: bool
    campaign_urn: str
    campaign_name: str
    creative_urn: str
    creative_name: str

    def check_answers(self, form_dict):
        """An :class:`UnreadableLead` when an answer cannot be read against ``form_dict``, else None.

        An answer to a question the form does not know, or a choice of an unknown option, is readable:
        it is kept with its ids, never a reason to hold a lead back.
        """
        for answer in self.response["formResponse"].get("answers") or []:
            if not isinstance(answer, dict) or not is_id(answer.get("questionId")):
                return UnreadableLead("answer_question", {"value": shown(answer)})
            details = answer.get("answerDetails") or {}
            if not isinstance(details, dict):
                code = "answer_unreadable"
            elif "textQuestionAnswer" in details and not (
                isinstance(details["textQuestionAnswer"] or {}, dict)
                and is_scalar((details["textQuestionAnswer"] or {}).get("answer"))
            ):
                code = "answer_text"
            elif "multipleChoiceAnswer" in details and not (
                isinstance(details["multipleChoiceAnswer"] or {}, dict)
                and isinstance(options := (details["multipleChoiceAnswer"] or {}).get("options") or [], list)
                and all(is_id(option) for option in options)
            ):
                code = "answer_options"
            else:
                continue
            return UnreadableLead(
                code, {"question": _question_name(form_dict, answer["questionId"]), "value": shown(details)}
            )
        return None

    def decode(self, form_dict):
        """The answers, consents and hidden fields (a ``DecodedLead``), read with ``form_dict``."""
        return decode_lead(self.response, form_dict)

    def payload(self, form_dict=None):
        """What a submission keeps of the response (see :func:`raw_payload`)."""
        return raw_payload(self.response, form_dict)

    @property
    def lead_type(self):
        lead_type = self.response.get("leadType")
        return lead_type if isinstance(lead_type, str) and lead_type else "SPONSORED"


def parse_lead_response(response):
    """A :class:`LeadResponse`, or an :class:`UnreadableLead` when the envelope cannot be read."""
    linkedin_id = response_id(response)
    if not linkedin_id:
        return UnreadableLead("no_id")
    form_urn = response.get("versionedLeadGenFormUrn") or ""
    form = response.get("form") or {}
    if not isinstance(form_urn, str) or not isinstance(form, dict):
        return UnreadableLead("form_reference")
    submitted = response.get("submittedAt")
    if submitted not in (None, "") and not is_timestamp(submitted):
        return UnreadableLead("timestamp", {"value": shown(submitted)})
    for key in METADATA_KEYS:
        if not isinstance(response.get(key) or {}, dict):
            return UnreadableLead("metadata", {"key": key, "value": shown(response[key])})
    form_response = response.get("formResponse")
    if not isinstance(form_response, dict):
        return UnreadableLead("no_answers")
    if not isinstance(form_response.get("answers") or [], list):
        return UnreadableLead("answers_not_list", {"value": shown(form_response)})
    consents = form_response.get("consentResponses") or []
    if not isinstance(consents, list) or not all(isinstance(consent, dict) for consent in consents):
        return UnreadableLead("consents", {"value": shown(consents)})
    try:
        form_linkedin_id = parse_versioned_form_urn(form_urn)[0]
    except ValueError:
        form_linkedin_id = str(form.get("id") or "") or parse_urn_id(form_urn)
    # decorations are optional: a part of another shape is read as absent
    campaign = _obj(_obj(_obj(response.get("leadMetadataInfo")).get("sponsoredLeadMetadataInfo")).get("campaign"))
    campaign_urn = _text(campaign.get("id")) or _text(
        _obj(_obj(response.get("leadMetadata")).get("sponsoredLeadMetadata")).get("campaign")
    )
    creative = _obj(_obj(response.get("associatedEntityInfo")).get("associatedCreative"))
    entity = _obj(response.get("associatedEntity"))
    creative_urn = (
        _text(creative.get("id")) or _text(entity.get("associatedCreative")) or _text(entity.get("sponsoredCreative"))
    )
    return LeadResponse(
        linkedin_id=linkedin_id,
        response=response,
        form_urn=form_urn,
        form_linkedin_id=form_linkedin_id,
        form=form,
        submitted_at=ms_to_datetime(submitted),
        test=bool(response.get("testLead")),
        campaign_urn=campaign_urn,
        campaign_name=_text(campaign.get("name")),
        creative_urn=creative_urn,
        creative_name=_text(creative.get("name")),
    )


def _obj(value):
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _text(value):
    """A string or an id sent by LinkedIn as text; "" for anything else (objects, lists, booleans, null)."""
    return str(value).strip() if is_id(value) else ""


def _question_name(form_dict, question_id):
    """``Label (id)`` of a question of ``form_dict``, or its id alone."""
    questions = (form_dict.get("content") or {}).get("questions") or []
    question = next(
        (q for q in questions if isinstance(q, dict) and str(q.get("questionId")) == str(question_id)),
        {},
    )
    label = localized(question.get("question")) or question.get("name") or ""
    return f"{label} ({question_id})" if label else str(question_id)


# ----------------------------------------------------------------------
# Reading LinkedIn's values safely
# ----------------------------------------------------------------------


def response_id(response):
    """LinkedIn's response id of ``response``, or "" when it has none that can be bound."""
    value = response.get("id") if isinstance(response, dict) else None
    return str(value).strip() if is_id(value) else ""


def clean(value):
    """``value`` as text with runs of white space folded into single spaces."""
    return " ".join(str(value or "").split())


def is_scalar(value):
    """A JSON value that reads as text: a string or a number (a phone number or a zip code may be sent as one)."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def is_id(value):
    return isinstance(value, str | int) and not isinstance(value, bool)


def is_timestamp(value):
    """Epoch milliseconds (or seconds) that give a date: a number, or ASCII digits, from 0 to 10**14 excluded.

    ``str.isdigit()`` is not enough: "²" or "١٢" pass it; 10**20 is digits too, but no date.
    """
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 15):
            return False
        value = int(value)
    elif not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return 0 <= value < 10**14


def storable(value):
    """``value`` as PostgreSQL's ``jsonb`` accepts it: no NUL character, no lone surrogate (U+FFFD instead),
    JSON types only."""
    if isinstance(value, str):
        return safe_text(value.replace("\x00", ""))
    if isinstance(value, dict):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and infinities are no JSON for PostgreSQL
    if value is None or isinstance(value, bool | int | float):
        return value
    return storable(str(value))


def shown(value):
    """``value`` as JSON text for a message."""
    return json.dumps(storable(value), ensure_ascii=False, default=str)


def raw_payload(response, form_dict=None):
    """What a submission keeps of ``response``: everything but the form's content (``form_dict``: the form
    it was read with, else the one projected in the response)."""
    if not isinstance(response, dict):
        return {"response": response}
    payload = {key: value for key, value in response.items() if key != "form"}
    if form_dict is None:
        form_dict = response.get("form")
    if isinstance(form_dict, dict):
        payload["form"] = {
            "id": form_dict.get("id"),
            "versionId": form_dict.get("versionId"),
            "name": form_dict.get("name"),
        }
    elif form_dict is not None:
        payload["form"] = form_dict
    return payload
