# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Suite "Unreliable LinkedIn": 30 % of LinkedIn's answers fail (429 with and without ``Retry-After``, 5xx,
answers slower than the client's time-out, broken and truncated bodies), drawn by the emulator's seeded random
faults. The scheduled sync, called again and again on a simulated clock as Odoo's scheduler would, brings every
submission of every account in, once, within the retry bounds; a day-limit 429 pauses only the account that
met it, until 00:00 UTC.
"""

import time
from datetime import datetime, timedelta

from odoo.tests import tagged
from odoo.tools import mute_logger

from .sim_clock import SimClock
from .suite_figures import report, size
from .sync_common import LinkedInSyncCase

QUIET = (
    "odoo.addons.linkedin_leadgen.linkedin.client",
    "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer",
    "odoo.addons.linkedin_leadgen.models.linkedin_ad_account_sync",
    "odoo.addons.linkedin_leadgen.models.linkedin_sync_mixin",
)
FAULT_RATE = 0.3
MAX_BACKOFF_SECONDS = 6 * 3600  # the longest back-off of an account (linkedin_sync_mixin.MAX_BACKOFF)
SCHEDULER_PAUSE = 60  # seconds: Odoo's cron threads look again at least every minute
MAX_CRON_CALLS = size(40, 200)
MAX_SIM_MINUTES = size(40, 200)  # simulated minutes until every submission is in


@tagged("post_install", "-at_install")
class TestSuiteUnreliableLinkedIn(LinkedInSyncCase):
    emulator_kwargs = {"responses": size(500, 5000), "seed": 31}

    def setUp(self):
        super().setUp()
        # a "slow" answer (1.5 s) is a time-out; pages of 10 make enough requests to measure the fault rate
        # one retry inside a call: most faults reach the account's back-off, the scheduler's retries
        self._set_params(client_timeout="1", page_size="10", client_max_retries="1")
        self.addCleanup(self.emulator.random_faults, 0)

    def _cron(self, clock):
        with mute_logger(*QUIET):
            return self.env["linkedin.lead.importer"].with_context(linkedin_clock=clock)._cron_sync()

    def _imported(self, accounts=None):
        accounts = accounts or self.accounts
        return self.env["linkedin.form.submission"].search([("account_id", "in", accounts.ids)])

    def _run_until_complete(self, clock, accounts, max_calls, before_call=None):
        """Call the cron, letting a minute of simulated time pass between calls, until every lead of
        ``accounts`` is in and their windows are read to the end; returns the number of calls."""
        expected = self._live_leads(accounts)
        for calls in range(1, max_calls + 1):
            if before_call:
                before_call()
            self._cron(clock)
            accounts.invalidate_recordset()
            done = set(self._imported(accounts).mapped("linkedin_id")) >= expected
            if done and not any(accounts.mapped("sync_cursor")):
                return calls
            clock.advance(SCHEDULER_PAUSE)
        return max_calls + 1

    def test_every_submission_once_through_30_percent_faults(self):
        expected = self._live_leads()
        self.assertGreater(len(self.accounts), 1, "several accounts")
        clock = SimClock(time.time())
        self.emulator.random_faults(FAULT_RATE, seed=7, delay=1.5, retry_after=20)

        calls = self._run_until_complete(clock, self.accounts, MAX_CRON_CALLS)

        stats = self.emulator.fault_stats()
        self.emulator.random_faults(0)
        submissions = self._imported()
        ids = submissions.mapped("linkedin_id")
        leads = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("source_id", "=", self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content").id)])
        )
        lost = len(expected - set(ids))
        duplicates = (len(ids) - len(set(ids))) + (len(leads) - len(submissions.lead_id))
        rate = round(100 * sum(stats["injected"].values()) / max(1, stats["requests"]))
        minutes = round(clock.elapsed_minutes(), 1)
        lines = [
            report("unreliable_fault_rate", rate, "%", round(FAULT_RATE * 100), 20 <= rate <= 40),
            report(
                "unreliable_submissions",
                len(expected),
                "submissions",
                f">= {size(500, 5000) // 2}",
                len(expected) >= size(500, 5000) // 2,
            ),
            report("unreliable_submissions_lost", lost, "submissions", 0, lost == 0),
            report("unreliable_duplicates", duplicates, "submissions", 0, duplicates == 0),
            report("unreliable_cron_calls", calls, "calls", f"<= {MAX_CRON_CALLS}", calls <= MAX_CRON_CALLS),
            report(
                "unreliable_sim_time_to_complete", minutes, "min", f"< {MAX_SIM_MINUTES}", minutes < MAX_SIM_MINUTES
            ),
        ]
        failed = [line for line in lines if line.endswith("MISS")]
        self.assertFalse(failed, "\n".join([*failed, f"faults: {stats}"]))
        self.assertNotIn("failed", submissions.mapped("state"), "no submission failed for LinkedIn's faults")
        # LinkedIn well again: the next call leaves every account idle, without an error
        clock.advance(MAX_BACKOFF_SECONDS)
        self._cron(clock)
        self.accounts.invalidate_recordset()
        self.assertEqual(set(self.accounts.mapped("sync_state")), {"idle"})
        self.assertFalse(any(self.accounts.mapped("last_sync_error")))

    def test_day_limit_pauses_only_that_account_until_midnight(self):
        evening = datetime.combine(SimClock(time.time()).datetime().date(), datetime.min.time()) + timedelta(hours=22)
        clock = SimClock.at(evening)
        midnight = evening + timedelta(hours=2)
        others = self.accounts - self.europe
        self.emulator.inject("*", "day_limit", times=None, account=self.europe.linkedin_id)

        calls = self._run_until_complete(clock, others, 20)

        self.europe.invalidate_recordset()
        other_synced = calls <= 20 and not self._imported(self.europe)
        line = report("day_limit_other_accounts_synced", "yes" if other_synced else "no", "", "yes", other_synced)
        self.assertTrue(other_synced, line)
        self.assertEqual(self.europe.sync_paused_until, midnight, "paused until 00:00 UTC")
        self.assertIn("daily limit", self.europe.last_sync_error)

        # until midnight the account is left alone: no request spends the quota again
        before = len(
            [r for r in self.emulator.requests(bodies=False) if self.europe.linkedin_id in r["path"] + r["query"]]
        )
        clock.advance((midnight - clock.datetime()).total_seconds() - 60)
        self._cron(clock)
        after = len(
            [r for r in self.emulator.requests(bodies=False) if self.europe.linkedin_id in r["path"] + r["query"]]
        )
        self.assertEqual(before, after, "no call for the paused account before midnight")

        # LinkedIn resets its counters at 00:00 UTC: the account catches up
        self.emulator.clear_faults()
        clock.advance(120)
        calls = self._run_until_complete(clock, self.europe, 10)
        self.assertLessEqual(calls, 10)
        self.assertEqual(set(self._imported(self.europe).mapped("linkedin_id")), self._live_leads(self.europe))
