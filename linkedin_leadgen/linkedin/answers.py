"""Turn a lead form response plus its form into named values (API notes, sections 4.2 and 5.3)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Answer:
    question_id: int
    name: str
    label: str
    predefined_field: str | None
    value: str


@dataclass(frozen=True)
class Consent:
    consent_id: int
    text: str
    required: bool
    accepted: bool


@dataclass
class DecodedLead:
    answers: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    hidden_fields: dict = field(default_factory=dict)

    def by_field(self):
        """``{predefinedField: value}`` for the standard questions (stable across languages)."""
        return {answer.predefined_field: answer.value for answer in self.answers if answer.predefined_field}

    def by_name(self):
        """``{question name: value}`` (the name the form's creator gave the question)."""
        return {answer.name: answer.value for answer in self.answers if answer.name}

    def by_question_id(self):
        return {answer.question_id: answer.value for answer in self.answers}


def form_locale(form):
    """``"es_ES"`` from the form's ``creationLocale``, or None."""
    locale = (form or {}).get("creationLocale") or {}
    language, country = locale.get("language"), locale.get("country")
    if language and country:
        return f"{language}_{country}"
    return language or None


def localized(value, locale=None):
    """Text of a MultiLocaleString (``{"localized": {"en_US": ...}}``): the given locale first, then any."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return str(value)
    texts = value.get("localized")
    if not isinstance(texts, dict) or not texts:
        return str(value.get("text") or value.get("value") or "")
    preferred = value.get("preferredLocale") or {}
    candidates = [locale]
    if preferred.get("language"):
        candidates.append(f"{preferred['language']}_{preferred.get('country', '')}")
    for candidate in candidates:
        if candidate and candidate in texts:
            return _text(texts[candidate])
    language = (locale or "").split("_")[0]
    for key, text in texts.items():
        if language and key.split("_")[0] == language:
            return _text(text)
    return _text(next(iter(texts.values())))


def _text(value):
    # Some LinkedIn payloads nest rich text as {"rawText": ...}.
    if isinstance(value, dict):
        return str(value.get("rawText") or value.get("text") or "")
    return "" if value is None else str(value)


def _int_or_raw(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _answer_value(details, question, locale):
    details = details or {}
    if "textQuestionAnswer" in details:
        return str((details["textQuestionAnswer"] or {}).get("answer") or "")
    if "multipleChoiceAnswer" in details:
        chosen = (details["multipleChoiceAnswer"] or {}).get("options") or []
        mc_details = ((question or {}).get("questionDetails") or {}).get("multipleChoiceQuestionDetails") or {}
        options = {
            _int_or_raw(opt.get("id")): localized(opt.get("text"), locale) for opt in mc_details.get("options", [])
        }
        return ", ".join(options.get(_int_or_raw(opt_id)) or str(opt_id) for opt_id in chosen)
    for value in details.values():  # unknown answer type: keep whatever text it carries
        if isinstance(value, dict) and "answer" in value:
            return str(value["answer"])
    return ""


def decode_lead(response, form=None):
    """Decode ``response`` (a ``leadFormResponses`` element) with ``form`` (a ``leadForms`` element).

    Without ``form``, the response's projected ``form`` is used. Answers follow the form's question
    order; answers to questions the form does not know are kept with an empty name.
    """
    form = form or response.get("form") or {}
    locale = form_locale(form)
    content = form.get("content") or {}
    questions = {_int_or_raw(q.get("questionId")): q for q in content.get("questions") or []}
    order = {qid: index for index, qid in enumerate(questions)}
    form_response = response.get("formResponse") or {}

    answers = []
    for raw in form_response.get("answers") or []:
        qid = _int_or_raw(raw.get("questionId"))
        question = questions.get(qid) or {}
        answers.append(
            Answer(
                question_id=qid,
                name=question.get("name") or "",
                label=localized(question.get("question"), locale) or question.get("name") or "",
                predefined_field=question.get("predefinedField") or None,
                value=_answer_value(raw.get("answerDetails"), question, locale),
            )
        )
    answers.sort(key=lambda answer: order.get(answer.question_id, len(order)))

    accepted = {
        _int_or_raw(item.get("consentId")): bool(item.get("accepted"))
        for item in form_response.get("consentResponses") or []
    }
    consents = []
    for item in (content.get("legalInfo") or {}).get("consents") or []:
        cid = _int_or_raw(item.get("id"))
        consents.append(
            Consent(
                cid, localized(item.get("consent"), locale), bool(item.get("checkRequired")), accepted.pop(cid, False)
            )
        )
    consents.extend(Consent(cid, "", False, value) for cid, value in accepted.items())

    hidden = {item.get("name"): item.get("value") for item in form.get("hiddenFields") or [] if item.get("name")}
    hidden.update(
        {item.get("name"): item.get("value") for item in response.get("hiddenFields") or [] if item.get("name")}
    )
    return DecodedLead(answers=answers, consents=consents, hidden_fields=hidden)
