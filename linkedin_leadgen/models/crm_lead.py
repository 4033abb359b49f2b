# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize, is_html_empty
from odoo.tools.sql import create_index

from .. import linkedin as li
from .linkedin_sync_run import Plan

# Leads are created without chatter noise: no "lead created" message, no follower, no tracking.
LEAD_CREATE_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
    "linkedin_import": True,  # what a member typed in a form never overwrites the contact (see below)
}
# Fields an update from a newer submission never touches: the lead keeps its origin and owner.
NOT_UPDATED = {"name", "type", "user_id", "team_id", "company_id", "source_id", "medium_id", "campaign_id", "stage_id"}
EMAIL_FIELDS = {"email_from"}
# how a text column is compared with a submission's cleaned text (``li.clean``, then lower-cased); the
# module indexes this expression of ``partner_name`` (the company name of the shipped strategy)
TEXT_MATCH_EXPRESSION = "lower(regexp_replace(btrim(%s), '\\s+', ' ', 'g'))"
PHONE_FIELDS = {"phone", "mobile"}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    linkedin_submission_ids = fields.One2many(
        "linkedin.form.submission",
        "lead_id",
        string="LinkedIn Form Submissions",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )
    linkedin_submission_count = fields.Integer(
        compute="_compute_linkedin_submission_info",
        string="LinkedIn Submissions",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )
    linkedin_last_submission_id = fields.Many2one(
        "linkedin.form.submission",
        compute="_compute_linkedin_submission_info",
        string="Last LinkedIn Submission",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )

    linkedin_form_name = fields.Char(
        compute="_compute_linkedin_submission_info",
        string="LinkedIn Form",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )
    linkedin_campaign_name = fields.Char(
        compute="_compute_linkedin_submission_info",
        string="LinkedIn Campaign",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )
    linkedin_submitted_at = fields.Datetime(
        compute="_compute_linkedin_submission_info",
        string="LinkedIn Submitted At",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )
    linkedin_answer_ids = fields.Many2many(
        "linkedin.form.submission.answer",
        compute="_compute_linkedin_submission_info",
        string="LinkedIn Answers",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )
    linkedin_consent_ids = fields.Many2many(
        "linkedin.form.submission.consent",
        compute="_compute_linkedin_submission_info",
        string="LinkedIn Consents",
        groups="linkedin_leadgen.group_linkedin_leadgen_salesperson",
    )

    def init(self):
        res = super().init()
        # LinkedIn matching looks up a whole batch of normalized e-mails at once (``= ANY``). The stock
        # trigram index serves ILIKE searches and takes seconds for that on 100,000 leads; a b-tree
        # answers in milliseconds.
        create_index(
            self.env.cr,
            "crm_lead_email_normalized_btree_index",
            self._table,
            ["email_normalized"],
            where="email_normalized IS NOT NULL",
        )
        # The company name is compared case- and space-insensitively (see _linkedin_match_query): without
        # an index on that very expression, each batch reads every lead (seconds at 1,000,000 leads).
        create_index(
            self.env.cr,
            "crm_lead_partner_name_linkedin_match_index",
            self._table,
            [TEXT_MATCH_EXPRESSION % "partner_name"],
        )
        return res

    @api.depends("linkedin_submission_ids")
    def _compute_linkedin_submission_info(self):
        for lead in self:
            submissions = lead.linkedin_submission_ids
            lead.linkedin_submission_count = len(submissions)
            last = submissions[:1]
            lead.linkedin_last_submission_id = last
            lead.linkedin_form_name = last.form_name
            lead.linkedin_campaign_name = last.campaign_name
            lead.linkedin_submitted_at = last.submitted_at
            lead.linkedin_answer_ids = submissions.answer_ids
            lead.linkedin_consent_ids = submissions.consent_ids

    def _get_partner_phone_update(self, force_void=True):
        # crm's inverse writes a lead's phone onto its contact: a LinkedIn form must not change a contact
        # found by e-mail (anyone can type anyone's e-mail address in a form)
        if self.env.context.get("linkedin_import"):
            return False
        return super()._get_partner_phone_update(force_void=force_void)

    def _get_partner_email_update(self, force_void=True):
        if self.env.context.get("linkedin_import"):
            return False
        return super()._get_partner_email_update(force_void=force_void)

    def unlink(self):
        # a deleted lead takes the member's data of its LinkedIn submissions with it (their ids stay)
        submissions = self.sudo().linkedin_submission_ids
        res = super().unlink()
        submissions.exists()._linkedin_purge_personal_data()
        return res

    def _merge_dependences(self, opportunities):
        # the merged leads are deleted next: their LinkedIn submissions follow the lead that stays
        res = super()._merge_dependences(opportunities)
        opportunities.sudo().linkedin_submission_ids.write({"lead_id": self.id})
        return res

    def action_view_linkedin_submissions(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_leadgen.linkedin_form_submission_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.linkedin_submission_ids) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.linkedin_submission_ids.id)
        return action

    @api.model
    def _linkedin_last_id(self):
        """The newest lead's id, taken before a sync to tell the leads it creates."""
        return self.sudo().with_context(active_test=False).search([], order="id desc", limit=1).id or 0

    @api.model
    def _linkedin_action_after_sync(self, accounts, after_id):
        """What the "Sync submissions" notification opens: the leads a sync of ``accounts`` created after lead
        ``after_id``, or the reloaded form when it created none."""
        leads = (
            self.sudo()
            .with_context(active_test=False)
            .search([("id", ">", after_id), ("linkedin_submission_ids.account_id", "in", accounts.ids)])
        )
        if not leads:
            return {"type": "ir.actions.client", "tag": "soft_reload"}
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Leads created by the LinkedIn sync"),
            "res_model": "crm.lead",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", leads.ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # LinkedIn import: matching, creation and update, batched
    # ------------------------------------------------------------------

    @api.model
    def _linkedin_find_matches(self, run, items, force_create=False):
        """Set each item's plan: create a lead, update the one it matches, or merge into an earlier item of
        the batch; or state ``partial_match`` (kept for review, when the setting asks for it).

        Batched: one query per matched field for the whole batch, never one per lead.
        """
        match_fields = self._linkedin_match_fields(run)
        if not match_fields:
            for item in items:
                item.plan = Plan.CREATE
            return
        mapper = self.env["linkedin.lead.mapper"]
        review = not force_create and mapper._linkedin_param("linkedin_leadgen.partial_match") == "review"
        for item in items:
            item.match_values = {
                fname: self._linkedin_match_value(run, item, fname, kind) for fname, kind in match_fields
            }
        found = {}
        for fname, kind in match_fields:
            values = {item.match_values[fname] for item in items if item.match_values[fname]}
            found[fname] = self._linkedin_search_matches(run, fname, kind, values) if values else {}
        pending = {}
        for item in items:
            sets = [found[fname].get(item.match_values[fname], set()) for fname, _kind in match_fields]
            full = set.intersection(*sets) if all(sets) else set()
            if full:
                item.plan, item.lead_id = Plan.UPDATE, max(full)
                continue
            key = tuple(str(item.match_values[fname]).casefold() for fname, _kind in match_fields)
            complete = all(item.match_values[fname] for fname, _kind in match_fields)
            if complete and key in pending:
                item.plan, item.merge_into = Plan.MERGE, pending[key]
                continue
            if review and any(sets):
                item.state = "partial_match"
                continue
            item.plan = Plan.CREATE
            if complete:
                pending[key] = item

    @api.model
    def _linkedin_match_fields(self, run):
        """``[(lead field, kind)]`` of the company's activated matching strategy (looked up once per run)."""
        match_fields = run.caches.match_fields
        if match_fields is None:
            strategy = self.env["linkedin.matching.strategy"]._get_activated(run.account.company_id)
            match_fields = []
            for field_rec in strategy.mapping_ids.lead_field_id:
                if field_rec.name in EMAIL_FIELDS:
                    kind = "email"
                elif field_rec.name in PHONE_FIELDS:
                    kind = "phone"
                elif field_rec.ttype == "many2one":
                    kind = "id"
                elif field_rec.ttype in ("char", "text"):
                    kind = "text"
                else:
                    kind = "value"
                match_fields.append((field_rec.name, kind))
            run.caches.match_fields = match_fields
        return match_fields

    @api.model
    def _linkedin_match_value(self, run, item, fname, kind):
        """The value of ``fname`` of ``item`` as it is compared (normalized e-mail, sanitized phone...)."""
        value = item.lead_vals.get(fname)
        if not value:
            return False
        if kind == "email":
            return item.email_normalized if fname == "email_from" else email_normalize(value, strict=False) or False
        if kind == "phone":
            country = self.env["res.country"].browse(item.lead_vals.get("country_id") or [])
            country = country or run.account.company_id.country_id
            return self._phone_format(number=value, country=country) or value
        if kind == "text":
            return li.clean(value)
        return value

    @api.model
    def _linkedin_search_matches(self, run, fname, kind, values):
        """``{submission value: {lead ids}}`` among the open leads of the account's company (one query)."""
        column_name = {"email": "email_normalized", "phone": "phone_sanitized"}.get(kind, fname)
        self.flush_model(["active", "company_id", column_name if kind != "text" else fname])
        self.env.cr.execute(self._linkedin_match_query(run.account.company_id, fname, kind, values))
        result = {}
        for lead_id, value in self.env.cr.fetchall():
            result.setdefault(value, set()).add(lead_id)
        return result

    @api.model
    def _linkedin_match_query(self, company, fname, kind, values):
        """The query of :meth:`_linkedin_search_matches`: each comparison is one an index serves (the
        normalized e-mail, the sanitized phone, the company name's expression; see :meth:`init`)."""
        company_clause = SQL("(lead.company_id = %s OR lead.company_id IS NULL)", company.id)
        column_name = {"email": "email_normalized", "phone": "phone_sanitized"}.get(kind, fname)
        if kind == "text":
            expression = SQL(TEXT_MATCH_EXPRESSION, SQL.identifier("lead", fname))
            query = SQL(
                """SELECT lead.id, v.val FROM crm_lead lead
                   JOIN unnest(%s::text[]) AS v(val) ON %s = lower(v.val)
                  WHERE lead.active AND %s""",
                list(values),
                expression,
                company_clause,
            )
        else:
            column = SQL.identifier("lead", column_name)
            query = SQL(
                "SELECT lead.id, %s FROM crm_lead lead WHERE lead.active AND %s AND %s = ANY(%s)",
                column,
                company_clause,
                column,
                list(values),
            )
        return query

    @api.model
    def _linkedin_create_from_items(self, run, items):
        """Create the leads of ``items`` in one ``create()``; one by one only when that fails for one's data."""
        if not items:
            return
        mapper = self.env["linkedin.lead.mapper"]
        partners = mapper._get_partners(items)
        campaigns = mapper._get_utm_campaigns(run, {item.campaign_name for item in items if item.campaign_name})
        pairs = [(item, mapper._prepare_lead_vals(run, item, partners, campaigns)) for item in items]
        Lead = self.with_context(**LEAD_CREATE_CONTEXT, **mapper._get_stage_context(run))

        def create(batch):
            leads = Lead.create([vals for _item, vals in batch])
            for (item, _vals), lead in zip(batch, leads, strict=True):
                item.state, item.lead_id = "lead_created", lead.id

        def fail(pair, error):  # kept as a failed submission, retried later
            pair[0].state, pair[0].error, pair[0].lead_id = "failed", mapper._linkedin_error_message(error), False

        mapper._linkedin_batch_or_each(pairs, create, fail)

    @api.model
    def _linkedin_update_from_items(self, run, items):
        """Update the matched leads with the submissions' values and post a note on each (batched).

        Field tracking is off: the note lists each change with its old and new value, once per lead.
        """
        if not items:
            return
        mapper = self.env["linkedin.lead.mapper"]
        leads = self.browse({item.lead_id for item in items}).with_context(mail_notrack=True, linkedin_import=True)
        leads.fetch([fname for item in items for fname in item.lead_vals if fname in leads._fields] or ["name"])
        plan = []
        for item in items:
            lead = leads.browse(item.lead_id)
            changes, old = {}, {}
            for fname, value in item.lead_vals.items():
                if fname in NOT_UPDATED or fname not in lead._fields:
                    continue
                current = lead[fname]
                current_value = current.id if isinstance(current, models.BaseModel) else current
                if fname in EMAIL_FIELDS and email_normalize(current or "") == item.email_normalized:
                    continue
                if current_value != value:
                    changes[fname] = value
                    old[fname] = current
            description = mapper._map_description(item)
            if description:
                current = lead.description
                changes["description"] = (current if not is_html_empty(current) else Markup("")) + description
            plan.append((item, lead, changes, old))

        def write(batch):
            for _item, lead, changes, _old in batch:
                if changes:
                    lead.write(changes)

        def fail(entry, error):  # kept as a failed submission, retried later
            entry[0].state, entry[0].error = "failed", mapper._linkedin_error_message(error)

        mapper._linkedin_batch_or_each(plan, write, fail)
        bodies = {}
        for item, lead, changes, old in plan:
            if item.state == "failed":
                continue
            item.state = "lead_updated"
            bodies[lead.id] = bodies.get(lead.id, Markup("")) + mapper._update_note(item, lead, changes, old)
        if bodies:
            leads.browse(list(bodies))._message_log_batch(bodies=bodies)
