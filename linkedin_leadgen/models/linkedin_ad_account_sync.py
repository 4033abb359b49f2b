# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class LinkedInAdAccount(models.Model):
    """Synchronization side of the ad account: submissions, run history, back-off."""

    _inherit = "linkedin.ad.account"

    submission_ids = fields.One2many("linkedin.form.submission", "account_id", string="Submissions")
    submission_count = fields.Integer(
        compute="_compute_submission_count",
    )
    sync_log_ids = fields.One2many("linkedin.sync.log", "account_id", string="Synchronization Runs")
    sync_paused_until = fields.Datetime(
        readonly=True,
        copy=False,
        help="LinkedIn asked to slow down (rate limit, daily quota or repeated errors): the scheduler leaves "
        "this account alone until then.",
    )
    sync_failure_count = fields.Integer(readonly=True, copy=False, help="Consecutive failed synchronizations.")

    def _compute_submission_count(self):
        counts = {
            account.id: count
            for account, count in self.env["linkedin.form.submission"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        }
        for account in self:
            account.submission_count = counts.get(account.id, 0)

    def action_view_submissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_form_submission_action")
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_sync_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_sync_log_action")
        action["domain"] = [("account_id", "=", self.id)]
        return action

    def action_sync_now(self):
        """Sync these accounts now (within the time budget); the rest continues through the scheduler."""
        return self.env["linkedin.lead.importer"]._action_sync_accounts(self)
