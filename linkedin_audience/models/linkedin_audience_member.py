# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

PENDING_STATES = ("to_add", "to_remove")
FILLFACTOR = 60


class LinkedInAudienceMember(models.Model):
    """What was sent to a LinkedIn audience, one row per hashed e-mail address.

    Rows are written in bulk with SQL by ``linkedin.audience`` (a list may hold a million contacts);
    the ORM only reads them. ``to_add``/``to_remove`` rows are the pending changes of the current
    upload; a row leaves those states only once LinkedIn accepted (or refused) its batch.
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
