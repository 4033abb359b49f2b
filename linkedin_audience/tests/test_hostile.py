# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Malformed LinkedIn answers and hostile RPC writes never stop or corrupt an audience."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL, config, mute_logger

from odoo.addons.linkedin_audience.models.linkedin_audience_member_plan import MAX_REFUSAL_RETRIES

from .common import AudienceCase

AUDIENCE_LOGGERS = (
    "odoo.addons.linkedin_audience.models.linkedin_audience",
    "odoo.addons.linkedin_audience.models.linkedin_audience_upload",
    "odoo.addons.linkedin_audience.models.linkedin_audience_member",
)


@tagged("post_install", "-at_install")
class TestAudienceHostile(AudienceCase):
    def _start(self, count, time_budget=None, prefix="contact"):
        self.emulator.dmp_not_found_window = 0
        if time_budget is not None:
            self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.time_budget", time_budget)
        contacts = self._make_contacts(count, prefix=prefix)
        return contacts, self._create_audience()

    def _corrupt_status(self, audience, status=12, matched="lots", size=None):
        """From now on LinkedIn describes the audience's segment with these values."""
        with self.emulator.lock:
            segment = self.emulator.data.segments[str(audience.segment_id)]
            segment["status"] = status
            segment["counts"] = {"inputCount": 1, "matchedCount": matched, "audienceSize": size}
            segment["ready_at"] = self.emulator.now() + 10**9

    def test_malformed_status_answer_never_stops_the_status_cron(self):
        _contacts, broken = self._start(3)
        other_list = self.env["mailing.list"].create({"name": "Other"})
        self._make_contacts(2, mailing_list=other_list, prefix="other")
        sound = self._create_audience(mailing_list=other_list)
        self._corrupt_status(broken)
        self.emulator.set_segment_status(sound.segment_id, "READY")
        (broken | sound).sudo().write({"last_status_date": fields.Datetime.now() - timedelta(hours=1)})

        with mute_logger(*AUDIENCE_LOGGERS):
            self.env["linkedin.audience"]._cron_refresh_status()

        self.assertEqual(sound.state, "ready", "the other audiences are refreshed")
        self.assertEqual(broken.matched_count, 0, "a count that is no number is not taken")
        self.assertTrue(broken.last_status_date > fields.Datetime.now() - timedelta(minutes=5))
        self.assertNotEqual(broken.state, "failed")
        # a status of another type, or an object, neither
        for status, matched in (({"x": 1}, [1]), (None, -3), ("READY", 10**30)):
            self._corrupt_status(broken, status=status, matched=matched, size="12")
            broken.sudo().last_status_date = fields.Datetime.now() - timedelta(hours=1)
            with mute_logger(*AUDIENCE_LOGGERS):
                self.env["linkedin.audience"]._cron_refresh_status()
            self.assertTrue(broken.last_status_date > fields.Datetime.now() - timedelta(minutes=5), status)

    def test_malformed_status_after_upload_never_leaves_it_uploading(self):
        _contacts, audience = self._start(4, time_budget=0)
        self.assertEqual(audience.state, "uploading")
        self._corrupt_status(audience, status=["READY"], matched={"n": 1})
        with mute_logger(*AUDIENCE_LOGGERS):
            self._run_cron()
        self.assertFalse(audience.upload_pending)
        self.assertEqual(audience.state, "building")
        self.assertEqual(audience.contact_sent_count, 4)

    def test_engine_fields_not_writable_over_rpc(self):
        _contacts, audience = self._start(2)
        as_marketer = audience.with_user(self.user_marketing)
        for vals in ({"segment_id": "666"}, {"state": "ready"}, {"upload_cursor": 10**6}, {"upload_pending": True}):
            with self.assertRaises(AccessError, msg=str(vals)):
                as_marketer.write(vals)
        with self.assertRaises(AccessError):
            self.env["linkedin.audience"].with_user(self.user_marketing).create(
                {
                    "name": "Forged",
                    "mailing_list_id": self.mailing_list.id,
                    "profile_id": self.profile.id,
                    "ad_account_id": self.account.id,
                    "segment_id": audience.segment_id,
                }
            )
        as_marketer.write({"name": "Renamed", "keep_in_step": False})  # what the form edits
        self.assertEqual(audience.name, "Renamed")

    def test_refused_contacts_retried_by_the_cron_a_bounded_number_of_times(self):
        contacts, audience = self._start(5, time_budget=0)
        member = audience.sudo().member_ids.filtered(lambda m: m.contact_id == contacts[2])
        real_hash = member.email_hash
        self.env.cr.execute(SQL("UPDATE linkedin_audience_member SET email_hash = 'x' WHERE id = %s", member.id))
        with mute_logger(*AUDIENCE_LOGGERS):
            self._run_cron()
        member.invalidate_recordset()
        self.assertEqual(member.state, "failed")
        # LinkedIn refused it once (here: a damaged row, repaired): the next check of the list sends it again
        self.env.cr.execute(
            SQL("UPDATE linkedin_audience_member SET email_hash = %s WHERE id = %s", real_hash, member.id)
        )
        member.invalidate_recordset()
        audience.sudo().last_check_date = fields.Datetime.now() - timedelta(days=1)
        self._run_cron()
        self.assertEqual(member.state, "sent")
        self.assertEqual(audience.contact_failed_count, 0)
        # refused again and again: given up after the bound, until a user clicks Upload
        self.env.cr.execute(
            SQL(
                "UPDATE linkedin_audience_member SET state = 'failed', refusal_count = %s WHERE id = %s",
                MAX_REFUSAL_RETRIES + 1,
                member.id,
            )
        )
        member.invalidate_recordset()
        audience.sudo().last_check_date = fields.Datetime.now() - timedelta(days=1)
        self._run_cron()
        self.assertEqual(member.state, "failed", "not retried past the bound")

    def test_upload_click_fits_the_worker_time_limit(self):
        Audience = self.env["linkedin.audience"]
        with patch.dict(config.options, {"limit_time_real": 30}):
            self.assertLessEqual(Audience._upload_deadline() - Audience._linkedin_clock().monotonic(), 20)
