# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Importer of LinkedIn lead form responses: fetch, bind, map, match, create or update, mark.

Vocabulary of the OCA connector: the *binding* is ``linkedin.form.submission`` (its ``linkedin_id`` is
unique, so the database lets each LinkedIn lead in once), the *adapter* is the plain-Python LinkedIn
client, the *mappers* are the small ``_map_*`` methods below and the *importer* is this model.

Everything is done per batch: one query for the already-bound ids, one per matched field, one
``create()`` for the leads, one for the submissions, one for their answers. A batch and the account's
resume point are stored in the same savepoint, so a run interrupted at any moment (even ``kill -9``)
loses nothing and duplicates nothing: the next run resumes from the last stored batch, and the
unique ``linkedin_id`` turns any replay into a no-op.

One bad submission never holds the others back. A response that cannot be read as a lead (no
``formResponse``, an answer of the wrong type...) is bound as a *failed* submission with the reason. A
batch that fails for any other reason in its data is imported again one response at a time, each in
its own savepoint (only then: the batched path stays the fast one): a response that still fails is kept
as a failed submission with its raw payload, and the resume point moves on. Errors of LinkedIn, of the
network or of the database (locks, serialization) are not about one submission: the account's run stops
there and is retried with back-off, from the same batch. Failed submissions are retried on later runs
and by hand (``action_import``), re-read from their raw payload.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize, is_html_empty
from odoo.tools.translate import translate_sql_constraint

from .. import linkedin as li
from .linkedin_form_submission import MAX_RETRIES

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # responses stored per savepoint (five pages of 100)
OVERLAP = timedelta(hours=1)  # re-read before the watermark: leads LinkedIn indexed late are caught up
CRON_BUDGET = 60  # seconds of work per cron call before the cron commits and calls again
SYNC_BUDGET = 120  # seconds of work of a "Sync now" button before the cron takes over
CRON_MIN_INTERVAL = timedelta(minutes=5)  # an account synced this recently waits (unless it has a backlog)
DEFAULT_BACKFILL_DAYS = 365
MAX_BACKOFF = timedelta(hours=6)
WEBHOOK_PATH = "/linkedin_leadgen/webhook"

# Leads are created without chatter noise: no "lead created" message, no follower, no tracking.
CREATE_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
}
# Fields an update from a newer submission never touches: the lead keeps its origin and owner.
NOT_UPDATED = {"name", "type", "user_id", "team_id", "company_id", "source_id", "medium_id", "campaign_id", "stage_id"}
EMAIL_FIELDS = {"email_from"}
MAX_SHOWN_PAYLOAD = 4000  # characters of an unbindable response's payload shown in the sync log
PHONE_FIELDS = {"phone", "mobile"}


def _ms_to_datetime(value):
    if not value:
        return False
    value = int(value)
    if value < 10**12:  # seconds (some integrators send seconds): accept both
        value *= 1000
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc).replace(tzinfo=None)


def _datetime_to_ms(value):
    return int(value.replace(tzinfo=timezone.utc).timestamp() * 1000)


def _clean(value):
    return " ".join(str(value or "").split())


def _is_scalar(value):
    """A JSON value that reads as text: a string or a number (a phone number or a zip code may be sent as one)."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _is_id(value):
    return isinstance(value, str | int) and not isinstance(value, bool)


def _is_timestamp(value):
    if isinstance(value, str):
        return value.strip().isdigit()
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10**14


def _storable(value):
    """``value`` as PostgreSQL's ``jsonb`` accepts it: no NUL character, JSON types only (failure path only)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(str(key)): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _storable(str(value))


def _shown(value):
    return json.dumps(_storable(value), ensure_ascii=False, default=str)


@dataclass
class _Item:
    """One submission on its way through the importer."""

    linkedin_id: str
    response: dict = None
    submission: object = None  # the existing linkedin.form.submission when imported again
    form_id: int = False
    form_name: str = ""
    form_urn: str = ""
    decoded: object = None
    campaign_urn: str = ""
    campaign_name: str = ""
    creative_urn: str = ""
    creative_name: str = ""
    submitted_at: object = False
    test: bool = False
    lead_vals: dict = field(default_factory=dict)
    unmapped: list = field(default_factory=list)
    match_values: dict = field(default_factory=dict)
    merge_into: object = None
    email_normalized: str = ""
    state: str = ""
    lead_id: int = False
    error: str = ""
    invalid: str = ""  # why the response cannot be read as a lead: the item is stored as failed
    rebound: bool = False  # a stored submission read again from its raw payload (answers replaced)


@dataclass
class _Run:
    """State of one account's run: settings, caches and counters."""

    account: object
    trigger: str
    client: object = None
    profile: object = None
    created: int = 0
    updated: int = 0
    failed: int = 0
    ignored: int = 0
    fetched: int = 0
    duplicates: int = 0
    backlog: bool = False
    busy: bool = False
    error: object = None
    warnings: list = field(default_factory=list)
    caches: dict = field(default_factory=dict)
    calls_before: int = 0

    COUNTERS = ("created", "updated", "failed", "ignored", "fetched", "duplicates")

    def snapshot(self):
        """The counters, to be restored when the work they counted is rolled back."""
        return {**{name: getattr(self, name) for name in self.COUNTERS}, "warnings": len(self.warnings)}

    def restore(self, snapshot):
        """Forget the work of a rolled-back savepoint: its counts, and the caches that may name records it
        created (forms, UTM campaigns); the campaign names read from LinkedIn stay."""
        for name in self.COUNTERS:
            setattr(self, name, snapshot[name])
        del self.warnings[snapshot["warnings"] :]
        for key in list(self.caches):
            if key != "campaign_names":
                del self.caches[key]

    def result(self):
        return {
            "created": self.created,
            "updated": self.updated,
            "failed": self.failed,
            "ignored": self.ignored,
            "fetched": self.fetched,
            "duplicates": self.duplicates,
            "backlog": self.backlog,
            "busy": self.busy,
            "remaining": self.backlog or self.busy,
            "error": self.error and str(self.error),
        }


class LinkedInLeadImporter(models.AbstractModel):
    _name = "linkedin.lead.importer"
    _description = "LinkedIn Lead Importer"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _sync_accounts(self, accounts, deadline=None, trigger="manual"):
        """Import the submissions of ``accounts``; ``deadline`` is a ``time.monotonic()`` value.

        Returns ``dict(created=, updated=, failed=, ignored=, fetched=, remaining=)``; ``remaining`` is
        true when some account still has submissions to import (deadline reached) or is being synced by
        another run: the caller triggers the cron, which continues.
        """
        self = self.sudo()  # noqa: PLW0642 - the sync is the connector's technical ("inbound") role
        totals = {"created": 0, "updated": 0, "failed": 0, "ignored": 0, "fetched": 0, "duplicates": 0}
        totals.update(remaining=False, backlog=False, errors=[])
        for index, account in enumerate(accounts.sudo()):
            if index and deadline and time.monotonic() >= deadline:
                # the first account always gets one batch: every call makes progress
                totals["remaining"] = totals["backlog"] = True
                break
            result = self._sync_account(account, deadline=deadline, trigger=trigger)
            for key in ("created", "updated", "failed", "ignored", "fetched", "duplicates"):
                totals[key] += result[key]
            totals["remaining"] |= result["remaining"]
            totals["backlog"] |= result["backlog"]
            if result["error"]:
                totals["errors"].append(f"{account.display_name}: {result['error']}")
        return totals

    @api.model
    def _cron_sync(self):
        """Scheduled pull (``ir_cron_linkedin_sync``): a bounded slice of work per call.

        The cron framework commits after each call and calls again while progress is reported with
        work remaining, so a large backlog is imported in committed slices, never in one transaction.
        """
        accounts = self._get_accounts_to_sync()
        get_param = self.env["ir.config_parameter"].sudo().get_param
        budget = int(get_param("linkedin_leadgen.cron_budget") or CRON_BUDGET)  # "0": one batch per call
        result = self._sync_accounts(accounts, deadline=time.monotonic() + budget, trigger="cron")
        done = result["fetched"] + result["created"] + result["updated"]
        remaining = 1 if result["backlog"] else 0
        self.env["ir.cron"]._notify_progress(done=done or remaining, remaining=remaining)
        return result

    @api.model
    def _action_sync_accounts(self, accounts):
        """Button "Sync now" of ad accounts: import within the time budget, continue through the cron."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        budget = int(get_param("linkedin_leadgen.sync_budget") or SYNC_BUDGET)
        result = self._sync_accounts(accounts, deadline=time.monotonic() + budget, trigger="manual")
        if result["remaining"]:
            self._trigger_cron()
            message = self.env._(
                "%(created)s leads created and %(updated)s updated so far; the rest continues in the background.",
                created=result["created"],
                updated=result["updated"],
            )
        else:
            message = self.env._(
                "%(created)s leads created, %(updated)s updated, %(failed)s failed.",
                created=result["created"],
                updated=result["updated"],
                failed=result["failed"],
            )
        if result["errors"]:
            message = "\n".join([message, *result["errors"]])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LinkedIn sync"),
                "message": message,
                "type": "warning" if result["failed"] or result["errors"] else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _import_webhook(self, payload):
        """Handle one ``LEAD_ACTION`` notification; returns a short outcome string."""
        self = self.sudo()  # noqa: PLW0642
        if (payload or {}).get("type", "LEAD_ACTION") != "LEAD_ACTION":
            return "ignored"
        response_id = li.parse_urn_id(payload.get("leadGenFormResponse") or "")
        if not response_id:
            return "ignored"
        action = (payload.get("leadAction") or "CREATED").upper()
        if action == "DELETED":
            return self._mark_deleted(response_id, payload)
        if action != "CREATED":
            return "ignored"
        Submission = self.env["linkedin.form.submission"]
        if Submission.search_count([("linkedin_id", "=", response_id)], limit=1):
            return "duplicate"
        owner = payload.get("owner") or {}
        account_id = li.parse_urn_id(owner.get("sponsoredAccount") or owner.get("organization") or "")
        accounts = self.env["linkedin.ad.account"].search(
            [("linkedin_id", "=", account_id), ("can_sync", "=", True)], order="id"
        )
        if not accounts:
            _logger.info("LinkedIn webhook: no synced ad account %s for lead %s", account_id, response_id)
            return "unknown account"
        for account in accounts:
            run = _Run(account=account, trigger="webhook")
            date_start = fields.Datetime.now()
            if not self._lock_account(account):
                run.busy = True
                self._trigger_cron()
                self._write_log(run, date_start)
                return "queued"
            try:
                with self.env.cr.savepoint():
                    run.profile, run.client = self._get_account_client(account)
                    run.calls_before = run.client.stats.get("total", 0)
                    response = run.client.get_lead_form_response(response_id)
                    self._import_response_isolated(run, response)
            except Exception as exc:  # noqa: BLE001 - recorded on the account, retried by the pull
                run.error = exc
                self._trigger_cron()
            else:
                account.write(self._prepare_lead_count_vals(run))
            self._write_log(run, date_start)
            if run.created or run.updated or run.ignored or run.failed:
                return "imported"
        return "failed" if run.error else "done"

    @api.model
    def _reimport_submissions(self, submissions, force_create=False):
        """Import existing submissions again (failed ones, partial matches kept for review, test leads)."""
        self = self.sudo()  # noqa: PLW0642
        totals = {"created": 0, "updated": 0, "failed": 0, "ignored": 0}
        submissions = submissions.sudo()
        for account in [*submissions.account_id, submissions.account_id.browse()]:
            todo = submissions.filtered(lambda s, account=account: s.account_id == account)
            if not todo:
                continue
            if account and not self._lock_account(account):
                raise UserError(
                    self.env._(
                        "The submissions of %(account)s are being synchronized right now: try again in a minute.",
                        account=account.display_name,
                    )
                )
            run = _Run(account=account, trigger="manual")
            self._import_submissions(run, todo, force_create=force_create)
            for key in totals:
                totals[key] += getattr(run, key)
            if account:
                account.write(self._prepare_lead_count_vals(run))
        return totals

    # ------------------------------------------------------------------
    # Accounts: selection, lock, client, outcome
    # ------------------------------------------------------------------

    @api.model
    def _get_accounts_to_sync(self):
        now = fields.Datetime.now()
        accounts = (
            self.env["linkedin.ad.account"]
            .sudo()
            .search(
                [
                    ("can_sync", "=", True),
                    ("profile_ids.state", "=", "connected"),
                    "|",
                    ("sync_paused_until", "=", False),
                    ("sync_paused_until", "<=", now),
                ]
            )
        )
        recent = now - CRON_MIN_INTERVAL
        accounts = accounts.filtered(
            lambda a: a.sync_cursor or a.sync_state == "backlog" or not a.last_sync_date or a.last_sync_date <= recent
        )
        return accounts.sorted(lambda a: (not a.sync_cursor, a.last_sync_date or datetime.min, a.id))

    def _lock_account(self, account):
        """Lock the account row for this transaction; False when another run holds it (never waits).

        Odoo's transactions are REPEATABLE READ: a row another transaction changed and committed since
        this one began cannot be locked any more ("could not serialize access"). That run has just
        synced or reset the account; this one treats it as busy instead of failing as a whole (a cron
        call would otherwise lose the other accounts it already imported).
        """
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL("SELECT id FROM linkedin_ad_account WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED", account.id),
                    log_exceptions=False,
                )
                return bool(self.env.cr.fetchone())
        except psycopg2.errors.SerializationFailure:
            return False

    def _get_account_client(self, account):
        """``(profile, client)`` of a connected profile that can reach the account.

        The profile named by the context key ``linkedin_profile_id`` (the one whose button was clicked) comes
        first, then the others by age.
        """
        error = None
        preferred = self.env.context.get("linkedin_profile_id")
        profiles = account.profile_ids.filtered(lambda p: p.state == "connected")
        for profile in profiles.sorted(lambda p: (p.id != preferred, p.id)):
            try:
                return profile, profile._get_client()
            except UserError as exc:  # the profile's grant is expired or revoked: it is marked "reconnect"
                error = exc
        raise error or UserError(
            self.env._(
                "No connected LinkedIn profile can reach ad account %(account)s: authorize a profile again.",
                account=account.display_name,
            )
        )

    def _trigger_cron(self, at=None):
        cron = self.env.ref("linkedin_leadgen.ir_cron_linkedin_sync", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at=at)

    def _sync_account(self, account, deadline=None, trigger="manual"):
        run = _Run(account=account, trigger=trigger)
        date_start = fields.Datetime.now()
        if not self._lock_account(account):
            run.busy = True
            if trigger != "cron":
                self._write_log(run, date_start)
            return run.result()
        try:
            # The account's savepoint: whatever goes wrong, nothing half-done of this account leaks
            # into the transaction of the others. Batches inside have savepoints of their own.
            with self.env.cr.savepoint():
                self._run_account(run, deadline)
        except Exception as exc:  # noqa: BLE001 - isolated per account, recorded on it and in the log
            run.error = run.error or exc
        self._record_outcome(run, date_start)
        return run.result()

    def _run_account(self, run, deadline):
        try:
            run.profile, run.client = self._get_account_client(run.account)
            run.calls_before = run.client.stats.get("total", 0)
            self._ensure_webhook(run)
            self._retry_failed(run)
            self._pull(run, deadline)
        except Exception as exc:  # noqa: BLE001 - stored batches stay, the error is recorded
            run.error = exc

    def _record_outcome(self, run, date_start):
        account, error, now = run.account, run.error, fields.Datetime.now()
        vals = {"last_sync_date": now, **self._prepare_lead_count_vals(run)}
        if error:
            failures = account.sync_failure_count + 1
            vals.update(sync_state="error", last_sync_error=self._error_message(error), sync_failure_count=failures)
            pause = None
            if isinstance(error, li.DailyQuotaExceededError):
                reset_at = error.reset_at or li.next_utc_midnight()
                vals["sync_paused_until"] = datetime.fromtimestamp(reset_at, tz=timezone.utc).replace(tzinfo=None)
                vals["sync_state"] = "backlog"
            elif isinstance(error, li.ThrottledError):
                pause = timedelta(seconds=error.retry_after or 60 * 2 ** min(failures - 1, 8))
                vals["sync_state"] = "backlog"
            elif getattr(error, "retryable", False):
                pause = timedelta(minutes=5 * 2 ** min(failures - 1, 8))
            if pause:
                vals["sync_paused_until"] = now + min(pause, MAX_BACKOFF)
            if vals.get("sync_paused_until"):
                self._trigger_cron(at=vals["sync_paused_until"])
            if run.profile and isinstance(
                error, li.ReauthorizationRequired | li.AuthRevokedError | li.AuthExpiredError
            ):
                run.profile._mark_reconnect(vals["last_sync_error"])
            _logger.warning("LinkedIn sync of ad account %s failed: %s", account.linkedin_id, vals["last_sync_error"])
        else:
            vals.update(
                sync_state="backlog" if run.backlog else "idle",
                last_sync_error="\n".join(run.warnings) or False,
                sync_failure_count=0,
                sync_paused_until=False,
            )
            if not run.backlog:
                vals["last_success_date"] = now
        account.write(vals)
        quiet = run.trigger == "cron" and not (error or run.fetched or run.created or run.updated or run.failed)
        if not quiet:
            self._write_log(run, date_start)

    def _prepare_lead_count_vals(self, run):
        """The account's lead totals with the run's leads added (the caller holds the account's lock)."""
        account = run.account
        return {
            "lead_created_count": account.lead_created_count + run.created,
            "lead_updated_count": account.lead_updated_count + run.updated,
        }

    def _write_log(self, run, date_start):
        error = run.error and self._error_message(run.error)
        if run.busy:
            state = "busy"
            error = self.env._("Another synchronization of this account was running: this one was skipped.")
        elif run.error:
            state = "failed"
        elif run.backlog:
            state = "partial"
        else:
            state = "done"
        calls = run.client.stats.get("total", 0) - run.calls_before if run.client else 0
        self.env["linkedin.sync.log"].sudo().create(
            {
                "account_id": run.account.id,
                "profile_id": run.profile.id if run.profile else False,
                "company_id": run.account.company_id.id,
                "date_start": date_start,
                "date_end": fields.Datetime.now(),
                "trigger": run.trigger,
                "state": state,
                "fetched_count": run.fetched,
                "created_count": run.created,
                "updated_count": run.updated,
                "failed_count": run.failed,
                "ignored_count": run.ignored,
                "duplicate_count": run.duplicates,
                "call_count": calls,
                "error": error or ("\n".join(run.warnings) or False),
            }
        )

    def _error_message(self, error):
        if isinstance(error, UserError):
            return str(error.args[0] if error.args else error)
        if isinstance(error, li.DailyQuotaExceededError):
            return self.env._("LinkedIn's daily request quota is used up: the sync resumes after midnight UTC.")
        if isinstance(error, li.ThrottledError):
            return self.env._("LinkedIn asked to slow down (too many requests): the sync resumes shortly.")
        if isinstance(error, li.RetryableServerError):
            return self.env._(
                "LinkedIn is not answering properly right now (%(error)s): the sync retries later.",
                error=str(error),
            )
        if isinstance(error, li.AuthError):
            return self.env._(
                "LinkedIn refused the authorization (%(error)s): the profile's owner has to authorize it again.",
                error=str(error),
            )
        if isinstance(error, li.InsufficientPermissionError):
            return self.env._(
                "LinkedIn refused access (%(error)s): check the member's roles on the ad account and company page.",
                error=str(error),
            )
        if isinstance(error, li.LinkedInError):
            return self.env._("LinkedIn answered with an error: %(error)s", error=str(error))
        if isinstance(error, psycopg2.Error) and getattr(error, "diag", None):
            # the constraint's own sentence when it has one, never the rejected row (personal data)
            constraint = error.diag.constraint_name
            if constraint and constraint in self.env.registry._sql_constraints:
                reason = translate_sql_constraint(self.env.cr, constraint, self.env.lang or "en_US")
            else:
                reason = error.diag.message_primary or str(error).split("\n")[0]
            return self.env._("The database refused the values: %(reason)s", reason=reason)
        return self.env._("Unexpected error: %(error)s", error=str(error) or error.__class__.__name__)

    # ------------------------------------------------------------------
    # Webhook subscription
    # ------------------------------------------------------------------

    def _ensure_webhook(self, run):
        """Subscribe the account to LinkedIn's lead notifications when the webhook is on (and only then)."""
        account = run.account
        enabled = bool(self._get_param("linkedin_leadgen.webhook_enabled"))
        if enabled == bool(account.webhook_subscription_id):
            return
        try:
            with self.env.cr.savepoint():
                if enabled:
                    url = account.get_base_url().rstrip("/") + WEBHOOK_PATH
                    account.webhook_subscription_id = run.client.create_lead_notification(account.linkedin_id, url)
                else:
                    try:
                        run.client.delete_lead_notification(account.webhook_subscription_id)
                    except li.NotFoundError:
                        _logger.info("LinkedIn webhook subscription of %s was already gone", account.linkedin_id)
                    account.webhook_subscription_id = False
        except li.LinkedInError as exc:
            if exc.retryable:
                raise
            _logger.warning("LinkedIn webhook subscription of ad account %s: %s", account.linkedin_id, exc)
            run.warnings.append(
                self.env._("The real-time webhook could not be set up: %(error)s", error=self._error_message(exc))
            )

    # ------------------------------------------------------------------
    # Pull: window, pages, batches
    # ------------------------------------------------------------------

    def _get_window(self, account):
        """The time window being imported: ``dict(start_ms, end_ms, offset)``.

        A window is fixed when it starts (its end is "now" then), so the set of leads in it is stable
        and an offset into it is a safe resume point, stored with each batch in ``sync_cursor``.
        """
        if account.sync_cursor:
            try:
                cursor = json.loads(account.sync_cursor)
                return {key: int(cursor[key]) for key in ("start_ms", "end_ms", "offset")}
            except (ValueError, KeyError, TypeError):
                _logger.warning("LinkedIn ad account %s: unreadable sync cursor, starting over", account.linkedin_id)
        now = fields.Datetime.now()
        if account.sync_watermark:
            start = account.sync_watermark - OVERLAP
        else:
            days = int(self._get_param("linkedin_leadgen.backfill_days") or DEFAULT_BACKFILL_DAYS)
            start = now - timedelta(days=max(1, days))
        return {"start_ms": _datetime_to_ms(start), "end_ms": int(time.time() * 1000), "offset": 0}

    def _iter_responses(self, client, account, window):
        # resume at the stored offset: reading again every page already stored would pay for it again
        return client.iter_lead_form_responses(
            account.linkedin_id, start_ms=window["start_ms"], end_ms=window["end_ms"], start=window["offset"]
        )

    def _pull(self, run, deadline):
        account = run.account
        window = self._get_window(account)
        offset = window["offset"]
        batch = []
        for response in self._iter_responses(run.client, account, window):
            batch.append(response)
            if len(batch) >= BATCH_SIZE:
                offset += len(batch)
                self._store_batch(run, batch, {**window, "offset": offset})
                batch = []
                if deadline and time.monotonic() >= deadline:
                    run.backlog = True
                    return
        offset += len(batch)
        self._store_batch(run, batch, {**window, "offset": offset}, final=True)

    def _store_batch(self, run, responses, cursor, final=False):
        """Import a batch and move the account's resume point, in one savepoint.

        When the batch fails for its data, it is imported again one response at a time (see
        :meth:`_import_response_isolated`) and the resume point moves on all the same; errors of
        LinkedIn, the network or the database stop the account's run: the batch is retried later.
        """
        snapshot = run.snapshot()
        try:
            with self.env.cr.savepoint():
                if responses:
                    self._import_responses(run, responses)
                self._move_cursor(run, cursor, final)
            return
        except Exception as exc:
            run.restore(snapshot)  # nothing of the batch is stored
            if not responses or not self._is_data_error(exc):
                raise
            _logger.info(
                "LinkedIn import of ad account %s: a batch failed, importing its submissions one by one",
                run.account.linkedin_id,
                exc_info=True,
            )
        try:
            with self.env.cr.savepoint():
                for response in responses:
                    self._import_response_isolated(run, response)
                self._move_cursor(run, cursor, final)
        except Exception:
            run.restore(snapshot)
            raise

    def _move_cursor(self, run, cursor, final):
        if final:
            vals = {"sync_watermark": _ms_to_datetime(cursor["end_ms"]), "sync_cursor": False}
        else:
            vals = {"sync_cursor": json.dumps(cursor)}
        run.account.write(vals)

    def _import_response_isolated(self, run, response):
        """Import one response in its own savepoint; if it fails for its data, keep it as a failed submission."""
        snapshot = run.snapshot()
        try:
            with self.env.cr.savepoint():
                self._import_responses(run, [response])
        except Exception as exc:
            run.restore(snapshot)
            if not self._is_data_error(exc):
                raise
            linkedin_id, error = self._response_id(response), self._error_message(exc)
            _logger.warning(
                "LinkedIn import of ad account %s: submission %s failed: %s",
                run.account.linkedin_id,
                linkedin_id or "without id",
                error,
            )
            self._store_failed_response(run, linkedin_id, response, error)

    def _store_failed_response(self, run, linkedin_id, response, error):
        """Keep ``response`` as a failed submission with its raw payload; without an id it cannot be bound:
        it is then reported, payload included, in the account's sync log."""
        run.fetched += 1
        if linkedin_id:
            snapshot = run.snapshot()
            item = self._invalid_item(linkedin_id, response, error)
            item.state, item.error = "failed", error
            try:
                with self.env.cr.savepoint():
                    self._store_items(run, [item])
                return
            except Exception as exc:
                run.restore(snapshot)
                if not self._is_data_error(exc):
                    raise
                error = self._error_message(exc)
                _logger.warning("LinkedIn submission %s cannot be stored: %s", linkedin_id, error)
        self._report_unbound(run, response, error)

    def _report_unbound(self, run, response, reason):
        """A response that cannot be stored as a submission: counted as failed, shown with its payload on
        the account and in the sync log."""
        run.failed += 1
        payload = _shown(response)
        if len(payload) > MAX_SHOWN_PAYLOAD:
            payload = payload[:MAX_SHOWN_PAYLOAD] + "…"
        run.warnings.append(
            self.env._(
                "A LinkedIn submission could not be imported (%(reason)s). Its data: %(payload)s",
                reason=reason,
                payload=payload,
            )
        )
        _logger.warning(
            "LinkedIn import of ad account %s: a submission could not be imported: %s", run.account.linkedin_id, reason
        )

    @staticmethod
    def _is_data_error(error):
        """True when ``error`` may come from the data of some submission of the batch: isolate it.

        LinkedIn's errors (throttling, outage, revoked grant...), the network's and the database's own
        (lock, serialization failure, lost connection) are not: importing the same batch later may succeed.
        """
        return not isinstance(error, li.LinkedInError | psycopg2.OperationalError | psycopg2.InterfaceError)

    # ------------------------------------------------------------------
    # Bind
    # ------------------------------------------------------------------

    @staticmethod
    def _response_id(response):
        """LinkedIn's response id of ``response``, or "" when it has none that can be bound."""
        value = response.get("id") if isinstance(response, dict) else None
        return str(value).strip() if _is_id(value) else ""

    def _import_responses(self, run, responses):
        """Bind, map, match and store a batch of LinkedIn responses (already imported ones are skipped)."""
        by_id = {}
        unbound = 0
        for response in responses:
            linkedin_id = self._response_id(response)
            if not linkedin_id:
                unbound += 1
                self._report_unbound(run, response, self.env._("it has no LinkedIn id"))
            elif linkedin_id not in by_id:
                by_id[linkedin_id] = response
        run.fetched += len(responses)
        self.env.cr.execute(
            "SELECT linkedin_id FROM linkedin_form_submission WHERE linkedin_id = ANY(%s)", (list(by_id),)
        )
        bound = {row[0] for row in self.env.cr.fetchall()}
        run.duplicates += len(responses) - unbound - len(by_id) + len(bound)
        items = [
            self._bind(run, linkedin_id, response)
            for linkedin_id, response in by_id.items()
            if linkedin_id not in bound
        ]
        if not items:
            return
        self._fill_campaign_names(run, [item for item in items if not item.invalid])
        self._process_items(run, items)
        self._store_items(run, items)

    def _check_envelope(self, response):
        """Why ``response`` cannot be read as a lead ("" when it can), from its shape alone."""
        if not isinstance(response.get("versionedLeadGenFormUrn") or "", str) or not isinstance(
            response.get("form") or {}, dict
        ):
            return self.env._("LinkedIn sent this submission without a readable lead form reference.")
        submitted = response.get("submittedAt")
        if submitted not in (None, "") and not _is_timestamp(submitted):
            return self.env._(
                "The submission date sent by LinkedIn is not a timestamp: %(value)s", value=_shown(submitted)
            )
        for key in ("leadMetadataInfo", "leadMetadata", "associatedEntityInfo", "associatedEntity"):
            if not isinstance(response.get(key) or {}, dict):
                return self.env._(
                    "LinkedIn sent an unreadable %(key)s: %(value)s", key=key, value=_shown(response[key])
                )
        form_response = response.get("formResponse")
        if not isinstance(form_response, dict):
            return self.env._("LinkedIn sent this submission without its answers (no formResponse).")
        if not isinstance(form_response.get("answers") or [], list):
            return self.env._("The answers sent by LinkedIn are not a list: %(value)s", value=_shown(form_response))
        consents = form_response.get("consentResponses") or []
        if not isinstance(consents, list) or not all(isinstance(consent, dict) for consent in consents):
            return self.env._("The consents sent by LinkedIn are not readable: %(value)s", value=_shown(consents))
        return ""

    def _check_answers(self, response, form_dict):
        """Why the answers of ``response`` cannot be read ("" when they can).

        An answer to a question the form does not know, or a choice of an unknown option, is readable: it
        is kept with its ids (in the lead's description), never a reason to hold a lead back.
        """
        for answer in response["formResponse"].get("answers") or []:
            if not isinstance(answer, dict) or not _is_id(answer.get("questionId")):
                return self.env._(
                    "An answer sent by LinkedIn does not name its question: %(value)s", value=_shown(answer)
                )
            details = answer.get("answerDetails") or {}
            if not isinstance(details, dict):
                problem = "unreadable"
            elif "textQuestionAnswer" in details and not (
                isinstance(details["textQuestionAnswer"] or {}, dict)
                and _is_scalar((details["textQuestionAnswer"] or {}).get("answer"))
            ):
                problem = "text"
            elif "multipleChoiceAnswer" in details and not (
                isinstance(details["multipleChoiceAnswer"] or {}, dict)
                and isinstance(options := (details["multipleChoiceAnswer"] or {}).get("options") or [], list)
                and all(_is_id(option) for option in options)
            ):
                problem = "options"
            else:
                continue
            # an error from here on: the question's label makes it readable
            questions = (form_dict.get("content") or {}).get("questions") or []
            question = next(
                (q for q in questions if isinstance(q, dict) and str(q.get("questionId")) == str(answer["questionId"])),
                {},
            )
            label = li.localized(question.get("question")) or question.get("name") or ""
            name = f"{label} ({answer['questionId']})" if label else str(answer["questionId"])
            if problem == "text":
                return self.env._(
                    "The answer to question %(question)s is not text: %(value)s", question=name, value=_shown(details)
                )
            if problem == "options":
                return self.env._(
                    "The answer to question %(question)s is not a list of options: %(value)s",
                    question=name,
                    value=_shown(details),
                )
            return self.env._(
                "The answer to question %(question)s is not readable: %(value)s", question=name, value=_shown(details)
            )
        return ""

    @staticmethod
    def _raw_payload(response, form_dict=None):
        """What a submission keeps of ``response``: everything but the form's content (``form_dict``: the
        form it was read with, else the one projected in the response)."""
        if not isinstance(response, dict):
            return {"response": response}
        payload = {key: value for key, value in response.items() if key != "form"}
        if form_dict is None:
            form_dict = response.get("form")
        if isinstance(form_dict, dict):
            payload["form"] = {
                "id": form_dict.get("id"),
                "versionId": form_dict.get("versionId"),
                "name": form_dict.get("name"),
            }
        elif form_dict is not None:
            payload["form"] = form_dict
        return payload

    def _invalid_item(self, linkedin_id, response, reason, form=None):
        """An item for a response that cannot become a lead: stored as failed, with ``reason`` and its payload."""
        response_dict = response if isinstance(response, dict) else {}
        form_urn = response_dict.get("versionedLeadGenFormUrn")
        submitted = response_dict.get("submittedAt")
        return _Item(
            linkedin_id=linkedin_id,
            response=_storable(self._raw_payload(response)),
            form_id=form.id if form else False,
            form_name=form.name if form else "",
            form_urn=form_urn if isinstance(form_urn, str) else "",
            decoded=li.DecodedLead(),
            submitted_at=_ms_to_datetime(submitted) if _is_timestamp(submitted) else False,
            test=bool(response_dict.get("testLead")),
            invalid=reason,
        )

    def _bind(self, run, linkedin_id, response, form=None):
        """The item of ``response``; one that cannot be read as a lead gives an ``invalid`` item.

        ``form``: the ``linkedin.lead.form`` already known for it (a stored submission read again).
        """
        problem = self._check_envelope(response)
        if problem:
            return self._invalid_item(linkedin_id, response, problem)
        form_urn = response.get("versionedLeadGenFormUrn") or ""
        form_dict = response.get("form") or {}
        try:
            form_linkedin_id = li.parse_versioned_form_urn(form_urn)[0]
        except ValueError:
            form_linkedin_id = str(form_dict.get("id") or "") or li.parse_urn_id(form_urn)
        form = self._get_form(run, form_linkedin_id, form_dict) or form or self.env["linkedin.lead.form"]
        if not form_dict.get("content") and form:
            form_dict = form._as_linkedin_dict()
        problem = self._check_answers(response, form_dict)
        if problem:
            return self._invalid_item(linkedin_id, response, problem, form=form)
        metadata = (response.get("leadMetadataInfo") or {}).get("sponsoredLeadMetadataInfo") or {}
        campaign = metadata.get("campaign") or {}
        campaign_urn = campaign.get("id") or (
            ((response.get("leadMetadata") or {}).get("sponsoredLeadMetadata") or {}).get("campaign")
        )
        creative_info = (response.get("associatedEntityInfo") or {}).get("associatedCreative") or {}
        entity = response.get("associatedEntity") or {}
        creative_urn = creative_info.get("id") or entity.get("associatedCreative") or entity.get("sponsoredCreative")
        return _Item(
            linkedin_id=linkedin_id,
            response=self._raw_payload(response, form_dict),
            form_id=form.id if form else False,
            form_name=form_dict.get("name") or (form.name if form else "") or "",
            form_urn=form_urn,
            decoded=li.decode_lead(response, form_dict),
            campaign_urn=campaign_urn or "",
            campaign_name=campaign.get("name") or "",
            creative_urn=str(creative_urn or ""),
            creative_name=creative_info.get("name") or "",
            submitted_at=_ms_to_datetime(response.get("submittedAt")),
            test=bool(response.get("testLead")),
        )

    def _get_form(self, run, form_linkedin_id, form_dict):
        """The ``linkedin.lead.form`` record of a response (forms are refreshed at most once per run)."""
        forms = run.caches.setdefault("forms", None)
        if forms is None:
            forms = run.caches["forms"] = {
                form.linkedin_id: form
                for form in self.env["linkedin.lead.form"]
                .with_context(active_test=False)
                .search([("account_id", "=", run.account.id)])
            }
        if not form_linkedin_id:
            return self.env["linkedin.lead.form"]
        if form_linkedin_id not in forms and run.client and not run.caches.get("forms_refreshed"):
            run.caches["forms_refreshed"] = True
            forms.update({form.linkedin_id: form for form in run.account._refresh_forms(run.client)})
        if form_linkedin_id not in forms and form_dict.get("content"):
            for form in self.env["linkedin.lead.form"]._upsert_from_linkedin(run.account, [form_dict]):
                forms[form.linkedin_id] = form
        return forms.get(form_linkedin_id) or self.env["linkedin.lead.form"]

    def _fill_campaign_names(self, run, items):
        """Campaign names from the projection, else one batch call per batch of leads (cached per run)."""
        names = run.caches.setdefault("campaign_names", {})
        for item in items:
            if item.campaign_name and item.campaign_urn:
                names[li.parse_urn_id(item.campaign_urn)] = item.campaign_name
        missing = {
            li.parse_urn_id(item.campaign_urn)
            for item in items
            if item.campaign_urn and not item.campaign_name and li.parse_urn_id(item.campaign_urn) not in names
        }
        if missing and run.client:
            try:
                campaigns = run.client.batch_get_campaigns(run.account.linkedin_id, missing)
            except li.LinkedInError as exc:
                if exc.retryable:
                    raise
                _logger.info("LinkedIn campaign names of account %s unavailable: %s", run.account.linkedin_id, exc)
                campaigns = {}
            for campaign_id in missing:
                names[campaign_id] = (campaigns.get(int(campaign_id)) or {}).get("name") or ""
        for item in items:
            if item.campaign_urn and not item.campaign_name:
                item.campaign_name = names.get(li.parse_urn_id(item.campaign_urn)) or ""

    def _item_from_submission(self, run, submission):
        """An item rebuilt from a stored submission.

        A submission stored without its answers (its response could not be read), or a failed one whose
        form is known, is read again from its raw payload, as if it had just been fetched: a payload fixed,
        a form refreshed or a mapping changed since then applies. The others keep the answers decoded when
        they were fetched (with their question names, even if the form is gone since).
        """
        payload = submission.raw_payload
        if isinstance(payload, dict) and (
            not submission.answer_ids or (submission.state == "failed" and submission.form_id)
        ):
            item = self._bind(run, submission.linkedin_id, payload, form=submission.form_id)
            item.submission, item.rebound = submission, True
            item.form_id = item.form_id or submission.form_id.id
            item.form_name = item.form_name or submission.form_name or ""
            item.campaign_name = item.campaign_name or submission.campaign_name or ""
            item.creative_name = item.creative_name or submission.creative_name or ""
            return item
        answers = [
            li.Answer(
                question_id=int(answer.question_id) if (answer.question_id or "").isdigit() else answer.question_id,
                name=answer.name or "",
                label=answer.label or "",
                predefined_field=answer.predefined_field or None,
                value=answer.value or "",
            )
            for answer in submission.answer_ids
        ]
        consents = [
            li.Consent(consent.consent_id, consent.text or "", consent.required, consent.accepted)
            for consent in submission.consent_ids
        ]
        return _Item(
            linkedin_id=submission.linkedin_id,
            submission=submission,
            form_id=submission.form_id.id,
            form_name=submission.form_name or "",
            form_urn=submission.form_urn or "",
            decoded=li.DecodedLead(answers=answers, consents=consents, hidden_fields=submission.hidden_fields or {}),
            campaign_urn=submission.campaign_urn or "",
            campaign_name=submission.campaign_name or "",
            creative_urn=submission.creative_urn or "",
            creative_name=submission.creative_name or "",
            submitted_at=submission.submitted_at,
            test=submission.test_lead,
        )

    def _retry_failed(self, run):
        """Import again the account's failed submissions (bounded number of attempts)."""
        failed = self.env["linkedin.form.submission"].search(
            [("account_id", "=", run.account.id), ("state", "=", "failed"), ("retry_count", "<", MAX_RETRIES)],
            limit=BATCH_SIZE,
        )
        if failed:
            self._import_submissions(run, failed)

    def _import_submissions(self, run, submissions, force_create=False):
        """Import stored submissions again, in one savepoint; if that fails for their data, in one savepoint
        each, so that the one that fails again (its error and attempt recorded) holds back no other."""
        snapshot = run.snapshot()
        try:
            with self.env.cr.savepoint():
                self._reimport_items(run, submissions, force_create)
            return
        except Exception as exc:
            run.restore(snapshot)
            if not self._is_data_error(exc):
                raise
            _logger.info("LinkedIn import: importing submissions again failed, one by one now", exc_info=True)
        for submission in submissions:
            snapshot = run.snapshot()
            try:
                with self.env.cr.savepoint():
                    self._reimport_items(run, submission, force_create)
            except Exception as exc:
                run.restore(snapshot)
                if not self._is_data_error(exc):
                    raise
                error = self._error_message(exc)
                _logger.warning("LinkedIn submission %s failed again: %s", submission.linkedin_id, error)
                run.failed += 1
                submission.write(
                    {
                        "state": "failed",
                        "error": error,
                        "retry_count": submission.retry_count + (1 if submission.state == "failed" else 0),
                    }
                )

    def _reimport_items(self, run, submissions, force_create=False):
        items = [self._item_from_submission(run, submission) for submission in submissions]
        self._fill_campaign_names(run, [item for item in items if item.rebound and not item.invalid])
        self._process_items(run, items, force_create=force_create)
        self._store_items(run, items)

    # ------------------------------------------------------------------
    # Map
    # ------------------------------------------------------------------

    def _process_items(self, run, items, force_create=False):
        """Map, match and create or update the leads of ``items`` (their ``state`` says what happened)."""
        import_tests = force_create or bool(self._get_param("linkedin_leadgen.import_test_leads"))
        todo = []
        for item in items:
            item.state, item.error, item.merge_into = "", "", None
            if item.invalid:
                item.state, item.error = "failed", item.invalid
                continue
            if item.test and not import_tests:
                item.state = "ignored_test"
                continue
            self._map_item(run, item)
            todo.append(item)
        if not todo:
            return
        self._match_items(run, todo, force_create=force_create)
        self._create_leads(run, [item for item in todo if item.state == "to_create"])
        for item in todo:
            if item.state == "to_merge":
                if item.merge_into.lead_id:
                    item.state, item.lead_id = "to_update", item.merge_into.lead_id
                else:
                    item.state, item.error = "failed", item.merge_into.error
        self._update_leads(run, [item for item in todo if item.state == "to_update"])

    def _get_mapping_plan(self, run):
        plan = run.caches.get("mappings")
        if plan is None:
            plan = []
            for mapping in self.env["linkedin.field.mapping"].search([]):
                field_rec = mapping.lead_field_id
                plan.append(
                    {
                        "source": mapping.source,
                        "predefined": mapping.predefined_field,
                        "question": _clean(mapping.question_name).casefold(),
                        "field": field_rec.name,
                        "ttype": field_rec.ttype,
                        "relation": field_rec.relation,
                        "combine": mapping.combine,
                    }
                )
            run.caches["mappings"] = plan
        return plan

    def _map_item(self, run, item):
        """Mapper: the submission's answers become ``crm.lead`` values; the rest goes to the description."""
        collected = {}  # field -> (plan entry, [(answer index, value)] in mapping order)
        used = set()
        answers = item.decoded.answers
        by_predefined, by_name = {}, {}
        for index, answer in enumerate(answers):
            value = _clean(answer.value)
            if not value:
                continue
            if answer.predefined_field:
                by_predefined.setdefault(answer.predefined_field, []).append((index, value))
            for name in {_clean(answer.name).casefold(), _clean(answer.label).casefold()} - {""}:
                by_name.setdefault(name, []).append((index, value))
        for entry in self._get_mapping_plan(run):
            if entry["source"] == "predefined":
                found = by_predefined.get(entry["predefined"])
            else:
                found = by_name.get(entry["question"]) if entry["question"] else None
            if found:
                collected.setdefault(entry["field"], (entry, []))[1].extend(found)
                used.update(index for index, _value in found)
        vals = {}
        rejected = set()
        # countries first: states are resolved within the country
        for fname, (entry, values) in sorted(collected.items(), key=lambda kv: kv[1][0]["relation"] != "res.country"):
            if entry["combine"] == "append":
                raw = " ".join(value for _index, value in values)
            else:
                raw = values[0][1]
            converted = self._convert_value(run, entry, raw, vals)
            if converted is None:
                rejected.update(index for index, _value in values)
            else:
                vals[fname] = converted
        item.lead_vals = vals
        item.email_normalized = email_normalize(vals.get("email_from") or "", strict=False) or ""
        item.unmapped = [answer for index, answer in enumerate(answers) if index not in used or index in rejected]

    def _convert_value(self, run, entry, raw, vals):
        """Convert a text answer to the lead field's type; None when it cannot be (kept in the description)."""
        ttype = entry["ttype"]
        if ttype in ("char", "text"):
            return raw
        if ttype == "html":
            return Markup("<p>%s</p>") % raw
        if ttype == "selection":
            field_obj = self.env["crm.lead"]._fields.get(entry["field"])
            options = field_obj._description_selection(self.env) if field_obj else []
            folded = raw.casefold()
            return next((key for key, label in options if folded in (str(key).casefold(), str(label).casefold())), None)
        if ttype in ("integer", "float", "monetary"):
            try:
                number = float(raw.replace(",", ".").replace(" ", ""))
            except ValueError:
                return None
            return int(number) if ttype == "integer" else number
        if ttype == "boolean":
            return raw.casefold() in ("1", "true", "yes", "y", "oui", "ja", "si", "sí")
        if ttype == "date":
            try:
                return fields.Date.to_date(raw[:10])
            except ValueError:
                return None
        if ttype == "many2one":
            if entry["relation"] == "res.country":
                return self._get_countries(run).get(raw.casefold())
            if entry["relation"] == "res.country.state":
                return self._find_state(run, raw, vals.get("country_id"))
            return self._get_names(run, entry["relation"]).get(raw.casefold())
        return None

    def _get_countries(self, run):
        countries = run.caches.get("countries")
        if countries is None:
            countries = {}
            self.env.cr.execute("SELECT id, code, name FROM res_country")
            for country_id, code, names in self.env.cr.fetchall():
                for name in (names or {}).values():
                    countries.setdefault(_clean(name).casefold(), country_id)
                if code:
                    countries[code.casefold()] = country_id
            # common ways members write a few countries
            for alias, code in (("usa", "us"), ("united states of america", "us"), ("uk", "gb"), ("england", "gb")):
                if code in countries:
                    countries.setdefault(alias, countries[code])
            run.caches["countries"] = countries
        return countries

    def _find_state(self, run, raw, country_id):
        states = run.caches.get("states")
        if states is None:
            states = {}  # (country id, folded name or code) -> state id; (None, key) -> [state ids]
            self.env.cr.execute("SELECT id, country_id, code, name FROM res_country_state")
            for state_id, state_country_id, code, name in self.env.cr.fetchall():
                names = name.values() if isinstance(name, dict) else [name]
                keys = {_clean(value).casefold() for value in names if value}
                if code:
                    keys.add(code.casefold())
                for key in keys:
                    states.setdefault((state_country_id, key), state_id)
                    states.setdefault((None, key), []).append(state_id)
            run.caches["states"] = states
        key = _clean(raw).casefold()
        if country_id:
            return states.get((country_id, key))
        candidates = states.get((None, key)) or []
        return candidates[0] if len(candidates) == 1 else None

    def _get_names(self, run, model_name):
        cache = run.caches.setdefault("names", {})
        if model_name not in cache:
            model = self.env[model_name].with_context(active_test=False)
            cache[model_name] = {
                _clean(record.display_name).casefold(): record.id for record in model.search([], limit=5000)
            }
        return cache[model_name]

    # ------------------------------------------------------------------
    # Match
    # ------------------------------------------------------------------

    def _get_match_fields(self, run):
        match_fields = run.caches.get("match_fields")
        if match_fields is None:
            strategy = self.env["linkedin.matching.strategy"]._get_activated(run.account.company_id)
            match_fields = []
            for field_rec in strategy.mapping_ids.lead_field_id:
                if field_rec.name in EMAIL_FIELDS:
                    kind = "email"
                elif field_rec.name in PHONE_FIELDS:
                    kind = "phone"
                elif field_rec.ttype == "many2one":
                    kind = "id"
                elif field_rec.ttype in ("char", "text"):
                    kind = "text"
                else:
                    kind = "value"
                match_fields.append((field_rec.name, kind))
            run.caches["match_fields"] = match_fields
        return match_fields

    def _match_value(self, run, item, fname, kind):
        value = item.lead_vals.get(fname)
        if not value:
            return False
        if kind == "email":
            return item.email_normalized if fname == "email_from" else email_normalize(value, strict=False) or False
        if kind == "phone":
            country = self.env["res.country"].browse(item.lead_vals.get("country_id") or [])
            country = country or run.account.company_id.country_id
            return self.env["crm.lead"]._phone_format(number=value, country=country) or value
        if kind == "text":
            return _clean(value)
        return value

    def _match_items(self, run, items, force_create=False):
        """Batched matching: one query per matched field for the whole batch, never one per lead."""
        match_fields = self._get_match_fields(run)
        if not match_fields:
            for item in items:
                item.state = "to_create"
            return
        review = not force_create and self._get_param("linkedin_leadgen.partial_match") == "review"
        for item in items:
            item.match_values = {fname: self._match_value(run, item, fname, kind) for fname, kind in match_fields}
        found = {}
        for fname, kind in match_fields:
            values = {item.match_values[fname] for item in items if item.match_values[fname]}
            found[fname] = self._find_leads(run, fname, kind, values) if values else {}
        pending = {}
        for item in items:
            sets = [found[fname].get(item.match_values[fname], set()) for fname, _kind in match_fields]
            full = set.intersection(*sets) if all(sets) else set()
            if full:
                item.state, item.lead_id = "to_update", max(full)
                continue
            key = tuple(str(item.match_values[fname]).casefold() for fname, _kind in match_fields)
            complete = all(item.match_values[fname] for fname, _kind in match_fields)
            if complete and key in pending:
                item.state, item.merge_into = "to_merge", pending[key]
                continue
            if review and any(sets):
                item.state = "partial_match"
                continue
            item.state = "to_create"
            if complete:
                pending[key] = item

    def _find_leads(self, run, fname, kind, values):
        """``{submission value: {lead ids}}`` for the open leads of the account's company (one query)."""
        company_id = run.account.company_id.id
        company_clause = SQL("(lead.company_id = %s OR lead.company_id IS NULL)", company_id)
        column_name = {"email": "email_normalized", "phone": "phone_sanitized"}.get(kind, fname)
        if kind == "text":
            column = SQL.identifier("lead", fname)
            query = SQL(
                """SELECT lead.id, v.val FROM crm_lead lead
                   JOIN unnest(%s::text[]) AS v(val)
                     ON lower(regexp_replace(btrim(%s), '\\s+', ' ', 'g')) = lower(v.val)
                  WHERE lead.active AND %s""",
                list(values),
                column,
                company_clause,
            )
        else:
            column = SQL.identifier("lead", column_name)
            query = SQL(
                "SELECT lead.id, %s FROM crm_lead lead WHERE lead.active AND %s AND %s = ANY(%s)",
                column,
                company_clause,
                column,
                list(values),
            )
        self.env["crm.lead"].flush_model(["active", "company_id", column_name if kind != "text" else fname])
        self.env.cr.execute(query)
        result = {}
        for lead_id, value in self.env.cr.fetchall():
            result.setdefault(value, set()).add(lead_id)
        return result

    # ------------------------------------------------------------------
    # Create and update leads
    # ------------------------------------------------------------------

    def _get_lead_defaults(self, run):
        defaults = run.caches.get("lead_defaults")
        if defaults is None:
            env = self.env
            team = env["crm.team"].browse(int(self._get_param("linkedin_leadgen.team_id") or 0)).exists()
            user = env["res.users"].browse(int(self._get_param("linkedin_leadgen.user_id") or 0)).exists()
            use_leads = env.ref("crm.group_use_lead") in env.ref("base.group_user").implied_ids
            source = env.ref("utm.utm_source_linkedin", raise_if_not_found=False)
            medium = env.ref("utm.utm_medium_linkedin", raise_if_not_found=False)
            defaults = run.caches["lead_defaults"] = {
                "type": "lead" if use_leads else "opportunity",
                "user_id": user.id or False,
                "team_id": team.id or False,
                "company_id": run.account.company_id.id or self.env.company.id,
                "source_id": source.id if source else False,
                "medium_id": medium.id if medium else False,
            }
        return defaults

    def _get_stage_context(self, run):
        """``default_stage_id``: the stage crm.lead's compute would find, looked up once per run instead of
        once per lead (given as a default, not a value, so that crm's won/lost bookkeeping is not run)."""
        context = run.caches.get("stage_context")
        if context is None:
            defaults = self._get_lead_defaults(run)
            context = {}
            if defaults["team_id"] or not defaults["user_id"]:
                stage = self.env["crm.lead"]._stage_find(team_id=defaults["team_id"], domain=[("fold", "=", False)])
                if stage:
                    context["default_stage_id"] = stage.id
            run.caches["stage_context"] = context
        return context

    def _get_utm_campaigns(self, run, names):
        cache = run.caches.setdefault("utm_campaigns", {})
        missing = {name for name in names if name and name not in cache}
        if missing:
            Campaign = self.env["utm.campaign"]
            for campaign in Campaign.search_fetch([("name", "in", list(missing))], ["name"]):
                cache.setdefault(campaign.name, campaign.id)
            to_create = sorted(name for name in missing if name not in cache)
            if to_create and self._get_param("linkedin_leadgen.create_utm_campaigns"):
                for campaign in Campaign.create([{"title": name} for name in to_create]):
                    cache[campaign.title] = campaign.id
            for name in to_create:
                cache.setdefault(name, False)
        return cache

    def _get_partners(self, items):
        emails = {item.email_normalized for item in items} - {""}
        if not emails:
            return {}
        partners = {}
        for partner in self.env["res.partner"].search_fetch(
            [("email_normalized", "in", list(emails))], ["email_normalized", "company_id"], order="id"
        ):
            partners.setdefault(partner.email_normalized, partner)
        return partners

    def _prepare_lead_vals(self, run, item, partners, campaigns):
        vals = dict(item.lead_vals)
        defaults = self._get_lead_defaults(run)
        vals.update(defaults)
        company_id = defaults["company_id"]
        partner = partners.get(item.email_normalized)
        if partner and (not partner.company_id or partner.company_id.id == company_id):
            vals["partner_id"] = partner.id
        if item.campaign_name and campaigns.get(item.campaign_name):
            vals["campaign_id"] = campaigns[item.campaign_name]
        if not vals.get("name"):
            contact = vals.get("contact_name") or vals.get("email_from") or vals.get("partner_name")
            origin = item.campaign_name or item.form_name
            vals["name"] = " - ".join(part for part in (contact, origin) if part) or self.env._("LinkedIn lead")
        description = self._map_description(item)
        if description:
            vals["description"] = (vals.get("description") or Markup("")) + description
        return vals

    def _map_description(self, item):
        """The answers no mapping took, readable in the lead's description."""
        if not item.unmapped:
            return Markup("")
        lines = Markup("").join(
            Markup("<li><b>%s</b>: %s</li>") % (answer.label or answer.name or str(answer.question_id), answer.value)
            for answer in item.unmapped
        )
        title = self.env._("LinkedIn Lead Gen Form %(form)s", form=item.form_name or "")
        return Markup("<p>%s</p><ul>%s</ul>") % (title, lines)

    def _create_leads(self, run, items):
        if not items:
            return
        partners = self._get_partners(items)
        campaigns = self._get_utm_campaigns(run, {item.campaign_name for item in items if item.campaign_name})
        vals_list = [self._prepare_lead_vals(run, item, partners, campaigns) for item in items]
        Lead = self.env["crm.lead"].with_context(**CREATE_CONTEXT, **self._get_stage_context(run))
        try:
            with self.env.cr.savepoint():
                leads = Lead.create(vals_list)
            for item, lead in zip(items, leads, strict=True):
                item.state, item.lead_id = "lead_created", lead.id
            return
        except Exception as exc:
            if not self._is_data_error(exc):
                raise
            _logger.info("LinkedIn import: batch lead creation failed, creating one by one", exc_info=True)
        for item, vals in zip(items, vals_list, strict=True):
            try:
                with self.env.cr.savepoint():
                    item.lead_id = Lead.create([vals]).id
                item.state = "lead_created"
            except Exception as exc:
                if not self._is_data_error(exc):
                    raise
                # kept as a failed submission, retried later
                item.state, item.error, item.lead_id = "failed", self._error_message(exc), False

    def _update_leads(self, run, items):
        """Update matched leads with the submissions' values and post a note on each (batched).

        Field tracking is off: the note lists each change with its old and new value, once per lead.
        """
        if not items:
            return
        leads = self.env["crm.lead"].browse({item.lead_id for item in items}).with_context(mail_notrack=True)
        leads.fetch([fname for item in items for fname in item.lead_vals if fname in leads._fields] or ["name"])
        plan = []
        for item in items:
            lead = leads.browse(item.lead_id)
            changes, old = {}, {}
            for fname, value in item.lead_vals.items():
                if fname in NOT_UPDATED or fname not in lead._fields:
                    continue
                current = lead[fname]
                current_value = current.id if isinstance(current, models.BaseModel) else current
                if fname in EMAIL_FIELDS and email_normalize(current or "") == item.email_normalized:
                    continue
                if current_value != value:
                    changes[fname] = value
                    old[fname] = current
            description = self._map_description(item)
            if description:
                current = lead.description
                changes["description"] = (current if not is_html_empty(current) else Markup("")) + description
            plan.append((item, lead, changes, old))
        done = self._apply_updates(plan)
        bodies = {}
        for item, lead, changes, old in done:
            item.state = "lead_updated"
            bodies[lead.id] = bodies.get(lead.id, Markup("")) + self._update_note(item, lead, changes, old)
        if bodies:
            leads.browse(list(bodies))._message_log_batch(bodies=bodies)

    def _apply_updates(self, plan):
        """Write the updates in one savepoint; if one fails, one savepoint each to keep the others."""
        try:
            with self.env.cr.savepoint():
                for _item, lead, changes, _old in plan:
                    if changes:
                        lead.write(changes)
            return plan
        except Exception as exc:
            if not self._is_data_error(exc):
                raise
            _logger.info("LinkedIn import: batch lead update failed, updating one by one", exc_info=True)
        done = []
        for entry in plan:
            item, lead, changes, _old = entry
            try:
                with self.env.cr.savepoint():
                    if changes:
                        lead.write(changes)
                done.append(entry)
            except Exception as exc:
                if not self._is_data_error(exc):
                    raise
                # kept as a failed submission, retried later
                item.state, item.error = "failed", self._error_message(exc)
        return done

    def _update_note(self, item, lead, changes, old):
        fields_info = lead._fields
        note = self.env._(
            "Updated from LinkedIn form submission %(form)s%(campaign)s.",
            form=item.form_name or item.linkedin_id,
            campaign=self.env._(" (campaign %(name)s)", name=item.campaign_name) if item.campaign_name else "",
        )
        body = Markup("<p>%s</p>") % note
        lines = Markup("").join(
            Markup("<li>%s: %s → %s</li>")
            % (
                fields_info[fname]._description_string(self.env),
                self._display_value(old.get(fname)),
                self._display_value(lead[fname]),
            )
            for fname in changes
            if fname != "description"
        )
        if lines:
            body += Markup("<ul>%s</ul>") % lines
        return body

    @staticmethod
    def _display_value(value):
        if isinstance(value, models.BaseModel):
            return value.display_name or ""
        return "" if value in (False, None) else str(value)

    # ------------------------------------------------------------------
    # Store submissions
    # ------------------------------------------------------------------

    def _store_items(self, run, items):
        """Create the submissions of new items (one create each for submissions, answers, consents) and
        write the state of items imported again; count the outcome."""
        for item in items:
            if item.state == "lead_created":
                run.created += 1
            elif item.state == "lead_updated":
                run.updated += 1
            elif item.state == "failed":
                run.failed += 1
            elif item.state in ("ignored_test", "partial_match"):
                run.ignored += 1
        new_items = [item for item in items if not item.submission]
        rebound = [item for item in items if item.submission and item.rebound]
        for item in items:
            if item.submission:
                vals = {}
                if item.rebound:  # read again from its raw payload: its values and answers are replaced
                    vals = self._prepare_submission_vals(run, item)
                    for fname in ("linkedin_id", "account_id", "company_id", "raw_payload"):
                        del vals[fname]
                item.submission.write(
                    {
                        **vals,
                        "state": item.state,
                        "lead_id": item.lead_id or item.submission.lead_id.id,
                        "error": item.error or False,
                        "retry_count": item.submission.retry_count + (1 if item.submission.state == "failed" else 0),
                    }
                )
        Submission = self.env["linkedin.form.submission"]
        rebound_submissions = Submission.browse([item.submission.id for item in rebound])
        if rebound:
            rebound_submissions.answer_ids.unlink()
            rebound_submissions.consent_ids.unlink()
        if not new_items and not rebound:
            return
        submissions = Submission.create([self._prepare_submission_vals(run, item) for item in new_items])
        pairs = [*zip(submissions, new_items, strict=True), *((item.submission, item) for item in rebound)]
        answers = [
            (submission.id, sequence, str(a.question_id), a.name, a.label, a.predefined_field or None, a.value)
            for submission, item in pairs
            for sequence, a in enumerate(item.decoded.answers)
        ]
        consents = [
            (submission.id, sequence, str(c.consent_id), c.text, c.required, c.accepted)
            for submission, item in pairs
            for sequence, c in enumerate(item.decoded.consents)
        ]
        self._insert_rows(
            "linkedin.form.submission.answer",
            ["submission_id", "sequence", "question_id", "name", "label", "predefined_field", "value"],
            ["int4[]", "int4[]", "varchar[]", "varchar[]", "varchar[]", "varchar[]", "text[]"],
            answers,
        )
        self._insert_rows(
            "linkedin.form.submission.consent",
            ["submission_id", "sequence", "consent_id", "text", "required", "accepted"],
            ["int4[]", "int4[]", "varchar[]", "text[]", "bool[]", "bool[]"],
            consents,
        )
        (submissions | rebound_submissions).invalidate_recordset(["answer_ids", "consent_ids"])

    def _insert_rows(self, model_name, columns, types, rows):
        """Insert the answer and consent lines of a batch in one statement.

        They are plain read-only values of the submission (no compute, no constraint, no default beyond
        the audit columns): an ORM ``create()`` would spend most of the import building tens of
        thousands of them one by one.
        """
        if not rows:
            return
        model = self.env[model_name]
        model.flush_model()
        values = [list(column) for column in zip(*rows, strict=True)]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) SELECT *, %s, %s, %s, %s FROM %s",
                SQL.identifier(model._table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                self.env.uid,
                self.env.uid,
                self.env.cr.now(),
                self.env.cr.now(),
                SQL(
                    "unnest(%s)",
                    SQL(", ").join(
                        SQL("%s::%s", value, SQL(sql_type)) for value, sql_type in zip(values, types, strict=True)
                    ),
                ),
            )
        )
        model.invalidate_model()

    def _prepare_submission_vals(self, run, item):
        by_field = item.decoded.by_field()
        contact = item.lead_vals.get("contact_name") or _clean(
            " ".join(filter(None, (by_field.get("FIRST_NAME"), by_field.get("LAST_NAME"))))
        )
        email = item.lead_vals.get("email_from") or by_field.get("EMAIL") or by_field.get("WORK_EMAIL")
        lead_type = (item.response or {}).get("leadType")
        return {
            "name": contact or email or item.linkedin_id,
            "linkedin_id": item.linkedin_id,
            "account_id": run.account.id or False,
            "company_id": run.account.company_id.id or self.env.company.id,
            "form_id": item.form_id,
            "form_name": item.form_name or False,
            "form_urn": item.form_urn or False,
            "campaign_urn": item.campaign_urn or False,
            "campaign_name": item.campaign_name or False,
            "creative_urn": item.creative_urn or False,
            "creative_name": item.creative_name or False,
            "lead_type": lead_type if isinstance(lead_type, str) and lead_type else "SPONSORED",
            "submitted_at": item.submitted_at,
            "test_lead": item.test,
            "contact_name": contact or False,
            "email": email or False,
            "hidden_fields": item.decoded.hidden_fields or False,
            "raw_payload": item.response or False,
            "lead_id": item.lead_id or False,
            "state": item.state or "new",
            "error": item.error or False,
        }

    # ------------------------------------------------------------------
    # DELETED notifications
    # ------------------------------------------------------------------

    def _mark_deleted(self, response_id, payload):
        submissions = self.env["linkedin.form.submission"].search([("linkedin_id", "=", response_id)])
        if not submissions:
            return "unknown lead"
        submissions.write({"state": "deleted"})
        leads = submissions.lead_id
        if leads:
            body = Markup("<p>%s</p>") % self.env._(
                "LinkedIn reports that the member's form submission %(id)s was deleted (e.g. the member "
                "unregistered). The lead is kept; review it and its consents.",
                id=response_id,
            )
            leads._message_log_batch(bodies={lead.id: body for lead in leads})
        return "deleted"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _get_param(self, key):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        if value in ("False", "false", "0", ""):
            return False
        return value
