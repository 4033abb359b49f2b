# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import date

from dateutil.relativedelta import relativedelta
from werkzeug.urls import url_join

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import linkedin as li
from .linkedin_sync_mixin import SYNC_CRON
from .linkedin_user_profile import OAUTH_CALLBACK_PATH

# LinkedIn supports a version for at least a year; warn this many days before it ends.
VERSION_SUNSET_WARNING_DAYS = 60


def version_sunset(version):
    """Approximate sunset of a ``YYYYMM`` LinkedIn-Version: the 15th, twelve months after its month."""
    match = re.fullmatch(r"(\d{4})(\d{2})", (version or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 15) + relativedelta(months=12)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    linkedin_client_id = fields.Char(string="LinkedIn Client ID", config_parameter="linkedin_leadgen.client_id")
    linkedin_client_secret = fields.Char(
        string="LinkedIn Client Secret", config_parameter="linkedin_leadgen.client_secret", groups="base.group_system"
    )
    linkedin_api_version = fields.Char(
        string="LinkedIn API Version",
        config_parameter="linkedin_leadgen.api_version",
        default=li.DEFAULT_VERSION,
        help="The LinkedIn-Version header (YYYYMM). LinkedIn supports each monthly version for about a year.",
    )
    linkedin_api_version_warning = fields.Char(compute="_compute_linkedin_api_version_warning")
    linkedin_api_url = fields.Char(
        string="LinkedIn API URL", config_parameter="linkedin_leadgen.api_url", default=li.DEFAULT_API_URL
    )
    linkedin_oauth_url = fields.Char(
        string="LinkedIn OAuth URL", config_parameter="linkedin_leadgen.oauth_url", default=li.DEFAULT_OAUTH_URL
    )
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

    @api.depends("company_id")  # computed when the settings form opens (a new record)
    def _compute_linkedin_urls(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        for settings in self:
            settings.linkedin_redirect_uri = url_join(base_url, OAUTH_CALLBACK_PATH)
            settings.linkedin_webhook_url = url_join(base_url, "/linkedin_leadgen/webhook")

    @api.model
    def get_values(self):
        res = super().get_values()
        cron = self.env.ref(SYNC_CRON, raise_if_not_found=False)
        if cron:
            cron = cron.sudo()
            hours = cron.interval_number * {"minutes": 1 / 60, "hours": 1, "days": 24, "weeks": 168, "months": 720}.get(
                cron.interval_type, 1
            )
            res["linkedin_sync_interval"] = max(1, round(hours))
        return res

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

    def set_values(self):
        res = super().set_values()
        if self.linkedin_sync_interval > 0:
            # the sync's workers keep its schedule
            for cron in self.env["linkedin.sync.mixin"]._linkedin_crons(SYNC_CRON):
                if (cron.interval_number, cron.interval_type) != (self.linkedin_sync_interval, "hours"):
                    cron.write({"interval_number": self.linkedin_sync_interval, "interval_type": "hours"})
        return res
