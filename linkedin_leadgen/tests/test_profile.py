# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.linkedin_leadgen.models.linkedin_user_profile import ReconnectRequired

from .common import LinkedInCase


@tagged("post_install", "-at_install")
class TestLinkedInProfile(LinkedInCase):
    def setUp(self):
        super().setUp()
        self.emulator.reset()

    def _expire_access_token(self, profile):
        """Make Odoo believe the access token expired (the client then refreshes before calling)."""
        profile.sudo().token_expires_at = fields.Datetime.now() - timedelta(minutes=5)

    @users("li_salesperson")
    def test_profile_defaults(self):
        profile = self.env["linkedin.user.profile"].create({"name": "Mine"})
        self.assertEqual(profile.user_id, self.user_salesperson)
        self.assertEqual(profile.company_id, self.env.company)
        self.assertEqual(profile.state, "draft")
        with self.assertRaises(ReconnectRequired):
            profile._get_client()

    def test_authorize_requires_configuration(self):
        self._set_linkedin_params(**{"linkedin_leadgen.client_secret": ""})
        profile = self.env["linkedin.user.profile"].with_user(self.user_salesperson).create({"name": "Mine"})
        with self.assertRaisesRegex(UserError, "client ID and client secret"):
            profile.action_authorize()

    def test_connect_shows_member_and_accounts(self):
        profile = self._make_profile(self.user_salesperson)
        self.assertProfileConnected(profile)
        self.assertEqual(profile.member_name, "Morgan Lee")
        self.assertEqual(profile.member_urn, self.emulator.data.members["default"]["urn"])
        self.assertEqual(profile.ad_account_count, len(self.emulator.data.accounts))
        self.assertTrue(profile._has_scopes(["r_ads", "r_marketing_leadgen_automation"]))
        self.assertFalse(profile._has_scopes(["rw_ads"]))

    def test_connect_starts_the_sync(self):
        """Leads arrive without a click after authorizing: connecting wakes the sync's scheduled action."""
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self._make_profile(self.user_salesperson)
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_expired_access_token_refreshed_and_stored(self):
        profile = self._make_profile(self.user_salesperson)
        old_token = profile.sudo().access_token
        self._expire_access_token(profile)
        client = profile.with_user(self.user_salesperson)._get_client()
        self.assertEqual(client.get_me()["localizedFirstName"], "Morgan")
        self.assertNotEqual(profile.sudo().access_token, old_token)
        self.assertGreater(profile.token_expires_at, fields.Datetime.now() + timedelta(days=59))
        self.assertEqual(profile.state, "connected")

    def test_token_expired_on_linkedin_refreshed_mid_call(self):
        """LinkedIn answers 401 EXPIRED_ACCESS_TOKEN before Odoo's clock says so: refresh, retry, store."""
        profile = self._make_profile(self.user_salesperson)
        old_token = profile.sudo().access_token
        client = profile.with_user(self.user_salesperson)._get_client()
        self.emulator.expire_access_token(old_token)
        self.assertTrue(client.get_me()["id"])
        self.assertNotEqual(profile.sudo().access_token, old_token)
        self.assertEqual(profile.sudo().access_token, client.access_token)

    def test_revoked_refresh_token_needs_reconnect(self):
        profile = self._make_profile(self.user_salesperson)
        other = self._make_profile(self.user_salesperson_2, name="Sam's LinkedIn")
        self.emulator.revoke(profile.sudo().refresh_token)
        self._expire_access_token(profile)
        with self.assertRaisesRegex(UserError, "has to click Authorize") as caught:
            profile.with_user(self.user_salesperson)._get_client()
        self.assertIsInstance(caught.exception, ReconnectRequired)
        self.assertProfileNeedsReconnect(profile)
        self.assertTrue(profile.last_error)
        # the other member's profile keeps working
        self.assertTrue(other.with_user(self.user_salesperson_2)._get_client().get_me()["id"])
        self.assertEqual(other.state, "connected")
        # and the sync button says what to do instead of crashing
        with self.assertRaises(ReconnectRequired):
            profile.with_user(self.user_salesperson).action_sync_submissions()

    def test_revoked_access_token_without_refresh_needs_reconnect(self):
        profile = self._make_profile(self.user_salesperson, tokens=self.emulator.issue_tokens(refresh=False))
        self.assertFalse(profile.sudo().refresh_token)
        self.emulator.revoke(profile.sudo().access_token)
        with self.assertReconnectRequired(profile):
            profile.with_user(self.user_salesperson)._refresh_ad_accounts()

    def test_expired_access_token_without_refresh_needs_reconnect(self):
        profile = self._make_profile(self.user_salesperson, tokens=self.emulator.issue_tokens(refresh=False))
        self._expire_access_token(profile)
        with self.assertReconnectRequired(profile):
            profile.with_user(self.user_salesperson)._get_client()

    def test_token_check_cron_schedules_activity_14_days_before(self):
        with_refresh = self._make_profile(self.user_salesperson)
        without_refresh = self._make_profile(
            self.user_salesperson_2, tokens=self.emulator.issue_tokens(refresh=False), name="No refresh"
        )
        activity_type = self.env.ref("linkedin_leadgen.mail_activity_type_linkedin_reconnect")
        Profile = self.env["linkedin.user.profile"]

        Profile._cron_check_tokens()
        self.assertFalse(with_refresh.activity_ids)
        self.assertFalse(without_refresh.activity_ids)

        # 47 days later: the access token (60 days) of the profile without refresh token is 13 days from expiry
        with freeze_time(fields.Datetime.now() + timedelta(days=47)):
            Profile._cron_check_tokens()
            Profile._cron_check_tokens()  # daily: never twice the same activity
        self.assertFalse(with_refresh.activity_ids, "the refresh token lives a year")
        self.assertEqual(without_refresh.activity_ids.activity_type_id, activity_type)
        self.assertEqual(without_refresh.activity_ids.user_id, self.user_salesperson_2)
        self.assertEqual(len(without_refresh.activity_ids), 1)

        # 352 days later the refresh token is 13 days from expiry
        with freeze_time(fields.Datetime.now() + timedelta(days=352)):
            Profile._cron_check_tokens()
        self.assertEqual(with_refresh.activity_ids.activity_type_id, activity_type)
        self.assertEqual(with_refresh.activity_ids.user_id, self.user_salesperson)
        self.assertEqual(without_refresh.state, "reconnect", "its access token is long expired")

        # authorizing again clears the reminder
        with_refresh._connect_with_tokens(self._tokens())
        self.assertFalse(with_refresh.activity_ids)

    def test_token_check_isolates_failures(self):
        broken = self._make_profile(self.user_salesperson)
        fine = self._make_profile(self.user_salesperson_2, name="Fine")
        broken.sudo().refresh_token_expires_at = fields.Datetime.now() + timedelta(days=3)
        fine.sudo().refresh_token_expires_at = fields.Datetime.now() + timedelta(days=5)
        Profile = self.env.registry["linkedin.user.profile"]
        schedule = Profile.activity_schedule

        def failing_schedule(records, *args, **kwargs):
            if records == broken:
                raise ValueError("boom")
            return schedule(records, *args, **kwargs)

        with (
            patch.object(Profile, "activity_schedule", failing_schedule),
            mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_user_profile"),
        ):
            self.env["linkedin.user.profile"]._cron_check_tokens()
        self.assertFalse(broken.activity_ids)
        self.assertEqual(len(fine.activity_ids), 1)

    def test_disconnect_removes_webhook_subscriptions(self):
        profile = self._make_profile(self.user_salesperson)
        account = profile.ad_account_ids.filtered("can_sync")[:1]
        client = profile._get_client()
        subscription = client.create_lead_notification(account.linkedin_id, "https://odoo.example.com/hook")
        account.sudo().webhook_subscription_id = subscription
        self.assertEqual(len(list(client.iter_lead_notifications(account.linkedin_id))), 1)

        profile.with_user(self.user_salesperson).action_disconnect()
        self.assertEqual(profile.state, "disconnected")
        self.assertFalse(profile.sudo().access_token)
        self.assertFalse(profile.sudo().refresh_token)
        self.assertFalse(account.webhook_subscription_id)
        check = self._make_profile(self.user_manager)._get_client()
        self.assertEqual(list(check.iter_lead_notifications(account.linkedin_id)), [])

    def test_disconnect_keeps_subscription_used_by_another_profile(self):
        profile = self._make_profile(self.user_salesperson)
        colleague = self._make_profile(self.user_salesperson_2, name="Colleague")
        account = profile.ad_account_ids.filtered("can_sync")[:1]
        self.assertIn(colleague, account.profile_ids)
        account.sudo().webhook_subscription_id = profile._get_client().create_lead_notification(
            account.linkedin_id, "https://odoo.example.com/hook"
        )
        profile.with_user(self.user_salesperson).action_disconnect()
        self.assertTrue(account.webhook_subscription_id)
        self.assertEqual(len(list(colleague._get_client().iter_lead_notifications(account.linkedin_id))), 1)

    def test_disconnect_tolerates_linkedin_errors(self):
        profile = self._make_profile(self.user_salesperson)
        account = profile.ad_account_ids[:1]
        account.sudo().webhook_subscription_id = "999999"  # unknown on LinkedIn's side
        self.emulator.revoke(profile.sudo().access_token)
        with mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_user_profile"):
            profile.with_user(self.user_salesperson).action_disconnect()
        self.assertEqual(profile.state, "disconnected")
        self.assertFalse(account.webhook_subscription_id)

    def test_sync_submissions_refreshes_forms(self):
        profile = self._make_profile(self.user_salesperson)
        result = profile.with_user(self.user_salesperson).action_sync_submissions()
        self.assertEqual(result["tag"], "display_notification")
        syncable = profile.ad_account_ids.filtered("can_sync")
        self.assertTrue(syncable.form_ids)
        self.assertFalse(profile.ad_account_ids.filtered(lambda a: not a.can_sync).form_ids)

    def test_oauth_scopes_overridable(self):
        profile = self.env["linkedin.user.profile"].create({"name": "Scopes"})
        scopes = profile._get_oauth_scopes()
        for scope in ("r_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile"):
            self.assertIn(scope, scopes)

    def test_neutralize(self):
        """A neutralized copy holds no LinkedIn grant, pushes no webhook and runs no LinkedIn cron."""
        from odoo.modules.neutralize import get_neutralization_queries

        profile = self._make_profile(self.user_salesperson)
        profile.ad_account_ids[:1].sudo().webhook_subscription_id = "42"
        self.env["ir.config_parameter"].sudo().set_param("linkedin_leadgen.webhook_enabled", "True")
        self.env.flush_all()
        for query in get_neutralization_queries(["linkedin_leadgen"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertEqual(profile.state, "disconnected")
        self.assertFalse(profile.sudo().access_token)
        self.assertFalse(profile.sudo().refresh_token)
        self.assertFalse(profile.ad_account_ids.filtered("webhook_subscription_id"))
        get_param = self.env["ir.config_parameter"].sudo().get_param
        self.assertFalse(get_param("linkedin_leadgen.client_secret"))
        self.assertFalse(get_param("linkedin_leadgen.webhook_enabled"))
        crons = (
            self.env["ir.cron"]
            .with_context(active_test=False)
            .search([("id", "in", [self.env.ref("linkedin_leadgen.ir_cron_linkedin_token_check").id])])
        )
        self.assertFalse(crons.active)
