# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Test base of linkedin_audience: a connected profile of a marketing user, a mailing list, helpers.

Waits (the post-create 404 window, retries, pacing) do not sleep: the tests' environment carries a
:class:`FakeClock` (context key ``linkedin_clock``) whose waits move the emulator's clock and the
upload's own clock forward instead.
"""

import json
import time

from odoo.tests import Form
from odoo.tools import SQL

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.linkedin import dmp, hash_email
from odoo.addons.linkedin_leadgen.tests.common import LinkedInCase


class FakeClock(li.Clock):
    """A clock that does not wait: a wait is noted in ``slept`` and moves this clock's ``monotonic()``
    and LinkedIn's time (the emulator's ``clock_offset``) forward by as much."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.slept = []
        self.elapsed = 0.0

    def monotonic(self):
        return time.monotonic() + self.elapsed

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.elapsed += seconds
        self.emulator.clock_offset += seconds


class AudienceCase(LinkedInCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_param = cls.env["ir.config_parameter"].sudo().set_param
        set_param("linkedin_audience.time_budget", 60)
        # one batch per cron call: more would commit the test's transaction (test_crash runs the committing path)
        set_param("linkedin_audience.cron_budget", 0)
        set_param("linkedin_audience.batch_size", 5000)
        cls.profile = cls._make_audience_profile(cls.user_marketing)
        cls.account = cls.profile.ad_account_ids.filtered(lambda a: a.role != "VIEWER")[:1]
        cls.viewer_account = cls.profile.ad_account_ids.filtered(lambda a: a.role == "VIEWER")[:1]

    @classmethod
    def _make_audience_profile(cls, user, scopes=None, **vals):
        """A connected profile owned by ``user`` (created by an administrator: marketers may not create one)."""
        profile = cls.env["linkedin.user.profile"].create(
            {"name": f"{user.name} on LinkedIn", "user_id": user.id, **vals}
        )
        profile._connect_with_tokens(cls._tokens(scopes=scopes))
        return profile

    def setUp(self):
        super().setUp()
        # a list of its own per test: the segment's source id derives from the list (and LinkedIn keeps it)
        self.mailing_list = self.env["mailing.list"].create({"name": "Newsletter"})
        self.clock = FakeClock(self.emulator)
        self.slept = self.clock.slept
        self.env = self.env(context=dict(self.env.context, linkedin_clock=self.clock))
        # tunables changed by a test come back afterwards
        emulator = self.emulator
        saved = {
            name: getattr(emulator, name)
            for name in ("dmp_batch_cap", "dmp_not_found_window", "segment_delay", "clock_offset")
        }
        self.addCleanup(lambda: [setattr(emulator, name, value) for name, value in saved.items()])
        self.addCleanup(emulator.clear_faults)
        self.log_start = len(emulator.requests())
        dmp.DMP_PACER.clear()  # the requests of earlier tests do not count against this one's minute

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------

    def _make_contacts(self, count, mailing_list=None, prefix="contact", **vals):
        mailing_list = mailing_list or self.mailing_list
        return self.env["mailing.contact"].create(
            [
                {
                    "name": f"First{i} Last{i}",
                    "email": f"{prefix}.{i}@Example.com",
                    "list_ids": [(4, mailing_list.id)],
                    **vals,
                }
                for i in range(count)
            ]
        )

    def _opt_out(self, contact, opt_out=True, mailing_list=None):
        subscription = self.env["mailing.subscription"].search(
            [("contact_id", "=", contact.id), ("list_id", "=", (mailing_list or self.mailing_list).id)]
        )
        self.assertTrue(subscription)
        subscription.opt_out = opt_out

    def _make_contacts_sql(self, count, mailing_list=None, prefix="bulk"):
        """Many contacts fast (threshold tests): straight into the tables."""
        mailing_list = mailing_list or self.mailing_list
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH new AS (
                    INSERT INTO mailing_contact (name, email, email_normalized, message_bounce, create_date, write_date)
                    SELECT 'Bulk ' || g, %(prefix)s || g || '@example.com', %(prefix)s || g || '@example.com', 0,
                           now(), now()
                      FROM generate_series(1, %(count)s) g
                    RETURNING id)
                INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_date, write_date)
                SELECT id, %(list)s, false, now(), now() FROM new
                """,
                prefix=f"{prefix}.",
                count=count,
                list=mailing_list.id,
            )
        )
        self.env.invalidate_all()

    def _open_wizard(self, user=None, mailing_list=None):
        wizard_model = self.env["linkedin.audience.wizard"].with_user(user or self.user_marketing)
        mailing_list = mailing_list or self.mailing_list
        return Form(wizard_model.with_context(default_mailing_list_id=mailing_list.id))

    def _create_audience(self, user=None, mailing_list=None, confirm_small=True, **values):
        form = self._open_wizard(user, mailing_list)
        if form.size_level == "too_small" and confirm_small:
            form.confirm_small = True
        for name, value in values.items():
            setattr(form, name, value)
        wizard = form.save()
        action = wizard.action_create()
        self.assertEqual(action["res_model"], "linkedin.audience")
        return self.env["linkedin.audience"].with_user(user or self.user_marketing).browse(action["res_id"])

    def _run_cron(self, max_calls=500):
        """Call the upload cron as Odoo's cron runner would, until it reports nothing left."""
        Audience = self.env["linkedin.audience"]
        for _i in range(max_calls):
            if not Audience._cron_sync():  # the remaining work it reported to Odoo's cron
                return
        self.fail("the upload cron did not finish")

    # ------------------------------------------------------------------
    # What LinkedIn received
    # ------------------------------------------------------------------

    def _user_requests(self, segment_id=None, status=None):
        requests = [
            r
            for r in self.emulator.requests("dmpSegments/users")[:None]
            if (segment_id is None or f"/dmpSegments/{segment_id}/users" in r["path"])
        ]
        requests = [r for r in requests if status is None or r["status"] == status]
        return requests

    def _sent_elements(self, segment_id, action=None):
        """Elements LinkedIn accepted (HTTP 200 batches), in order."""
        elements = []
        for request in self._user_requests(segment_id, status=200):
            for element in request["body"]["elements"]:
                if action is None or element["action"] == action:
                    elements.append(element)
        return elements

    def _hashes(self, contacts_or_emails):
        emails = [c if isinstance(c, str) else c.email for c in contacts_or_emails]
        return {hash_email(e) for e in emails}

    def assertNoPlainAddress(self, emails):
        log = json.dumps(self.emulator.requests(), default=str).lower()
        for email in emails:
            email = email.strip().lower()
            self.assertNotIn(email, log, "a plain e-mail address reached LinkedIn")
            self.assertNotIn(email.split("@")[0] + "@", log)

    def assertSegmentUsers(self, audience, expected_hashes):
        self.assertEqual(self.emulator.segment_users(audience.segment_id), set(expected_hashes))
