# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What LinkedIn's data may do that a careful read suspected (issue finding 12), checked against the emulator:
numbers that are not numbers, short pages without a total, leads deleted between two pages."""

from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from .sync_common import LinkedInSyncCase

IMPORTER_LOGGER = "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"
CHALLENGE = "What is your main challenge?"


@tagged("post_install", "-at_install")
class TestLinkedInNumbers(LinkedInSyncCase):
    def _map(self, field_xmlid):
        return self.env["linkedin.field.mapping"].create(
            {"source": "question", "question_name": CHALLENGE, "lead_field_id": self.env.ref(field_xmlid).id}
        )

    def _check_numbers(self, field_xmlid):
        """ "nan", "1e400", "inf" and "-Infinity" are valid for Python's float(); PostgreSQL stores NaN and
        Infinity in float and numeric columns. The lead keeps the field as without an answer, and
        the answer in its description."""
        fname = self._map(field_xmlid).lead_field_id.name
        sent = {}
        for value in ("nan", "NaN", "1e400", "inf", "-Infinity", "12.5", "-0"):
            sent[value] = self._add_lead(answers={"WORK_EMAIL": f"n{len(sent)}@example.com", CHALLENGE: value})
        with mute_logger(IMPORTER_LOGGER):
            result = self._sync_accounts(self.europe)
        self.assertFalse(result["errors"])
        for value, response in sent.items():
            submission = self._submission(response)
            lead = submission.lead_id
            self.assertTrue(lead, f"{value!r}: the lead is created ({submission.state}: {submission.error})")
            self.env.cr.execute(f"SELECT {fname}::text FROM crm_lead WHERE id = %s", (lead.id,))
            stored = self.env.cr.fetchone()[0] or ""  # NULL: no amount
            self.assertNotIn(stored.lower().lstrip("-"), ("nan", "infinity"), f"{value!r} stored as {stored}")
            if value == "12.5":
                self.assertEqual(lead[fname], 12.5)
            elif value == "-0":
                self.assertFalse(stored.startswith("-"), "zero, not minus zero")
            else:
                # not a number: the field keeps what it has without an answer (the stage's probability)
                self.assertEqual(lead[fname], 0 if fname == "expected_revenue" else lead.automated_probability)
                self.assertIn(value, html2plaintext(lead.description), "the answer is kept in the description")

    def test_expected_revenue_is_never_nan_or_infinite(self):
        self._check_numbers("crm.field_crm_lead__expected_revenue")

    def test_probability_is_never_nan_or_infinite(self):
        self._check_numbers("crm.field_crm_lead__probability")
