# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.linkedin_sync_mixin import SYNC_CRON


class LinkedInSyncReset(models.TransientModel):
    """Re-pull everything LinkedIn still holds for the chosen ad accounts.

    Only the watermarks and resume points are cleared: the submissions stay, so every lead imported
    before is recognized by its LinkedIn id and neither duplicated nor updated twice.
    """

    _name = "linkedin.sync.reset"
    _description = "Reset LinkedIn Synchronization"

    account_ids = fields.Many2many(
        "linkedin.ad.account",
        string="Ad Accounts",
        required=True,
        default=lambda self: self._default_account_ids(),
    )
    retry_failed = fields.Boolean(
        string="Retry failed submissions",
        default=True,
        help="Give failed submissions a fresh set of import attempts.",
    )

    @api.model
    def _default_account_ids(self):
        if self.env.context.get("active_model") == "linkedin.ad.account" and self.env.context.get("active_ids"):
            return self.env["linkedin.ad.account"].browse(self.env.context["active_ids"])
        return self.env["linkedin.ad.account"].search([("can_sync", "=", True)])

    def action_reset(self):
        if not self.env.user.has_group("linkedin_leadgen.group_linkedin_leadgen_manager"):
            raise AccessError(self.env._("Only LinkedIn Lead Gen administrators can reset the synchronization."))
        self.check_access("write")
        self.ensure_one()
        self.account_ids.check_access("write")
        accounts = self.account_ids.sudo()
        accounts.write(
            {
                "sync_watermark": False,
                "sync_cursor": False,
                "sync_state": "backlog",
                "sync_paused_until": False,
                "sync_failure_count": 0,
                "last_sync_error": False,
            }
        )
        if self.retry_failed:
            self.env["linkedin.form.submission"].sudo().search(
                [("account_id", "in", accounts.ids), ("state", "=", "failed")]
            ).write({"retry_count": 0})
        now = fields.Datetime.now()
        self.env["linkedin.sync.log"].sudo().create(
            [
                {
                    "account_id": account.id,
                    "company_id": account.company_id.id,
                    "date_start": now,
                    "date_end": now,
                    "trigger": "reset",
                    "state": "done",
                }
                for account in accounts
            ]
        )
        self.env["linkedin.sync.mixin"]._linkedin_trigger_cron(SYNC_CRON)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LinkedIn synchronization reset"),
                "message": self.env._(
                    "%(count)s accounts will be synchronized again from the start, in the background.",
                    count=len(accounts),
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
