# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The audience wizard, clicked through in headless Chromium (static/tests/tours/linkedin_audience_tours.js)."""

from urllib.parse import parse_qs

from odoo.tests import new_test_user, tagged

from odoo.addons.linkedin_leadgen.tests.tour_common import LinkedInTourCase


@tagged("post_install", "-at_install")
class TestLinkedInAudienceTours(LinkedInTourCase):
    # LinkedIn takes the segment's users at once (no 404 window after creation), so the click sends them all;
    # its permission page is shown, as to a real member
    emulator_kwargs = {"dmp_not_found_window": 0, "consent": True}

    def _tour_list(self):
        mailing_list = self.env["mailing.list"].create({"name": "Tour subscribers"})
        self.env["mailing.contact"].create(
            [{"name": f"Reader {i}", "email": f"reader{i}@example.com", "list_ids": mailing_list.ids} for i in range(5)]
        )
        return mailing_list

    def test_marketer_sends_list_and_reaches_audience(self):
        # an administrator connected a profile for the marketer (marketers may not create one)
        profile = self.env["linkedin.user.profile"].create(
            {"name": "Mark Marketer on LinkedIn", "user_id": self.user_marketing.id}
        )
        profile._connect_with_tokens(self._tokens())
        mailing_list = self._tour_list()

        self.linkedin_tour(
            f"/odoo/action-mass_mailing.action_view_mass_mailing_lists/{mailing_list.id}",
            "linkedin_audience_wizard_tour",
            login="li_marketing",
        )
        audience = self.env["linkedin.audience"].search([("mailing_list_id", "=", mailing_list.id)])
        self.assertEqual(audience.name, "Tour audience")
        self.assertEqual(audience.profile_id, profile)
        self.assertTrue(audience.segment_id, "the LinkedIn segment was created")
        self.assertEqual(audience.contact_sent_count, 5)
        self.assertEqual(len(self.emulator.segment_users(audience.segment_id)), 5, "LinkedIn holds every contact")

    def test_marketer_authorizes_from_wizard_and_comes_back_to_it(self):
        # a marketer who may connect a profile of their own (the salesperson group), and has none yet
        marketer = new_test_user(
            self.env,
            login="li_marketer_sales",
            name="Paula Marketer",
            groups="mass_mailing.group_mass_mailing_user,linkedin_leadgen.group_linkedin_leadgen_salesperson",
        )
        mailing_list = self._tour_list()

        self.linkedin_tour(
            f"/odoo/action-mass_mailing.action_view_mass_mailing_lists/{mailing_list.id}",
            "linkedin_audience_authorize_tour",
            login="li_marketer_sales",
            consent=True,
        )
        self.assertEqual(
            [parse_qs(entry["query"]).get("consent") for entry in self.emulator.requests("authorization")],
            [None, ["allow"]],
            "LinkedIn showed its permission page, and the member allowed access there",
        )
        profile = self.env["linkedin.user.profile"].search([("user_id", "=", marketer.id)])
        self.assertProfileConnected(profile)
        audience = self.env["linkedin.audience"].search([("mailing_list_id", "=", mailing_list.id)])
        self.assertEqual(audience.name, "Authorized audience")
        self.assertEqual(audience.profile_id, profile, "created with the profile just authorized")
        self.assertEqual(audience.contact_sent_count, 5)
