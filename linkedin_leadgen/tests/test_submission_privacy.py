# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A submission is personal data: visible exactly to whom its lead is; raw payloads to LinkedIn
administrators only; sync logs and account errors carry none of it."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .sync_common import LinkedInSyncCase

IMPORTER_LOGGER = "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"


@tagged("post_install", "-at_install")
class TestLinkedInSubmissionPrivacy(LinkedInSyncCase):
    emulator_kwargs = {"responses": 0, "seed": 3}

    def test_salesperson_restricted_to_own_leads_sees_only_their_submissions(self):
        mine = self._add_lead(answers={"WORK_EMAIL": "mine@example.com"})
        theirs = self._add_lead(answers={"WORK_EMAIL": "theirs@example.com"})
        unassigned = self._add_lead(answers={"WORK_EMAIL": "unassigned@example.com"})
        self._sync_accounts(self.europe)
        self._submission(mine).lead_id.user_id = self.user_salesperson
        self._submission(theirs).lead_id.user_id = self.user_salesperson_2
        self._submission(unassigned).lead_id.user_id = False
        self.env.flush_all()

        Submission = self.env["linkedin.form.submission"].with_user(self.user_salesperson)
        visible = Submission.search([("account_id", "=", self.europe.id)])
        self.assertIn(self._submission(mine), visible)
        self.assertIn(self._submission(unassigned), visible, "like an unassigned lead")
        self.assertNotIn(self._submission(theirs), visible)
        with self.assertRaises(AccessError):
            self._submission(theirs).with_user(self.user_salesperson).read(["email"])
        for model in ("linkedin.form.submission.answer", "linkedin.form.submission.consent"):
            records = self.env[model].with_user(self.user_salesperson).search([])
            self.assertNotIn(self._submission(theirs), records.submission_id, model)
            self.assertIn(self._submission(mine), records.submission_id, model)
        # their own salesperson, and the LinkedIn administrator, see it
        other = self.env["linkedin.form.submission"].with_user(self.user_salesperson_2)
        self.assertIn(self._submission(theirs), other.search([]))
        self.assertIn(self._submission(theirs), Submission.with_user(self.user_manager).search([]))

    def test_raw_payload_readable_by_linkedin_administrators_only(self):
        response = self._add_lead(answers={"WORK_EMAIL": "payload@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        submission.lead_id.user_id = self.user_salesperson
        for fname in ("raw_payload", "raw_payload_text"):
            with self.assertRaises(AccessError, msg=fname):
                submission.with_user(self.user_salesperson).read([fname])
            self.assertTrue(submission.with_user(self.user_manager).read([fname])[0][fname])

    def test_unbound_response_data_kept_for_administrators_not_in_logs(self):
        good = self._add_lead(answers={"WORK_EMAIL": "good@example.com"})
        anonymous = self._add_lead(answers={"WORK_EMAIL": "anonymous@example.com"})
        render = self.emulator.data.render_response

        def render_without_id(lead):
            response = render(lead)
            if lead.id == anonymous["id"]:
                response.pop("id")
            return response

        self.patch(self.emulator.data, "render_response", render_without_id)
        with mute_logger(IMPORTER_LOGGER):
            result = self._sync_accounts(self.europe)

        self.assertEqual(result["failed"], 1)
        self.assertEqual(self._submission(good).state, "lead_created")
        log = self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1)
        for shown in (self.europe.last_sync_error, log.error):
            self.assertIn("no LinkedIn id", shown)
            self.assertNotIn("anonymous@example.com", shown, "no personal data in errors and logs")
        kept = log.with_user(self.user_manager).rejected_responses
        self.assertIn("anonymous@example.com", str(kept), "the response is kept for administrators")
        self.assertIn("anonymous@example.com", log.with_user(self.user_manager).rejected_responses_text)
        with self.assertRaises(AccessError):
            log.with_user(self.user_salesperson).read(["rejected_responses"])

    def _assertPurged(self, submission, linkedin_id):
        submission.invalidate_recordset()
        self.assertEqual(submission.linkedin_id, linkedin_id, "the id stays: LinkedIn's copy is never imported again")
        self.assertFalse(submission.email)
        self.assertFalse(submission.contact_name)
        self.assertFalse(submission.answer_ids)
        self.assertFalse(submission.hidden_fields)
        self.assertFalse(submission.sudo().raw_payload)
        self.assertNotIn("@example.com", submission.name or "")

    def test_lead_deletion_purges_its_submission_keeping_the_id(self):
        response = self._add_lead(answers={"WORK_EMAIL": "forget.me@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        self.assertTrue(submission.answer_ids)
        submission.lead_id.unlink()
        self._assertPurged(submission, response["id"])
        # LinkedIn still holds the response: the next pull does not bring the person back
        self.europe.sync_watermark = False
        self._sync_accounts(self.europe)
        self.assertFalse(self.env["crm.lead"].search([("email_from", "=", "forget.me@example.com")]))
        self.assertEqual(len(self._submission(response)), 1)

    def test_purged_submissions_are_never_imported_again(self):
        """Whatever its state, a submission whose lead was deleted stays purged: neither "Import again" nor
        the pull's retries turn it into an empty lead."""
        states = ("new", "failed", "partial_match", "ignored_test")
        responses = [self._add_lead(answers={"WORK_EMAIL": f"purged.{state}@example.com"}) for state in states]
        self._sync_accounts(self.europe)
        submissions = self.env["linkedin.form.submission"]
        for state, response in zip(states, responses, strict=True):
            submission = self._submission(response)
            submission.write({"state": state})
            submissions |= submission
        submissions.lead_id.unlink()
        for submission, response in zip(submissions, responses, strict=True):
            self._assertPurged(submission, response["id"])
        leads = self.env["crm.lead"].with_context(active_test=False).search_count([])

        as_admin = submissions.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "purged"):
            as_admin.action_import()
        for submission in as_admin:
            with self.assertRaisesRegex(UserError, "purged"):
                submission.action_import()
        # the pull retries failed submissions, a reset gives them fresh attempts: not these
        self.env["linkedin.sync.reset"].with_user(self.user_manager).create(
            {"account_ids": [(6, 0, self.europe.ids)]}
        ).action_reset()
        self._sync_accounts(self.europe)
        self.assertEqual(self.env["crm.lead"].with_context(active_test=False).search_count([]), leads, "no lead")
        for state, submission, response in zip(states, submissions, responses, strict=True):
            self.assertEqual(submission.state, state)
            self.assertFalse(submission.lead_id)
            self._assertPurged(submission, response["id"])

    def test_deleted_notification_purges_personal_data_keeping_the_id(self):
        response = self._add_lead(answers={"WORK_EMAIL": "unregistered@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        self.env["linkedin.form.submission"].sudo()._linkedin_mark_deleted(
            response["id"], account_linkedin_id=self.europe.linkedin_id
        )
        self.assertEqual(submission.state, "deleted")
        self._assertPurged(submission, response["id"])
        self.assertTrue(submission.lead_id, "the lead is kept for review")

    def test_merged_leads_keep_their_submissions(self):
        """Merging leads deletes the merged ones: their submissions follow the lead that stays, unpurged."""
        first = self._add_lead(answers={"WORK_EMAIL": "merge.one@example.com"})
        second = self._add_lead(answers={"WORK_EMAIL": "merge.two@example.com"})
        self._sync_accounts(self.europe)
        leads = self._submission(first).lead_id | self._submission(second).lead_id
        self.assertEqual(len(leads), 2)
        kept = leads.merge_opportunity()
        for response in (first, second):
            submission = self._submission(response)
            self.assertEqual(submission.lead_id, kept)
            self.assertTrue(submission.email and submission.answer_ids, "nothing purged")
