# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class LinkedInLeadForm(models.Model):
    """Submissions of a lead form (the "sync" side of the form, kept apart from its definition)."""

    _inherit = "linkedin.lead.form"

    submission_ids = fields.One2many("linkedin.form.submission", "form_id", string="Submissions")
    submission_count = fields.Integer(
        compute="_compute_submission_count",
    )

    def _compute_submission_count(self):
        counts = {
            form.id: count
            for form, count in self.env["linkedin.form.submission"]._read_group(
                [("form_id", "in", self.ids)], ["form_id"], ["__count"]
            )
        }
        for form in self:
            form.submission_count = counts.get(form.id, 0)

    def action_view_submissions(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_form_submission_action")
        action["domain"] = [("form_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
