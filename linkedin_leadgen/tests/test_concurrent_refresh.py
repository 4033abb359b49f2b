# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Two workers (a cron thread and a click, two accounts of one profile) refresh the same expired access token
at the same moment (issue finding 12a).

LinkedIn does not rotate refresh tokens and a refresh does not revoke the previous access token (API notes
2.3), and the emulator does the same: both workers get a valid token. What can go wrong is on our side: both
store their token on the same profile row. The rows must be committed for the other connection to see them,
so this test works outside any test transaction, on connections of its own, and removes what it created.
"""

import threading
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from .odoo_child import OdooChildCase


@tagged("post_install", "-at_install")
class TestLinkedInConcurrentRefresh(BaseCase):
    def setUp(self):
        super().setUp()
        self.emulator = LinkedInEmulator(
            client_id=EMULATOR_CLIENT_ID, client_secret=EMULATOR_CLIENT_SECRET, responses=5
        )
        self.emulator.start()
        self.addCleanup(self.emulator.stop)
        self.registry = Registry(OdooChildCase._test_dbname())
        tokens = self.emulator.issue_tokens()
        self.refresh_token = tokens["refresh_token"]
        params = OdooChildCase._emulator_params(self.emulator)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            get_param = env["ir.config_parameter"].get_param
            self.saved_params = {key: get_param(key) for key in params}
            for key, value in params.items():
                env["ir.config_parameter"].set_param(key, value)
            now = fields.Datetime.now()
            profile = env["linkedin.user.profile"].create(
                {"name": "Refresh race", "user_id": env.ref("base.user_admin").id}
            )
            profile.write(
                {
                    "state": "connected",
                    "access_token": tokens["access_token"],
                    "token_expires_at": now - timedelta(hours=1),  # expired: the next use refreshes it
                    "refresh_token": self.refresh_token,
                    "refresh_token_expires_at": now + timedelta(days=300),
                }
            )
            self.profile_id = profile.id
            # a cursor of our own: the workers must see the row
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["linkedin.user.profile"].browse(self.profile_id).unlink()
            for key, value in self.saved_params.items():
                env["ir.config_parameter"].set_param(key, value or False)
            cr.commit()  # pylint: disable=invalid-commit

    def test_two_workers_refreshing_one_token_at_once(self):
        both_began = threading.Barrier(2, timeout=30)
        outcome = {}

        def worker(name):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    profile = env["linkedin.user.profile"].browse(self.profile_id)
                    self.assertEqual(profile.state, "connected")  # the worker's transaction (its snapshot) began
                    both_began.wait()  # so each reads the expired token, whichever refreshes first
                    client = profile._get_client()
                    outcome[name] = client.get_me()["id"]  # the token this worker got works
                    # the worker's transaction, as the cron's
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as exc:  # noqa: BLE001 - reported below
                outcome[name] = f"{type(exc).__name__}: {exc}"

        threads = [threading.Thread(target=worker, args=(name,)) for name in ("cron", "click")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        member = self.emulator.data.members["default"]["id"]
        self.assertEqual(outcome, {"cron": member, "click": member}, "both workers go on with a working token")
        self.assertEqual(self.emulator.calls("accessToken"), 2, "each refreshed the token once")

        with self.registry.cursor() as cr:
            profile = api.Environment(cr, SUPERUSER_ID, {})["linkedin.user.profile"].browse(self.profile_id)
            self.assertEqual(profile.state, "connected", profile.last_error)
            self.assertEqual(profile.refresh_token, self.refresh_token, "the refresh token is kept")
            self.assertGreater(profile.token_expires_at, fields.Datetime.now() + timedelta(days=59))
            stored = self.emulator.tokens.tokens[profile.access_token]
            self.assertEqual(stored.status(self.emulator.now()), "active", "the stored access token works")
