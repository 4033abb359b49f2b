# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Robustness suite "Concurrency": the cron, the button and the webhook on the same accounts at once, on
two Odoo servers sharing one database.

Two real ``odoo`` servers (HTTP and two cron threads each) on a copy of the test database: their cron
threads sync (woken again and again as ``_trigger()`` wakes them), *Sync now* is clicked over JSON-RPC
on both servers in a loop, and LinkedIn notifies new leads to the webhook meanwhile. At the end every
LinkedIn lead is stored once with its lead, no lead twice, and neither server's log shows a deadlock,
a serialization failure left unhandled or any other error.

Found by this suite and fixed: with "Create UTM campaigns" on (as here), two runs meeting a LinkedIn
campaign new to Odoo both created its UTM campaign; the second one's batch failed on
``utm_campaign_unique_name`` (an ERROR in the log, its submissions failed and retried later).
"""

import threading

from odoo.tests import tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from .odoo_server import ServerSuiteCase
from .suite_figures import report, size

SYNC_CRON = "linkedin_leadgen.ir_cron_linkedin_sync"
SUBMISSIONS = size(fast=1000, long=10_000)
MIN_ACCOUNTS = 2  # the emulator's member reaches 3 ad accounts with a published form: all are synced
WEBHOOK_SHARE = 5  # one lead in five arrives while the three run, through the webhook


@tagged("post_install", "-at_install")
class TestSuiteConcurrency(ServerSuiteCase):
    DB_SUFFIX = "concurrency"
    SUBMISSIONS = SUBMISSIONS

    def test_cron_button_and_webhook_at_once_on_two_servers(self):
        emulator = LinkedInEmulator(
            client_id=EMULATOR_CLIENT_ID,
            client_secret=EMULATOR_CLIENT_SECRET,
            responses=self.SUBMISSIONS - self.SUBMISSIONS // WEBHOOK_SHARE,
            seed=43,
        ).start()
        self.addCleanup(emulator.stop)
        published = [
            int(f["owner"]["sponsoredAccount"].rsplit(":", 1)[1])
            for f in emulator.data.forms
            if f["state"] == "PUBLISHED"
        ]
        first, second = self._server(), self._server()
        first.set_params(
            {
                **self._linkedin_params(emulator, first),
                "linkedin_leadgen.webhook_enabled": "True",
                "linkedin_leadgen.batch_size": 50,
                "linkedin_leadgen.cron_budget": "1",
                "linkedin_leadgen.sync_budget": "3",  # short clicks, many of them
                "linkedin_leadgen.import_test_leads": "True",
                "linkedin_leadgen.create_utm_campaigns": "True",
            }
        )
        first.connect_profile(emulator, "Concurrency suite")  # wakes the cron threads of both servers
        account_ids = first.call("linkedin.ad.account", "search", [("can_sync", "=", True)])
        synced = {
            int(row[0])
            for row in self._sql("SELECT linkedin_id FROM linkedin_ad_account WHERE id = ANY(%s)", [account_ids])
        }
        accounts = sorted(set(published) & synced)
        self.assertGreaterEqual(len(accounts), MIN_ACCOUNTS)

        stop = threading.Event()
        errors = []

        def clicks(server):
            while not stop.is_set():
                try:
                    server.call("linkedin.ad.account", "action_sync_now", account_ids)
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(f"{server.url}: {exc}")
                    return

        def wake_crons():
            while not stop.wait(0.5):
                self._trigger_cron(SYNC_CRON)

        def notify(start):
            for index in range(start, self.SUBMISSIONS // WEBHOOK_SHARE, 2):
                response = emulator.add_response(account_id=accounts[index % len(accounts)])
                for _url, status in emulator.deliver_webhook(response["id"]):
                    if status != 200:
                        errors.append(f"webhook answered {status}")

        threads = [threading.Thread(target=target, args=args, daemon=True) for target, args in (
            (clicks, (first,)), (clicks, (second,)), (wake_crons, ()), (notify, (0,)), (notify, (1,)),
        )]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads[-2:]:
            thread.join(600)  # every notification delivered while the others run
        stop.set()
        for thread in threads:
            thread.join(600)

        def pull_done():
            rows = self._sql(
                "SELECT count(*) FROM linkedin_ad_account WHERE id = ANY(%s)"
                " AND (sync_cursor IS NOT NULL OR sync_state != 'idle')",
                [account_ids],
            )
            return not rows[0][0]

        # a notification that met a busy account is left to the next sync (the regular pull, at most
        # CRON_MIN_INTERVAL later): played here by a click once the runs are over
        self.assertTrue(self.wait_until(pull_done, 300, wake=True), "the runs finished")
        second.set_params({"linkedin_leadgen.sync_budget": "60"})
        second.call("linkedin.ad.account", "action_sync_now", account_ids)
        self.assertTrue(self.wait_until(pull_done, 300, wake=True), "the sync finished")

        expected = {str(lead.id) for lead in emulator.data.leads.values() if lead.account in synced}
        ids, lost, duplicates = self._submission_outcome(expected)
        log_failures = first.log_failures() + second.log_failures()
        lines = [
            report(
                "concurrency_accounts", len(accounts), "accounts", f">= {MIN_ACCOUNTS}", len(accounts) >= MIN_ACCOUNTS
            ),
            report("concurrency_submissions", len(set(ids) & expected), "submissions", len(expected), not lost),
            report("concurrency_submissions_lost", lost, "submissions", 0, lost == 0),
            report("concurrency_duplicates", duplicates, "submissions or leads", 0, duplicates == 0),
            report("concurrency_log_errors", len(log_failures), "log lines", 0, not log_failures),
        ]
        self.assertFalse(errors, "every click and notification answered")
        self.assertEqual(lost, 0, lines[2])
        self.assertEqual(duplicates, 0, lines[3])
        self.assertFalse(log_failures, "\n".join(log_failures[:20]))
