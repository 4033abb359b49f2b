# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .sync_common import LinkedInSyncCase


@tagged("post_install", "-at_install")
class TestLinkedInLeadSource(LinkedInSyncCase):
    """Leads of Lead Gen forms have a UTM source of their own, told apart from other LinkedIn traffic."""

    def test_synced_lead_has_the_sponsored_content_source(self):
        sponsored = self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content")
        self.assertEqual(sponsored.name, "LinkedIn Sponsored Content")
        organic = self.env["crm.lead"].create(
            {"name": "From a post", "source_id": self.env.ref("utm.utm_source_linkedin").id}
        )
        response = self._add_lead()
        self._sync_accounts(self.europe)
        lead = self._submission(response).lead_id
        self.assertEqual(lead.source_id, sponsored)
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_linkedin"))
        # "Leads by source" groups the two apart
        groups = self.env["crm.lead"].read_group([("id", "in", (lead | organic).ids)], ["source_id"], ["source_id"])
        self.assertEqual({group["source_id"][1] for group in groups}, {"LinkedIn", "LinkedIn Sponsored Content"})

    def test_mapping_sets_another_source(self):
        """A custom question mapped to the lead's source sets it instead (e.g. "How did you hear of us?")."""
        webinar = self.env["utm.source"].create({"name": "Webinar"})
        self.env["linkedin.field.mapping"].create(
            {
                "source": "question",
                "question_name": "What is your main challenge?",
                "lead_field_id": self.env.ref("crm.field_crm_lead__source_id").id,
            }
        )
        response = self._add_lead(answers={"What is your main challenge?": "webinar"})
        unknown = self._add_lead(answers={"What is your main challenge?": "no such source"})
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(response).lead_id.source_id, webinar)
        self.assertEqual(
            self._submission(unknown).lead_id.source_id,
            self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content"),
        )

    def test_deleted_source_falls_back_to_linkedin(self):
        self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content").unlink()
        response = self._add_lead()
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(response).lead_id.source_id, self.env.ref("utm.utm_source_linkedin"))
