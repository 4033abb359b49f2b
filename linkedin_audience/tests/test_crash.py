# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An audience upload killed with ``kill -9`` while LinkedIn holds a batch, then run again.

The promise: nothing lost, nothing duplicated once Odoo runs again; at most the batch in flight is sent
twice (a repeated ADD is harmless on LinkedIn). This is done for real: Odoo's cron runner works in
child processes (``odoo shell``) on the test database, and the test kills one while LinkedIn (the
emulator, in this process) has received a batch but not answered it yet. LinkedIn then takes the batch
that Odoo never heard back about. The test works on committed data, outside any test transaction,
and removes what it committed.
"""

import threading
from collections import Counter

from odoo.tests import tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator
from odoo.addons.linkedin_leadgen.linkedin import hash_email
from odoo.addons.linkedin_leadgen.tests.common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from odoo.addons.linkedin_leadgen.tests.odoo_child import OdooChildCase

CONTACTS = 1000
BATCH = 100
HELD_BATCH = 4  # the kill comes while LinkedIn holds this batch
HOLD_SECONDS = 1.0
USERS = "dmpSegments/users"
EMAIL = "audience.crash.{}@example.com"

CHILD_SCRIPT = r"""
import json, os
import odoo
from odoo.addons.linkedin_leadgen import linkedin as li

args = json.loads(os.environ["LINKEDIN_CRASH_ARGS"])
mode = args["mode"]
cron = env.ref("linkedin_audience.ir_cron_linkedin_audience_sync")
CRON_FIELDS = ["nextcall", "lastcall", "failure_count", "first_failure_date"]

def out(tag, value):
    print(tag, json.dumps(value, default=str), flush=True)

def max_id(model):
    return env[model].search([], order="id desc", limit=1).id or 0

if mode == "setup":
    get_param = env["ir.config_parameter"].get_param
    saved = {
        "saved_params": {key: get_param(key) for key in args["params"]},
        "saved_cron": cron.read(CRON_FIELDS)[0],
        "trigger": max_id("ir.cron.trigger"),
        "progress": max_id("ir.cron.progress"),
    }
    for key, value in args["params"].items():
        env["ir.config_parameter"].set_param(key, value)
    profile = env["linkedin.user.profile"].create(
        {"name": "Audience crash test", "user_id": env.ref("base.user_admin").id, "share_for_audiences": True}
    )
    profile._connect_with_tokens(li.Tokens.from_response(args["tokens"]))
    mailing_list = env["mailing.list"].create({"name": "Audience crash test"})
    env["mailing.contact"].create([
        {"name": f"Crash {i}", "email": args["email"].format(i), "list_ids": [(4, mailing_list.id)]}
        for i in range(args["contacts"])
    ])
    account = profile.ad_account_ids.filtered(lambda a: (a.role or "").upper() != "VIEWER")[:1]
    wizard = env["linkedin.audience.wizard"].create(
        {"mailing_list_id": mailing_list.id, "profile_id": profile.id, "ad_account_id": account.id}
    )
    audience = env["linkedin.audience"].browse(wizard.action_create()["res_id"])
    env.cr.commit()
    out("SETUP", {
        **saved, "profile": profile.id, "list": mailing_list.id, "audience": audience.id,
        "segment": audience.segment_id,
    })

elif mode == "upload":
    # Odoo's cron runner, for this cron only: each job runs batches in its own committed transactions
    IrCron = env.registry["ir.cron"]
    env.cr.commit()
    db = odoo.sql_db.db_connect(env.cr.dbname)
    jobs = 0
    while True:
        with db.cursor() as cron_cr:
            job = IrCron._acquire_one_job(cron_cr, cron.id)
            if not job:
                break
            IrCron._process_job(db, cron_cr, job)
        jobs += 1
    out("DONE", jobs)

elif mode == "check":
    audience = env["linkedin.audience"].browse(args["audience"])
    env.cr.execute(
        "SELECT state, count(*) FROM linkedin_audience_member WHERE audience_id = %s GROUP BY state", [audience.id]
    )
    members = dict(env.cr.fetchall())
    env.cr.execute("SELECT email_hash FROM linkedin_audience_member WHERE audience_id = %s", [audience.id])
    out("CHECK", {
        "members": members,
        "hashes": [row[0] for row in env.cr.fetchall()],
        "audience": audience.read([
            "state", "upload_pending", "upload_total", "upload_done", "batch_count", "contact_sent_count",
            "contact_failed_count", "last_error",
        ])[0],
    })

elif mode == "cleanup":
    audience = env["linkedin.audience"].with_context(active_test=False).browse(args["audience"]).exists()
    profile = env["linkedin.user.profile"].with_context(active_test=False).browse(args["profile"]).exists()
    mailing_list = env["mailing.list"].with_context(active_test=False).browse(args["list"]).exists()
    accounts = profile.ad_account_ids
    audience.with_context(linkedin_audience_confirmed=True).unlink()
    mailing_list.contact_ids.unlink()
    mailing_list.unlink()
    accounts.form_ids.unlink()
    accounts.unlink()
    profile.unlink()
    for key, value in args["saved_params"].items():
        env["ir.config_parameter"].set_param(key, value)
    env["ir.cron.trigger"].search([("cron_id", "=", cron.id), ("id", ">", args["trigger"])]).unlink()
    env["ir.cron.progress"].search([("cron_id", "=", cron.id), ("id", ">", args["progress"])]).unlink()
    cron.write({name: args["saved_cron"][name] for name in CRON_FIELDS})
    env.cr.commit()
    out("CLEANED", True)
"""


# the emulator of the audience crash tests: LinkedIn takes a segment's users at once, and the segment stays
# BUILDING however long a loaded machine takes
CRASH_EMULATOR_KWARGS = {
    "client_id": EMULATOR_CLIENT_ID,
    "client_secret": EMULATOR_CLIENT_SECRET,
    "responses": 5,
    "dmp_not_found_window": 0,
    "segment_delay": 3600,
}


class HoldingEmulator(LinkedInEmulator):
    """The emulator, holding one batch of contacts a while (a slow answer) and telling the test about it.

    ``batch_held`` is set when the ``hold_at``-th batch arrived (Odoo is waiting for the answer),
    ``batch_taken`` once LinkedIn has processed it.
    """

    def __init__(self, hold_at, **kwargs):
        self.hold_at = hold_at
        self.batches_received = 0
        self.batch_held = threading.Event()
        self.batch_taken = threading.Event()
        super().__init__(**kwargs)

    def take_fault(self, endpoint, target=""):
        if endpoint == USERS:
            self.batches_received += 1
            if self.batches_received == self.hold_at:
                self.inject(USERS, "slow", delay=HOLD_SECONDS)
                self.batch_held.set()
        return super().take_fault(endpoint, target)

    def record(self, req, reply, endpoint):
        result = super().record(req, reply, endpoint)
        if endpoint == USERS and self.calls(USERS) == self.hold_at:
            self.batch_taken.set()
        return result


@tagged("post_install", "-at_install")
class TestAudienceCrash(OdooChildCase):
    """Kill -9 Odoo's cron runner in the middle of an audience upload, run it again, compare with LinkedIn."""

    CHILD_SCRIPT = CHILD_SCRIPT

    def _kill_when_held(self, process, emulator):
        held = emulator.batch_held.wait(120)
        process.kill()  # SIGKILL: no rollback, no cleanup, no goodbye
        process.wait(timeout=60)
        stderr = process.stderr.read()
        process.stdout.close()
        process.stderr.close()
        self.assertTrue(held, f"the upload never reached batch {HELD_BATCH}: {stderr[-3000:]}")

    def test_killed_upload_loses_and_duplicates_nothing(self):
        self.dbname = self._test_dbname()
        emulator = HoldingEmulator(HELD_BATCH, **CRASH_EMULATOR_KWARGS).start()
        self.addCleanup(emulator.stop)
        self.args = {
            "params": {
                **self._emulator_params(emulator),
                "linkedin_audience.batch_size": str(BATCH),
                "linkedin_audience.cron_budget": "10",  # several batches per cron call, each committed
                "linkedin_audience.time_budget": "0",  # the wizard only plans: every batch goes through the cron
            },
            "tokens": emulator.issue_tokens(),
            "contacts": CONTACTS,
            "email": EMAIL,
        }
        setup = self._line(self._odoo("setup"), "SETUP")
        self.args.update(setup)
        self.addCleanup(self._odoo, "cleanup")
        segment_id = setup["segment"]
        expected = {hash_email(EMAIL.format(i)) for i in range(CONTACTS)}
        self.assertEqual(emulator.calls(USERS), 0)

        # first run: killed while LinkedIn holds a batch
        self._kill_when_held(self._odoo("upload", wait=False), emulator)
        self.assertTrue(emulator.batch_taken.wait(30), "LinkedIn took the batch in flight")
        on_linkedin = emulator.segment_users(segment_id)
        self.assertEqual(len(on_linkedin), HELD_BATCH * BATCH)

        after_crash = self._line(self._odoo("check"), "CHECK")
        recorded = (HELD_BATCH - 1) * BATCH
        self.assertEqual(after_crash["members"], {"sent": recorded, "to_add": CONTACTS - recorded})
        audience = after_crash["audience"]
        self.assertEqual(audience["state"], "uploading")
        self.assertTrue(audience["upload_pending"])
        self.assertEqual((audience["batch_count"], audience["contact_sent_count"]), (HELD_BATCH - 1, recorded))

        # second run: resumes at the batch in flight and finishes
        self.assertIn("DONE", self._odoo("upload"))
        final = self._line(self._odoo("check"), "CHECK")
        self.assertEqual(final["members"], {"sent": CONTACTS}, "every member row sent")
        self.assertEqual(set(final["hashes"]), expected)
        audience = final["audience"]
        self.assertEqual(audience["state"], "building")
        self.assertFalse(audience["upload_pending"])
        self.assertFalse(audience["last_error"])
        self.assertEqual((audience["contact_sent_count"], audience["contact_failed_count"]), (CONTACTS, 0))
        self.assertEqual(audience["upload_done"], audience["upload_total"])
        self.assertEqual(audience["batch_count"], CONTACTS // BATCH)
        self.assertEqual(emulator.segment_users(segment_id), expected, "nothing lost")

        requests = emulator.requests(USERS)
        self.assertEqual([r["status"] for r in requests], [200] * (CONTACTS // BATCH + 1))
        sent = Counter(e["userIds"][0]["idValue"] for r in requests for e in r["body"]["elements"])
        self.assertEqual({e["action"] for r in requests for e in r["body"]["elements"]}, {"ADD"})
        self.assertEqual(set(sent), expected)
        in_flight = {e["userIds"][0]["idValue"] for e in requests[HELD_BATCH - 1]["body"]["elements"]}
        self.assertEqual({h for h, count in sent.items() if count > 1}, in_flight, "only the batch in flight twice")
        self.assertEqual(max(sent.values()), 2)
        self.assertEqual(requests[HELD_BATCH]["body"], requests[HELD_BATCH - 1]["body"], "resent as it was")
