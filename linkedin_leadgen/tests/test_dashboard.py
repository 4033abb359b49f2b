# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from lxml import etree

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .sync_common import LinkedInSyncCase, LinkedInSyncHttpCase


@tagged("post_install", "-at_install")
class TestLinkedInDashboard(LinkedInSyncCase):
    """One screen of several charts (Odoo's board), opened by sales managers without any LinkedIn group."""

    def test_sales_manager_opens_the_dashboard(self):
        self._sync_accounts(self.europe)
        manager = new_test_user(self.env, login="sales_boss", groups="sales_team.group_sale_manager")
        self.assertFalse(manager.has_group("linkedin_leadgen.group_linkedin_leadgen_salesperson"))
        menu = self.env.ref("linkedin_leadgen.linkedin_form_submission_menu_dashboard")
        visible = self.env["ir.ui.menu"].with_user(manager)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        self.assertIn(self.env.ref("linkedin_leadgen.crm_lead_menu_linkedin_by_source").id, visible)
        self.assertNotIn(self.env.ref("linkedin_leadgen.linkedin_user_profile_menu").id, visible)

        Actions = self.env["ir.actions.act_window"].with_user(manager)
        board = Actions._for_xml_id("linkedin_leadgen.linkedin_leadgen_dashboard_action")
        self.assertEqual(menu.action, self.env.ref("linkedin_leadgen.linkedin_leadgen_dashboard_action"))
        views = self.env[board["res_model"]].with_user(manager).get_views(board["views"])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        actions = arch.xpath("//board//action")
        self.assertGreaterEqual(len(actions), 4, "several charts in one screen")
        models_seen = {}
        for node in actions:
            # the board loads each action as /web/action/load does: as superuser, within the action's groups
            record = Actions.sudo().browse(int(node.get("name")))
            self.assertFalse(record.groups_id - manager.groups_id, node.get("string"))
            action = record.read()[0]
            model = self.env[action["res_model"]].with_user(manager)
            view_mode = node.get("view_mode")
            view_id = next((view for view, mode in action["views"] if mode == view_mode), False)
            view = model.get_views([(view_id, view_mode)])["views"][view_mode]
            domain = safe_eval(node.get("domain") or action.get("domain") or "[]")
            models_seen[node.get("string")] = model.search_count(domain)
            # what the web client reads for the view: every field of a list, the groups of a graph
            names = etree.fromstring(view["arch"]).xpath("//field/@name")
            if view_mode == "list":
                spec = {
                    name: {"fields": {"display_name": {}}} if model._fields[name].relational else {} for name in names
                }
                self.assertTrue(model.web_search_read(domain, spec)["records"], node.get("string"))
            else:
                groupby = [f"{name}:day" if model._fields[name].type == "datetime" else name for name in names]
                self.assertTrue(model.web_read_group(domain, ["__count"], groupby[:1], lazy=False)["groups"])
                self.assertTrue(model.read_group(domain, ["__count"], groupby, lazy=False))
        self.assertEqual(
            set(models_seen),
            {"Submissions by Campaign and Form", "Submissions by Week", "Leads by Source", "Sync Health",
             "Sync Runs"},
        )  # fmt: skip
        self.assertTrue(all(models_seen.values()), f"every chart has data: {models_seen}")
        # the charts group the records they show
        submissions = self.env["linkedin.form.submission"].with_user(manager)
        self.assertTrue(submissions.read_group([], ["campaign_name"], ["campaign_name", "form_id"], lazy=False))
        sources = self.env["crm.lead"].with_user(manager).read_group([], ["source_id"], ["source_id"])
        self.assertIn(
            self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content").id,
            [group["source_id"][0] for group in sources if group["source_id"]],
        )


@tagged("post_install", "-at_install")
class TestLinkedInDashboardBrowser(LinkedInSyncHttpCase):
    emulator_kwargs = {"responses": 5, "seed": 3}

    def test_dashboard_shows_its_charts_in_the_browser(self):
        """In Chromium (skipped where it is absent), a sales manager without LinkedIn groups sees the five charts
        of the dashboard, each with its data, and no error."""
        self._sync_accounts(self.europe)
        new_test_user(self.env, login="sales_boss", groups="sales_team.group_sale_manager")
        self.env.flush_all()
        self.browser_js(
            "/odoo/action-linkedin_leadgen.linkedin_leadgen_dashboard_action",
            """
            const deadline = Date.now() + 30000;
            (function check() {
                const actions = document.querySelectorAll(".o_dashboard .o-dashboard-action");
                const charts = document.querySelectorAll(".o_dashboard .o-dashboard-action canvas");
                const rows = document.querySelectorAll(".o_dashboard .o-dashboard-action .o_data_row");
                const error = document.querySelector(".o_error_dialog, .o_notification.border-danger");
                if (error) {
                    console.error("error shown: " + error.innerText.slice(0, 300));
                } else if (actions.length === 5 && charts.length === 4 && rows.length) {
                    console.log("test successful");
                } else if (Date.now() > deadline) {
                    console.error(`dashboard: ${actions.length} actions, ${charts.length} charts, ${rows.length} rows: `
                        + document.querySelector(".o_dashboard")?.innerText.slice(0, 400));
                } else {
                    setTimeout(check, 250);
                }
            })();
            """,
            login="sales_boss",
        )
