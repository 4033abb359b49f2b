# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The malformed-data corpus (``malformed_corpus.py``) through the pull and through the webhook: each response
imported or kept as a failed submission with a readable reason, none stops a run, none stalls an account,
none dropped, and the sound submissions around them arrive."""

import hashlib
import hmac
import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import EMULATOR_CLIENT_SECRET
from .malformed_corpus import CASES, Case
from .sync_common import LinkedInSyncCase, LinkedInSyncHttpCase

LOGGERS = (
    "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer",
    "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer_webhook",
    "odoo.addons.linkedin_leadgen.controllers.main",
    "odoo.addons.linkedin_leadgen.models.crm_lead",
    "odoo.sql_db",
)
IMPORTED = ("lead_created", "lead_updated", "ignored_test", "partial_match")


class CorpusMixin:
    emulator_kwargs = {"responses": 0, "seed": 21}

    def _serve_corpus(self):
        """Add a sound lead, then a lead served malformed, for each case; returns ``(sound, [(case, response)])``."""
        self.assertGreaterEqual(len(CASES), 60)
        self.assertEqual(len({case.name for case in CASES}), len(CASES), "cases are named uniquely")
        sound, served = [], []
        for index, case in enumerate(CASES):
            sound.append(self._add_lead(answers={"WORK_EMAIL": f"sound{index}@example.com"}))
            answers = {
                "FIRST_NAME": "Ann",
                "WORK_EMAIL": f"{case.name}@example.com",
                "Preferred contact time": "Morning",
            }
            response = self._add_lead(answers=answers)
            self.emulator.serve_instead(response["id"], case.change)
            served.append((case, response))
        # a response carrying the id of another response of the same page
        twin = sound[0]["id"]
        duplicate = Case("duplicate_id_in_page", lambda element: {**element, "id": twin}, "duplicate")
        response = self._add_lead(answers={"WORK_EMAIL": "duplicate@example.com"})
        self.emulator.serve_instead(response["id"], duplicate.change)
        served.append((duplicate, response))
        return sound, served

    def _pull_until_done(self):
        """Pull the account as the cron does, in slices of one batch, until nothing is left."""
        importer = self.env["linkedin.lead.importer"]
        self._set_params(batch_size="50", cron_budget="0")
        with mute_logger(*LOGGERS):
            for _call in range(20):
                result = importer._sync_accounts(self.europe, deadline=1, trigger="cron")
                self.assertFalse(result["errors"], "no run stopped")
                if not result["backlog"]:
                    break
        self.env.flush_all()  # what the cron commits: the database takes all of it

    def assertCorpusOutcome(self, sound, served):
        Submission = self.env["linkedin.form.submission"]
        for response in sound:
            self.assertIn(self._submission(response).state, IMPORTED, "the sound submissions arrive")
        unbound = []
        for case, response in served:
            with self.subTest(case=case.name):
                linkedin_id = case.stored_id(response["id"]) if case.stored_id else response["id"]
                submission = Submission.search([("linkedin_id", "=", linkedin_id)])
                if case.outcome == "lead":
                    self.assertEqual(len(submission), 1, "kept once")
                    self.assertIn(submission.state, IMPORTED, submission.error)
                elif case.outcome == "failed":
                    self.assertEqual(len(submission), 1, "kept once, never dropped")
                    self.assertEqual(submission.state, "failed")
                    self.assertIn(case.reason, submission.error)
                    self.assertNotIn("Unexpected error", submission.error, "a sentence, not a crash")
                    self.assertTrue(submission.sudo().raw_payload, "its data is kept")
                elif case.outcome == "retried":  # failed, or already imported again by a later slice
                    self.assertEqual(len(submission), 1, "kept once")
                    if submission.state == "failed":
                        self.assertIn(case.reason, submission.error)
                    else:
                        self.assertIn(submission.state, IMPORTED, submission.error)
                elif case.outcome == "unbound":
                    self.assertFalse(submission)
                    unbound.append(case)
                else:  # duplicate: stored once under the id it carries
                    self.assertFalse(submission)
                    self.assertEqual(len(Submission.search([("linkedin_id", "=", sound[0]["id"])])), 1)
        logs = self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)])
        rejected = [entry for log in logs for entry in (log.rejected_responses or [])]
        self.assertGreaterEqual(len(rejected), len(unbound), "each response without a storable id is reported")
        kept = " ".join(entry["response"] for entry in rejected)
        for case in unbound:
            if not case.name.startswith("element_"):  # the others are no object: they carry no e-mail
                self.assertIn(f"{case.name}@example.com", kept, f"{case.name}: its data is kept for administrators")
        for entry in rejected:
            self.assertTrue(entry["reason"])
        self.assertEqual(self.europe.sync_state, "idle", self.europe.last_sync_error)
        self.assertFalse(self.europe.sync_cursor, "no resume point left: the account is not stalled")


@tagged("post_install", "-at_install")
class TestMalformedCorpusPull(CorpusMixin, LinkedInSyncCase):
    def test_malformed_corpus_through_the_pull(self):
        sound, served = self._serve_corpus()
        self._pull_until_done()
        self.assertCorpusOutcome(sound, served)
        # the next runs retry the failed ones: nothing stalls, nothing is duplicated
        self._pull_until_done()
        self.assertCorpusOutcome(sound, served)

    def test_nul_characters_removed_on_first_import(self):
        """PostgreSQL refuses NUL in text and jsonb: LinkedIn's texts arrive without it, at the first run."""
        response = self._add_lead(
            answers={"FIRST_NAME": "A\x00nn", "WORK_EMAIL": "nul\x00@example.com", "COMPANY_NAME": "Nul\x00Company"}
        )
        with mute_logger(*LOGGERS):
            result = self._sync_accounts(self.europe)
        self.assertFalse(result["errors"])
        submission = self._submission(response)
        self.assertEqual(submission.state, "lead_created", submission.error)
        self.assertEqual(submission.retry_count, 0, "imported at once, not after a failure")
        self.assertEqual(submission.email, "nul@example.com")
        self.assertIn("NulCompany", submission.answer_ids.mapped("value"))
        self.assertEqual(submission.lead_id.partner_name, "NulCompany")
        self.assertEqual(submission.lead_id.email_from, "nul@example.com")
        self.assertNotIn("\x00", json.dumps(submission.sudo().raw_payload))

    def test_truncated_json_page_is_retried_and_nothing_lost(self):
        responses = [self._add_lead(answers={"WORK_EMAIL": f"page{index}@example.com"}) for index in range(5)]
        self.emulator.inject("leadFormResponses", "malformed", times=1)
        with self._no_client_retries(), mute_logger(*LOGGERS):
            self._sync_accounts(self.europe)
        self.assertEqual(self.europe.sync_state, "error")
        self.assertIn("malformed JSON", self.europe.last_sync_error)
        self._sync_accounts(self.europe)  # the next run (or a click) catches up
        self.assertEqual(self.europe.sync_state, "idle")
        for response in responses:
            self.assertEqual(self._submission(response).state, "lead_created")


@tagged("post_install", "-at_install")
class TestMalformedCorpusWebhook(CorpusMixin, LinkedInSyncHttpCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self._set_params(webhook_enabled="True")
        self._sync_accounts(self.europe)  # subscribes the account

    def test_malformed_corpus_through_the_webhook(self):
        sound, served = self._serve_corpus()
        self.env.flush_all()
        with mute_logger(*LOGGERS, "werkzeug"):
            for response in [*sound, *(response for _case, response in served)]:
                [(_url, status)] = self.emulator.deliver_webhook(response["id"])
                self.assertEqual(status, 200, response["id"])
        self.env.invalidate_all()
        for case, response in served:
            if case.outcome in ("lead", "failed", "retried") and case.name != "owner_missing":
                with self.subTest(case=case.name):
                    linkedin_id = case.stored_id(response["id"]) if case.stored_id else response["id"]
                    self.assertTrue(self._submission(linkedin_id), "imported by its notification")
        # the pull is the safety net for what the webhook could not take (a response of no owner, no id)
        self._pull_until_done()
        self.assertCorpusOutcome(sound, served)

    def test_malformed_notifications_are_answered_and_ignored(self):
        bodies = [{}, [], [None, 1, "x"], {"type": 5}, {"leadGenFormResponse": ["x"]}, {"leadAction": {"x": 1}},
                  {"leadGenFormResponse": "urn:li:leadGenFormResponse:\ud83d", "owner": "x"},
                  {"leadGenFormResponse": "urn:li:leadGenFormResponse:a", "owner": {"sponsoredAccount": 5},
                   "leadAction": "DELETED"}]  # fmt: skip
        with mute_logger(*LOGGERS, "werkzeug"):
            for body in bodies:
                raw = json.dumps(body).encode()
                signature = hmac.new(EMULATOR_CLIENT_SECRET.encode(), b"hmacsha256=" + raw, hashlib.sha256).hexdigest()
                answer = self.url_open(
                    "/linkedin_leadgen/webhook",
                    data=raw,
                    headers={"Content-Type": "application/json", "X-LI-Signature": signature},
                )
                self.assertEqual(answer.status_code, 200, body)
            answer = self.url_open("/linkedin_leadgen/webhook", data=b'{"type": "LEAD_', headers={
                "Content-Type": "application/json",
                "X-LI-Signature": hmac.new(EMULATOR_CLIENT_SECRET.encode(), b'hmacsha256={"type": "LEAD_',
                                           hashlib.sha256).hexdigest()})  # fmt: skip
            self.assertEqual(answer.status_code, 400, "truncated JSON")
