# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What an upload sends: the contacts of the list that are sent, hashed in PostgreSQL, and the differences
with what LinkedIn holds (the whole list at the first upload, the logged changes afterwards)."""

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.linkedin_leadgen.linkedin import hash_email

# Fresh statistics past this many new rows, or PostgreSQL plans the anti-joins and batch queries of a big
# list as nested loops (minutes instead of seconds).
ANALYZE_AFTER_ROWS = 1000
ANALYZE_AFTER_RATIO = 0.1
HASH_CHUNK = 10000  # non-ASCII addresses hashed in Python and inserted per chunk
MAX_REFUSAL_RETRIES = 3  # times the scheduled check sends a contact LinkedIn refused again (a click sends all)
# A check compares the whole list again (instead of the logged changes only) past this many logged changes,
# or this share of the contacts sent, when that costs less.
FULL_CHECK_MIN_CHANGES = 10000
FULL_CHECK_RATIO = 0.2
# The contacts of an address, found by the form two contacts share (see _email_key): the check of a list's
# changes looks up the other contacts of each changed address with it instead of reading every contact.
EMAIL_KEY_INDEX = "linkedin_audience_mailing_contact_email_key_index"
# What Python's str.strip() removes from an ASCII string: PostgreSQL trims the same, so that its digest of
# an ASCII address is hash_email's.
ASCII_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _sql_hash(column):
    """SQL of ``hash_email(column)`` for an ASCII value: SHA-256 (lowercase hex) of the trimmed, lower-cased
    value. Non-ASCII values are hashed in Python (PostgreSQL's ``lower()`` depends on the locale there)."""
    return SQL("encode(sha256(convert_to(lower(btrim(%s, %s)), 'UTF8')), 'hex')", column, ASCII_WHITESPACE)


def _email_key(column):
    """SQL of the form of an address that two contacts share when they share its hash."""
    return SQL("lower(btrim(%s, %s))", column, ASCII_WHITESPACE)


def drop_email_key_index(cr):
    """Remove the index this addon adds on the contacts (the addon's uninstallation)."""
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(EMAIL_KEY_INDEX)))


class LinkedInAudienceMember(models.Model):
    _inherit = "linkedin.audience.member"

    def init(self):
        res = super().init()
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON mailing_contact (%s)",
                SQL.identifier(EMAIL_KEY_INDEX),
                _email_key(SQL("email_normalized")),
            )
        )
        return res

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
    def _eligible_contacts_query(self, mailing_list_id, select, ascii_only=None, changed_only=False):
        """``SELECT select`` over the contacts of the list that may be sent (none of the left-out conditions).

        This query chooses what is sent, and the wizard counts with it. ``ascii_only``: True for the
        addresses in ASCII only (where PostgreSQL's ``lower()`` and Python's agree, so a hash computed in
        SQL equals ``hash_email``), False for the others only (rare, hashed in Python), None for all.
        ``changed_only``: only the contacts of ``linkedin_audience_changed_contacts`` (see
        :meth:`_create_changed_table`).
        """
        left_out = self._left_out_conditions()
        if ascii_only is None:
            ascii_test = SQL("TRUE")
        else:
            # a UTF-8 string is ASCII when it has as many bytes as characters (cheaper than a regex)
            ascii_test = SQL(
                "(octet_length(c.email_normalized) %s char_length(c.email_normalized))",
                SQL("=" if ascii_only else "<>"),
            )
        changed_test = SQL("TRUE")
        if changed_only:
            # an array: the subscriptions of these contacts are read through their index, whatever the statistics
            changed_test = SQL("s.contact_id = ANY(ARRAY(SELECT id FROM linkedin_audience_changed_contacts))")
        return SQL(
            """
            SELECT %(select)s
              FROM mailing_subscription s
              JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.list_id = %(list_id)s
               AND NOT (%(opt_out)s)
               AND NOT (%(invalid)s)
               AND %(ascii_test)s
               AND %(changed_test)s
               AND NOT (%(blacklisted)s)
            """,
            select=select,
            list_id=mailing_list_id,
            ascii_test=ascii_test,
            changed_test=changed_test,
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
    def _count_eligible_up_to(self, mailing_list_id, limit):
        """The distinct addresses of the list that may be sent, counted up to ``limit``: what
        :meth:`_count_list_contacts` counts, read only until ``limit`` of them (a big list is not counted)."""
        self.env.flush_all()
        fetch = limit
        while True:
            self.env.cr.execute(
                SQL("%s LIMIT %s", self._eligible_contacts_query(mailing_list_id, SQL("c.email_normalized")), fetch)
            )
            rows = self.env.cr.fetchall()
            distinct = len({row[0] for row in rows})
            if distinct >= limit or len(rows) < fetch:
                return min(distinct, limit)
            fetch *= 8  # many contacts share addresses: read further

    @api.model
    def _wanted_query(self, mailing_list_id, changed_only=False):
        """``SELECT email_hash, contact_id`` of the list's ASCII addresses hashed in PostgreSQL, one row per
        hash (the oldest contact stands for the others), in hash order."""
        hashed_in_sql = SQL("%s AS email_hash, c.id AS contact_id", _sql_hash(SQL("c.email_normalized")))
        return SQL(
            "SELECT DISTINCT ON (email_hash) email_hash, contact_id FROM (%s) eligible ORDER BY email_hash, contact_id",
            self._eligible_contacts_query(mailing_list_id, hashed_in_sql, ascii_only=True, changed_only=changed_only),
        )

    @api.model
    def _wanted_non_ascii(self, mailing_list_id, changed_only=False):
        """``{hash: contact id}`` of the list's non-ASCII addresses, hashed by ``hash_email`` itself
        (PostgreSQL's ``lower()`` depends on the locale); the oldest contact of a hash stands for it."""
        self.env.cr.execute(
            SQL(
                "%s ORDER BY c.id",
                self._eligible_contacts_query(
                    mailing_list_id, SQL("c.id, c.email_normalized"), ascii_only=False, changed_only=changed_only
                ),
            )
        )
        wanted = {}
        for contact_id, email in self.env.cr.fetchall():
            wanted.setdefault(hash_email(email), contact_id)
        return wanted

    @api.model
    def _insert_hashes(self, into, wanted, extra=None):
        """Insert the ``{hash: contact id}`` of ``wanted`` into ``into`` (``SQL`` of a table and its columns:
        the hash, the contact, then those of the values of ``extra``), skipping the hashes it holds."""
        items = list(wanted.items())
        for offset in range(0, len(items), HASH_CHUNK):
            chunk = items[offset : offset + HASH_CHUNK]
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s SELECT v.email_hash, v.contact_id %s"
                    " FROM unnest(%s::varchar[], %s::int[]) AS v(email_hash, contact_id) ON CONFLICT DO NOTHING",
                    into,
                    extra or SQL(),
                    [email_hash for email_hash, _contact in chunk],
                    [contact for _hash, contact in chunk],
                )
            )

    @api.model
    def _create_wanted_table(self, mailing_list_id, changed_only=False):
        """Temporary table ``linkedin_audience_wanted(email_hash, contact_id)``: the hashes the segment must
        hold (``changed_only``: those of the changed addresses). One row per hash."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS linkedin_audience_wanted")
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE linkedin_audience_wanted ON COMMIT DROP AS %s",
                self._wanted_query(mailing_list_id, changed_only),
            )
        )
        cr.execute("ALTER TABLE linkedin_audience_wanted ADD PRIMARY KEY (email_hash)")
        self._insert_hashes(
            SQL("linkedin_audience_wanted (email_hash, contact_id)"),
            self._wanted_non_ascii(mailing_list_id, changed_only),
        )
        cr.execute("ANALYZE linkedin_audience_wanted")

    # ------------------------------------------------------------------
    # What to send: the differences with what LinkedIn holds
    # ------------------------------------------------------------------

    @api.model
    def _plan_changes(self, audience, retry_failed=False):
        """Mark in SQL what LinkedIn must add to and remove from ``audience``; return the pending changes,
        ``(to add, to remove)``.

        ADD: contacts of the list not in the audience yet, re-subscribed ones (and refused ones with
        ``retry_failed``); REMOVE: contacts that left the list, opted out or were blacklisted. Everything
        happens in PostgreSQL (only the rare non-ASCII addresses are hashed in Python).

        The first upload sends the whole list. Later ones compare with what LinkedIn holds only the
        addresses the list's changes logged since the last check name (``linkedin.audience.change``);
        the whole list is compared again when the audience's changes were not logged (an audience of an
        earlier version of this addon) or when so many were that comparing everything costs less.
        """
        self.env.flush_all()  # e-mails, subscriptions and blacklist entries of this transaction
        cr = self.env.cr
        logged = self._consume_logged_changes(audience)
        cr.execute(SQL("SELECT EXISTS (SELECT 1 FROM linkedin_audience_member WHERE audience_id = %s)", audience.id))
        if not cr.fetchone()[0]:
            pending = self._plan_first_upload(audience)
        else:
            changed_only = audience.changes_logged and logged <= max(
                FULL_CHECK_MIN_CHANGES, audience.contact_sent_count * FULL_CHECK_RATIO
            )
            if changed_only:
                self._create_changed_table(audience, retry_failed)
            self._create_wanted_table(audience.mailing_list_id.id, changed_only=changed_only)
            pending = self._plan_differences(audience, retry_failed, changed_only=changed_only)
            cr.execute("DROP TABLE linkedin_audience_wanted")
            cr.execute("DROP TABLE IF EXISTS linkedin_audience_changed, linkedin_audience_changed_contacts")
        cr.execute("DROP TABLE linkedin_audience_logged")
        self.invalidate_model()
        return pending

    @api.model
    def _plan_first_upload(self, audience):
        """Every wanted hash of the list becomes a row to add, in one statement; return how many."""
        cr = self.env.cr
        list_id = audience.mailing_list_id.id
        cr.execute(
            SQL(
                """
                INSERT INTO linkedin_audience_member (audience_id, email_hash, mailing_contact_ref, state)
                SELECT %s, w.email_hash, w.contact_id, 'to_add' FROM (%s) w
                """,
                audience.id,
                self._wanted_query(list_id),
            )
        )
        pending = cr.rowcount
        non_ascii = self._wanted_non_ascii(list_id)
        self._insert_hashes(
            SQL("linkedin_audience_member (email_hash, mailing_contact_ref, audience_id, state)"),
            non_ascii,
            extra=SQL(", %s, 'to_add'", audience.id),
        )
        if non_ascii:
            pending = self._count_pending(audience)[0]
        if pending > ANALYZE_AFTER_ROWS:
            cr.execute("ANALYZE linkedin_audience_member")
        return pending, 0

    @api.model
    def _consume_logged_changes(self, audience):
        """Move the changes logged for ``audience`` into ``linkedin_audience_logged(contact_id, email)``
        (deleted from the log in this transaction: the plan that reads them commits with it); their count."""
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS linkedin_audience_logged")
        cr.execute("CREATE TEMPORARY TABLE linkedin_audience_logged (contact_id int, email varchar) ON COMMIT DROP")
        cr.execute(
            SQL(
                """
                WITH consumed AS (
                    DELETE FROM linkedin_audience_change WHERE audience_id = %s RETURNING contact_id, email)
                INSERT INTO linkedin_audience_logged SELECT contact_id, email FROM consumed
                """,
                audience.id,
            )
        )
        logged = cr.rowcount
        cr.execute("ANALYZE linkedin_audience_logged")
        return logged

    @api.model
    def _create_changed_table(self, audience, retry_failed):
        """Temporary tables ``linkedin_audience_changed(email_key, email_hash, email)``, the addresses to compare
        again, and ``linkedin_audience_changed_contacts(id)``, the contacts that have them.

        Those the log names (a former address, a deleted contact's, a blacklisted one), the present
        addresses of the contacts it names, and those of the refused contacts the plan may send again.
        """
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS linkedin_audience_changed")
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE linkedin_audience_changed ON COMMIT DROP AS
                SELECT DISTINCT %(key)s AS email_key, NULL::varchar AS email_hash, e.email
                  FROM (SELECT l.email FROM linkedin_audience_logged l
                         UNION ALL
                        SELECT c.email_normalized FROM mailing_contact c
                         WHERE c.id = ANY(ARRAY(SELECT contact_id FROM linkedin_audience_logged))
                         UNION ALL
                        SELECT c.email_normalized FROM linkedin_audience_member m
                          JOIN mailing_contact c ON c.id = m.mailing_contact_ref
                         WHERE %(refused)s AND m.audience_id = %(audience)s AND m.state = 'failed'
                           AND (%(retry)s OR COALESCE(m.refusal_count, 0) <= %(retries)s)) e
                 WHERE e.email IS NOT NULL
                """,
                key=_email_key(SQL("e.email")),
                audience=audience.id,
                retry=bool(retry_failed),
                # LinkedIn refused none: no need to read the whole audience for them
                refused=bool(audience.contact_failed_count),
                retries=MAX_REFUSAL_RETRIES,
            )
        )
        cr.execute(
            SQL(
                "UPDATE linkedin_audience_changed SET email_hash = %s WHERE octet_length(email) = char_length(email)",
                _sql_hash(SQL("email")),
            )
        )
        cr.execute("SELECT email FROM linkedin_audience_changed WHERE email_hash IS NULL")
        emails = [row[0] for row in cr.fetchall()]
        if emails:
            cr.execute(
                SQL(
                    """
                    UPDATE linkedin_audience_changed c SET email_hash = v.email_hash
                      FROM unnest(%s::varchar[], %s::varchar[]) AS v(email, email_hash)
                     WHERE c.email = v.email
                    """,
                    emails,
                    [hash_email(email) for email in emails],
                )
            )
        cr.execute("ANALYZE linkedin_audience_changed")
        # the contacts that have these addresses, so that the queries of the plan start from them
        cr.execute("DROP TABLE IF EXISTS linkedin_audience_changed_contacts")
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE linkedin_audience_changed_contacts ON COMMIT DROP AS %s",
                self._changed_contacts_query(),
            )
        )
        cr.execute("ANALYZE linkedin_audience_changed_contacts")

    @api.model
    def _changed_contacts_query(self):
        """``SELECT id`` of the contacts whose address is one of ``linkedin_audience_changed``: looked up in
        EMAIL_KEY_INDEX (an array, so that PostgreSQL probes the index for each address rather than reading
        every contact of the database)."""
        return SQL(
            "SELECT DISTINCT c.id FROM mailing_contact c"
            " WHERE %s = ANY(ARRAY(SELECT email_key FROM linkedin_audience_changed))",
            _email_key(SQL("c.email_normalized")),
        )

    @api.model
    def _plan_differences(self, audience, retry_failed, changed_only=False):
        """Mark the differences between ``linkedin_audience_wanted`` and what was sent; return the pending
        changes ``(to add, to remove)``. ``changed_only``: only for the hashes of ``linkedin_audience_changed``
        (the wanted table holds those only; the rows of other hashes keep their state)."""
        cr = self.env.cr
        # rows pending before (an upload not finished, or stopped): counted again at the end; else the
        # statements below count what they mark
        had_pending = audience.upload_pending or audience.state in ("uploading", "failed")
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
        to_add = cr.rowcount
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
        to_add += cr.rowcount
        # statistics refreshed when the new rows change them (not for a few thousand in a million)
        if cr.rowcount > max(ANALYZE_AFTER_ROWS, audience.contact_sent_count * ANALYZE_AFTER_RATIO):
            cr.execute("ANALYZE linkedin_audience_member")
        # contacts no longer wanted (a pending ADD may have reached LinkedIn already: remove it too)
        changed_test = SQL("TRUE")
        if changed_only:
            # an array: the rows are read through the (audience, hash) index, not the whole audience
            changed_test = SQL("m.email_hash = ANY(ARRAY(SELECT email_hash FROM linkedin_audience_changed))")
        cr.execute(
            SQL(
                """
                UPDATE linkedin_audience_member m
                   SET state = 'to_remove', error = NULL
                 WHERE m.audience_id = %s AND m.state IN ('sent', 'to_add') AND %s
                   AND NOT EXISTS (SELECT 1 FROM linkedin_audience_wanted w WHERE w.email_hash = m.email_hash)
                """,
                audience.id,
                changed_test,
            )
        )
        return self._count_pending(audience) if had_pending else (to_add, cr.rowcount)

    @api.model
    def _count_pending(self, audience):
        """``(to add, to remove)``: the pending rows of ``audience``."""
        counts = self._count_by_state(audience)
        return counts.get("to_add", 0), counts.get("to_remove", 0)
