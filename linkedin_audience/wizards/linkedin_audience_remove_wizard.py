# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import fields, models

from odoo.addons.linkedin_leadgen import linkedin as li

_logger = logging.getLogger(__name__)


class LinkedInAudienceRemoveWizard(models.TransientModel):
    _name = "linkedin.audience.remove.wizard"
    _description = "Archive or Delete a LinkedIn Audience"

    audience_ids = fields.Many2many("linkedin.audience", string="Audiences", required=True)
    mode = fields.Selection([("archive", "Archive"), ("delete", "Delete")], required=True, default="archive")
    linkedin_action = fields.Selection(
        [
            ("keep", "Leave it on LinkedIn"),
            ("remove", "Remove it from LinkedIn"),
        ],
        string="On LinkedIn",
        required=True,
        default="keep",
        help="Leave it: campaigns can keep targeting it, but Odoo stops updating it. "
        "Remove it: LinkedIn deletes the segment; campaigns targeting it lose it.",
    )

    def action_confirm(self):
        self.check_access("write")
        self.ensure_one()
        audiences = self.audience_ids
        audiences.check_access("write")
        if self.linkedin_action == "remove":
            for audience in audiences.filtered("segment_id"):
                client = audience._get_client()
                with audience.profile_id._translate_linkedin_errors():
                    try:
                        client.delete_dmp_segment(audience.segment_id)
                    except li.NotFoundError:
                        _logger.info("LinkedIn segment %s was already gone", audience.segment_id)
                audience.sudo().write(
                    {"segment_id": False, "ad_segment_urn": False, "upload_pending": False, "keep_in_step": False}
                )
                # a log, not a post: posting needs the user's e-mail address
                audience._message_log(body=self.env._("The audience was removed from LinkedIn."))
        else:
            audiences.sudo().write({"keep_in_step": False, "upload_pending": False})
        audiences = audiences.with_context(linkedin_audience_confirmed=True)
        if self.mode == "delete":
            audiences.unlink()
            return self.env["ir.actions.act_window"]._for_xml_id("linkedin_audience.linkedin_audience_action")
        audiences.action_archive()
        return {"type": "ir.actions.act_window_close"}
