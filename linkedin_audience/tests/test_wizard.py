# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.linkedin_leadgen.linkedin import hash_email

from .common import AudienceCase


@tagged("post_install", "-at_install")
class TestAudienceWizard(AudienceCase):
    def test_counts_leave_out_opt_outs_blacklist_and_invalid_emails(self):
        contacts = self._make_contacts(6)
        self._opt_out(contacts[0])
        self.env["mail.blacklist"].create({"email": contacts[1].email})
        contacts[2].email = "not an address"
        # same address twice (in another case): LinkedIn gets it once
        self.env["mailing.contact"].create(
            {"email": contacts[3].email.upper(), "list_ids": [(4, self.mailing_list.id)]}
        )
        form = self._open_wizard()
        self.assertEqual(form.contact_count, 3)
        self.assertEqual(form.opt_out_count, 1)
        self.assertEqual(form.blacklisted_count, 1)
        self.assertEqual(form.invalid_email_count, 1)
        self.assertEqual(form.size_level, "too_small")
        self.assertEqual(form.name, "Newsletter", "the audience is named after the list by default")
        self.assertEqual(form.profile_id, self.profile)
        self.assertIn("only the hashes are sent", form.summary)

    def test_below_300_needs_explicit_confirmation(self):
        self._make_contacts(20)
        form = self._open_wizard()
        self.assertEqual(form.size_level, "too_small")
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "fewer than 300"):
            wizard.action_create()
        self.assertEqual(self.emulator.calls("dmpSegments"), 0, "nothing reached LinkedIn")
        wizard.confirm_small = True
        action = wizard.action_create()
        audience = self.env["linkedin.audience"].browse(action["res_id"])
        self.assertEqual(audience.contact_sent_count, 20)

    def test_create_counts_addresses_not_contacts(self):
        """The click counts the list only up to 300, but addresses, as the preview does: 400 contacts
        sharing 250 addresses are too small."""
        self.env["mailing.contact"].create(
            [{"email": f"shared.{i % 250}@example.com", "list_ids": [(4, self.mailing_list.id)]} for i in range(400)]
        )
        wizard = self._open_wizard().save()
        self.assertEqual(wizard.contact_count, 250)
        with self.assertRaisesRegex(UserError, "only 250 contacts"):
            wizard.action_create()
        self._make_contacts_sql(50)
        action = wizard.action_create()
        self.assertEqual(action["res_model"], "linkedin.audience", "300 addresses are enough")

    def test_thresholds_300_and_10000(self):
        self._make_contacts_sql(299)
        self.assertEqual(self._open_wizard().size_level, "too_small")
        self._make_contacts_sql(1, prefix="more")
        form = self._open_wizard()
        self.assertEqual(form.contact_count, 300)
        self.assertEqual(form.size_level, "small", "300 and more: served, but LinkedIn recommends 10,000")
        self._make_contacts_sql(9699, prefix="many")
        self.assertEqual(self._open_wizard().size_level, "small")
        self._make_contacts_sql(1, prefix="last")
        form = self._open_wizard()
        self.assertEqual(form.contact_count, 10000)
        self.assertEqual(form.size_level, "ok")

    def test_archived_list_is_refused(self):
        self._make_contacts(5)
        wizard = self._open_wizard().save()
        wizard.confirm_small = True
        self.mailing_list.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            wizard.action_create()

    def test_viewer_accounts_are_not_offered(self):
        self.assertTrue(self.viewer_account, "the emulator has an account where the member is a viewer")
        wizard = self._open_wizard().save()
        self.assertNotIn(self.viewer_account, wizard.available_account_ids)
        self.assertIn(self.account, wizard.available_account_ids)
        wizard.ad_account_id = self.viewer_account
        wizard.confirm_small = True
        self._make_contacts(2)
        with self.assertRaisesRegex(UserError, "other than viewer"):
            wizard.action_create()

    def test_only_usable_accounts_are_offered(self):
        """Canceled accounts and accounts without a company page are not offered."""
        accounts = self.profile.ad_account_ids
        canceled = accounts.filtered(lambda a: a.status == "CANCELED")
        no_page = accounts.filtered(lambda a: not a.organization_urn)
        self.assertTrue(canceled and no_page, "the emulator has both kinds")
        wizard = self._open_wizard().save()
        self.assertFalse(wizard.available_account_ids & (canceled | no_page))
        self.assertIn(self.account, wizard.available_account_ids)

    def test_existing_audience_said_when_the_account_is_chosen(self):
        self._make_contacts(3)
        audience = self._create_audience()
        form = self._open_wizard()
        self.assertEqual(form.ad_account_id, self.account)
        self.assertEqual(form.existing_audience_id, audience.sudo())
        other = self.profile.ad_account_ids.filtered(lambda a: a.name == "Acme North America")
        self.assertTrue(other)
        form.ad_account_id = other
        self.assertFalse(form.existing_audience_id)

    def test_existing_audience_of_another_company_is_not_shown(self):
        """The wizard names only audiences the user may read: not another company's (even through RPC,
        where the wizard's ad account can be any id)."""
        self._make_contacts(3)
        audience = self._create_audience(name="Other company's secret audience")
        other = self.env["res.company"].create({"name": "Other company"})
        self.account.sudo().company_id = other
        self.assertEqual(audience.sudo().company_id, other)
        wizard = (
            self.env["linkedin.audience.wizard"]
            .with_user(self.user_marketing)
            .create({"mailing_list_id": self.mailing_list.id, "ad_account_id": self.account.id})
        )
        self.assertFalse(wizard.existing_audience_id)
        self.assertNotIn("secret", str(wizard.read(["existing_audience_id"])))
        # a user of both companies is told about it
        self.user_marketing.sudo().company_ids += other
        wizard = (
            self.env["linkedin.audience.wizard"]
            .with_user(self.user_marketing)
            .with_context(allowed_company_ids=[self.company.id, other.id])
            .create({"mailing_list_id": self.mailing_list.id, "ad_account_id": self.account.id})
        )
        self.assertEqual(wizard.existing_audience_id, audience)

    def test_authorize_without_connected_profile(self):
        """With no connected profile the form can be saved (no required field in the way) and the button
        opens LinkedIn's authorization, or says which group to ask an administrator for."""
        self.profile.sudo().user_id = self.user_manager
        self.profile.sudo().share_for_audiences = False
        self._make_contacts(3)
        form = self._open_wizard()
        self.assertFalse(form.available_profile_ids)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "Ask a LinkedIn Lead Gen administrator"):
            wizard.action_authorize_profile()
        self.user_marketing.groups_id += self.env.ref("linkedin_leadgen.group_linkedin_leadgen_salesperson")
        action = wizard.action_authorize_profile()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(self.emulator.oauth_url))

    def test_profile_named_on_the_return_from_linkedin_is_chosen(self):
        """Back from LinkedIn's sign-in, the wizard opens with the profile just authorized (``profile_id`` of
        the return URL, passed as ``default_profile_id``), not the user's first profile."""
        second = self._make_audience_profile(self.user_marketing, name="Mark's second profile")
        self._make_contacts(3)
        form = self._open_wizard()
        self.assertEqual(form.profile_id, self.profile, "by default the user's first own profile")
        wizard_model = self.env["linkedin.audience.wizard"].with_user(self.user_marketing)
        form = Form(
            wizard_model.with_context(default_mailing_list_id=self.mailing_list.id, default_profile_id=second.id)
        )
        self.assertEqual(form.profile_id, second)

    def test_profile_without_audience_scope_must_reauthorize(self):
        self.profile.sudo().user_id = self.user_manager
        scopes = ["r_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile"]
        profile = self._make_audience_profile(self.user_marketing, scopes=scopes)
        self._make_contacts(3)
        form = self._open_wizard()
        self.assertEqual(form.profile_id, profile)
        self.assertTrue(form.missing_scope)
        wizard = form.save()
        wizard.confirm_small = True
        with self.assertRaisesRegex(UserError, "rw_dmp_segments"):
            wizard.action_create()
        # authorizing needs the LinkedIn Lead Gen Salesperson group; the new grant includes the permission
        with self.assertRaisesRegex(UserError, "Salesperson"):
            wizard.action_authorize_profile()
        self.user_marketing.groups_id += self.env.ref("linkedin_leadgen.group_linkedin_leadgen_salesperson")
        action = wizard.action_authorize_profile()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn("rw_dmp_segments", action["url"])

    def test_create_waits_out_the_post_create_404_window(self):
        self.emulator.segment_delay = 3600  # LinkedIn takes its time to build the audience
        contacts = self._make_contacts(30)
        audience = self._create_audience()
        self.assertTrue(audience.segment_id)
        self.assertTrue(audience.source_segment_id.endswith(f"-list-{self.mailing_list.id}"))
        statuses = [r["status"] for r in self._user_requests(audience.segment_id)]
        self.assertEqual(statuses[0], 404, "LinkedIn answers 404 just after the creation")
        self.assertEqual(statuses[-1], 200)
        self.assertTrue(self.slept, "the upload waited")
        self.assertEqual(audience.state, "building")
        self.assertEqual(audience.contact_sent_count, 30)
        self.assertFalse(audience.upload_pending)
        self.assertSegmentUsers(audience, self._hashes(contacts))
        self.assertEqual(audience.progress, 100)

    def test_create_leaves_a_long_404_window_to_the_cron(self):
        contacts = self._make_contacts(30)
        self.emulator.dmp_not_found_window = 600
        self.env["ir.config_parameter"].sudo().set_param("linkedin_audience.time_budget", 30)
        cron = self.env.ref("linkedin_audience.ir_cron_linkedin_audience_sync")
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with mute_logger("odoo.addons.linkedin_leadgen.linkedin.client"):
            audience = self._create_audience()
        self.assertEqual(audience.state, "uploading")
        self.assertTrue(audience.upload_pending)
        self.assertTrue(audience.upload_retry_at, "the next attempt is scheduled")
        self.assertFalse(audience.last_error, "waiting for LinkedIn is not an error")
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers_before)
        # later, the cron finishes the job
        self.emulator.advance_segments()
        audience.sudo().upload_retry_at = False
        self._run_cron()
        self.assertFalse(audience.upload_pending)
        self.assertEqual(audience.contact_sent_count, 30)
        self.assertSegmentUsers(audience, self._hashes(contacts))

    def test_one_audience_per_list_and_account(self):
        self._make_contacts(3)
        self._create_audience()
        wizard = self._open_wizard().save()
        wizard.confirm_small = True
        with self.assertRaisesRegex(UserError, "already has the audience"):
            wizard.action_create()

    def test_segment_left_by_an_interrupted_creation_is_reused(self):
        self._make_contacts(3)
        source_id = self.env["linkedin.audience"]._make_source_segment_id(self.mailing_list, self.account)
        client = self.profile._get_client()
        orphan = client.create_dmp_segment(self.account.linkedin_id, "Newsletter", source_id, source_platform="ODOO")
        creations = len([r for r in self.emulator.requests("dmpSegments") if r["method"] == "POST"])
        audience = self._create_audience()
        self.assertEqual(audience.segment_id, orphan)
        after = len([r for r in self.emulator.requests("dmpSegments") if r["method"] == "POST"])
        self.assertEqual(after, creations, "no second segment was created")

    def test_postgres_hash_equals_hash_email(self):
        emails = [" John.Doe+x@Example.COM ", "ÉLODIE@exämple.fr", "a@b.co", "Name <Mixed.Case@Example.org>"]
        contacts = self.env["mailing.contact"].create(
            [{"email": e, "list_ids": [(4, self.mailing_list.id)]} for e in emails]
        )
        self.env.flush_all()
        self.env["linkedin.audience.member"]._create_wanted_table(self.mailing_list.id)
        self.env.cr.execute("SELECT contact_id, email_hash FROM linkedin_audience_wanted")
        pg_hashes = dict(self.env.cr.fetchall())
        for contact in contacts:
            self.assertEqual(pg_hashes[contact.id], hash_email(contact.email_normalized))
        self.assertEqual(pg_hashes[contacts[0].id], hash_email(" John.Doe+x@Example.COM "))
        self.assertEqual(pg_hashes[contacts[2].id], hash_email("a@b.co"))
        self.env.cr.execute(SQL("SELECT encode(sha256(convert_to(%s, 'UTF8')), 'hex')", "test2@test.com"))
        self.assertEqual(self.env.cr.fetchone()[0], "7599502b735425943fffc167b4c9cfb072d028c109ee07501c8711a4fe0e12e7")

    def test_only_hashes_reach_linkedin(self):
        contacts = self._make_contacts(25)
        audience = self._create_audience()
        elements = self._sent_elements(audience.segment_id)
        self.assertEqual(len(elements), 25)
        for element in elements:
            self.assertEqual(set(element), {"action", "userIds"}, "no name, company or country by default")
            self.assertEqual(element["userIds"][0]["idType"], "SHA256_EMAIL")
            self.assertRegex(element["userIds"][0]["idValue"], r"^[0-9a-f]{64}$")
        self.assertEqual({e["userIds"][0]["idValue"] for e in elements}, self._hashes(contacts))
        self.assertNoPlainAddress(contacts.mapped("email"))
