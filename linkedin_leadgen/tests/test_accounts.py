# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import LinkedInCase
from .sync_common import LinkedInSyncCase


@tagged("post_install", "-at_install")
class TestLinkedInAccounts(LinkedInCase):
    def setUp(self):
        super().setUp()
        self.emulator.reset()

    def _emulated(self, name):
        return next(account for account in self.emulator.data.accounts if account["name"] == name)

    def _account(self, profile_or_accounts, name):
        accounts = profile_or_accounts
        if accounts._name == "linkedin.user.profile":
            accounts = accounts.ad_account_ids
        return accounts.filtered(lambda account: account.name == name)

    def test_discovery(self):
        profile = self._make_profile(self.user_salesperson)
        accounts = profile.with_user(self.user_salesperson).ad_account_ids
        self.assertEqual(
            sorted(accounts.mapped("linkedin_id")), sorted(str(a["id"]) for a in self.emulator.data.accounts)
        )
        europe = self._account(accounts, "Acme Europe")
        self.assertRecordValues(
            europe,
            [
                {
                    "linkedin_id": str(self._emulated("Acme Europe")["id"]),
                    "role": "ACCOUNT_BILLING_ADMIN",
                    "currency": "EUR",
                    "status": "ACTIVE",
                    "organization_urn": self._emulated("Acme Europe")["reference"],
                    "organization_name": "Acme Corp Europe",
                    "organization_role": "ADMINISTRATOR",
                    "can_sync": True,
                    "sync_issue": False,
                    "company_id": self.env.company.id,
                    "sync_state": "idle",
                }
            ],
        )
        self.assertEqual(self._account(accounts, "Acme Legacy").status, "CANCELED")
        self.assertEqual(self._account(accounts, "Acme Partner Program").organization_role, "LEAD_GEN_FORMS_MANAGER")
        self.assertIn(profile, europe.profile_ids)

    def test_account_without_page_flagged(self):
        profile = self._make_profile(self.user_salesperson)
        personal = self._account(profile, "Acme Personal Ads")
        self.assertFalse(personal.can_sync)
        self.assertIn("no company page", personal.sync_issue)
        self.assertFalse(personal.organization_urn)
        self.assertEqual(len(profile.ad_account_ids.filtered(lambda a: not a.can_sync)), 1)

    def test_account_without_page_role_flagged(self):
        north_america = self._emulated("Acme North America")
        member = self.emulator.data.members["default"]
        member["org_roles"] = [
            (org_id, role) for org_id, role in member["org_roles"] if north_america["organization"]["id"] != org_id
        ]
        profile = self._make_profile(self.user_salesperson)
        account = self._account(profile, "Acme North America")
        self.assertFalse(account.can_sync)
        self.assertIn("no role on the company page", account.sync_issue)
        self.assertIn("Acme Corp North America", account.sync_issue)

    def test_canceled_account_still_synced_with_note(self):
        """LinkedIn keeps a canceled account's leads for 365 days: the account syncs, with a note saying why."""
        profile = self._make_profile(self.user_salesperson)
        legacy = self._account(profile, "Acme Legacy").with_user(self.user_salesperson)
        self.assertEqual(legacy.status, "CANCELED", "the stored value stays LinkedIn's code")
        self.assertEqual(legacy.status_label, "Canceled")
        self.assertTrue(legacy.can_sync)
        self.assertIn("canceled on LinkedIn: no new leads will arrive", legacy.sync_issue)
        self.assertIn(legacy, profile.ad_account_ids.filtered("can_sync"))
        self.assertFalse(self._account(profile, "Acme Europe").sync_issue, "active accounts carry no note")

    def test_codes_shown_as_labels(self):
        """Users read labels; LinkedIn's codes stay stored, and a code LinkedIn adds tomorrow still reads well."""
        europe = self._emulated("Acme Europe")
        europe["status"] = "ON_HOLD"
        self.emulator.data.members["default"]["roles"][europe["id"]] = "NEW_ROLE"
        profile = self._make_profile(self.user_salesperson)
        accounts = profile.with_user(self.user_salesperson).ad_account_ids

        viewer = self._account(accounts, "Acme Partner Program")
        self.assertRecordValues(
            viewer,
            [
                {
                    "role": "VIEWER",
                    "role_label": "Viewer",
                    "status_label": "Active",
                    "organization_role_label": "Lead Gen Forms Manager",
                    "can_sync": True,  # a viewer reads leads (API notes, section 2.5)
                }
            ],
        )
        unknown = self._account(accounts, "Acme Europe")
        self.assertRecordValues(
            unknown,
            [{"role": "NEW_ROLE", "role_label": "New Role", "status": "ON_HOLD", "status_label": "On Hold"}],
        )
        self.assertEqual(self._account(accounts, "Acme North America").role_label, "Campaign Manager")

        client = profile.with_user(self.user_salesperson)._get_client()
        questions = self._account(profile, "Acme Europe")._refresh_forms(client).question_ids
        first_name = questions.filtered(lambda q: q.predefined_field == "FIRST_NAME")[:1]
        self.assertEqual(first_name.predefined_field_label, "First name")
        custom = questions.filtered(lambda q: not q.predefined_field)[:1]
        self.assertFalse(custom.predefined_field_label)
        first_name = first_name.sudo()
        first_name.predefined_field = "FAVORITE_COLOR"
        self.assertEqual(first_name.predefined_field_label, "Favorite Color")
        answer = self.env["linkedin.form.submission.answer"].new({"predefined_field": "WORK_EMAIL"})
        self.assertEqual(answer.predefined_field_label, "Work e-mail")

    def test_sync_log_display_name(self):
        profile = self._make_profile(self.user_salesperson)
        europe = self._account(profile, "Acme Europe")
        log = self.env["linkedin.sync.log"].create({"account_id": europe.id, "date_start": "2026-03-02 09:30:00"})
        self.assertEqual(log.display_name, "Acme Europe – 03/02/2026 09:30:00")
        # durations read as seconds or minutes, not "4.00"
        log.date_end = "2026-03-02 09:30:04"
        self.assertEqual(log.duration_label, "4 s")
        log.date_end = "2026-03-02 09:32:05"
        self.assertEqual(log.duration_label, "2 min 5 s")

    def test_rediscovery_updates_and_is_shared(self):
        """Two members' profiles share the account records; a second discovery creates no duplicates."""
        first = self._make_profile(self.user_salesperson)
        second = self._make_profile(self.user_salesperson_2, name="Second")
        self.assertEqual(first.ad_account_ids, second.ad_account_ids)
        self.emulator.data.accounts[0]["name"] = "Acme Europe (renamed)"
        first.with_user(self.user_salesperson)._refresh_ad_accounts()
        self.assertEqual(first.ad_account_ids, second.ad_account_ids)
        self.assertIn("Acme Europe (renamed)", first.ad_account_ids.mapped("name"))
        self.assertEqual(
            self.env["linkedin.ad.account"].search_count(
                [("linkedin_id", "in", first.ad_account_ids.mapped("linkedin_id"))]
            ),
            len(self.emulator.data.accounts),
        )

    def test_forms_and_questions(self):
        profile = self._make_profile(self.user_salesperson)
        account = self._account(profile, "Acme Europe")
        client = profile.with_user(self.user_salesperson)._get_client()
        forms = account._refresh_forms(client)
        expected = list(client.iter_lead_forms(account.linkedin_id))
        self.assertEqual(sorted(forms.mapped("linkedin_id")), sorted(str(form["id"]) for form in expected))
        self.assertEqual(account.form_ids, forms.with_env(account.env))

        for data in expected:
            form = forms.filtered(lambda f, d=data: f.linkedin_id == str(d["id"]))
            self.assertEqual(form.name, data["name"])
            self.assertEqual(form.version_id, data["versionId"])
            self.assertEqual(form._as_linkedin_dict(), data, "the raw form is kept for the answer decoder")
            questions = data["content"]["questions"]
            self.assertEqual(form.question_ids.mapped("question_id"), [str(q["questionId"]) for q in questions])
            for question, item in zip(form.question_ids, questions, strict=True):
                self.assertEqual(question.predefined_field or None, item.get("predefinedField"))
                is_choice = "multipleChoiceQuestionDetails" in item["questionDetails"]
                self.assertEqual(question.question_type, "choice" if is_choice else "text")
                if is_choice:
                    self.assertTrue(question.options_display)
            consents = (data["content"].get("legalInfo") or {}).get("consents") or []
            self.assertEqual(bool(form.consents_display), bool(consents))

        choice = forms.question_ids.filtered(lambda q: q.question_type == "choice")
        self.assertTrue(choice, "the emulator's forms hold multiple-choice questions")
        self.assertTrue(forms.filtered("hidden_fields_display"), "and hidden fields")

        # a second refresh updates in place
        question_ids = forms.question_ids.ids
        account._refresh_forms(client)
        self.assertEqual(account.form_ids.question_ids.ids, question_ids)

    def test_salesperson_reads_but_cannot_edit_accounts(self):
        profile = self._make_profile(self.user_salesperson)
        account = profile.ad_account_ids[:1].with_user(self.user_salesperson)
        self.assertTrue(account.name)
        with self.assertRaises(AccessError):
            account.write({"can_sync": True, "name": "Mine now"})
        with self.assertRaises(AccessError):
            account.unlink()
        manager_account = account.with_user(self.user_manager)
        manager_account.write({"active": False})
        self.assertFalse(manager_account.active)


@tagged("post_install", "-at_install")
class TestLinkedInAccountInTwoCompanies(LinkedInSyncCase):
    """One LinkedIn ad account reached from two companies: its leads go to the company that had it first."""

    emulator_kwargs = {"responses": 0, "seed": 9}

    def test_ad_account_syncs_in_one_company_only(self):
        other = self.env["res.company"].create({"name": "Acme Holding"})
        holder = new_test_user(
            self.env,
            login="holding_sales",
            groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
            company_id=other.id,
            company_ids=[other.id],
        )
        second = self._make_profile(holder, company_id=other.id)
        twin = second.sudo().ad_account_ids.filtered(lambda a: a.linkedin_id == self.europe.linkedin_id)
        self.assertEqual(twin.company_id, other)
        self.assertFalse(twin.can_sync, "the second company's record of the account does not sync")
        self.assertIn(self.env.company.name, twin.sync_issue, "and says which company gets its leads")
        self.assertTrue(self.europe.can_sync)
        response = self._add_lead(answers={"WORK_EMAIL": "one.company@example.com"})
        self.env["linkedin.lead.importer"]._cron_sync()
        self.assertEqual(self._submission(response).company_id, self.env.company)
        self.assertNotIn(twin, self.env["linkedin.lead.importer"]._get_accounts_to_sync())
