# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from .linkedin_ad_account import humanize_code

# A failed submission is retried on this many later runs before it waits for a user.
MAX_RETRIES = 5

SUBMISSION_STATES = [
    ("new", "New"),
    ("lead_created", "Lead created"),
    ("lead_updated", "Lead updated"),
    ("failed", "Failed"),
    ("ignored_test", "Test lead, ignored"),
    ("partial_match", "Matched partly, not imported"),
    ("deleted", "Deleted on LinkedIn"),
]


class LinkedInFormSubmission(models.Model):
    """One LinkedIn lead (a ``leadFormResponses`` element): the binding between LinkedIn and Odoo.

    ``linkedin_id`` is unique: whatever replays a lead (overlap window, webhook plus pull, reset), the
    database lets it in once.
    """

    _name = "linkedin.form.submission"
    _description = "LinkedIn Form Submission"
    _order = "submitted_at desc, id desc"

    name = fields.Char(required=True, default="/")
    linkedin_id = fields.Char(string="LinkedIn ID", required=True, readonly=True, index=True, copy=False)
    account_id = fields.Many2one("linkedin.ad.account", string="Ad Account", index=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    form_id = fields.Many2one("linkedin.lead.form", index="btree_not_null", ondelete="set null")
    form_name = fields.Char()
    form_urn = fields.Char(string="Form URN")
    campaign_urn = fields.Char(string="Campaign URN")
    campaign_name = fields.Char(string="Campaign")
    creative_urn = fields.Char(string="Creative URN")
    creative_name = fields.Char(string="Creative")
    lead_type = fields.Char(default="SPONSORED")
    submitted_at = fields.Datetime(index=True)
    test_lead = fields.Boolean(help="Created from Campaign Manager's form preview.")
    contact_name = fields.Char(string="Contact")
    email = fields.Char(string="E-mail")
    answer_ids = fields.One2many("linkedin.form.submission.answer", "submission_id", string="Answers")
    consent_ids = fields.One2many("linkedin.form.submission.consent", "submission_id", string="Consents")
    hidden_fields = fields.Json(string="Hidden Fields (data)")
    hidden_fields_text = fields.Text(string="Hidden Fields", compute="_compute_hidden_fields_text")
    lead_id = fields.Many2one("crm.lead", index="btree_not_null", ondelete="set null")
    state = fields.Selection(SUBMISSION_STATES, required=True, default="new", index=True)
    error = fields.Text(readonly=True)
    retry_count = fields.Integer(readonly=True, help="Times the import of this submission was attempted again.")
    raw_payload = fields.Json(string="LinkedIn Payload (data)")
    raw_payload_text = fields.Text(string="LinkedIn Payload", compute="_compute_raw_payload_text")

    _sql_constraints = [
        ("linkedin_id_uniq", "unique(linkedin_id)", "This LinkedIn lead is already imported."),
    ]

    @api.depends("hidden_fields")
    def _compute_hidden_fields_text(self):
        for submission in self:
            values = submission.hidden_fields or {}
            submission.hidden_fields_text = "\n".join(f"{key}: {value}" for key, value in values.items()) or False

    @api.depends("raw_payload")
    def _compute_raw_payload_text(self):
        for submission in self:
            payload = submission.raw_payload
            submission.raw_payload_text = json.dumps(payload, indent=2, ensure_ascii=False) if payload else False

    def action_import(self):
        """Import the submissions again now: retry failed ones, create the leads of partial matches."""
        self.check_access("read")
        todo = self.filtered(lambda s: s.state in ("new", "failed", "partial_match", "ignored_test"))
        if not todo:
            raise UserError(self.env._("Only new, failed, partly matched or test submissions can be imported again."))
        result = self.env["linkedin.lead.importer"]._reimport_submissions(todo, force_create=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LinkedIn submissions"),
                "message": self.env._(
                    "%(created)s leads created, %(updated)s updated, %(failed)s failed.",
                    created=result["created"],
                    updated=result["updated"],
                    failed=result["failed"],
                ),
                "type": "warning" if result["failed"] else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }


class LinkedInFormSubmissionAnswer(models.Model):
    _name = "linkedin.form.submission.answer"
    _description = "LinkedIn Form Submission Answer"
    _order = "submission_id, sequence, id"

    submission_id = fields.Many2one("linkedin.form.submission", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    question_id = fields.Char(string="Question ID")
    name = fields.Char(string="Question")
    label = fields.Char()
    predefined_field = fields.Char(string="Predefined Field Code")
    value = fields.Text()
    predefined_field_label = fields.Char(string="Predefined Field", compute="_compute_predefined_field_label")

    @api.depends("predefined_field")
    @api.depends_context("lang")
    def _compute_predefined_field_label(self):
        labels = self.env["linkedin.field.mapping"]._predefined_field_labels()
        for answer in self:
            code = answer.predefined_field
            answer.predefined_field_label = labels.get(code) or humanize_code(code)


class LinkedInFormSubmissionConsent(models.Model):
    _name = "linkedin.form.submission.consent"
    _description = "LinkedIn Form Submission Consent"
    _order = "submission_id, sequence, id"

    submission_id = fields.Many2one("linkedin.form.submission", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    consent_id = fields.Char(string="Consent ID")
    text = fields.Text(string="Consent")
    required = fields.Boolean()
    accepted = fields.Boolean()
