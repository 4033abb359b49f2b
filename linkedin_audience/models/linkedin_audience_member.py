# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from odoo.addons.linkedin_leadgen.linkedin import dmp, hash_email

_logger = logging.getLogger(__name__)

PENDING_STATES = ("to_add", "to_remove")
DMP_ACTIONS = {"to_add": dmp.ADD, "to_remove": dmp.REMOVE}  # what a pending row asks LinkedIn to do
FILLFACTOR = 60
# Fresh statistics past this many new rows, or PostgreSQL plans the anti-joins and batch queries of a big
# list as nested loops (minutes instead of seconds).
ANALYZE_AFTER_ROWS = 1000
HASH_CHUNK = 10000  # non-ASCII addresses hashed in Python and inserted per chunk
ERROR_MAX_LENGTH = 500
MAX_REFUSAL_RETRIES = 3  # times the scheduled check sends a contact LinkedIn refused again (a click sends all)


class PendingBatch(NamedTuple):
    """The next pending changes of an audience: member row ids and their DMP elements, in the same order."""

    member_ids: list
    elements: list


class RecordedBatch(NamedTuple):
    """What a batch changed in the audience: contacts now in it, removed from it, refused by LinkedIn."""

    added: int
    removed: int
    refused: int


class LinkedInAudienceMember(models.Model):
    """What was sent to a LinkedIn audience, one row per hashed e-mail address.

    Rows are written in bulk with the SQL of this model's methods, for the audience they are given (a
    list may hold a million contacts); the ORM only reads them. ``to_add``/``to_remove`` rows are the
    pending changes of the current upload; a row leaves those states only once LinkedIn accepted (or
    refused) its batch.
    """

    _name = "linkedin.audience.member"
    _description = "LinkedIn Audience Member"
    _order = "id"
    _rec_name = "email_hash"
    _log_access = False

    audience_id = fields.Many2one("linkedin.audience", required=True, readonly=True, ondelete="cascade")
    email_hash = fields.Char(
        string="Hashed E-mail",
        required=True,
        readonly=True,
        help="SHA-256 of the trimmed, lower-cased e-mail address: the only identifier sent to LinkedIn.",
    )
    # a plain integer, not a foreign key: checking a million foreign keys would double the upload's time
    mailing_contact_ref = fields.Integer(string="Contact ID", readonly=True)
    contact_id = fields.Many2one("mailing.contact", compute="_compute_contact_id", search="_search_contact_id")
    state = fields.Selection(
        [
            ("to_add", "To Add"),
            ("to_remove", "To Remove"),
            ("sent", "In Audience"),
            ("removed", "Removed"),
            ("failed", "Failed"),
        ],
        required=True,
        readonly=True,
        default="to_add",
    )
    batch_id = fields.Integer(readonly=True, help="Number of the upload batch that carried this row.")
    error = fields.Char(readonly=True, help="Why LinkedIn refused this contact.")
    refusal_count = fields.Integer(readonly=True, help="Times LinkedIn refused this contact.")

    _sql_constraints = [
        (
            "audience_hash_uniq",
            "unique(audience_id, email_hash)",
            "An e-mail address can only appear once in a LinkedIn audience.",
        ),
    ]

    def _compute_contact_id(self):
        contacts = self.env["mailing.contact"].browse(self.mapped("mailing_contact_ref")).exists()
        for member in self:
            member.contact_id = contacts.browse(member.mailing_contact_ref) & contacts

    def _search_contact_id(self, operator, value):
        if operator in ("=", "!=", "in", "not in") and not isinstance(value, str):
            if value is False:
                return [("mailing_contact_ref", "=" if operator == "=" else "!=", False)]
            return [("mailing_contact_ref", operator, value)]
        contacts = self.env["mailing.contact"]._search([("display_name", operator, value)])
        return [("mailing_contact_ref", "in", contacts)]

    def init(self):
        # Batches are read in id order per audience (keyset pagination). No index involves ``state``,
        # and pages keep room: marking a batch sent is then a HOT update, without index writes.
        create_index(self.env.cr, "linkedin_audience_member_audience_id_idx", self._table, ["audience_id", "id"])
        self.env.cr.execute(
            SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(self._table), SQL(str(FILLFACTOR)))
        )

    # ------------------------------------------------------------------
    # Which contacts of a list are sent
    # ------------------------------------------------------------------

    @api.model
    def _left_out_conditions(self):
        """Why a contact of a list is not sent, as SQL conditions on ``s`` (its subscription) and ``c`` (the
        contact): opted out of the list, no valid e-mail, blacklisted."""
        return {
            "opt_out": SQL("s.opt_out IS TRUE"),
            "invalid": SQL("c.email_normalized IS NULL"),
            "blacklisted": SQL(
                "EXISTS (SELECT 1 FROM mail_blacklist b WHERE b.email = c.email_normalized AND b.active)"
            ),
        }

    @api.model
    def _eligible_contacts_query(self, mailing_list_id, select, ascii_only=None):
        """``SELECT select`` over the contacts of the list that may be sent (none of the left-out conditions).

        This query chooses what is sent, and the wizard counts with it. ``ascii_only``: True for the
        addresses in ASCII only (where PostgreSQL's ``lower()`` and Python's agree, so a hash computed in
        SQL equals ``hash_email``), False for the others only (rare, hashed in Python), None for all.
        """
        left_out = self._left_out_conditions()
        if ascii_only is None:
            ascii_test = SQL("TRUE")
        elif ascii_only:
            ascii_test = SQL("c.email_normalized !~ '[^\\x01-\\x7f]'")
        else:
            ascii_test = SQL("c.email_normalized ~ '[^\\x01-\\x7f]'")
        return SQL(
            """
            SELECT %(select)s
              FROM mailing_subscription s
              JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.list_id = %(list_id)s
               AND NOT (%(opt_out)s)
               AND NOT (%(invalid)s)
               AND %(ascii_test)s
               AND NOT (%(blacklisted)s)
            """,
            select=select,
            list_id=mailing_list_id,
            ascii_test=ascii_test,
            **left_out,
        )

    @api.model
    def _count_list_contacts(self, mailing_list_id):
        """Contacts of the list by fate: ``eligible`` (distinct e-mail addresses sent, counted on
        :meth:`_eligible_contacts_query`), ``opt_out``, ``blacklisted`` and ``invalid`` (left out)."""
        if not mailing_list_id:
            return dict.fromkeys(("eligible", "opt_out", "blacklisted", "invalid"), 0)
        self.env.flush_all()  # contacts, subscriptions and blacklist entries of this transaction
        left_out = self._left_out_conditions()
        self.env.cr.execute(
            SQL(
                """
                SELECT (SELECT count(DISTINCT eligible.email_normalized) FROM (%(eligible)s) eligible),
                       count(*) FILTER (WHERE %(opt_out)s),
                       count(*) FILTER (WHERE NOT (%(opt_out)s) AND %(blacklisted)s),
                       count(*) FILTER (WHERE NOT (%(opt_out)s) AND %(invalid)s)
                  FROM mailing_subscription s
                  JOIN mailing_contact c ON c.id = s.contact_id
                 WHERE s.list_id = %(list_id)s
                """,
                eligible=self._eligible_contacts_query(mailing_list_id, SQL("c.email_normalized")),
                list_id=mailing_list_id,
                **left_out,
            )
        )
        eligible, opt_out, blacklisted, invalid = self.env.cr.fetchone()
        return {"eligible": eligible, "opt_out": opt_out, "blacklisted": blacklisted, "invalid": invalid}

    @api.model
    def _create_wanted_table(self, mailing_list_id):
        """Temporary table ``linkedin_audience_wanted(email_hash, contact_id)``: the hashes the segment must hold.

        One row per hash (several contacts may share an address: the oldest contact stands for them).
        """
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS linkedin_audience_wanted")
        hashed_in_sql = SQL(
            "encode(sha256(convert_to(lower(btrim(c.email_normalized)), 'UTF8')), 'hex') AS email_hash, "
            "c.id AS contact_id"
        )
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE linkedin_audience_wanted ON COMMIT DROP AS
                SELECT DISTINCT ON (email_hash) email_hash, contact_id FROM (%s) eligible
                 ORDER BY email_hash, contact_id
                """,
                self._eligible_contacts_query(mailing_list_id, hashed_in_sql, ascii_only=True),
            )
        )
        # non-ASCII addresses: hashed by hash_email itself (PostgreSQL's lower() depends on the locale)
        cr.execute(
            SQL(
                "%s ORDER BY c.id",
                self._eligible_contacts_query(mailing_list_id, SQL("c.id, c.email_normalized"), ascii_only=False),
            )
        )
        rows = cr.fetchall()
        for offset in range(0, len(rows), HASH_CHUNK):
            chunk = {}
            for contact_id, email in rows[offset : offset + HASH_CHUNK]:
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

    # ------------------------------------------------------------------
    # What to send: the differences with what LinkedIn holds
    # ------------------------------------------------------------------

    @api.model
    def _plan_changes(self, audience, retry_failed=False):
        """Mark in SQL what LinkedIn must add to and remove from ``audience``; return the pending count.

        ADD: contacts of the list not in the audience yet, re-subscribed ones (and refused ones with
        ``retry_failed``); REMOVE: contacts that left the list, opted out or were blacklisted. Everything
        happens in PostgreSQL (only the rare non-ASCII addresses are hashed in Python).
        """
        self.env.flush_all()  # e-mails, subscriptions and blacklist entries of this transaction
        cr = self.env.cr
        self._create_wanted_table(audience.mailing_list_id.id)
        cr.execute(SQL("SELECT EXISTS (SELECT 1 FROM linkedin_audience_member WHERE audience_id = %s)", audience.id))
        if cr.fetchone()[0]:
            pending = self._plan_differences(audience, retry_failed)
        else:
            # first upload: everything is new
            cr.execute(
                SQL(
                    """
                    INSERT INTO linkedin_audience_member (audience_id, email_hash, mailing_contact_ref, state)
                    SELECT %s, w.email_hash, w.contact_id, 'to_add'
                      FROM linkedin_audience_wanted w
                     ORDER BY w.email_hash
                    """,
                    audience.id,
                )
            )
            pending = cr.rowcount
            if pending > ANALYZE_AFTER_ROWS:
                cr.execute("ANALYZE linkedin_audience_member")
        cr.execute("DROP TABLE linkedin_audience_wanted")
        self.invalidate_model()
        return pending

    @api.model
    def _plan_differences(self, audience, retry_failed):
        """Mark the differences between ``linkedin_audience_wanted`` and what was sent; return the pending count."""
        cr = self.env.cr
        back_states = ["removed", "to_remove"] + (["failed"] if retry_failed else [])
        # contacts wanted again (re-subscribed, un-blacklisted, back in the list; refused ones on demand, or
        # by the scheduled check while LinkedIn refused them at most MAX_REFUSAL_RETRIES times)
        cr.execute(
            SQL(
                """
                UPDATE linkedin_audience_member m
                   SET state = 'to_add', mailing_contact_ref = w.contact_id, error = NULL
                  FROM linkedin_audience_wanted w
                 WHERE m.audience_id = %s AND m.email_hash = w.email_hash
                   AND (m.state = ANY(%s) OR (m.state = 'failed' AND COALESCE(m.refusal_count, 0) <= %s))
                """,
                audience.id,
                back_states,
                MAX_REFUSAL_RETRIES,
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
                audience=audience.id,
            )
        )
        if cr.rowcount > ANALYZE_AFTER_ROWS:
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
                audience.id,
            )
        )
        cr.execute(
            SQL(
                "SELECT count(*) FROM linkedin_audience_member WHERE audience_id = %s AND state IN %s",
                audience.id,
                PENDING_STATES,
            )
        )
        return cr.fetchone()[0]

    @api.model
    def _next_batch(self, audience, limit, details=False):
        """The next ``limit`` pending changes of ``audience`` after its ``upload_cursor``, as DMP elements.

        Keyset pagination in id order: constant cost per batch; ``ORDER BY audience_id, id`` follows the
        ``(audience_id, id)`` index exactly, whatever the statistics. ``details``: the ADD elements carry
        the contact's names, company and country.
        """
        columns, joins = SQL("m.id, m.email_hash, m.state"), SQL()
        if details:
            columns = SQL("%s, c.name, c.first_name, c.last_name, c.company_name, rc.code", columns)
            joins = SQL(
                "LEFT JOIN mailing_contact c ON c.id = m.mailing_contact_ref "
                "LEFT JOIN res_country rc ON rc.id = c.country_id"
            )
        query = SQL(
            """
            SELECT %(columns)s
              FROM linkedin_audience_member m %(joins)s
             WHERE m.audience_id = %(audience)s AND m.state IN %(pending)s AND m.id > %(cursor)s
             ORDER BY m.audience_id, m.id
             LIMIT %(limit)s
            """,
            columns=columns,
            joins=joins,
            audience=audience.id,
            pending=PENDING_STATES,
            cursor=audience.upload_cursor,
            limit=limit,
        )
        self.env.cr.execute(query)
        rows = self.env.cr.fetchall()
        if details:
            elements = [self._element_with_details(*row[1:]) for row in rows]
        else:  # the common case, kept lean: a million of these for a large list
            elements = [dmp.build_element(DMP_ACTIONS[state], email_hash) for _id, email_hash, state in rows]
        return PendingBatch([row[0] for row in rows], elements)

    @staticmethod
    def _element_with_details(email_hash, state, name, first_name, last_name, company, country):
        if not (first_name or last_name) and name:
            first_name, last_name = dmp.split_full_name(name)
        return dmp.build_element(DMP_ACTIONS[state], email_hash, first_name, last_name, company, country)

    # ------------------------------------------------------------------
    # LinkedIn's answers
    # ------------------------------------------------------------------

    @api.model
    def _record_results(self, audience, batch, results, batch_number):
        """Mark the rows of ``batch`` with LinkedIn's per-element ``results``: accepted ADDs sent, accepted
        REMOVEs removed, refused ones failed with LinkedIn's reason; return a :class:`RecordedBatch`."""
        answer = dmp.read_results(results, len(batch.elements))
        added, removed = [], []
        for index in answer.accepted:
            is_add = batch.elements[index]["action"] == dmp.ADD
            (added if is_add else removed).append(batch.member_ids[index])
        failed_ids = [batch.member_ids[refusal.index] for refusal in answer.refused]
        failed_errors = [self._refusal_reason(refusal)[:ERROR_MAX_LENGTH] for refusal in answer.refused]
        cr = self.env.cr
        for state, ids in (("sent", added), ("removed", removed)):
            if ids:
                cr.execute(
                    SQL(
                        "UPDATE linkedin_audience_member SET state = %s, batch_id = %s, error = NULL "
                        "WHERE id = ANY(%s)",
                        state,
                        batch_number,
                        ids,
                    )
                )
        if failed_ids:
            cr.execute(
                SQL(
                    """
                    UPDATE linkedin_audience_member m
                       SET state = 'failed', batch_id = %s, error = f.error,
                           refusal_count = COALESCE(m.refusal_count, 0) + 1
                      FROM unnest(%s::int[], %s::varchar[]) AS f(id, error)
                     WHERE m.id = f.id
                    """,
                    batch_number,
                    failed_ids,
                    failed_errors,
                )
            )
            _logger.info(
                "LinkedIn audience %s: LinkedIn refused %d of %d contacts of batch %d",
                audience.id,
                len(failed_ids),
                len(batch.elements),
                batch_number,
            )
        self.invalidate_model()
        return RecordedBatch(len(added), len(removed), len(failed_ids))

    def _refusal_reason(self, refusal):
        if not refusal.answered:
            return self.env._("LinkedIn gave no answer for this contact.")
        return self.env._(
            "LinkedIn refused this contact (HTTP %(status)s): %(message)s",
            status=refusal.status or "?",
            message=refusal.message,
        )

    @api.model
    def _count_by_state(self, audience):
        """``{state: number of rows}`` of ``audience``."""
        self.env.cr.execute(
            SQL(
                "SELECT state, count(*) FROM linkedin_audience_member WHERE audience_id = %s GROUP BY state",
                audience.id,
            )
        )
        return dict(self.env.cr.fetchall())
