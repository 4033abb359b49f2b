# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A batch whose matched lead another worker is changing, or changed meanwhile: the rest of the batch
goes on, and nothing LinkedIn sent is read twice.

Odoo's transactions are REPEATABLE READ: a lead committed by another worker (the cron of another
account, another server) after this run began cannot be updated by this run. The whole batch used to
fail and be rolled back with its resume point, and the next run read its pages from LinkedIn again
(found by the benchmark: 13.4 LinkedIn calls per 1,000 submissions, and the batch's work done twice).
"""

from urllib.parse import parse_qs

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from .committed_common import CommittedProfileCase

SHARED_EMAIL = "pat.shared@example.com"


@tagged("post_install", "-at_install")
class TestBatchMatchingALeadChangedMeanwhile(CommittedProfileCase):
    emulator_kwargs = {"responses": 0, "seed": 5}
    extra_params = {"batch_size": "2", "page_size": "2", "cron_budget": "0"}  # one batch of two per call
    profile_name = "Lead changed meanwhile"

    def _prepare(self, env):
        form = next(form for form in self.emulator.data.forms if form["name"] == "Whitepaper download")
        # six leads of one account, the first of which matches an existing lead
        now_ms = self.emulator.now_ms()
        self.responses = [
            self.emulator.add_response(
                form_id=form["id"],
                answers={"EMAIL": SHARED_EMAIL} if index == 0 else None,
                submitted_at_ms=now_ms - index * 60000,  # LinkedIn lists the newest first
            )
            for index in range(6)
        ]
        self.account_id = (
            env["linkedin.ad.account"].browse(self.account_ids).filtered(lambda a: a.name == "Acme Europe").id
        )
        self.lead_id = env["crm.lead"].create({"name": "Pat, met at a fair", "email_from": SHARED_EMAIL}).id

    def _cleanup(self):
        with self.db.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["crm.lead"].browse(self.lead_id).exists().unlink()
            cr.commit()  # pylint: disable=invalid-commit
        return super()._cleanup()

    def _offsets_read(self):
        return [int(parse_qs(entry["query"])["start"][0]) for entry in self.emulator.requests("leadFormResponses")]

    def _cron_call(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        account = env["linkedin.ad.account"].browse(self.account_id)
        importer = env["linkedin.lead.importer"]
        return importer._sync_accounts(account, deadline=importer._linkedin_clock().monotonic(), trigger="cron")

    def _first_call_while_another_worker_updates(self, commit_before):
        """The first cron call; meanwhile another worker updates the matched lead, and commits it before
        (``commit_before``) or after the call."""
        with self.db.cursor() as cron_cr, self.db.cursor() as other_cr:
            cron_cr.execute("SET LOCAL lock_timeout = '10s'")  # waiting for the other worker fails the test
            # the run's snapshot begins, then another worker changes the lead
            api.Environment(cron_cr, SUPERUSER_ID, {})["crm.lead"].browse(self.lead_id).mapped("name")
            other = api.Environment(other_cr, SUPERUSER_ID, {})["crm.lead"].browse(self.lead_id)
            other.write({"description": "<p>Called back by the other worker</p>"})
            other.flush_recordset()
            if commit_before:
                other_cr.commit()  # pylint: disable=invalid-commit
            result = self._cron_call(cron_cr)
            cron_cr.commit()  # pylint: disable=invalid-commit
            other_cr.commit()  # pylint: disable=invalid-commit
        self.assertTrue(result["remaining"], "the cron continues")
        self.assertFalse(result["errors"])
        self.assertEqual(self._offsets_read(), [0])

        # the batch went on; the submission of the busy lead is kept, waiting for it
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            stored = env["linkedin.form.submission"].search([("account_id", "=", self.account_id)])
            self.assertEqual(sorted(stored.mapped("linkedin_id")), sorted(r["id"] for r in self.responses[:2]))
            waiting = stored.filtered(lambda s: s.linkedin_id == self.responses[0]["id"])
            self.assertEqual((waiting.state, waiting.lead_id.id), ("new", False))
            self.assertEqual((stored - waiting).state, "lead_created")

    def _rest_of_the_sync(self):
        """The next calls (new transactions) import the waiting one first, then read on from where
        LinkedIn stopped."""
        for _call in range(6):
            with self.db.cursor() as cr:
                result = self._cron_call(cr)
            if not result["remaining"]:
                break
        offsets = self._offsets_read()
        self.assertEqual(len(offsets), len(set(offsets)), f"no page of LinkedIn read twice: {offsets}")
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            submissions = env["linkedin.form.submission"].search([("account_id", "=", self.account_id)])
            self.assertEqual(len(submissions), 6)
            self.assertEqual(len(submissions.lead_id), 6, "each submission has its lead")
            shared = submissions.filtered(lambda s: s.linkedin_id == self.responses[0]["id"])
            self.assertEqual(shared.state, "lead_updated")
            self.assertEqual(shared.lead_id.id, self.lead_id, "the existing lead was found, not duplicated")
            self.assertIn("Called back by the other worker", shared.lead_id.description, "its change is kept")
            self.assertEqual(env["crm.lead"].search_count([("email_from", "=", SHARED_EMAIL)]), 1)

    def test_lead_changed_and_committed_meanwhile(self):
        self._first_call_while_another_worker_updates(commit_before=True)
        self._rest_of_the_sync()

    def test_lead_being_changed_by_another_worker(self):
        self._first_call_while_another_worker_updates(commit_before=False)
        self._rest_of_the_sync()
