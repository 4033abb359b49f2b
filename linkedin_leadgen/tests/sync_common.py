# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Helpers of the synchronization tests: a connected salesperson, emulated forms, sync shortcuts."""

from contextlib import contextmanager

from .common import LinkedInCase, LinkedInCommon, LinkedInHttpCase


class LinkedInSyncCommon(LinkedInCommon):
    """A salesperson's connected profile (``self.profile``) and the emulated ad accounts and forms."""

    emulator_kwargs = {"responses": 30, "seed": 11}

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.profile = self._make_profile(self.user_salesperson)
        self.accounts = self.profile.sudo().ad_account_ids.filtered("can_sync")
        self.europe = self._account("Acme Europe")
        self.north_america = self._account("Acme North America")

    # ------------------------------------------------------------------
    # Emulated LinkedIn
    # ------------------------------------------------------------------

    def _account(self, name):
        return self.profile.sudo().ad_account_ids.filtered(lambda account: account.name == name)

    def _emulated_form(self, name):
        return next(form for form in self.emulator.data.forms if form["name"] == name)

    def _add_lead(self, form_name="Demo request", answers=None, **kwargs):
        """Add a lead to the emulator (submitted now); returns LinkedIn's response dict."""
        return self.emulator.add_response(form_id=self._emulated_form(form_name)["id"], answers=answers, **kwargs)

    def _live_leads(self, accounts=None):
        """Ids of the leads LinkedIn holds for ``accounts`` (default: the accounts that can sync)."""
        account_ids = {int(account.linkedin_id) for account in (accounts or self.accounts)}
        data = self.emulator.data
        return {lead.id for lead in data.leads.values() if lead.account in account_ids and not lead.deleted}

    # ------------------------------------------------------------------
    # Odoo side
    # ------------------------------------------------------------------

    def _sync(self, user=None):
        """Sync the profile as its owner would with the "Sync submissions" button."""
        return self.profile.with_user(user or self.user_salesperson).action_sync_submissions()

    def _sync_accounts(self, accounts=None, **kwargs):
        """Sync as the scheduler does (technical user); returns the importer's totals."""
        return self.env["linkedin.lead.importer"]._sync_accounts(accounts or self.accounts, **kwargs)

    def _submission(self, response_or_id):
        linkedin_id = response_or_id["id"] if isinstance(response_or_id, dict) else response_or_id
        return self.env["linkedin.form.submission"].search([("linkedin_id", "=", linkedin_id)])

    def _submissions(self):
        return self.env["linkedin.form.submission"].search([("account_id", "in", self.accounts.ids)])

    def _set_params(self, **params):
        set_param = self.env["ir.config_parameter"].sudo().set_param
        for key, value in params.items():
            set_param(f"linkedin_leadgen.{key}", value)

    @contextmanager
    def _batch_size(self, size):
        self._set_params(batch_size=str(size))
        yield
        self._set_params(batch_size="")

    @contextmanager
    def _cron_budget(self, seconds):
        self._set_params(cron_budget=str(seconds))
        yield

    @contextmanager
    def _no_client_retries(self):
        """The client's own bounded retries sleep between attempts; tests want the error at once."""
        self._set_params(client_max_retries="0")
        yield
        self._set_params(client_max_retries="")


class LinkedInSyncCase(LinkedInSyncCommon, LinkedInCase):
    """TransactionCase for the synchronization."""


class LinkedInSyncHttpCase(LinkedInSyncCommon, LinkedInHttpCase):
    """HttpCase for the webhook."""
