# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The upload of an audience: what to send, sending it batch after batch, LinkedIn's errors, the crons.

The transaction contract: a click sends at most one batch itself (its transaction is committed only when
the request ends, so a killed worker would send again every batch it sent); the cron commits after each
batch (batches for up to ``linkedin_audience.cron_budget`` seconds per call, each committed on the cron's
own cursor; Odoo's runner commits between calls), so a crash re-sends at most the batch in flight. The
member rows are marked only once LinkedIn answered (a repeated ADD or REMOVE is harmless on LinkedIn).
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.linkedin import dmp

_logger = logging.getLogger(__name__)

CRON_SYNC = "linkedin_audience.ir_cron_linkedin_audience_sync"
STATUS_CRON = "linkedin_audience.ir_cron_linkedin_audience_refresh"
# LinkedIn may answer 404 on a new segment's users for a minute or two after creating it (API notes 8.1).
SEGMENT_NOT_FOUND_WINDOW = timedelta(minutes=15)
NOT_FOUND_RETRY_DELAY = timedelta(seconds=20)
# After this many failed attempts in a row, a server error fails the upload (a throttle never does).
MAX_SERVER_ERROR_ATTEMPTS = 8
# what reading an unexpected LinkedIn answer may raise (the readers check types; this is the safety net)
UNREADABLE_ANSWER = (ValueError, TypeError, AttributeError, KeyError, IndexError)
# seconds of batches per cron call (each committed): fewer calls of Odoo's runner per upload
CRON_BUDGET = 10
# the cron's choice among the audiences waiting: those that waited longest first
PICK_ORDER = "upload_retry_at asc nulls first, last_upload_date asc nulls first, id"


class LinkedInAudience(models.Model):
    _inherit = "linkedin.audience"

    # ------------------------------------------------------------------
    # What to send
    # ------------------------------------------------------------------

    def _plan_upload(self, retry_failed=False):
        """Work out what LinkedIn must add and remove since the last upload; return ``(to add, to remove)``.

        ``retry_failed``: contacts LinkedIn refused before are sent again.
        """
        self.ensure_one()
        planned = self.env["linkedin.audience.member"]._plan_changes(self, retry_failed)
        pending = sum(planned)
        vals = {
            "last_check_date": self._linkedin_now(),
            "changes_logged": True,  # from now on (the plan consumed what was logged until now)
            "upload_pending": bool(pending),
            "upload_total": pending,
            "upload_done": 0,
            "upload_cursor": 0,
            "upload_retry_at": False,
            "upload_attempts": 0,
        }
        if pending:
            vals.update(state="uploading", last_error=False)
        self.sudo().write(vals)
        return planned

    def _upload_notification(self, planned):
        """The notification of "Update now": what each audience had to send and what was sent."""
        lines = []
        for audience, (to_add, to_remove) in planned.items():
            if not to_add + to_remove:
                lines.append(
                    self.env._("%(name)s: Nothing to send, LinkedIn already has the list.", name=audience.name)
                )
                continue
            line = self.env._(
                "%(name)s: %(add)s contacts to add and %(remove)s to remove; %(done)s of %(total)s changes sent.",
                name=audience.name,
                add=to_add,
                remove=to_remove,
                done=audience.upload_done,
                total=audience.upload_total,
            )
            if audience._is_uploading():
                line += " " + self.env._("The rest continues in the background.")
            if audience.last_error:
                line += " " + audience.last_error
            lines.append(line)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LinkedIn audience update"),
                "message": "\n".join(lines),
                "type": "warning" if any(self.mapped("last_error")) else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _is_uploading(self):
        self.ensure_one()
        return self.upload_pending and self.state == "uploading"

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.model
    def _upload_deadline(self):
        """When a click must stop sending (the time budget from now), on the clock's ``monotonic()``."""
        return self._linkedin_clock().monotonic() + self._linkedin_click_budget(self._get_time_budget())

    def _upload_within(self, deadline):
        """Upload the audiences until the deadline, one batch each at most (see the module's docstring);
        what is left continues at once through the cron."""
        clock = self._linkedin_clock()
        for audience in self:
            if not audience._is_uploading():
                continue
            if clock.monotonic() >= deadline:
                break
            try:
                client = audience._get_client()
            except UserError as exc:
                audience._fail_upload(exc)
                continue
            audience._run_upload(client, deadline=deadline, max_batches=1)
        self._schedule_cron()

    def _run_upload(self, client, deadline=None, max_batches=None, ahead=None):
        """Send batches until nothing is pending, the deadline passes or ``max_batches`` were sent.

        LinkedIn errors are recorded on the audience (with the next attempt time) instead of raised; a wait
        that ends before the deadline is waited here. ``ahead``: a dict that carries the batch read while
        LinkedIn answered the previous one from call to call (see :meth:`_send_next_batch`). Returns the
        number of batches sent.
        """
        self.ensure_one()
        clock = self._linkedin_clock()
        ahead = {} if ahead is None else ahead
        sent = 0
        while self._is_uploading():
            if max_batches is not None and sent >= max_batches:
                following = self._take_batch_ahead(ahead) or self.env["linkedin.audience.member"]._next_batch(self, 1)
                if not following.member_ids:
                    self._finish_upload(client)
                else:
                    self._keep_batch_ahead(ahead, following)
                break
            if deadline is not None and clock.monotonic() >= deadline:
                break
            try:
                if not self._send_next_batch(client, deadline=deadline, ahead=ahead):
                    break
                sent += 1
            except li.PacingDeadlineExceeded:
                break
            except li.LinkedInError as exc:
                retry_in = self._record_upload_error(exc)
                if retry_in is None:
                    break
                wait = retry_in.total_seconds()
                if deadline is None or clock.monotonic() + wait >= deadline:
                    break
                clock.sleep(wait)
        return sent

    def _send_next_batch(self, client, deadline=None, ahead=None):
        """Send the next batch of pending changes and record LinkedIn's answer.

        While LinkedIn answers, the batch after it is read (its rows come after this batch's in id order,
        and recording this batch changes none of them) and kept in ``ahead`` for the next call: the
        database's time per batch is spent during the network's. Nothing of the next batch is sent before
        this one is recorded, so a crash still re-sends at most the batch in flight.

        Returns False when nothing was pending (the upload is then finished), True otherwise. Raises
        :class:`~odoo.addons.linkedin_leadgen.linkedin.PacingDeadlineExceeded` when LinkedIn's per-minute
        limit leaves no room before ``deadline``.
        """
        self.ensure_one()
        ahead = {} if ahead is None else ahead
        Member = self.env["linkedin.audience.member"]
        size, details = self._get_batch_size(), self._sends_contact_details()
        batch = self._take_batch_ahead(ahead) or Member._next_batch(self, size, details=details)
        if not batch.member_ids:
            self._finish_upload(client)
            return False
        dmp.DMP_PACER.acquire(
            (self.env.cr.dbname, self.profile_id.id),
            self._get_requests_per_minute(),
            clock=self._linkedin_clock(),
            deadline=deadline,
        )
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkedin-audience-post") as pool:
            answer = pool.submit(client.dmp_segment_users, self.segment_id, batch.elements)
            following = Member._next_batch(self, size, details=details, after=batch.member_ids[-1])
            results = answer.result()
        self._record_batch(batch, results)
        self._keep_batch_ahead(ahead, following)
        return True

    def _keep_batch_ahead(self, ahead, batch):
        """Keep ``batch`` for the next send, valid while nobody else recorded a batch or planned again."""
        ahead.update(batch=batch, cursor=self.upload_cursor, batch_count=self.batch_count)

    def _take_batch_ahead(self, ahead):
        """The batch kept by :meth:`_keep_batch_ahead` when still valid (else None); it is taken only once."""
        batch = ahead.pop("batch", None)
        if batch is None or (ahead.get("cursor"), ahead.get("batch_count")) != (self.upload_cursor, self.batch_count):
            return None
        return batch

    def _record_batch(self, batch, results):
        """Record LinkedIn's answer to ``batch`` on its member rows and on the audience's counters."""
        number = self.batch_count + 1
        recorded = self.env["linkedin.audience.member"]._record_results(self, batch, results, number)
        # counters only, none of them tracked: no tracking work on every batch
        self.sudo().with_context(mail_notrack=True).write(
            {
                "upload_cursor": batch.member_ids[-1],
                "upload_done": self.upload_done + len(batch.member_ids),
                "batch_count": number,
                "contact_sent_count": max(0, self.contact_sent_count + recorded.added - recorded.removed),
                "contact_failed_count": self.contact_failed_count + recorded.refused,
                "last_upload_date": self._linkedin_now(),
                "upload_attempts": 0,
                "upload_retry_at": False,
            }
        )

    def _finish_upload(self, client=None):
        """All pending changes were answered: recount and read the segment's new status."""
        self.ensure_one()
        counts = self.env["linkedin.audience.member"]._count_by_state(self)
        first_upload = self.state == "uploading" and not self.linkedin_status
        self.sudo().write(
            {
                "upload_pending": False,
                "upload_cursor": 0,
                "upload_done": self.upload_total,
                "upload_retry_at": False,
                "upload_attempts": 0,
                "contact_sent_count": counts.get("sent", 0),
                "contact_failed_count": counts.get("failed", 0),
                "state": "building" if first_upload else "updating",
                "last_error": False,
            }
        )
        if client:
            try:
                self._refresh_status(client)
            except (li.LinkedInError, *UNREADABLE_ANSWER) as exc:
                # the upload is done and recorded whatever LinkedIn says of the status: the status cron reads it again
                _logger.info("LinkedIn audience %s: status not refreshed after the upload: %s", self.id, exc)

    # ------------------------------------------------------------------
    # LinkedIn's errors
    # ------------------------------------------------------------------

    def _record_upload_error(self, error):
        """Record a LinkedIn ``error`` met while uploading: the next attempt, or the failure.

        Returns the wait before the next attempt (a ``timedelta``), or None when the upload stops.
        """
        self.ensure_one()
        now = self._linkedin_now()
        if isinstance(error, li.NotFoundError):
            if self.segment_created_at and now - self.segment_created_at < SEGMENT_NOT_FOUND_WINDOW:
                # LinkedIn is still setting up the new segment: not an error, just wait
                _logger.info(
                    "LinkedIn audience %s: segment not ready yet, retrying in %s", self.id, NOT_FOUND_RETRY_DELAY
                )
                self.sudo().upload_retry_at = now + NOT_FOUND_RETRY_DELAY
                return NOT_FOUND_RETRY_DELAY
            self._mark_segment_gone()
            return None
        failures = self.upload_attempts + 1
        retry_in = self._linkedin_retry_delay(error, failures)
        if retry_in is not None and (isinstance(error, li.ThrottledError) or failures <= MAX_SERVER_ERROR_ATTEMPTS):
            self.sudo().write(
                {
                    "upload_attempts": failures,
                    "upload_retry_at": now + retry_in,
                    "last_error": self._linkedin_error_message(error, retry_in=retry_in),
                }
            )
            return retry_in
        self._fail_upload(error, attempts=failures if retry_in is not None else None)
        return None

    def _fail_upload(self, error, attempts=None):
        """Stop the upload on ``error`` (a UserError or a LinkedIn error): failed until the user acts."""
        vals = {"state": "failed", "last_error": self._linkedin_error_message(error)}
        if attempts is not None:
            vals["upload_attempts"] = attempts
        self.sudo().write(vals)

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------

    def _schedule_cron(self):
        """Wake the upload cron for what is left: now, or when the earliest waiting audience may resume."""
        waiting = self.filtered(lambda a: a.active and a._is_uploading())
        if not waiting:
            return
        now = self._linkedin_now()
        if waiting.filtered(lambda a: not a.upload_retry_at or a.upload_retry_at <= now):
            self._linkedin_trigger_cron(CRON_SYNC)
        else:
            self._linkedin_trigger_cron(CRON_SYNC, at=min(waiting.mapped("upload_retry_at")))

    @api.model
    def _uploading_domain(self):
        """Audiences with changes to send (see :meth:`_is_uploading`)."""
        return [("active", "=", True), ("upload_pending", "=", True), ("state", "=", "uploading")]

    @api.model
    def _upload_ready_domain(self, now):
        """Audiences with changes to send whose next attempt has come."""
        return self._uploading_domain() + ["|", ("upload_retry_at", "=", False), ("upload_retry_at", "<=", now)]

    @api.model
    def _check_due_domain(self, now):
        """Audiences kept in step whose list is due for a check of its changes."""
        due = now - timedelta(minutes=self._get_check_interval())
        return [
            ("active", "=", True),
            ("keep_in_step", "=", True),
            ("segment_id", "!=", False),
            ("upload_pending", "=", False),
            ("state", "not in", ("failed", "expired")),
            "|",
            ("last_check_date", "=", False),
            ("last_check_date", "<=", due),
        ]

    @api.model
    def _cron_sync(self):
        """Upload cron: batches of one audience (each committed, see :meth:`_upload_from_cron`), else the
        in-step checks.

        The cron triggers itself again while work remains, so a crash loses at most the batch in flight.
        Returns the remaining work it reported (0: nothing to do now).
        """
        now = self._linkedin_now()
        audience = self._linkedin_pick_locked(self._upload_ready_domain(now), order=PICK_ORDER)
        if audience:
            try:
                client = audience._get_client()
            except UserError as exc:
                audience._fail_upload(exc)
            else:
                audience._upload_from_cron(client)
            return self._notify_cron_progress(done=1)
        audience = self._linkedin_pick_locked(self._check_due_domain(now), order=PICK_ORDER)
        if audience:
            if audience.mailing_list_id.active:
                audience._plan_upload()
            else:
                audience.last_check_date = now
            return self._notify_cron_progress(done=1)
        return self._notify_cron_progress(done=0)

    def _upload_from_cron(self, client):
        """Send batches of this (locked) audience for up to the cron budget, committing after each one.

        "0" as budget: one batch, committed by Odoo's runner after the call. Outside Odoo's cron runner (the
        scheduled action's "Run Manually", a test) nothing is committed here: one batch, as a click sends.
        """
        self.ensure_one()
        clock = self._linkedin_clock()
        in_cron_runner = bool(self.env.context.get("cron_id"))  # set by ir.cron._run_job only
        budget = self._linkedin_param_int("linkedin_audience.cron_budget", CRON_BUDGET) if in_cron_runner else 0
        deadline = clock.monotonic() + budget
        ahead = {}  # the batch read while LinkedIn answered the previous one
        batches = 0
        while True:
            sent = []
            error = self._linkedin_isolated(
                lambda sent=sent: sent.append(self._run_upload(client, max_batches=1, ahead=ahead))
            )
            if error is not None:
                # not LinkedIn's (those are recorded inside): stop here rather than retry it on every call
                _logger.error("LinkedIn audience %s: upload stopped by an unexpected error: %r", self.id, error)
                self._fail_upload(error)
                return
            if not (sent[0] and clock.monotonic() < deadline and self._is_uploading()):
                return
            # the batch LinkedIn answered is recorded for good now, on the cron's own cursor: a crash
            # re-sends at most the next batch, the one in flight. The progress committed with it tells
            # Odoo's runner that this call did work: a call killed afterwards (kill -9, OOM) is not
            # counted as a timed-out job, which after three in a row fails the job and drops its
            # triggers, leaving the upload for the next scheduled call (an hour later)
            batches += 1
            self.env["ir.cron"]._notify_progress(done=batches, remaining=1)
            self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()
            # the commit released the audience's row: another run (a click, another server) may hold it now
            if not self._linkedin_try_lock() or not self._is_uploading():
                return

    @api.model
    def _notify_cron_progress(self, done):
        """Tell Odoo's cron how much is left (pending batches, else audiences due for a check); return it.

        Nothing done means nothing left to run at once: audiences waiting for their next attempt get the
        cron woken at that time instead.
        """
        now = self._linkedin_now()
        batch_size = self._get_batch_size()
        remaining = 0
        for audience in self.search(self._upload_ready_domain(now)):
            left = max(1, audience.upload_total - audience.upload_done)
            remaining += -(-left // batch_size)
        if not remaining:
            remaining = self.search_count(self._check_due_domain(now))
        reported = remaining if done else 0
        self._linkedin_cron_progress(CRON_SYNC, done=done, remaining=reported)
        if not remaining:
            self._schedule_cron_for_waiting()
        return reported

    @api.model
    def _schedule_cron_for_waiting(self):
        """Wake the upload cron when the earliest audience waiting for its next attempt may resume."""
        waiting = self.search(self._uploading_domain() + [("upload_retry_at", "!=", False)])
        if waiting:
            waiting._schedule_cron()

    @api.model
    def _cron_refresh_status(self, limit=50):
        """Status cron: read status and counts of the audiences, oldest check first, in chunks."""
        domain = [("segment_id", "!=", False), ("state", "!=", "expired")]
        audiences = self.search(domain, order="last_status_date asc nulls first, id", limit=limit)
        stale_before = self._linkedin_now() - timedelta(minutes=30)
        done = 0
        for audience in audiences:
            if audience.last_status_date and audience.last_status_date > stale_before:
                continue
            # no savepoint: a profile found expired must stay marked "Reconnect needed"
            try:
                audience._refresh_status_or_mark_gone(audience._get_client())
            except (UserError, li.LinkedInError, *UNREADABLE_ANSWER) as exc:
                # one audience's problem (even an answer that cannot be read) never stops the others
                _logger.info("LinkedIn audience %s: status not refreshed: %s", audience.id, exc)
                audience.write(
                    {"last_status_date": self._linkedin_now(), "last_error": self._linkedin_error_message(exc)}
                )
            done += 1
        remaining = self.search_count(
            domain + ["|", ("last_status_date", "=", False), ("last_status_date", "<=", stale_before)]
        )
        self._linkedin_cron_progress(STATUS_CRON, done=done, remaining=remaining if done else 0)
