# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tests of two transactions at once, as the cron, the button and the webhook run them.

The rows must be committed for another connection to see them, so these tests work outside any test
transaction, on connections of their own, and remove what they created.
"""

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import BaseCase
from odoo.tools import config

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET


def committed_db():
    """A connection pool of the test database, for cursors of a test's own (their commits are real)."""
    dbname = config["db_name"]
    return sql_db.db_connect(dbname[0] if isinstance(dbname, list) else dbname)


class CommittedProfileCase(BaseCase):
    """A connected profile committed to the database (``self.profile_id``, ``self.account_ids``), Odoo
    pointed at an emulator (``self.emulator``); ``extra_params`` are more ``linkedin_leadgen.*`` settings."""

    emulator_kwargs = {}
    extra_params = {}
    profile_name = "Committed profile"

    def setUp(self):
        super().setUp()
        self.emulator = LinkedInEmulator(
            client_id=EMULATOR_CLIENT_ID, client_secret=EMULATOR_CLIENT_SECRET, **self.emulator_kwargs
        )
        self.emulator.start()
        self.addCleanup(self.emulator.stop)
        self.db = committed_db()
        values = {
            "client_id": EMULATOR_CLIENT_ID,
            "client_secret": EMULATOR_CLIENT_SECRET,
            "api_url": self.emulator.api_url,
            "oauth_url": self.emulator.oauth_url,
            "api_version": li.DEFAULT_VERSION,
            **self.extra_params,
        }
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            params = env["ir.config_parameter"]
            self.saved_params = {key: params.get_param(f"linkedin_leadgen.{key}") for key in values}
            for key, value in values.items():
                params.set_param(f"linkedin_leadgen.{key}", value)
            self.last_campaign_id = max(env["utm.campaign"].search([]).ids, default=0)
            profile = env["linkedin.user.profile"].create({"name": self.profile_name})
            profile._connect_with_tokens(li.Tokens.from_response(self.emulator.issue_tokens()))
            self.profile_id = profile.id
            self.account_ids = profile.ad_account_ids.ids
            self._prepare(env)
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _prepare(self, env):
        """More committed data of the test."""

    def _cleanup(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            submissions = env["linkedin.form.submission"].search([("account_id", "in", self.account_ids)])
            submissions.lead_id.unlink()
            submissions.unlink()
            env["utm.campaign"].search([("id", ">", self.last_campaign_id)]).unlink()  # made by a sync
            env["linkedin.lead.form"].with_context(active_test=False).search(
                [("account_id", "in", self.account_ids)]
            ).unlink()
            env["linkedin.sync.log"].search([("account_id", "in", self.account_ids)]).unlink()
            env["linkedin.user.profile"].browse(self.profile_id).unlink()
            env["linkedin.ad.account"].browse(self.account_ids).exists().unlink()
            params = env["ir.config_parameter"]
            for key, value in self.saved_params.items():
                params.set_param(f"linkedin_leadgen.{key}", value or False)
            cr.commit()  # pylint: disable=invalid-commit
