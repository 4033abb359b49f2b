# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A check after the first upload compares with LinkedIn only what changed in the list since the last one.

Each kind of change, made the way Odoo makes it, must send exactly its difference; the whole list is
compared again when the changes were not logged (an audience of an earlier version, a reset).
"""

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.linkedin_audience.models.linkedin_audience_member_plan import EMAIL_KEY_INDEX, _email_key, _sql_hash
from odoo.addons.linkedin_leadgen.linkedin import hash_email

from .common import AudienceCase


@tagged("post_install", "-at_install")
class TestIncrementalCheck(AudienceCase):
    def setUp(self):
        super().setUp()
        self.emulator.dmp_not_found_window = 0
        self.contacts = self._make_contacts(6)
        self.audience = self._create_audience()
        self.assertSegmentUsers(self.audience, self._hashes(self.contacts))
        self.sent_before = len(self._user_requests(self.audience.segment_id))

    def _upload(self):
        """The *Update now* button; the elements LinkedIn received for it, as {action: set of hashes}."""
        self.audience.action_upload()
        sent = {"ADD": [], "REMOVE": []}
        for request in self._user_requests(self.audience.segment_id)[self.sent_before :]:
            for element in request["body"]["elements"]:
                sent[element["action"]].append(element["userIds"][0]["idValue"])
        self.sent_before = len(self._user_requests(self.audience.segment_id))
        return {action: sorted(hashes) for action, hashes in sent.items()}

    def assertSent(self, add=(), remove=()):
        self.assertEqual(self._upload(), {"ADD": sorted(self._hashes(add)), "REMOVE": sorted(self._hashes(remove))})

    def test_contact_added(self):
        new = self._make_contacts(2, prefix="new")
        # and one added through the list's side of the many2many
        other = self.env["mailing.contact"].create({"name": "Other", "email": "other@example.com"})
        self.mailing_list.contact_ids = [(4, other.id)]
        self.assertSent(add=new | other)
        self.assertSegmentUsers(self.audience, self._hashes(self.contacts | new | other))

    def test_contact_removed_from_list(self):
        self.contacts[0].list_ids = [(3, self.mailing_list.id)]
        self.env["mailing.subscription"].search(
            [("contact_id", "=", self.contacts[1].id), ("list_id", "=", self.mailing_list.id)]
        ).unlink()
        self.assertSent(remove=self.contacts[:2])
        self.assertSegmentUsers(self.audience, self._hashes(self.contacts[2:]))

    def test_opt_out_and_back(self):
        self._opt_out(self.contacts[0])
        self.assertSent(remove=self.contacts[0])
        self._opt_out(self.contacts[0], opt_out=False)
        self.assertSent(add=self.contacts[0])
        self.assertSegmentUsers(self.audience, self._hashes(self.contacts))

    def test_email_changed(self):
        old_email = self.contacts[0].email
        self.contacts[0].email = "Moved@Example.org"
        self.assertSent(add=["moved@example.org"], remove=[old_email])
        # an address that is no address any more: removed only
        old_email = self.contacts[1].email
        self.contacts[1].email = "not an address"
        self.assertSent(remove=[old_email])

    def test_contact_deleted(self):
        self.contacts[:2].unlink()
        self.assertSent(remove=[f"contact.{i}@example.com" for i in range(2)])
        self.assertSegmentUsers(self.audience, self._hashes(self.contacts[2:]))

    def test_blacklisted_and_back(self):
        blacklist = self.env["mail.blacklist"].create({"email": self.contacts[0].email})
        self.assertSent(remove=self.contacts[0])
        blacklist.action_archive()
        self.assertSent(add=self.contacts[0])

    def test_shared_address_stays_while_one_contact_has_it(self):
        twin = self.env["mailing.contact"].create(
            {"name": "Twin", "email": self.contacts[0].email.upper(), "list_ids": [(4, self.mailing_list.id)]}
        )
        self.assertSent()  # the address is in the audience already
        self.contacts[0].unlink()
        self.assertSent()  # the twin still has it
        twin.email = "twin@example.com"
        self.assertSent(add=["twin@example.com"], remove=["contact.0@example.com"])

    def test_other_lists_changes_send_nothing(self):
        other_list = self.env["mailing.list"].create({"name": "Other list"})
        self._make_contacts(3, mailing_list=other_list, prefix="elsewhere")
        self.contacts[0].list_ids = [(4, other_list.id)]
        self.assertSent()
        self.env.cr.execute(
            SQL("SELECT count(*) FROM linkedin_audience_change WHERE audience_id = %s", self.audience.id)
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "the check consumed what was logged")

    def test_only_logged_changes_are_compared_and_a_reset_compares_everything(self):
        # a change PostgreSQL did not log (the triggers switched off): the check does not see it...
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE mailing_subscription DISABLE TRIGGER USER")
        self.env.cr.execute(
            SQL(
                "UPDATE mailing_subscription SET opt_out = TRUE WHERE contact_id = %s AND list_id = %s",
                self.contacts[0].id,
                self.mailing_list.id,
            )
        )
        self.env.cr.execute("ALTER TABLE mailing_subscription ENABLE TRIGGER USER")
        self.env.invalidate_all()
        new = self._make_contacts(1, prefix="new")
        self.assertSent(add=new)
        # ...until the whole list is compared again: an audience whose changes were not logged
        self.audience.sudo().changes_logged = False
        self.assertSent(remove=self.contacts[0])
        self.assertTrue(self.audience.changes_logged)

    def test_contacts_of_changed_addresses_found_through_the_index(self):
        """The check finds every contact of a changed address (whatever its case) through the addon's index
        on the contacts, not by reading every contact of the database: the index is on the very expression
        the look-up compares."""
        twin = self.env["mailing.contact"].create({"name": "Twin", "email": self.contacts[0].email.upper()})
        self._opt_out(self.contacts[0])
        self.env.flush_all()
        Member = self.env["linkedin.audience.member"]
        Member._consume_logged_changes(self.audience)
        Member._create_changed_table(self.audience, retry_failed=False)
        self.env.cr.execute(SQL("SELECT id FROM linkedin_audience_changed_contacts"))
        self.assertEqual({row[0] for row in self.env.cr.fetchall()}, {self.contacts[0].id, twin.id})
        # PostgreSQL's own text of the indexed expression and of the look-up's (a test database is too small,
        # and other sessions may hold an index just built from their queries, for EXPLAIN to tell)
        self.env.cr.execute(SQL("SELECT pg_get_indexdef(%s::regclass, 1, false)", EMAIL_KEY_INDEX))
        indexed = self.env.cr.fetchone()[0]
        self.env.cr.execute(
            SQL("EXPLAIN (VERBOSE) SELECT %s FROM mailing_contact", _email_key(SQL("email_normalized")))
        )
        looked_up = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn(f"Output: {indexed}", looked_up)
        self.assertIn(_email_key(SQL("c.email_normalized")).code, Member._changed_contacts_query().code)

    def test_postgres_hash_of_tricky_addresses(self):
        """The digests PostgreSQL computes (ASCII addresses) are those of ``hash_email``, and the others
        are left to Python."""
        emails = [
            "  John.Doe+Tag@Example.COM  ",
            "\tTab@Example.com\n",
            "UPPER@EXAMPLE.ORG",
            "élodie@exämple.fr",
            "ÉLODIE@EXÄMPLE.FR",
            "user@xn--exmple-cua.fr",
            "δοκιμή@παράδειγμα.δοκιμή",
            "KELVIN\u212a@example.com",
        ]
        self.env.cr.execute(
            SQL(
                "SELECT e, CASE WHEN octet_length(e) = char_length(e) THEN %s END FROM unnest(%s::varchar[]) e",
                _sql_hash(SQL("e")),
                emails,
            )
        )
        for email, digest in self.env.cr.fetchall():
            if digest is not None:
                self.assertEqual(digest, hash_email(email), email)
            else:
                self.assertFalse(email.isascii(), f"{email!r} is ASCII: PostgreSQL hashes it")
        # through the plan: a list of such contacts reaches LinkedIn with hash_email's digests
        tricky_list = self.env["mailing.list"].create({"name": "Tricky"})
        contacts = self.env["mailing.contact"].create([{"email": e, "list_ids": [(4, tricky_list.id)]} for e in emails])
        audience = self._create_audience(mailing_list=tricky_list)
        expected = {hash_email(c.email_normalized) for c in contacts if c.email_normalized}
        self.assertTrue(expected)
        self.assertSegmentUsers(audience, expected)
