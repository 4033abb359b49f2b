# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

import requests

from odoo.tests import new_test_user, tagged

from odoo.addons.linkedin_leadgen.tests.common import LinkedInHttpCase


@tagged("post_install", "-at_install")
class TestAudienceAuthorize(LinkedInHttpCase):
    """Authorizing from the wizard brings the marketer back to the wizard over its list, not to the profile."""

    def test_authorize_from_wizard_returns_to_the_wizard(self):
        new_test_user(
            self.env,
            login="li_marketer_sales",
            groups="mass_mailing.group_mass_mailing_user,linkedin_leadgen.group_linkedin_leadgen_salesperson",
        )
        mailing_list = self.env["mailing.list"].create({"name": "Webinar guests"})
        wizard = self.env["linkedin.audience.wizard"].create({"mailing_list_id": mailing_list.id})
        self.authenticate("li_marketer_sales", "li_marketer_sales")
        response = self.url_open(
            "/web/dataset/call_button/linkedin.audience.wizard/action_authorize_profile",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": "linkedin.audience.wizard",
                        "method": "action_authorize_profile",
                        "args": [[wizard.id]],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        action = response.json()["result"]
        self.assertEqual(action["type"], "ir.actions.act_url")
        linkedin = requests.get(action["url"], allow_redirects=False, timeout=10)
        self.assertEqual(linkedin.status_code, 302, linkedin.text)
        callback = self.url_open(linkedin.headers["Location"], allow_redirects=False)
        self.assertEqual(callback.status_code, 303, callback.text)
        profile = self.env["linkedin.user.profile"].search([("user_id.login", "=", "li_marketer_sales")])
        self.assertEqual(profile.state, "connected")
        # the client action linkedin-audience-wizard opens the wizard over the list, with this profile
        self.assertTrue(
            callback.headers["Location"].endswith(
                f"/odoo/action-mass_mailing.action_view_mass_mailing_lists/{mailing_list.id}"
                f"/linkedin-audience-wizard?profile_id={profile.id}"
            ),
            callback.headers["Location"],
        )
