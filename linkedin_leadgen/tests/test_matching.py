# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged, users
from odoo.tools import SQL, html2plaintext

from .sync_common import LinkedInSyncCase


@tagged("post_install", "-at_install")
class TestLinkedInMatching(LinkedInSyncCase):
    emulator_kwargs = {"responses": 0, "seed": 5}

    def setUp(self):
        super().setUp()
        self.strategy_email = self.env.ref("linkedin_leadgen.linkedin_matching_strategy_email")
        self.strategy_phone = self.env.ref("linkedin_leadgen.linkedin_matching_strategy_phone")
        self.strategy_email_company = self.env.ref("linkedin_leadgen.linkedin_matching_strategy_email_company")
        self.Lead = self.env["crm.lead"]

    def _existing_lead(self, **vals):
        return self.Lead.create({"name": "Existing opportunity", "type": "opportunity", **vals})

    def _leads(self, **domain):
        return self.Lead.search([(key, "=", value) for key, value in domain.items()])

    # ------------------------------------------------------------------
    # Strategies
    # ------------------------------------------------------------------

    def test_email_strategy_updates_existing_lead(self):
        self.assertTrue(self.strategy_email.activated, "the e-mail strategy is activated on install")
        lead = self._existing_lead(email_from='"Jeanne" <Jeanne.Peeters@example.COM>', function="Intern")
        response = self._add_lead(answers={"WORK_EMAIL": "jeanne.peeters@example.com", "JOB_TITLE": "CEO"})
        result = self._sync_accounts(self.europe)
        self.assertEqual((result["created"], result["updated"]), (0, 1))
        submission = self._submission(response)
        self.assertEqual(submission.state, "lead_updated")
        self.assertEqual(submission.lead_id, lead)
        self.assertEqual(lead.function, "CEO", "the lead is updated with the submission's values")
        self.assertEqual(lead.name, "Existing opportunity", "but keeps its name and origin")
        note = html2plaintext(lead.message_ids[0].body)
        self.assertIn("Updated from LinkedIn form submission", note)
        self.assertIn("Job Position: Intern → CEO", note, "the note shows what changed")
        self.assertEqual(len(self._leads(email_normalized="jeanne.peeters@example.com")), 1)

    def test_no_match_creates_lead_and_lost_leads_are_not_matched(self):
        lost = self._existing_lead(email_from="lost@example.com")
        lost.action_set_lost()
        response = self._add_lead(answers={"WORK_EMAIL": "lost@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        self.assertEqual(submission.state, "lead_created")
        self.assertNotEqual(submission.lead_id, lost)

    def test_phone_strategy(self):
        self.strategy_phone.action_activate()
        self.assertFalse(self.strategy_email.activated, "activating a strategy deactivates the company's other one")
        lead = self._existing_lead(phone="+32 470 11 22 33", email_from="someone.else@example.com")
        response = self._add_lead(answers={"PHONE_NUMBER": "+32 470 11 22 33", "WORK_EMAIL": "new@example.com"})
        same_email = self._existing_lead(email_from="other@example.com")
        other = self._add_lead(answers={"PHONE_NUMBER": "+32 470 99 99 99", "WORK_EMAIL": "other@example.com"})
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(response).lead_id, lead)
        self.assertEqual(lead.email_from, "new@example.com")
        self.assertEqual(self._submission(other).state, "lead_created", "the e-mail is not matched on any more")
        self.assertNotEqual(self._submission(other).lead_id, same_email)

    def test_multi_field_strategy_needs_every_field(self):
        self.strategy_email_company.action_activate()
        lead = self._existing_lead(email_from="ana@example.com", partner_name="Peeters Logistics")
        full = self._add_lead(answers={"WORK_EMAIL": "ANA@example.com", "COMPANY_NAME": "  peeters   LOGISTICS "})
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(full).lead_id, lead, "text compared case- and space-insensitively")

        partial = self._add_lead(answers={"WORK_EMAIL": "ana@example.com", "COMPANY_NAME": "Other Company"})
        self._sync_accounts(self.europe)
        submission = self._submission(partial)
        self.assertEqual(submission.state, "lead_created", "a partial match creates a new lead by default")
        self.assertNotEqual(submission.lead_id, lead)

    def test_partial_match_kept_for_review(self):
        self._set_params(partial_match="review")
        self.strategy_email_company.action_activate()
        lead = self._existing_lead(email_from="bo@example.com", partner_name="Peeters Logistics")
        partial = self._add_lead(answers={"WORK_EMAIL": "bo@example.com", "COMPANY_NAME": "Other Company"})
        result = self._sync_accounts(self.europe)
        submission = self._submission(partial)
        self.assertEqual(submission.state, "partial_match")
        self.assertFalse(submission.lead_id)
        self.assertEqual(result["ignored"], 1)
        self.assertEqual(lead.function, False)
        # visible to the salesperson and importable later
        as_salesperson = submission.with_user(self.user_salesperson)
        self.assertEqual(as_salesperson.search([("state", "=", "partial_match")]), submission)
        as_salesperson.action_import()
        self.assertEqual(submission.state, "lead_created")
        self.assertNotEqual(submission.lead_id, lead)
        self.assertEqual(submission.lead_id.partner_name, "Other Company")

    def test_same_person_twice_in_one_batch(self):
        first = self._add_lead(answers={"WORK_EMAIL": "twice@example.com", "JOB_TITLE": "CFO"})
        second = self._add_lead(answers={"WORK_EMAIL": "Twice@Example.com", "JOB_TITLE": "CEO"})
        self._sync_accounts(self.europe)
        leads = self._leads(email_normalized="twice@example.com")
        self.assertEqual(len(leads), 1)
        self.assertEqual(
            sorted([self._submission(first).state, self._submission(second).state]), ["lead_created", "lead_updated"]
        )
        self.assertEqual(self._submission(second).lead_id, leads)

    def test_matching_is_batched(self):
        """One query per matched field for a whole batch, whatever the number of submissions."""
        self.strategy_email_company.action_activate()
        for index in range(40):
            self._add_lead(answers={"WORK_EMAIL": f"batch{index}@example.com", "COMPANY_NAME": f"Company {index}"})
        self._existing_lead(email_from="batch3@example.com", partner_name="Company 3")
        calls = []
        Lead = type(self.env["crm.lead"])
        original = Lead._linkedin_search_matches

        def counting(leads, run, fname, kind, values):  # a spy: the real search runs
            calls.append((fname, len(values)))
            return original(leads, run, fname, kind, values)

        with patch.object(Lead, "_linkedin_search_matches", counting):
            result = self._sync_accounts(self.europe)
        self.assertEqual((result["created"], result["updated"]), (39, 1))
        self.assertEqual(sorted(calls), [("email_from", 40), ("partner_name", 40)])

    def test_every_match_look_up_is_served_by_an_index(self):
        """At 1,000,000 leads a look-up that reads the whole table takes seconds a batch: the e-mail, the
        phone and the company name (compared case- and space-insensitively) each have their index."""
        self._existing_lead(email_from="ix@example.com", phone="+32 470 11 22 33", partner_name="Index  Works")
        self.env.flush_all()
        company = self.env.company
        for fname, kind, value, index in (
            ("email_from", "email", "ix@example.com", "crm_lead_email_normalized_btree_index"),
            ("phone", "phone", "+32470112233", "crm_lead__phone_sanitized_index"),
            ("partner_name", "text", "index works", "crm_lead_partner_name_linkedin_match_index"),
        ):
            query = self.Lead._linkedin_match_query(company, fname, kind, [value])
            self.env.cr.execute(query)
            self.assertEqual(len(self.env.cr.fetchall()), 1, f"the {fname} look-up finds the lead")
            self.env.cr.execute("SET LOCAL enable_seqscan = off")
            self.env.cr.execute(SQL("EXPLAIN %s", query))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
            self.assertIn(index, plan, f"the {fname} look-up uses {index}")

    # ------------------------------------------------------------------
    # Activation and deletion rules
    # ------------------------------------------------------------------

    @users("li_manager")
    def test_activation_and_deletion_rules(self):
        Strategy = self.env["linkedin.matching.strategy"]
        email = self.strategy_email.with_env(self.env)
        phone = self.strategy_phone.with_env(self.env)
        with self.assertRaises(UserError) as error:
            email.unlink()
        self.assertIn("activated and cannot be deleted", str(error.exception))
        phone.action_activate()
        self.assertEqual(Strategy.search([("activated", "=", True)]), phone, "exactly one per company")
        email.unlink()
        with self.assertRaises(ValidationError) as error:
            phone.action_archive()
        self.assertIn("activate another strategy before archiving", str(error.exception))

        custom = Strategy.create(
            {
                "name": "Name and company",
                "mapping_ids": [
                    (6, 0, (self.env.ref("linkedin_leadgen.linkedin_field_mapping_first_name")).ids),
                ],
            }
        )
        custom.action_activate()
        self.assertFalse(phone.activated)
        with self.assertRaises(ValidationError) as error:
            custom.mapping_ids = [(5, 0, 0)]
        self.assertIn("at least one field", str(error.exception))

        # another company has its own activated strategy
        company_b = self.env["res.company"].sudo().create({"name": "Company B"})
        self.env.user.sudo().company_ids |= company_b
        other = Strategy.with_company(company_b).create(
            {"name": "B e-mail", "company_id": company_b.id, "mapping_ids": phone.mapping_ids.ids, "activated": True}
        )
        self.assertTrue(custom.activated, "activation is per company")
        self.assertTrue(other.activated)

    @users("li_salesperson")
    def test_salesperson_cannot_change_strategies_or_mappings(self):
        strategy = self.env["linkedin.matching.strategy"].browse(self.strategy_phone.id)
        self.assertTrue(strategy.name, "salespeople read strategies")
        with self.assertRaises(AccessError):
            strategy.action_activate()
        with self.assertRaises(AccessError):
            self.env["linkedin.field.mapping"].create(
                {"predefined_field": "INDUSTRY", "lead_field_id": self.env.ref("crm.field_crm_lead__function").id}
            )

    @users("li_manager")
    def test_custom_question_mapping(self):
        self.env["linkedin.field.mapping"].create(
            {
                "source": "question",
                "question_name": "what is your MAIN challenge?",
                "lead_field_id": self.env.ref("crm.field_crm_lead__referred").id,
            }
        )
        response = self._add_lead(answers={"What is your main challenge?": "Slow quoting process"})
        self.env["linkedin.lead.importer"].sudo()._sync_accounts(self.europe)
        lead = self._submission(response).sudo().lead_id
        self.assertEqual(lead.referred, "Slow quoting process")
        self.assertNotIn("Slow quoting process", html2plaintext(lead.description or ""))
        with self.assertRaises(ValidationError) as error:
            self.env["linkedin.field.mapping"].create(
                {"predefined_field": "INDUSTRY", "lead_field_id": self.env.ref("crm.field_crm_lead__tag_ids").id}
            )
        self.assertIn("cannot receive a LinkedIn answer", str(error.exception))

    def test_form_submission_never_changes_an_existing_contact(self):
        """The lead is linked to the contact found by e-mail; the phone and e-mail typed in the form stay on the
        lead and never overwrite the contact's (crm's inverse would write them onto the partner)."""
        partner = self.env["res.partner"].create(
            {"name": "Karel Janssens", "email": "Karel.Janssens@Example.com", "phone": "+32 2 111 11 11"}
        )
        created = self._add_lead(answers={"WORK_EMAIL": "karel.janssens@example.com", "PHONE_NUMBER": "+1 555 0100"})
        self._sync_accounts(self.europe)
        lead = self._submission(created).lead_id
        self.assertEqual(lead.partner_id, partner)
        self.assertIn("555", lead.phone, "the lead has the phone of the form")
        self.assertEqual(partner.phone, "+32 2 111 11 11", "the contact's phone is untouched")
        self.assertEqual(partner.email, "Karel.Janssens@Example.com")
        # the same person again: the matched lead is updated, the contact still not
        updated = self._add_lead(answers={"WORK_EMAIL": "karel.janssens@example.com", "PHONE_NUMBER": "+1 555 0199"})
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(updated).state, "lead_updated")
        self.assertIn("0199", lead.phone)
        self.assertEqual(partner.phone, "+32 2 111 11 11", "the contact's phone is untouched")
