"""The comparisons of the sync benchmark, run by ``odoo shell`` on a copy of the same database (``env`` is
the shell's). They read the same submissions from the emulator with the project's plain-Python client
(100 a page, as the product), and the forms and campaigns they need, then map each submission to the same
lead fields the product sets with its default mappings (contact name, e-mail, phones, company, job title,
country, state, city, zip, website, the other answers in the description, the LinkedIn source and medium,
the UTM campaign named after the LinkedIn campaign, the contact found by e-mail, the salesperson and team,
the name "<contact> - <campaign>"); then:

* ``naive``: per submission a ``crm.lead`` ``search`` by e-mail and a ``create`` with default tracking,
  what a first importer would write;
* ``floor``: one batched ``crm.lead.create()`` of them all without tracking, in the product's context
  (no chatter message, no follower, no notification).

Neither keeps what the product keeps besides the lead (the submission, its answers and consents, the
sync log, matched leads updated with a note). Settings come from the environment (BENCH_MODE,
BENCH_API_URL, BENCH_TOKEN, BENCH_ACCOUNTS, BENCH_LIMIT: import the first ones only); it prints
``elapsed <seconds> leads <count>`` and commits.
"""

import os
import time

from markupsafe import Markup

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.models.crm_lead import LEAD_CREATE_CONTEXT

# the product's default mappings (data/linkedin_matching_strategy_data.xml)
FIELDS = {
    "FIRST_NAME": "contact_name", "LAST_NAME": "contact_name", "EMAIL": "email_from", "WORK_EMAIL": "email_from",
    "PHONE_NUMBER": "phone", "WORK_PHONE_NUMBER": "phone", "MOBILE_PHONE_NUMBER": "mobile",
    "COMPANY_NAME": "partner_name", "JOB_TITLE": "function", "COUNTRY": "country_id", "STATE": "state_id",
    "CITY": "city", "ZIP_CODE": "zip", "POSTAL_CODE": "zip", "WEBSITE": "website", "COMPANY_WEBSITE": "website",
}  # fmt: skip

mode = os.environ["BENCH_MODE"]
client = li.LinkedInClient(api_url=os.environ["BENCH_API_URL"], access_token=os.environ["BENCH_TOKEN"],
                           expires_at=time.time() + 3600)  # fmt: skip
started = time.monotonic()
Lead = env["crm.lead"]  # noqa: F821 - the shell's environment
admin = env.ref("base.user_admin")  # noqa: F821
defaults = {
    "type": "lead" if env.ref("crm.group_use_lead") in env.ref("base.group_user").implied_ids else "opportunity",  # noqa: F821
    "user_id": admin.id,
    "team_id": env["crm.team"]._get_default_team_id(user_id=admin.id).id,  # noqa: F821
    "source_id": env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content").id,  # noqa: F821
    "medium_id": env.ref("utm.utm_medium_linkedin").id,  # noqa: F821
}
countries = {c.name.lower(): c.id for c in env["res.country"].search([])}  # noqa: F821
utm_campaigns = {}


def utm_campaign(name):
    if name not in utm_campaigns:
        found = env["utm.campaign"].search([("name", "=", name)], limit=1)  # noqa: F821
        utm_campaigns[name] = (found or env["utm.campaign"].create({"title": name})).id  # noqa: F821
    return utm_campaigns[name]


limit = int(os.environ.get("BENCH_LIMIT") or 0)  # the first ones only (a sample), when set
leads = []
for account in os.environ["BENCH_ACCOUNTS"].split(","):
    if limit and len(leads) >= limit:
        break
    questions = {}  # question id -> (predefined field or None, label)
    for form in client.iter_lead_forms(account):
        for question in form.get("content", {}).get("questions") or []:
            label = question.get("name") or str(question["questionId"])
            questions[question["questionId"]] = (question.get("predefinedField"), label)
    campaign_names = {}
    for response in client.iter_lead_form_responses(account):
        if limit and len(leads) >= limit:
            break
        vals, names, other = dict(defaults), [], []
        for answer in response.get("formResponse", {}).get("answers") or []:
            details = answer.get("answerDetails") or {}
            text = (details.get("textQuestionAnswer") or {}).get("answer")
            if text is None:
                text = ", ".join(str(o) for o in (details.get("multipleChoiceAnswer") or {}).get("options") or [])
            predefined, label = questions.get(answer.get("questionId"), (None, str(answer.get("questionId"))))
            fname = FIELDS.get(predefined)
            if fname == "contact_name":
                names.append(text)
            elif fname == "country_id":
                vals["country_id"] = countries.get(text.lower(), False)
            elif fname == "state_id":
                state = env["res.country.state"].search([("name", "=ilike", text)], limit=1)  # noqa: F821
                vals["state_id"] = state.id
            elif fname and not vals.get(fname):
                vals[fname] = text
            elif not fname:
                other.append(Markup("<li><b>%s</b>: %s</li>") % (label, text))
        if names:
            vals["contact_name"] = " ".join(names)
        campaign_urn = ((response.get("leadMetadata") or {}).get("sponsoredLeadMetadata") or {}).get("campaign")
        campaign = None
        if campaign_urn:
            campaign_id = campaign_urn.rsplit(":", 1)[1]
            if campaign_id not in campaign_names:
                found = client.batch_get_campaigns(account, [campaign_id])
                campaign_names[campaign_id] = next(iter(found.values()), {}).get("name") if found else None
            campaign = campaign_names[campaign_id]
            if campaign:
                vals["campaign_id"] = utm_campaign(campaign)
        contact = vals.get("contact_name") or vals.get("email_from") or vals.get("partner_name")
        vals["name"] = " - ".join(part for part in (contact, campaign) if part) or "LinkedIn lead"
        if other:
            vals["description"] = Markup("<p>LinkedIn Lead Gen Form</p><ul>%s</ul>") % Markup("").join(other)
        leads.append(vals)
# the contacts found by e-mail, in one query (as the product)
emails = {vals["email_from"].lower() for vals in leads if vals.get("email_from")}
partners = {}
for partner in env["res.partner"].search([("email_normalized", "in", list(emails))], order="id desc"):  # noqa: F821
    partners[partner.email_normalized] = partner.id
for vals in leads:
    if vals.get("email_from") and vals["email_from"].lower() in partners:
        vals["partner_id"] = partners[vals["email_from"].lower()]
if mode == "naive":
    for vals in leads:
        if vals.get("email_from"):
            Lead.search([("email_normalized", "=", vals["email_from"].lower())], limit=1)
        Lead.create(vals)
else:
    Lead.with_context(LEAD_CREATE_CONTEXT).create(leads)  # the product's context: no chatter, no tracking
env.flush_all()  # noqa: F821
env.cr.commit()  # noqa: F821
print(f"elapsed {time.monotonic() - started:.3f} leads {len(leads)}", flush=True)
