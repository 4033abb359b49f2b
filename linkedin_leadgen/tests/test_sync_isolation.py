# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One bad submission never stalls the others: it is kept as a failed submission, shown, and retried."""

import copy

from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.models.linkedin_form_submission import MAX_RETRIES

from .sync_common import LinkedInSyncCase

IMPORTER_LOGGER = "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"


@tagged("post_install", "-at_install")
class TestLinkedInSyncIsolation(LinkedInSyncCase):
    def setUp(self):
        super().setUp()
        self.corruptions = {}  # LinkedIn response id -> function changing the response LinkedIn sends
        data = self.emulator.data
        render = data.render_response

        def render_corrupted(lead):
            response = render(lead)
            if lead.id in self.corruptions:
                self.corruptions[lead.id](response)
            return response

        self.patch(data, "render_response", render_corrupted)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _corrupt(self, response, change):
        """From now on LinkedIn sends ``response`` changed by ``change(response dict)``."""
        self.corruptions[response["id"]] = change

    def _question_id(self, form_name, key):
        """The id of a question of an emulated form, by predefined field or name."""
        questions = self._emulated_form(form_name)["content"]["questions"]
        return next(
            q["questionId"]
            for q in questions
            if key in (q.get("predefinedField"), q.get("name"), li.localized(q.get("question")))
        )

    def _set_answer(self, question_id, details):
        def change(response):
            answers = [a for a in response["formResponse"]["answers"] if a["questionId"] != question_id]
            response["formResponse"]["answers"] = [*answers, {"questionId": question_id, "answerDetails": details}]

        return change

    def _sync_quietly(self, accounts=None):
        with mute_logger(IMPORTER_LOGGER):
            return self._sync_accounts(accounts or self.europe)

    def assertSubmissionFailed(self, response, reason):
        """The response is kept as a failed submission, with its raw payload and a readable error, that the
        salesperson sees in the failed submissions."""
        submission = self._submission(response)
        self.assertEqual(len(submission), 1, "kept once, never dropped")
        self.assertEqual(submission.state, "failed")
        self.assertIn(reason, submission.error)
        self.assertFalse(submission.lead_id)
        self.assertEqual(submission.raw_payload["id"], response["id"], "its raw payload is kept")
        self.assertEqual(submission.account_id, self.europe)
        visible = (
            self.env["linkedin.form.submission"].with_user(self.user_salesperson).search([("state", "=", "failed")])
        )
        self.assertIn(submission, visible)
        return submission

    def assertNotStuck(self, account):
        """The account's run went through: no error, watermark moved, no resume point left."""
        self.assertEqual(account.sync_state, "idle", account.last_sync_error)
        self.assertTrue(account.sync_watermark)
        self.assertFalse(account.sync_cursor)
        self.assertTrue(account.last_success_date)

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_malformed_submissions_are_kept_failed_and_the_others_imported(self):
        email_question = self._question_id("Demo request", "WORK_EMAIL")
        first = self._add_lead(answers={"WORK_EMAIL": "first@example.com"})
        no_answers = self._add_lead(answers={"WORK_EMAIL": "no.answers@example.com"})
        bad_email = self._add_lead(answers={"WORK_EMAIL": "bad.email@example.com"})
        bad_answers = self._add_lead()
        last = self._add_lead(answers={"WORK_EMAIL": "last@example.com"})
        self._corrupt(no_answers, lambda response: response.pop("formResponse"))
        self._corrupt(
            bad_email,
            self._set_answer(email_question, {"textQuestionAnswer": {"answer": {"address": "bad.email@example.com"}}}),
        )
        self._corrupt(bad_answers, lambda response: response["formResponse"].update(answers={"oops": 1}))

        result = self._sync_quietly()

        self.assertEqual(result["failed"], 3)
        self.assertFalse(result["errors"])
        self.assertSubmissionFailed(no_answers, "without its answers (no formResponse)")
        failed_email = self.assertSubmissionFailed(bad_email, "is not text")
        self.assertIn("Work email", failed_email.error, "the error names the question")
        self.assertSubmissionFailed(bad_answers, "answers sent by LinkedIn are not a list")
        for good in (first, last):
            self.assertEqual(self._submission(good).state, "lead_created")
        live = self._live_leads(self.europe)
        self.assertEqual(set(self._submissions().mapped("linkedin_id")), live, "every LinkedIn lead is bound")
        leads = self._submissions().filtered(lambda s: s.state == "lead_created")
        self.assertEqual(result["created"] + result["updated"] + result["ignored"] + result["failed"], len(live))
        self.assertTrue(leads)
        self.assertNotStuck(self.europe)
        log = self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1)
        self.assertEqual((log.state, log.failed_count), ("done", 3))

        # the next runs only re-read the overlap window: the failed ones are retried from their payload a
        # bounded number of times, never imported twice, and hold nothing back
        watermark = self.europe.sync_watermark
        newer = self._add_lead(answers={"WORK_EMAIL": "newer@example.com"})
        again = self._sync_quietly()
        self.assertEqual((again["created"], again["failed"]), (1, 3))
        self.assertEqual(self._submission(newer).state, "lead_created")
        self.assertEqual(self._submission(no_answers).retry_count, 1)
        self.assertGreaterEqual(self.europe.sync_watermark, watermark)
        self.assertNotStuck(self.europe)
        for _run in range(MAX_RETRIES):
            again = self._sync_quietly()
        self.assertEqual(again["failed"], 0, "after its last attempt, a failed submission waits for a user")
        self.assertEqual(self._submission(no_answers).retry_count, MAX_RETRIES)
        self.assertEqual(set(self._submissions().mapped("linkedin_id")), live | {newer["id"]})

        # once the data is fixed, importing it again by hand reads it again from its payload
        submission = self._submission(no_answers)
        submission.raw_payload = {**submission.raw_payload, "formResponse": no_answers["formResponse"]}
        submission.with_user(self.user_salesperson).action_import()
        self.assertEqual(submission.state, "lead_created")
        self.assertFalse(submission.error)
        self.assertEqual(submission.lead_id.email_from, "no.answers@example.com")
        self.assertEqual(submission.email, "no.answers@example.com")
        self.assertIn("no.answers@example.com", submission.answer_ids.mapped("value"))
        self.assertTrue(submission.consent_ids)

        fixed = self._submission(bad_email)
        payload = copy.deepcopy(fixed.raw_payload)
        for answer in payload["formResponse"]["answers"]:
            if answer["questionId"] == email_question:
                answer["answerDetails"] = {"textQuestionAnswer": {"answer": "bad.email@example.com"}}
        fixed.raw_payload = payload
        fixed.with_user(self.user_salesperson).action_import()
        self.assertEqual(fixed.state, "lead_created")
        self.assertEqual(fixed.lead_id.email_from, "bad.email@example.com")

    def test_unknown_question_and_option_are_imported_readably(self):
        """Answers LinkedIn's form copy does not explain are no reason to hold a lead back."""
        contact_time = self._question_id("Demo request", "Preferred contact time")
        response = self._add_lead(answers={"WORK_EMAIL": "unknown.bits@example.com"})

        def change(response):
            self._set_answer(contact_time, {"multipleChoiceAnswer": {"options": [42]}})(response)
            response["formResponse"]["answers"].append(
                {"questionId": 987654, "answerDetails": {"textQuestionAnswer": {"answer": "Asked elsewhere"}}}
            )

        self._corrupt(response, change)
        result = self._sync_quietly()
        self.assertEqual(result["failed"], 0)
        submission = self._submission(response)
        self.assertEqual(submission.state, "lead_created")
        description = html2plaintext(submission.lead_id.description)
        self.assertIn("*987654*: Asked elsewhere", description)
        self.assertIn("*Preferred contact time*: 42", description)

    def test_response_without_id_is_reported_and_kept_for_administrators(self):
        good = self._add_lead(answers={"WORK_EMAIL": "good@example.com"})
        anonymous = self._add_lead(answers={"WORK_EMAIL": "anonymous@example.com"})
        self._corrupt(anonymous, lambda response: response.pop("id"))

        result = self._sync_quietly()

        self.assertEqual(result["failed"], 1)
        self.assertEqual(self._submission(good).state, "lead_created")
        self.assertNotStuck(self.europe)
        for shown in (
            self.europe.last_sync_error,
            self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1).error,
        ):
            self.assertIn("no LinkedIn id", shown)
            self.assertNotIn("anonymous@example.com", shown, "no personal data in errors and logs")
        log = self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1)
        self.assertIn("anonymous@example.com", str(log.rejected_responses), "its data is kept, for administrators")

    def test_batch_failing_in_the_database_is_imported_one_by_one(self):
        """A value PostgreSQL refuses fails the batch: each response gets its own savepoint.

        (LinkedIn's NUL characters, which PostgreSQL refuses, are removed when read: a check constraint of
        the database plays the refusing part here.)"""
        self.env.cr.execute(
            "ALTER TABLE linkedin_form_submission ADD CONSTRAINT test_refused CHECK (email <> 'refused@example.com')"
        )
        good = [self._add_lead(answers={"WORK_EMAIL": f"good{index}@example.com"}) for index in range(3)]
        bad = self._add_lead(answers={"WORK_EMAIL": "refused@example.com", "COMPANY_NAME": "Refused Company"})
        with self.assertLogs(IMPORTER_LOGGER, "WARNING") as logs:
            result = self._sync_accounts(self.europe)
        self.assertEqual(len(logs.output), 1, "the batch was imported again one by one: one response failed")
        self.assertIn(f"submission {bad['id']} failed", logs.output[0])
        self.assertNotIn("refused@example.com", logs.output[0], "no personal data in the log")

        self.assertEqual(result["failed"], 1)
        for response in good:
            self.assertEqual(self._submission(response).state, "lead_created")
        submission = self.assertSubmissionFailed(bad, "refused")
        self.assertEqual(set(self._submissions().mapped("linkedin_id")), self._live_leads(self.europe))
        self.assertNotStuck(self.europe)

        # once the database takes it, the next run imports it from its stored payload
        self.env.cr.execute("ALTER TABLE linkedin_form_submission DROP CONSTRAINT test_refused")
        self._sync_quietly()
        self.assertEqual(submission.state, "lead_created")
        self.assertEqual(submission.retry_count, 1)
        self.assertEqual(submission.lead_id.partner_name, "Refused Company")

    def test_lead_refused_by_a_constraint_is_isolated(self):
        mapping = self.env["linkedin.field.mapping"].create(
            {
                "source": "question",
                "question_name": "What is your main challenge?",
                "lead_field_id": self.env.ref("crm.field_crm_lead__probability").id,
            }
        )
        before = self._add_lead(answers={"WORK_EMAIL": "before@example.com", "What is your main challenge?": "20"})
        refused = self._add_lead(answers={"WORK_EMAIL": "refused@example.com", "What is your main challenge?": "150"})
        after = self._add_lead(answers={"WORK_EMAIL": "after@example.com", "What is your main challenge?": "30"})

        result = self._sync_quietly()

        self.assertEqual(result["failed"], 1)
        self.assertEqual(self._submission(before).lead_id.probability, 20)
        self.assertEqual(self._submission(after).lead_id.probability, 30)
        submission = self.assertSubmissionFailed(refused, "between 0% and 100%")
        self.assertIn("refused@example.com", submission.answer_ids.mapped("value"), "its answers are kept")
        self.assertNotStuck(self.europe)

        # the mapping is changed: importing it again by hand now creates the lead
        mapping.with_user(self.user_manager).unlink()
        submission.with_user(self.user_salesperson).action_import()
        self.assertEqual(submission.state, "lead_created")
        self.assertEqual(submission.lead_id.email_from, "refused@example.com")
        self.assertIn("150", html2plaintext(submission.lead_id.description))
        self.assertEqual(len(submission.answer_ids), len(set(submission.answer_ids.mapped("question_id"))))

    def test_linkedin_error_in_a_batch_retries_the_account_not_the_submissions(self):
        """A LinkedIn error while binding (here: the form refresh) is not about one submission: the account
        backs off and imports the same batch later; nothing is marked failed."""
        self.env["linkedin.lead.form"].with_context(active_test=False).search([]).unlink()
        response = self._add_lead()
        self.emulator.inject("leadForms", "500", times=20)
        with self._no_client_retries():
            result = self._sync_quietly()
        self.assertTrue(result["errors"])
        self.assertEqual(self.europe.sync_state, "error")
        self.assertTrue(self.europe.sync_paused_until, "retried with back-off")
        self.assertFalse(self._submissions(), "no submission is marked failed for LinkedIn's error")

        self.emulator.clear_faults()
        self._sync_quietly()
        self.assertNotStuck(self.europe)
        self.assertEqual(self._submission(response).state, "lead_created")

    def test_lone_surrogate_in_linkedin_text_never_stops_a_sync(self):
        """ "ab\\ud83d" is valid JSON that PostgreSQL refuses: LinkedIn text is stored with U+FFFD instead."""
        email_question = self._question_id("Demo request", "WORK_EMAIL")
        in_answer = self._add_lead(answers={"WORK_EMAIL": "surrogate@example.com", "COMPANY_NAME": "Acme"})
        in_error = self._add_lead(answers={"WORK_EMAIL": "in.error@example.com"})
        without_id = self._add_lead(answers={"WORK_EMAIL": "without.id@example.com"})
        in_id = self._add_lead(answers={"WORK_EMAIL": "in.id@example.com"})
        good = self._add_lead(answers={"WORK_EMAIL": "after.surrogates@example.com"})
        america = self.emulator.add_response(account_id=int(self.north_america.linkedin_id))
        company_question = self._question_id("Demo request", "COMPANY_NAME")
        self._corrupt(in_answer, self._set_answer(company_question, {"textQuestionAnswer": {"answer": "ab\ud83d"}}))
        self._corrupt(in_error, self._set_answer(email_question, {"textQuestionAnswer": {"answer": {"x": "cd\udc00"}}}))

        def no_id(response):
            response.pop("id")
            response["testLead"] = "\ud83d"

        self._corrupt(without_id, no_id)
        self._corrupt(in_id, lambda response: response.update(id=response["id"] + "\ud83d"))

        self.env["linkedin.lead.importer"]._cron_sync()
        self.env.flush_all()  # what the cron commits: PostgreSQL accepts all of it

        self.assertEqual(self._submission(in_answer).lead_id.partner_name, "ab\ufffd")
        failed = self.assertSubmissionFailed(in_error, "is not text")
        self.assertIn("cd\ufffd", failed.error)
        self.assertEqual(self._submission(in_id["id"] + "\ufffd").state, "lead_created")
        self.assertEqual(self._submission(good).state, "lead_created")
        self.assertNotStuck(self.europe)
        self.assertEqual(self._submission(america).state, "lead_created", "the next account is synced too")
        self.assertNotStuck(self.north_america)

    def test_odd_timestamps_are_kept_failed_never_stall_the_account(self):
        """Digits that ``int()`` refuses ("²"), or a date past year 9999, are "not a timestamp", not a crash."""
        odd_values = ("²", "١٢٣٤", 10**20, "100000000000000000000", -5, 1.5e300, "12 34")
        odd = [self._add_lead() for _value in odd_values]
        good = self._add_lead(answers={"WORK_EMAIL": "after.odd.dates@example.com"})
        for response, value in zip(odd, odd_values, strict=True):
            self._corrupt(response, lambda response, value=value: response.update(submittedAt=value))

        result = self._sync_quietly()

        self.assertFalse(result["errors"])
        for response in odd:
            self.assertSubmissionFailed(response, "is not a timestamp")
        self.assertEqual(self._submission(good).state, "lead_created")
        self.assertNotStuck(self.europe)
        # retried by the next runs: still failed, still not stuck
        self._sync_quietly()
        self.assertNotStuck(self.europe)
