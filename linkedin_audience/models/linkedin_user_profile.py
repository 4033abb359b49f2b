# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import AccessError

from odoo.addons.linkedin_leadgen import linkedin as li


class LinkedInUserProfile(models.Model):
    _inherit = "linkedin.user.profile"

    audience_ids = fields.One2many("linkedin.audience", "profile_id", string="LinkedIn Audiences")

    def _get_oauth_scopes(self):
        scopes = super()._get_oauth_scopes()
        return scopes + [scope for scope in li.AUDIENCE_SCOPES if scope not in scopes]

    def _has_audience_scopes(self):
        self.ensure_one()
        return self._has_scopes(li.AUDIENCE_SCOPES)

    def _is_usable_for_audiences(self, user=None):
        """Profiles a marketer may send lists with: their own, and those an administrator shared."""
        self.ensure_one()
        user = user or self.env.user
        profile = self.sudo()
        return profile.user_id == user or profile.share_for_audiences

    def _check_usable_for_audiences(self):
        for profile in self:
            if not profile._is_usable_for_audiences():
                raise AccessError(
                    self.env._(
                        "The LinkedIn profile %(profile)s belongs to another user and is not shared for "
                        "Matched Audiences.",
                        profile=profile.sudo().name,
                    )
                )
