# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A sync killed with ``kill -9`` in the middle of a batch, then run again: nothing lost, nothing duplicated.

This is done for real: Odoo runs in child processes (``odoo shell``) on the test database, committing
slices exactly as the cron does; the test kills one of them while a batch is stored but not yet
committed. The database must therefore see committed data, so this test works outside any test
transaction and removes what it created.
"""

from odoo.tests import tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from .odoo_child import CLEANUP_MODE, SYNC_SCRIPT_HEAD, OdooChildCase

CHILD_SCRIPT = (
    SYNC_SCRIPT_HEAD
    + r"""
    env.cr.commit()
    accounts = profile.ad_account_ids.filtered("can_sync")
    last_campaign = env["utm.campaign"].search([], order="id desc", limit=1).id or 0
    out("SETUP", json.dumps(
        {"profile": profile.id, "accounts": accounts.mapped("linkedin_id"), "campaign": last_campaign}
    ))

elif mode == "sync":
    Model = type(Submission)
    original = Model._linkedin_store_items

    def store_items(submissions, run, items):
        original(submissions, run, items)
        submissions.env.flush_all()
        out("STORED", len(items))  # written to the database, not committed yet

    Model._linkedin_store_items = store_items  # marks the moment to kill: the batch written, not committed
    importer = env["linkedin.lead.importer"]
    while True:
        result = importer._cron_sync()  # one slice, then the cron commits and calls again
        env.cr.commit()
        out("COMMITTED", result["fetched"])
        if not result["backlog"]:
            break
    out("DONE")

elif mode == "check":
    accounts = env["linkedin.user.profile"].browse(args["profile"]).ad_account_ids
    submissions = Submission.search([("account_id", "in", accounts.ids)])
    leads = env["crm.lead"].with_context(active_test=False).search([("source_id", "=", source.id)])
    out("CHECK", json.dumps({
        "ids": submissions.mapped("linkedin_id"),
        "states": {state: submissions.mapped("state").count(state) for state in set(submissions.mapped("state"))},
        "leads": len(leads),
        "leads_of_submissions": len(submissions.lead_id),
        "created": len(submissions.filtered(lambda s: s.state == "lead_created")),
        "cursors": [a.sync_cursor or "" for a in accounts],
    }))

"""
)
CHILD_SCRIPT += CLEANUP_MODE


@tagged("post_install", "-at_install")
class TestLinkedInCrash(OdooChildCase):
    """Kill -9 an Odoo process in the middle of a sync, run again, compare with LinkedIn."""

    CHILD_SCRIPT = CHILD_SCRIPT

    def test_killed_sync_loses_and_duplicates_nothing(self):
        self.dbname = self._test_dbname()
        emulator = LinkedInEmulator(
            client_id=EMULATOR_CLIENT_ID, client_secret=EMULATOR_CLIENT_SECRET, responses=1200, seed=29
        ).start()
        self.addCleanup(emulator.stop)
        self.args = {
            "params": {
                **self._emulator_params(emulator),
                "linkedin_leadgen.cron_budget": "0",
                "linkedin_leadgen.batch_size": "100",
            },
            "tokens": emulator.issue_tokens(),
        }
        setup = self._line(self._odoo("setup"), "SETUP")
        self.args.update(profile=setup["profile"], campaign=setup["campaign"])
        self.addCleanup(self._odoo, "cleanup")
        account_ids = {int(account_id) for account_id in setup["accounts"]}
        expected = {lead.id for lead in emulator.data.leads.values() if lead.account in account_ids}

        # first run: killed while a batch is written but not committed
        process = self._odoo("sync", wait=False)
        commits = 0
        killed = False
        for line in process.stdout:
            if line.startswith("COMMITTED"):
                commits += 1
            elif line.startswith("STORED") and commits >= 3:
                process.kill()  # SIGKILL: no rollback, no cleanup, no goodbye
                killed = True
                break
        process.wait(timeout=60)
        process.stdout.close()
        process.stderr.close()
        self.assertTrue(killed, "the sync was killed in the middle")

        after_crash = self._line(self._odoo("check"), "CHECK")
        self.assertTrue(0 < len(after_crash["ids"]) < len(expected), "the crash left a partial import")
        self.assertEqual(len(after_crash["ids"]), len(set(after_crash["ids"])))
        self.assertEqual(after_crash["leads"], after_crash["leads_of_submissions"], "no lead without its submission")
        self.assertTrue(any(after_crash["cursors"]), "the resume point was committed with the batches")

        # second run: resumes and finishes
        self.assertIn("DONE", self._odoo("sync"))
        final = self._line(self._odoo("check"), "CHECK")
        self.assertEqual(sorted(final["ids"]), sorted(expected), "nothing lost, nothing duplicated")
        self.assertEqual(final["leads"], final["created"], "one lead per created submission, none duplicated")
        self.assertEqual(final["leads"], final["leads_of_submissions"])
        self.assertFalse(final["states"].get("failed"))
        self.assertFalse(any(final["cursors"]))
