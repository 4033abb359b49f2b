# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The screens, clicked through in headless Chromium (static/tests/tours/linkedin_leadgen_tours.js)."""

import os
import unittest
from unittest.mock import patch
from urllib.parse import parse_qs

from odoo.tests import TransactionCase, tagged
from odoo.tests import common as odoo_common

from .tour_common import LinkedInTourCase, require_chromium


class TestChromiumRule(TransactionCase):
    def test_without_chromium_skipped_outside_ci_failed_in_ci(self):
        def not_found():
            raise unittest.SkipTest("Chrome executable not found")

        with patch.object(odoo_common, "_find_executable", not_found), patch.dict(os.environ):
            os.environ.pop("CI", None)
            with self.assertRaisesRegex(unittest.SkipTest, "^Chromium is not installed: no chromium"):
                require_chromium(self)
            os.environ["CI"] = "true"
            with self.assertRaisesRegex(AssertionError, "^Chromium is not installed: .*apt-get install -y chromium"):
                require_chromium(self)


@tagged("post_install", "-at_install")
class TestLinkedInLeadgenTours(LinkedInTourCase):
    emulator_kwargs = {"consent": True, "responses": 8}

    def test_settings_then_salesperson_authorizes_syncs_and_opens_lead(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("linkedin_leadgen.client_id", False)
        params.set_param("linkedin_leadgen.client_secret", False)

        self.linkedin_tour(
            "/odoo/action-crm.crm_config_settings_action", "linkedin_leadgen_settings_tour", login="admin"
        )
        self.assertEqual(params.get_param("linkedin_leadgen.client_id"), "emu-client")
        self.assertEqual(params.get_param("linkedin_leadgen.client_secret"), "emu-secret")

        self.linkedin_tour(
            "/odoo/action-linkedin_leadgen.linkedin_user_profile_action",
            "linkedin_leadgen_authorize_tour",
            login="li_salesperson",
            consent=True,
        )
        authorizations = self.emulator.requests("authorization")
        self.assertEqual(
            [parse_qs(entry["query"]).get("consent") for entry in authorizations],
            [None, ["allow"]],
            "LinkedIn showed its permission page, and the member allowed access there",
        )
        profile = self.env["linkedin.user.profile"].search([("user_id", "=", self.user_salesperson.id)])
        self.assertProfileConnected(profile)
        leads = self.env["crm.lead"].search([("linkedin_submission_ids", "!=", False)])
        self.assertTrue(leads, "the sync created the LinkedIn leads")
        self.assertEqual(leads.user_id, self.user_salesperson, "owned by the salesperson who authorized")

    def test_administrator_edits_strategy_and_resets_sync(self):
        profile = self._make_profile(self.user_salesperson)
        europe = profile.sudo().ad_account_ids.filtered(lambda account: account.name == "Acme Europe")
        self.env["linkedin.lead.importer"]._sync_accounts(europe)
        self.assertTrue(europe.sync_watermark)
        strategy = self.env.ref("linkedin_leadgen.linkedin_matching_strategy_phone")

        self.linkedin_tour(
            "/odoo/action-linkedin_leadgen.linkedin_matching_strategy_action",
            "linkedin_leadgen_admin_tour",
            login="li_manager",
        )
        strategy.invalidate_recordset()
        self.assertEqual(strategy.name, "Sanitized phone")
        self.assertTrue(strategy.activated)
        self.assertFalse(self.env.ref("linkedin_leadgen.linkedin_matching_strategy_email").activated)
        europe.invalidate_recordset()
        self.assertFalse(europe.sync_watermark, "everything LinkedIn holds is pulled again")
        self.assertEqual(europe.sync_state, "backlog")
        self.assertTrue(
            self.env["linkedin.sync.log"].search([("account_id", "=", europe.id), ("trigger", "=", "reset")])
        )
