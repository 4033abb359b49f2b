# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Robustness suite "Nobody let in": every public method of both addons over JSON-RPC, as users without
any LinkedIn group, on real records; and the secrets (tokens, client secret) in no answer, export, chatter
message or server log line.

The table :data:`WHO_MAY_CALL` decides, for each public method, what each role gets. It must cover
exactly the public methods found by introspection: a new public method fails this suite until someone
decides who may call it.
"""

import json
import logging
from contextlib import contextmanager
from datetime import timedelta

import requests

from odoo import fields, http
from odoo.models import regex_private
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from . import suite_figures
from .common import EMULATOR_CLIENT_SECRET
from .sync_common import LinkedInSyncHttpCase

ADDON_MODULES = ("odoo.addons.linkedin_leadgen.", "odoo.addons.linkedin_audience.")
ROLES = ("portal", "salesperson", "marketer")
OK, DENIED, REFUSED = "ok", "AccessError", "UserError"
NOBODY = {}
MARKETER = {"marketer": OK}

#: what each role gets from each public method (a role not named: DENIED). ``REFUSED``: a UserError sentence
#: saying why not (e.g. the marketer, who may use audiences, cannot authorize a profile without the
#: LinkedIn Lead Gen Salesperson group).
WHO_MAY_CALL = {
    # CRM: the lead of another salesperson, whom "own documents only" salespeople do not reach
    ("crm.lead", "action_view_linkedin_submissions"): NOBODY,
    ("crm.lead", "unlink"): NOBODY,
    # LinkedIn Lead Gen: its groups only; marketers read the profiles shared with them and their accounts
    ("linkedin.user.profile", "create"): NOBODY,
    ("linkedin.user.profile", "write"): NOBODY,
    ("linkedin.user.profile", "action_authorize"): NOBODY,
    ("linkedin.user.profile", "action_sync_submissions"): NOBODY,
    ("linkedin.user.profile", "action_disconnect"): NOBODY,
    ("linkedin.user.profile", "action_view_ad_accounts"): MARKETER,
    ("linkedin.ad.account", "action_sync_now"): NOBODY,
    ("linkedin.ad.account", "action_view_forms"): MARKETER,
    ("linkedin.ad.account", "action_view_submissions"): MARKETER,
    ("linkedin.ad.account", "action_view_sync_logs"): MARKETER,
    ("linkedin.lead.form", "action_view_submissions"): NOBODY,
    ("linkedin.form.submission", "action_import"): NOBODY,
    ("linkedin.form.submission", "action_view_lead"): NOBODY,
    ("linkedin.matching.strategy", "create"): NOBODY,
    ("linkedin.matching.strategy", "write"): NOBODY,
    ("linkedin.matching.strategy", "action_activate"): NOBODY,
    ("linkedin.sync.reset", "action_reset"): NOBODY,
    ("res.config.settings", "default_get"): NOBODY,
    ("res.config.settings", "get_values"): NOBODY,
    ("res.config.settings", "set_values"): NOBODY,
    ("linkedin.leadgen.settings", "default_get"): NOBODY,
    ("linkedin.leadgen.settings", "action_save"): NOBODY,
    # Matched Audiences: Email Marketing users
    ("mailing.list", "action_open_linkedin_audience_wizard"): MARKETER,
    ("linkedin.audience", "create"): MARKETER,
    ("linkedin.audience", "write"): MARKETER,
    ("linkedin.audience", "unlink"): {"marketer": REFUSED},  # through the Archive or Delete button only
    ("linkedin.audience", "action_archive"): MARKETER,
    ("linkedin.audience", "action_unarchive"): MARKETER,
    ("linkedin.audience", "action_upload"): MARKETER,
    ("linkedin.audience", "action_refresh_status"): MARKETER,
    ("linkedin.audience", "action_open_remove_wizard"): MARKETER,
    ("linkedin.audience", "action_view_members"): MARKETER,
    ("linkedin.audience.wizard", "action_create"): MARKETER,
    ("linkedin.audience.wizard", "action_authorize_profile"): {"marketer": REFUSED},
    ("linkedin.audience.remove.wizard", "action_confirm"): MARKETER,
}

# every table a call could change: a refused call changes none of them
WATCHED_TABLES = (
    "linkedin_user_profile",
    "linkedin_ad_account",
    "linkedin_lead_form",
    "linkedin_lead_form_question",
    "linkedin_form_submission",
    "linkedin_form_submission_answer",
    "linkedin_form_submission_consent",
    "linkedin_field_mapping",
    "linkedin_matching_strategy",
    "linkedin_sync_log",
    "linkedin_audience",
    "linkedin_audience_member",
    "crm_lead",
    "mailing_list",
    "mail_message",
    "ir_cron_trigger",
    "ir_config_parameter",
)
SQL_LOGGER = "odoo.sql_db"  # SQL statements, logged only when a developer asks for them (--log-sql)
CAPTURED_LOGGERS = ("odoo", "urllib3", "requests_oauthlib", "oauthlib")


def linkedin_public_methods(env):
    """``{(model, method)}`` of every method the LinkedIn addons define or override that JSON-RPC lets
    anyone call (Odoo refuses names starting with ``_`` and ``init`` remotely)."""
    methods = set()
    for name in env.registry:
        for klass in type(env[name]).__mro__:
            if klass.__module__.startswith(ADDON_MODULES):
                methods.update(
                    (name, attr)
                    for attr, value in vars(klass).items()
                    if callable(value) and not regex_private.match(attr)
                )
    return methods


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        if not record.name.startswith(SQL_LOGGER):
            self.lines.append(self.format(record))


@tagged("post_install", "-at_install")
class TestSuiteNobodyLetIn(LinkedInSyncHttpCase):
    emulator_kwargs = {"responses": 6, "seed": 16}

    def setUp(self):
        super().setUp()
        self.users = {
            "portal": new_test_user(self.env, login="nl_portal", groups="base.group_portal"),
            "salesperson": new_test_user(self.env, login="nl_salesperson", groups="sales_team.group_sale_salesman"),
            "marketer": new_test_user(self.env, login="nl_marketer", groups="mass_mailing.group_mass_mailing_user"),
        }
        linkedin_groups = self.env["res.groups"].search([("category_id.name", "=", "LinkedIn Lead Gen")])
        self.assertTrue(linkedin_groups)
        for user in self.users.values():
            self.assertFalse(user.groups_id & linkedin_groups, "a user without any LinkedIn group")
        # real records: a connected profile shared for audiences, its accounts and forms, submissions whose
        # leads belong to another salesperson, an audience with its LinkedIn segment
        self.profile.sudo().share_for_audiences = True
        self._sync_accounts(self.europe)
        self.submissions = self._submissions().filtered("lead_id")
        self.assertTrue(self.submissions)
        self.submissions.lead_id.user_id = self.user_salesperson_2
        self.mailing_list = self._mailing_list("Newsletter", 3)
        self.other_list = self._mailing_list("Customers", 2)
        self.audience_account = self.profile.sudo().ad_account_ids.filtered(
            lambda a: a.role != "VIEWER" and a.organization_urn and a.status in (False, "ACTIVE")
        )[:1]
        self.audience = self.env["linkedin.audience"]._create_and_upload(
            self.mailing_list, self.profile, self.audience_account, "Newsletter on LinkedIn"
        )
        self.assertTrue(self.audience.segment_id)
        self.reset = self.env["linkedin.sync.reset"].with_user(self.user_manager).create({})
        self.settings = self.env["res.config.settings"].create({})
        self.leadgen_settings = self.env["linkedin.leadgen.settings"].create({})
        self.secrets = {"client secret": EMULATOR_CLIENT_SECRET}
        self._remember_tokens()
        self.personal_data = set(self.submissions.mapped("email")) | set(self.submissions.lead_id.mapped("email_from"))
        self.env.flush_all()

    def _mailing_list(self, name, count):
        return self.env["mailing.list"].create(
            {
                "name": name,
                "contact_ids": [
                    (0, 0, {"name": f"{name} {i}", "email": f"{name.lower()}.{i}@example.com"}) for i in range(count)
                ],
            }
        )

    def _remember_tokens(self, profiles=None):
        for profile in (profiles or self.env["linkedin.user.profile"].search([])).sudo():
            for fname in ("access_token", "refresh_token"):
                if profile[fname]:
                    self.secrets[f"{fname} of profile {profile.id} ({len(self.secrets)})"] = profile[fname]

    # ------------------------------------------------------------------
    # The calls
    # ------------------------------------------------------------------

    def _target(self, model, role):
        """The real record each method is called on (wizards: the caller's own when the role may make one)."""
        user = self.users[role]
        if model == "linkedin.audience.wizard":
            creator = user if role == "marketer" else self.env.user
            return (
                self.env[model]
                .with_user(creator)
                .create({"mailing_list_id": self.other_list.id, "confirm_small": True, "name": "Customers"})
            )
        if model == "linkedin.audience.remove.wizard":
            creator = user if role == "marketer" else self.env.user
            return self.env[model].with_user(creator).create({"audience_ids": [(6, 0, self.audience.ids)]})
        return {
            "crm.lead": self.submissions.lead_id[:1],
            "linkedin.user.profile": self.profile,
            "linkedin.ad.account": self.europe,
            "linkedin.lead.form": self.europe.sudo().form_ids[:1],
            "linkedin.form.submission": self.submissions[:1],
            "linkedin.matching.strategy": self.env["linkedin.matching.strategy"].search([], limit=1),
            "linkedin.sync.reset": self.reset,
            "linkedin.audience": self.audience,
            "mailing.list": self.mailing_list,
            "res.config.settings": self.settings,
            "linkedin.leadgen.settings": self.leadgen_settings,
        }[model]

    def _arguments(self, model, method, record):
        if method == "create":
            vals = {
                "linkedin.user.profile": {"name": "Created over RPC"},
                "linkedin.matching.strategy": {"name": "Created over RPC"},
                "linkedin.audience": {
                    "name": "Created over RPC",
                    "mailing_list_id": self.other_list.id,
                    "profile_id": self.profile.id,
                    "ad_account_id": self.audience_account.id,
                },
            }[model]
            return [[vals]]
        if method == "write":
            return [record.ids, {"name": "Renamed over RPC"}]
        if method == "get_values":
            return []
        if method == "default_get":
            return [["linkedin_client_id", "linkedin_client_secret", "linkedin_sync_interval"]]
        return [record.ids]

    def _rpc(self, model, method, args):
        """Call ``model.method(*args)`` through ``/web/dataset/call_kw``; returns ``(outcome, answer, text)``."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1}
        payload["params"] = {"model": model, "method": method, "args": args, "kwargs": {}}
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        if "error" not in answer:  # a method returning None gives no "result"
            return OK, answer, response.text
        return answer["error"]["data"]["name"].rsplit(".", 1)[-1], answer, response.text

    def _snapshot(self):
        """A digest of every watched table (any write changes its write_date, hence the digest)."""
        self.env.flush_all()
        digests = {}
        for table in WATCHED_TABLES:
            self.env.cr.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t")
            digests[table] = self.env.cr.fetchone()[0]
        return digests

    @contextmanager
    def _undone(self):
        """Run the block, then roll everything it did back (the calls share the test's transaction)."""
        savepoint = self.env.cr.savepoint()
        try:
            yield
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def _leaks(self, text, personal=True):
        """The secrets (and the other salesperson's leads' e-mail addresses) found in ``text``."""
        found = [name for name, secret in self.secrets.items() if secret and secret in text]
        if personal:
            found += [email for email in self.personal_data if email and email in text]
        return found

    def test_every_public_method_as_each_role(self):
        introspected = linkedin_public_methods(self.env)
        self.assertEqual(
            set(WHO_MAY_CALL),
            introspected,
            "WHO_MAY_CALL must decide who may call each public method, exactly those: "
            f"missing {sorted(introspected - set(WHO_MAY_CALL))}, gone {sorted(set(WHO_MAY_CALL) - introspected)}",
        )
        problems, calls, leaks = [], 0, []
        for role in ROLES:
            login = self.users[role].login
            self.authenticate(login, login)
            for model, method in sorted(introspected):
                expected = WHO_MAY_CALL[(model, method)].get(role, DENIED)
                with self._undone():
                    record = self._target(model, role)
                    self.env.flush_all()
                    before, linkedin_calls = self._snapshot(), self.emulator.calls()
                    outcome, answer, text = self._rpc(model, method, self._arguments(model, method, record))
                    after = self._snapshot()
                calls += 1
                where = f"{role} calls {model}.{method}"
                if outcome != expected:
                    message = answer.get("error", {}).get("data", {}).get("message", "")
                    problems.append(f"{where}: {outcome} (expected {expected}) {message[:200]}")
                if outcome != OK:
                    changed = [table for table in WATCHED_TABLES if before[table] != after[table]]
                    if changed:
                        problems.append(f"{where}: refused, yet it changed {changed}")
                    if self.emulator.calls() != linkedin_calls:
                        problems.append(f"{where}: refused, yet it called LinkedIn")
                    if outcome not in (DENIED, REFUSED, "ValidationError"):
                        problems.append(f"{where}: {outcome} instead of a sentence")
                leaks += [f"{where}: {leak}" for leak in self._leaks(text)]
        self.authenticate(None, None)
        expected_calls = len(WHO_MAY_CALL) * len(ROLES)
        figure = suite_figures.report(
            "methods_checked", calls, "calls", f"all {expected_calls}", calls == expected_calls and not problems
        )
        self.assertFalse(problems + leaks, "\n".join([figure, *problems, *leaks]))
        self.assertEqual(calls, expected_calls, figure)

    # ------------------------------------------------------------------
    # Secrets: in no answer, export, chatter message or log line
    # ------------------------------------------------------------------

    def _export_csv(self, model, ids, fnames):
        data = {
            "model": model,
            "fields": [{"name": fname, "label": fname} for fname in fnames],
            "ids": ids,
            "domain": [],
            "import_compat": False,
        }
        with mute_logger("odoo.http", "odoo.addons.web.controllers.export"):
            response = self.url_open(
                "/web/export/csv", data={"data": json.dumps(data), "csrf_token": http.Request.csrf_token(self)}
            )
        return response.text

    def _secret_reads(self):
        """``{what: answer text}`` of every way a user may try to read a secret over HTTP."""
        profile, accounts, settings = self.profile.ids, self.accounts.ids, self.settings.ids
        tokens = ["access_token", "refresh_token"]
        rpc = {
            "profile read": ("linkedin.user.profile", "read", [profile]),
            "profile read tokens": ("linkedin.user.profile", "read", [profile, ["name", *tokens]]),
            "profile search_read": ("linkedin.user.profile", "search_read", [[]]),
            "profile web_search_read": (
                "linkedin.user.profile",
                "web_search_read",
                [[], {fname: {} for fname in ("name", *tokens)}],
            ),
            "profile export_data": ("linkedin.user.profile", "export_data", [profile, ["name", *tokens]]),
            "profile read_group": ("linkedin.user.profile", "read_group", [[], ["access_token:array_agg"], []]),
            "account read": ("linkedin.ad.account", "read", [accounts]),
            "account export_data": (
                "linkedin.ad.account",
                "export_data",
                [accounts, ["name", "profile_ids/access_token", "profile_ids/refresh_token"]],
            ),
            "settings default_get": ("res.config.settings", "default_get", [["linkedin_client_secret"]]),
            "settings onchange": ("res.config.settings", "onchange", [{}, [], {"linkedin_client_secret": {}}]),
            "settings read": ("res.config.settings", "read", [settings]),
            "settings read secret": ("res.config.settings", "read", [settings, ["linkedin_client_secret"]]),
            "settings export_data": ("res.config.settings", "export_data", [settings, ["linkedin_client_secret"]]),
            "parameter get_param": ("ir.config_parameter", "get_param", ["linkedin_leadgen.client_secret"]),
            "parameter search_read": ("ir.config_parameter", "search_read", [[("key", "like", "linkedin")]]),
        }
        answers = {what: self._rpc(*call)[2] for what, call in rpc.items()}
        answers["profile csv export"] = self._export_csv("linkedin.user.profile", profile, ["name", *tokens])
        answers["account csv export"] = self._export_csv(
            "linkedin.ad.account", accounts, ["name", "profile_ids/access_token", "profile_ids/refresh_token"]
        )
        answers["settings csv export"] = self._export_csv("res.config.settings", settings, ["linkedin_client_secret"])
        return answers

    def test_secrets_in_no_answer_or_export(self):
        """Tokens and the client secret reach no role over RPC or export, not even a LinkedIn Lead Gen
        administrator who is not a Settings administrator."""
        users = {**self.users, "linkedin administrator": self.user_manager}
        self.assertFalse(self.user_manager.has_group("base.group_system"))
        leaks, places = [], 0
        for role, user in users.items():
            self.authenticate(user.login, user.login)
            for what, text in self._secret_reads().items():
                places += 1
                leaks += [f"{role}, {what}: {leak}" for leak in self._leaks(text, personal=False)]
            # nor can a search on them tell a token character by character
            for fname in ("access_token", "refresh_token"):
                places += 1
                domain = [(fname, "=like", "%")]
                outcome, _answer, text = self._rpc("linkedin.user.profile", "search_count", [domain])
                if outcome == OK:
                    leaks.append(f"{role}, search on {fname}: answered {json.loads(text).get('result')}")
        self.authenticate(None, None)
        figure = suite_figures.report("secrets_leaked", len(leaks), f"places of {places}", 0, not leaks)
        self.assertFalse(leaks, "\n".join([figure, *leaks]))

    @contextmanager
    def _captured_log(self):
        """Every log line of Odoo (and of the HTTP and OAuth libraries) at DEBUG level, SQL statements aside."""
        capture = _Capture()
        capture.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        loggers = [logging.getLogger(name) for name in CAPTURED_LOGGERS]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.addHandler(capture)
            logger.setLevel(logging.DEBUG)
        sql = logging.getLogger(SQL_LOGGER)
        sql_level = sql.level
        sql.setLevel(logging.INFO)
        try:
            yield capture.lines
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.removeHandler(capture)
                logger.setLevel(level)
            sql.setLevel(sql_level)

    def test_secrets_in_no_chatter_message_or_log_line(self):
        """An administrator connects a profile through LinkedIn's OAuth dialog, its token is refreshed and its
        accounts synced: no token nor the client secret in a log line, a chatter message or a tracking value."""
        admin = self.env.ref("base.user_admin")
        profile = self.env["linkedin.user.profile"].with_user(admin).create({"name": "Admin on LinkedIn"})
        self.env.flush_all()
        self.authenticate("admin", "admin")
        with self._captured_log() as lines:
            # connect: the browser goes to LinkedIn and comes back to the callback with a code
            action = self._rpc("linkedin.user.profile", "action_authorize", [profile.ids])[1]["result"]
            linkedin = requests.get(action["url"], allow_redirects=False, timeout=10)
            self.assertEqual(linkedin.status_code, 302, linkedin.text)
            callback = self.url_open(linkedin.headers["Location"], allow_redirects=False)
            self.assertEqual(callback.status_code, 303, callback.text)
            profile.invalidate_recordset()
            self.assertEqual(profile.state, "connected", profile.last_error)
            self._remember_tokens(profile)
            # refresh: the access token is about to expire when the owner clicks Sync
            profile.sudo().token_expires_at = fields.Datetime.now() - timedelta(minutes=5)
            self.env.flush_all()
            self._remember_tokens(profile)
            outcome, answer, _text = self._rpc("linkedin.user.profile", "action_sync_submissions", [profile.ids])
            self.assertEqual(outcome, OK, answer)
            profile.invalidate_recordset()
            self.assertGreater(profile.token_expires_at, fields.Datetime.now(), "the token was refreshed")
            self._remember_tokens(profile)
            # and the scheduled sync
            self.env["linkedin.lead.importer"]._sync_accounts(profile.sudo().ad_account_ids.filtered("can_sync"))
            self.env["linkedin.user.profile"].search([]).sudo().action_disconnect()
        self.authenticate(None, None)
        self.assertGreaterEqual(len(self.secrets), 5, "the client secret and two generations of tokens")
        self.assertTrue(any("access token refreshed" in line for line in lines), "the log was captured")

        leaks = [f"log line {line[:120]!r}: {leak}" for line in lines for leak in self._leaks(line, personal=False)]
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT 'message ' || id, concat_ws(' ', subject, body, record_name) FROM mail_message
               UNION ALL
               SELECT 'tracking value ' || id,
                      concat_ws(' ', old_value_char, new_value_char, old_value_text, new_value_text)
                 FROM mail_tracking_value"""
        )
        rows = self.env.cr.fetchall()
        self.assertTrue(
            self.env["mail.message"].search_count(
                [("model", "=", "linkedin.user.profile"), ("res_id", "=", profile.id)]
            ),
            "the profile's chatter has messages",
        )
        leaks += [f"{where}: {leak}" for where, text in rows for leak in self._leaks(text or "", personal=False)]
        places = len(lines) + len(rows)
        figure = suite_figures.report("secrets_logged", len(leaks), f"places of {places}", 0, not leaks)
        self.assertFalse(leaks, "\n".join([figure, *leaks]))
