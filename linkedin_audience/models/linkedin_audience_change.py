# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The changes of the mailing lists that audiences send, logged by PostgreSQL as they are committed.

The check of an audience then compares with LinkedIn only the addresses these rows name, instead of the
whole list. Triggers rather than ORM overrides: a contact is added to or removed from a list through
``list_ids`` (a many2many written in SQL on ``mailing_subscription``), a deleted contact takes its
subscriptions with it (``ON DELETE CASCADE``) and imports or other modules may write in SQL; a trigger
sees each of them. They are statement-level triggers with transition tables: one ``INSERT ... SELECT``
per statement, whatever the number of rows.
"""

from odoo import fields, models
from odoo.tools import SQL

# (table, trigger events) -> what the trigger logs; ``linkedin_old``/``linkedin_new`` are the transition tables
TRIGGERS = {
    "mailing_subscription": ("INSERT", "UPDATE", "DELETE"),
    "mailing_contact": ("UPDATE", "DELETE"),
    "mail_blacklist": ("INSERT", "UPDATE", "DELETE"),
}
FUNCTIONS = {
    # a subscription added, removed, opted out or in: its contact, for the audiences of its list (and the
    # contact's address when it still exists: a deleted contact's comes with its own trigger below)
    "mailing_subscription": """
        IF TG_OP = 'INSERT' THEN
            INSERT INTO linkedin_audience_change (audience_id, contact_id)
            SELECT DISTINCT a.id, n.contact_id
              FROM linkedin_new n JOIN linkedin_audience a ON a.mailing_list_id = n.list_id;
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO linkedin_audience_change (audience_id, contact_id)
            SELECT DISTINCT a.id, r.contact_id
              FROM linkedin_old o
              JOIN linkedin_new n ON n.id = o.id
             CROSS JOIN LATERAL (VALUES (o.list_id, o.contact_id), (n.list_id, n.contact_id)) r(list_id, contact_id)
              JOIN linkedin_audience a ON a.mailing_list_id = r.list_id
             WHERE (o.opt_out IS TRUE, o.list_id, o.contact_id)
                   IS DISTINCT FROM (n.opt_out IS TRUE, n.list_id, n.contact_id);
        ELSE
            INSERT INTO linkedin_audience_change (audience_id, contact_id, email)
            SELECT DISTINCT a.id, o.contact_id, c.email_normalized
              FROM linkedin_old o
              JOIN linkedin_audience a ON a.mailing_list_id = o.list_id
              LEFT JOIN mailing_contact c ON c.id = o.contact_id;
        END IF;
    """,
    # a contact's address changed: its former address, for the audiences of its lists; a contact deleted:
    # its address, for every audience (its subscriptions are gone when this runs: the cascade deleted them,
    # and their own trigger, which knows the lists, runs after this one and can no longer read the address)
    "mailing_contact": """
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO linkedin_audience_change (audience_id, contact_id, email)
            SELECT DISTINCT a.id, o.id, o.email_normalized
              FROM linkedin_old o
              JOIN linkedin_new n ON n.id = o.id
              JOIN mailing_subscription s ON s.contact_id = o.id
              JOIN linkedin_audience a ON a.mailing_list_id = s.list_id
             WHERE o.email_normalized IS DISTINCT FROM n.email_normalized;
        ELSE
            INSERT INTO linkedin_audience_change (audience_id, contact_id, email)
            SELECT a.id, o.id, o.email_normalized
              FROM linkedin_old o CROSS JOIN linkedin_audience a
             WHERE o.email_normalized IS NOT NULL;
        END IF;
    """,
    # an address blacklisted or let go: for every audience (few rows; the check finds the contacts)
    "mail_blacklist": """
        IF TG_OP = 'INSERT' THEN
            INSERT INTO linkedin_audience_change (audience_id, email)
            SELECT a.id, n.email FROM linkedin_new n CROSS JOIN linkedin_audience a WHERE n.email IS NOT NULL;
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO linkedin_audience_change (audience_id, email)
            SELECT DISTINCT a.id, r.email
              FROM linkedin_old o
              JOIN linkedin_new n ON n.id = o.id
             CROSS JOIN LATERAL (VALUES (o.email), (n.email)) r(email)
             CROSS JOIN linkedin_audience a
             WHERE r.email IS NOT NULL AND (o.email, o.active) IS DISTINCT FROM (n.email, n.active);
        ELSE
            INSERT INTO linkedin_audience_change (audience_id, email)
            SELECT a.id, o.email FROM linkedin_old o CROSS JOIN linkedin_audience a WHERE o.email IS NOT NULL;
        END IF;
    """,
}


def _function_name(table):
    return f"linkedin_audience_log_{table}"


def _trigger_name(table, event):
    return f"linkedin_audience_log_{table}_{event.lower()}"


def drop_triggers(cr):
    """Remove the triggers and their functions (the addon's uninstallation)."""
    for table, events in TRIGGERS.items():
        for event in events:
            cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(_trigger_name(table, event)),
                           SQL.identifier(table)))  # fmt: skip
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(_function_name(table))))


class LinkedInAudienceChange(models.Model):
    """A change of a list an audience sends, not checked yet: a contact (added, removed, opted out...) or
    an address (a contact's former address, a blacklisted one). Written by the triggers, consumed (deleted)
    by the audience's next check in the same transaction as its plan."""

    _name = "linkedin.audience.change"
    _description = "LinkedIn Audience Change to Check"
    _log_access = False

    audience_id = fields.Many2one("linkedin.audience", required=True, index=True, ondelete="cascade")
    # a plain integer: the contact may be deleted already
    contact_id = fields.Integer()
    email = fields.Char()

    def init(self):
        cr = self.env.cr
        for table, events in TRIGGERS.items():
            body = FUNCTIONS[table]
            cr.execute(
                SQL(
                    "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS %s",
                    SQL.identifier(_function_name(table)),
                    f"BEGIN {body} RETURN NULL; END",
                )
            )
            for event in events:
                referencing = {
                    "INSERT": "NEW TABLE AS linkedin_new",
                    "UPDATE": "OLD TABLE AS linkedin_old NEW TABLE AS linkedin_new",
                    "DELETE": "OLD TABLE AS linkedin_old",
                }[event]
                name = SQL.identifier(_trigger_name(table, event))
                cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", name, SQL.identifier(table)))
                cr.execute(
                    SQL(
                        "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION %s()",
                        name,
                        SQL(event),
                        SQL.identifier(table),
                        SQL(referencing),
                        SQL.identifier(_function_name(table)),
                    )
                )
