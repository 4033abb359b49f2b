# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The LinkedIn settings that are not secrets, defined once for two forms.

Odoo's Settings (``res.config.settings``) are for Settings administrators only (its ``execute`` refuses
anyone else), so the LinkedIn Lead Gen administrator has a form of their own, ``linkedin.leadgen.settings``
(*CRM > LinkedIn Lead Gen > Configuration > Settings*), with the same fields: both models inherit
``linkedin.leadgen.settings.mixin``. The client secret and the LinkedIn URLs (which decide where the secret
is sent) stay on Odoo's Settings only.
"""

import re
from datetime import date

from dateutil.relativedelta import relativedelta
from werkzeug.urls import url_join

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .. import linkedin as li
from .linkedin_sync_mixin import SYNC_CRON
from .linkedin_user_profile import OAUTH_CALLBACK_PATH

# LinkedIn supports a version for at least a year; warn this many days before it ends.
VERSION_SUNSET_WARNING_DAYS = 60
WEBHOOK_PATH = "/linkedin_leadgen/webhook"
MANAGER_GROUP = "linkedin_leadgen.group_linkedin_leadgen_manager"


def version_sunset(version):
    """Approximate sunset of a ``YYYYMM`` LinkedIn-Version: the 15th, twelve months after its month."""
    match = re.fullmatch(r"(\d{4})(\d{2})", (version or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 15) + relativedelta(months=12)


class LinkedInLeadgenSettingsMixin(models.AbstractModel):
    _name = "linkedin.leadgen.settings.mixin"
    _description = "LinkedIn Settings That Are Not Secrets"

    linkedin_client_id = fields.Char(string="LinkedIn Client ID", config_parameter="linkedin_leadgen.client_id")
    linkedin_api_version = fields.Char(
        string="LinkedIn API Version",
        config_parameter="linkedin_leadgen.api_version",
        default=li.DEFAULT_VERSION,
        help="The LinkedIn-Version header (YYYYMM). LinkedIn supports each monthly version for about a year.",
    )
    linkedin_api_version_warning = fields.Char(compute="_compute_linkedin_api_version_warning")
    linkedin_redirect_uri = fields.Char(string="Redirect URL", compute="_compute_linkedin_urls")
    linkedin_webhook_url = fields.Char(string="Webhook URL", compute="_compute_linkedin_urls")
    # stored as "True" by data/ir_config_parameter_data.xml: on by default, and can be switched off
    linkedin_create_utm_campaigns = fields.Boolean(
        string="Create UTM campaigns for LinkedIn campaigns", config_parameter="linkedin_leadgen.create_utm_campaigns"
    )
    linkedin_import_test_leads = fields.Boolean(
        string="Import test leads", config_parameter="linkedin_leadgen.import_test_leads"
    )
    linkedin_team_id = fields.Many2one(
        "crm.team", string="Default Sales Team", config_parameter="linkedin_leadgen.team_id"
    )
    linkedin_user_id = fields.Many2one(
        "res.users",
        string="Default Salesperson",
        config_parameter="linkedin_leadgen.user_id",
        domain=lambda self: [("share", "=", False)],
    )
    linkedin_backfill_days = fields.Integer(
        string="First sync window (days)", config_parameter="linkedin_leadgen.backfill_days", default=365
    )
    linkedin_webhook_enabled = fields.Boolean(
        string="Real-time webhook", config_parameter="linkedin_leadgen.webhook_enabled"
    )
    linkedin_sync_interval = fields.Integer(string="Sync interval (hours)", default=1)
    linkedin_sync_budget = fields.Integer(
        string="Sync time budget (seconds)", config_parameter="linkedin_leadgen.sync_budget", default=120
    )
    linkedin_partial_match = fields.Selection(
        [("create", "Create a new lead"), ("review", "Keep aside for review")],
        string="Partial match",
        config_parameter="linkedin_leadgen.partial_match",
        default="create",
    )

    def _valid_field_parameter(self, field, name):
        # each field names its system parameter, as on res.config.settings
        return name == "config_parameter" or super()._valid_field_parameter(field, name)

    @api.depends("linkedin_api_version")
    def _compute_linkedin_api_version_warning(self):
        today = fields.Date.context_today(self)
        for settings in self:
            warning = False
            sunset = version_sunset(settings.linkedin_api_version)
            if settings.linkedin_api_version and not sunset:
                warning = self.env._("The API version must be a month in the form YYYYMM, e.g. 202610.")
            elif sunset and sunset <= today:
                warning = self.env._(
                    "LinkedIn stopped supporting version %(version)s around %(date)s: choose a newer version.",
                    version=settings.linkedin_api_version,
                    date=sunset.isoformat(),
                )
            elif sunset and (sunset - today).days <= VERSION_SUNSET_WARNING_DAYS:
                warning = self.env._(
                    "LinkedIn stops supporting version %(version)s around %(date)s: "
                    "move to a newer version before then.",
                    version=settings.linkedin_api_version,
                    date=sunset.isoformat(),
                )
            settings.linkedin_api_version_warning = warning

    @api.depends("linkedin_client_id")  # computed when the form opens (a new record), as its client id is read
    def _compute_linkedin_urls(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        for settings in self:
            settings.linkedin_redirect_uri = url_join(base_url, OAUTH_CALLBACK_PATH)
            settings.linkedin_webhook_url = url_join(base_url, WEBHOOK_PATH)

    @api.constrains("linkedin_sync_interval", "linkedin_sync_budget", "linkedin_backfill_days")
    def _check_linkedin_numbers(self):
        for settings in self:
            if settings.linkedin_sync_interval < 1:
                raise ValidationError(self.env._("The LinkedIn sync interval must be at least one hour."))
            if settings.linkedin_sync_budget < 10:
                raise ValidationError(self.env._("The LinkedIn sync time budget must be at least 10 seconds."))
            if not 1 <= settings.linkedin_backfill_days <= 365:
                raise ValidationError(
                    self.env._("The first LinkedIn sync reaches back 1 to 365 days: LinkedIn keeps leads for a year.")
                )

    @api.model
    def _linkedin_sync_interval(self):
        """Hours between two runs of the sync cron (rounded, at least 1)."""
        cron = self.env.ref(SYNC_CRON, raise_if_not_found=False)
        if not cron:
            return 1
        cron = cron.sudo()
        hours = cron.interval_number * {"minutes": 1 / 60, "hours": 1, "days": 24, "weeks": 168, "months": 720}.get(
            cron.interval_type, 1
        )
        return max(1, round(hours))

    def _linkedin_set_sync_interval(self):
        if self.linkedin_sync_interval > 0:
            # the sync's workers keep its schedule
            for cron in self.env["linkedin.sync.mixin"]._linkedin_crons(SYNC_CRON):
                if (cron.interval_number, cron.interval_type) != (self.linkedin_sync_interval, "hours"):
                    cron.write({"interval_number": self.linkedin_sync_interval, "interval_type": "hours"})


class LinkedInLeadgenSettings(models.TransientModel):
    """The LinkedIn Lead Gen administrator's settings form (no Settings rights needed, no secret on it)."""

    _name = "linkedin.leadgen.settings"
    _inherit = ["linkedin.leadgen.settings.mixin"]
    _description = "LinkedIn Lead Gen Settings"

    def _linkedin_config_fields(self):
        """``{field name: system parameter}`` of the form."""
        return {
            name: field.config_parameter
            for name, field in self._fields.items()
            if getattr(field, "config_parameter", None)
        }

    @api.model
    def _linkedin_check_settings_access(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only LinkedIn Lead Gen administrators can change the LinkedIn settings."))

    @api.model
    def default_get(self, fields_list):
        """The stored values, read as Odoo's Settings read them."""
        self._linkedin_check_settings_access()
        res = super().default_get(fields_list)
        get_param = self.env["ir.config_parameter"].sudo().get_param
        for name, key in self._linkedin_config_fields().items():
            if name not in fields_list:
                continue
            field = self._fields[name]
            value = get_param(key, res.get(name, False))
            if field.type == "many2one":
                value = self.env[field.comodel_name].browse(int(value)).exists().id if str(value).isdigit() else False
            elif field.type == "integer":
                value = int(value) if str(value).lstrip("-").isdigit() else res.get(name, 0)
            elif field.type == "boolean":
                value = bool(value) and value not in ("False", "0")
            res[name] = value
        if "linkedin_sync_interval" in fields_list:
            res["linkedin_sync_interval"] = self._linkedin_sync_interval()
        return res

    def action_save(self):
        """Store the form's values, as Odoo's Settings store them."""
        self._linkedin_check_settings_access()
        self.ensure_one()
        set_param = self.env["ir.config_parameter"].sudo().set_param
        for name, key in self._linkedin_config_fields().items():
            field, value = self._fields[name], self[name]
            if field.type == "char":
                value = (value or "").strip() or False
            elif field.type == "integer":
                value = repr(value) if value else False
            elif field.type == "many2one":
                value = value.id
            set_param(key, value)
        self._linkedin_set_sync_interval()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LinkedIn settings"),
                "message": self.env._("The LinkedIn settings are saved."),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
