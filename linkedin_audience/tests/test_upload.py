# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.linkedin_leadgen.linkedin import hash_email

from .common import AudienceCase

CLIENT_LOGGER = "odoo.addons.linkedin_leadgen.linkedin.client"


@tagged("post_install", "-at_install")
class TestAudienceUpload(AudienceCase):
    def _set_batch_size(self, size):
        self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.batch_size", size)

    def _start(self, count, time_budget=None, **kwargs):
        """Create an audience of ``count`` contacts; with ``time_budget=0`` nothing is sent by the click."""
        self.emulator.dmp_not_found_window = 0
        if time_budget is not None:
            self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.time_budget", time_budget)
        contacts = self._make_contacts(count, **kwargs)
        return contacts, self._create_audience()

    def test_batches_respect_the_batch_size(self):
        self._set_batch_size(40)
        contacts, audience = self._start(130)
        self.assertEqual(audience.batch_count, 1, "a click sends one batch: a killed worker would send it again")
        self._run_cron()
        sizes = [len(r["body"]["elements"]) for r in self._user_requests(audience.segment_id, status=200)]
        self.assertEqual(sizes, [40, 40, 40, 10])
        self.assertEqual(audience.batch_count, 4)
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_cron_wakes_itself_while_batches_remain(self):
        # Odoo's runner calls a job 10 times in a row, then its threads look again only after up to 60 s
        # unless a trigger wakes them: the upload goes on at once, and stops triggering when done
        cron = self.env.ref("linkedin_audience.ir_cron_linkedin_audience_sync")
        triggers = self.env["ir.cron.trigger"].sudo()
        self._set_batch_size(40)
        contacts, audience = self._start(80, time_budget=0)
        triggers.search([("cron_id", "=", cron.id)]).unlink()
        self.assertEqual(self.env["linkedin.audience"]._cron_sync(), 1, "batch 1 sent, batch 2 left")
        woken = triggers.search([("cron_id", "=", cron.id)])
        self.assertEqual(len(woken), 1)
        self.assertLessEqual(woken.call_at, fields.Datetime.now())
        woken.unlink()
        self.env["linkedin.audience"]._cron_sync()  # batch 2: the last
        self.assertEqual(audience.batch_count, 2)
        self.assertFalse(audience.upload_pending)
        self.assertFalse(triggers.search([("cron_id", "=", cron.id)]), "nothing left: no trigger")
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_batch_over_linkedin_cap_fails_clearly_then_resumes(self):
        self.emulator.dmp_batch_cap = 25
        self._set_batch_size(40)
        contacts, audience = self._start(60)
        self.assertEqual(audience.state, "failed")
        self.assertIn("exceeds the maximum", audience.last_error)
        self.assertTrue(audience.upload_pending)
        self._set_batch_size(25)
        audience.action_upload()
        self._run_cron()
        self.assertFalse(audience.upload_pending)
        self.assertEqual(audience.contact_sent_count, 60)
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_refused_elements_are_recorded(self):
        contacts, audience = self._start(10, time_budget=0)
        self.assertEqual(audience.upload_total, 10)
        member = audience.sudo().member_ids.filtered(lambda m: m.contact_id == contacts[3])
        self.env.cr.execute(
            SQL("UPDATE linkedin_audience_member SET email_hash = 'not-a-hash' WHERE id = %s", member.id)
        )
        member.invalidate_recordset()
        self._run_cron()
        self.assertEqual(member.state, "failed")
        self.assertIn("HTTP 400", member.error)
        self.assertIn("Malformed", member.error)
        self.assertEqual(audience.contact_sent_count, 9)
        self.assertEqual(audience.contact_failed_count, 1)
        self.assertFalse(audience.upload_pending)
        self.assertEqual(
            set(audience.sudo().member_ids.mapped("state")), {"sent", "failed"}, "every row got LinkedIn's answer"
        )

    def test_resume_after_interrupted_upload(self):
        """A crash (the process killed after LinkedIn accepted a batch) resends that batch only."""
        self._set_batch_size(20)
        contacts, audience = self._start(100, time_budget=0)
        self.env["linkedin.audience"]._cron_sync()  # batch 1
        self.env["linkedin.audience"]._cron_sync()  # batch 2
        with self.assertRaises(KeyboardInterrupt), self.env.cr.savepoint():
            self.env["linkedin.audience"]._cron_sync()  # batch 3 reaches LinkedIn...
            # ...and the worker is killed before the cron commits: what a kill -9 looks like to the
            # transaction, nothing of batch 3 is recorded
            raise KeyboardInterrupt("killed")
        self.env.invalidate_all()
        self.assertEqual(audience.batch_count, 2)
        # then LinkedIn fails for a while: retried later, nothing marked
        self.emulator.inject("dmpSegments/users", "500", times=5)
        with mute_logger(CLIENT_LOGGER):
            self.env["linkedin.audience"]._cron_sync()
        self.assertTrue(audience.upload_retry_at)
        self.assertIn("could not be reached", audience.last_error)
        self.assertEqual(audience.state, "uploading")
        audience.sudo().upload_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(
            audience.sudo().member_ids.mapped("state").count("sent"), 40, "only batches 1 and 2 are recorded"
        )
        self._run_cron()
        self.assertFalse(audience.upload_pending)
        sent = Counter(e["userIds"][0]["idValue"] for e in self._sent_elements(audience.segment_id, "ADD"))
        self.assertEqual(set(sent), self._hashes(contacts))
        resent = [value for value, count in sent.items() if count > 1]
        self.assertEqual(len(resent), 20, "exactly the batch in flight was sent twice")
        self.assertEqual(max(sent.values()), 2)
        self.assertEqual(audience.contact_sent_count, 100)
        self.assertFalse(audience.last_error)

    def test_changes_are_sent_incrementally(self):
        contacts, audience = self._start(8)
        self.assertSegmentUsers(audience, self._hashes(contacts))
        first_requests = len(self._user_requests(audience.segment_id, status=200))
        kept = contacts[4:]
        # a new contact, an opt-out, a blacklisted one, one removed from the list, one changing address
        new = self._make_contacts(1, prefix="new")
        self._opt_out(contacts[0])
        self.env["mail.blacklist"].create({"email": contacts[1].email})
        contacts[2].list_ids = [(3, self.mailing_list.id)]
        old_email = contacts[3].email
        contacts[3].email = "moved@example.org"
        action = audience.action_upload()
        # the click says what it sent
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("2 contacts to add and 4 to remove", action["params"]["message"])
        self.assertIn("6 of 6 changes sent", action["params"]["message"])
        self.assertSegmentUsers(audience, self._hashes(kept | new) | {hash_email("moved@example.org")})
        elements = []
        for request in self._user_requests(audience.segment_id, status=200)[first_requests:]:
            elements += request["body"]["elements"]
        by_action = {
            action: {e["userIds"][0]["idValue"] for e in elements if e["action"] == action}
            for action in ("ADD", "REMOVE")
        }
        self.assertEqual(by_action["ADD"], self._hashes(new) | {hash_email("moved@example.org")})
        self.assertEqual(by_action["REMOVE"], self._hashes(contacts[:3]) | {hash_email(old_email)})
        self.assertEqual(audience.contact_sent_count, 6)
        # nothing changed: nothing sent
        requests = len(self._user_requests(audience.segment_id))
        action = audience.action_upload()
        self.assertIn("Nothing to send", action["params"]["message"])
        self.assertEqual(len(self._user_requests(audience.segment_id)), requests)
        # the opted-out contact subscribes again
        self._opt_out(contacts[0], False)
        audience.action_upload()
        self.assertIn(hash_email(contacts[0].email), self.emulator.segment_users(audience.segment_id))
        self.assertEqual(audience.contact_sent_count, 7)

    def test_kept_in_step_by_the_cron(self):
        contacts, audience = self._start(5)
        other_list = self.env["mailing.list"].create({"name": "Not kept in step"})
        self._make_contacts(3, mailing_list=other_list, prefix="other")
        other = self._create_audience(mailing_list=other_list)
        other.keep_in_step = False
        new = self._make_contacts(2, prefix="late")
        self._make_contacts(2, mailing_list=other_list, prefix="other-late")
        self._opt_out(contacts[0])
        # both were just checked: the cron waits for the check interval
        self._run_cron()
        self.assertEqual(len(self.emulator.segment_users(audience.segment_id)), 5)
        (audience | other).sudo().last_check_date = fields.Datetime.now() - timedelta(hours=2)
        self._run_cron()
        self.assertSegmentUsers(audience, self._hashes(contacts[1:] | new))
        self.assertEqual(len(self.emulator.segment_users(other.segment_id)), 3, "not kept in step: unchanged")

    def test_status_refresh_building_to_ready(self):
        self.emulator.dmp_not_found_window = 0
        self.emulator.segment_delay = 3600  # READY only when the test says so
        self._make_contacts(40)
        audience = self._create_audience()
        self.assertEqual(audience.state, "building")
        self.assertEqual(audience.linkedin_status, "BUILDING")
        self.assertTrue(audience.ad_segment_urn.startswith("urn:li:adSegment:"))
        self.emulator.advance_segments()
        audience.action_refresh_status()
        self.assertEqual(audience.state, "ready")
        self.assertGreater(audience.matched_count, 0)
        self.assertEqual(audience.audience_size, 0, "under 300 matched members LinkedIn cannot serve it")
        # and the form says why
        self.assertIn("300", audience.audience_size_note)
        self.assertIn("opted out", audience.audience_size_note)
        arch = etree.fromstring(
            self.env["linkedin.audience"]
            .with_user(self.user_marketing)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertTrue(
            arch.xpath("//div[contains(@class, 'alert-warning')]/field[@name='audience_size_note']"),
            "shown as a warning",
        )
        # a link to the ad account in Campaign Manager, whose Plan > Audiences page lists the audience
        account_id = audience.ad_account_id.sudo().linkedin_id
        self.assertEqual(
            audience.with_user(self.user_marketing).campaign_manager_url,
            f"https://www.linkedin.com/campaignmanager/accounts/{account_id}",
        )
        link = arch.xpath("//field[@name='campaign_manager_url'][@widget='url']")
        self.assertTrue(link)
        self.assertIn(
            "Plan > Audiences lists the audience",
            " ".join(link[0].getparent().itertext()),
            "next to the link, where the account's page lists the audience",
        )
        self.assertAlmostEqual(audience.match_rate, 100.0 * audience.matched_count / 40, places=1)
        self.assertAlmostEqual(audience.match_ratio, audience.matched_count / 40, places=3, msg="shown as a %")
        # a change makes it UPDATING, the status cron brings it back to READY
        self._make_contacts(1, prefix="new")
        audience.action_upload()
        self.assertEqual(audience.state, "updating")
        self.emulator.advance_segments()
        audience.sudo().last_status_date = fields.Datetime.now() - timedelta(hours=1)
        self.env["linkedin.audience"]._cron_refresh_status()
        self.assertEqual(audience.state, "ready")

    def test_segment_deleted_on_linkedin(self):
        self._make_contacts(3)
        audience = self._create_audience()
        self.profile._get_client().delete_dmp_segment(audience.segment_id)
        audience.action_refresh_status()
        self.assertEqual(audience.state, "failed")
        self.assertIn("no longer exists", audience.last_error)

    def test_contact_details_are_opt_in(self):
        self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.send_contact_details", "True")
        belgium = self.env.ref("base.be")
        contacts, audience = self._start(2, company_name="Acme", country_id=belgium.id)
        elements = self._sent_elements(audience.segment_id, "ADD")
        self.assertEqual(len(elements), 2)
        for element in elements:
            self.assertEqual(element["company"], "Acme")
            self.assertEqual(element["country"], "BE")
            self.assertTrue(element["firstName"].startswith("First"))
            self.assertTrue(element["lastName"].startswith("Last"))
        self.assertNoPlainAddress(contacts.mapped("email"))

    def test_pacing_stays_under_linkedin_per_minute_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.requests_per_minute", 3)
        self._set_batch_size(2)
        contacts, audience = self._start(10, time_budget=600)
        self._run_cron()
        self.assertFalse(audience.upload_pending)
        self.assertTrue([s for s in self.slept if s > 30], "the upload waited for the minute to pass")
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_archive_asks_what_to_do_on_linkedin(self):
        self._make_contacts(3)
        audience = self._create_audience()
        action = audience.action_archive()
        self.assertEqual(action["res_model"], "linkedin.audience.remove.wizard")
        self.assertTrue(audience.active, "nothing happens before the answer")
        wizard = (
            self.env[action["res_model"]].with_user(self.user_marketing).with_context(**action["context"]).create({})
        )
        wizard.linkedin_action = "keep"
        wizard.action_confirm()
        self.assertFalse(audience.active)
        self.assertTrue(audience.segment_id, "left on LinkedIn")
        self.assertTrue(self.emulator.segment_users(audience.segment_id))
        self.assertFalse(audience.keep_in_step)

    def test_archive_and_remove_without_email_address(self):
        """A marketer whose user has no e-mail address can still remove an audience from LinkedIn."""
        self._make_contacts(3)
        audience = self._create_audience()
        self.user_marketing.email = False
        action = audience.action_archive()
        wizard = (
            self.env[action["res_model"]].with_user(self.user_marketing).with_context(**action["context"]).create({})
        )
        wizard.linkedin_action = "remove"
        wizard.action_confirm()
        self.assertFalse(audience.active)
        self.assertFalse(audience.segment_id)
        self.assertIn("removed from LinkedIn", "".join(audience.message_ids.mapped("body")))

    def test_delete_removes_the_segment_on_linkedin(self):
        self._make_contacts(3)
        audience = self._create_audience()
        segment_id = audience.segment_id
        with self.assertRaisesRegex(UserError, "Archive or Delete button"):
            audience.unlink()
        action = audience.action_open_remove_wizard()
        wizard = (
            self.env[action["res_model"]].with_user(self.user_marketing).with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.mode, "delete")
        wizard.linkedin_action = "remove"
        wizard.action_confirm()
        self.assertFalse(audience.exists())
        self.assertNotIn(segment_id, self.emulator.data.segments)
