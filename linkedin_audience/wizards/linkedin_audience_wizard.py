# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

MIN_SERVED = 300
RECOMMENDED = 10000
MAILING_LIST_ACTION = "mass_mailing.action_view_mass_mailing_lists"
# the path of the client action that opens this wizard over its mailing list (the return from LinkedIn)
WIZARD_CLIENT_ACTION_PATH = "linkedin-audience-wizard"
UNUSABLE_STATUSES = ("CANCELED", "PENDING_DELETION", "REMOVED")


class LinkedInAudienceWizard(models.TransientModel):
    _name = "linkedin.audience.wizard"
    _description = "Send a Mailing List to LinkedIn"

    mailing_list_id = fields.Many2one("mailing.list", required=True, ondelete="cascade")
    available_profile_ids = fields.Many2many(
        "linkedin.user.profile", compute="_compute_available_profile_ids", string="Available Profiles"
    )
    profile_id = fields.Many2one(
        "linkedin.user.profile",
        string="LinkedIn Profile",
        compute="_compute_profile_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', available_profile_ids)]",
    )
    available_account_ids = fields.Many2many(
        "linkedin.ad.account", compute="_compute_available_account_ids", string="Available Ad Accounts"
    )
    ad_account_id = fields.Many2one(
        "linkedin.ad.account",
        compute="_compute_ad_account_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', available_account_ids)]",
    )
    name = fields.Char(string="Audience Name", compute="_compute_name", store=True, readonly=False)
    contact_count = fields.Integer(string="Contacts to Send", compute="_compute_counts")
    opt_out_count = fields.Integer(string="Opted Out", compute="_compute_counts")
    blacklisted_count = fields.Integer(string="Blacklisted", compute="_compute_counts")
    invalid_email_count = fields.Integer(string="Without Valid E-mail", compute="_compute_counts")
    size_level = fields.Selection(
        [("too_small", "Too small"), ("small", "Small"), ("ok", "Good")], compute="_compute_counts"
    )
    confirm_small = fields.Boolean(
        string="I understand; create the audience anyway",
        help="I understand that LinkedIn will not serve ads to this audience while it has fewer than "
        "300 matched members.",
    )
    existing_audience_id = fields.Many2one(
        "linkedin.audience",
        compute="_compute_existing_audience_id",
        help="The audience this list already has on the chosen ad account.",
    )
    missing_scope = fields.Boolean(compute="_compute_missing_scope")
    summary = fields.Html(compute="_compute_summary", sanitize=False)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    @api.depends("mailing_list_id")
    def _compute_available_profile_ids(self):
        profiles = self.env["linkedin.user.profile"].search(
            [("state", "=", "connected"), "|", ("user_id", "=", self.env.uid), ("share_for_audiences", "=", True)]
        )
        for wizard in self:
            wizard.available_profile_ids = profiles

    @api.depends("available_profile_ids")
    def _compute_profile_id(self):
        for wizard in self:
            if wizard.profile_id in wizard.available_profile_ids:
                continue
            own = wizard.available_profile_ids.filtered(lambda p: p.user_id == self.env.user)
            wizard.profile_id = (own or wizard.available_profile_ids)[:1]

    @api.depends("profile_id")
    def _compute_available_account_ids(self):
        for wizard in self:
            # a viewer cannot create audiences, a canceled or deleted account serves no ads, and an account
            # without a company page cannot run the campaigns that target them
            wizard.available_account_ids = wizard.profile_id.ad_account_ids.filtered(
                lambda a: (
                    a.active
                    and (a.role or "").upper() != "VIEWER"
                    and (a.status or "ACTIVE") not in UNUSABLE_STATUSES
                    and a.organization_urn
                )
            )

    @api.depends("available_account_ids")
    def _compute_ad_account_id(self):
        for wizard in self:
            if wizard.ad_account_id not in wizard.available_account_ids:
                wizard.ad_account_id = wizard.available_account_ids[:1]

    @api.depends("mailing_list_id")
    def _compute_name(self):
        for wizard in self:
            if not wizard.name:
                wizard.name = wizard.mailing_list_id.name

    @api.depends("mailing_list_id")
    def _compute_counts(self):
        Member = self.env["linkedin.audience.member"]
        for wizard in self:
            # the query that chooses what is sent counts it, so the preview says what the upload does
            counts = Member._count_list_contacts(wizard.mailing_list_id._origin.id or wizard.mailing_list_id.id)
            wizard.contact_count = counts["eligible"]
            wizard.opt_out_count = counts["opt_out"]
            wizard.blacklisted_count = counts["blacklisted"]
            wizard.invalid_email_count = counts["invalid"]
            if counts["eligible"] < MIN_SERVED:
                wizard.size_level = "too_small"
            elif counts["eligible"] < RECOMMENDED:
                wizard.size_level = "small"
            else:
                wizard.size_level = "ok"

    @api.depends("mailing_list_id", "ad_account_id")
    def _compute_existing_audience_id(self):
        # as the user: audiences of companies the user is not in (or has not selected) are nobody's business
        Audience = self.env["linkedin.audience"]
        for wizard in self:
            list_id, account_id = wizard.mailing_list_id._origin.id, wizard.ad_account_id._origin.id
            wizard.existing_audience_id = (
                list_id
                and account_id
                and Audience.search([("mailing_list_id", "=", list_id), ("ad_account_id", "=", account_id)], limit=1)
            )

    @api.depends("profile_id")
    def _compute_missing_scope(self):
        for wizard in self:
            wizard.missing_scope = bool(wizard.profile_id) and not wizard.profile_id._has_audience_scopes()

    @api.depends("mailing_list_id", "profile_id", "ad_account_id", "name", "contact_count")
    def _compute_summary(self):
        _ = self.env._
        for wizard in self:
            if not (wizard.mailing_list_id and wizard.profile_id and wizard.ad_account_id):
                wizard.summary = False
                continue
            bold = Markup("<b>%s</b>")
            steps = [
                Markup(
                    _(
                        "A LinkedIn Matched Audience named %(name)s is created on ad account %(account)s, "
                        "as LinkedIn member %(member)s."
                    )
                )
                % {
                    "name": bold % (wizard.name or ""),
                    "account": bold % wizard.ad_account_id.display_name,
                    "member": bold % (wizard.profile_id.member_name or wizard.profile_id.name),
                },
                Markup(
                    _(
                        "The e-mail addresses of %(count)s contacts of %(list)s are trimmed, lower-cased and "
                        "hashed (SHA-256) in Odoo; only the hashes are sent to LinkedIn, never the addresses."
                    )
                )
                % {"count": bold % wizard.contact_count, "list": bold % wizard.mailing_list_id.name},
            ]
            if self.env["linkedin.audience"]._sends_contact_details():
                steps.append(escape(_("Their names, company and country are sent too (a setting of Email Marketing).")))
            steps += [
                escape(
                    _(
                        "Contacts opted out of the list, blacklisted or without a valid e-mail are left out "
                        "(%(opt_out)s opted out, %(blacklisted)s blacklisted, %(invalid)s without valid e-mail).",
                        opt_out=wizard.opt_out_count,
                        blacklisted=wizard.blacklisted_count,
                        invalid=wizard.invalid_email_count,
                    )
                ),
                escape(
                    _(
                        "Large lists continue uploading in the background; LinkedIn then needs up to 48 hours "
                        "to match the members."
                    )
                ),
                escape(
                    _(
                        "Afterwards the audience stays in step with the list: new contacts are added, and "
                        "contacts who leave the list, opt out or are blacklisted are removed from it."
                    )
                ),
            ]
            wizard.summary = Markup("<ul>%s</ul>") % Markup("").join(Markup("<li>%s</li>") % step for step in steps)

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _check_before_create(self):
        self.ensure_one()
        _ = self.env._
        if not self.mailing_list_id.active:
            raise UserError(
                _(
                    "The mailing list %(list)s is archived: only active lists can be sent to LinkedIn.",
                    list=self.mailing_list_id.name,
                )
            )
        if not self.profile_id:
            raise UserError(_("Choose a connected LinkedIn profile, or authorize one first (LinkedIn > Profiles)."))
        self.profile_id._check_usable_for_audiences()
        if self.profile_id.state != "connected":
            raise UserError(
                _(
                    "The LinkedIn profile %(profile)s is not connected: authorize it first.",
                    profile=self.profile_id.name,
                )
            )
        if self.missing_scope:
            raise UserError(
                _(
                    "The LinkedIn profile %(profile)s was authorized without the Matched Audiences permission "
                    "(rw_dmp_segments). Authorize it again, then come back.",
                    profile=self.profile_id.name,
                )
            )
        if not self.ad_account_id or self.ad_account_id not in self.available_account_ids:
            raise UserError(
                _(
                    "Choose an ad account on which the LinkedIn member has a role other than viewer "
                    "(viewers cannot create audiences)."
                )
            )
        if not (self.name or "").strip():
            raise UserError(_("Give the audience a name."))
        # counted up to the threshold only: the click does not count a list of a million contacts again
        count = self.env["linkedin.audience.member"]._count_eligible_up_to(self.mailing_list_id.id, MIN_SERVED)
        if not count:
            raise UserError(_("The mailing list has no contact that can be sent to LinkedIn."))
        if count < MIN_SERVED and not self.confirm_small:
            raise UserError(
                _(
                    "This list has only %(count)s contacts to send: LinkedIn does not serve ads to an audience "
                    "with fewer than 300 matched members. Tick 'I understand; create the audience anyway' to "
                    "create it nevertheless.",
                    count=count,
                )
            )
        existing = self.existing_audience_id
        if existing:
            raise UserError(
                _(
                    "The list already has the audience %(audience)s on this ad account: open it and click "
                    "Update now instead.",
                    audience=existing.name,
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_authorize_profile(self):
        """Go authorize a LinkedIn profile (the user's own, created if needed)."""
        self.check_access("write")
        self.ensure_one()
        profiles = self.env["linkedin.user.profile"]
        if not profiles.has_access("write"):
            raise UserError(
                self.env._(
                    "Creating and authorizing a LinkedIn profile needs the LinkedIn Lead Gen Salesperson group, "
                    "which you do not have. Ask a LinkedIn Lead Gen administrator to give it to you, or to share "
                    "a connected profile for Matched Audiences."
                )
            )
        profile = self.profile_id if self.profile_id.user_id == self.env.user else profiles.browse()
        if not profile:
            profile = profiles.search([("user_id", "=", self.env.uid)], limit=1)
        if not profile:
            profile = profiles.create({"name": self.env.user.name})
        # once signed in on LinkedIn, the user comes back to this wizard over its list, the profile chosen
        # (static/src/js/linkedin_audience_wizard_action.js)
        return_url = (
            f"/odoo/action-{MAILING_LIST_ACTION}/{self.mailing_list_id.id}/{WIZARD_CLIENT_ACTION_PATH}"
            f"?profile_id={profile.id}"
        )
        return profile.with_context(linkedin_oauth_return_url=return_url).action_authorize()

    def action_create(self):
        """Create the audience and its LinkedIn segment, then upload within the time budget."""
        self.check_access("write")
        self.env["linkedin.audience"].check_access("create")
        self.ensure_one()
        self._check_before_create()
        audience = self.env["linkedin.audience"]._create_and_upload(
            self.mailing_list_id, self.profile_id, self.ad_account_id, self.name.strip()
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "linkedin.audience",
            "res_id": audience.id,
            "view_mode": "form",
            "target": "current",
        }
