# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_datetime

from .. import linkedin as li

LOG_RETENTION_DAYS = 90


class LinkedInSyncLog(models.Model):
    _name = "linkedin.sync.log"
    _description = "LinkedIn Synchronization Run"
    _order = "date_start desc, id desc"
    _rec_name = "date_start"
    _rec_names_search = ["account_id"]

    account_id = fields.Many2one("linkedin.ad.account", string="Ad Account", index=True, ondelete="cascade")
    profile_id = fields.Many2one("linkedin.user.profile", string="User Profile", ondelete="set null")
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company, required=True)
    date_start = fields.Datetime(string="Started", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Ended")
    duration = fields.Float(string="Duration (s)", compute="_compute_duration", store=True, aggregator="sum")
    duration_label = fields.Char(string="Duration", compute="_compute_duration_label")
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "On demand"), ("webhook", "Webhook"), ("reset", "Reset")],
        required=True,
        default="manual",
    )
    state = fields.Selection(
        [("done", "Done"), ("partial", "To be continued"), ("busy", "Skipped (already running)"), ("failed", "Failed")],
        required=True,
        default="done",
    )
    fetched_count = fields.Integer(string="Fetched", aggregator="sum")
    created_count = fields.Integer(string="Leads Created", aggregator="sum")
    updated_count = fields.Integer(string="Leads Updated", aggregator="sum")
    failed_count = fields.Integer(string="Failed", aggregator="sum")
    ignored_count = fields.Integer(
        string="Ignored", aggregator="sum", help="Test leads and submissions kept for review."
    )
    duplicate_count = fields.Integer(string="Already Imported", aggregator="sum")
    call_count = fields.Integer(string="LinkedIn Calls", aggregator="sum")
    error = fields.Text()
    worker = fields.Char(
        string="Run By",
        readonly=True,
        help="The Odoo process (host and process id) that ran the synchronization: several cron threads and "
        "servers share the accounts out between them.",
    )
    # responses of the run that could not be kept as submissions (no LinkedIn id, refused by the database):
    # personal data, so LinkedIn administrators only, and never in ``error``
    rejected_responses = fields.Json(groups="linkedin_leadgen.group_linkedin_leadgen_manager", readonly=True)
    rejected_responses_text = fields.Text(
        string="Responses Not Imported",
        compute="_compute_rejected_responses_text",
        groups="linkedin_leadgen.group_linkedin_leadgen_manager",
    )

    @api.depends("duration")
    def _compute_duration_label(self):
        for log in self:
            minutes, seconds = divmod(round(log.duration or 0), 60)
            log.duration_label = (
                self.env._("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=seconds)
                if minutes
                else self.env._("%(seconds)s s", seconds=seconds)
            )

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for log in self:
            log.duration = (log.date_end - log.date_start).total_seconds() if log.date_end and log.date_start else 0.0

    @api.depends("account_id.name", "date_start")
    def _compute_display_name(self):
        for log in self:
            source = log.account_id.name or self.env._("Synchronization")
            # the date and time as the web client shows them in the user's language and time zone
            date = format_datetime(self.env, log.date_start, dt_format=False)
            log.display_name = f"{source} – {date}" if date else source

    @api.depends("rejected_responses")
    def _compute_rejected_responses_text(self):
        for log in self:
            entries = log.rejected_responses or []
            log.rejected_responses_text = "\n\n".join(f"{entry['reason']}:\n{entry['response']}" for entry in entries)

    @api.autovacuum
    def _gc_old_logs(self):
        limit = fields.Datetime.now() - timedelta(days=LOG_RETENTION_DAYS)
        self.sudo().search([("date_start", "<", limit)]).unlink()

    @api.model
    def _log_run(self, run, date_start, error_message=None):
        """Record one account's run (a ``SyncRun``) as a line of the sync history."""
        error = error_message or (run.error and self.env["linkedin.sync.mixin"]._linkedin_error_message(run.error))
        if run.busy:
            state = "busy"
            error = self.env._("Another synchronization of this account was running: this one was skipped.")
        elif run.error:
            state = "failed"
        elif run.backlog:
            state = "partial"
        else:
            state = "done"
        calls = run.client.stats.get("total", 0) - run.calls_before if run.client else 0
        return self.sudo().create(
            {
                "account_id": run.account.id,
                "profile_id": run.profile.id if run.profile else False,
                "company_id": run.account.company_id.id,
                "date_start": date_start,
                "date_end": fields.Datetime.now(),
                "trigger": run.trigger,
                "state": state,
                "fetched_count": run.fetched,
                "created_count": run.created,
                "updated_count": run.updated,
                "failed_count": run.failed,
                "ignored_count": run.ignored,
                "duplicate_count": run.duplicates,
                "call_count": calls,
                "error": li.safe_text(error or "\n".join(run.warnings)) or False,
                "rejected_responses": run.rejected or False,
                "worker": self.env["linkedin.sync.mixin"]._linkedin_worker_name(),
            }
        )
