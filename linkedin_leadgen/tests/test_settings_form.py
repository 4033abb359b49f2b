# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The LinkedIn Lead Gen administrator's own settings form: every LinkedIn setting that is not a secret,
without Odoo's Settings rights; the client secret stays with Settings administrators."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import LinkedInCase, LinkedInHttpCase


@tagged("post_install", "-at_install")
class TestLinkedInSettingsForm(LinkedInCase):
    def test_linkedin_administrator_edits_the_settings(self):
        self.assertFalse(self.user_manager.has_group("base.group_system"))
        menu = self.env.ref("linkedin_leadgen.linkedin_leadgen_settings_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.user_manager)._visible_menu_ids())
        team = self.env["crm.team"].create({"name": "LinkedIn team"})
        settings = Form(self.env["linkedin.leadgen.settings"].with_user(self.user_manager))
        self.assertEqual(settings.linkedin_api_version, "202610")
        self.assertTrue(settings.linkedin_create_utm_campaigns, "on by default")
        self.assertFalse(settings.linkedin_import_test_leads)
        self.assertEqual(settings.linkedin_backfill_days, 365)
        self.assertEqual(settings.linkedin_partial_match, "create")
        self.assertEqual(settings.linkedin_sync_interval, 1)
        settings.linkedin_api_version = "202611"
        settings.linkedin_create_utm_campaigns = False
        settings.linkedin_import_test_leads = True
        settings.linkedin_team_id = team
        settings.linkedin_user_id = self.user_salesperson
        settings.linkedin_partial_match = "review"
        settings.linkedin_webhook_enabled = True
        settings.linkedin_sync_interval = 4
        settings.linkedin_backfill_days = 30
        settings.linkedin_sync_budget = 90
        settings.save().action_save()

        get_param = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get_param("linkedin_leadgen.api_version"), "202611")
        self.assertFalse(get_param("linkedin_leadgen.create_utm_campaigns"))
        self.assertTrue(get_param("linkedin_leadgen.import_test_leads"))
        self.assertEqual(get_param("linkedin_leadgen.team_id"), str(team.id))
        self.assertEqual(get_param("linkedin_leadgen.user_id"), str(self.user_salesperson.id))
        self.assertEqual(get_param("linkedin_leadgen.partial_match"), "review")
        self.assertTrue(get_param("linkedin_leadgen.webhook_enabled"))
        self.assertEqual(get_param("linkedin_leadgen.backfill_days"), "30")
        self.assertEqual(get_param("linkedin_leadgen.sync_budget"), "90")
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync")
        self.assertEqual((cron.interval_number, cron.interval_type), (4, "hours"))
        self.assertEqual(get_param("linkedin_leadgen.client_secret"), "emu-secret", "the secret is untouched")

        again = Form(self.env["linkedin.leadgen.settings"].with_user(self.user_manager))
        self.assertEqual(again.linkedin_team_id, team)
        self.assertFalse(again.linkedin_create_utm_campaigns, "switched off stays off")
        self.assertEqual(again.linkedin_sync_interval, 4)
        # the Settings page shows the same values to a Settings administrator
        self.assertEqual(self.env["res.config.settings"].create({}).linkedin_partial_match, "review")

    def test_settings_are_checked(self):
        Settings = self.env["linkedin.leadgen.settings"].with_user(self.user_manager)
        for field, value in (("linkedin_sync_interval", 0), ("linkedin_backfill_days", 400)):
            with self.assertRaises(ValidationError, msg=field):
                Settings.create({field: value})

    def test_the_secret_stays_with_settings_administrators(self):
        Settings = self.env["linkedin.leadgen.settings"].with_user(self.user_manager)
        self.assertNotIn("linkedin_client_secret", Settings.fields_get())
        arch = Settings.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("secret", arch.replace("client secret", ""))
        self.assertIn("linkedin_partial_match", arch)
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.user_manager).get_param("linkedin_leadgen.client_secret")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.user_manager).set_param(
                "linkedin_leadgen.client_secret", "stolen"
            )
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.user_manager).create({})
        with self.assertRaises(ValueError):
            Settings.create({"linkedin_client_secret": "stolen"})
        self.assertEqual(
            self.env["ir.config_parameter"].sudo().get_param("linkedin_leadgen.client_secret"), "emu-secret"
        )

    def test_salesperson_cannot_open_the_settings(self):
        Settings = self.env["linkedin.leadgen.settings"].with_user(self.user_salesperson)
        self.assertNotIn(
            self.env.ref("linkedin_leadgen.linkedin_leadgen_settings_menu").id,
            self.env["ir.ui.menu"].with_user(self.user_salesperson)._visible_menu_ids(),
        )
        with self.assertRaises(AccessError):
            Settings.default_get(["linkedin_team_id"])
        with self.assertRaises(AccessError):
            Settings.create({"linkedin_partial_match": "review"})
        record = self.env["linkedin.leadgen.settings"].create({"linkedin_partial_match": "review"})
        with self.assertRaises(AccessError):
            record.with_user(self.user_salesperson).action_save()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("linkedin_leadgen.partial_match"), "create")


@tagged("post_install", "-at_install")
class TestLinkedInSettingsRpc(LinkedInHttpCase):
    def _call(self, login, method, args, kwargs=None):
        self.authenticate(login, login)
        params = {"model": "linkedin.leadgen.settings", "method": method, "args": args, "kwargs": kwargs or {}}
        return self.make_jsonrpc_request("/web/dataset/call_kw", params)

    def test_over_rpc(self):
        # the LinkedIn administrator saves through the form's calls
        values = self._call("li_manager", "web_save", [[], {"linkedin_partial_match": "review"}], {"specification": {}})
        self._call("li_manager", "action_save", [[values[0]["id"]]])
        get_param = self.env["ir.config_parameter"].sudo().get_param
        self.assertEqual(get_param("linkedin_leadgen.partial_match"), "review")
        # a salesperson can neither read, create nor save them
        record = self.env["linkedin.leadgen.settings"].create({"linkedin_partial_match": "create"})
        self.env.flush_all()
        for method, args, kwargs in (
            ("default_get", [["linkedin_team_id", "linkedin_partial_match"]], {}),
            ("web_save", [[], {"linkedin_partial_match": "create"}], {"specification": {}}),
            ("web_read", [record.ids], {"specification": {"linkedin_partial_match": {}}}),
            ("action_save", [record.ids], {}),
        ):
            with self.assertRaises(JsonRpcException, msg=method) as caught, mute_logger("odoo.http"):
                self._call("li_salesperson", method, args, kwargs)
            self.assertIn("AccessError", str(caught.exception), method)
        self.assertEqual(get_param("linkedin_leadgen.partial_match"), "review")
        # nor the secret through the Settings model
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self.authenticate("li_manager", "li_manager")
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {"model": "res.config.settings", "method": "web_save", "args": [[], {}],
                 "kwargs": {"specification": {"linkedin_client_secret": {}}}},
            )  # fmt: skip
        self.assertIn("AccessError", str(caught.exception))


@tagged("post_install", "-at_install")
class TestLinkedInSettingsBrowser(LinkedInHttpCase):
    def test_linkedin_administrator_saves_the_form_in_the_browser(self):
        """In Chromium (skipped where it is absent): the menu's form opens for a LinkedIn administrator without
        Settings rights, a change and Save store it."""
        self.browser_js(
            "/odoo/action-linkedin_leadgen.linkedin_leadgen_settings_action",
            """
            const deadline = Date.now() + 30000;
            let saved = false;
            (function step() {
                const radio = document.querySelector(".o_form_view input.o_radio_input[data-value=review]");
                const notification = document.querySelector(".o_notification");
                if (!saved && radio) {
                    radio.click();
                    saved = true;
                    setTimeout(() => document.querySelector(".o_form_view button[name=action_save]").click(), 300);
                } else if (saved && notification) {
                    const text = notification.innerText;
                    if (text.includes("saved")) {
                        console.log("test successful");
                    } else {
                        console.error("notification: " + text);
                    }
                    return;
                }
                if (Date.now() > deadline) {
                    console.error("no settings form saved: " + document.body.innerText.slice(0, 400));
                } else {
                    setTimeout(step, 250);
                }
            })();
            """,
            login="li_manager",
        )
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("linkedin_leadgen.partial_match"), "review")
