# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import time
from datetime import timedelta

from werkzeug.urls import url_join

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools import consteq

from .. import linkedin as li
from .linkedin_sync_mixin import SYNC_CRON

_logger = logging.getLogger(__name__)

OAUTH_CALLBACK_PATH = "/linkedin_leadgen/oauth/callback"
OAUTH_HMAC_SCOPE = "linkedin_leadgen-oauth"
# LinkedIn's authorization codes live 30 minutes; a state older than this is refused.
OAUTH_STATE_MAX_AGE = 3600
OAUTH_RETURN_KEY = "linkedin_leadgen_oauth_return"
TOKEN_WARNING_DAYS = 14
CLIENT_MAX_RETRIES = 4
CLIENT_TIMEOUT = 30  # seconds LinkedIn has to answer a call (system parameter linkedin_leadgen.client_timeout)
MANAGER_GROUP = "linkedin_leadgen.group_linkedin_leadgen_manager"
# Written by the connection itself (authorization, account discovery, sync), never by a salesperson's
# hand: linking an ad account to one's own profile would make the sync use the wrong LinkedIn grant.
CONNECTION_FIELDS = (
    "state",
    "member_urn",
    "member_name",
    "token_expires_at",
    "refresh_token_expires_at",
    "scopes",
    "ad_account_ids",
    "last_error",
)


class ReconnectRequired(UserError):
    """The LinkedIn grant of a profile is expired or revoked: its owner must authorize again.

    ``profile_id`` names the profile that was put in the "Reconnect needed" state.
    """

    def __init__(self, message, profile_id=None, reason=None):
        super().__init__(message)
        self.profile_id = profile_id
        self.reason = reason


class LinkedInUserProfile(models.Model):
    _name = "linkedin.user.profile"
    _description = "LinkedIn User Profile"
    _inherit = ["mail.thread", "mail.activity.mixin", "linkedin.sync.mixin"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain=lambda self: [("groups_id", "in", self.env.ref("base.group_user").ids)],
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    state = fields.Selection(
        [
            ("draft", "Not connected"),
            ("connected", "Connected"),
            ("reconnect", "Reconnect needed"),
            ("disconnected", "Disconnected"),
        ],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    member_urn = fields.Char(string="LinkedIn Member URN", readonly=True, copy=False)
    member_name = fields.Char(string="LinkedIn Member", readonly=True, copy=False)
    access_token = fields.Char(groups="base.group_system", copy=False)
    refresh_token = fields.Char(groups="base.group_system", copy=False)
    token_expires_at = fields.Datetime(string="Access Token Expires", readonly=True, copy=False)
    refresh_token_expires_at = fields.Datetime(string="Refresh Token Expires", readonly=True, copy=False)
    grant_expires_at = fields.Datetime(
        string="Authorization Expires",
        compute="_compute_grant_expires_at",
        store=True,
        help="When the owner has to authorize again: the refresh token's expiry when LinkedIn granted one, "
        "else the access token's.",
    )
    scopes = fields.Char(string="Granted Scopes", readonly=True, copy=False)
    ad_account_ids = fields.Many2many(
        "linkedin.ad.account",
        "linkedin_ad_account_user_profile_rel",
        "profile_id",
        "account_id",
        string="LinkedIn Accounts",
        copy=False,
    )
    ad_account_count = fields.Integer(compute="_compute_ad_account_count", string="Accounts")
    last_error = fields.Text(readonly=True, copy=False)
    share_for_audiences = fields.Boolean(
        string="Share for Matched Audiences",
        help="Let marketing users send mailing lists to this profile's LinkedIn accounts "
        "(LinkedIn Matched Audiences). Set by LinkedIn Lead Gen administrators.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("token_expires_at", "refresh_token_expires_at")
    def _compute_grant_expires_at(self):
        for profile in self:
            profile.grant_expires_at = profile.refresh_token_expires_at or profile.token_expires_at

    @api.depends("ad_account_ids")
    def _compute_ad_account_count(self):
        for profile in self:
            profile.ad_account_count = len(profile.ad_account_ids)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a new profile starts unconnected and unshared: only values saying otherwise need the rights
            self._check_salesperson_vals(
                {fname: value for fname, value in vals.items() if value and (fname, value) != ("state", "draft")}
            )
        return super().create(vals_list)

    def write(self, vals):
        self._check_salesperson_vals(vals)
        return super().write(vals)

    def _check_salesperson_vals(self, vals):
        """Salespeople edit the name of their own profiles; the rest is the administrators' or the connection's."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        if "share_for_audiences" in vals:
            raise AccessError(
                self.env._("Only LinkedIn Lead Gen administrators can share a profile for Matched Audiences.")
            )
        if "user_id" in vals and vals["user_id"] != self.env.uid:
            raise AccessError(self.env._("Only LinkedIn Lead Gen administrators can give a profile to another user."))
        if fnames := [fname for fname in CONNECTION_FIELDS if fname in vals]:
            raise AccessError(
                self.env._(
                    "%(fields)s of a LinkedIn profile are set by LinkedIn when the profile is authorized and "
                    "synced; they cannot be edited.",
                    fields=", ".join(self._fields[fname]._description_string(self.env) for fname in fnames),
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_authorize(self):
        """Send the browser to LinkedIn's sign-in and permission dialog."""
        self.ensure_one()
        self.check_access("write")
        params = self._get_linkedin_params()
        if not params["client_id"] or not params["client_secret"]:
            raise UserError(
                self.env._(
                    "LinkedIn is not configured yet: an administrator has to enter the LinkedIn app's "
                    "client ID and client secret in CRM > Configuration > Settings."
                )
            )
        client = self._new_client(params)
        url = client.authorization_url(self._get_redirect_uri(), self._get_oauth_scopes(), self._get_oauth_state())
        self._remember_oauth_return_url(self.env.context.get("linkedin_oauth_return_url"))
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_sync_submissions(self):
        """Refresh accounts and forms, then import submissions within the time budget.

        Whatever is left (a first backfill, a reset) continues in the background through the sync cron.
        """
        self.ensure_one()
        self.check_access("write")
        client = self._get_client()
        with self._translate_linkedin_errors():
            self._refresh_ad_accounts(client=client)
            accounts = self.sudo().ad_account_ids.filtered("can_sync")
            # an account the cron (or another click) is syncing has its forms refreshed there
            accounts.filtered(lambda account: account._linkedin_try_lock())._refresh_forms(client)
        # an account several profiles reach is synced with the grant of the profile clicked
        importer = self.env["linkedin.lead.importer"].with_context(linkedin_profile_id=self.id)
        return importer._action_sync_accounts(accounts)

    def action_disconnect(self):
        """Remove the webhook subscriptions of the profile's accounts and forget the tokens."""
        self.check_access("write")
        for profile in self:
            sudo_profile = profile.sudo()
            # an account still used by another connected profile keeps its subscription
            accounts = sudo_profile.ad_account_ids.filtered(
                lambda account, p=sudo_profile: (
                    account.webhook_subscription_id
                    and not (account.profile_ids - p).filtered(lambda other: other.state == "connected")
                )
            )
            if accounts and sudo_profile.access_token:
                try:
                    client = profile._new_client(profile._get_linkedin_params(), tokens_from=sudo_profile)
                    for account in accounts:
                        try:
                            account._unsubscribe_webhook(client)
                        except li.LinkedInError as exc:
                            _logger.warning(
                                "LinkedIn profile %s: could not remove webhook subscription of account %s: %s",
                                profile.id,
                                account.linkedin_id,
                                exc,
                            )
                        account.webhook_subscription_id = False
                except li.LinkedInError as exc:
                    _logger.warning("LinkedIn profile %s: disconnect could not reach LinkedIn: %s", profile.id, exc)
            sudo_profile.write(
                {
                    "access_token": False,
                    "refresh_token": False,
                    "token_expires_at": False,
                    "refresh_token_expires_at": False,
                    "state": "disconnected",
                    "last_error": False,
                }
            )
            profile.activity_unlink(["linkedin_leadgen.mail_activity_type_linkedin_reconnect"])
        return True

    def action_view_ad_accounts(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_ad_account_action")
        action["domain"] = [("id", "in", self.ad_account_ids.ids)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # OAuth
    # ------------------------------------------------------------------

    @api.model
    def _get_linkedin_params(self):
        param = self._linkedin_param
        return {
            "client_id": param("linkedin_leadgen.client_id", ""),
            "client_secret": param("linkedin_leadgen.client_secret", ""),
            "api_url": param("linkedin_leadgen.api_url", li.DEFAULT_API_URL),
            "oauth_url": param("linkedin_leadgen.oauth_url", li.DEFAULT_OAUTH_URL),
            "version": param("linkedin_leadgen.api_version", li.DEFAULT_VERSION),
        }

    def _get_oauth_scopes(self):
        """Scopes requested on authorization; ``linkedin_audience`` adds the Matched Audiences scope."""
        return list(li.LEADGEN_SCOPES)

    def _get_redirect_uri(self):
        return url_join(self.get_base_url(), OAUTH_CALLBACK_PATH)

    def _oauth_state_digest(self, timestamp):
        self.ensure_one()
        return tools.misc.hmac(self.env(su=True), OAUTH_HMAC_SCOPE, (self._name, self.id, self.env.uid, timestamp))

    def _get_oauth_state(self):
        """``<profile id>.<timestamp>.<HMAC>``: bound to this record and to the current user."""
        self.ensure_one()
        timestamp = int(time.time())
        return f"{self.id}.{timestamp}.{self._oauth_state_digest(timestamp)}"

    def _remember_oauth_return_url(self, url):
        """Where the callback sends the browser once connected (the page the authorization started from),
        kept in the browser's session; only a page of Odoo's web client."""
        if request and url and url.startswith("/odoo/") and "//" not in url and "\\" not in url:
            request.session[OAUTH_RETURN_KEY] = {"profile_id": self.id, "url": url}

    def _pop_oauth_return_url(self):
        """The page remembered by :meth:`_remember_oauth_return_url` for this profile, forgotten once read."""
        remembered = request.session.pop(OAUTH_RETURN_KEY, None) if request else None
        if isinstance(remembered, dict) and remembered.get("profile_id") == self.id:
            return remembered.get("url")
        return None

    @api.model
    def _profile_from_oauth_state(self, state):
        """Return the profile named by ``state`` if it was issued to the current user, else an empty recordset."""
        try:
            profile_id, timestamp, digest = (state or "").split(".")
            profile_id, timestamp = int(profile_id), int(timestamp)
        except ValueError:
            return self.browse()
        if not 0 <= time.time() - timestamp <= OAUTH_STATE_MAX_AGE:
            return self.browse()
        profile = self.browse(profile_id)
        if not consteq(digest, profile._oauth_state_digest(timestamp)):
            return self.browse()
        # access rights of the current user: a state for a profile they cannot see is refused
        return profile.exists()._filtered_access("write")

    def _finish_authorization(self, code):
        """Exchange the authorization code, store the tokens, read the member and the ad accounts."""
        self.ensure_one()
        self.check_access("write")
        client = self._new_client(self._get_linkedin_params())
        try:
            tokens = client.exchange_code(code, self._get_redirect_uri())
        except li.LinkedInError as exc:
            raise UserError(
                self.env._(
                    "LinkedIn refused the authorization code (%(error)s). Click Authorize to try again.",
                    error=str(exc),
                )
            ) from exc
        self._connect_with_tokens(tokens, client=client)

    def _connect_with_tokens(self, tokens, client=None):
        """Store a fresh grant and read the member and their ad accounts (code exchange or tests)."""
        self.ensure_one()
        self._store_tokens(tokens)
        self.sudo().write({"state": "connected", "last_error": False})
        self.activity_unlink(["linkedin_leadgen.mail_activity_type_linkedin_reconnect"])
        client = client or self._get_client()
        with self._translate_linkedin_errors():
            me = client.get_me()
        first, last = me.get("localizedFirstName") or "", me.get("localizedLastName") or ""
        member_id = me.get("id")
        self.sudo().write(
            {
                "member_urn": member_id and li.person_urn(member_id),
                "member_name": " ".join(part for part in (first, last) if part) or member_id,
            }
        )
        self._refresh_ad_accounts(client=client)
        # its leads start arriving at once, not at the cron's next interval
        self._linkedin_trigger_cron(SYNC_CRON)

    def _store_tokens(self, tokens):
        """Store a :class:`Tokens` (on code exchange and every refresh)."""
        self.ensure_one()
        vals = {
            "access_token": tokens.access_token,
            "token_expires_at": li.epoch_to_datetime(tokens.expires_at),
            "scopes": " ".join(tokens.scopes or []) or self.sudo().scopes,
        }
        if tokens.refresh_token:
            vals["refresh_token"] = tokens.refresh_token
            if tokens.refresh_expires_at:
                vals["refresh_token_expires_at"] = li.epoch_to_datetime(tokens.refresh_expires_at)
        self.sudo().write(vals)

    def _store_refreshed_tokens(self, tokens):
        """Store the tokens of a refresh, unless another worker is storing (or has just stored) its own refresh
        of the same grant. LinkedIn neither rotates refresh tokens nor revokes the previous access token on a
        refresh (API notes 2.3): that worker's tokens are as good as ours, and ours stay on this worker's
        client. Writing the row anyway would fail this worker's transaction ("could not serialize access")."""
        self.ensure_one()
        if self._linkedin_try_lock():
            self._store_tokens(tokens)
        else:
            _logger.info("LinkedIn profile %s: another worker refreshed its token at the same time", self.id)

    def _has_scopes(self, scopes):
        self.ensure_one()
        granted = set(li.split_scopes(self.sudo().scopes))
        return set(scopes) <= granted

    # ------------------------------------------------------------------
    # Client
    # ------------------------------------------------------------------

    def _new_client(self, params, tokens_from=None):
        kwargs = {}
        if tokens_from:
            kwargs = {
                "access_token": tokens_from.access_token or None,
                "refresh_token": tokens_from.refresh_token or None,
                "expires_at": li.datetime_to_epoch(tokens_from.token_expires_at),
                "refresh_expires_at": li.datetime_to_epoch(tokens_from.refresh_token_expires_at),
            }
        return li.LinkedInClient(
            params["api_url"],
            params["oauth_url"],
            params["client_id"],
            params["client_secret"],
            version=params["version"],
            # the client's own bounded retries of a passing error, waited on the clock
            max_retries=self._linkedin_param_int("linkedin_leadgen.client_max_retries", CLIENT_MAX_RETRIES),
            timeout=self._linkedin_param_int("linkedin_leadgen.client_timeout", CLIENT_TIMEOUT, minimum=1),
            sleep=self._linkedin_clock().sleep,
            **kwargs,
        )

    def _get_client(self):
        """A :class:`LinkedInClient` with valid tokens for this profile.

        Refreshed tokens are stored back on the profile. When the grant is expired or revoked, the
        profile is put in the "Reconnect needed" state and a :class:`ReconnectRequired` is raised.
        """
        self.ensure_one()
        profile = self.sudo()
        if profile.state in ("draft", "disconnected") or not profile.access_token:
            raise ReconnectRequired(
                self.env._(
                    'The profile "%(name)s" is not connected to LinkedIn: its owner has to click Authorize first.',
                    name=self.name,
                ),
                profile_id=self.id,
            )
        if profile.state != "connected":
            raise ReconnectRequired(self._reconnect_message(), profile_id=self.id, reason=profile.last_error)
        client = self._new_client(self._get_linkedin_params(), tokens_from=profile)
        client.on_tokens = profile._store_refreshed_tokens
        expires_at = li.datetime_to_epoch(profile.token_expires_at)
        if expires_at and expires_at <= time.time() + 60:
            if not profile.refresh_token:
                reason = self.env._("The LinkedIn access token expired.")
                self._mark_reconnect(reason)
                raise ReconnectRequired(self._reconnect_message(), profile_id=self.id, reason=reason)
            with self._translate_linkedin_errors():
                client.refresh()
        return client

    def _reconnect_message(self):
        return self.env._(
            'The LinkedIn authorization of profile "%(name)s" has expired or was revoked. '
            "Its owner has to click Authorize on the profile to connect it again.",
            name=self.name,
        )

    def _translate_linkedin_errors(self, mark_reconnect=True):
        return _LinkedInErrors(self, mark_reconnect)

    def _mark_reconnect(self, reason):
        """Put the profile in the "Reconnect needed" state, even if the current transaction rolls back."""
        self.ensure_one()
        vals = {"state": "reconnect", "last_error": reason}
        self.sudo().write(vals)
        profile_id, dbname = self.id, self.env.cr.dbname

        def persist():
            # The request is being rolled back (the caller gets a UserError): record the state in a
            # cursor of our own, committed on its own, so the profile shows it.
            try:
                with self.env.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env[self._name].browse(profile_id).exists().write(vals)
            except Exception:
                _logger.exception("LinkedIn profile %s (%s): could not record the reconnect state", profile_id, dbname)

        self.env.cr.postrollback.add(persist)

    # ------------------------------------------------------------------
    # Ad accounts
    # ------------------------------------------------------------------

    def _refresh_ad_accounts(self, client=None):
        """Discover the ad accounts the member can use and link them to the profile."""
        self.ensure_one()
        client = client or self._get_client()
        with self._translate_linkedin_errors():
            accounts = self.env["linkedin.ad.account"]._discover(client, self)
        self.sudo().ad_account_ids = accounts
        return accounts

    # ------------------------------------------------------------------
    # Token life
    # ------------------------------------------------------------------

    @api.model
    def _cron_check_tokens(self):
        """Daily: warn owners 14 days before their grant expires; flag expired grants."""
        now = fields.Datetime.now()
        profiles = self.sudo().search([("state", "=", "connected")])
        activity_type = self.env.ref(
            "linkedin_leadgen.mail_activity_type_linkedin_reconnect", raise_if_not_found=False
        ) or self.env.ref("mail.mail_activity_data_todo")
        for profile in profiles:
            try:
                with self.env.cr.savepoint():
                    profile._check_token_expiry(now, activity_type)
            except Exception:
                _logger.exception("LinkedIn profile %s: token check failed", profile.id)

    def _check_token_expiry(self, now, activity_type):
        """Flag an expired grant, or remind the owner once when it expires within 14 days."""
        self.ensure_one()
        expiry = self.grant_expires_at
        if not expiry:
            return
        if expiry <= now:
            self._mark_reconnect(self.env._("The LinkedIn authorization expired."))
            return
        if expiry > now + timedelta(days=TOKEN_WARNING_DAYS):
            return
        if self.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type):
            return
        self.activity_schedule(
            activity_type_id=activity_type.id,
            date_deadline=fields.Date.to_date(expiry - timedelta(days=1)),
            summary=self.env._("Reconnect LinkedIn"),
            note=self.env._(
                "The LinkedIn authorization of this profile expires on %(date)s. "
                "Click Authorize on the profile before then to keep leads flowing.",
                date=fields.Date.to_string(expiry.date()),
            ),
            user_id=self.user_id.id,
        )


class _LinkedInErrors:
    """Context manager turning LinkedIn client errors into sentences a user understands."""

    def __init__(self, profile, mark_reconnect=True):
        self.profile = profile
        self.mark_reconnect = mark_reconnect

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or not isinstance(exc, li.LinkedInError):
            return False
        profile = self.profile
        reconnect = isinstance(exc, li.ReauthorizationRequired | li.AuthRevokedError | li.AuthExpiredError)
        if reconnect and self.mark_reconnect:
            reason = profile.env._("LinkedIn refused the authorization (%(error)s).", error=str(exc))
            profile._mark_reconnect(reason)
            raise ReconnectRequired(profile._reconnect_message(), profile_id=profile.id, reason=reason) from exc
        raise UserError(profile._linkedin_error_message(exc)) from exc
