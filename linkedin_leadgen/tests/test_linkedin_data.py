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


@tagged("post_install", "-at_install")
class TestLinkedInPaging(LinkedInSyncCase):
    """A window is read with offsets (``start``/``count``, 100 a page, newest first): what LinkedIn changes
    between two pages must not shift a lead out of reach."""

    def _add_old_leads(self, count):
        """``count`` leads of Acme Europe submitted hours ago (before the overlap a later window re-reads)."""
        now = self.emulator.now_ms()
        for index in range(count):
            self._add_lead(
                answers={"WORK_EMAIL": f"p{index}@example.com"}, submitted_at_ms=now - (index + 2) * 3_600_000
            )

    def _newest(self, count):
        """Ids of Acme Europe's ``count`` newest leads on LinkedIn: the first page of a window."""
        return [lead.id for lead in self.emulator.data.select(int(self.europe.linkedin_id), None, None)[:count]]

    def assertEveryLeadImported(self):
        self.europe.invalidate_recordset()
        self.assertFalse(self.europe.sync_cursor, "the window was read to its end")
        imported = set(self._submissions().filtered(lambda s: s.account_id == self.europe).mapped("linkedin_id"))
        missing = self._live_leads(self.europe) - imported
        self.assertFalse(missing, f"{len(missing)} leads LinkedIn holds were never imported")

    def test_short_pages_without_total_are_read_to_the_end(self):
        """LinkedIn's ``paging.total`` is "sometimes absent" and a page may hold fewer elements than asked."""
        self._add_old_leads(20)
        self.emulator.short_pages = 7
        self.emulator.paging_total = False
        result = self._sync_accounts(self.europe)
        self.assertFalse(result["errors"])
        self.assertEveryLeadImported()

    def test_leads_deleted_between_two_pages_skip_no_lead(self):
        self._add_old_leads(130)
        gone = self._newest(3)  # on the first page

        def delete_after_first_page(start, count):
            if start == 0:
                for lead_id in gone:
                    self.emulator.delete_response(lead_id)

        self.emulator.after_page = delete_after_first_page
        result = self._sync_accounts(self.europe)
        self.assertFalse(result["errors"])
        self.assertEveryLeadImported()
        self.assertEqual(len(self._submissions().filtered(lambda s: s.linkedin_id in gone)), 3, "read before")

    def test_leads_deleted_between_two_runs_skip_no_lead(self):
        """A run that stopped after a batch resumes at its stored offset: leads deleted before it meanwhile."""
        self._add_old_leads(130)
        with self._batch_size(100):
            self._sync_accounts(self.europe, deadline=self.env["linkedin.sync.mixin"]._linkedin_clock().monotonic())
            self.assertTrue(self.europe.sync_cursor, "one batch imported, the rest left for the next run")
            for lead_id in self._newest(5):
                self.emulator.delete_response(lead_id)
            result = self._sync_accounts(self.europe)
        self.assertFalse(result["errors"])
        self.assertEveryLeadImported()
