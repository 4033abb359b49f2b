# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import fields, models
from odoo.exceptions import AccessError

from .. import linkedin as li

_logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/linkedin_leadgen/webhook"
from .linkedin_sync_mixin import SYNC_CRON

RECONNECT_ERRORS = (li.ReauthorizationRequired, li.AuthRevokedError, li.AuthExpiredError)


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
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_form_submission_action")
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_sync_logs(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_sync_log_action")
        action["domain"] = [("account_id", "=", self.id)]
        return action

    def action_sync_now(self):
        """Sync these accounts now (within the time budget); the rest continues through the scheduler.

        LinkedIn Lead Gen administrators only, on accounts of their companies: the sync runs as superuser
        and spends the app's daily quota.
        """
        if not self.env.user.has_group("linkedin_leadgen.group_linkedin_leadgen_manager"):
            raise AccessError(self.env._("Only LinkedIn Lead Gen administrators can start a synchronization."))
        self.check_access("write")
        return self.env["linkedin.lead.importer"]._action_sync_accounts(self)

    # ------------------------------------------------------------------
    # Outcome of a run (the caller holds the account's lock)
    # ------------------------------------------------------------------

    def _add_lead_counts(self, run):
        """Add the run's leads to the account's totals."""
        self.ensure_one()
        self.write(
            {
                "lead_created_count": self.lead_created_count + run.created,
                "lead_updated_count": self.lead_updated_count + run.updated,
            }
        )

    def _record_sync_outcome(self, run, date_start):
        """Record how the run went: state, error and back-off on the account, a log line for the user."""
        self.ensure_one()
        error, now = run.error, self._linkedin_now()
        self._add_lead_counts(run)
        vals = {"last_sync_date": now}
        if error:
            # a run that imported something before it failed starts the back-off over: waits of an hour
            # after many such runs would hold back an account LinkedIn serves, only unreliably
            failures = 1 if run.fetched else self.sync_failure_count + 1
            retry_in = self._linkedin_retry_delay(error, failures)
            vals.update(
                sync_state="backlog" if isinstance(error, li.ThrottledError) else "error",
                last_sync_error=self._linkedin_error_message(error, retry_in),
                sync_failure_count=failures,
            )
            run.error_message = vals["last_sync_error"]
            if retry_in:
                vals["sync_paused_until"] = now + retry_in
                self._linkedin_trigger_cron(SYNC_CRON, at=vals["sync_paused_until"])
            if run.profile and isinstance(error, RECONNECT_ERRORS):
                run.profile._mark_reconnect(vals["last_sync_error"])
            _logger.warning("LinkedIn sync of ad account %s failed: %s", self.linkedin_id, vals["last_sync_error"])
        else:
            vals.update(
                sync_state="backlog" if run.backlog else "idle",
                last_sync_error=li.safe_text("\n".join(run.warnings)) or False,
                sync_failure_count=0,
                sync_paused_until=False,
            )
            if not run.backlog:
                vals["last_success_date"] = now
        self.write(vals)
        quiet = run.trigger == "cron" and not (error or run.fetched or run.created or run.updated or run.failed)
        if not quiet:
            self.env["linkedin.sync.log"]._log_run(run, date_start, error and vals["last_sync_error"])

    # ------------------------------------------------------------------
    # Webhook subscription
    # ------------------------------------------------------------------

    def _ensure_webhook_subscription(self, client, warnings):
        """Subscribe the account to LinkedIn's lead notifications when the webhook is on (and only then).

        A refusal that retrying cannot fix is added to ``warnings``; a passing error is raised.
        """
        self.ensure_one()
        enabled = self._linkedin_param_bool("linkedin_leadgen.webhook_enabled")
        if enabled == bool(self.webhook_subscription_id):
            return
        try:
            with self.env.cr.savepoint():
                if enabled:
                    url = self.get_base_url().rstrip("/") + WEBHOOK_PATH
                    # one LinkedIn made for a run whose transaction was then rolled back is taken again
                    existing = next(
                        (
                            item
                            for item in client.iter_lead_notifications(self.linkedin_id)
                            if isinstance(item, dict) and item.get("webhook") == url and item.get("id")
                        ),
                        None,
                    )
                    self.webhook_subscription_id = (
                        str(existing["id"]) if existing else client.create_lead_notification(self.linkedin_id, url)
                    )
                else:
                    self._unsubscribe_webhook(client)
        except li.LinkedInError as exc:
            if exc.retryable:
                raise
            _logger.warning("LinkedIn webhook subscription of ad account %s: %s", self.linkedin_id, exc)
            warnings.append(
                self.env._(
                    "The real-time webhook could not be set up: %(error)s", error=self._linkedin_error_message(exc)
                )
            )

    def _unsubscribe_webhook(self, client):
        """Remove the accounts' webhook subscriptions on LinkedIn (one already gone counts as removed)."""
        for account in self.filtered("webhook_subscription_id"):
            try:
                client.delete_lead_notification(account.webhook_subscription_id)
            except li.NotFoundError:
                _logger.info("LinkedIn webhook subscription of %s was already gone", account.linkedin_id)
            account.webhook_subscription_id = False
