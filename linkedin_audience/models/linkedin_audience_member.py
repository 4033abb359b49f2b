# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from odoo.addons.linkedin_leadgen.linkedin import dmp

_logger = logging.getLogger(__name__)

PENDING_STATES = ("to_add", "to_remove")
DMP_ACTIONS = {"to_add": dmp.ADD, "to_remove": dmp.REMOVE}  # what a pending row asks LinkedIn to do
FILLFACTOR = 60
ERROR_MAX_LENGTH = 500


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

    @api.model
    def _next_batch(self, audience, limit, details=False, after=None):
        """The next ``limit`` pending changes of ``audience`` after its ``upload_cursor`` (or the row id
        ``after``), as DMP elements.

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
            cursor=audience.upload_cursor if after is None else after,
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
        if added or removed:
            # one statement for both: a pending row's state says what it asked LinkedIn. A batch is the pending
            # rows of an id range (see _next_batch): when LinkedIn took them all and they are most of the range
            # (a first upload's), the range says which rows (read in index order, cheaper than each id)
            first, last = batch.member_ids[0], batch.member_ids[-1]
            if failed_ids or last - first >= 2 * len(batch.member_ids):
                rows = SQL("id = ANY(%s)", added + removed)
            else:
                rows = SQL(
                    "audience_id = %s AND id BETWEEN %s AND %s AND state IN %s",
                    audience.id,
                    first,
                    last,
                    PENDING_STATES,
                )
            cr.execute(
                SQL(
                    """
                    UPDATE linkedin_audience_member
                       SET state = CASE state WHEN 'to_add' THEN 'sent' ELSE 'removed' END, batch_id = %s, error = NULL
                     WHERE %s
                    """,
                    batch_number,
                    rows,
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
