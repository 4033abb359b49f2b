# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib
import hmac
import json
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from .common import EMULATOR_CLIENT_SECRET
from .sync_common import LinkedInSyncHttpCase

WEBHOOK = "/linkedin_leadgen/webhook"


@tagged("post_install", "-at_install")
class TestLinkedInWebhook(LinkedInSyncHttpCase):
    emulator_kwargs = {"responses": 5, "seed": 13}

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self._set_params(webhook_enabled="True")
        self._sync_accounts(self.europe)  # first sync: subscribes the account

    def _post(self, payload, signature=None):
        raw = json.dumps(payload).encode()
        if signature is None:
            signature = hmac.new(EMULATOR_CLIENT_SECRET.encode(), b"hmacsha256=" + raw, hashlib.sha256).hexdigest()
        return self.url_open(
            WEBHOOK, data=raw, headers={"Content-Type": "application/json", "X-LI-Signature": signature}
        )

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
        self.assertEqual(answer.json()["results"], ["queued"])
        self.assertFalse(self._submission(response))
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers)
        # the pull, as the cron runs it, imports it
        self._sync_accounts(self.europe)
        self.assertTrue(self._submission(response).lead_id)
