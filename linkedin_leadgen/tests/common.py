# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Test base for both addons: one in-process LinkedIn emulator per class, users with the lowest rights.

Odoo 18's test base lets HTTP requests to 127.0.0.1 through, so every Odoo test talks to the
emulator over the wire, exactly as it would to LinkedIn.
"""

from contextlib import contextmanager

from odoo.tests import HttpCase, TransactionCase, new_test_user

from odoo.addons.linkedin_leadgen import linkedin as li
from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator
from odoo.addons.linkedin_leadgen.models.linkedin_user_profile import ReconnectRequired

EMULATOR_CLIENT_ID = "emu-client"
EMULATOR_CLIENT_SECRET = "emu-secret"


class LinkedInCommon:
    """Mixin with the class set-up; use :class:`LinkedInCase` or :class:`LinkedInHttpCase`."""

    #: keyword arguments for :class:`LinkedInEmulator` (``responses``, ``seed``, ``page_cap``...)
    emulator_kwargs = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = LinkedInEmulator(
            client_id=EMULATOR_CLIENT_ID, client_secret=EMULATOR_CLIENT_SECRET, **(cls.emulator_kwargs or {})
        )
        cls.emulator.start()
        cls.addClassCleanup(cls.emulator.stop)
        cls._set_linkedin_params()

        cls.company = cls.env.company
        cls.user_salesperson = new_test_user(
            cls.env,
            login="li_salesperson",
            name="Sally Salesperson",
            email="sally.salesperson@example.com",
            groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
        )
        cls.user_salesperson_2 = new_test_user(
            cls.env,
            login="li_salesperson_2",
            name="Sam Salesperson",
            email="sam.salesperson@example.com",
            groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
        )
        cls.user_manager = new_test_user(
            cls.env,
            login="li_manager",
            name="Mona LinkedIn Admin",
            email="mona.manager@example.com",
            groups="linkedin_leadgen.group_linkedin_leadgen_manager",
        )
        cls.user_marketing = None
        if "mailing.mailing" in cls.env:
            cls.user_marketing = new_test_user(
                cls.env,
                login="li_marketing",
                name="Mark Marketer",
                email="mark.marketer@example.com",
                groups="mass_mailing.group_mass_mailing_user",
            )

    @classmethod
    def _set_linkedin_params(cls, **overrides):
        values = {
            "linkedin_leadgen.client_id": EMULATOR_CLIENT_ID,
            "linkedin_leadgen.client_secret": EMULATOR_CLIENT_SECRET,
            "linkedin_leadgen.api_url": cls.emulator.api_url,
            "linkedin_leadgen.oauth_url": cls.emulator.oauth_url,
            "linkedin_leadgen.api_version": li.DEFAULT_VERSION,
            **overrides,
        }
        set_param = cls.env["ir.config_parameter"].sudo().set_param
        for key, value in values.items():
            set_param(key, value)

    @classmethod
    def _tokens(cls, token_response=None, **issue_kwargs):
        """A :class:`Tokens` from an emulator token response (``emulator.issue_tokens()`` by default)."""
        return li.Tokens.from_response(token_response or cls.emulator.issue_tokens(**issue_kwargs))

    @classmethod
    def _make_profile(cls, user, tokens=None, name=None, **vals):
        """A connected profile of ``user`` with tokens from the emulator and its ad accounts refreshed.

        ``tokens``: a :class:`Tokens` or an OAuth token response dict; default ``emulator.issue_tokens()``.
        """
        if tokens is None:
            tokens = cls._tokens()
        elif isinstance(tokens, dict):
            tokens = cls._tokens(tokens)
        profile = (
            cls.env["linkedin.user.profile"]
            .with_user(user)
            .create({"name": name or f"{user.name} on LinkedIn", **vals})
        )
        profile._connect_with_tokens(tokens)
        return profile

    # ------------------------------------------------------------------
    # Assertions
    # ------------------------------------------------------------------

    def assertProfileConnected(self, profile):
        profile.invalidate_recordset()
        self.assertEqual(profile.state, "connected", profile.last_error)
        self.assertTrue(profile.member_urn, "the LinkedIn member is shown once connected")
        self.assertTrue(profile.sudo().access_token)
        self.assertTrue(profile.ad_account_ids, "the member's ad accounts are associated")

    def assertProfileNeedsReconnect(self, profile):
        profile.invalidate_recordset()
        self.assertEqual(profile.state, "reconnect")

    @contextmanager
    def assertReconnectRequired(self, profile):
        """The block raises :class:`ReconnectRequired` and leaves ``profile`` in the "Reconnect needed" state.

        (Odoo's ``assertRaises`` rolls back to a savepoint; in a request the state survives the rollback,
        here the block must not be rolled back to observe it.)
        """
        with self.assertRaisesRegex(ReconnectRequired, "Authorize"):
            yield
        self.assertProfileNeedsReconnect(profile)


class LinkedInCase(LinkedInCommon, TransactionCase):
    """TransactionCase with a LinkedIn emulator (``cls.emulator``) and LinkedIn users."""


class LinkedInHttpCase(LinkedInCommon, HttpCase):
    """HttpCase with a LinkedIn emulator; for controllers (OAuth callback, webhook)."""
