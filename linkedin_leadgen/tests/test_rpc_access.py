# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every public method of both addons is callable over JSON-RPC by any logged-in user: each one checks
who calls it before it does anything as superuser."""

from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .sync_common import LinkedInSyncHttpCase

# methods of the ORM and of the settings framework that our classes override (their access is the ORM's)
FRAMEWORK = {"create", "write", "unlink", "copy", "init", "get_values", "set_values", "default_get"}


def linkedin_public_methods(env):
    """``{(model, method): is_model_method}`` of every public method written in the LinkedIn addons."""
    methods = {}
    for name in env.registry:
        for klass in type(env[name]).__mro__:
            if not klass.__module__.startswith(("odoo.addons.linkedin_leadgen.", "odoo.addons.linkedin_audience.")):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or attr in FRAMEWORK or not callable(value):
                    continue
                methods[(name, attr)] = getattr(value, "_api", None) == "model"
    return methods


@tagged("post_install", "-at_install")
class TestLinkedInRpcAccess(LinkedInSyncHttpCase):
    emulator_kwargs = {"responses": 3, "seed": 5}

    def setUp(self):
        super().setUp()
        self.user_portal = new_test_user(self.env, login="li_portal", groups="base.group_portal")
        self._sync_accounts(self.europe)
        self.env.flush_all()

    def _call(self, login, model, method, ids, is_model_method=False):
        self.authenticate(login, login)
        params = {"model": model, "method": method, "args": [] if is_model_method else [ids], "kwargs": {}}
        with mute_logger("odoo.http"):
            return self.make_jsonrpc_request("/web/dataset/call_kw", params)

    def assertRefused(self, login, model, method, ids, is_model_method=False):
        with self.assertRaises(JsonRpcException, msg=f"{login} calls {model}.{method}") as caught:
            self._call(login, model, method, ids, is_model_method)
        self.assertIn("AccessError", str(caught.exception), f"{login} calls {model}.{method}")

    def test_every_public_method_refuses_a_portal_user(self):
        methods = linkedin_public_methods(self.env)
        self.assertIn(("linkedin.ad.account", "action_sync_now"), methods)
        calls = self.emulator.calls()
        for (model, method), is_model_method in sorted(methods.items()):
            record = self.env[model].sudo().search([], limit=1) if not is_model_method else self.env[model]
            self.assertRefused("li_portal", model, method, record.ids, is_model_method)
        self.assertEqual(self.emulator.calls(), calls, "no LinkedIn call")

    def test_sync_now_refused_to_non_administrators(self):
        logs = self.env["linkedin.sync.log"].search_count([])
        calls = self.emulator.calls()
        for login in ("li_portal", "li_salesperson", "li_marketing"):
            self.assertRefused(login, "linkedin.ad.account", "action_sync_now", self.accounts.ids)
        self.assertEqual(self.emulator.calls(), calls, "no LinkedIn call, no quota spent")
        self.assertEqual(self.env["linkedin.sync.log"].search_count([]), logs, "no sync started")
        # the LinkedIn administrator may
        result = self._call("li_manager", "linkedin.ad.account", "action_sync_now", self.europe.ids)
        self.assertEqual(result["tag"], "display_notification")

    def test_sync_now_refused_on_another_company_account(self):
        other = self.env["res.company"].create({"name": "Other company"})
        self.user_manager.write({"company_ids": [(4, other.id)]})
        self.north_america.sudo().company_id = other
        self.user_manager.write({"company_ids": [(3, other.id)]})
        self.env.flush_all()
        self.assertRefused("li_manager", "linkedin.ad.account", "action_sync_now", self.north_america.ids)

    def test_salesperson_and_marketer_cannot_run_administrator_actions(self):
        reset = self.env["linkedin.sync.reset"].create({"account_ids": [(6, 0, self.europe.ids)]})
        self.env.flush_all()
        for login in ("li_salesperson", "li_marketing"):
            self.assertRefused(login, "linkedin.sync.reset", "action_reset", reset.ids)
            self.assertRefused(login, "linkedin.matching.strategy", "action_activate",
                               self.env["linkedin.matching.strategy"].search([], limit=1).ids)  # fmt: skip
        self.assertRefused("li_salesperson", "linkedin.audience", "action_upload", [])
        self.assertRefused("li_salesperson", "linkedin.audience", "action_refresh_status", [])
