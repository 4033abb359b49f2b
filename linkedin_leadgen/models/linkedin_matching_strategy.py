# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class LinkedInMatchingStrategy(models.Model):
    _name = "linkedin.matching.strategy"
    _description = "LinkedIn Matching Strategy"
    _order = "activated desc, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    activated = fields.Boolean(
        readonly=True,
        copy=False,
        help="The strategy used to match LinkedIn submissions with existing leads of its company. "
        "Exactly one strategy is activated per company.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    mapping_ids = fields.Many2many(
        "linkedin.field.mapping",
        "linkedin_matching_strategy_field_mapping_rel",
        "strategy_id",
        "mapping_id",
        string="Match On",
        help="An existing lead is updated only when all of these fields match the submission "
        "(e-mails and phone numbers normalized, texts compared case- and space-insensitively).",
    )
    description = fields.Text()

    @api.constrains("mapping_ids")
    def _check_mapping_ids(self):
        for strategy in self:
            if not strategy.mapping_ids:
                raise ValidationError(
                    self.env._("Matching strategy %(name)s needs at least one field to match on.", name=strategy.name)
                )

    @api.constrains("activated", "active")
    def _check_activated_active(self):
        for strategy in self:
            if strategy.activated and not strategy.active:
                raise ValidationError(
                    self.env._(
                        "Matching strategy %(name)s is the activated one: activate another strategy before "
                        "archiving it.",
                        name=strategy.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        strategies = super().create(vals_list)
        strategies.filtered("activated")._deactivate_others()
        return strategies

    def write(self, vals):
        res = super().write(vals)
        if vals.get("activated") or "company_id" in vals:
            self.filtered("activated")._deactivate_others()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_activated(self):
        activated = self.filtered("activated")
        if activated:
            raise UserError(
                self.env._(
                    "Matching strategy %(name)s is activated and cannot be deleted: activate another strategy "
                    "of the company first.",
                    name=activated[0].name,
                )
            )

    def action_activate(self):
        """Make this strategy the one used by its company (the company's other strategy is deactivated)."""
        self.check_access("write")
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("Restore the archived strategy %(name)s before activating it.", name=self.name))
        self.activated = True
        return True

    def _deactivate_others(self):
        if len(self.company_id) != len(self):
            raise ValidationError(self.env._("Only one matching strategy can be activated per company."))
        others = self.sudo().search(
            [("company_id", "in", self.company_id.ids), ("activated", "=", True), ("id", "not in", self.ids)]
        )
        if others:
            others.write({"activated": False})

    @api.model
    def _get_activated(self, company):
        """The strategy matching submissions of ``company`` (the shipped e-mail strategy as a last resort)."""
        strategy = self.sudo().search([("company_id", "=", company.id), ("activated", "=", True)], limit=1)
        if not strategy:
            strategy = self.sudo().env.ref(
                "linkedin_leadgen.linkedin_matching_strategy_email", raise_if_not_found=False
            )
        return strategy or self.sudo().browse()
