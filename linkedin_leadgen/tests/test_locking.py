# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Two transactions on the same ad account, as the cron, the button and the webhook run them.

The rows must be committed for another connection to see them, so this test works outside any test
transaction, on connections of its own, and removes what it created.
"""

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import BaseCase, tagged

from .committed_common import CommittedProfileCase, committed_db


@tagged("post_install", "-at_install")
class TestLinkedInAccountLock(BaseCase):
    def setUp(self):
        super().setUp()
        self.db = committed_db()
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.account_id = env["linkedin.ad.account"].create({"name": "Lock test", "linkedin_id": "990001"}).id
            # a cursor of our own: the other connection must see the row
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.db.cursor() as cr:
            cr.execute("DELETE FROM linkedin_ad_account WHERE id = %s", (self.account_id,))
            cr.commit()  # pylint: disable=invalid-commit

    def _lock(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["linkedin.ad.account"].browse(self.account_id)._linkedin_try_lock()

    def test_second_run_skips_a_locked_account(self):
        with self.db.cursor() as cron_cr, self.db.cursor() as button_cr:
            self.assertTrue(self._lock(cron_cr))
            self.assertFalse(self._lock(button_cr), "never waits for the other run")
            cron_cr.rollback()
            self.assertTrue(self._lock(button_cr), "free again once the other run ended")
            button_cr.rollback()

    def test_account_changed_since_the_transaction_began_is_busy(self):
        """A cron call that already imported other accounts must not fail as a whole on this one."""
        with self.db.cursor() as cron_cr, self.db.cursor() as button_cr:
            cron_cr.execute("SELECT 1")  # the cron's transaction (and its snapshot) began: other accounts
            self.assertTrue(self._lock(button_cr))
            button_cr.execute("UPDATE linkedin_ad_account SET last_sync_date = now() WHERE id = %s", (self.account_id,))
            button_cr.commit()  # the button's run ended while the cron worked on other accounts

            self.assertFalse(self._lock(cron_cr), "skipped as busy, not a serialization failure")
            cron_cr.execute("SELECT 1")  # the cron's transaction is still usable
            cron_cr.rollback()


@tagged("post_install", "-at_install")
class TestSyncClickWhileCronRuns(CommittedProfileCase):
    """Sync clicked on a profile while the cron (another transaction) syncs its accounts."""

    profile_name = "Click while the cron runs"

    def test_click_while_the_cron_refreshed_forms_is_no_error(self):
        """The cron stored the forms and committed after the click began: the click leaves that account be."""
        with self.db.cursor() as cron_cr, self.db.cursor() as click_cr:
            click_env = api.Environment(click_cr, SUPERUSER_ID, {})
            click_env["linkedin.ad.account"].browse(self.account_ids).mapped("name")  # the click's snapshot began
            cron_env = api.Environment(cron_cr, SUPERUSER_ID, {})
            cron_accounts = cron_env["linkedin.ad.account"].browse(self.account_ids).filtered("can_sync")
            self.assertTrue(cron_accounts)
            self.assertTrue(all(account._linkedin_try_lock() for account in cron_accounts))
            client = cron_env["linkedin.user.profile"].browse(self.profile_id)._get_client()
            self.assertTrue(cron_accounts._refresh_forms(client))
            cron_accounts.write({"last_sync_date": fields.Datetime.now()})  # as a run ends
            cron_cr.commit()  # pylint: disable=invalid-commit

            # before: "A LinkedIn lead form is stored once per account" (the unique constraint)
            result = click_env["linkedin.user.profile"].browse(self.profile_id).action_sync_submissions()
            self.assertEqual(result["params"]["title"], "LinkedIn sync")
            click_cr.commit()  # pylint: disable=invalid-commit


@tagged("post_install", "-at_install")
class TestLinkedInUtmCampaignRace(BaseCase):
    """Two runs meeting the same LinkedIn campaign, new to Odoo, at once (found by the concurrency suite)."""

    NAME = "LinkedIn race campaign"

    def setUp(self):
        super().setUp()
        self.db = committed_db()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.db.cursor() as cr:
            cr.execute("DELETE FROM utm_campaign WHERE name = %s", (self.NAME,))
            cr.commit()  # pylint: disable=invalid-commit

    def _campaigns(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})  # "Create UTM campaigns" is on by default
        run = type("Run", (), {"caches": type("Caches", (), {"utm_campaigns": {}})()})()
        return env["linkedin.lead.mapper"]._get_utm_campaigns(run, {self.NAME})[self.NAME]

    def test_campaign_created_by_a_run_in_progress(self):
        with self.db.cursor() as cron_cr, self.db.cursor() as button_cr:
            self.assertTrue(self._campaigns(button_cr), "the first run creates it")
            cron_cr.execute("SET LOCAL lock_timeout = '5s'")  # a wait for the first run fails, never hangs
            self.assertFalse(self._campaigns(cron_cr), "the other run does not wait, nor fail: left out")
            button_cr.commit()  # pylint: disable=invalid-commit
            cron_cr.rollback()
            self.assertTrue(self._campaigns(cron_cr), "found by the runs after")
            cron_cr.rollback()

    def test_campaign_committed_since_the_transaction_began(self):
        with self.db.cursor() as cron_cr, self.db.cursor() as button_cr:
            cron_cr.execute("SELECT 1")  # the cron's transaction (and its snapshot) began
            self.assertTrue(self._campaigns(button_cr))
            button_cr.commit()  # pylint: disable=invalid-commit
            self.assertFalse(self._campaigns(cron_cr), "left out, no unique violation")
            cron_cr.execute("SELECT 1")  # the cron's transaction is still usable
            cron_cr.rollback()
