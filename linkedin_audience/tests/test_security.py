# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import AudienceCase


@tagged("post_install", "-at_install")
class TestAudienceSecurity(AudienceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_marketing_2 = new_test_user(
            cls.env,
            login="li_marketing_2",
            name="Mia Marketer",
            email="mia.marketer@example.com",
            groups="mass_mailing.group_mass_mailing_user",
        )
        cls.other_profile = cls._make_audience_profile(cls.user_salesperson_2)

    def test_marketer_runs_the_wizard_without_seeing_tokens(self):
        self._make_contacts(5)
        audience = self._create_audience(user=self.user_marketing)
        self.assertEqual(audience.contact_sent_count, 5)
        profile = self.profile.with_user(self.user_marketing)
        self.assertEqual(profile.name, self.profile.name, "the marketer reads their own profile")
        for field in ("access_token", "refresh_token"):
            with self.assertRaises(AccessError):
                profile.read([field])
        self.assertNotIn("access_token", profile.fields_get())
        with self.assertRaises(AccessError):
            profile.write({"name": "Renamed"})

    def test_unshared_profile_of_another_user_cannot_be_used(self):
        self._make_contacts(5)
        Profile = self.env["linkedin.user.profile"].with_user(self.user_marketing)
        self.assertNotIn(self.other_profile, Profile.search([]))
        wizard = self._open_wizard().save()
        self.assertNotIn(self.other_profile, wizard.available_profile_ids)
        wizard.sudo().profile_id = self.other_profile
        wizard.confirm_small = True
        with self.assertRaises(AccessError):
            wizard.action_create()
        with self.assertRaises(AccessError):
            self.env["linkedin.audience"].with_user(self.user_marketing).create(
                {
                    "name": "Sneaky",
                    "mailing_list_id": self.mailing_list.id,
                    "profile_id": self.other_profile.id,
                    "ad_account_id": self.other_profile.ad_account_ids[:1].id,
                }
            )

    def test_shared_profile_is_offered_to_every_marketer(self):
        self._make_contacts(5)
        wizard = (
            self.env["linkedin.audience.wizard"]
            .with_user(self.user_marketing_2)
            .create({"mailing_list_id": self.mailing_list.id})
        )
        self.assertFalse(wizard.available_profile_ids, "nothing shared yet, no own profile")
        with self.assertRaisesRegex(UserError, "or to share a connected profile for Matched Audiences"):
            wizard.action_authorize_profile()
        self.other_profile.with_user(self.user_manager).share_for_audiences = True
        form = self._open_wizard(user=self.user_marketing_2)
        self.assertEqual(form.profile_id, self.other_profile)
        self.assertEqual(form.save().available_profile_ids, self.other_profile)
        audience = self._create_audience(user=self.user_marketing_2)
        self.assertEqual(audience.profile_id, self.other_profile)
        self.assertEqual(audience.contact_sent_count, 5)

    def test_authorizing_a_profile_needs_the_salesperson_group(self):
        """A marketer's own profile lacks the audience permission: re-authorizing it is for salespeople."""
        self.profile.scopes = "r_ads r_basicprofile"
        wizard = self._open_wizard().save()
        self.assertTrue(wizard.missing_scope)
        with self.assertRaisesRegex(UserError, "needs the LinkedIn Lead Gen Salesperson group, which you do not have"):
            wizard.action_authorize_profile()
        self.user_marketing.groups_id += self.env.ref("linkedin_leadgen.group_linkedin_leadgen_salesperson")
        action = self._open_wizard().save().action_authorize_profile()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(self.emulator.oauth_url + "/authorization"))
        self.assertIn("rw_dmp_segments", action["url"])

    def test_only_administrators_share_profiles(self):
        with self.assertRaises(AccessError):
            self.other_profile.with_user(self.user_salesperson_2).share_for_audiences = True

    def test_members_are_read_only_for_marketers(self):
        self._make_contacts(3)
        audience = self._create_audience()
        members = audience.member_ids
        self.assertEqual(len(members), 3)
        with self.assertRaises(AccessError):
            members.write({"state": "removed"})

    def test_audiences_of_another_company_are_hidden(self):
        self._make_contacts(3)
        audience = self._create_audience()
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = new_test_user(
            self.env,
            login="li_marketing_b",
            groups="mass_mailing.group_mass_mailing_user",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.assertFalse(self.env["linkedin.audience"].with_user(user_b).search([("id", "=", audience.id)]))
        self.assertTrue(self.env["linkedin.audience"].with_user(self.user_marketing).search([("id", "=", audience.id)]))

    def test_views_open_for_marketers(self):
        self._make_contacts(2)
        audience = self._create_audience()
        for model, view_types in (
            ("mailing.list", ["form", "list"]),
            ("linkedin.audience", ["form", "list", "search"]),
            ("linkedin.audience.member", ["list", "search"]),
            ("linkedin.audience.wizard", ["form"]),
            ("linkedin.audience.remove.wizard", ["form"]),
        ):
            views = self.env[model].with_user(self.user_marketing).get_views([(False, v) for v in view_types])
            self.assertEqual(set(views["views"]), set(view_types))
        mailing_list = self.mailing_list.with_user(self.user_marketing)
        self.assertEqual(mailing_list.linkedin_audience_ids, audience)
        self.assertEqual(mailing_list.linkedin_audience_count, 1)
        action = mailing_list.action_open_linkedin_audience_wizard()
        self.assertEqual(action["res_model"], "linkedin.audience.wizard")
        members = audience.action_view_members()
        self.assertEqual(
            self.env["linkedin.audience.member"].with_user(self.user_marketing).search_count(members["domain"]), 2
        )
        self.assertTrue(audience.member_ids.contact_id)
        settings = self.env["res.config.settings"].create({"linkedin_audience_batch_size": 1000})
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("linkedin_audience.batch_size"), "1000")

    def test_linkedin_administrator_sets_the_audience_settings(self):
        """The audience settings are on the LinkedIn Lead Gen administrator's own settings form too."""
        self.assertFalse(self.user_manager.has_group("base.group_system"))
        settings = Form(self.env["linkedin.leadgen.settings"].with_user(self.user_manager))
        self.assertEqual(settings.linkedin_audience_batch_size, 5000)
        settings.linkedin_audience_batch_size = 2000
        settings.linkedin_audience_time_budget = 15
        settings.linkedin_audience_send_contact_details = True
        settings.save().action_save()
        get_param = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get_param("linkedin_audience.batch_size"), "2000")
        self.assertEqual(get_param("linkedin_audience.time_budget"), "15")
        self.assertTrue(get_param("linkedin_audience.send_contact_details"))
        with self.assertRaises(ValidationError):
            self.env["linkedin.leadgen.settings"].with_user(self.user_manager).create(
                {"linkedin_audience_batch_size": 0}
            )
