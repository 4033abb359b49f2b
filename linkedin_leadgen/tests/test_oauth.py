# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LinkedInHttpCase

CALLBACK = "/linkedin_leadgen/oauth/callback"
PROFILE_ACTION = "action-linkedin_leadgen.linkedin_user_profile_action"


@tagged("post_install", "-at_install")
class TestLinkedInOAuth(LinkedInHttpCase):
    """The authorization round trip through the real controller, as the salesperson who owns the profile."""

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.profile = self.env["linkedin.user.profile"].with_user(self.user_salesperson).create({"name": "Sally"})

    def _linkedin_redirect(self, profile):
        """Follow action_authorize's URL to the (emulated) LinkedIn; return the URL it sends the browser to."""
        action = profile.action_authorize()
        self.assertEqual(action["type"], "ir.actions.act_url")
        response = requests.get(action["url"], allow_redirects=False, timeout=10)
        self.assertEqual(response.status_code, 302, response.text)
        location = response.headers["Location"]
        self.assertTrue(location.startswith(self.base_url() + CALLBACK), location)
        return location

    def test_authorization_url(self):
        url = self.profile.action_authorize()["url"]
        query = parse_qs(urlsplit(url).query)
        self.assertTrue(url.startswith(self.emulator.oauth_url + "/authorization?"))
        self.assertEqual(query["response_type"], ["code"])
        self.assertEqual(query["client_id"], ["emu-client"])
        self.assertEqual(query["redirect_uri"], [self.base_url() + CALLBACK])
        scopes = query["scope"][0].split()
        for scope in ("r_ads", "r_marketing_leadgen_automation", "r_organization_admin", "r_basicprofile"):
            self.assertIn(scope, scopes)
        self.assertTrue(query["state"][0].startswith(f"{self.profile.id}."))

    def test_round_trip_connects_profile(self):
        self.authenticate("li_salesperson", "li_salesperson")
        location = self._linkedin_redirect(self.profile)
        response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text)
        # inside the LinkedIn Lead Gen menu (its action in the URL), not a bare record without menu or breadcrumb
        self.assertTrue(response.headers["Location"].endswith(f"/odoo/{PROFILE_ACTION}/{self.profile.id}"))
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)

        self.assertProfileConnected(self.profile)
        self.assertEqual(self.profile.member_name, "Morgan Lee")
        self.assertTrue(self.profile.token_expires_at)
        self.assertTrue(self.profile.refresh_token_expires_at)
        self.assertIn("r_marketing_leadgen_automation", self.profile.scopes)
        self.assertEqual(len(self.profile.ad_account_ids), len(self.emulator.data.accounts))
        # its leads start arriving without anyone pressing Sync: the sync cron is woken now
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync")
        trigger = self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertTrue(trigger)
        self.assertLessEqual(trigger.call_at, fields.Datetime.now())
        # the code was exchanged with the same redirect URI, server to server
        token_calls = [r for r in self.emulator.requests() if r["path"].endswith("/oauth/v2/accessToken")]
        self.assertEqual(len(token_calls), 1)

    def test_user_without_email_connects(self):
        """Connecting never depends on the user's e-mail address (Odoo refuses chatter posts without one)."""
        self.user_salesperson.email = False
        self.authenticate("li_salesperson", "li_salesperson")
        location = self._linkedin_redirect(self.profile)
        response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text)
        self.assertNotIn("error=", response.headers["Location"])
        self.assertProfileConnected(self.profile)
        self.assertFalse(self.profile.last_error)
        self.assertIn("Connected to LinkedIn as Morgan Lee", "".join(self.profile.message_ids.mapped("body")))

    def test_failure_after_exchange_lands_on_profile(self):
        """LinkedIn failing after the code exchange: a readable error on the profile and a redirect to it."""
        self.authenticate("li_salesperson", "li_salesperson")
        location = self._linkedin_redirect(self.profile)
        self.emulator.inject("me", "404", times=None)
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "odoo.http"):
            response = self.url_open(location, allow_redirects=False)
        self.emulator.clear_faults()
        self.assertEqual(response.status_code, 303, response.text)
        self.assertIn(f"/{self.profile.id}?error=exchange_failed", response.headers["Location"])
        self.profile.invalidate_recordset()
        self.assertEqual(self.profile.state, "draft")
        self.assertTrue(self.profile.last_error)

    def test_forged_state_refused(self):
        self.authenticate("li_salesperson", "li_salesperson")
        location = self._linkedin_redirect(self.profile)
        query = parse_qs(urlsplit(location).query)
        forged = f"{self.profile.id}.{int(time.time())}.{'0' * 64}"
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "odoo.http"):
            for state in (forged, "", "garbage", f"{self.profile.id}"):
                response = self.url_open(f"{CALLBACK}?code={query['code'][0]}&state={state}", allow_redirects=False)
                self.assertEqual(response.status_code, 403, state)
        self.assertEqual(self.profile.state, "draft")
        self.assertFalse(self.profile.sudo().access_token)

    def test_foreign_state_refused(self):
        """A state issued to another user (a link sent by an attacker) is refused, whoever's profile it names."""
        other_profile = (
            self.env["linkedin.user.profile"].with_user(self.user_salesperson_2).create({"name": "Sam's profile"})
        )
        location = self._linkedin_redirect(other_profile)
        self.authenticate("li_salesperson", "li_salesperson")
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "odoo.http"):
            response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(other_profile.state, "draft")

        # the manager's state for Sally's own profile is not Sally's either
        location = self._linkedin_redirect(self.profile.with_user(self.user_manager))
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "odoo.http"):
            response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.profile.state, "draft")

    def test_expired_state_refused(self):
        self.authenticate("li_salesperson", "li_salesperson")
        old = int(time.time()) - 2 * 3600
        state = f"{self.profile.id}.{old}.{self.profile._oauth_state_digest(old)}"
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "odoo.http"):
            response = self.url_open(f"{CALLBACK}?code=abc&state={state}", allow_redirects=False)
        self.assertEqual(response.status_code, 403)

    def test_cancelled_login(self):
        self.authenticate("li_salesperson", "li_salesperson")
        self.emulator.cancel_next_login = True
        location = self._linkedin_redirect(self.profile)
        self.assertIn("error=user_cancelled_login", location)
        response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"/odoo/{PROFILE_ACTION}/{self.profile.id}?", response.headers["Location"])
        self.profile.invalidate_recordset()
        self.assertEqual(self.profile.state, "draft")
        self.assertIn("cancelled", self.profile.last_error)
        self.assertFalse(self.profile.sudo().access_token)

    def test_code_replay_shows_error(self):
        """A code used twice (browser back button) leaves a readable error, not a traceback."""
        self.authenticate("li_salesperson", "li_salesperson")
        location = self._linkedin_redirect(self.profile)
        self.assertEqual(self.url_open(location, allow_redirects=False).status_code, 303)
        self.assertProfileConnected(self.profile)
        response = self.url_open(location, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("error=exchange_failed", response.headers["Location"])
        self.profile.invalidate_recordset()
        self.assertEqual(self.profile.state, "connected", "the first grant is kept")
        self.assertIn("LinkedIn refused the authorization code", self.profile.last_error)

    def test_reconnect_state_survives_request_rollback(self):
        """The user gets an error (the request rolls back) and the profile still shows "Reconnect needed"."""
        profile = self._make_profile(self.user_salesperson)
        self.emulator.revoke(profile.sudo().refresh_token)
        profile.sudo().token_expires_at = fields.Datetime.now() - timedelta(minutes=5)
        self.authenticate("li_salesperson", "li_salesperson")
        with mute_logger("odoo.http", "odoo.addons.linkedin_leadgen.models.linkedin_user_profile"):
            response = self.url_open(
                "/web/dataset/call_button/linkedin.user.profile/action_sync_submissions",
                data=_jsonrpc("linkedin.user.profile", "action_sync_submissions", [[profile.id]]),
                headers={"Content-Type": "application/json"},
            )
        error = response.json()["error"]
        self.assertIn("has to click Authorize", error["data"]["message"])
        profile.invalidate_recordset()
        self.assertEqual(profile.state, "reconnect")
        self.assertTrue(profile.last_error)

    def test_rpc_cannot_read_tokens(self):
        """Through JSON-RPC a salesperson gets an access error for the token fields of their own profile."""
        profile = self._make_profile(self.user_salesperson)
        self.authenticate("li_salesperson", "li_salesperson")
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw/linkedin.user.profile/read",
                data=_jsonrpc("linkedin.user.profile", "read", [[profile.id], ["name", "access_token"]]),
                headers={"Content-Type": "application/json"},
            )
        error = response.json().get("error")
        self.assertTrue(error)
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertNotIn(profile.sudo().access_token, response.text)

        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw/linkedin.user.profile/read",
                data=_jsonrpc("linkedin.user.profile", "read", [[profile.id], ["name", "state"]]),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.json()["result"][0]["state"], "connected")


def _jsonrpc(model, method, args):
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": {}},
        }
    )
