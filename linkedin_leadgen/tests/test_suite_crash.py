# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Robustness suite "Crashes": the Odoo server killed with ``kill -9`` at points spread over a sync.

A real ``odoo`` server (HTTP and cron threads) on a copy of the test database syncs M submissions from
the LinkedIn emulator, through the three ways a sync runs: the *Sync now* button (JSON-RPC
``action_sync_now``), the scheduled action (its cron threads, woken as Odoo's ``_trigger()`` wakes them)
and the webhook (LinkedIn's signed notifications, posted from a thread). The server is killed when
LinkedIn has served a number of ``leadFormResponses`` calls since the last restart (pages of the pull,
leads fetched for a notification), a random instant later, then started again. At the end every
LinkedIn lead is stored exactly once (``linkedin.form.submission`` by LinkedIn id) with its lead, and no
lead was created twice.
"""

import random
import threading

from odoo.tests import tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from .odoo_server import ServerSuiteCase
from .suite_figures import report, size

SYNC_CRON = "linkedin_leadgen.ir_cron_linkedin_sync"
PAGE = 100  # leads per page of the pull
BATCH = 50  # leads per stored batch (system parameter linkedin_leadgen.batch_size)
POINTS, SUBMISSIONS = size(fast=(3, 500), long=(20, 5000))
WEBHOOK_SHARE = 5  # one lead in five arrives while the webhook runs, the others through the pull
CHANNELS = ("button", "cron", "webhook")


class KillSwitchEmulator(LinkedInEmulator):
    """The emulator, telling the test when it has served ``calls`` more ``leadFormResponses`` requests."""

    def __init__(self, **kwargs):
        self.countdown = None
        self.reached = threading.Event()
        super().__init__(**kwargs)

    def arm(self, calls):
        with self.lock:
            self.reached.clear()
            self.countdown = calls

    def record(self, req, reply, endpoint):
        result = super().record(req, reply, endpoint)
        if endpoint == "leadFormResponses" and self.countdown is not None:
            self.countdown -= 1
            if self.countdown <= 0:
                self.countdown = None
                self.reached.set()
        return result


@tagged("post_install", "-at_install")
class TestSuiteSyncCrash(ServerSuiteCase):
    """Kill -9 the server at POINTS points of a SUBMISSIONS-lead sync, by button, cron and webhook."""

    DB_SUFFIX = "crash"

    def setUp(self):
        super().setUp()
        self.rng = random.Random(7)
        self.emulator = KillSwitchEmulator(
            client_id=EMULATOR_CLIENT_ID,
            client_secret=EMULATOR_CLIENT_SECRET,
            responses=SUBMISSIONS - SUBMISSIONS // WEBHOOK_SHARE,
            seed=41,
        ).start()
        self.addCleanup(self.emulator.stop)
        self._set_cron_active(False)
        self.server = self._server()
        self.server.set_params(
            {
                **self._linkedin_params(self.emulator, self.server),
                "linkedin_leadgen.webhook_enabled": "True",
                "linkedin_leadgen.batch_size": BATCH,
                "linkedin_leadgen.cron_budget": "0",  # one batch per cron call, each committed
                "linkedin_leadgen.import_test_leads": "True",  # every submission gets its lead
            }
        )
        self.server.connect_profile(self.emulator, "Crash suite")
        self.account_ids = self.server.call("linkedin.ad.account", "search", [("can_sync", "=", True)])
        self.assertTrue(self.account_ids)
        self.kills = 0

    def _set_cron_active(self, active):
        self._sql(
            "UPDATE ir_cron SET active = %s WHERE id = (SELECT res_id FROM ir_model_data"
            " WHERE module = 'linkedin_leadgen' AND name = 'ir_cron_linkedin_sync')",
            [active],
        )

    def _synced_linkedin_accounts(self):
        rows = self._sql("SELECT linkedin_id FROM linkedin_ad_account WHERE id = ANY(%s)", [self.account_ids])
        return {int(row[0]) for row in rows}

    def _expected(self):
        accounts = self._synced_linkedin_accounts()
        return {str(lead.id) for lead in self.emulator.data.leads.values() if lead.account in accounts}

    def _kill_after(self, calls, work):
        """Run ``work()`` in a thread, kill the server a random instant after LinkedIn served ``calls`` more
        ``leadFormResponses`` requests, start it again. True when the kill came before the work ended."""
        self.emulator.arm(calls)
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        deadline = 240
        while not self.emulator.reached.wait(0.2) and thread.is_alive() and deadline > 0:
            deadline -= 0.2
        reached = self.emulator.reached.is_set()
        killed = reached and thread.is_alive()
        if reached:
            self.emulator.reached.wait(self.rng.uniform(0, 0.3))  # fetching, storing or committing
        self.server.kill()
        thread.join(240)
        self.server.start()
        self.kills += bool(killed)
        return killed

    def _sync_now(self):
        try:
            self.outcome = self.server.call("linkedin.ad.account", "action_sync_now", self.account_ids)
        except Exception as exc:  # noqa: BLE001 - the server is killed under the click: no answer is expected
            self.outcome = exc

    def _cron_until_killed(self):
        self._trigger_cron(SYNC_CRON)
        process = self.server.process
        self.wait_until(lambda: process.poll() is not None, 240, wake=True)  # the cron threads work until the kill

    def _pull_done(self):
        rows = self._sql(
            "SELECT count(*) FROM linkedin_ad_account WHERE id = ANY(%s)"
            " AND (sync_cursor IS NOT NULL OR sync_state != 'idle' OR last_sync_date IS NULL)",
            [self.account_ids],
        )
        return not rows[0][0]

    def _deliver_webhooks(self, response_ids):
        for response_id in response_ids:
            self.emulator.deliver_webhook(response_id)  # None while the server is down: LinkedIn gives up

    def test_killed_sync_imports_every_lead_once(self):
        points = [CHANNELS[index * len(CHANNELS) // POINTS] for index in range(POINTS)]
        pull_points = points.count("button") + points.count("cron")
        pages = (SUBMISSIONS - SUBMISSIONS // WEBHOOK_SHARE) // PAGE
        step = max(1, pages // (pull_points + 1))

        # the button: each click killed after `step` pages (its transaction is lost with it)
        for _index in range(points.count("button")):
            killed = self._kill_after(step, self._sync_now)
            self.assertTrue(killed, f"the click was killed in the middle: {self.outcome}")

        # the cron: killed every `step` pages; after each restart its cron threads go on by themselves
        self._set_cron_active(True)
        for _index in range(points.count("cron")):
            self.assertTrue(self._kill_after(step, self._cron_until_killed), "the cron was killed in the middle")
        self._trigger_cron(SYNC_CRON)
        self.assertTrue(
            self.wait_until(self._pull_done, 300, wake=True), "the cron finished the pull after the restarts"
        )
        self._set_cron_active(False)

        # the webhook: new leads notified one by one, killed every `webhook_step` fetched leads
        published = {f["owner"]["sponsoredAccount"] for f in self.emulator.data.forms if f["state"] == "PUBLISHED"}
        accounts = [a for a in sorted(self._synced_linkedin_accounts()) if f"urn:li:sponsoredAccount:{a}" in published]
        new_ids = [
            self.emulator.add_response(account_id=accounts[index % len(accounts)])["id"]
            for index in range(SUBMISSIONS // WEBHOOK_SHARE)
        ]
        webhook_points = points.count("webhook")
        webhook_step = max(1, len(new_ids) // (webhook_points + 1))
        for index in range(webhook_points):
            chunk = new_ids[index * webhook_step : (index + 2) * webhook_step]
            killed = self._kill_after(webhook_step, lambda chunk=chunk: self._deliver_webhooks(chunk))
            self.assertTrue(killed, "the webhook was killed in the middle")
        self._deliver_webhooks(new_ids[(webhook_points + 1) * webhook_step :])
        # what LinkedIn could not deliver while the server was down comes with the next sync (the click,
        # then the cron for what the click leaves)
        self._set_cron_active(True)
        self.server.call("linkedin.ad.account", "action_sync_now", self.account_ids)
        self.assertTrue(self.wait_until(self._pull_done, 300, wake=True), "the sync finished")

        expected = self._expected()
        ids, lost, duplicates = self._submission_outcome(expected)
        lines = [
            report("sync_kill_points", self.kills, "points", POINTS, self.kills >= POINTS),
            report("sync_submissions", len(set(ids) & expected), "submissions", len(expected), not lost),
            report("sync_submissions_lost", lost, "submissions", 0, lost == 0),
            report("sync_duplicates", duplicates, "submissions or leads", 0, duplicates == 0),
        ]
        self.assertEqual(self.kills, POINTS, lines[0])
        self.assertEqual(len(expected), SUBMISSIONS)
        self.assertFalse(set(ids) - expected, "nothing LinkedIn did not send")
        self.assertEqual(lost, 0, lines[2])
        self.assertEqual(duplicates, 0, lines[3])
        failures = [line for line in self.server.log_failures() if "Traceback" in line or "deadlock" in line]
        self.assertFalse(failures, "no error in the server's log")
