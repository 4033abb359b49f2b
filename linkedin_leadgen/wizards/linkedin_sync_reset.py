# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.linkedin_lead_importer import DEFAULT_BACKFILL_DAYS
from ..models.linkedin_sync_mixin import SYNC_CRON


class LinkedInSyncReset(models.TransientModel):
    """Re-pull everything LinkedIn still holds for the chosen ad accounts.

    Only the watermarks and resume points are cleared: the submissions stay, so every lead imported
    before is recognized by its LinkedIn id and neither duplicated nor updated twice. On request, the
    submissions whose lead was deleted in Odoo (their member's data purged with it) are marked
    ``recreate_lead``: the pull that meets them again imports them once, clearing the mark in the same
    savepoint as the lead it creates.
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

    recreate_deleted_leads = fields.Boolean(
        string="Re-create the leads deleted in Odoo",
        help="Fetch again from LinkedIn the submissions whose lead was deleted in Odoo and create their leads, "
        "once. Only the submissions LinkedIn still holds and that this reset reaches can come back.",
    )
    deleted_lead_count = fields.Integer(string="Leads Deleted in Odoo", compute="_compute_deleted_lead_count")
    window_note = fields.Char(compute="_compute_deleted_lead_count")

    @api.model
    def _backfill_days(self):
        return self.env["linkedin.sync.mixin"]._linkedin_param_int(
            "linkedin_leadgen.backfill_days", DEFAULT_BACKFILL_DAYS, minimum=1
        )

    def _deleted_lead_domain(self, accounts):
        """Submissions of ``accounts`` within the reset's window whose lead was deleted in Odoo (not on
        LinkedIn: those are 'deleted' and never come back)."""
        since = fields.Datetime.now() - timedelta(days=self._backfill_days())
        return [
            ("account_id", "in", accounts.ids),
            ("state", "in", ("lead_created", "lead_updated")),
            ("lead_id", "=", False),
            ("submitted_at", ">=", since),
        ]

    @api.depends("account_ids")
    def _compute_deleted_lead_count(self):
        Submission = self.env["linkedin.form.submission"].sudo()
        days = self._backfill_days()
        for wizard in self:
            accounts = wizard.account_ids._origin or wizard.account_ids
            wizard.deleted_lead_count = Submission.search_count(self._deleted_lead_domain(accounts))
            wizard.window_note = self.env._(
                "This reset reaches back %(days)s days (the First sync window of the LinkedIn settings).",
                days=days,
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
        if self.recreate_deleted_leads:
            self.env["linkedin.form.submission"].sudo().search(self._deleted_lead_domain(accounts)).write(
                {"recreate_lead": True}
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
