"""Deterministic LinkedIn data: members, ad accounts, pages, forms, campaigns and lead form responses.

Responses are stored compactly (one small record each) and rendered to LinkedIn's JSON on demand,
so 100,000 of them cost little memory; per-account lists sorted by ``submittedAt`` make time
windows a bisection.
"""

import random
import unicodedata
import uuid
from bisect import bisect_left
from collections.abc import Mapping

from .catalog import (
    ACCOUNTS,
    CHALLENGES,
    COMPANIES,
    CONSENTS,
    CUSTOM,
    FIRST_NAMES,
    FORMS,
    FUNCTIONS,
    LAST_NAMES,
    LOCATIONS,
    OPTIONAL,
    PREDEFINED,
    RESPONSE_WEIGHTS,
    SENIORITIES,
    TITLES,
)

DAY_MS = 86_400_000
RETENTION_MS = 365 * DAY_MS
SPREAD_DAYS = 300
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def ascii_fold(text):
    """``text`` without its accents (é → e, ß → ss); what is left outside ASCII is dropped."""
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class _Lead:
    """Compact record of one lead form response."""

    __slots__ = (
        "account",
        "at",
        "campaign",
        "creative",
        "deleted",
        "form",
        "id",
        "overrides",
        "persona",
        "test",
        "version",
    )

    def __init__(self, **values):
        self.overrides = None
        self.deleted = False
        for key, value in values.items():
            setattr(self, key, value)


class Responses(Mapping):
    """Read-only view ``response id -> rendered response`` over the compact records."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        lead = self._data.leads.get(key)
        if lead is None or lead.deleted:
            raise KeyError(key)
        return self._data.render_response(lead)

    def __iter__(self):
        return (key for key, lead in self._data.leads.items() if not lead.deleted)

    def __len__(self):
        return self._data.live_count


class EmulatorData:
    """Everything the emulator serves, generated from ``seed``; ``now_ms`` anchors the dates."""

    def __init__(self, seed=1, responses=50, now_ms=0):
        self.seed = seed
        self.now_ms = now_ms
        self._rng = random.Random(seed)
        self._counters = {}
        self.members, self.organizations, self.accounts = {}, [], []
        self.campaign_groups, self.campaigns, self.creatives = [], [], []
        self.forms, self.form_versions, self._form_positions = [], {}, {}
        self.leads, self.live_count = {}, 0
        self.segments, self.notifications = {}, {}
        self._by_account, self._ats, self._select_cache = {}, {}, {}
        self.responses = Responses(self)
        self._make_members_and_accounts()
        self._make_campaigns()
        self._make_forms()
        self._make_leads(responses)

    # -- ids and lookups

    def next_id(self, kind, base):
        self._counters[kind] = self._counters.get(kind, base) + 1
        return self._counters[kind]

    def _person_id(self):
        return "".join(self._rng.choice(_ALNUM) for _dummy in range(10))

    def account(self, account_id):
        return next((a for a in self.accounts if str(a["id"]) == str(account_id)), None)

    def form_dict(self, form_id, version=None):
        form = next((f for f in self.forms if str(f["id"]) == str(form_id)), None)
        if form is None or version is None:
            return form
        return self.form_versions.get((form["id"], int(version)))

    # -- generation

    def _make_members_and_accounts(self):
        for key, first, last in (("default", "Morgan", "Lee"), ("other", "Sam", "Rivera")):
            pid = self._person_id()
            self.members[key] = {"key": key, "id": pid, "urn": f"urn:li:person:{pid}", "localizedFirstName": first,
                                 "localizedLastName": last, "roles": {}, "org_roles": []}  # fmt: skip
        for name, role, has_page, status, currency in ACCOUNTS:
            self._make_account(name, role, has_page, status, currency)

    def _make_account(self, name, role, has_page, status, currency):
        rng, default = self._rng, self.members["default"]
        account_id = 500_000_000 + rng.randrange(100_000_000)
        org = None
        if has_page:
            org_id = 10_000_000 + rng.randrange(90_000_000)
            org_name = name.replace("Acme", "Acme Corp")
            org = {"id": org_id, "name": org_name, "vanityName": org_name.lower().replace(" ", "-")}
            self.organizations.append(org)
            default["org_roles"].append((org_id, "LEAD_GEN_FORMS_MANAGER" if role == "VIEWER" else "ADMINISTRATOR"))
        created = self.now_ms - (400 + rng.randrange(400)) * DAY_MS
        self.accounts.append({
            "id": account_id, "name": name, "currency": currency, "type": "BUSINESS", "status": status,
            "reference": f"urn:li:organization:{org['id']}" if org else default["urn"], "test": False,
            "has_page": has_page, "role": role, "organization": org, "created": created,
        })  # fmt: skip
        default["roles"][account_id] = role
        return self.accounts[-1]

    def _make_campaigns(self):
        for account in self.accounts:
            self._make_account_campaigns(account)

    def _make_account_campaigns(self, account):
        rng = self._rng
        urn = f"urn:li:sponsoredAccount:{account['id']}"
        group_id = 600_000_000 + rng.randrange(100_000_000)
        start = account["created"] + 10 * DAY_MS
        self.campaign_groups.append({"id": group_id, "account": urn, "name": f"{account['name']} - Always on",
                                     "status": "ACTIVE", "runSchedule": {"start": start}})  # fmt: skip
        for number, label in enumerate(("Spring lead gen", "Autumn retargeting")):
            campaign_id = 190_000_000 + rng.randrange(10_000_000)
            self.campaigns.append({
                "id": campaign_id, "account": urn, "campaignGroup": f"urn:li:sponsoredCampaignGroup:{group_id}",
                "name": f"{label} ({account['currency']})", "status": "ACTIVE" if number == 0 else "PAUSED",
                "type": "SPONSORED_UPDATES", "costType": "CPM", "objectiveType": "LEAD_GENERATION",
                "associatedEntity": account["reference"], "runSchedule": {"start": start},
                "changeAuditStamps": {"created": {"time": start}, "lastModified": {"time": start + DAY_MS}},
                "version": {"versionTag": "3"},
            })  # fmt: skip
            for kind in ("image", "video"):
                creative_id = 240_000_000 + rng.randrange(10_000_000)
                self.creatives.append({
                    "id": f"urn:li:sponsoredCreative:{creative_id}", "account": urn,
                    "campaign": f"urn:li:sponsoredCampaign:{campaign_id}", "name": f"{label} {kind} ad",
                    "intendedStatus": "ACTIVE",
                    "content": {"reference": f"urn:li:share:{7 * 10**18 + creative_id}"},
                    "createdAt": start, "lastModifiedAt": start + DAY_MS,
                })  # fmt: skip

    def _make_forms(self):
        for index, template in enumerate(FORMS):
            self._make_form(index, self.accounts[template[0]])

    def _make_form(self, template, account):
        """A form like ``FORMS[template]`` owned by ``account``."""
        _account_index, name, state, locale, versions, keys, consents, hidden = FORMS[template]
        index = len(self.forms)
        form_id = 7_000_000 + self._rng.randrange(1_000_000)
        created = self.now_ms - (SPREAD_DAYS + 20) * DAY_MS
        for version in range(1, versions + 1):
            version_keys = keys if version == versions else keys[: len(keys) - (versions - version)]
            self.form_versions[(form_id, version)] = self._form(
                form_id, version, account, name, state, locale, version_keys, consents, hidden,
                created, created + (version - 1) * (SPREAD_DAYS - 60) * DAY_MS + index,
            )  # fmt: skip
        self.forms.append(self.form_versions[(form_id, versions)])
        self._form_positions[form_id] = template

    def add_accounts(self, count, form=0):
        """``count`` more ad accounts like the first one (a company page, the default member its billing
        admin), each with its campaigns and a published form like ``FORMS[form]``; their ids."""
        added = []
        for number in range(count):
            name, _role, _page, _status, currency = ACCOUNTS[0]
            account = self._make_account(f"{name} {number + 2}", "ACCOUNT_BILLING_ADMIN", True, "ACTIVE", currency)
            self._make_account_campaigns(account)
            self._make_form(form, account)
            added.append(account["id"])
        return added

    def _form(self, form_id, version, account, name, state, locale, keys, consents, hidden, created, modified):
        french = locale == "fr_FR"
        questions = []
        for number, key in enumerate(keys, start=1):
            question = {"questionId": number * 10**8 + form_id, "responseRequired": key not in OPTIONAL,
                        "responseEditable": True}  # fmt: skip
            if key in PREDEFINED:
                label = PREDEFINED[key][french]
                question["predefinedField"] = key
                question["questionDetails"] = {"textQuestionDetails": {"maxResponseLength": 300}}
            else:
                label, options = CUSTOM[key][french], CUSTOM[key][2]
                if options:
                    question["questionDetails"] = {"multipleChoiceQuestionDetails": {"options": [
                        {"id": oid, "text": {"localized": {locale: text}}} for oid, text in enumerate(options)
                    ]}}  # fmt: skip
                else:
                    question["questionDetails"] = {"textQuestionDetails": {"maxResponseLength": 300}}
            question["name"] = label
            question["question"] = {"localized": {locale: label}}
            questions.append(question)
        language, country = locale.split("_")
        return {
            "id": form_id, "versionId": version, "name": name, "state": state,
            "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{account['id']}"},
            "created": created, "lastModified": modified,
            "creationLocale": {"country": country, "language": language},
            "reviewInfo": {"reviewStatus": "APPROVED", "rejectionReasons": [], "lastUpdated": modified},
            "hiddenFields": [{"name": k, "value": v} for k, v in hidden.items()],
            "content": {
                "headline": {"localized": {locale: name}},
                "description": {"localized": {locale: f"{name} - {account['name']}"}},
                "questions": questions,
                "legalInfo": {
                    "legalInfoId": 10**8 + form_id, "privacyPolicyUrl": "https://www.example.com/privacy",
                    "legalDisclaimer": {"localized": {locale: "We process your data to answer your request."}},
                    "consents": [{"id": cid, "consent": {"localized": {locale: CONSENTS[key][0]}},
                                  "checkRequired": CONSENTS[key][1]} for cid, key in enumerate(consents)],
                },
                "postSubmissionInfo": {
                    "message": {"localized": {locale: "Thank you!"}},
                    "callToAction": {"callToActionLabel": "VISIT_COMPANY_WEBSITE",
                                     "callToActionTarget": {"landingPageUrl": "https://www.example.com"}},
                },
            },
        }  # fmt: skip

    def _make_leads(self, count):
        rng = random.Random(self.seed * 7919 + 1)
        pools = []
        for account_index in RESPONSE_WEIGHTS:
            account_id = self.accounts[account_index]["id"]
            pools.append(
                (account_id, [f for f in self.forms if f["owner"]["sponsoredAccount"].endswith(f":{account_id}")])
            )
        for index in range(count):
            account_id, forms = rng.choices(pools, list(RESPONSE_WEIGHTS.values()))[0]
            form = forms[rng.randrange(len(forms))]
            at = self.now_ms - rng.randrange(SPREAD_DAYS * DAY_MS)
            persona = rng.randrange(index) if index and rng.random() < 0.04 else index
            self._store(self._new_lead(rng, account_id, form, at, rng.random() < 0.03, persona, index + 1))
        self._sort()

    def _new_lead(self, rng, account_id, form, at, test, persona, number):
        version = form["versionId"] if at >= form["lastModified"] else 1
        campaigns = [c for c in self.campaigns if c["account"].endswith(f":{account_id}")]
        campaign = campaigns[form["id"] % len(campaigns)]
        creatives = [c for c in self.creatives if c["campaign"].endswith(f":{campaign['id']}")]
        return _Lead(
            id=f"{uuid.UUID(int=rng.getrandbits(128), version=4)}-{number}", at=at, account=account_id,
            form=form["id"], version=version, campaign=campaign["id"], test=test, persona=persona,
            creative=creatives[rng.randrange(len(creatives))]["id"],
        )  # fmt: skip

    def _store(self, lead):
        self.leads[lead.id] = lead
        self._by_account.setdefault(lead.account, []).append(lead)
        self.live_count += 1

    def _sort(self):
        for account_id, leads in self._by_account.items():
            leads.sort(key=lambda lead: (lead.at, lead.id))
            self._ats[account_id] = [lead.at for lead in leads]
        self._select_cache.clear()

    # -- responses

    def add_lead(self, account_id, form_id, test, at, overrides, lead_id=None, version=None, persona=None, *,
                 sort=True):  # fmt: skip
        """Store a new lead; ``sort=False`` leaves the time index to a later :meth:`_sort` (bulk additions)."""
        form = self.form_dict(form_id)
        number = len(self.leads) + 1
        rng = random.Random(self.seed * 104729 + number)
        lead = self._new_lead(rng, account_id, form, at, test, number if persona is None else persona, number)
        if lead_id:
            lead.id = lead_id
        if lead.id in self.leads:
            raise ValueError(f"response {lead.id} already exists")
        if version:
            lead.version = int(version)
        lead.overrides = overrides
        self._store(lead)
        if sort:
            self._sort()
        return lead

    def add_leads(self, count, account_ids, at):
        """``count`` new leads submitted at ``at``, spread over the published forms of ``account_ids`` (a
        backlog): the time index is sorted once, so 100,000 take seconds, not the hours of one sort each."""
        urns = {f"urn:li:sponsoredAccount:{a}": a for a in account_ids}
        forms = [(urns[f["owner"]["sponsoredAccount"]], f["id"]) for f in self.forms
                 if f["state"] == "PUBLISHED" and f["owner"].get("sponsoredAccount") in urns]  # fmt: skip
        for index in range(count):
            account_id, form_id = forms[index % len(forms)]
            self.add_lead(account_id, form_id, False, at, None, sort=False)
        self._sort()
        return len({account for account, _form in forms})

    def delete_lead(self, lead_id):
        lead = self.leads[lead_id]
        if not lead.deleted:
            lead.deleted = True
            self.live_count -= 1
            self._by_account[lead.account].remove(lead)
            self._sort()

    def select(self, account_id, start_ms, end_ms, form_id=None, version=None, test=None, newest_first=True):
        """Live leads of an account in ``[start_ms, end_ms)``, filtered, in a stable order.

        Cached by bisection bounds, so paging through one window filters the account's leads once.
        """
        leads, ats = self._by_account.get(account_id, []), self._ats.get(account_id, [])
        low = bisect_left(ats, start_ms) if start_ms is not None else 0
        high = bisect_left(ats, end_ms) if end_ms is not None else len(ats)
        key = (account_id, low, high, form_id, version, test, newest_first)
        if key not in self._select_cache:
            selected = [
                lead for lead in leads[low:high]
                if (form_id is None or lead.form == form_id) and (version is None or lead.version == version)
                and (test is None or lead.test == test)
            ]  # fmt: skip
            if newest_first:
                selected.reverse()
            if len(self._select_cache) > 32:
                self._select_cache.clear()
            self._select_cache[key] = selected
        return self._select_cache[key]

    def persona(self, index):
        rng = random.Random(self.seed * 1_000_003 + index)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company, industry, size = rng.choice(COMPANIES)
        code, country, city, state, zip_code, prefix = rng.choice(LOCATIONS)
        domain = ascii_fold(company.lower().replace(" ", "-")) + ".example.com"
        # people type their addresses in ASCII: Lefèvre is lefevre@, Müller is muller@
        local = ascii_fold(f"{first}.{last}".lower().replace("'", "").replace(" ", ""))
        values = {
            "FIRST_NAME": first, "LAST_NAME": last, "EMAIL": f"{local}{index}@mail.example.org",
            "WORK_EMAIL": f"{local}@{domain}", "PHONE_NUMBER": f"{prefix} {rng.randrange(100000, 999999)}",
            "COMPANY_NAME": company, "JOB_TITLE": rng.choice(TITLES), "JOB_FUNCTION": rng.choice(FUNCTIONS),
            "SENIORITY": rng.choice(SENIORITIES), "INDUSTRY": industry, "COMPANY_SIZE": size,
            "COUNTRY": country, "CITY": city, "STATE": state, "ZIP_CODE": zip_code, "WEBSITE": f"https://www.{domain}",
            "challenge": rng.choice(CHALLENGES), "products": sorted(rng.sample(range(4), rng.randint(1, 2))),
            "contact_time": [rng.randrange(2)], "country_code": code,
        }  # fmt: skip
        # sorted: a set's order changes with each process's hash seed, the data must not
        values["skip"] = {key for key in sorted(OPTIONAL) if rng.random() < 0.15}
        values["consents"] = {key: rng.random() < 0.6 for key in CONSENTS}
        return values

    def render_response(self, lead):
        form = self.form_versions[(lead.form, lead.version)]
        persona = self.persona(lead.persona)
        answers = []
        keys = self.question_keys(lead.form, lead.version)
        for question, key in zip(form["content"]["questions"], keys, strict=True):
            qid = question["questionId"]
            value = persona.get(key) if key not in persona["skip"] else None
            if lead.overrides and qid in lead.overrides:
                value = lead.overrides[qid]
            if value is None:
                continue
            if "multipleChoiceQuestionDetails" in question["questionDetails"]:
                details = {"multipleChoiceAnswer": {"options": list(value)}}
            else:
                details = {"textQuestionAnswer": {"answer": str(value)}}
            answers.append({"questionId": qid, "answerDetails": details})
        consent_keys = FORMS[self._form_index(lead.form)][6]
        consents = []
        for consent, key in zip(form["content"]["legalInfo"]["consents"], consent_keys, strict=True):
            accepted = consent["checkRequired"] or persona["consents"][key]
            if lead.overrides and ("consent", consent["id"]) in lead.overrides:
                accepted = lead.overrides[("consent", consent["id"])]
            consents.append({"consentId": consent["id"], "accepted": accepted})
        return {
            "id": lead.id, "submittedAt": lead.at, "submitter": f"urn:li:person:lead{lead.persona:06d}",
            "leadType": "SPONSORED", "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{lead.account}"},
            "versionedLeadGenFormUrn": f"urn:li:versionedLeadGenForm:(urn:li:leadGenForm:{lead.form},{lead.version})",
            "testLead": lead.test,
            "leadMetadata": {"sponsoredLeadMetadata": {"campaign": f"urn:li:sponsoredCampaign:{lead.campaign}"}},
            "associatedEntity": {"associatedCreative": lead.creative},
            "formResponse": {"answers": answers, "consentResponses": consents},
        }  # fmt: skip

    def _form_index(self, form_id):
        """The index in ``FORMS`` of the template of form ``form_id``."""
        return self._form_positions[form_id]

    def question_keys(self, form_id, version):
        """Generator keys (predefined field or custom key) of a form version's questions, in order."""
        keys = FORMS[self._form_index(form_id)][5]
        count = len(self.form_versions[(form_id, version)]["content"]["questions"])
        return keys[:count]
