# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from odoo import api, fields, models

from ..linkedin.answers import form_locale, localized

FORM_STATES = {"PUBLISHED": "published", "DRAFT": "draft", "ARCHIVED": "archived"}


class LinkedInLeadForm(models.Model):
    _name = "linkedin.lead.form"
    _description = "LinkedIn Lead Gen Form"
    _order = "account_id, name, id"
    _rec_names_search = ["name", "linkedin_id"]

    name = fields.Char(required=True)
    linkedin_id = fields.Char(string="LinkedIn ID", required=True, index=True, readonly=True)
    version_id = fields.Integer(string="Form Version", readonly=True)
    account_id = fields.Many2one(
        "linkedin.ad.account", string="Ad Account", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("archived", "Archived"), ("other", "Other")],
        default="published",
        readonly=True,
    )
    headline = fields.Char(readonly=True)
    locale = fields.Char(readonly=True, help="The locale the form was created in, e.g. en_US.")
    question_ids = fields.One2many("linkedin.lead.form.question", "form_id", readonly=True)
    question_count = fields.Integer(compute="_compute_question_count", string="Questions Count")
    consent_json = fields.Text(string="Consents (JSON)", readonly=True)
    consents_display = fields.Text(string="Consents", compute="_compute_displays")
    hidden_fields_json = fields.Text(string="Hidden Fields (JSON)", readonly=True)
    hidden_fields_display = fields.Text(string="Hidden Fields", compute="_compute_displays")
    privacy_policy_url = fields.Char(readonly=True)
    raw_json = fields.Text(string="Form as sent by LinkedIn", readonly=True)

    _sql_constraints = [
        (
            "linkedin_id_account_uniq",
            "unique(linkedin_id, account_id)",
            "A LinkedIn lead form is stored once per account.",
        )
    ]

    @api.depends("question_ids")
    def _compute_question_count(self):
        for form in self:
            form.question_count = len(form.question_ids)

    @api.depends("consent_json", "hidden_fields_json")
    def _compute_displays(self):
        for form in self:
            consents = json.loads(form.consent_json or "[]")
            form.consents_display = "\n".join(
                "{}{}".format(consent.get("text", ""), " *" if consent.get("required") else "") for consent in consents
            )
            hidden = json.loads(form.hidden_fields_json or "[]")
            form.hidden_fields_display = "\n".join(f"{item.get('name')} = {item.get('value')}" for item in hidden)

    @api.model
    def _upsert_from_linkedin(self, account, form_dicts):
        """Create or update the forms of ``account`` from LinkedIn's form dicts; return them (as superuser)."""
        Form = self.sudo().with_context(active_test=False)
        forms = Form.browse()
        existing = {
            form.linkedin_id: form
            for form in Form.search(
                [("account_id", "=", account.id), ("linkedin_id", "in", [str(d.get("id")) for d in form_dicts])]
            )
        }
        for data in form_dicts:
            vals = self._prepare_form_vals(data)
            form = existing.get(vals["linkedin_id"])
            if form:
                form.write(vals)
            else:
                form = Form.create({**vals, "account_id": account.id})
            form.question_ids._sync_from_linkedin(form, data)
            forms |= form
        return forms

    @api.model
    def _prepare_form_vals(self, data):
        locale = form_locale(data)
        content = data.get("content") or {}
        legal = content.get("legalInfo") or {}
        consents = [
            {
                "id": consent.get("id"),
                "text": localized(consent.get("consent"), locale),
                "required": bool(consent.get("checkRequired")),
            }
            for consent in legal.get("consents") or []
        ]
        return {
            "linkedin_id": str(data.get("id")),
            "version_id": data.get("versionId") or 0,
            "name": data.get("name") or str(data.get("id")),
            "state": FORM_STATES.get(data.get("state") or "PUBLISHED", "other"),
            "headline": localized(content.get("headline"), locale) or False,
            "locale": locale or False,
            "consent_json": json.dumps(consents),
            "hidden_fields_json": json.dumps(data.get("hiddenFields") or []),
            "privacy_policy_url": legal.get("privacyPolicyUrl") or False,
            "raw_json": json.dumps(data, indent=1, sort_keys=True),
            "active": True,
        }

    def _as_linkedin_dict(self):
        """The form as LinkedIn sent it (for ``decode_lead``)."""
        self.ensure_one()
        return json.loads(self.raw_json or "{}")
