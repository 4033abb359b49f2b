# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .linkedin_audience import DEFAULT_BATCH_SIZE, DEFAULT_TIME_BUDGET, MAX_BATCH_SIZE


class LinkedInLeadgenSettingsMixin(models.AbstractModel):
    """The audience settings, in Odoo's Settings (Email Marketing) and in the LinkedIn Lead Gen
    administrator's own settings form, both of which inherit this mixin."""

    _inherit = "linkedin.leadgen.settings.mixin"

    linkedin_audience_batch_size = fields.Integer(
        string="LinkedIn Batch Size",
        config_parameter="linkedin_audience.batch_size",
        default=DEFAULT_BATCH_SIZE,
        help="Contacts per request to LinkedIn (LinkedIn publishes no maximum).",
    )
    linkedin_audience_time_budget = fields.Integer(
        string="LinkedIn Upload Time Budget",
        config_parameter="linkedin_audience.time_budget",
        default=DEFAULT_TIME_BUDGET,
        help="Seconds a click may spend creating the audience and sending its first batch; the rest continues "
        "in the background, one committed batch at a time.",
    )
    linkedin_audience_send_contact_details = fields.Boolean(
        string="Send Names, Company and Country",
        config_parameter="linkedin_audience.send_contact_details",
        help="Also send the contact's first and last name, company and country with the hashed e-mail "
        "(improves matching; check your privacy notice first).",
    )

    @api.constrains("linkedin_audience_batch_size", "linkedin_audience_time_budget")
    def _check_linkedin_audience_settings(self):
        for settings in self:
            if not 1 <= settings.linkedin_audience_batch_size <= MAX_BATCH_SIZE:
                raise ValidationError(
                    self.env._("The LinkedIn batch size must be between 1 and %(maximum)s.", maximum=MAX_BATCH_SIZE)
                )
            if settings.linkedin_audience_time_budget < 0:
                raise ValidationError(self.env._("The LinkedIn upload time budget cannot be negative."))
