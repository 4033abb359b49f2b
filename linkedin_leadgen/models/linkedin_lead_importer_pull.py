# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The importer's pull: the time window, its pages and the batches stored with the resume point."""

import json
import logging
from datetime import timedelta

import psycopg2.errors

from odoo import models

from .. import linkedin as li
from .linkedin_lead_importer import _END, BATCH_SIZE, DEFAULT_BACKFILL_DAYS, MAX_REJECTED, MAX_SHOWN_PAYLOAD, OVERLAP
from .linkedin_sync_mixin import ConcurrentChange

_logger = logging.getLogger(__name__)


class LinkedInLeadImporterPull(models.AbstractModel):
    _inherit = "linkedin.lead.importer"

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
