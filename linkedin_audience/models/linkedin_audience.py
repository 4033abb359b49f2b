# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import collections
import logging
import threading
import time
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.linkedin import hash_email

from .linkedin_audience_member import PENDING_STATES

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
MAX_BATCH_SIZE = 50000
DEFAULT_TIME_BUDGET = 20
# LinkedIn allows 600 requests per minute per member on the DMP streaming endpoints (API notes 8.5);
# stay under it with a margin.
DEFAULT_REQUESTS_PER_MINUTE = 500
# LinkedIn may answer 404 on a new segment's users for a minute or two after creating it (API notes 8.1).
SEGMENT_NOT_FOUND_WINDOW = timedelta(minutes=15)
NOT_FOUND_RETRY_DELAY = 20
MAX_SERVER_ERROR_ATTEMPTS = 8
LINKEDIN_STATES = {
    "BUILDING": "building",
    "READY": "ready",
    "UPDATING": "updating",
    "ARCHIVED": "archived",
    "EXPIRED": "expired",
    "FAILED": "failed",
    "ERROR": "failed",
}
NAME_MAX, COMPANY_MAX = 35, 50

# Requests sent per member, in this process: {(dbname, profile id): deque of monotonic timestamps}.
_REQUEST_TIMES = collections.defaultdict(collections.deque)
_REQUEST_LOCK = threading.Lock()


def _sleep(seconds):
    """Wait between attempts (tests replace it to move the emulator's clock instead)."""
    time.sleep(seconds)


def _monotonic():
    return time.monotonic()


class _OutOfTime(Exception):
    """The time budget of this run is spent: the rest continues in the background."""


class LinkedInAudience(models.Model):
    _name = "linkedin.audience"
    _description = "LinkedIn Matched Audience"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    mailing_list_id = fields.Many2one("mailing.list", required=True, index=True, ondelete="restrict", tracking=True)
    profile_id = fields.Many2one(
        "linkedin.user.profile",
        string="LinkedIn Profile",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        help="The LinkedIn member whose authorization sends the contacts.",
    )
    ad_account_id = fields.Many2one("linkedin.ad.account", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="ad_account_id.company_id", store=True, index=True)
    segment_id = fields.Char(string="LinkedIn Segment ID", readonly=True, copy=False, tracking=True)
    source_segment_id = fields.Char(string="Source Segment ID", readonly=True, copy=False)
    ad_segment_urn = fields.Char(
        string="Ad Segment",
        readonly=True,
        copy=False,
        help="The audience to pick in Campaign Manager targeting (LinkedIn's destinationSegmentId).",
    )
    state = fields.Selection(
        [
            ("uploading", "Uploading"),
            ("building", "Building"),
            ("ready", "Ready"),
            ("updating", "Updating"),
            ("failed", "Failed"),
            ("archived", "Archived"),
            ("expired", "Expired"),
        ],
        required=True,
        default="uploading",
        readonly=True,
        copy=False,
        tracking=True,
    )
    linkedin_status = fields.Char(string="LinkedIn Status", readonly=True, copy=False)
    keep_in_step = fields.Boolean(
        default=True,
        help="Send the list's changes to LinkedIn on a schedule: new and re-subscribed contacts are added, "
        "removed, opted-out and blacklisted ones are removed.",
    )
    contact_sent_count = fields.Integer(
        string="Contacts Sent",
        readonly=True,
        copy=False,
        help="Contacts LinkedIn accepted and that are in the audience.",
    )
    contact_failed_count = fields.Integer(string="Contacts Refused", readonly=True, copy=False)
    matched_count = fields.Integer(
        string="Matched Members", readonly=True, copy=False, help="LinkedIn members matched over the last 7 days."
    )
    audience_size = fields.Integer(
        readonly=True, copy=False, help="Members LinkedIn can target with this audience (after its own filters)."
    )
    match_rate = fields.Float(compute="_compute_match_rate", digits=(16, 1), help="Matched members / contacts sent.")
    last_upload_date = fields.Datetime(string="Last Upload", readonly=True, copy=False)
    last_status_date = fields.Datetime(string="Last Status Check", readonly=True, copy=False)
    last_check_date = fields.Datetime(string="Last Change Check", readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    segment_created_at = fields.Datetime(readonly=True, copy=False)
    # Upload in progress (batch after batch; resumable)
    upload_pending = fields.Boolean(readonly=True, copy=False)
    upload_total = fields.Integer(string="Changes to Send", readonly=True, copy=False)
    upload_done = fields.Integer(string="Changes Sent", readonly=True, copy=False)
    upload_cursor = fields.Integer(readonly=True, copy=False)
    upload_retry_at = fields.Datetime(string="Next Attempt", readonly=True, copy=False)
    upload_attempts = fields.Integer(readonly=True, copy=False)
    batch_count = fields.Integer(string="Batches Sent", readonly=True, copy=False)
    progress = fields.Float(compute="_compute_progress", digits=(16, 0))
    member_ids = fields.One2many("linkedin.audience.member", "audience_id", string="Members")

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("matched_count", "contact_sent_count")
    def _compute_match_rate(self):
        for audience in self:
            sent = audience.contact_sent_count
            audience.match_rate = 100.0 * audience.matched_count / sent if sent else 0.0

    @api.depends("upload_total", "upload_done", "upload_pending")
    def _compute_progress(self):
        for audience in self:
            if audience.upload_pending and audience.upload_total:
                audience.progress = min(100.0, 100.0 * audience.upload_done / audience.upload_total)
            else:
                audience.progress = 0.0 if audience.upload_pending else 100.0

    @api.constrains("profile_id", "ad_account_id")
    def _check_profile_account(self):
        for audience in self:
            if audience.ad_account_id not in audience.profile_id.sudo().ad_account_ids:
                raise ValidationError(
                    self.env._(
                        "The LinkedIn member of profile %(profile)s has no access to ad account %(account)s.",
                        profile=audience.profile_id.name,
                        account=audience.ad_account_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        audiences = super().create(vals_list)
        if not self.env.su:
            audiences.profile_id._check_usable_for_audiences()
        return audiences

    def write(self, vals):
        if "profile_id" in vals and not self.env.su:
            self.env["linkedin.user.profile"].browse(vals["profile_id"])._check_usable_for_audiences()
        return super().write(vals)

    def unlink(self):
        if not self.env.context.get("linkedin_audience_confirmed") and self.filtered(
            lambda a: a.active and a.segment_id
        ):
            raise UserError(
                self.env._(
                    "Use the Archive or Delete button on the audience: it asks whether to leave the audience "
                    "on LinkedIn or to remove it there too."
                )
            )
        return super().unlink()

    def action_archive(self):
        if self.env.context.get("linkedin_audience_confirmed") or not self.filtered("segment_id"):
            return super().action_archive()
        return self._open_remove_wizard("archive")

    def action_unarchive(self):
        res = super().action_unarchive()
        for audience in self.filtered(lambda a: not a.segment_id):
            audience.write(
                {
                    "state": "failed",
                    "keep_in_step": False,
                    "last_error": self.env._(
                        "This audience was removed from LinkedIn: create a new audience from the mailing list."
                    ),
                }
            )
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_upload(self):
        """Send what is pending now (as the wizard does): within the time budget, the rest through the cron."""
        for audience in self:
            audience._check_can_upload()
        deadline = _monotonic() + self._get_time_budget()
        for audience in self:
            audience._lock(nowait=True)
            audience._plan_upload(retry_failed=True)
        self._upload_within(deadline)
        return True

    def action_refresh_status(self):
        """Read the segment's status and counts from LinkedIn."""
        for audience in self.filtered("segment_id"):
            client = audience._get_client()
            with audience.profile_id._translate_linkedin_errors():
                try:
                    audience._refresh_status(client)
                except li.NotFoundError:
                    audience._mark_segment_gone()
        return True

    def action_open_remove_wizard(self):
        return self._open_remove_wizard("delete")

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_audience.linkedin_audience_member_action")
        action["domain"] = [("audience_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _open_remove_wizard(self, mode):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Archive LinkedIn Audience")
            if mode == "archive"
            else self.env._("Delete LinkedIn Audience"),
            "res_model": "linkedin.audience.remove.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_audience_ids": self.ids, "default_mode": mode},
        }

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    @api.model
    def _get_param_int(self, key, default, minimum=1, maximum=None):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            value = int(value) if value not in (None, False, "") else default
        except ValueError:
            value = default
        value = max(minimum, value)
        return min(maximum, value) if maximum else value

    @api.model
    def _get_batch_size(self):
        return self._get_param_int("linkedin_audience.batch_size", DEFAULT_BATCH_SIZE, maximum=MAX_BATCH_SIZE)

    @api.model
    def _get_time_budget(self):
        return self._get_param_int("linkedin_audience.time_budget", DEFAULT_TIME_BUDGET, minimum=0)

    @api.model
    def _get_requests_per_minute(self):
        return self._get_param_int("linkedin_audience.requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE)

    @api.model
    def _send_contact_details(self):
        return bool(self.env["ir.config_parameter"].sudo().get_param("linkedin_audience.send_contact_details"))

    @api.model
    def _get_source_platform(self):
        return self.env["ir.config_parameter"].sudo().get_param("linkedin_audience.source_platform") or "ODOO"

    # ------------------------------------------------------------------
    # Segment
    # ------------------------------------------------------------------

    @api.model
    def _make_source_segment_id(self, mailing_list, account):
        """A stable key of the list in this database: ``odoo-<database uuid>-list-<id>`` (``-2``... if reused)."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid") or self.env.cr.dbname
        base = f"odoo-{uuid}-list-{mailing_list.id}"
        used = set(
            self.sudo()
            .with_context(active_test=False)
            .search([("ad_account_id", "=", account.id), ("source_segment_id", "=like", f"{base}%")])
            .mapped("source_segment_id")
        )
        candidate, suffix = base, 1
        while candidate in used:
            suffix += 1
            candidate = f"{base}-{suffix}"
        return candidate

    def _get_client(self):
        """The profile's client; waits go through :func:`_sleep`."""
        self.ensure_one()
        client = self.profile_id._get_client()
        client.sleep = _sleep
        return client

    def _refresh_status(self, client):
        """Copy the LINKEDIN destination's status and counts onto the record."""
        self.ensure_one()
        destination = client.get_dmp_segment_destination(self.segment_id) or {}
        status = (destination.get("status") or "").upper()
        vals = {
            "linkedin_status": status or False,
            "last_status_date": fields.Datetime.now(),
            "matched_count": int(destination.get("matchedCount") or 0),
            "audience_size": int(destination.get("audienceSize") or 0),
        }
        if destination.get("destinationSegmentId"):
            vals["ad_segment_urn"] = destination["destinationSegmentId"]
        new_state = LINKEDIN_STATES.get(status)
        # While changes wait to be sent, the record keeps saying so (uploading, or failed with the reason).
        if new_state and not self.upload_pending:
            vals["state"] = new_state
            if new_state == "failed":
                vals["last_error"] = self.env._(
                    "LinkedIn could not process the audience (status %(status)s).", status=status
                )
            elif self.state == "failed" and not self.upload_pending:
                vals["last_error"] = False
        self.write(vals)

    def _mark_segment_gone(self):
        self.write(
            {
                "state": "failed",
                "upload_pending": False,
                "keep_in_step": False,
                "last_error": self.env._(
                    "The segment no longer exists on LinkedIn (deleted in Campaign Manager?). "
                    "Create a new audience from the mailing list."
                ),
            }
        )

    # ------------------------------------------------------------------
    # Upload: what to send
    # ------------------------------------------------------------------

    def _check_can_upload(self):
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("The audience %(name)s is archived.", name=self.name))
        if not self.segment_id:
            raise UserError(self.env._("The audience %(name)s has no segment on LinkedIn.", name=self.name))
        if not self.mailing_list_id.active:
            raise UserError(
                self.env._(
                    "The mailing list %(list)s is archived: restore it before sending it to LinkedIn.",
                    list=self.mailing_list_id.name,
                )
            )

    def _lock(self, nowait=False):
        """Lock the audience row so that two uploads of one audience never overlap."""
        self.ensure_one()
        query = SQL(
            "SELECT id FROM linkedin_audience WHERE id = %s FOR NO KEY UPDATE %s",
            self.id,
            SQL("NOWAIT") if nowait else SQL(""),
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query)
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._("The audience %(name)s is being uploaded right now; try again in a minute.", name=self.name)
            ) from None

    @api.model
    def _eligible_contacts_query(self, mailing_list_id, ascii_only):
        """Contacts of the list that may be sent: valid e-mail, not opted out of the list, not blacklisted.

        ``ascii_only=True``: ``(hash, contact id)`` rows hashed by PostgreSQL, for addresses in ASCII
        (where PostgreSQL's ``lower()`` and Python's agree, so the hash equals ``hash_email``);
        ``ascii_only=False``: ``(contact id, e-mail)`` of the others (rare), for Python to hash.
        """
        if ascii_only:
            select = SQL(
                "encode(sha256(convert_to(lower(btrim(c.email_normalized)), 'UTF8')), 'hex') AS email_hash, "
                "c.id AS contact_id"
            )
            ascii_test = SQL("c.email_normalized !~ '[^\\x01-\\x7f]'")
        else:
            select = SQL("c.id AS contact_id, c.email_normalized")
            ascii_test = SQL("c.email_normalized ~ '[^\\x01-\\x7f]'")
        return SQL(
            """
            SELECT %(select)s
              FROM mailing_subscription s
              JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.list_id = %(list_id)s
               AND s.opt_out IS NOT TRUE
               AND c.email_normalized IS NOT NULL
               AND %(ascii_test)s
               AND NOT EXISTS (SELECT 1 FROM mail_blacklist b WHERE b.email = c.email_normalized AND b.active)
            """,
            select=select,
            list_id=mailing_list_id,
            ascii_test=ascii_test,
        )

    @api.model
    def _make_wanted_table(self, mailing_list_id):
        """Temporary table ``linkedin_audience_wanted(email_hash, contact_id)``: the hashes the segment must hold.

        One row per hash (several contacts may share an address: the oldest contact stands for them).
        """
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS linkedin_audience_wanted")
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE linkedin_audience_wanted ON COMMIT DROP AS
                SELECT DISTINCT ON (email_hash) email_hash, contact_id FROM (%s) eligible
                 ORDER BY email_hash, contact_id
                """,
                self._eligible_contacts_query(mailing_list_id, ascii_only=True),
            )
        )
        # non-ASCII addresses: hashed by hash_email itself (PostgreSQL's lower() depends on the locale)
        cr.execute(SQL("%s ORDER BY c.id", self._eligible_contacts_query(mailing_list_id, ascii_only=False)))
        rows = cr.fetchall()
        for offset in range(0, len(rows), 10000):
            chunk = {}
            for contact_id, email in rows[offset : offset + 10000]:
                chunk.setdefault(hash_email(email), contact_id)
            cr.execute(
                SQL(
                    """
                    INSERT INTO linkedin_audience_wanted (email_hash, contact_id)
                    SELECT v.email_hash, v.contact_id FROM unnest(%s::varchar[], %s::int[]) AS v(email_hash, contact_id)
                     WHERE NOT EXISTS (SELECT 1 FROM linkedin_audience_wanted w WHERE w.email_hash = v.email_hash)
                    """,
                    list(chunk),
                    list(chunk.values()),
                )
            )
        cr.execute("ANALYZE linkedin_audience_wanted")

    def _plan_upload(self, retry_failed=False):
        """Work out in SQL what LinkedIn must add and remove since the last upload; return how many changes.

        ADD: contacts of the list not in the audience yet, re-subscribed ones (and refused ones on demand);
        REMOVE: contacts that left the list, opted out or were blacklisted. Everything happens in
        PostgreSQL (only the rare non-ASCII addresses are hashed in Python).
        """
        self.ensure_one()
        self.env.flush_all()  # e-mails, subscriptions and blacklist entries of this transaction
        cr = self.env.cr
        self._make_wanted_table(self.mailing_list_id.id)
        cr.execute(SQL("SELECT EXISTS (SELECT 1 FROM linkedin_audience_member WHERE audience_id = %s)", self.id))
        if not cr.fetchone()[0]:
            # first upload: everything is new
            cr.execute(
                SQL(
                    """
                    INSERT INTO linkedin_audience_member (audience_id, email_hash, mailing_contact_ref, state)
                    SELECT %s, w.email_hash, w.contact_id, 'to_add'
                      FROM linkedin_audience_wanted w
                     ORDER BY w.email_hash
                    """,
                    self.id,
                )
            )
            pending = cr.rowcount
            if pending > 1000:
                cr.execute("ANALYZE linkedin_audience_member")  # plans of the batch queries need the new rows
        else:
            pending = self._plan_changes(retry_failed)
        cr.execute("DROP TABLE linkedin_audience_wanted")
        self.env["linkedin.audience.member"].invalidate_model()
        vals = {
            "last_check_date": fields.Datetime.now(),
            "upload_pending": bool(pending),
            "upload_total": pending,
            "upload_done": 0,
            "upload_cursor": 0,
            "upload_retry_at": False,
            "upload_attempts": 0,
        }
        if pending:
            vals.update(state="uploading", last_error=False)
        self.write(vals)
        return pending

    def _plan_changes(self, retry_failed=False):
        """Mark the differences between ``linkedin_audience_wanted`` and what was sent; return the pending count."""
        cr = self.env.cr
        back_states = ["removed", "to_remove"] + (["failed"] if retry_failed else [])
        # contacts wanted again (re-subscribed, un-blacklisted, back in the list; refused ones on demand)
        cr.execute(
            SQL(
                """
                UPDATE linkedin_audience_member m
                   SET state = 'to_add', mailing_contact_ref = w.contact_id, error = NULL
                  FROM linkedin_audience_wanted w
                 WHERE m.audience_id = %s AND m.email_hash = w.email_hash AND m.state = ANY(%s)
                """,
                self.id,
                back_states,
            )
        )
        # new contacts
        cr.execute(
            SQL(
                """
                INSERT INTO linkedin_audience_member (audience_id, email_hash, mailing_contact_ref, state)
                SELECT %(audience)s, w.email_hash, w.contact_id, 'to_add'
                  FROM linkedin_audience_wanted w
                 WHERE NOT EXISTS (
                       SELECT 1 FROM linkedin_audience_member m
                        WHERE m.audience_id = %(audience)s AND m.email_hash = w.email_hash)
                 ORDER BY w.email_hash
                    ON CONFLICT (audience_id, email_hash) DO NOTHING
                """,
                audience=self.id,
            )
        )
        if cr.rowcount > 1000:
            # fresh statistics, or PostgreSQL plans the next anti-join as a nested loop (minutes on big lists)
            cr.execute("ANALYZE linkedin_audience_member")
        # contacts no longer wanted (a pending ADD may have reached LinkedIn already: remove it too)
        cr.execute(
            SQL(
                """
                UPDATE linkedin_audience_member m
                   SET state = 'to_remove', error = NULL
                 WHERE m.audience_id = %s AND m.state IN ('sent', 'to_add')
                   AND NOT EXISTS (SELECT 1 FROM linkedin_audience_wanted w WHERE w.email_hash = m.email_hash)
                """,
                self.id,
            )
        )
        cr.execute(
            SQL(
                "SELECT count(*) FROM linkedin_audience_member WHERE audience_id = %s AND state IN %s",
                self.id,
                PENDING_STATES,
            )
        )
        return cr.fetchone()[0]

    def _next_batch(self, limit):
        """The next pending rows in id order (keyset pagination: constant cost per batch).

        ``ORDER BY audience_id, id`` follows the ``(audience_id, id)`` index exactly, whatever the statistics.
        """
        self.ensure_one()
        params = {"audience": self.id, "pending": PENDING_STATES, "cursor": self.upload_cursor, "limit": limit}
        details = self._send_contact_details()
        if details:
            query = SQL(
                """
                SELECT m.id, m.email_hash, m.state, c.name, c.first_name, c.last_name, c.company_name, rc.code
                  FROM linkedin_audience_member m
                  LEFT JOIN mailing_contact c ON c.id = m.mailing_contact_ref
                  LEFT JOIN res_country rc ON rc.id = c.country_id
                 WHERE m.audience_id = %(audience)s AND m.state IN %(pending)s AND m.id > %(cursor)s
                 ORDER BY m.audience_id, m.id
                 LIMIT %(limit)s
                """,
                **params,
            )
        else:
            query = SQL(
                """
                SELECT m.id, m.email_hash, m.state
                  FROM linkedin_audience_member m
                 WHERE m.audience_id = %(audience)s AND m.state IN %(pending)s AND m.id > %(cursor)s
                 ORDER BY m.audience_id, m.id
                 LIMIT %(limit)s
                """,
                **params,
            )
        self.env.cr.execute(query)
        return self.env.cr.fetchall()

    @staticmethod
    def _element(row):
        """One ``dmpSegments/users`` element: the hashed e-mail, plus the contact's details when opted in."""
        element = {
            "action": "ADD" if row[2] == "to_add" else "REMOVE",
            "userIds": [{"idType": "SHA256_EMAIL", "idValue": row[1]}],
        }
        if len(row) > 3 and row[2] == "to_add":
            _id, _hash, _state, name, first_name, last_name, company, country = row
            if not (first_name or last_name) and name:
                first_name, _sep, last_name = name.strip().partition(" ")
            if first_name and first_name.strip():
                element["firstName"] = first_name.strip()[:NAME_MAX]
            if last_name and last_name.strip():
                element["lastName"] = last_name.strip()[:NAME_MAX]
            if company and company.strip():
                element["company"] = company.strip()[:COMPANY_MAX]
            if country:
                element["country"] = country.upper()
        return element

    # ------------------------------------------------------------------
    # Upload: sending
    # ------------------------------------------------------------------

    def _pace(self, deadline=None):
        """Keep this member's DMP calls under LinkedIn's per-minute limit (sliding window, per process)."""
        limit = self._get_requests_per_minute()
        key = (self.env.cr.dbname, self.profile_id.id)
        while True:
            with _REQUEST_LOCK:
                times = _REQUEST_TIMES[key]
                now = _monotonic()
                while times and times[0] <= now - 60:
                    times.popleft()
                if len(times) < limit:
                    times.append(now)
                    return
                wait = times[0] + 60 - now
            if deadline is not None and now + wait > deadline:
                raise _OutOfTime()
            _sleep(wait)

    def _send_batch(self, client, deadline=None):
        """Send the next batch of pending changes and record LinkedIn's answer.

        Returns False when nothing was pending (the upload is then finished), True otherwise. The rows are
        marked only after LinkedIn answered, so a crash resends at most this batch (a repeated ADD or
        REMOVE is harmless on LinkedIn).
        """
        self.ensure_one()
        rows = self._next_batch(self._get_batch_size())
        if not rows:
            self._finish_upload(client)
            return False
        if len(rows[0]) > 3:
            elements = [self._element(row) for row in rows]
        else:  # the common case, kept lean: a million of these for a large list
            elements = [
                {
                    "action": "ADD" if state == "to_add" else "REMOVE",
                    "userIds": [{"idType": "SHA256_EMAIL", "idValue": email_hash}],
                }
                for _id, email_hash, state in rows
            ]
        self._pace(deadline)
        results = client.dmp_segment_users(self.segment_id, elements)
        self._record_batch(rows, results)
        return True

    def _record_batch(self, rows, results):
        """Mark the rows of a batch LinkedIn answered: accepted ones sent/removed, refused ones failed."""
        batch = self.batch_count + 1
        added, removed, failed_ids, failed_errors = [], [], [], []
        for index, row in enumerate(rows):
            result = results[index] if index < len(results) else None
            status = (result or {}).get("status") if isinstance(result, dict) else None
            if isinstance(status, int) and 200 <= status < 300:
                (added if row[2] == "to_add" else removed).append(row[0])
                continue
            failed_ids.append(row[0])
            failed_errors.append(self._element_error(result)[:500])
        cr = self.env.cr
        if added:
            cr.execute(
                SQL(
                    "UPDATE linkedin_audience_member SET state = 'sent', batch_id = %s, error = NULL "
                    "WHERE id = ANY(%s)",
                    batch,
                    added,
                )
            )
        if removed:
            cr.execute(
                SQL(
                    "UPDATE linkedin_audience_member SET state = 'removed', batch_id = %s, error = NULL "
                    "WHERE id = ANY(%s)",
                    batch,
                    removed,
                )
            )
        if failed_ids:
            cr.execute(
                SQL(
                    """
                    UPDATE linkedin_audience_member m SET state = 'failed', batch_id = %s, error = f.error
                      FROM unnest(%s::int[], %s::varchar[]) AS f(id, error)
                     WHERE m.id = f.id
                    """,
                    batch,
                    failed_ids,
                    failed_errors,
                )
            )
            _logger.info(
                "LinkedIn audience %s: LinkedIn refused %d of %d contacts of batch %d",
                self.id,
                len(failed_ids),
                len(rows),
                batch,
            )
        self.env["linkedin.audience.member"].invalidate_model()
        self.write(
            {
                "upload_cursor": rows[-1][0],
                "upload_done": self.upload_done + len(rows),
                "batch_count": batch,
                "contact_sent_count": max(0, self.contact_sent_count + len(added) - len(removed)),
                "contact_failed_count": self.contact_failed_count + len(failed_ids),
                "last_upload_date": fields.Datetime.now(),
                "upload_attempts": 0,
                "upload_retry_at": False,
            }
        )

    def _element_error(self, result):
        if not isinstance(result, dict):
            return self.env._("LinkedIn gave no answer for this contact.")
        error = result.get("error") or {}
        message = error.get("message") if isinstance(error, dict) else str(error)
        return self.env._(
            "LinkedIn refused this contact (HTTP %(status)s): %(message)s",
            status=result.get("status") or "?",
            message=message or result.get("message") or "",
        )

    def _finish_upload(self, client=None):
        """All pending changes were answered: recount and read the segment's new status."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT state, count(*) FROM linkedin_audience_member WHERE audience_id = %s GROUP BY state",
                self.id,
            )
        )
        counts = dict(self.env.cr.fetchall())
        first_upload = self.state == "uploading" and not self.linkedin_status
        self.write(
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
            except li.LinkedInError as exc:
                _logger.info("LinkedIn audience %s: status not refreshed after the upload: %s", self.id, exc)

    def _run_upload(self, client, deadline=None, max_batches=None):
        """Send batches until nothing is pending, the deadline passes or ``max_batches`` were sent.

        LinkedIn errors are recorded on the audience (with the next attempt time) instead of raised.
        Returns the number of batches sent.
        """
        self.ensure_one()
        sent = 0
        while self.upload_pending and self.state == "uploading":
            if max_batches is not None and sent >= max_batches:
                if not self._next_batch(1):
                    self._finish_upload(client)
                break
            if deadline is not None and _monotonic() >= deadline:
                break
            try:
                if not self._send_batch(client, deadline=deadline):
                    break
                sent += 1
            except _OutOfTime:
                break
            except li.LinkedInError as exc:
                wait = self._record_upload_error(exc)
                if wait is None:
                    break
                if deadline is None or _monotonic() + wait >= deadline:
                    break
                _sleep(wait)
        return sent

    def _record_upload_error(self, exc):
        """Record a LinkedIn error met while uploading; return the seconds to wait before retrying, or None."""
        self.ensure_one()
        _ = self.env._
        now = fields.Datetime.now()
        wait, error = None, None
        if isinstance(exc, li.NotFoundError):
            if self.segment_created_at and now - self.segment_created_at < SEGMENT_NOT_FOUND_WINDOW:
                # LinkedIn is still setting up the new segment: not an error, just wait
                wait = NOT_FOUND_RETRY_DELAY
                _logger.info("LinkedIn audience %s: segment not ready yet, retrying in %s s", self.id, wait)
            else:
                self._mark_segment_gone()
                return None
        elif isinstance(exc, li.DailyQuotaExceededError):
            wait = max(60, int((exc.reset_at or time.time() + 3600) - time.time()))
            error = _("LinkedIn's daily limit is reached; the upload resumes after midnight UTC.")
        elif isinstance(exc, li.ThrottledError):
            wait = int(exc.retry_after or 60)
            error = _(
                "LinkedIn asked to slow down; the upload resumes in %(minutes)s min.",
                minutes=-(-wait // 60),
            )
        elif exc.retryable:
            attempts = self.upload_attempts + 1
            if attempts > MAX_SERVER_ERROR_ATTEMPTS:
                self.write(
                    {
                        "state": "failed",
                        "upload_attempts": attempts,
                        "last_error": _(
                            "LinkedIn could not be reached after several attempts (%(error)s). "
                            "Click Update now to try again.",
                            error=exc.message,
                        ),
                    }
                )
                return None
            wait = min(3600, 30 * 2 ** (attempts - 1))
            self.upload_attempts = attempts
            error = _("LinkedIn could not be reached (%(error)s); the upload resumes automatically.", error=exc.message)
        else:
            if isinstance(exc, li.AuthError):
                message = _(
                    "LinkedIn refused the authorization of profile %(profile)s (%(error)s): its owner has to "
                    "authorize it again, then click Update now.",
                    profile=self.profile_id.name,
                    error=exc.message,
                )
            elif isinstance(exc, li.InsufficientPermissionError):
                message = _(
                    "LinkedIn denied access (%(error)s): the member needs a role other than viewer on the ad account "
                    "and the profile the Matched Audiences permission (authorize it again).",
                    error=exc.message,
                )
            else:
                message = _("LinkedIn refused the upload: %(error)s", error=exc.message)
            self.write({"state": "failed", "last_error": message})
            return None
        vals = {"upload_retry_at": now + timedelta(seconds=wait)}
        if error:
            vals["last_error"] = error
        self.write(vals)
        return wait

    def _upload_within(self, deadline):
        """Upload the audiences until the deadline; what is left continues at once through the cron.

        A click sends at most one batch per audience: the click's transaction is committed only when the
        request ends, so every batch it sent would be sent again after a killed worker. The cron commits
        after each batch, so a crash there re-sends at most the batch in flight.
        """
        for audience in self:
            if not (audience.upload_pending and audience.state == "uploading"):
                continue
            if _monotonic() >= deadline:
                break
            try:
                client = audience._get_client()
            except UserError as exc:
                audience.write({"state": "failed", "last_error": str(exc)})
                continue
            audience._run_upload(client, deadline=deadline, max_batches=1)
        self._schedule_cron()

    def _schedule_cron(self):
        """Wake the upload cron for what is left: now, or when the earliest waiting audience may resume."""
        waiting = self.filtered(lambda a: a.active and a.upload_pending and a.state == "uploading")
        if not waiting:
            return
        cron = self.env.ref("linkedin_audience.ir_cron_linkedin_audience_sync", raise_if_not_found=False)
        if not cron:
            return
        now = fields.Datetime.now()
        ready = waiting.filtered(lambda a: not a.upload_retry_at or a.upload_retry_at <= now)
        if ready:
            cron.sudo()._trigger()
        else:
            cron.sudo()._trigger(at=min(waiting.mapped("upload_retry_at")))

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------

    @api.model
    def _pending_domain(self):
        return [("active", "=", True), ("upload_pending", "=", True), ("state", "=", "uploading")]

    @api.model
    def _pick_locked(self, where):
        """One audience matching ``where``, locked for this transaction; skip those another worker holds."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM linkedin_audience
                 WHERE active AND %s
                 ORDER BY upload_retry_at NULLS FIRST, last_upload_date NULLS FIRST, id
                 LIMIT 1
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                where,
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    @api.model
    def _cron_sync(self):
        """Upload cron: one batch per call (the cron commits between calls), then the in-step checks.

        Odoo's cron runs this again at once while ``_notify_progress`` reports work remaining, so a crash
        loses at most the batch in flight.
        """
        now = fields.Datetime.now()
        ready = SQL(
            "upload_pending AND state = 'uploading' AND (upload_retry_at IS NULL OR upload_retry_at <= %s)", now
        )
        audience = self._pick_locked(ready)
        if audience:
            try:
                client = audience._get_client()
            except UserError as exc:
                audience.write({"state": "failed", "last_error": str(exc)})
            else:
                audience._run_upload(client, max_batches=1)
            return self._notify_cron_progress(done=1)
        # nothing to upload: look for list changes of audiences kept in step
        due = now - timedelta(minutes=self._get_param_int("linkedin_audience.check_interval", 55))
        in_step = SQL(
            "keep_in_step AND segment_id IS NOT NULL AND NOT upload_pending "
            "AND state NOT IN ('failed', 'expired') AND (last_check_date IS NULL OR last_check_date <= %s)",
            due,
        )
        audience = self._pick_locked(in_step)
        if audience:
            if audience.mailing_list_id.active:
                audience._plan_upload()
            else:
                audience.last_check_date = now
            return self._notify_cron_progress(done=1)
        self._schedule_cron_for_waiting()
        return self._notify_cron_progress(done=0)

    @api.model
    def _notify_cron_progress(self, done):
        """Tell Odoo's cron how much is left: pending batches plus audiences due for a check."""
        batch_size = self._get_batch_size()
        now = fields.Datetime.now()
        remaining = 0
        for audience in self.search(self._pending_domain()):
            if audience.upload_retry_at and audience.upload_retry_at > now:
                continue
            left = max(1, audience.upload_total - audience.upload_done)
            remaining += -(-left // batch_size)
        if not remaining:
            due = now - timedelta(minutes=self._get_param_int("linkedin_audience.check_interval", 55))
            remaining = self.search_count(
                [
                    ("keep_in_step", "=", True),
                    ("segment_id", "!=", False),
                    ("upload_pending", "=", False),
                    ("state", "not in", ("failed", "expired")),
                    "|",
                    ("last_check_date", "=", False),
                    ("last_check_date", "<=", due),
                ]
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)
        if not remaining:
            self._schedule_cron_for_waiting()
        return remaining

    @api.model
    def _schedule_cron_for_waiting(self):
        waiting = self.search(self._pending_domain() + [("upload_retry_at", "!=", False)])
        if waiting:
            waiting._schedule_cron()

    @api.model
    def _cron_refresh_status(self, limit=50):
        """Status cron: read status and counts of the audiences, oldest check first, in chunks."""
        domain = [("segment_id", "!=", False), ("state", "!=", "expired")]
        audiences = self.search(domain, order="last_status_date asc nulls first, id", limit=limit)
        stale_before = fields.Datetime.now() - timedelta(minutes=30)
        done = 0
        for audience in audiences:
            if audience.last_status_date and audience.last_status_date > stale_before:
                continue
            # no savepoint: a profile found expired must stay marked "Reconnect needed"
            try:
                client = audience._get_client()
                try:
                    audience._refresh_status(client)
                except li.NotFoundError:
                    audience._mark_segment_gone()
            except (UserError, li.LinkedInError) as exc:
                _logger.info("LinkedIn audience %s: status not refreshed: %s", audience.id, exc)
                audience.write({"last_status_date": fields.Datetime.now(), "last_error": str(exc)})
            done += 1
        remaining = self.search_count(
            domain + ["|", ("last_status_date", "=", False), ("last_status_date", "<=", stale_before)]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)
