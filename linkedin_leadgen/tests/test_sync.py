# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import config, html2plaintext, mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.linkedin_leadgen.models.linkedin_sync_run import LeadItem, SyncRun

from .sync_common import LinkedInSyncCase


@tagged("post_install", "-at_install")
class TestLinkedInSync(LinkedInSyncCase):
    def test_sync_creates_leads_with_values(self):
        team = self.env["crm.team"].create({"name": "LinkedIn team"})
        self._set_params(team_id=team.id, user_id=self.user_salesperson_2.id)
        demo_form = self._emulated_form("Demo request")
        response = self._add_lead(
            "Demo request",
            answers={
                "FIRST_NAME": "Jeanne",
                "LAST_NAME": "Peeters",
                "WORK_EMAIL": "Jeanne.Peeters@Example.com",
                "PHONE_NUMBER": "+32 470 12 34 56",
                "COMPANY_NAME": "Peeters Logistics",
                "JOB_TITLE": "Head of Sales",
                "WEBSITE": "https://peeters.example.com",
                "CITY": "Antwerp",
                "STATE": None,
                "ZIP_CODE": "2000",
                "COUNTRY": "Belgium",
                "What is your main challenge?": "Too many spreadsheets",
                "Preferred contact time": "Morning",
            },
            consents={0: True, 1: False},
        )

        self._sync()

        submission = self._submission(response)
        self.assertEqual(submission.state, "lead_created")
        self.assertEqual(submission.account_id, self.europe)
        self.assertEqual(submission.form_id.linkedin_id, str(demo_form["id"]))
        campaign = next(
            c for c in self.emulator.data.campaigns if response["leadMetadata"]["sponsoredLeadMetadata"]["campaign"]
            == f"urn:li:sponsoredCampaign:{c['id']}"
        )  # fmt: skip
        self.assertEqual(submission.campaign_name, campaign["name"])
        self.assertTrue(submission.creative_name, "the creative is named, not only a URN")
        self.assertEqual(
            dict(zip(submission.answer_ids.mapped("label"), submission.answer_ids.mapped("value"), strict=True))[
                "Preferred contact time"
            ],
            "Morning",
            "multiple-choice answers are stored as their text",
        )
        self.assertEqual(
            submission.hidden_fields, {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "demo"}
        )
        self.assertEqual(submission.consent_ids.mapped("accepted"), [True, False])
        self.assertTrue(submission.raw_payload["formResponse"]["answers"])

        lead = submission.lead_id
        self.assertRecordValues(
            lead,
            [
                {
                    "name": f"Jeanne Peeters - {campaign['name']}",
                    "contact_name": "Jeanne Peeters",
                    "email_from": "Jeanne.Peeters@Example.com",
                    "email_normalized": "jeanne.peeters@example.com",
                    "phone": "+32 470 12 34 56",
                    "partner_name": "Peeters Logistics",
                    "function": "Head of Sales",
                    "website": "https://peeters.example.com",
                    "city": "Antwerp",
                    "zip": "2000",
                    "country_id": self.env.ref("base.be").id,
                    "source_id": self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content").id,
                    "medium_id": self.env.ref("utm.utm_medium_linkedin").id,
                    "team_id": team.id,
                    "user_id": self.user_salesperson_2.id,
                    "company_id": self.europe.company_id.id,
                }
            ],
        )
        self.assertEqual(lead.campaign_id.name, campaign["name"], "the UTM campaign is the LinkedIn campaign")
        self.assertEqual(
            lead.stage_id, self.env["crm.lead"]._stage_find(team_id=team.id, domain=[("fold", "=", False)])
        )
        description = html2plaintext(lead.description)
        self.assertIn("What is your main challenge?", description, "unmapped answers land in the description")
        self.assertIn("Too many spreadsheets", description)
        self.assertIn("Preferred contact time", description)
        self.assertNotIn("Peeters Logistics", description, "mapped answers do not")
        # its owner (the default salesperson) sees its submission; read from the database, not the cache
        lead.invalidate_recordset()
        self.assertEqual(lead.with_user(self.user_salesperson_2).linkedin_submission_ids, submission)
        self.assertFalse(lead.message_ids.filtered(lambda m: m.message_type == "notification" and m.tracking_value_ids))

    def test_synced_leads_in_owner_pipeline(self):
        """With no default team or salesperson set, leads go to the profile's owner and their sales team,
        so "My Pipeline" shows them; the sync's notification opens the leads it created."""
        team = self.env["crm.team"].create({"name": "Sally's team", "member_ids": [(4, self.user_salesperson.id)]})
        action = self._sync()

        leads = self._submissions().lead_id
        self.assertTrue(leads)
        self.assertEqual(set(leads.mapped("user_id")), {self.user_salesperson})
        self.assertEqual(set(leads.mapped("team_id")), {team})
        my_pipeline = (
            self.env["crm.lead"].with_user(self.user_salesperson).search([("user_id", "=", self.user_salesperson.id)])
        )
        self.assertEqual(my_pipeline & leads, leads, "the default My Pipeline filter shows them")

        next_action = action["params"]["next"]
        self.assertEqual(next_action["res_model"], "crm.lead")
        self.assertEqual(self.env["crm.lead"].search(next_action["domain"]), leads)
        self.assertIn(str(len(leads)), action["params"]["message"])

        # the administrator's defaults win
        other_team = self.env["crm.team"].create({"name": "LinkedIn team"})
        self._set_params(team_id=other_team.id, user_id="")
        self._add_lead("Demo request")
        self._sync()
        lead = self._submissions().lead_id - leads
        self.assertEqual(len(lead), 1)
        self.assertEqual((lead.team_id, lead.user_id), (other_team, self.env["res.users"]))

    def test_sync_imports_every_submission_once(self):
        result = self._sync_accounts()
        live = self._live_leads()
        submissions = self._submissions()
        self.assertEqual(set(submissions.mapped("linkedin_id")), live, "every LinkedIn lead is bound once")
        self.assertEqual(result["fetched"], len(live))
        self.assertEqual(
            result["created"] + result["updated"] + result["ignored"], len(live), "nothing failed or was dropped"
        )
        leads = submissions.lead_id
        self.assertEqual(len(leads), result["created"])
        self.assertEqual(sum(self.accounts.mapped("lead_created_count")), result["created"])
        self.assertTrue(all(self.accounts.mapped("last_success_date")))
        self.assertEqual(set(self.accounts.mapped("sync_state")), {"idle"})
        self.assertTrue(all(self.accounts.mapped("sync_watermark")))
        logs = self.env["linkedin.sync.log"].search([("account_id", "in", self.accounts.ids)])
        self.assertEqual(sum(logs.mapped("created_count")), result["created"])

        # a second run only re-reads the overlap window: nothing new, nothing updated twice
        messages = self.env["mail.message"].search_count([("model", "=", "crm.lead"), ("res_id", "in", leads.ids)])
        again = self._sync_accounts()
        self.assertEqual((again["created"], again["updated"], again["failed"]), (0, 0, 0))
        self.assertEqual(self._submissions(), submissions)
        self.assertEqual(
            self.env["mail.message"].search_count([("model", "=", "crm.lead"), ("res_id", "in", leads.ids)]), messages
        )

    def test_incremental_sync_with_overlap(self):
        self._sync_accounts()
        count = len(self._submissions())
        watermark = self.europe.sync_watermark
        # a lead LinkedIn indexed late: submitted before the watermark, inside the overlap window
        late = self._add_lead(submitted_at_ms=self.emulator.now_ms() - 20 * 60 * 1000)
        new = self._add_lead()
        result = self._sync_accounts(self.europe)
        self.assertEqual(result["fetched"], 2, "only the overlap window and what came after are read")
        self.assertEqual(len(self._submissions()), count + 2)
        self.assertTrue(self._submission(late).lead_id)
        self.assertTrue(self._submission(new).lead_id)
        self.assertGreaterEqual(self.europe.sync_watermark, watermark)

    def test_first_sync_backfills_configured_window(self):
        self._set_params(backfill_days=30)
        old = self._add_lead(submitted_at_ms=self.emulator.now_ms() - 40 * 86_400_000)
        recent = self._add_lead(submitted_at_ms=self.emulator.now_ms() - 10 * 86_400_000)
        self._sync_accounts(self.europe)
        self.assertFalse(self._submission(old))
        self.assertTrue(self._submission(recent))

    def test_replay_of_same_lead_updates_nothing_twice(self):
        response = self._add_lead(answers={"WORK_EMAIL": "replay@example.com"})
        self._sync_accounts(self.europe)
        lead = self._submission(response).lead_id
        lead.write({"phone": "+32 2 000 00 00"})
        write_date = lead.write_date
        # replay: the same lead comes back (a reset, the webhook, an overlap)
        self.europe.write({"sync_watermark": False})
        result = self._sync_accounts(self.europe)
        self.assertEqual((result["created"], result["updated"]), (0, 0))
        self.assertGreater(result["duplicates"], 0)
        self.assertEqual(lead.phone, "+32 2 000 00 00")
        self.assertEqual(lead.write_date, write_date)
        self.assertEqual(len(self.env["crm.lead"].search([("email_normalized", "=", "replay@example.com")])), 1)

    def test_test_leads_ignored_unless_setting(self):
        ignored = self._add_lead(test=True)
        self._sync_accounts(self.europe)
        submission = self._submission(ignored)
        self.assertEqual(submission.state, "ignored_test")
        self.assertTrue(submission.test_lead)
        self.assertFalse(submission.lead_id)

        self._set_params(import_test_leads="True")
        imported = self._add_lead(test=True)
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(imported).state, "lead_created")
        # an ignored test lead can still be imported by hand
        submission.with_user(self.user_salesperson).action_import()
        self.assertEqual(submission.state, "lead_created")
        self.assertTrue(submission.lead_id)

    def test_consent_recorded_and_blacklist_kept(self):
        self.env["mail.blacklist"].create({"email": "no.mail@example.com"})
        response = self._add_lead(answers={"WORK_EMAIL": "No.Mail@example.com"}, consents={0: True, 1: True})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        self.assertEqual(submission.consent_ids.mapped("accepted"), [True, True])
        self.assertIn("news and offers", submission.consent_ids[1].text)
        lead = submission.lead_id
        self.assertTrue(lead.is_blacklisted, "a blacklisted address stays blacklisted")
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", "no.mail@example.com"), ("active", "=", True)])
        )
        lead_as_salesperson = lead.with_user(self.user_salesperson)
        self.assertEqual(lead_as_salesperson.linkedin_consent_ids, submission.consent_ids)

    def test_existing_contact_linked(self):
        partner = self.env["res.partner"].create({"name": "Known Contact", "email": "known@example.com"})
        response = self._add_lead(answers={"WORK_EMAIL": "KNOWN@example.com"})
        self._sync_accounts(self.europe)
        self.assertEqual(self._submission(response).lead_id.partner_id, partner)

    def test_utm_campaign_not_created_when_setting_off(self):
        self._set_params(create_utm_campaigns=False)
        response = self._add_lead()
        self._sync_accounts(self.europe)
        lead = self._submission(response).lead_id
        self.assertFalse(lead.campaign_id)
        self.assertEqual(lead.source_id, self.env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content"))

    def test_salesperson_syncs_on_demand(self):
        response = self._add_lead()
        action = self._sync()
        self.assertEqual(action["tag"], "display_notification")
        submission = self._submission(response).with_user(self.user_salesperson)
        self.assertEqual(submission.state, "lead_created")
        self.assertTrue(submission.lead_id.exists())

    def test_sync_button_uses_the_grant_of_the_profile_clicked(self):
        other = self._make_profile(self.user_salesperson_2)
        self.assertEqual(self.europe.profile_ids, self.profile | other, "both members reach the account")
        other.with_user(self.user_salesperson_2).action_sync_submissions()
        logs = self.env["linkedin.sync.log"].search([("account_id", "in", self.accounts.ids)])
        self.assertTrue(logs)
        self.assertEqual(logs.profile_id, other, "never another salesperson's LinkedIn login")

    def test_cron_sync_in_committed_slices(self):
        # small slices: one batch per cron call, then the cron calls again with the rest
        with self._batch_size(10), self._cron_budget(0):
            self.env["linkedin.lead.importer"]._cron_sync()
            first = len(self._submissions())
            self.assertTrue(0 < first < len(self._live_leads()), "one slice only")
            self.assertTrue(any(self.accounts.mapped("sync_cursor")), "the resume point is stored")
            for _i in range(20):
                self.env["linkedin.lead.importer"]._cron_sync()
        self.assertEqual(set(self._submissions().mapped("linkedin_id")), self._live_leads())
        self.assertFalse(any(self.accounts.mapped("sync_cursor")))
        starts = [
            re.search(r"(?:^|&)start=(\d+)", request["query"]).group(1)
            for request in self.emulator.requests("leadFormResponses")
        ]
        self.assertEqual(starts.count("0"), len(self.accounts), "a resumed slice does not read from the start again")

    def test_cron_wakes_itself_while_a_backlog_remains(self):
        # Odoo's runner calls a job 10 times in a row, then its threads look again only after up to 60 s
        # unless a trigger wakes them: a backlog goes on at once, and a finished sync stops triggering
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync")
        triggers = self.env["ir.cron.trigger"].sudo()
        triggers.search([("cron_id", "=", cron.id)]).unlink()
        with self._batch_size(10), self._cron_budget(0):
            self.env["linkedin.lead.importer"]._cron_sync()
            woken = triggers.search([("cron_id", "=", cron.id)])
            self.assertEqual(len(woken), 1, "work remains: the cron is triggered again")
            self.assertLessEqual(woken.call_at, fields.Datetime.now())
            for _i in range(20):
                self.env["linkedin.lead.importer"]._cron_sync()
            triggers.search([("cron_id", "=", cron.id)]).unlink()
            self.env["linkedin.lead.importer"]._cron_sync()
        self.assertEqual(set(self._submissions().mapped("linkedin_id")), self._live_leads())
        self.assertFalse(triggers.search([("cron_id", "=", cron.id)]), "nothing left: no trigger")

    def test_accounts_a_click_had_no_time_for_go_to_the_cron_at_once(self):
        self._sync_accounts()  # every account synced a moment ago
        europe_lead = self._add_lead("Demo request")
        us_lead = self._add_lead("US webinar")
        result = self._sync_accounts(self.europe | self.north_america, deadline=1)  # spent after the first
        self.assertTrue(result["remaining"])
        self.assertTrue(self._submission(europe_lead))
        self.assertFalse(self._submission(us_lead))
        self.assertEqual(self.north_america.sync_state, "backlog")
        self.env["linkedin.lead.importer"]._cron_sync()
        self.assertTrue(self._submission(us_lead), "the cron continues though the account was synced just before")

    def test_retryable_fault_isolates_account_and_next_run_catches_up(self):
        self._add_lead("US webinar")
        europe_lead = self._add_lead("Demo request")
        self.emulator.inject("leadFormResponses", "500", times=1)
        with self._no_client_retries(), mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"):
            result = self._sync_accounts(self.europe | self.north_america)
        self.assertEqual(self.europe.sync_state, "error")
        self.assertIn("retries later", self.europe.last_sync_error)
        self.assertTrue(self.europe.sync_paused_until, "retried with back-off")
        self.assertFalse(self._submission(europe_lead))
        self.assertEqual(self.north_america.sync_state, "idle", "the other account is not affected")
        self.assertTrue(result["created"])
        log = self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1)
        self.assertEqual(log.state, "failed")

        # the scheduler leaves it alone while paused, a manual sync (or the next run after the pause) catches up
        self.assertNotIn(self.europe, self.env["linkedin.lead.importer"]._get_accounts_to_sync())
        self._sync_accounts(self.europe)
        self.assertEqual(self.europe.sync_state, "idle")
        self.assertFalse(self.europe.sync_paused_until)
        self.assertTrue(self._submission(europe_lead).lead_id)

    def test_throttled_and_daily_quota(self):
        self.emulator.inject("leadFormResponses", "429_retry_after", times=1, retry_after=120)
        with self._no_client_retries(), mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"):
            self._sync_accounts(self.europe)
        self.assertEqual(self.europe.sync_state, "backlog")
        self.assertIn("slow down", self.europe.last_sync_error)
        self.emulator.inject("leadFormResponses", "day_limit", times=1)
        with self._no_client_retries(), mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"):
            self._sync_accounts(self.europe)
        self.assertIn("daily", self.europe.last_sync_error)
        self.assertGreater(self.europe.sync_paused_until, fields.Datetime.now(), "paused until the quota resets")
        self.assertNotIn(self.europe, self.env["linkedin.lead.importer"]._get_accounts_to_sync())
        self._sync_accounts(self.europe)
        self.assertEqual(self.europe.sync_state, "idle")

    def test_revoked_grant_marks_profile_and_next_profile_takes_over(self):
        other = self._make_profile(self.user_salesperson_2)
        self.assertEqual(self.europe.profile_ids, self.profile | other)
        response = self._add_lead()
        self.emulator.revoke(self.profile.sudo().access_token)
        with mute_logger(
            "odoo.addons.linkedin_leadgen.models.linkedin_lead_importer",
            "odoo.addons.linkedin_leadgen.linkedin.client",
        ):
            result = self._sync_accounts(self.europe)
        self.assertTrue(result["errors"], "the error is reported, not raised")
        self.assertEqual(self.europe.sync_state, "error")
        self.assertEqual(self.profile.state, "reconnect", "the owner is asked to authorize again")
        # the next run goes through the other connected profile of the account
        self._sync_accounts(self.europe)
        self.assertEqual(self.europe.sync_state, "idle")
        self.assertTrue(self._submission(response).lead_id)
        self.assertEqual(
            self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1).profile_id, other
        )

    def test_failed_lead_creation_is_kept_and_retried(self):
        response = self._add_lead()
        lead_model = type(self.env["crm.lead"])
        original_create = lead_model.create

        def failing_create(records, vals_list):
            raise ValueError("simulated failure")

        lead_model.create = failing_create
        try:
            with mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"):
                self._sync_accounts(self.europe)
        finally:
            lead_model.create = original_create
        submission = self._submission(response)
        self.assertEqual(submission.state, "failed")
        self.assertIn("simulated failure", submission.error)
        self.assertFalse(submission.lead_id)
        # the next run retries it from the stored answers
        self._sync_accounts(self.europe)
        self.assertEqual(submission.state, "lead_created")
        self.assertEqual(submission.retry_count, 1)
        self.assertTrue(submission.lead_id)

    def test_drill_down_form_submissions_lead(self):
        response = self._add_lead()
        self._sync_accounts(self.europe)
        submission = self._submission(response).with_user(self.user_salesperson)
        form = submission.form_id
        action = form.action_view_submissions()
        self.assertIn(
            submission, self.env["linkedin.form.submission"].with_user(self.user_salesperson).search(action["domain"])
        )
        self.assertEqual(submission.action_view_lead()["res_id"], submission.lead_id.id)
        self.assertGreaterEqual(self.europe.with_user(self.user_salesperson).submission_count, 1)
        lead_action = submission.lead_id.action_view_linkedin_submissions()
        self.assertEqual(lead_action.get("res_id"), submission.id)

    def test_dashboard_status_and_lead_views(self):
        self._sync_accounts(self.europe)
        for xmlid in (
            "linkedin_leadgen.linkedin_form_submission_action_dashboard",
            "linkedin_leadgen.linkedin_form_submission_action",
            "linkedin_leadgen.linkedin_ad_account_action_sync_status",
            "linkedin_leadgen.linkedin_sync_log_action",
            "linkedin_leadgen.crm_lead_action_linkedin_by_source",
        ):
            action = self.env["ir.actions.act_window"].with_user(self.user_salesperson)._for_xml_id(xmlid)
            model = self.env[action["res_model"]].with_user(self.user_salesperson)
            views = model.get_views(action["views"])
            self.assertTrue(views["views"], xmlid)
            model.search(safe_eval(action.get("domain") or "[]"), limit=5)
        submissions = self.env["linkedin.form.submission"].with_user(self.user_salesperson)
        by_campaign = submissions.read_group([], ["campaign_name"], ["campaign_name", "state"], lazy=False)
        self.assertTrue(by_campaign)
        by_day = submissions.read_group([], ["submitted_at"], ["submitted_at:day"])
        self.assertTrue(by_day)
        status = self.europe.with_user(self.user_salesperson).read(["last_success_date", "lead_created_count"])[0]
        self.assertTrue(status["last_success_date"])
        # the lead form works for a salesperson without the LinkedIn groups (the tab is simply absent)
        plain = new_test_user(self.env, login="plain_sales", groups="sales_team.group_sale_salesman")
        arch = self.env["crm.lead"].with_user(plain).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("linkedin_lead_info", arch)
        arch = (
            self.env["crm.lead"].with_user(self.user_salesperson).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("linkedin_lead_info", arch)

    def test_sync_now_from_sync_status(self):
        response = self._add_lead()
        action = self.europe.with_user(self.user_manager).action_sync_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self._submission(response).lead_id)

    def test_campaign_names_fetched_once_per_batch_when_not_projected(self):
        importer = self.env["linkedin.lead.importer"]
        run = SyncRun(account=self.europe, trigger="manual")
        importer._connect_run(run)
        campaigns = [c for c in self.emulator.data.campaigns if c["account"].endswith(f":{self.europe.linkedin_id}")]
        items = [
            LeadItem(linkedin_id=str(index), campaign_urn=f"urn:li:sponsoredCampaign:{campaign['id']}")
            for index, campaign in enumerate(campaigns * 3)
        ]
        importer._fill_campaign_names(run, items)
        self.assertEqual(run.client.stats["adCampaigns"], 1, "one batch call for the whole batch")
        self.assertEqual({item.campaign_name for item in items}, {campaign["name"] for campaign in campaigns})
        importer._fill_campaign_names(run, [LeadItem(linkedin_id="x", campaign_urn=items[0].campaign_urn)])
        self.assertEqual(run.client.stats["adCampaigns"], 1, "names are cached for the run")

    def test_sync_button_budget_fits_the_worker_time_limit(self):
        """The button's 120 s of work would be killed by a 120 s ``limit_time_real``: it is capped below it."""
        importer = self.env["linkedin.lead.importer"]
        with patch.dict(config.options, {"limit_time_real": 120}):
            self.assertLessEqual(importer._linkedin_click_budget(120), 80)
        with patch.dict(config.options, {"limit_time_real": 30}):
            self.assertLessEqual(importer._linkedin_click_budget(120), 20)
        with patch.dict(config.options, {"limit_time_real": 0}):  # no limit
            self.assertEqual(importer._linkedin_click_budget(120), 120)

    def test_default_team_and_salesperson_only_for_their_company(self):
        """The settings' default sales team and salesperson belong to one company: leads of another company's
        ad account do not get them (crm would refuse every such lead), they get crm's own defaults."""
        other = self.env["res.company"].create({"name": "Acme Americas"})
        self.north_america.company_id = other
        team = self.env["crm.team"].create({"name": "Europe desk", "company_id": self.env.company.id})
        seller = new_test_user(self.env, login="europe_seller", groups="sales_team.group_sale_salesman",
                               company_id=self.env.company.id, company_ids=[self.env.company.id])  # fmt: skip
        self._set_params(team_id=str(team.id), user_id=str(seller.id))
        europe = self._add_lead(answers={"WORK_EMAIL": "eu@example.com"})
        america = self.emulator.add_response(account_id=int(self.north_america.linkedin_id))
        with mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_lead_importer"):
            self._sync_accounts(self.europe | self.north_america)
        eu_lead = self._submission(europe).lead_id
        self.assertEqual((eu_lead.team_id, eu_lead.user_id), (team, seller))
        us_submission = self._submission(america)
        self.assertEqual(us_submission.state, "lead_created", us_submission.error)
        self.assertEqual(us_submission.lead_id.company_id, other)
        self.assertNotEqual(us_submission.lead_id.team_id, team)
        self.assertNotEqual(us_submission.lead_id.user_id, seller)
