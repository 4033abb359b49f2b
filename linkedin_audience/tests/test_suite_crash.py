# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Robustness suite "Crashes", audience half: the Odoo server killed with ``kill -9`` during an upload.

A real ``odoo`` server (HTTP and cron threads) on a copy of the test database uploads a mailing list of
C contacts: the wizard starts it over JSON-RPC, the upload cron goes on. At points spread over the
upload the server is killed while LinkedIn (the emulator) holds a batch it has received but not
answered yet, then started again; LinkedIn takes that batch anyway. The promise, counted per hashed
e-mail at LinkedIn: every contact sent, and only the batches in flight at the kills sent twice.
"""

import threading
from collections import Counter

from odoo.tests import tagged

from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator
from odoo.addons.linkedin_leadgen.linkedin import hash_email
from odoo.addons.linkedin_leadgen.tests.odoo_server import ServerSuiteCase
from odoo.addons.linkedin_leadgen.tests.suite_figures import report, size

from .test_crash import CRASH_EMULATOR_KWARGS

USERS = "dmpSegments/users"
POINTS, CONTACTS, BATCH = size(fast=(3, 10_000, 500), long=(10, 100_000, 2000))
HOLD_SECONDS = 1.0  # how long LinkedIn holds the batch in flight at a kill
EMAIL = "audience.suite.{}@example.com"


class HoldingEmulator(LinkedInEmulator):
    """The emulator, holding the ``calls``-th batch of contacts from now a while (a slow answer); ``held`` is
    set when it arrived, ``held_index`` is its place among the batches received."""

    def __init__(self, **kwargs):
        self.countdown = None
        self.received = 0
        self.held = threading.Event()
        self.held_indexes = []
        super().__init__(**kwargs)

    def arm(self, calls):
        with self.lock:
            self.held.clear()
            self.countdown = calls

    def take_fault(self, endpoint, target=""):
        if endpoint == USERS:
            self.received += 1
            if self.countdown is not None:
                self.countdown -= 1
                if self.countdown <= 0:
                    self.countdown = None
                    self.held_indexes.append(self.received - 1)
                    self.inject(USERS, "slow", delay=HOLD_SECONDS)
                    self.held.set()
        return super().take_fault(endpoint, target)


@tagged("post_install", "-at_install")
class TestSuiteAudienceCrash(ServerSuiteCase):
    """Kill -9 the server at POINTS points of a CONTACTS-contact upload; the cron finishes it."""

    DB_SUFFIX = "audience_crash"

    def test_killed_upload_sends_every_contact(self):
        emulator = HoldingEmulator(**CRASH_EMULATOR_KWARGS).start()
        self.addCleanup(emulator.stop)
        server = self._server()
        server.set_params(
            {
                **self._linkedin_params(emulator, server),
                "linkedin_audience.batch_size": BATCH,
                "linkedin_audience.requests_per_minute": 6000,
            }
        )
        profile_id = server.connect_profile(emulator, "Audience crash suite", share_for_audiences=True)
        list_id = server.call("mailing.list", "create", {"name": "Audience crash suite"})
        self._sql(
            "INSERT INTO mailing_contact (name, email, email_normalized, create_date, write_date)"
            " SELECT 'Contact ' || n, format(%s, n), format(%s, n), now(), now() FROM generate_series(1, %s) n",
            [EMAIL.replace("{}", "%s"), EMAIL.replace("{}", "%s"), CONTACTS],
        )
        self._sql(
            "INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_date, write_date)"
            " SELECT id, %s, false, now(), now() FROM mailing_contact WHERE email LIKE 'audience.suite.%%'",
            [list_id],
        )
        account_id = server.call(
            "linkedin.ad.account", "search", [("profile_ids", "in", profile_id), ("role", "not in", ["VIEWER"])]
        )[0]
        wizard_id = server.call(
            "linkedin.audience.wizard",
            "create",
            {"mailing_list_id": list_id, "profile_id": profile_id, "ad_account_id": account_id},
        )
        batches = -(-CONTACTS // BATCH)
        step = max(2, batches // (POINTS + 1))  # the resent batch and at least one new one between two kills

        # the click sends a batch, the cron the others: killed while LinkedIn holds the step-th batch from now
        emulator.arm(step)
        audience_id = server.call("linkedin.audience.wizard", "action_create", [wizard_id])["res_id"]
        kills = 0
        for _index in range(POINTS):
            if not self.wait_until(emulator.held.is_set, 240, wake=True):
                break
            server.kill()
            kills += 1
            taken = emulator.received
            self.wait_until(lambda taken=taken: emulator.calls(USERS) >= taken, 30)  # LinkedIn took it
            emulator.arm(step)
            server.start()

        def finished():
            rows = self._sql("SELECT upload_pending, state FROM linkedin_audience WHERE id = %s", [audience_id])
            return not rows[0][0] and rows[0][1] != "uploading"

        self.assertTrue(self.wait_until(finished, 240, wake=True), "the cron finished the upload")
        with emulator.lock:
            emulator.countdown = None
        segment = self._sql("SELECT segment_id FROM linkedin_audience WHERE id = %s", [audience_id])[0][0]
        expected = {hash_email(EMAIL.format(n)) for n in range(1, CONTACTS + 1)}
        requests = emulator.requests(USERS)
        self.assertTrue(all(r["status"] == 200 for r in requests))
        sent = Counter(e["userIds"][0]["idValue"] for r in requests for e in r["body"]["elements"])
        in_flight = {e["userIds"][0]["idValue"] for i in emulator.held_indexes for e in requests[i]["body"]["elements"]}
        twice = {h for h, count in sent.items() if count > 1}
        thrice = sum(count > 2 for count in sent.values())
        lost = len(expected - set(sent)) + len(expected - emulator.segment_users(segment))
        lines = [
            report("audience_kill_points", kills, "points", POINTS, kills >= POINTS),
            report("audience_contacts_sent", len(set(sent) & expected), "contacts", CONTACTS, not lost),
            report("audience_contacts_lost", lost, "contacts", 0, lost == 0),
            report(
                "audience_sent_twice_outside_batch_in_flight", len(twice - in_flight), "contacts", 0, twice <= in_flight
            ),
            report(
                "audience_sent_more_than_twice",
                sum(c > 2 for c in sent.values()),
                "contacts",
                0,
                max(sent.values()) <= 2,
            ),
        ]
        self.assertEqual(kills, POINTS, lines[0])
        self.assertEqual(lost, 0, lines[2])
        self.assertLessEqual(twice, in_flight, lines[3])
        self.assertEqual(thrice, 0, lines[4])
        self.assertFalse(set(sent) - expected, "nothing else sent")
        self.assertEqual(
            self._sql(
                "SELECT state, count(*) FROM linkedin_audience_member WHERE audience_id = %s GROUP BY state",
                [audience_id],
            ),
            [("sent", CONTACTS)],
        )
