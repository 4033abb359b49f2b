# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The sync's workers: several scheduled actions of ``_cron_sync`` run by Odoo's cron runner in two
processes at once (two servers' cron threads) share the ad accounts out: both work, nothing is imported
twice, nothing is lost.

Odoo's own runner (``ir.cron._process_jobs``) runs in ``odoo shell`` children on the test database,
limited to the sync's scheduled actions (the stock ones would reach the Internet). They see committed
data only, so this test works outside any test transaction and removes what it created.
"""

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

import psycopg2.errors

from odoo.tests import TransactionCase, tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

from ..models.linkedin_sync_mixin import SYNC_CRON
from .common import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET
from .odoo_child import CLEANUP_MODE, SYNC_SCRIPT_HEAD, OdooChildCase
from .sync_common import LinkedInSyncCase

CHILD_SCRIPT = (
    SYNC_SCRIPT_HEAD
    + r"""
    crons = env["linkedin.sync.mixin"]._linkedin_crons("linkedin_leadgen.ir_cron_linkedin_sync")
    env["linkedin.sync.mixin"]._linkedin_trigger_cron("linkedin_leadgen.ir_cron_linkedin_sync")
    env.cr.commit()
    last_campaign = env["utm.campaign"].search([], order="id desc", limit=1).id or 0
    out("SETUP", json.dumps({"profile": profile.id, "crons": crons.ids, "campaign": last_campaign}))

elif mode == "run":  # one server's cron thread: Odoo's runner, on the sync's scheduled actions only
    IrCron = type(env["ir.cron"])
    ready_jobs = IrCron._get_all_ready_jobs.__func__
    IrCron._get_all_ready_jobs = classmethod(
        lambda cls, cr: [job for job in ready_jobs(cls, cr) if job["id"] in args["crons"]]
    )
    Model = type(Submission)
    store_items = Model._linkedin_store_items

    def slow_store_items(submissions, run, items):  # a batch takes a moment, as with real data
        time.sleep(0.05)
        return store_items(submissions, run, items)

    Model._linkedin_store_items = slow_store_items
    while not os.path.exists(args["go"]):  # both runners start together
        time.sleep(0.05)
    deadline = time.monotonic() + 240
    idle_since = None
    while time.monotonic() < deadline:
        IrCron._process_jobs(env.cr.dbname)
        with env.registry.cursor() as cr:
            ready = IrCron._get_all_ready_jobs(cr)
        if ready:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 1:
            break
        time.sleep(0.05)
    out("PID", os.getpid())

elif mode == "check":
    accounts = env["linkedin.user.profile"].browse(args["profile"]).ad_account_ids
    submissions = Submission.search([("account_id", "in", accounts.ids)])
    logs = env["linkedin.sync.log"].search([("account_id", "in", accounts.ids), ("fetched_count", ">", 0)])
    out("CHECK", json.dumps({
        "ids": submissions.mapped("linkedin_id"),
        "leads": len(submissions.lead_id),
        "created": len(submissions.filtered(lambda s: s.state == "lead_created")),
        "fetched": {worker: sum(logs.filtered(lambda l: l.worker == worker).mapped("fetched_count"))
                    for worker in set(logs.mapped("worker"))},
        "accounts_by_worker": {worker: sorted(set(logs.filtered(lambda l: l.worker == worker).account_id.ids))
                               for worker in set(logs.mapped("worker"))},
        "states": sorted(set(accounts.filtered("can_sync").mapped("sync_state"))),
        "errors": [a.last_sync_error for a in accounts if a.last_sync_error],
    }))

"""
)
CHILD_SCRIPT += CLEANUP_MODE


@tagged("post_install", "-at_install")
class TestLinkedInSyncWorkers(OdooChildCase):
    """Two processes run Odoo's cron runner on the sync's workers at the same time."""

    CHILD_SCRIPT = CHILD_SCRIPT

    def test_two_runners_share_the_accounts_and_import_each_lead_once(self):
        self.dbname = self._test_dbname()
        emulator = LinkedInEmulator(
            client_id=EMULATOR_CLIENT_ID, client_secret=EMULATOR_CLIENT_SECRET, responses=0, seed=31
        ).start()
        self.addCleanup(emulator.stop)
        with emulator.lock:
            new_accounts = emulator.data.add_accounts(4)
            emulator.data.add_leads(1600, new_accounts, emulator.now_ms() - 60_000)
        go = os.path.join(tempfile.mkdtemp(), "go")
        self.args = {
            "params": {
                **self._emulator_params(emulator),
                "linkedin_leadgen.cron_budget": "0",  # one batch per call: many calls, both runners busy
                "linkedin_leadgen.batch_size": "100",
            },
            "tokens": emulator.issue_tokens(),
            "go": go,
        }
        setup = self._line(self._odoo("setup"), "SETUP")
        self.args.update(profile=setup["profile"], campaign=setup["campaign"], crons=setup["crons"])
        self.addCleanup(self._odoo, "cleanup")
        self.assertGreaterEqual(len(setup["crons"]), 4, "the sync ships workers")

        runners = [self._odoo("run", wait=False) for _index in range(2)]
        for runner in runners:
            self.addCleanup(runner.kill)
        time.sleep(0.5)
        with open(go, "w", encoding="utf-8"):
            pass  # both runners go

        def drain(runner):  # both pipes of both children at once: one blocked on a full pipe holds its locks
            runner.stdin = None  # written and closed already
            return runner.communicate(timeout=300)

        with ThreadPoolExecutor(2) as pool:
            outputs = list(pool.map(drain, runners))
        pids = []
        for runner, (stdout, stderr) in zip(runners, outputs, strict=True):
            self.assertEqual(runner.returncode, 0, stderr[-3000:])
            pids.append(self._line(stdout, "PID"))

        check = self._line(self._odoo("check"), "CHECK")
        expected = {lead.id for lead in emulator.data.leads.values() if lead.account in set(new_accounts)}
        self.assertEqual(len(check["ids"]), len(set(check["ids"])), "no lead imported twice")
        self.assertEqual(set(check["ids"]), expected, "every lead imported")
        self.assertEqual(check["leads"], len(expected), "one lead per submission")
        self.assertEqual(check["created"], len(expected))
        self.assertEqual(check["states"], ["idle"], "every account synced to the end")
        by_pid = {int(worker.rsplit(":", 1)[1]): fetched for worker, fetched in check["fetched"].items()}
        self.assertEqual(set(by_pid), set(pids), f"both runners synced accounts: {check['accounts_by_worker']}")
        self.assertEqual(sum(by_pid.values()), len(expected), "what each fetched adds up, nothing twice")


@tagged("post_install", "-at_install")
class TestLinkedInSyncWorkerTriggers(TransactionCase):
    def test_a_trigger_wakes_every_worker(self):
        Mixin = self.env["linkedin.sync.mixin"]
        crons = Mixin._linkedin_crons(SYNC_CRON)
        main = self.env.ref(SYNC_CRON)
        self.assertEqual(crons[:1], main)
        self.assertGreaterEqual(len(crons), 4)
        self.assertEqual(set(crons.mapped("code")), {"model._cron_sync()"})
        # an administrator's copy of the scheduled action is one more worker; an archived one is none
        extra = main.copy({"name": "One more worker"})
        crons[-1].active = False
        workers = Mixin._linkedin_crons(SYNC_CRON)
        self.assertIn(extra, workers)
        self.assertNotIn(crons[-1], workers)
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search([]).ids
        Mixin._linkedin_trigger_cron(SYNC_CRON)
        woken = Trigger.search([("id", "not in", before)]).cron_id
        self.assertEqual(woken, workers)


@tagged("post_install", "-at_install")
class TestLinkedInConcurrentChange(LinkedInSyncCase):
    """What another worker wrote meanwhile is not an error of the account: the batch's responses wait,
    stored as new submissions, and the next call imports them (without asking LinkedIn again)."""

    emulator_kwargs = {"responses": 0, "seed": 5}

    def _sync_with(self, method, error):
        """Sync Europe while ``method`` of crm.lead raises ``error`` once (what PostgreSQL raises when another
        worker changed the same row since this transaction began)."""
        Lead = type(self.env["crm.lead"])
        original = getattr(Lead, method)
        raised = []

        def once(leads, *args, **kwargs):
            if not raised:
                raised.append(True)
                raise error
            return original(leads, *args, **kwargs)

        with patch.object(Lead, method, once):
            return self._sync_accounts(self.europe)

    def test_lead_changed_by_another_worker(self):
        self.env["crm.lead"].create({"name": "Existing", "email_from": "shared@example.com"})
        response = self._add_lead(answers={"WORK_EMAIL": "shared@example.com", "JOB_TITLE": "CTO"})
        result = self._sync_with("_linkedin_update_from_items", psycopg2.errors.SerializationFailure())
        self.assertTrue(result["backlog"], "the batch waits for the next call")
        self.assertFalse(result["errors"])
        self.assertEqual(self.europe.sync_state, "backlog", "not an error shown on the account")
        self.assertFalse(self.europe.sync_paused_until, "no back-off: the next call redoes it")
        self.assertEqual(self._submission(response).state, "new", "kept, waiting for its lead")
        self.assertFalse(self._submission(response).lead_id)
        result = self._sync_accounts(self.europe)
        self.assertEqual((result["updated"], self.europe.sync_state), (1, "idle"))
        self.assertEqual(self._submission(response).state, "lead_updated")

    def test_campaign_created_by_another_worker(self):
        response = self._add_lead()
        Campaign = type(self.env["utm.campaign"])
        original = Campaign.create
        raised = []

        def create_once(campaigns, vals_list):
            if not raised:
                raised.append(True)
                raise psycopg2.errors.UniqueViolation()
            return original(campaigns, vals_list)

        with patch.object(Campaign, "create", create_once):
            result = self._sync_accounts(self.europe)
        self.assertTrue(raised)
        self.assertTrue(result["backlog"])
        self.assertFalse(result["errors"])
        self.assertEqual(self._submission(response).state, "new", "kept, waiting; not a failed submission")
        result = self._sync_accounts(self.europe)
        self.assertEqual((result["created"], result["failed"]), (1, 0))
        self.assertTrue(self._submission(response).lead_id.campaign_id)
