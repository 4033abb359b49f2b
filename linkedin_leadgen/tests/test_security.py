# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import LinkedInCase


@tagged("post_install", "-at_install")
class TestLinkedInSecurity(LinkedInCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_settings_admin = new_test_user(
            cls.env,
            login="li_settings_admin",
            name="Sid Settings",
            groups="base.group_system,sales_team.group_sale_manager,linkedin_leadgen.group_linkedin_leadgen_manager",
        )

    def test_groups(self):
        salesperson_group = self.env.ref("linkedin_leadgen.group_linkedin_leadgen_salesperson")
        manager_group = self.env.ref("linkedin_leadgen.group_linkedin_leadgen_manager")
        self.assertIn(self.env.ref("sales_team.group_sale_salesman"), salesperson_group.implied_ids)
        self.assertIn(salesperson_group, manager_group.implied_ids)
        self.assertIn(self.env.ref("base.user_admin"), manager_group.users)
        self.assertTrue(self.user_salesperson.has_group("sales_team.group_sale_salesman"))
        self.assertFalse(self.user_salesperson.has_group("linkedin_leadgen.group_linkedin_leadgen_manager"))
        self.assertEqual(
            salesperson_group.category_id, self.env.ref("linkedin_leadgen.module_category_linkedin_leadgen")
        )

    def test_salesperson_cannot_read_tokens(self):
        profile = self._make_profile(self.user_salesperson).with_user(self.user_salesperson)
        self.assertEqual(profile.state, "connected")
        for field in ("access_token", "refresh_token"):
            with self.assertRaises(AccessError):
                profile.read([field])
            with self.assertRaises(AccessError):
                profile.invalidate_recordset()
                profile.mapped(field)
            with self.assertRaises(AccessError):
                profile.search_read([("id", "=", profile.id)], [field])
            with self.assertRaises(AccessError):
                profile.write({field: "stolen"})
        self.assertNotIn("access_token", profile.fields_get())

    def test_salesperson_cannot_read_client_secret(self):
        self.env["ir.config_parameter"].sudo().set_param("linkedin_leadgen.client_secret", "emu-secret")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.user_salesperson).get_param("linkedin_leadgen.client_secret")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.user_salesperson).search_read(
                [("key", "=", "linkedin_leadgen.client_secret")], ["value"]
            )
        for user in (self.user_salesperson, self.user_manager):
            with self.assertRaises(AccessError):
                self.env["res.config.settings"].with_user(user).create({}).read(["linkedin_client_secret"])

    def test_salesperson_sees_only_own_profiles(self):
        mine = self._make_profile(self.user_salesperson)
        theirs = self._make_profile(self.user_salesperson_2, name="Sam's LinkedIn")
        Profile = self.env["linkedin.user.profile"].with_user(self.user_salesperson)
        self.assertEqual(Profile.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_salesperson).read(["name"])
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_salesperson).write({"name": "mine now"})
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_salesperson).action_disconnect()
        with self.assertRaises(AccessError):
            Profile.create({"name": "For Sam", "user_id": self.user_salesperson_2.id})
        # the administrator sees and manages every profile
        manager_profiles = self.env["linkedin.user.profile"].with_user(self.user_manager).search([])
        self.assertIn(mine, manager_profiles)
        self.assertIn(theirs, manager_profiles)

    def test_salesperson_cannot_rewire_own_profile(self):
        """The connection fields (state, member, accounts) and the owner are not a salesperson's to edit."""
        mine = self._make_profile(self.user_salesperson).with_user(self.user_salesperson)
        theirs = self._make_profile(self.user_salesperson_2, name="Sam's LinkedIn")
        other_account = theirs.sudo().ad_account_ids[:1]
        other_account.profile_ids = theirs
        mine.sudo().ad_account_ids -= other_account
        for vals in (
            {"ad_account_ids": [Command.link(other_account.id)]},
            {"state": "connected", "last_error": False},
            {"user_id": self.user_salesperson_2.id},
        ):
            with self.assertRaises(AccessError):
                mine.write(vals)
        with self.assertRaises(AccessError):
            mine.create({"name": "Pre-wired", "ad_account_ids": [Command.link(other_account.id)]})
        self.assertNotIn(other_account, mine.sudo().ad_account_ids)
        mine.write({"name": "My LinkedIn", "user_id": self.user_salesperson.id})
        self.assertEqual(mine.name, "My LinkedIn")
        # the administrator may hand a profile over
        mine.with_user(self.user_manager).user_id = self.user_salesperson_2

    def test_multi_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.user_manager.write({"company_ids": [(4, other_company.id)]})
        profile = self.env["linkedin.user.profile"].create(
            {"name": "Other company", "company_id": other_company.id, "user_id": self.user_manager.id}
        )
        Profile = self.env["linkedin.user.profile"].with_user(self.user_manager)
        self.assertNotIn(profile, Profile.with_context(allowed_company_ids=[self.env.company.id]).search([]))
        self.assertIn(profile, Profile.with_context(allowed_company_ids=[other_company.id]).search([]))

    def test_multi_company_submission_details(self):
        """Answers, consents and form questions follow the company of their submission or form."""
        other_company = self.env["res.company"].create({"name": "Other Co"})
        account = self.env["linkedin.ad.account"].create(
            {"name": "Other account", "linkedin_id": "880001", "company_id": other_company.id}
        )
        form = self.env["linkedin.lead.form"].create(
            {"name": "Other form", "linkedin_id": "1", "account_id": account.id}
        )
        question = self.env["linkedin.lead.form.question"].create({"form_id": form.id, "question_id": "1"})
        submission = self.env["linkedin.form.submission"].create(
            {
                "linkedin_id": "other-company-lead",
                "company_id": other_company.id,
                "answer_ids": [Command.create({"name": "email", "value": "secret@example.com"})],
                "consent_ids": [Command.create({"text": "Newsletter", "accepted": True})],
            }
        )
        for records in (submission.answer_ids, submission.consent_ids, question):
            as_salesperson = self.env[records._name].with_user(self.user_salesperson)
            self.assertFalse(as_salesperson.search([("id", "in", records.ids)]), records._name)
            with self.assertRaises(AccessError):
                records.with_user(self.user_salesperson).read(["id"])

    def test_share_for_audiences_admin_only(self):
        profile = self._make_profile(self.user_salesperson)
        with self.assertRaises(AccessError):
            profile.with_user(self.user_salesperson).write({"share_for_audiences": True})
        with self.assertRaises(AccessError):
            self.env["linkedin.user.profile"].with_user(self.user_salesperson).create(
                {"name": "Shared", "share_for_audiences": True}
            )
        profile.with_user(self.user_manager).write({"share_for_audiences": True})
        self.assertTrue(profile.share_for_audiences)

    def test_settings_round_trip(self):
        team = self.env["crm.team"].create({"name": "LinkedIn team"})
        settings = Form(self.env["res.config.settings"].with_user(self.user_settings_admin))
        self.assertEqual(settings.linkedin_api_version, "202610")
        self.assertTrue(settings.linkedin_create_utm_campaigns, "on by default")
        self.assertFalse(settings.linkedin_import_test_leads, "off by default")
        self.assertEqual(settings.linkedin_backfill_days, 365)
        self.assertEqual(settings.linkedin_sync_budget, 120)
        self.assertEqual(settings.linkedin_partial_match, "create")
        settings.linkedin_client_id = "my-app"
        settings.linkedin_client_secret = "my-secret"
        settings.linkedin_api_version = "202611"
        settings.linkedin_create_utm_campaigns = False
        settings.linkedin_import_test_leads = True
        settings.linkedin_team_id = team
        settings.linkedin_user_id = self.user_salesperson
        settings.linkedin_backfill_days = 90
        settings.linkedin_webhook_enabled = True
        settings.linkedin_sync_interval = 3
        settings.linkedin_sync_budget = 60
        settings.linkedin_partial_match = "review"
        settings.save().execute()

        get_param = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get_param("linkedin_leadgen.client_id"), "my-app")
        self.assertEqual(get_param("linkedin_leadgen.client_secret"), "my-secret")
        self.assertEqual(get_param("linkedin_leadgen.api_version"), "202611")
        self.assertFalse(get_param("linkedin_leadgen.create_utm_campaigns"))
        self.assertTrue(get_param("linkedin_leadgen.import_test_leads"))
        self.assertEqual(get_param("linkedin_leadgen.team_id"), str(team.id))
        self.assertEqual(get_param("linkedin_leadgen.user_id"), str(self.user_salesperson.id))
        self.assertEqual(get_param("linkedin_leadgen.backfill_days"), "90")
        self.assertTrue(get_param("linkedin_leadgen.webhook_enabled"))
        self.assertEqual(get_param("linkedin_leadgen.sync_budget"), "60")
        self.assertEqual(get_param("linkedin_leadgen.partial_match"), "review")
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync", raise_if_not_found=False)
        if cron:
            self.assertEqual((cron.interval_number, cron.interval_type), (3, "hours"))

        settings = Form(self.env["res.config.settings"].with_user(self.user_settings_admin))
        self.assertFalse(settings.linkedin_create_utm_campaigns, "switched off stays off")
        self.assertEqual(settings.linkedin_team_id, team)
        self.assertEqual(settings.linkedin_partial_match, "review")
        if cron:
            self.assertEqual(settings.linkedin_sync_interval, 3)

    def test_views_open_for_the_lowest_roles(self):
        for model in ("linkedin.user.profile", "linkedin.ad.account", "linkedin.lead.form"):
            views = (
                self.env[model]
                .with_user(self.user_salesperson)
                .get_views([(False, "list"), (False, "form"), (False, "search")])
            )
            self.assertNotIn("access_token", views["models"][model]["fields"])
        settings = self.env["res.config.settings"].with_user(self.user_settings_admin).get_views([(False, "form")])
        self.assertIn("linkedin_client_secret", settings["views"]["form"]["arch"])
        menu = self.env.ref("linkedin_leadgen.linkedin_user_profile_menu")
        visible = self.env["ir.ui.menu"].with_user(self.user_salesperson)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_linkedin_administrator_reaches_mappings_and_strategies(self):
        """Stock CRM > Configuration is for Sales managers; a LinkedIn administrator still finds both menus."""
        self.assertFalse(self.user_manager.has_group("sales_team.group_sale_manager"))
        Menu = self.env["ir.ui.menu"]
        config = self.env.ref("linkedin_leadgen.linkedin_leadgen_menu_root_config")
        menus = self.env.ref("linkedin_leadgen.linkedin_field_mapping_menu_root_config") | self.env.ref(
            "linkedin_leadgen.linkedin_matching_strategy_menu_root_config"
        )
        visible = Menu.with_user(self.user_manager)._visible_menu_ids()
        self.assertTrue(set(menus.ids) <= visible)
        self.assertNotIn(config.id, Menu.with_user(self.user_salesperson)._visible_menu_ids())
        for menu in menus:
            model = menu.action.res_model
            self.assertTrue(self.env[model].with_user(self.user_manager).search_count([]) >= 1)

    def test_settings_validation(self):
        for field, value in (
            ("linkedin_sync_interval", 0),
            ("linkedin_sync_budget", 1),
            ("linkedin_backfill_days", 400),
        ):
            with self.assertRaises(ValidationError):
                self.env["res.config.settings"].with_user(self.user_settings_admin).create({field: value})

    def test_api_version_sunset_warning(self):
        Settings = self.env["res.config.settings"].with_user(self.user_settings_admin)
        with freeze_time("2027-06-01"):
            settings = Settings.new({"linkedin_api_version": "202610"})
            self.assertFalse(settings.linkedin_api_version_warning)
        with freeze_time("2027-09-01"):  # 202610 ends around 2027-10-15
            settings = Settings.new({"linkedin_api_version": "202610"})
            self.assertIn("2027-10-15", settings.linkedin_api_version_warning)
        with freeze_time("2027-11-01"):
            settings = Settings.new({"linkedin_api_version": "202610"})
            self.assertIn("stopped supporting", settings.linkedin_api_version_warning)
        settings = Settings.new({"linkedin_api_version": "2026-10"})
        self.assertIn("YYYYMM", settings.linkedin_api_version_warning)
