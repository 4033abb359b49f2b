# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from .. import linkedin as li

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

ACCOUNT_FIELDS = "id,name,currency,status,type,reference,test,referenceInfo"

# LinkedIn's codes are stored as LinkedIn sends them (other code compares ``role`` with "VIEWER"...).
# LinkedIn adds values without notice (API notes, section 10), so these lists only serve display:
# an unknown code is shown as words (see ``humanize_code``), never rejected.
ACCOUNT_ROLES = {
    "ACCOUNT_BILLING_ADMIN": _lt("Account Billing Admin"),
    "ACCOUNT_MANAGER": _lt("Account Manager"),
    "CAMPAIGN_MANAGER": _lt("Campaign Manager"),
    "CREATIVE_MANAGER": _lt("Creative Manager"),
    "VIEWER": _lt("Viewer"),
}
ACCOUNT_STATUSES = {
    "ACTIVE": _lt("Active"),
    "CANCELED": _lt("Canceled"),
    "DRAFT": _lt("Draft"),
    "PENDING_DELETION": _lt("Pending Deletion"),
    "REMOVED": _lt("Removed"),
}
# named as in LinkedIn's page admin settings, where a page administrator grants them
PAGE_ROLES = {
    "ADMINISTRATOR": _lt("Super Admin"),
    "CONTENT_ADMINISTRATOR": _lt("Content Admin"),
    "LEAD_GEN_FORMS_MANAGER": _lt("Lead Gen Forms Manager"),
    "DIRECT_SPONSORED_CONTENT_POSTER": _lt("Sponsored Content Poster"),
    "RECRUITING_POSTER": _lt("Recruiting Poster"),
    "ANALYST": _lt("Analyst"),
    "CURATOR": _lt("Curator"),
}


def humanize_code(code):
    """A LinkedIn code nobody gave a label yet, as words: ``"NEW_ROLE"`` → ``"New Role"``."""
    return code.replace("_", " ").strip().title() if code else False


class LinkedInAdAccount(models.Model):
    _name = "linkedin.ad.account"
    _inherit = ["linkedin.sync.mixin"]
    _description = "LinkedIn Ad Account"
    _order = "name, id"
    _rec_names_search = ["name", "linkedin_id"]

    name = fields.Char(required=True)
    linkedin_id = fields.Char(
        string="LinkedIn ID", required=True, index=True, readonly=True, help="LinkedIn's numeric ad account id."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    profile_ids = fields.Many2many(
        "linkedin.user.profile",
        "linkedin_ad_account_user_profile_rel",
        "account_id",
        "profile_id",
        string="User Profiles",
        readonly=True,
    )
    currency = fields.Char(readonly=True)
    status = fields.Char(
        string="Status Code", readonly=True, help="LinkedIn's account status code, e.g. ACTIVE or CANCELED."
    )
    status_label = fields.Char(string="Status", compute="_compute_labels")
    role = fields.Char(
        string="Role Code", readonly=True, help="LinkedIn's code of the member's role on the ad account, e.g. VIEWER."
    )
    role_label = fields.Char(string="Role", compute="_compute_labels")
    test = fields.Boolean(string="Test Account", readonly=True)
    organization_urn = fields.Char(string="Company Page URN", readonly=True)
    organization_name = fields.Char(string="Company Page", readonly=True)
    organization_role = fields.Char(
        string="Page Role Code", readonly=True, help="LinkedIn's code of the member's role on the company page."
    )
    organization_role_label = fields.Char(
        string="Page Role", compute="_compute_labels", help="The member's role on the company page."
    )
    can_sync = fields.Boolean(
        string="Can Deliver Leads",
        readonly=True,
        default=True,
        help="Lead Gen Form submissions can be synced from this account.",
    )
    sync_issue = fields.Char(readonly=True, help="Why leads cannot (or may not) be synced.")
    form_ids = fields.One2many("linkedin.lead.form", "account_id", string="Lead Forms")
    form_count = fields.Integer(compute="_compute_form_count", string="Forms")

    # Synchronization state, written by the importer
    sync_watermark = fields.Datetime(readonly=True, copy=False, help="Submissions up to this time are imported.")
    sync_cursor = fields.Char(readonly=True, copy=False)
    sync_state = fields.Selection(
        [("idle", "Idle"), ("running", "Running"), ("backlog", "Backlog"), ("error", "Error")],
        default="idle",
        required=True,
        readonly=True,
        copy=False,
    )
    last_sync_date = fields.Datetime(string="Last Sync", readonly=True, copy=False)
    last_success_date = fields.Datetime(string="Last Successful Sync", readonly=True, copy=False)
    last_sync_error = fields.Text(readonly=True, copy=False)
    lead_created_count = fields.Integer(string="Leads Created", readonly=True, copy=False)
    lead_updated_count = fields.Integer(string="Leads Updated", readonly=True, copy=False)
    webhook_subscription_id = fields.Char(readonly=True, copy=False)

    _sql_constraints = [
        (
            "linkedin_id_company_uniq",
            "unique(linkedin_id, company_id)",
            "A LinkedIn ad account can only be registered once per company.",
        ),
    ]

    @api.depends("form_ids")
    def _compute_form_count(self):
        for account in self:
            account.form_count = len(account.form_ids)

    @api.depends("role", "status", "organization_role")
    @api.depends_context("lang")
    def _compute_labels(self):
        def label(labels, code):
            return self.env._(labels[code]) if code in labels else humanize_code(code)

        for account in self:
            account.role_label = label(ACCOUNT_ROLES, account.role)
            account.status_label = label(ACCOUNT_STATUSES, account.status)
            account.organization_role_label = label(PAGE_ROLES, account.organization_role)

    @api.depends("name", "linkedin_id")
    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.name} ({account.linkedin_id})" if account.linkedin_id else account.name

    def action_view_forms(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_lead_form_action")
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id, "create": False}
        return action

    # ------------------------------------------------------------------
    # Discovery
    # ------------------------------------------------------------------

    @api.model
    def _discover(self, client, profile):
        """Create or update the ad accounts the profile's member can access; return them.

        Runs as superuser: salespeople only read accounts.
        """
        account_roles = {}
        for user in client.iter_ad_account_users():
            account_id = li.parse_urn_id(user.get("account") or "")
            if account_id:
                account_roles[str(account_id)] = user.get("role") or ""
        if not account_roles:
            return self.browse()

        details = {}
        # the projection returns the company page's name (``referenceInfo``) in the same call
        for account in client.iter_ad_accounts(ids=list(account_roles), fields=ACCOUNT_FIELDS):
            details[str(account.get("id"))] = account
        for account_id in account_roles:
            if account_id not in details or "reference" not in details[account_id]:
                try:
                    details[account_id] = {**details.get(account_id, {}), **client.get_ad_account(account_id)}
                except li.NotFoundError:
                    _logger.info("LinkedIn ad account %s is not readable any more", account_id)

        page_roles, acl_issue = {}, False
        try:
            for acl in client.iter_organization_acls():
                org = acl.get("organization") or acl.get("organizationTarget")
                if org and acl.get("state", "APPROVED") == "APPROVED":
                    page_roles.setdefault(org, acl.get("role") or "")
        except li.InsufficientPermissionError:
            acl_issue = True

        accounts = self.browse()
        Account = self.sudo().with_context(active_test=False)
        existing = {
            account.linkedin_id: account
            for account in Account.search(
                [("linkedin_id", "in", list(account_roles)), ("company_id", "=", profile.company_id.id)]
            )
        }
        owners = self._owners_in_other_companies(list(account_roles), profile.company_id)
        for account_id, role in account_roles.items():
            data = details.get(account_id)
            if not data:
                continue
            vals = self._prepare_account_vals(data, role, page_roles, acl_issue)
            account = existing.get(account_id)
            self._apply_one_company_rule(vals, account, owners.get(account_id))
            if account:
                # only what changed: an account being synced is locked by its run, and an UPDATE of its
                # row would wait for that run to end, then fail on the concurrent update
                changed = {fname: value for fname, value in vals.items() if account[fname] != value}
                if changed:
                    account.write(changed)
            else:
                account = Account.create({**vals, "linkedin_id": account_id, "company_id": profile.company_id.id})
            accounts |= account
        return accounts.with_env(self.env)

    @api.model
    def _owners_in_other_companies(self, linkedin_ids, company):
        """``{LinkedIn id: account}``: the oldest syncing record of each ad account in another company."""
        owners = {}
        domain = [("linkedin_id", "in", linkedin_ids), ("company_id", "!=", company.id), ("can_sync", "=", True)]
        for other in self.sudo().with_context(active_test=False).search(domain, order="id"):
            owners.setdefault(other.linkedin_id, other)
        return owners

    @api.model
    def _apply_one_company_rule(self, vals, account, owner):
        """One LinkedIn ad account, one company: each lead has one submission (its LinkedIn id is unique), so
        the company that had the account first receives its leads; the other companies' records do not sync."""
        if vals.get("can_sync") and owner and (not account or owner.id < account.id):
            vals.update(
                can_sync=False,
                sync_issue=self.env._(
                    "The leads of this ad account are synced in company %(company)s: LinkedIn delivers each "
                    "lead once, so one company receives them.",
                    company=owner.company_id.name,
                ),
            )

    @api.model
    def _prepare_account_vals(self, data, role, page_roles, acl_issue=False):
        organization = (data.get("referenceInfo") or {}).get("organization") or {}
        reference = data.get("reference") or ""
        if not reference.startswith("urn:li:organization:"):
            reference = li.organization_urn(organization["id"]) if organization.get("id") else ""
        vals = {
            "name": data.get("name") or str(data.get("id")),
            "currency": data.get("currency") or False,
            "status": data.get("status") or False,
            "role": role or False,
            "test": bool(data.get("test")),
            "organization_urn": reference or False,
            "organization_name": organization.get("localizedName") or reference or False,
            "organization_role": page_roles.get(reference) or False,
            "active": True,
        }
        if not reference:
            vals.update(
                can_sync=False,
                sync_issue=self.env._(
                    "This account has no company page: LinkedIn delivers no leads for it. "
                    "Associate a LinkedIn Page with the account in Campaign Manager."
                ),
            )
        elif reference not in page_roles and not acl_issue:
            vals.update(
                can_sync=False,
                sync_issue=self.env._(
                    "The LinkedIn member has no role on the company page %(page)s: ask a page administrator "
                    "for a role (e.g. Lead Gen Forms manager) to sync its leads.",
                    page=vals["organization_name"],
                ),
            )
        else:
            # informative notes only: the account still syncs
            notes = []
            if acl_issue:
                notes.append(
                    self.env._(
                        "The member's role on the company page could not be checked; authorize the profile "
                        "again to grant the organization permission."
                    )
                )
            if vals["status"] in ("CANCELED", "REMOVED", "PENDING_DELETION"):
                # LinkedIn keeps an account's leads for 365 days, whatever becomes of the account
                notes.append(self._closed_account_note(vals["status"]))
            vals.update(can_sync=True, sync_issue=" ".join(notes) or False)
        return vals

    @api.model
    def _closed_account_note(self, status):
        if status == "CANCELED":
            return self.env._(
                "This ad account is canceled on LinkedIn: no new leads will arrive; "
                "the leads LinkedIn still holds are synced."
            )
        if status == "REMOVED":
            return self.env._(
                "This ad account is removed on LinkedIn: no new leads will arrive; "
                "the leads LinkedIn still holds are synced."
            )
        return self.env._(
            "This ad account is being deleted on LinkedIn: no new leads will arrive; "
            "the leads LinkedIn still holds are synced."
        )

    # ------------------------------------------------------------------
    # Forms
    # ------------------------------------------------------------------

    def _refresh_forms(self, client):
        """Fetch the account's lead forms and their questions from LinkedIn."""
        forms = self.env["linkedin.lead.form"]
        for account in self:
            forms |= self.env["linkedin.lead.form"]._upsert_from_linkedin(account, account._fetch_forms(client))
        return forms

    def _fetch_forms(self, client):
        """The account's lead forms as LinkedIn lists them (dicts)."""
        self.ensure_one()
        return list(client.iter_lead_forms(self.linkedin_id))
