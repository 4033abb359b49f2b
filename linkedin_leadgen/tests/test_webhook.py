# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib
import hmac
import json
from datetime import timedelta
from unittest.mock import patch

from werkzeug.urls import url_encode

from odoo import fields
from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from odoo.addons.linkedin_leadgen.controllers.main import MAX_NOTIFICATIONS

from .common import EMULATOR_CLIENT_SECRET
from .sync_common import LinkedInSyncHttpCase

WEBHOOK = "/linkedin_leadgen/webhook"


class WebhookCase(LinkedInSyncHttpCase):
    """The real-time setting on, the synced accounts subscribed, notifications signed as LinkedIn signs them."""

    emulator_kwargs = {"responses": 5, "seed": 13}

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self._set_params(webhook_enabled="True")
        self._sync_accounts(self._subscribed_accounts())  # first sync: subscribes the accounts

    def _subscribed_accounts(self):
        return self.accounts

    def _post_raw(self, raw, signature):
        return self.url_open(
            WEBHOOK, data=raw, headers={"Content-Type": "application/json", "X-LI-Signature": signature}
        )

    def _signed(self, payload):
        raw = json.dumps(payload).encode()
        signature = hmac.new(EMULATOR_CLIENT_SECRET.encode(), b"hmacsha256=" + raw, hashlib.sha256).hexdigest()
        return raw, signature


@tagged("post_install", "-at_install")
class TestLinkedInWebhook(WebhookCase):
    def _subscribed_accounts(self):
        return self.europe

    def _post(self, payload, signature=None):
        raw, valid = self._signed(payload)
        return self._post_raw(raw, valid if signature is None else signature)

    def _payload(self, response, action="CREATED"):
        return {
            "type": "LEAD_ACTION",
            "leadGenFormResponse": f"urn:li:leadGenFormResponse:{response['id']}",
            "leadGenForm": response["versionedLeadGenFormUrn"],
            "owner": response["owner"],
            "leadType": "SPONSORED",
            "leadAction": action,
            "occurredAt": self.emulator.now_ms(),
        }

    def test_subscription_created_when_webhook_on(self):
        self.assertTrue(self.europe.webhook_subscription_id)
        subscription = self.emulator.data.notifications[self.europe.webhook_subscription_id]
        self.assertEqual(subscription["webhook"], self.base_url() + WEBHOOK)
        # switched off: removed at the next sync
        self._set_params(webhook_enabled=False)
        self._sync_accounts(self.europe)
        self.assertFalse(self.europe.webhook_subscription_id)
        self.assertNotIn(str(subscription["id"]), {str(key) for key in self.emulator.data.notifications})

    def test_challenge(self):
        response = self.url_open(f"{WEBHOOK}?challengeCode=890e4665-4dfe-4ab1-b689-ed553bceeed0")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        expected = hmac.new(
            EMULATOR_CLIENT_SECRET.encode(), b"890e4665-4dfe-4ab1-b689-ed553bceeed0", hashlib.sha256
        ).hexdigest()
        self.assertEqual(
            response.json(),
            {"challengeCode": "890e4665-4dfe-4ab1-b689-ed553bceeed0", "challengeResponse": expected},
        )
        self.assertTrue(self.emulator.challenge(self.base_url() + WEBHOOK), "LinkedIn's own check passes")

    def test_expired_grant_met_by_a_notification_asks_to_reconnect(self):
        """A notification that finds the profile's grant expired leaves the profile "Reconnect needed",
        although the notification's own work is rolled back; the lead waits for the pull."""
        response = self._add_lead()
        self.profile.sudo().write(
            {"refresh_token": False, "token_expires_at": fields.Datetime.now() - timedelta(minutes=5)}
        )
        self.env.flush_all()
        with mute_logger("odoo.addons.linkedin_leadgen.models.linkedin_user_profile"):
            answer = self._post(self._payload(response))
        self.assertEqual(answer.status_code, 200)
        self.env.invalidate_all()  # written by the request
        self.assertEqual(self.profile.state, "reconnect")
        self.assertFalse(self._submission(response), "not imported without a grant")

    def test_created_notification_imports_the_lead_once(self):
        response = self._add_lead(answers={"WORK_EMAIL": "webhook@example.com"})
        self.env.flush_all()  # the request reads the database, not this test's cache
        created_before = self.europe.lead_created_count
        [(_url, status)] = self.emulator.deliver_webhook(response["id"])
        self.assertEqual(status, 200)
        self.env.invalidate_all()  # written by the request
        submission = self._submission(response)
        self.assertEqual(submission.state, "lead_created")
        self.assertEqual(submission.lead_id.email_from, "webhook@example.com")
        log = self.env["linkedin.sync.log"].search([("account_id", "=", self.europe.id)], limit=1)
        self.assertEqual((log.trigger, log.created_count), ("webhook", 1))
        self.assertEqual(self.europe.lead_created_count, created_before + 1, "the sync status counts it")

        # delivered again, then pulled: still one submission and one lead
        self.emulator.deliver_webhook(response["id"])
        self._sync_accounts(self.europe)
        self.assertEqual(len(self._submission(response)), 1)
        self.assertEqual(len(self.env["crm.lead"].search([("email_normalized", "=", "webhook@example.com")])), 1)
        self.assertEqual(self.europe.lead_created_count, created_before + 1)

    def test_tampered_signature_refused(self):
        response = self._add_lead()
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "werkzeug"):
            answer = self._post(self._payload(response), signature="0" * 64)
            self.assertEqual(answer.status_code, 403)
            answer = self._post(self._payload(response), signature="")
            self.assertEqual(answer.status_code, 403)
        self.assertFalse(self._submission(response))
        self.assertEqual(self._post(self._payload(response)).status_code, 200)
        self.assertTrue(self._submission(response))

    def test_deleted_notification_marks_submission(self):
        response = self._add_lead(answers={"WORK_EMAIL": "gone@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        lead = submission.lead_id
        self.emulator.delete_response(response["id"])
        [(_url, status)] = self.emulator.deliver_webhook(response["id"], action="DELETED")
        self.assertEqual(status, 200)
        self.env.invalidate_all()  # written by the request
        self.assertEqual(submission.state, "deleted")
        self.assertTrue(lead.exists() and lead.active, "the lead is kept")
        self.assertIn("was deleted", html2plaintext(lead.message_ids[0].body))

    def test_busy_account_queues_for_the_cron(self):
        response = self._add_lead()
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        # another run holds the account (a row lock the test transaction cannot take from itself)
        with patch.object(type(self.env["linkedin.ad.account"]), "_linkedin_try_lock", lambda account: False):
            answer = self._post(self._payload(response))
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), {"status": "ok"}, "the answer tells nothing of the account")
        self.assertFalse(self._submission(response))
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers)
        # the pull, as the cron runs it, imports it
        self._sync_accounts(self.europe)
        self.assertTrue(self._submission(response).lead_id)


@tagged("post_install", "-at_install")
class TestLinkedInWebhookHostile(WebhookCase):
    """The webhook is a public URL: nobody but LinkedIn gets a notification in, and its answers reveal nothing."""

    def _post_raw(self, raw, signature):
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "werkzeug", "odoo.http"):
            return super()._post_raw(raw, signature)

    def _post(self, payload):
        return self._post_raw(*self._signed(payload))

    def _notification(self, response_id, account_id, action="CREATED"):
        return {
            "type": "LEAD_ACTION",
            "leadGenFormResponse": f"urn:li:leadGenFormResponse:{response_id}",
            "owner": {"sponsoredAccount": f"urn:li:sponsoredAccount:{account_id}"},
            "leadType": "SPONSORED",
            "leadAction": action,
            "occurredAt": self.emulator.now_ms(),
        }

    def _challenge(self, code):
        with mute_logger("odoo.addons.linkedin_leadgen.controllers.main", "werkzeug", "odoo.http"):
            return self.url_open(f"{WEBHOOK}?{url_encode({'challengeCode': code})}")

    def test_webhook_challenge_only_answers_linkedin_codes(self):
        response = self._add_lead()
        raw, _signature = self._signed(self._notification(response["id"], self.europe.linkedin_id))
        for forged in (
            raw.decode(),
            "hmacsha256=" + raw.decode(),
            "hello",
            "890e4665-4dfe-4ab1-b689-ed553bceeed0x",
            "",
        ):
            answer = self._challenge(forged)
            self.assertEqual(answer.status_code, 400, forged)
            self.assertNotIn("challengeResponse", answer.text)
        self.assertFalse(self._submission(response))
        self.assertTrue(self.emulator.challenge(self.base_url() + WEBHOOK), "LinkedIn's own check passes")

    def test_webhook_signature_has_one_reading(self):
        response = self._add_lead()
        raw, signature = self._signed(self._notification(response["id"], self.europe.linkedin_id))
        minority = hmac.new(EMULATOR_CLIENT_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        self.assertEqual(self._post_raw(raw, minority).status_code, 403)
        self.assertEqual(self._post_raw(raw, "hmacsha256=" + minority).status_code, 403)
        self.assertEqual(self._post_raw(raw, "hmacsha256=" + signature).status_code, 403)
        self.assertFalse(self._submission(response))
        self.assertEqual(self._post_raw(raw, signature).status_code, 200)
        self.assertTrue(self._submission(response))

    def test_webhook_refused_while_realtime_setting_off(self):
        response = self._add_lead()
        self._set_params(webhook_enabled=False)
        calls = self.emulator.calls()
        answer = self._post(self._notification(response["id"], self.europe.linkedin_id))
        self.assertEqual(answer.status_code, 404)
        self.assertEqual(self.emulator.calls(), calls, "no LinkedIn call")
        self.assertFalse(self._submission(response))
        self.assertEqual(self._challenge("890e4665-4dfe-4ab1-b689-ed553bceeed0").status_code, 404)

    def test_webhook_caps_notifications_per_request(self):
        responses = [self._add_lead() for _ in range(MAX_NOTIFICATIONS + 1)]
        calls = self.emulator.calls()
        answer = self._post([self._notification(r["id"], self.europe.linkedin_id) for r in responses])
        self.assertEqual(answer.status_code, 413)
        self.assertEqual(self.emulator.calls(), calls, "no LinkedIn call for a flood")
        self.assertFalse(self._submission(responses[0]))
        # within the cap, every notification is handled
        answer = self._post([self._notification(r["id"], self.europe.linkedin_id) for r in responses[:2]])
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(len(self._submissions().filtered(lambda s: s.linkedin_id in {r["id"] for r in responses})), 2)

    def test_webhook_fetches_lead_only_for_the_named_account(self):
        # a lead of North America announced as a lead of Europe
        response = self._add_lead(form_name=self._emulated_form_of(self.north_america)["name"])
        self.assertIn(self.north_america.linkedin_id, response["owner"]["sponsoredAccount"])
        answer = self._post(self._notification(response["id"], self.europe.linkedin_id))
        self.assertEqual(answer.status_code, 200)
        self.assertFalse(self._submission(response), "not stored under an account it does not belong to")
        # announced for its own account, it is imported
        self._post(self._notification(response["id"], self.north_america.linkedin_id))
        self.assertEqual(self._submission(response).account_id, self.north_america)

    def test_webhook_deleted_only_for_the_named_account(self):
        response = self._add_lead()
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        self._post(self._notification(response["id"], self.north_america.linkedin_id, action="DELETED"))
        self.assertNotEqual(submission.state, "deleted")

    def test_webhook_answers_reveal_no_stored_ids(self):
        stored = self._add_lead()
        self._sync_accounts(self.europe)
        answers = {
            self._post(self._notification(stored["id"], self.europe.linkedin_id)).text,  # duplicate
            self._post(self._notification("no-such-lead-1", self.europe.linkedin_id)).text,
            self._post(self._notification("no-such-lead-2", "999999999")).text,  # unknown account
            self._post(self._notification("no-such-lead-3", self.europe.linkedin_id, action="DELETED")).text,
            self._post(self._notification("no-such-lead-4", "999999999", action="DELETED")).text,
        }
        self.assertEqual(len(answers), 1, answers)

    def _emulated_form_of(self, account):
        urn = f"urn:li:sponsoredAccount:{account.linkedin_id}"
        return next(
            f for f in self.emulator.data.forms if f["owner"]["sponsoredAccount"] == urn and f["state"] == "PUBLISHED"
        )

    def test_webhook_subscription_creation_is_idempotent(self):
        """A subscription LinkedIn made for a run that was then rolled back is found again, not doubled."""
        left_over = self.north_america.webhook_subscription_id
        self.assertTrue(left_over)
        self.north_america.webhook_subscription_id = False  # LinkedIn made it, Odoo's transaction rolled back
        self._sync_accounts(self.north_america)
        self.assertEqual(self.north_america.webhook_subscription_id, left_over)
        urn = f"urn:li:sponsoredAccount:{self.north_america.linkedin_id}"
        subscriptions = [n for n in self.emulator.data.notifications.values() if n["owner"]["sponsoredAccount"] == urn]
        self.assertEqual(len(subscriptions), 1, "one subscription, one notification per lead")

    def test_webhook_deletion_confirmed_with_linkedin(self):
        """A DELETED notification purges a member's data: it is acted on only when LinkedIn no longer has the lead."""
        response = self._add_lead(answers={"WORK_EMAIL": "still.there@example.com"})
        self._sync_accounts(self.europe)
        submission = self._submission(response)
        self.assertEqual(
            self._post(self._notification(response["id"], self.europe.linkedin_id, "DELETED")).status_code, 200
        )
        self.env.invalidate_all()
        self.assertNotEqual(submission.state, "deleted", "LinkedIn still serves it: nothing is purged")
        self.assertTrue(submission.email)
        self.emulator.delete_response(response["id"])
        self._post(self._notification(response["id"], self.europe.linkedin_id, "DELETED"))
        self.env.invalidate_all()
        self.assertEqual(submission.state, "deleted")
        self.assertFalse(submission.email)
