# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class MailingList(models.Model):
    _inherit = "mailing.list"

    linkedin_audience_ids = fields.One2many(
        "linkedin.audience", "mailing_list_id", string="LinkedIn Audiences", context={"active_test": False}
    )
    linkedin_audience_count = fields.Integer(
        compute="_compute_linkedin_audience_count", string="LinkedIn Audience Count"
    )

    @api.depends("linkedin_audience_ids")
    def _compute_linkedin_audience_count(self):
        for mailing_list in self:
            mailing_list.linkedin_audience_count = len(mailing_list.linkedin_audience_ids.filtered("active"))

    def action_open_linkedin_audience_wizard(self):
        self.check_access("read")
        self.env["linkedin.audience"].check_access("create")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send to LinkedIn"),
            "res_model": "linkedin.audience.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_mailing_list_id": self.id},
        }
