# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .. import linkedin as li


class ResConfigSettings(models.TransientModel):
    """Odoo's Settings: the secret and the LinkedIn URLs, plus every setting of the LinkedIn administrator's
    own form (``linkedin.leadgen.settings.mixin``)."""

    _name = "res.config.settings"
    _inherit = ["res.config.settings", "linkedin.leadgen.settings.mixin"]

    linkedin_client_secret = fields.Char(
        string="LinkedIn Client Secret", config_parameter="linkedin_leadgen.client_secret", groups="base.group_system"
    )
    linkedin_api_url = fields.Char(
        string="LinkedIn API URL", config_parameter="linkedin_leadgen.api_url", default=li.DEFAULT_API_URL
    )
    linkedin_oauth_url = fields.Char(
        string="LinkedIn OAuth URL", config_parameter="linkedin_leadgen.oauth_url", default=li.DEFAULT_OAUTH_URL
    )

    @api.model
    def default_get(self, fields_list):
        # the settings read their values as superuser, and JSON-RPC lets any logged-in user call this method:
        # only Settings administrators get values, and never one of a field of a group they are not in (the
        # client secret)
        self.check_access("read")
        return super().default_get(self.check_field_access_rights("read", fields_list) if fields_list else fields_list)

    @api.model
    def get_values(self):
        self.check_access("read")  # callable over JSON-RPC by any logged-in user; read as superuser below
        res = super().get_values()
        res["linkedin_sync_interval"] = self._linkedin_sync_interval()
        return res

    def set_values(self):
        res = super().set_values()
        self._linkedin_set_sync_interval()
        return res
