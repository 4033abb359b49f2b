# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .sync_common import LinkedInSyncCase


@tagged("post_install", "-at_install")
class TestLinkedInReset(LinkedInSyncCase):
    def test_reset_repulls_without_duplicates(self):
        existing = self.env["crm.lead"].create({"name": "Known", "email_from": "known.reset@example.com"})
        matched = self._add_lead(answers={"WORK_EMAIL": "known.reset@example.com"})
        self._sync_accounts()
        submissions = self._submissions()
        leads = self.env["crm.lead"].search([])
        self.assertEqual(self._submission(matched).lead_id, existing)
        messages = self.env["mail.message"].search_count([("model", "=", "crm.lead")])

        wizard = Form(
            self.env["linkedin.sync.reset"]
            .with_user(self.user_manager)
            .with_context(active_model="linkedin.ad.account", active_ids=self.accounts.ids)
        )
        self.assertEqual(wizard.account_ids[:], self.accounts.with_user(self.user_manager))
        wizard.save().action_reset()

        self.assertFalse(any(self.accounts.mapped("sync_watermark")), "everything is pulled again")
        self.assertEqual(set(self.accounts.mapped("sync_state")), {"backlog"})
        reset_logs = self.env["linkedin.sync.log"].search([("trigger", "=", "reset")])
        self.assertEqual(reset_logs.account_id, self.accounts)
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the cron is triggered")

        result = self._sync_accounts()
        self.assertEqual((result["created"], result["updated"], result["failed"]), (0, 0, 0))
        self.assertEqual(result["duplicates"], len(self._live_leads()))
        self.assertEqual(self._submissions(), submissions, "nothing duplicated")
        self.assertEqual(self.env["crm.lead"].search([]), leads)
        self.assertEqual(self._submission(matched).lead_id, existing, "leads matched before stay matched")
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "crm.lead")]), messages)
        self.assertTrue(all(self.accounts.mapped("sync_watermark")))

    def test_reset_is_for_administrators(self):
        with self.assertRaises(AccessError):
            self.env["linkedin.sync.reset"].with_user(self.user_salesperson).create({"account_ids": self.accounts.ids})

    def test_reset_gives_failed_submissions_new_attempts(self):
        self._sync_accounts(self.europe)
        submission = self._submissions().filtered(lambda s: not s.test_lead)[:1]
        submission.write({"state": "failed", "retry_count": 5, "lead_id": False, "error": "Boom"})
        self.env["linkedin.sync.reset"].with_user(self.user_manager).create(
            {"account_ids": self.europe.ids}
        ).action_reset()
        self.assertEqual(submission.retry_count, 0)
        self._sync_accounts(self.europe)
        self.assertIn(submission.state, ("lead_created", "lead_updated"))
        self.assertFalse(submission.error)
