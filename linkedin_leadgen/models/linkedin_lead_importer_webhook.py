# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The importer's webhook entry point: one ``LEAD_ACTION`` notification (API notes, section 6.4).

A notification is untrusted input even when its signature is right: it only names a lead, which is fetched
from LinkedIn and imported when LinkedIn says it belongs to the ad account the notification names.
"""

import logging

from odoo import api, fields, models

from .. import linkedin as li
from .linkedin_ad_account_sync import RECONNECT_ERRORS
from .linkedin_sync_mixin import SYNC_CRON
from .linkedin_sync_run import SyncRun

_logger = logging.getLogger(__name__)


class LinkedInLeadImporterWebhook(models.AbstractModel):
    _inherit = "linkedin.lead.importer"

    @api.model
    def _import_webhook(self, payload):
        """Handle one ``LEAD_ACTION`` notification (a dict as sent, untrusted); returns a short outcome string.

        The lead is fetched from LinkedIn and stored only when LinkedIn says it belongs to the ad account
        the notification names; a deletion marks only submissions of that account.
        """
        self = self.sudo()  # noqa: PLW0642
        if not isinstance(payload, dict) or payload.get("type", "LEAD_ACTION") != "LEAD_ACTION":
            return "ignored"
        urn = payload.get("leadGenFormResponse")
        response_id = li.parse_urn_id(urn) if isinstance(urn, str) else ""
        account_id = li.owner_account_id(payload.get("owner"))
        action = payload.get("leadAction") or "CREATED"
        if not response_id or not account_id or not isinstance(action, str):
            return "ignored"
        action = action.upper()
        Submission = self.env["linkedin.form.submission"]
        if action == "DELETED":
            return self._webhook_deleted(response_id, account_id)
        if action != "CREATED":
            return "ignored"
        if Submission.search_count([("linkedin_id", "=", response_id)], limit=1):
            return "duplicate"
        accounts = self.env["linkedin.ad.account"].search(
            [("linkedin_id", "=", account_id), ("can_sync", "=", True)], order="id"
        )
        if not accounts:
            _logger.info("LinkedIn webhook: no synced ad account %s for lead %s", account_id, response_id)
            return "unknown account"
        for account in accounts:
            run = SyncRun(account=account, trigger="webhook")
            date_start = fields.Datetime.now()
            if not account._linkedin_try_lock():
                run.busy = True
                self._linkedin_trigger_cron(SYNC_CRON)
                self.env["linkedin.sync.log"]._log_run(run, date_start)
                return "queued"
            try:
                with self.env.cr.savepoint():
                    self._connect_run(run)
                    response = run.client.get_lead_form_response(response_id)
                    owner = response.get("owner") if isinstance(response, dict) else None
                    if li.owner_account_id(owner) != account_id:
                        _logger.warning(
                            "LinkedIn webhook: lead %s does not belong to ad account %s: not imported",
                            response_id,
                            account_id,
                        )
                        return "refused"
                    self._store_responses(run, [response])
            except Exception as exc:  # noqa: BLE001 - recorded in the sync log, retried by the pull
                run.error = exc
                self._linkedin_trigger_cron(SYNC_CRON)
                self._keep_reconnect_state(run, exc)
            else:
                account._add_lead_counts(run)
                if run.backlog:  # its lead was busy with another worker: the account's next run imports it
                    account.sync_state = "backlog"
                    self._linkedin_trigger_cron(SYNC_CRON)
            self.env["linkedin.sync.log"]._log_run(run, date_start)
            if run.created or run.updated or run.ignored or run.failed:
                return "imported"
        return "failed" if run.error else "done"

    def _keep_reconnect_state(self, run, error):
        """A grant found expired or revoked inside the rolled-back savepoint: mark its profile again."""
        profile_id = getattr(error, "profile_id", None)
        if not profile_id and run.profile and isinstance(error, RECONNECT_ERRORS):
            profile_id = run.profile.id
        if profile_id:
            reason = getattr(error, "reason", None) or self._linkedin_error_message(error)
            self.env["linkedin.user.profile"].browse(profile_id)._mark_reconnect(reason)

    @api.model
    def _webhook_deleted(self, response_id, account_id):
        """A ``DELETED`` notification: the submission's personal data is purged, so LinkedIn is asked first;
        only a lead LinkedIn no longer serves is marked deleted."""
        Submission = self.env["linkedin.form.submission"]
        submissions = Submission.search(
            [("linkedin_id", "=", response_id), ("account_id.linkedin_id", "=", account_id)], limit=1
        )
        if not submissions:
            return "unknown lead"
        run = SyncRun(account=submissions.account_id, trigger="webhook")
        try:
            self._connect_run(run)
            run.client.get_lead_form_response(response_id)
        except li.NotFoundError:
            return Submission._linkedin_mark_deleted(response_id, account_linkedin_id=account_id)
        except Exception as exc:  # noqa: BLE001 - not confirmed: nothing is purged
            _logger.warning("LinkedIn webhook: deletion of lead %s not confirmed (%s)", response_id, type(exc).__name__)
            return "failed"
        _logger.warning("LinkedIn webhook: lead %s reported deleted but LinkedIn still serves it", response_id)
        return "refused"
