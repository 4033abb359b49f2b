# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What every model that talks to LinkedIn in the background shares (lead sync, audience upload).

In the spirit of ``google.calendar.sync``: one sentence per LinkedIn error, one back-off policy, one
row lock that never waits, cron triggering, typed readers of the settings and the clock.
"""

import logging
import os
import socket
from datetime import timedelta

import psycopg2.errors

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config
from odoo.tools.translate import translate_sql_constraint

from .. import linkedin as li

_logger = logging.getLogger(__name__)

SYNC_CRON = "linkedin_leadgen.ir_cron_linkedin_sync"  # the scheduled lead sync
RETRY_BASE = timedelta(minutes=1)  # first wait after a throttle or an outage, doubled at each failure
MAX_BACKOFF = timedelta(hours=6)
_FALSE_VALUES = ("", "0", "false", "False")


class ConcurrentChange(Exception):
    """Another run (a cron worker on another thread or server) wrote the same shared record at the same
    time, e.g. created the same UTM campaign: the work is not wrong, it is done again in the next call."""


class LinkedInSyncMixin(models.AbstractModel):
    _name = "linkedin.sync.mixin"
    _description = "LinkedIn Synchronization Base"

    # ------------------------------------------------------------------
    # Settings and clock
    # ------------------------------------------------------------------

    @api.model
    def _linkedin_param(self, key, default=False):
        """The system parameter ``key`` as text, ``default`` when unset or empty."""
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        return value if value not in (None, False, "") else default

    @api.model
    def _linkedin_param_bool(self, key):
        """True when the system parameter ``key`` is set to anything but "", "0" or "False"."""
        return self._linkedin_param(key, "") not in _FALSE_VALUES

    @api.model
    def _linkedin_click_budget(self, seconds):
        """``seconds`` of work for a button, capped to two thirds of the HTTP worker's real-time limit
        (``limit_time_real``), so that the answer leaves before the worker is killed; the rest goes to the cron."""
        limit = config.get("limit_time_real") or 0
        if limit > 0:
            seconds = min(seconds, max(5, limit * 2 // 3))
        return seconds

    @api.model
    def _linkedin_param_int(self, key, default, minimum=0, maximum=None):
        """The system parameter ``key`` as an integer in [minimum, maximum]; ``default`` when unset or unreadable."""
        value = self._linkedin_param(key)
        try:
            value = int(value) if value not in (False, "False", "false") else default
        except ValueError:
            _logger.warning("System parameter %s is not a number: %r, %s is used", key, value, default)
            value = default
        value = max(minimum, value)
        return min(maximum, value) if maximum is not None else value

    @api.model
    def _linkedin_clock(self):
        """The clock of budgets and waits: the context's ``linkedin_clock`` (tests), else the system's."""
        return self.env.context.get("linkedin_clock") or li.SYSTEM_CLOCK

    @api.model
    def _linkedin_now(self):
        """The clock's time as Odoo stores it (a naive UTC datetime, whole seconds): back-offs and pauses are
        set and checked on it, so that on a test's clock they pass without real waiting."""
        return li.epoch_to_datetime(self._linkedin_clock().time())

    # ------------------------------------------------------------------
    # Errors and back-off
    # ------------------------------------------------------------------

    @api.model
    def _linkedin_retry_delay(self, error, failures=1):
        """How long to wait before trying again after ``error`` (the ``failures``-th in a row); None when
        trying again cannot help (a refused grant, invalid data...).

        A daily-quota 429 waits until LinkedIn resets its counters (00:00 UTC); a throttle waits what
        LinkedIn asked (``Retry-After``); other retryable errors wait 1 min, 2 min, 4 min... up to 6 h.
        """
        exponential = min(RETRY_BASE * 2 ** min(max(failures, 1) - 1, 16), MAX_BACKOFF)
        if isinstance(error, li.DailyQuotaExceededError):
            now = int(self._linkedin_clock().time())  # whole seconds, as _linkedin_now(): a pause ends at 00:00
            return timedelta(seconds=max(60, li.next_utc_midnight(now) - now))
        if isinstance(error, li.ThrottledError):
            return min(timedelta(seconds=error.retry_after), MAX_BACKOFF) if error.retry_after else exponential
        if getattr(error, "retryable", False) or isinstance(error, psycopg2.OperationalError):
            return exponential
        return None

    @api.model
    def _linkedin_error_message(self, error, retry_in=None):
        """A sentence for the user about ``error``, storable as it is (LinkedIn text in it has no lone surrogate).

        ``retry_in``: the wait before Odoo tries again by itself (a ``timedelta``, from
        :meth:`_linkedin_retry_delay`); without it, a passing problem asks the user to try again later.
        """
        return li.safe_text(self._linkedin_error_sentence(error, retry_in))

    @api.model
    def _linkedin_error_sentence(self, error, retry_in=None):
        _ = self.env._
        if isinstance(error, UserError):
            return str(error.args[0] if error.args else error)
        if isinstance(error, li.DailyQuotaExceededError):
            return _("LinkedIn's daily limit is reached; work resumes after midnight UTC.")
        if isinstance(error, li.LinkedInError) and error.retryable:
            if isinstance(error, li.ThrottledError):
                problem = _("LinkedIn asked to slow down (too many requests)")
            else:
                problem = _("LinkedIn could not be reached (%(error)s)", error=str(error))
            if retry_in is None:
                return _("%(problem)s; please try again later.", problem=problem)
            return _(
                "%(problem)s; Odoo retries later by itself, in %(minutes)s min.",
                problem=problem,
                minutes=max(1, -(-int(retry_in.total_seconds()) // 60)),
            )
        if isinstance(error, li.AuthError):
            return _(
                "LinkedIn refused the authorization (%(error)s): the profile's owner has to authorize it again.",
                error=str(error),
            )
        if isinstance(error, li.InsufficientPermissionError):
            return _(
                "LinkedIn denied access (%(error)s): check the member's role on the ad account and the company "
                "page, and authorize the profile again if a permission is missing.",
                error=str(error),
            )
        if isinstance(error, li.VersionSunsetError):
            return _(
                "LinkedIn no longer supports the configured API version: an administrator has to choose a newer "
                "one in the settings (%(error)s).",
                error=str(error),
            )
        if isinstance(error, li.LinkedInError):
            return _("LinkedIn answered with an error: %(error)s", error=str(error))
        if isinstance(error, ValueError) and "NUL (0x00)" in str(error):  # psycopg2's refusal, before PostgreSQL
            return _("The database refused the values: a text holds a NUL character.")
        if isinstance(error, psycopg2.Error) and getattr(error, "diag", None):
            # the constraint's own sentence when it has one, never the rejected row (personal data)
            constraint = error.diag.constraint_name
            if constraint and constraint in self.env.registry._sql_constraints:
                reason = translate_sql_constraint(self.env.cr, constraint, self.env.lang or "en_US")
            else:
                reason = error.diag.message_primary or str(error).split("\n")[0]
            return _("The database refused the values: %(reason)s", reason=reason)
        return _("Unexpected error: %(error)s", error=str(error) or error.__class__.__name__)

    # ------------------------------------------------------------------
    # Isolation: one bad record never holds the others back
    # ------------------------------------------------------------------

    @staticmethod
    def _linkedin_is_data_error(error):
        """True when ``error`` may come from the data being written: isolate the record that caused it.

        LinkedIn's errors (throttling, outage, revoked grant...), the network's and the database's own
        (lock, serialization failure, lost connection) are not: the same work may succeed later.
        """
        return not isinstance(
            error, li.LinkedInError | psycopg2.OperationalError | psycopg2.InterfaceError | ConcurrentChange
        )

    @api.model
    def _linkedin_isolated(self, work, run=None):
        """Run ``work()`` in a savepoint; return None, or the error when it failed for its data.

        On any failure the savepoint is rolled back, and so are the counters of ``run`` (an object with
        ``snapshot()`` and ``restore()``); errors that are not about the data are raised again.
        """
        snapshot = run.snapshot() if run else None
        try:
            with self.env.cr.savepoint():
                work()
        except Exception as exc:
            if run:
                run.restore(snapshot)
            if not self._linkedin_is_data_error(exc):
                raise
            return exc
        return None

    @api.model
    def _linkedin_batch_or_each(self, items, work, on_error, run=None):
        """``work(items)`` in one savepoint; when that fails for its data, ``work([item])`` for each item
        in a savepoint of its own, and ``on_error(item, error)`` for those that fail again.

        The batched path stays the fast one: items are isolated only after their batch failed.
        """
        items = list(items)
        error = self._linkedin_isolated(lambda: work(items), run)
        if error is None:
            return
        if len(items) > 1:
            _logger.info("%s: a batch of %d failed, one by one now: %s", self._name, len(items), error)
            for item in items:
                error = self._linkedin_isolated(lambda item=item: work([item]), run)
                if error is not None:
                    on_error(item, error)
        elif items:
            on_error(items[0], error)

    # ------------------------------------------------------------------
    # Lock and cron
    # ------------------------------------------------------------------

    @api.model
    def _linkedin_lock_rows(self, model_name, ids):
        """The ids among ``ids`` of ``model_name`` that this transaction has locked (or holds already): those
        no other transaction has locked, nor changed and committed since this one began. Never waits: the
        others are left out (see :meth:`_linkedin_try_lock`)."""
        cr, table = self.env.cr, SQL.identifier(self.env[model_name]._table)
        ids = sorted(set(ids))

        def lock(chunk):
            try:
                with cr.savepoint(flush=False):
                    cr.execute(
                        SQL("SELECT id FROM %s WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED", table, chunk),
                        log_exceptions=False,
                    )
                    return {row[0] for row in cr.fetchall()}
            except psycopg2.errors.SerializationFailure:
                return None

        locked = lock(ids) if ids else set()
        if locked is None:  # one of them changed since this transaction began: each on its own
            locked = {row_id for row_id in ids if lock([row_id])}
        return locked

    def _linkedin_try_lock(self):
        """Lock the row of this record for the transaction; False when another transaction holds it.

        Never waits. Odoo's transactions are REPEATABLE READ: a row another transaction changed and
        committed since this one began cannot be locked any more ("could not serialize access"); that
        transaction has just done the work, so the row counts as busy instead of failing the caller.
        """
        self.ensure_one()
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                        SQL.identifier(self._table),
                        self.id,
                    ),
                    log_exceptions=False,
                )
                return bool(self.env.cr.fetchone())
        except psycopg2.errors.SerializationFailure:
            return False

    @api.model
    def _linkedin_pick_locked(self, domain, order=None):
        """The first record of ``domain`` (in ``order``) that this transaction could lock, else empty."""
        for record in self.search(domain, order=order):
            if record._linkedin_try_lock():
                return record
        return self.browse()

    @api.model
    def _linkedin_crons(self, xmlid):
        """The scheduled action ``xmlid`` and its workers: the active scheduled actions that run the same
        code on the same model (the lead sync ships several; an administrator may duplicate one for more).

        Odoo's runner locks a job's row while it runs, so one scheduled action never runs twice at once;
        several of them do, each on its own cron thread or server, and the records they work on are
        shared out with :meth:`_linkedin_try_lock`, which skips a record another worker holds.
        """
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        if not cron:
            return self.env["ir.cron"]
        cron = cron.sudo()
        workers = cron.search([("model_id", "=", cron.model_id.id), ("code", "=", cron.code)], order="id")
        return cron | workers

    @api.model
    def _linkedin_trigger_cron(self, xmlid, at=None):
        """Wake the scheduled action ``xmlid`` and its workers now (or at ``at``): Odoo's cron threads pick
        them up at once, each one on a thread of its own."""
        for cron in self._linkedin_crons(xmlid):
            cron._trigger(at=at)

    @api.model
    def _linkedin_cron_progress(self, xmlid, done, remaining):
        """Report ``done`` and ``remaining`` to Odoo's cron runner; when work remains, trigger ``xmlid`` again.

        The runner calls a job at most 10 times in a row, then leaves it due without waking its threads,
        which look again only on a database notification or after up to 60 s. A trigger at now sends that
        notification when this call's transaction commits, so a backlog goes on without the pause; it wakes
        the job's idle workers too, so that other cron threads and servers take their share.
        """
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if done and remaining:
            self._linkedin_trigger_cron(xmlid)

    @api.model
    def _linkedin_worker_name(self):
        """Which Odoo process runs this code (host and process id): in the sync history, it shows how the
        work is shared between cron threads and servers."""
        return f"{socket.gethostname()}:{os.getpid()}"
