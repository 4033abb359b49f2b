# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""LinkedIn's limits during an upload: the daily limit and throttling (429, with or without Retry-After).

The audience is never failed: the next attempt is recorded, the upload cron is woken for it, nothing
sent is lost, and the upload completes on the next run.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AudienceCase

CLIENT_LOGGER = "odoo.addons.linkedin_leadgen.linkedin.client"
USERS = "dmpSegments/users"


@tagged("post_install", "-at_install")
class TestAudienceThrottle(AudienceCase):
    def setUp(self):
        super().setUp()
        self.emulator.dmp_not_found_window = 0
        self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.batch_size", 20)
        self.cron = self.env.ref("linkedin_audience.ir_cron_linkedin_audience_sync")

    def _start(self, count, time_budget):
        self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.time_budget", time_budget)
        contacts = self._make_contacts(count)
        return contacts, self._create_audience()

    def _cron_once(self):
        """One call of the upload cron (one batch at most)."""
        self.env["linkedin.audience"]._cron_sync()

    def _cron_triggers(self):
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", self.cron.id)]).mapped("call_at")

    def _member_states(self, audience):
        return Counter(audience.sudo().member_ids.mapped("state"))

    def assertWaiting(self, audience, retry_at, sent, total):
        """Still uploading (not failed), the next attempt at ``retry_at`` with the cron woken for it."""
        audience.invalidate_recordset()
        self.assertEqual(audience.state, "uploading")
        self.assertTrue(audience.upload_pending)
        self.assertAlmostEqual(audience.upload_retry_at, retry_at, delta=timedelta(seconds=5))
        self.assertIn(audience.upload_retry_at, self._cron_triggers(), "the cron wakes up for the next attempt")
        self.assertEqual(self._member_states(audience), Counter({"sent": sent, "to_add": total - sent}))
        self.assertEqual(audience.contact_sent_count, sent)
        # the cron does not call LinkedIn before the time has come
        calls = self.emulator.calls(USERS)
        self._run_cron()
        self.assertEqual(self.emulator.calls(USERS), calls)
        self.assertTrue(audience.upload_pending)

    def assertCompletes(self, audience, contacts):
        """At the next attempt time the cron finishes the upload: every contact on LinkedIn, sent once."""
        with freeze_time(audience.upload_retry_at + timedelta(seconds=1)):
            self._run_cron()
        audience.invalidate_recordset()
        self.assertFalse(audience.upload_pending)
        self.assertIn(audience.state, ("building", "updating"), "uploaded; LinkedIn is matching the members")
        self.assertFalse(audience.last_error)
        self.assertFalse(audience.upload_retry_at)
        self.assertEqual(audience.contact_sent_count, len(contacts))
        self.assertEqual(self._member_states(audience), Counter({"sent": len(contacts)}))
        self.assertSegmentUsers(audience, self._hashes(contacts))
        sent = Counter(e["userIds"][0]["idValue"] for e in self._sent_elements(audience.segment_id, "ADD"))
        self.assertEqual(set(sent.values()), {1}, "a refused batch is not on LinkedIn: each contact sent once")

    def test_daily_limit_waits_for_midnight_utc(self):
        contacts, audience = self._start(60, time_budget=0)
        self._cron_once()
        self.emulator.inject(USERS, "day_limit")
        self._cron_once()
        today = datetime.now(UTC).date()
        midnight = datetime.combine(today + timedelta(days=1), datetime.min.time())
        self.assertIn("daily limit", audience.last_error)
        self.assertEqual(
            [r["status"] for r in self._user_requests(audience.segment_id)],
            [200, 429],
            "the daily limit is not retried before midnight",
        )
        self.assertWaiting(audience, midnight, sent=20, total=60)
        self.assertCompletes(audience, contacts)

    def test_throttled_upload_resumes_a_minute_later(self):
        """A 429 that outlasts the client's own retries: the click leaves the rest to the cron."""
        self.emulator.inject(USERS, "429", times=5)  # the first attempt and the client's 4 retries
        with mute_logger(CLIENT_LOGGER):
            contacts, audience = self._start(60, time_budget=60)
        self.assertIn("slow down", audience.last_error)
        self.assertIn("1 min", audience.last_error)
        self.assertEqual([r["status"] for r in self._user_requests(audience.segment_id)], [429] * 5)
        self.assertWaiting(audience, fields.Datetime.now() + timedelta(seconds=60), sent=0, total=60)
        self.assertCompletes(audience, contacts)

    def test_throttle_within_the_time_budget_waits_and_goes_on(self):
        self.emulator.inject(USERS, "429", times=5)
        with mute_logger(CLIENT_LOGGER):
            contacts, audience = self._start(60, time_budget=600)
        self.assertIn(60, self.slept, "waited a minute within the click")
        self._run_cron()
        self.assertFalse(audience.upload_pending)
        self.assertFalse(audience.last_error)
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_short_retry_after_is_honoured_by_the_client(self):
        self.emulator.inject(USERS, "429_retry_after", retry_after=7)
        with mute_logger(CLIENT_LOGGER):
            contacts, audience = self._start(60, time_budget=60)
        self.assertIn(7, self.slept)
        self._run_cron()
        self.assertFalse(audience.upload_pending)
        self.assertEqual(audience.contact_sent_count, 60)
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_long_retry_after_is_scheduled(self):
        """A Retry-After longer than a worker should block: the cron takes over at that time."""
        contacts, audience = self._start(60, time_budget=0)
        self._cron_once()
        self._cron_once()
        self.emulator.inject(USERS, "429_retry_after", retry_after=600)
        self._cron_once()
        self.assertIn("10 min", audience.last_error)
        self.assertWaiting(audience, fields.Datetime.now() + timedelta(seconds=600), sent=40, total=60)
        self.assertCompletes(audience, contacts)
