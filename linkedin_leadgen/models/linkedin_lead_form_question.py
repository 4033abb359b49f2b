# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from odoo import api, fields, models

from ..linkedin.answers import form_locale, localized
from .linkedin_ad_account import humanize_code


class LinkedInLeadFormQuestion(models.Model):
    _name = "linkedin.lead.form.question"
    _description = "LinkedIn Lead Gen Form Question"
    _order = "form_id, sequence, id"

    form_id = fields.Many2one("linkedin.lead.form", string="Lead Form", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    question_id = fields.Char(string="LinkedIn Question ID", required=True, index=True)
    name = fields.Char(help="The question's name given by the form's creator (stable across languages).")
    label = fields.Char(help="The question as the member saw it.")
    predefined_field = fields.Char(
        string="Predefined Field Code",
        help="LinkedIn's predefined field (FIRST_NAME, EMAIL, ...); empty on custom questions.",
    )
    predefined_field_label = fields.Char(string="Predefined Field", compute="_compute_predefined_field_label")
    question_type = fields.Selection([("text", "Text"), ("choice", "Multiple choice")], default="text", required=True)
    required = fields.Boolean()
    options_json = fields.Text(string="Options (JSON)", help="Multiple-choice options: [{id, text}].")
    options_display = fields.Char(string="Options", compute="_compute_options_display")

    @api.depends("options_json")
    def _compute_options_display(self):
        for question in self:
            options = json.loads(question.options_json or "[]")
            question.options_display = ", ".join(str(option.get("text")) for option in options)

    @api.depends("predefined_field")
    @api.depends_context("lang")
    def _compute_predefined_field_label(self):
        labels = self.env["linkedin.field.mapping"]._predefined_field_labels()
        for question in self:
            code = question.predefined_field
            question.predefined_field_label = labels.get(code) or humanize_code(code)

    @api.model
    def _sync_from_linkedin(self, form, data):
        """Replace-or-update the questions of ``form`` from its LinkedIn dict."""
        locale = form_locale(data)
        existing = {question.question_id: question for question in form.question_ids}
        seen = set()
        for sequence, item in enumerate((data.get("content") or {}).get("questions") or []):
            details = item.get("questionDetails") or {}
            choice = details.get("multipleChoiceQuestionDetails")
            options = [
                {"id": option.get("id"), "text": localized(option.get("text"), locale)}
                for option in (choice or {}).get("options") or []
            ]
            vals = {
                "sequence": sequence,
                "question_id": str(item.get("questionId")),
                "name": item.get("name") or False,
                "label": localized(item.get("question"), locale) or item.get("name") or False,
                "predefined_field": item.get("predefinedField") or False,
                "question_type": "choice" if choice is not None else "text",
                "required": bool(item.get("responseRequired")),
                "options_json": json.dumps(options) if choice is not None else False,
            }
            seen.add(vals["question_id"])
            question = existing.get(vals["question_id"])
            if question:
                question.write(vals)
            else:
                self.create({**vals, "form_id": form.id})
        (form.question_ids - form.question_ids.filtered(lambda q: q.question_id in seen)).unlink()
