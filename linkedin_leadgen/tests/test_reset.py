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

    def test_reset_says_what_linkedin_keeps_and_what_becomes_of_deleted_leads(self):
        self._set_params(backfill_days="90")
        wizard = Form(self.env["linkedin.sync.reset"].with_user(self.user_manager))
        arch = self.env["linkedin.sync.reset"].with_user(self.user_manager).get_views([(False, "form")])
        arch = arch["views"]["form"]["arch"]
        self.assertIn("365 days", arch, "how far back LinkedIn keeps leads")
        self.assertIn("recreate_deleted_leads", arch)
        self.assertIn("90", wizard.window_note, "how far back this reset reaches")
        self.assertFalse(wizard.recreate_deleted_leads, "off unless asked")

    def test_reset_recreates_leads_deleted_in_odoo_once(self):
        kept = self._add_lead(answers={"WORK_EMAIL": "kept.reset@example.com"})
        gone = self._add_lead(answers={"WORK_EMAIL": "gone.reset@example.com", "FIRST_NAME": "Gina"})
        self._sync_accounts(self.europe)
        self._submission(gone).lead_id.unlink()
        submission = self._submission(gone)
        self.assertFalse(submission.lead_id)
        self.assertFalse(submission.email, "the member's data left with the lead")
        leads = self.env["crm.lead"].search_count([])

        # a reset without the option leaves the deleted lead deleted
        Reset = self.env["linkedin.sync.reset"].with_user(self.user_manager)
        Reset.create({"account_ids": self.europe.ids}).action_reset()
        self._sync_accounts(self.europe)
        self.assertFalse(submission.lead_id)
        self.assertEqual(self.env["crm.lead"].search_count([]), leads)

        # with it, the lead comes back from LinkedIn, once
        wizard = Form(Reset.with_context(active_model="linkedin.ad.account", active_ids=self.europe.ids))
        self.assertEqual(wizard.deleted_lead_count, 1)
        wizard.recreate_deleted_leads = True
        wizard.save().action_reset()
        result = self._sync_accounts(self.europe)
        self.assertEqual(result["created"], 1)
        lead = submission.lead_id
        self.assertTrue(lead)
        self.assertEqual(lead.email_from, "gone.reset@example.com")
        self.assertEqual(submission.email, "gone.reset@example.com", "the submission is filled again")
        self.assertTrue(submission.answer_ids)
        self.assertEqual(submission.state, "lead_created")
        self.assertEqual(self._submission(kept).lead_id.email_from, "kept.reset@example.com")
        self.assertEqual(self.env["crm.lead"].search_count([]), leads + 1)
        # pulled again (another reset, the scheduler, the webhook): nothing created twice
        Reset.create({"account_ids": self.europe.ids, "recreate_deleted_leads": True}).action_reset()
        again = self._sync_accounts(self.europe)
        self.assertEqual((again["created"], again["updated"]), (0, 0), "recognized, not imported again")
        self.assertFalse(submission.recreate_lead)
        self.assertEqual(self.env["crm.lead"].search_count([]), leads + 1)
        self.assertEqual(self.env["linkedin.form.submission"].search_count([("linkedin_id", "=", gone["id"])]), 1)

    def test_leads_deleted_on_linkedin_are_not_recreated(self):
        response = self._add_lead(answers={"WORK_EMAIL": "left.linkedin@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        submission.lead_id.unlink()
        submission._linkedin_mark_deleted(response["id"])
        wizard = (
            self.env["linkedin.sync.reset"]
            .with_user(self.user_manager)
            .create({"account_ids": self.europe.ids, "recreate_deleted_leads": True})
        )
        self.assertEqual(wizard.deleted_lead_count, 0)
        wizard.action_reset()
        self._sync_accounts(self.europe)
        self.assertFalse(submission.lead_id)
        self.assertEqual(submission.state, "deleted")
