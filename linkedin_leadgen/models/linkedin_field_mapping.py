# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

# LinkedIn's predefined question fields (API notes, section 4.2). LinkedIn treats the list as open:
# answers to a predefined field that is not listed here simply land in the lead's description.
PREDEFINED_FIELDS = [
    ("FIRST_NAME", "First name"),
    ("LAST_NAME", "Last name"),
    ("EMAIL", "E-mail"),
    ("WORK_EMAIL", "Work e-mail"),
    ("PHONE_NUMBER", "Phone number"),
    ("WORK_PHONE_NUMBER", "Work phone number"),
    ("MOBILE_PHONE_NUMBER", "Mobile phone number"),
    ("COMPANY_NAME", "Company name"),
    ("JOB_TITLE", "Job title"),
    ("JOB_FUNCTION", "Job function"),
    ("SENIORITY", "Seniority"),
    ("INDUSTRY", "Industry"),
    ("COMPANY_SIZE", "Company size"),
    ("COUNTRY", "Country"),
    ("STATE", "State / province"),
    ("CITY", "City"),
    ("ZIP_CODE", "Zip code"),
    ("POSTAL_CODE", "Postal code"),
    ("WEBSITE", "Website"),
    ("COMPANY_WEBSITE", "Company website"),
    ("GENDER", "Gender"),
    ("LINKEDIN_PROFILE_LINK", "LinkedIn profile link"),
    ("DEGREE", "Degree"),
    ("FIELD_OF_STUDY", "Field of study"),
    ("SCHOOL", "School"),
    ("GRADUATION_DATE", "Graduation date"),
]

# crm.lead field types a LinkedIn answer (a text) can be converted to.
MAPPABLE_TYPES = ("char", "text", "html", "selection", "integer", "float", "monetary", "boolean", "date", "many2one")
# many2one targets the mapper knows how to resolve from a text answer.
MAPPABLE_COMODELS = (
    "res.country",
    "res.country.state",
    "res.lang",
    "res.partner.industry",
    "crm.tag",
    "utm.source",
    "utm.medium",
)


class LinkedInFieldMapping(models.Model):
    _name = "linkedin.field.mapping"
    _description = "LinkedIn Field Mapping"
    _order = "sequence, id"

    name = fields.Char(compute="_compute_name", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    source = fields.Selection(
        [("predefined", "Predefined field"), ("question", "Custom question")],
        string="LinkedIn Field Type",
        required=True,
        default="predefined",
    )
    predefined_field = fields.Selection(
        PREDEFINED_FIELDS,
        string="LinkedIn Member Field",
        help="A standard question of LinkedIn's lead forms (the same in every language).",
    )
    question_name = fields.Char(
        string="Custom Question",
        help="The name of a custom question, as the form's creator named it in Campaign Manager "
        "(compared case-insensitively with the question's name and its label).",
    )
    lead_field_id = fields.Many2one(
        "ir.model.fields",
        required=True,
        ondelete="cascade",
        domain=[
            ("model", "=", "crm.lead"),
            ("store", "=", True),
            ("ttype", "in", MAPPABLE_TYPES),
            ("readonly", "=", False),
        ],
    )
    lead_field_name = fields.Char(related="lead_field_id.name", string="Lead Field Name")
    combine = fields.Selection(
        [("first", "First answered value wins"), ("append", "Append with a space")],
        string="When Several Answers Fill This Field",
        required=True,
        default="first",
        help="Several mappings may fill the same lead field, in sequence order: either the first answered "
        "value is kept (e.g. e-mail, then work e-mail), or the values are joined (e.g. first and last name).",
    )
    strategy_ids = fields.Many2many(
        "linkedin.matching.strategy",
        "linkedin_matching_strategy_field_mapping_rel",
        "mapping_id",
        "strategy_id",
        string="Matching Strategies",
    )

    @api.model
    def _predefined_field_labels(self):
        """``{code: translated label}`` of LinkedIn's predefined fields."""
        return dict(self._fields["predefined_field"]._description_selection(self.env))

    @api.depends("source", "predefined_field", "question_name", "lead_field_id")
    def _compute_name(self):
        labels = self._predefined_field_labels()
        for mapping in self:
            source = (
                labels.get(mapping.predefined_field, mapping.predefined_field)
                if mapping.source == "predefined"
                else mapping.question_name
            )
            mapping.name = f"{source or '?'} → {mapping.lead_field_id.field_description or '?'}"

    @api.constrains("source", "predefined_field", "question_name")
    def _check_source(self):
        for mapping in self:
            if mapping.source == "predefined" and not mapping.predefined_field:
                raise ValidationError(
                    self.env._("Choose the LinkedIn member field of mapping %(name)s.", name=mapping.name)
                )
            if mapping.source == "question" and not (mapping.question_name or "").strip():
                raise ValidationError(
                    self.env._("Enter the name of the custom question of mapping %(name)s.", name=mapping.name)
                )

    @api.constrains("lead_field_id")
    def _check_lead_field(self):
        for mapping in self:
            field = mapping.lead_field_id.sudo()
            if field.model != "crm.lead" or not field.store or field.ttype not in MAPPABLE_TYPES:
                raise ValidationError(
                    self.env._(
                        "Field %(field)s cannot receive a LinkedIn answer: choose a stored lead field holding text, "
                        "a number, a date, a choice or a country.",
                        field=field.field_description,
                    )
                )
            if field.ttype == "many2one" and field.relation not in MAPPABLE_COMODELS:
                raise ValidationError(
                    self.env._(
                        "Field %(field)s links to %(model)s, which a LinkedIn answer cannot be matched with.",
                        field=field.field_description,
                        model=field.relation,
                    )
                )
