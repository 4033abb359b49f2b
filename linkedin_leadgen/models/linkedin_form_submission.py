# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import linkedin as li
from .linkedin_ad_account import humanize_code
from .linkedin_sync_run import LeadItem

# A failed submission is retried on this many later runs before it waits for a user.
MAX_RETRIES = 5

SUBMISSION_STATES = [
    ("new", "New"),
    ("lead_created", "Lead created"),
    ("lead_updated", "Lead updated"),
    ("failed", "Failed"),
    ("ignored_test", "Test lead, ignored"),
    ("partial_match", "Matched partly, not imported"),
    ("deleted", "Deleted on LinkedIn"),
]


class LinkedInFormSubmission(models.Model):
    """One LinkedIn lead (a ``leadFormResponses`` element): the binding between LinkedIn and Odoo.

    ``linkedin_id`` is unique: whatever replays a lead (overlap window, webhook plus pull, reset), the
    database lets it in once.
    """

    _name = "linkedin.form.submission"
    _description = "LinkedIn Form Submission"
    _order = "submitted_at desc, id desc"

    name = fields.Char(required=True, default="/")
    linkedin_id = fields.Char(string="LinkedIn ID", required=True, readonly=True, index=True, copy=False)
    account_id = fields.Many2one("linkedin.ad.account", string="Ad Account", index=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    form_id = fields.Many2one("linkedin.lead.form", index="btree_not_null", ondelete="set null")
    form_name = fields.Char()
    form_urn = fields.Char(string="Form URN")
    campaign_urn = fields.Char(string="Campaign URN")
    campaign_name = fields.Char(string="Campaign")
    creative_urn = fields.Char(string="Creative URN")
    creative_name = fields.Char(string="Creative")
    lead_type = fields.Char(default="SPONSORED")
    submitted_at = fields.Datetime(index=True)
    test_lead = fields.Boolean(help="Created from Campaign Manager's form preview.")
    contact_name = fields.Char(string="Contact")
    email = fields.Char(string="E-mail")
    answer_ids = fields.One2many("linkedin.form.submission.answer", "submission_id", string="Answers")
    consent_ids = fields.One2many("linkedin.form.submission.consent", "submission_id", string="Consents")
    hidden_fields = fields.Json(string="Hidden Fields (data)")
    hidden_fields_text = fields.Text(string="Hidden Fields", compute="_compute_hidden_fields_text")
    lead_id = fields.Many2one("crm.lead", index="btree_not_null", ondelete="set null")
    state = fields.Selection(SUBMISSION_STATES, required=True, default="new", index=True)
    recreate_lead = fields.Boolean(
        string="Lead to Re-create",
        readonly=True,
        copy=False,
        help="Its lead was deleted in Odoo and a reset asked to re-create it: the next pull that meets this "
        "submission on LinkedIn imports it again, once.",
    )
    error = fields.Text(readonly=True)
    retry_count = fields.Integer(readonly=True, help="Times the import of this submission was attempted again.")
    personal_data_purged = fields.Boolean(
        readonly=True,
        copy=False,
        help="The member's data was deleted (its lead was deleted, or LinkedIn reported the submission "
        "deleted): it is never imported again.",
    )
    # LinkedIn's response as received: every answer, hidden field and identifier; LinkedIn administrators only
    raw_payload = fields.Json(
        string="LinkedIn Payload (data)", groups="linkedin_leadgen.group_linkedin_leadgen_manager"
    )
    raw_payload_text = fields.Text(
        string="LinkedIn Payload",
        compute="_compute_raw_payload_text",
        groups="linkedin_leadgen.group_linkedin_leadgen_manager",
    )

    _sql_constraints = [
        ("linkedin_id_uniq", "unique(linkedin_id)", "This LinkedIn lead is already imported."),
    ]

    @api.depends("hidden_fields")
    def _compute_hidden_fields_text(self):
        for submission in self:
            values = submission.hidden_fields or {}
            submission.hidden_fields_text = "\n".join(f"{key}: {value}" for key, value in values.items()) or False

    @api.depends("raw_payload")
    def _compute_raw_payload_text(self):
        for submission in self:
            payload = submission.raw_payload
            submission.raw_payload_text = json.dumps(payload, indent=2, ensure_ascii=False) if payload else False

    def action_import(self):
        """Import the submissions again now: retry failed ones, create the leads of partial matches."""
        self.check_access("read")
        self.env["crm.lead"].check_access("create")  # the import creates and updates leads as the connector
        purged = self.filtered("personal_data_purged")  # never again a lead: skipped
        todo = (self - purged).filtered(lambda s: s.state in ("new", "failed", "partial_match", "ignored_test"))
        if not todo and purged:
            raise UserError(
                self.env._(
                    "The personal data of %(names)s was purged (its lead was deleted, or LinkedIn deleted it): "
                    "it cannot be imported again.",
                    names=", ".join(purged.mapped("name")),
                )
            )
        if not todo:
            raise UserError(self.env._("Only new, failed, partly matched or test submissions can be imported again."))
        result = self.env["linkedin.lead.importer"]._reimport_submissions(todo, force_create=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LinkedIn submissions"),
                "message": self.env._(
                    "%(created)s leads created, %(updated)s updated, %(failed)s failed.",
                    created=result["created"],
                    updated=result["updated"],
                    failed=result["failed"],
                ),
                "type": "warning" if result["failed"] else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_lead(self):
        self.check_access("read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # Storage of imported items (the binding)
    # ------------------------------------------------------------------

    @api.model
    def _linkedin_store_items(self, run, items):
        """Create the submissions of new items (one create each for submissions, answers, consents) and
        write the outcome of items imported again; count the outcome on ``run``."""
        for item in items:
            run.count(item)
        new_items = [item for item in items if not item.submission]
        rebound = [item for item in items if item.submission and item.rebound]
        for item in items:
            if item.submission:
                vals = {}
                if item.rebound:  # read again (from its raw payload or LinkedIn): values and answers replaced
                    vals = self._linkedin_prepare_vals(run, item)
                    for fname in ("linkedin_id", "account_id", "company_id", "raw_payload"):
                        if not (item.recreate and fname == "raw_payload"):
                            del vals[fname]
                item.submission.write(
                    {
                        **vals,
                        "state": item.state,
                        "lead_id": item.lead_id or item.submission.lead_id.id,
                        "error": item.error or False,
                        "retry_count": item.submission.retry_count + (1 if item.submission.state == "failed" else 0),
                        "recreate_lead": False,  # in the savepoint of its lead: re-created once
                    }
                )
        rebound_submissions = self.browse([item.submission.id for item in rebound])
        if rebound:
            rebound_submissions.answer_ids.unlink()
            rebound_submissions.consent_ids.unlink()
        if not new_items and not rebound:
            return
        submissions = self.create([self._linkedin_prepare_vals(run, item) for item in new_items])
        pairs = [*zip(submissions, new_items, strict=True), *((item.submission, item) for item in rebound)]
        answers = [
            (submission.id, sequence, str(a.question_id), a.name, a.label, a.predefined_field or None, a.value)
            for submission, item in pairs
            for sequence, a in enumerate(item.decoded.answers)
        ]
        consents = [
            (submission.id, sequence, str(c.consent_id), c.text, c.required, c.accepted)
            for submission, item in pairs
            for sequence, c in enumerate(item.decoded.consents)
        ]
        self._linkedin_insert_rows(
            "linkedin.form.submission.answer",
            ["submission_id", "sequence", "question_id", "name", "label", "predefined_field", "value"],
            ["int4[]", "int4[]", "varchar[]", "varchar[]", "varchar[]", "varchar[]", "text[]"],
            answers,
        )
        self._linkedin_insert_rows(
            "linkedin.form.submission.consent",
            ["submission_id", "sequence", "consent_id", "text", "required", "accepted"],
            ["int4[]", "int4[]", "varchar[]", "text[]", "bool[]", "bool[]"],
            consents,
        )
        (submissions | rebound_submissions).invalidate_recordset(["answer_ids", "consent_ids"])

    @api.model
    def _linkedin_insert_rows(self, model_name, columns, types, rows):
        """Insert the answer and consent lines of a batch in one statement.

        They are plain read-only values of the submission (no compute, no constraint, no default beyond
        the audit columns): an ORM ``create()`` would spend most of the import building tens of
        thousands of them one by one.
        """
        if not rows:
            return
        model = self.env[model_name]
        model.flush_model()
        values = [list(column) for column in zip(*rows, strict=True)]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) SELECT *, %s, %s, %s, %s FROM %s",
                SQL.identifier(model._table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                self.env.uid,
                self.env.uid,
                now,
                now,
                SQL(
                    "unnest(%s)",
                    SQL(", ").join(
                        SQL("%s::%s", value, SQL(sql_type)) for value, sql_type in zip(values, types, strict=True)
                    ),
                ),
            )
        )
        model.invalidate_model()

    @api.model
    def _linkedin_prepare_vals(self, run, item):
        by_field = item.decoded.by_field()
        contact = item.lead_vals.get("contact_name") or li.clean(
            " ".join(filter(None, (by_field.get("FIRST_NAME"), by_field.get("LAST_NAME"))))
        )
        email = item.lead_vals.get("email_from") or by_field.get("EMAIL") or by_field.get("WORK_EMAIL")
        return {
            "name": contact or email or item.linkedin_id,
            "linkedin_id": item.linkedin_id,
            "account_id": run.account.id or False,
            "company_id": run.account.company_id.id or self.env.company.id,
            "form_id": item.form_id,
            "form_name": item.form_name or False,
            "form_urn": item.form_urn or False,
            "campaign_urn": item.campaign_urn or False,
            "campaign_name": item.campaign_name or False,
            "creative_urn": item.creative_urn or False,
            "creative_name": item.creative_name or False,
            "lead_type": item.lead_type or "SPONSORED",
            "submitted_at": item.submitted_at,
            "test_lead": item.test,
            "contact_name": contact or False,
            "email": email or False,
            "hidden_fields": item.decoded.hidden_fields or False,
            "raw_payload": item.payload or False,
            "lead_id": item.lead_id or False,
            "state": item.state or "new",
            "error": item.error or False,
        }

    def _linkedin_item(self):
        """The item of this stored submission, with the answers decoded when it was fetched (with their
        question names, even if the form is gone since)."""
        self.ensure_one()
        answers = [
            li.Answer(
                question_id=int(answer.question_id) if (answer.question_id or "").isdigit() else answer.question_id,
                name=answer.name or "",
                label=answer.label or "",
                predefined_field=answer.predefined_field or None,
                value=answer.value or "",
            )
            for answer in self.answer_ids
        ]
        consents = [
            li.Consent(consent.consent_id, consent.text or "", consent.required, consent.accepted)
            for consent in self.consent_ids
        ]
        return LeadItem(
            linkedin_id=self.linkedin_id,
            submission=self,
            form_id=self.form_id.id,
            form_name=self.form_name or "",
            form_urn=self.form_urn or "",
            decoded=li.DecodedLead(answers=answers, consents=consents, hidden_fields=self.hidden_fields or {}),
            campaign_urn=self.campaign_urn or "",
            campaign_name=self.campaign_name or "",
            creative_urn=self.creative_urn or "",
            creative_name=self.creative_name or "",
            lead_type=self.lead_type or "SPONSORED",
            submitted_at=self.submitted_at,
            test=self.test_lead,
        )

    @api.model
    def _linkedin_purge_personal_data(self):
        """Forget what the member sent (name, e-mail, answers, hidden fields, raw payload, error text quoting
        it); the LinkedIn id stays, so the pull never imports the person again, and the submission is marked
        purged, so that nothing imports it again either. Consents stay: alone, they name nobody."""
        for submission in self:
            submission.write(
                {
                    "personal_data_purged": True,
                    "name": submission.linkedin_id,
                    "contact_name": False,
                    "email": False,
                    "hidden_fields": False,
                    "raw_payload": False,
                    "error": False,
                }
            )
        self.answer_ids.unlink()

    def _linkedin_mark_deleted(self, linkedin_id, account_linkedin_id=None):
        """LinkedIn reports the lead ``linkedin_id`` deleted: mark its submission and note it on the lead.

        ``account_linkedin_id``: the ad account the report names; submissions of other accounts are kept.
        """
        domain = [("linkedin_id", "=", linkedin_id)]
        if account_linkedin_id is not None:
            domain.append(("account_id.linkedin_id", "=", str(account_linkedin_id)))
        submissions = self.search(domain)
        if not submissions:
            return "unknown lead"
        submissions.write({"state": "deleted"})
        submissions._linkedin_purge_personal_data()
        leads = submissions.lead_id
        if leads:
            body = Markup("<p>%s</p>") % self.env._(
                "LinkedIn reports that the member's form submission %(id)s was deleted (e.g. the member "
                "unregistered). The lead is kept; review it and its consents.",
                id=linkedin_id,
            )
            leads._message_log_batch(bodies={lead.id: body for lead in leads})
        return "deleted"


class LinkedInFormSubmissionAnswer(models.Model):
    _name = "linkedin.form.submission.answer"
    _description = "LinkedIn Form Submission Answer"
    _order = "submission_id, sequence, id"

    submission_id = fields.Many2one("linkedin.form.submission", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    question_id = fields.Char(string="Question ID")
    name = fields.Char(string="Question")
    label = fields.Char()
    predefined_field = fields.Char(string="Predefined Field Code")
    value = fields.Text()
    predefined_field_label = fields.Char(string="Predefined Field", compute="_compute_predefined_field_label")

    @api.depends("predefined_field")
    @api.depends_context("lang")
    def _compute_predefined_field_label(self):
        labels = self.env["linkedin.field.mapping"]._predefined_field_labels()
        for answer in self:
            code = answer.predefined_field
            answer.predefined_field_label = labels.get(code) or humanize_code(code)


class LinkedInFormSubmissionConsent(models.Model):
    _name = "linkedin.form.submission.consent"
    _description = "LinkedIn Form Submission Consent"
    _order = "submission_id, sequence, id"

    submission_id = fields.Many2one("linkedin.form.submission", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    consent_id = fields.Char(string="Consent ID")
    text = fields.Text(string="Consent")
    required = fields.Boolean()
    accepted = fields.Boolean()
