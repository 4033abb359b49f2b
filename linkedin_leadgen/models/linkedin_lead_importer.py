# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Importer of LinkedIn lead form responses: fetch, read, map, match, create or update, store.

The roles, in the vocabulary of the OCA connector:

* the *adapter* is the plain-Python LinkedIn client (``linkedin/client.py``), and
  ``linkedin/leads.py`` reads its JSON into ``LeadResponse`` values (or says why it cannot);
* the *mapper* is ``linkedin.lead.mapper``: answers to ``crm.lead`` values;
* matching, creation and update of leads are batched methods of ``crm.lead`` (``_linkedin_*``);
* the *binding* is ``linkedin.form.submission``: its ``linkedin_id`` is unique, so the database lets
  each LinkedIn lead in once; it stores the items of a batch;
* the *importer* is this model: entry points, accounts and their locks, the time window and its resume
  point, the pull, and the outcome.

A batch and the account's resume point are stored in the same savepoint, so a run interrupted at any
moment (even ``kill -9``) loses nothing and duplicates nothing. A batch that fails for its data is
imported again one response at a time: a response that still fails is kept as a failed submission with
its raw payload. Errors of LinkedIn, the network or the database stop the account's run, which is
retried with back-off from the same batch.
"""

import json
import logging
from datetime import datetime, timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import linkedin as li
from .linkedin_form_submission import MAX_RETRIES
from .linkedin_sync_mixin import SYNC_CRON, ConcurrentChange
from .linkedin_sync_run import LeadItem, Plan, SyncRun

_logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # responses stored per savepoint (five pages of 100); system parameter linkedin_leadgen.batch_size
OVERLAP = timedelta(hours=1)  # re-read before the watermark: leads LinkedIn indexed late are caught up
CRON_BUDGET = 10  # seconds of work per cron call: its leads are committed (visible) then, and it triggers itself again
SYNC_BUDGET = 120  # seconds of work of a "Sync now" button before the cron takes over
CRON_MIN_INTERVAL = timedelta(minutes=5)  # an account synced this recently waits (unless it has a backlog)
DEFAULT_BACKFILL_DAYS = 365
MAX_SHOWN_PAYLOAD = 4000  # characters of an unbindable response kept in the sync log (administrators only)
MAX_REJECTED = 50  # unbindable responses kept per run
_END = object()  # end of a listing (None is an element LinkedIn may send)


class LinkedInLeadImporter(models.AbstractModel):
    _name = "linkedin.lead.importer"
    _inherit = ["linkedin.sync.mixin"]
    _description = "LinkedIn Lead Importer"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _sync_accounts(self, accounts, deadline=None, trigger="manual"):
        """Import the submissions of ``accounts``; ``deadline`` is a value of the clock's ``monotonic()``.

        Returns ``dict(created=, updated=, failed=, ignored=, fetched=, duplicates=, remaining=, backlog=,
        errors=)``; ``remaining`` is true when some account still has submissions to import (deadline
        reached) or is being synced by another run: the caller triggers the cron, which continues.
        """
        self = self.sudo()  # noqa: PLW0642 - the sync is the connector's technical ("inbound") role
        clock = self._linkedin_clock()
        totals = dict.fromkeys(("created", "updated", "failed", "ignored", "fetched", "duplicates"), 0)
        totals.update(remaining=False, backlog=False, errors=[])
        worked = False
        for index, account in enumerate(accounts.sudo()):
            if worked and deadline and clock.monotonic() >= deadline:
                # the first account not busy with another run always gets one batch: every call makes progress
                totals["remaining"] = totals["backlog"] = True
                # those left are the cron's next ones, even if synced a moment ago (CRON_MIN_INTERVAL); an
                # account in error keeps showing it (its back-off decides when it is tried again)
                for left in accounts.sudo()[index:]:
                    if left.sync_state == "idle" and left._linkedin_try_lock():
                        left.sync_state = "backlog"
                break
            result = self._sync_account(account, deadline=deadline, trigger=trigger)
            worked |= not result["busy"]
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
        Its workers (``ir_cron_linkedin_sync_worker_*``) run this same method at the same time on other
        cron threads or servers: each call takes the accounts no other run holds (``_linkedin_try_lock``),
        so they sync different accounts at once and none twice.
        """
        budget = self._linkedin_param_int("linkedin_leadgen.cron_budget", CRON_BUDGET)  # "0": one batch per call
        deadline = self._linkedin_clock().monotonic() + budget
        result = self._sync_accounts(self._get_accounts_to_sync(), deadline=deadline, trigger="cron")
        # One call per run of the job, then a trigger if work remains (which wakes the cron threads at once):
        # Odoo's cron thread counts its time limit (limit_time_real_cron, else limit_time_real: 120 s) over
        # every job of one pass and reloads the whole server beyond it; ten calls of 10 s of each of the
        # sync's workers in one pass would exceed it on a busy machine.
        done = result["fetched"] + result["created"] + result["updated"]
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        if result["backlog"]:
            self._linkedin_trigger_cron(SYNC_CRON)
        return result

    @api.model
    def _action_sync_accounts(self, accounts):
        """Button "Sync now" of ad accounts: import within the time budget, continue through the cron.

        Accounts that cannot sync (no company page, another company's copy of the account) are left out.
        """
        accounts = accounts.filtered("can_sync")
        budget = self._linkedin_click_budget(self._linkedin_param_int("linkedin_leadgen.sync_budget", SYNC_BUDGET))
        Lead = self.env["crm.lead"]
        last_lead_id = Lead._linkedin_last_id()
        result = self._sync_accounts(accounts, deadline=self._linkedin_clock().monotonic() + budget)
        if result["remaining"]:
            self._linkedin_trigger_cron(SYNC_CRON)
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
                "next": Lead._linkedin_action_after_sync(accounts, last_lead_id),
            },
        }

    @api.model
    def _reimport_submissions(self, submissions, force_create=False):
        """Import existing submissions again (failed ones, partial matches kept for review, test leads)."""
        self = self.sudo()  # noqa: PLW0642
        totals = dict.fromkeys(("created", "updated", "failed", "ignored"), 0)
        submissions = submissions.sudo()
        for account in [*submissions.account_id, submissions.account_id.browse()]:
            todo = submissions.filtered(lambda s, account=account: s.account_id == account)
            if not todo:
                continue
            if account and not account._linkedin_try_lock():
                raise UserError(
                    self.env._(
                        "The submissions of %(account)s are being synchronized right now: try again in a minute.",
                        account=account.display_name,
                    )
                )
            run = SyncRun(account=account, trigger="manual")
            self._import_submissions(run, todo, force_create=force_create)
            for key in totals:
                totals[key] += getattr(run, key)
            if account:
                account._add_lead_counts(run)
        return totals

    # ------------------------------------------------------------------
    # Accounts: selection, client, run
    # ------------------------------------------------------------------

    @api.model
    def _get_accounts_to_sync(self):
        now = self._linkedin_now()
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

    def _connect_run(self, run):
        """Give ``run`` a connected profile that can reach its account, and that profile's client.

        The profile named by the context key ``linkedin_profile_id`` (the one whose button was clicked)
        comes first, then the others by age.
        """
        error = None
        preferred = self.env.context.get("linkedin_profile_id")
        profiles = run.account.profile_ids.filtered(lambda p: p.state == "connected")
        for profile in profiles.sorted(lambda p: (p.id != preferred, p.id)):
            try:
                run.profile, run.client = profile, profile._get_client()
                run.calls_before = run.client.stats.get("total", 0)
                return
            except UserError as exc:  # the profile's grant is expired or revoked: it is marked "reconnect"
                run.profile, error = None, exc
        raise error or UserError(
            self.env._(
                "No connected LinkedIn profile can reach ad account %(account)s: authorize a profile again.",
                account=run.account.display_name,
            )
        )

    def _sync_account(self, account, deadline=None, trigger="manual"):
        run = SyncRun(account=account, trigger=trigger)
        date_start = fields.Datetime.now()
        if not account._linkedin_try_lock():
            run.busy = True
            if trigger != "cron":
                self.env["linkedin.sync.log"]._log_run(run, date_start)
            return run.result()
        try:
            # The account's savepoint: whatever goes wrong, nothing half-done of this account leaks
            # into the transaction of the others. Batches inside have savepoints of their own.
            with self.env.cr.savepoint():
                try:
                    self._connect_run(run)
                    account._ensure_webhook_subscription(run.client, run.warnings)
                    self._import_waiting(run)
                    self._pull(run, deadline)
                except (ConcurrentChange, psycopg2.errors.TransactionRollbackError):
                    # another worker (cron thread or server) wrote the same record meanwhile: a UTM campaign,
                    # or an existing lead that submissions of two accounts match. The batch was rolled back to
                    # its savepoint; the next call, which sees that change, imports it again.
                    _logger.info("LinkedIn ad account %s: concurrent change, batch redone", account.linkedin_id)
                    run.backlog = True
                except Exception as exc:  # noqa: BLE001 - stored batches stay, the error is recorded
                    run.error = exc
        except Exception as exc:  # noqa: BLE001 - isolated per account, recorded on it and in the log
            run.error = run.error or exc
        account._record_sync_outcome(run, date_start)
        return run.result()

    # ------------------------------------------------------------------
    # Pull: window, pages, batches
    # ------------------------------------------------------------------

    def _get_window(self, account):
        """The time window being imported: ``dict(start_ms, end_ms, offset, total)``.

        A window is fixed when it starts (its end is "now" then), so the set of leads in it only shrinks
        (leads deleted on LinkedIn) and an offset into it, with the window's size LinkedIn gave then, is a
        safe resume point, stored with each batch in ``sync_cursor`` (the client steps back when it shrank).
        """
        if account.sync_cursor:
            try:
                cursor = json.loads(account.sync_cursor)
                window = {key: int(cursor[key]) for key in ("start_ms", "end_ms", "offset")}
                window["total"] = int(cursor["total"]) if cursor.get("total") is not None else None
                return window
            except (ValueError, KeyError, TypeError):
                _logger.warning("LinkedIn ad account %s: unreadable sync cursor, starting over", account.linkedin_id)
        now = self._linkedin_now()
        if account.sync_watermark:
            start = account.sync_watermark - OVERLAP
        else:
            days = self._linkedin_param_int("linkedin_leadgen.backfill_days", DEFAULT_BACKFILL_DAYS, minimum=1)
            start = now - timedelta(days=days)
        end_ms = int(self._linkedin_clock().time() * 1000)
        return {"start_ms": li.datetime_to_ms(start), "end_ms": end_ms, "offset": 0, "total": None}

    def _pull(self, run, deadline):
        """Read the window's responses page by page (resuming at the stored offset) and store them in batches."""
        account, clock = run.account, self._linkedin_clock()
        batch_size = self._linkedin_param_int("linkedin_leadgen.batch_size", BATCH_SIZE, minimum=1)
        window = self._get_window(account)
        position = {"next": window["offset"], "total": window["total"]}
        responses = run.client.iter_lead_form_responses(
            account.linkedin_id,
            start_ms=window["start_ms"],
            end_ms=window["end_ms"],
            count=self._linkedin_param_int("linkedin_leadgen.page_size", li.PAGE_SIZE, minimum=1, maximum=1000),
            start=window["offset"],
            position=position,
        )
        batch = []
        while True:
            try:
                response = next(responses, _END)
            except li.LinkedInError:
                # LinkedIn failed in the middle of a batch: what it sent is kept, the retry resumes after it
                if batch:
                    self._store_batch(run, batch, {**window, "offset": position["next"], "total": position["total"]})
                raise
            if response is _END:
                break
            batch.append(response)
            if len(batch) >= batch_size:
                self._store_batch(run, batch, {**window, "offset": position["next"], "total": position["total"]})
                batch = []
                if deadline and clock.monotonic() >= deadline:
                    run.backlog = True
                    return
        self._store_batch(run, batch, window, final=True)

    def _store_batch(self, run, responses, cursor, final=False):
        """Store a batch and move the account's resume point, in one savepoint (see :meth:`_store_responses`).

        When another worker changed a record the batch writes since this transaction began (a lead that
        submissions of two accounts match), the batch cannot be imported in this transaction: its
        responses are parked instead (stored as new submissions, without leads yet) and the resume point
        moves all the same, so that nothing LinkedIn sent is read twice; the next run, which sees that
        change, imports them first (:meth:`_import_waiting`). ``ConcurrentChange`` then ends this run.
        """
        snapshot = run.snapshot()
        try:
            self._store_and_move(run, responses, cursor, final, self._store_responses)
            # the batch is written: the records it read and made leave the cache, so that a long run (a
            # click's budget, a backlog) holds one batch in memory, not all of them
            self.env.invalidate_all()
        except (ConcurrentChange, psycopg2.errors.TransactionRollbackError) as exc:
            run.restore(snapshot)
            _logger.info(
                "LinkedIn ad account %s: concurrent change, %d responses parked for the next run",
                run.account.linkedin_id,
                len(responses),
            )
            self._store_and_move(run, responses, cursor, final, self._park_responses)
            raise ConcurrentChange(str(exc)) from exc
        except Exception:
            run.restore(snapshot)
            raise

    def _store_and_move(self, run, responses, cursor, final, store):
        snapshot = run.snapshot()
        try:
            with self.env.cr.savepoint():
                store(run, responses)
                if final:
                    vals = {"sync_watermark": li.ms_to_datetime(cursor["end_ms"]), "sync_cursor": False}
                else:
                    vals = {"sync_cursor": json.dumps(cursor)}
                run.account.write(vals)
        except Exception:
            run.restore(snapshot)
            raise

    def _store_responses(self, run, responses):
        """Import ``responses``; when that fails for their data, one by one, keeping those that fail again
        as failed submissions; errors of LinkedIn, the network or the database are raised."""
        self._linkedin_batch_or_each(
            responses,
            lambda batch: self._import_responses(run, batch),
            lambda response, error: self._store_failed_response(run, response, error),
            run=run,
        )

    def _store_failed_response(self, run, response, error):
        """Keep ``response`` as a failed submission with its raw payload; without an id it cannot be bound:
        it is then reported, payload included, in the account's sync log."""
        reason = self._linkedin_error_message(error)
        linkedin_id = li.response_id(response)
        _logger.warning(  # the reason may quote LinkedIn's data: it is on the submission, not in the server log
            "LinkedIn import of ad account %s: submission %s failed (%s)",
            run.account.linkedin_id,
            linkedin_id or "without id",
            type(error).__name__,
        )
        run.fetched += 1
        if linkedin_id:
            item = self._invalid_item(linkedin_id, response, reason)
            item.state, item.error = "failed", reason
            store = self.env["linkedin.form.submission"]._linkedin_store_items
            error = self._linkedin_isolated(lambda: store(run, [item]), run)
            if error is None:
                return
            reason = self._linkedin_error_message(error)
            _logger.warning("LinkedIn submission %s cannot be stored (%s)", linkedin_id, type(error).__name__)
        self._report_unbound(run, response, reason)

    def _report_unbound(self, run, response, reason):
        """A response that cannot be stored as a submission: counted as failed and reported on the account
        and in the sync log by its position only; the response itself is kept in the sync log's
        ``rejected_responses``, which only LinkedIn administrators read."""
        run.failed += 1
        if len(run.rejected) < MAX_REJECTED:
            payload = li.shown(response)
            if len(payload) > MAX_SHOWN_PAYLOAD:
                payload = payload[:MAX_SHOWN_PAYLOAD] + "…"
            run.rejected.append({"reason": reason, "response": payload})
        run.warnings.append(
            self.env._(
                "A LinkedIn submission could not be imported (%(reason)s); LinkedIn administrators find its "
                "data in the sync log of this run.",
                reason=reason,
            )
        )
        _logger.warning(
            "LinkedIn import of ad account %s: a submission could not be imported: %s", run.account.linkedin_id, reason
        )

    # ------------------------------------------------------------------
    # Responses to items
    # ------------------------------------------------------------------

    def _import_responses(self, run, responses, park=False):
        """Read, map, match and store a batch of LinkedIn responses (already imported ones are skipped).

        ``park``: store them as new submissions without importing their leads (:meth:`_store_batch`).
        """
        by_id = {}
        unbound = 0
        for response in responses:
            linkedin_id = li.response_id(response)
            if not linkedin_id:
                unbound += 1
                self._report_unbound(run, response, self.env._("it has no LinkedIn id"))
            elif linkedin_id not in by_id:
                by_id[linkedin_id] = response
        run.fetched += len(responses)
        self.env.cr.execute(
            "SELECT linkedin_id, id, recreate_lead AND account_id IS NOT DISTINCT FROM %s"
            " FROM linkedin_form_submission WHERE linkedin_id = ANY(%s)",
            (run.account.id or None, list(by_id)),
        )
        bound, recreate = set(), {}
        for linkedin_id, submission_id, to_recreate in self.env.cr.fetchall():
            if to_recreate:
                recreate[linkedin_id] = submission_id
            else:
                bound.add(linkedin_id)
        run.duplicates += len(responses) - unbound - len(by_id) + len(bound)
        items = [
            self._item_from_response(run, linkedin_id, response)
            for linkedin_id, response in by_id.items()
            if linkedin_id not in bound
        ]
        for item in items:
            if item.linkedin_id in recreate:  # its lead was deleted in Odoo; a reset asked for it again
                item.submission = self.env["linkedin.form.submission"].browse(recreate[item.linkedin_id])
                item.rebound = item.recreate = True
        if items and park:
            for item in items:
                item.state = "failed" if item.invalid else "new"
                item.error = item.invalid or ""
            self.env["linkedin.form.submission"]._linkedin_store_items(run, items)
        elif items:
            self._fill_campaign_names(run, [item for item in items if not item.invalid])
            self._import_items(run, items)

    def _park_responses(self, run, responses):
        """Store ``responses`` as new submissions, their leads to be imported by the next run."""
        self._import_responses(run, responses, park=True)

    def _item_from_response(self, run, linkedin_id, response, form=None):
        """The item of ``response``; one that cannot be read as a lead gives an ``invalid`` item.

        ``form``: the ``linkedin.lead.form`` already known for it (a stored submission read again).
        """
        lead = li.parse_lead_response(response)
        if isinstance(lead, li.UnreadableLead):
            return self._invalid_item(linkedin_id, response, self.env["linkedin.lead.mapper"]._unreadable_reason(lead))
        form = self._get_form(run, lead.form_linkedin_id, lead.form) or form or self.env["linkedin.lead.form"]
        form_dict = lead.form
        if not form_dict.get("content") and form:
            form_dict = form._as_linkedin_dict()
        unreadable = lead.check_answers(form_dict)
        if unreadable:
            reason = self.env["linkedin.lead.mapper"]._unreadable_reason(unreadable)
            return self._invalid_item(linkedin_id, response, reason, form=form)
        return LeadItem(
            linkedin_id=linkedin_id,
            payload=lead.payload(form_dict),
            form_id=form.id,
            form_name=form_dict.get("name") or form.name or "",
            form_urn=lead.form_urn,
            decoded=lead.decode(form_dict),
            campaign_urn=lead.campaign_urn,
            campaign_name=lead.campaign_name,
            creative_urn=lead.creative_urn,
            creative_name=lead.creative_name,
            lead_type=lead.lead_type,
            submitted_at=lead.submitted_at,
            test=lead.test,
        )

    def _invalid_item(self, linkedin_id, response, reason, form=None):
        """An item for a response that cannot become a lead: stored as failed, with ``reason`` and its payload."""
        response_dict = response if isinstance(response, dict) else {}
        form_urn = response_dict.get("versionedLeadGenFormUrn")
        submitted = response_dict.get("submittedAt")
        lead_type = response_dict.get("leadType")
        return LeadItem(
            linkedin_id=linkedin_id,
            payload=li.storable(li.raw_payload(response)),
            form_id=form.id if form else False,
            form_name=form.name if form else "",
            form_urn=form_urn if isinstance(form_urn, str) else "",
            lead_type=lead_type if isinstance(lead_type, str) and lead_type else "SPONSORED",
            submitted_at=li.ms_to_datetime(submitted) if li.is_timestamp(submitted) else False,
            test=bool(response_dict.get("testLead")),
            invalid=reason,
        )

    def _get_form(self, run, form_linkedin_id, form_dict):
        """The ``linkedin.lead.form`` record of a response (LinkedIn's forms are listed at most once per run)."""
        caches = run.caches
        if caches.forms is None:
            caches.forms = {
                form.linkedin_id: form
                for form in self.env["linkedin.lead.form"]
                .with_context(active_test=False)
                .search([("account_id", "=", run.account.id)])
            }
        forms = caches.forms
        if not form_linkedin_id:
            return self.env["linkedin.lead.form"]
        if form_linkedin_id not in forms and run.client and caches.form_dicts is None:
            caches.form_dicts = {str(data.get("id")): data for data in run.account._fetch_forms(run.client)}
            forms.update(self._upsert_forms(run, caches.form_dicts.values()))
        elif form_linkedin_id not in forms and form_linkedin_id in (caches.form_dicts or {}):
            # listed earlier in this run, its record rolled back since: made again without asking LinkedIn
            forms.update(self._upsert_forms(run, [caches.form_dicts[form_linkedin_id]]))
        if form_linkedin_id not in forms and form_dict.get("content"):
            for form in self.env["linkedin.lead.form"]._upsert_from_linkedin(run.account, [form_dict]):
                forms[form.linkedin_id] = form
        return forms.get(form_linkedin_id) or self.env["linkedin.lead.form"]

    def _upsert_forms(self, run, form_dicts):
        forms = self.env["linkedin.lead.form"]._upsert_from_linkedin(run.account, list(form_dicts))
        return {form.linkedin_id: form for form in forms}

    def _fill_campaign_names(self, run, items):
        """Campaign names from the projection, else one batch call per batch of leads (cached per run)."""
        names = run.caches.campaign_names
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

    # ------------------------------------------------------------------
    # Stored submissions imported again
    # ------------------------------------------------------------------

    def _import_waiting(self, run):
        """Import the account's submissions waiting for it: new ones (parked by :meth:`_store_batch`, or
        left waiting for a busy lead by :meth:`_defer_busy_leads`) and failed ones (a bounded number of
        attempts)."""
        waiting = self.env["linkedin.form.submission"].search(
            [
                ("account_id", "=", run.account.id),
                ("personal_data_purged", "=", False),
                "|",
                ("state", "=", "new"),
                "&",
                ("state", "=", "failed"),
                ("retry_count", "<", MAX_RETRIES),
            ],
            limit=self._linkedin_param_int("linkedin_leadgen.batch_size", BATCH_SIZE, minimum=1),
        )
        if waiting:
            self._import_submissions(run, waiting)

    def _import_submissions(self, run, submissions, force_create=False):
        """Import stored submissions again, in one savepoint; if that fails for their data, in one savepoint
        each, so that the one that fails again (its error and attempt recorded) holds back no other.
        Submissions whose personal data was purged are left as they are: they never become leads again."""
        submissions = submissions.filtered(lambda submission: not submission.personal_data_purged)

        def import_batch(batch):
            items = [self._item_from_submission(run, submission) for submission in batch]
            self._fill_campaign_names(run, [item for item in items if item.rebound and not item.invalid])
            self._import_items(run, items, force_create=force_create)

        def fail(submission, error):
            reason = self._linkedin_error_message(error)
            _logger.warning("LinkedIn submission %s failed again: %s", submission.linkedin_id, reason)
            run.failed += 1
            submission.write(
                {
                    "state": "failed",
                    "error": reason,
                    "retry_count": submission.retry_count + (1 if submission.state == "failed" else 0),
                }
            )

        self._linkedin_batch_or_each(submissions, import_batch, fail, run=run)

    def _item_from_submission(self, run, submission):
        """An item rebuilt from a stored submission.

        A submission stored without its answers (its response could not be read), or a failed one whose
        form is known, is read again from its raw payload, as if it had just been fetched: a payload fixed,
        a form refreshed or a mapping changed since then applies. The others keep their stored answers.
        """
        payload = submission.raw_payload
        reread = not submission.answer_ids or (submission.state == "failed" and submission.form_id)
        if not (isinstance(payload, dict) and reread):
            return submission._linkedin_item()
        item = self._item_from_response(run, submission.linkedin_id, payload, form=submission.form_id)
        item.submission, item.rebound = submission, True
        item.form_id = item.form_id or submission.form_id.id
        item.form_name = item.form_name or submission.form_name or ""
        item.campaign_name = item.campaign_name or submission.campaign_name or ""
        item.creative_name = item.creative_name or submission.creative_name or ""
        return item

    # ------------------------------------------------------------------
    # Items to leads and submissions
    # ------------------------------------------------------------------

    def _import_items(self, run, items, force_create=False):
        """Map, match, create or update the leads of ``items``, then store their submissions."""
        import_tests = force_create or self._linkedin_param_bool("linkedin_leadgen.import_test_leads")
        mapper, Lead = self.env["linkedin.lead.mapper"], self.env["crm.lead"]
        todo = []
        for item in items:
            item.state, item.error, item.plan, item.merge_into = "", "", None, None
            if item.invalid:
                item.state, item.error = "failed", item.invalid
            elif item.test and not import_tests:
                item.state = "ignored_test"
            else:
                mapper._map_item(run, item)
                todo.append(item)
        if todo:
            Lead._linkedin_find_matches(run, todo, force_create=force_create)
            Lead._linkedin_create_from_items(run, [item for item in todo if item.plan == Plan.CREATE])
            for item in todo:
                if item.plan == Plan.MERGE:
                    if item.merge_into.lead_id:
                        item.plan, item.lead_id = Plan.UPDATE, item.merge_into.lead_id
                    else:
                        item.state, item.error = "failed", item.merge_into.error
            updates = [item for item in todo if item.plan == Plan.UPDATE and not item.state]
            self._defer_busy_leads(run, updates)
            Lead._linkedin_update_from_items(run, [item for item in updates if not item.state])
        self.env["linkedin.form.submission"]._linkedin_store_items(run, items)

    def _defer_busy_leads(self, run, items):
        """Leave out the items whose matched lead another worker is updating, or updated since this
        transaction began (the submissions of two accounts matching one lead): they are stored as new
        submissions, which the account's next run imports first, and the rest of the batch goes on."""
        free = self._linkedin_lock_rows("crm.lead", [item.lead_id for item in items])
        busy = [item for item in items if item.lead_id not in free]
        for item in busy:
            item.state, item.plan, item.lead_id = "new", None, False
        if busy:
            _logger.info(
                "LinkedIn ad account %s: %d submissions wait for leads another worker is updating",
                run.account.linkedin_id,
                len(busy),
            )
            run.backlog = True
