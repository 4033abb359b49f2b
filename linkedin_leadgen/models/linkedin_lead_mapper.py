# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Mapper: a LinkedIn submission's answers become ``crm.lead`` values.

The field mappings give a plan (looked up once per run); each answer is converted to the type of its
lead field; what no mapping takes goes to the description. Lead defaults (type, team, salesperson,
company, UTM source and medium, campaign), the partner found by e-mail and the notes posted on updated
leads are decided here too.
"""

import math

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize

from .. import linkedin as li
from .linkedin_sync_mixin import ConcurrentChange

# Common ways members write a few countries.
COUNTRY_ALIASES = (("usa", "us"), ("united states of america", "us"), ("uk", "gb"), ("england", "gb"))
MAX_INTEGER = 2**31  # PostgreSQL integer columns
TRUE_WORDS = ("1", "true", "yes", "y", "oui", "ja", "si", "sí")
UTM_CAMPAIGN_LOCK = 7452031  # first key of the advisory locks taken on the names of UTM campaigns being created


class LinkedInLeadMapper(models.AbstractModel):
    _name = "linkedin.lead.mapper"
    _inherit = ["linkedin.sync.mixin"]
    _description = "LinkedIn Lead Mapper"

    # ------------------------------------------------------------------
    # Answers to lead values
    # ------------------------------------------------------------------

    @api.model
    def _map_item(self, run, item):
        """Set ``item.lead_vals`` from the answers; the answers no mapping took go to ``item.unmapped``."""
        collected = {}  # field -> (plan entry, [(answer index, value)] in mapping order)
        used = set()
        answers = item.decoded.answers
        by_predefined, by_name = {}, {}
        for index, answer in enumerate(answers):
            value = li.clean(answer.value)
            if not value:
                continue
            if answer.predefined_field:
                by_predefined.setdefault(answer.predefined_field, []).append((index, value))
            for name in {li.clean(answer.name).casefold(), li.clean(answer.label).casefold()} - {""}:
                by_name.setdefault(name, []).append((index, value))
        for entry in self._get_mapping_plan(run):
            if entry["source"] == "predefined":
                found = by_predefined.get(entry["predefined"])
            else:
                found = by_name.get(entry["question"]) if entry["question"] else None
            if found:
                collected.setdefault(entry["field"], (entry, []))[1].extend(found)
                used.update(index for index, _value in found)
        vals = {}
        rejected = set()
        # countries first: states are resolved within the country
        for fname, (entry, values) in sorted(collected.items(), key=lambda kv: kv[1][0]["relation"] != "res.country"):
            raw = " ".join(value for _index, value in values) if entry["combine"] == "append" else values[0][1]
            converted = self._convert_value(run, entry, raw, vals)
            if converted is None:
                rejected.update(index for index, _value in values)
            else:
                vals[fname] = converted
        item.lead_vals = vals
        item.email_normalized = email_normalize(vals.get("email_from") or "", strict=False) or ""
        item.unmapped = [answer for index, answer in enumerate(answers) if index not in used or index in rejected]

    @api.model
    def _get_mapping_plan(self, run):
        plan = run.caches.mapping_plan
        if plan is None:
            plan = run.caches.mapping_plan = [
                {
                    "source": mapping.source,
                    "predefined": mapping.predefined_field,
                    "question": li.clean(mapping.question_name).casefold(),
                    "field": mapping.lead_field_id.name,
                    "ttype": mapping.lead_field_id.ttype,
                    "relation": mapping.lead_field_id.relation,
                    "combine": mapping.combine,
                }
                for mapping in self.env["linkedin.field.mapping"].search([])
            ]
        return plan

    @api.model
    def _convert_value(self, run, entry, raw, vals):
        """Convert a text answer to the lead field's type; None when it cannot be (kept in the description)."""
        ttype = entry["ttype"]
        if ttype in ("char", "text"):
            return raw
        if ttype == "html":
            return Markup("<p>%s</p>") % raw
        if ttype == "selection":
            field_obj = self.env["crm.lead"]._fields.get(entry["field"])
            options = field_obj._description_selection(self.env) if field_obj else []
            folded = raw.casefold()
            return next((key for key, label in options if folded in (str(key).casefold(), str(label).casefold())), None)
        if ttype in ("integer", "float", "monetary"):
            try:
                number = float(raw.replace(",", ".").replace(" ", ""))
            except ValueError:
                return None
            # "nan", "inf", "1e400" are floats to Python but no amount: PostgreSQL would store NaN or Infinity
            if not math.isfinite(number) or (ttype == "integer" and abs(number) >= MAX_INTEGER):
                return None
            return int(number) if ttype == "integer" else number + 0.0  # "-0" is 0
        if ttype == "boolean":
            return raw.casefold() in TRUE_WORDS
        if ttype == "date":
            try:
                return fields.Date.to_date(raw[:10])
            except ValueError:
                return None
        if ttype == "many2one":
            if entry["relation"] == "res.country":
                return self._get_countries(run).get(raw.casefold())
            if entry["relation"] == "res.country.state":
                return self._find_state(run, raw, vals.get("country_id"))
            return self._get_names(run, entry["relation"]).get(raw.casefold())
        return None

    @api.model
    def _get_countries(self, run):
        countries = run.caches.countries
        if countries is None:
            countries = {}
            self.env.cr.execute("SELECT id, code, name FROM res_country")
            for country_id, code, names in self.env.cr.fetchall():
                for name in (names or {}).values():
                    countries.setdefault(li.clean(name).casefold(), country_id)
                if code:
                    countries[code.casefold()] = country_id
            for alias, code in COUNTRY_ALIASES:
                if code in countries:
                    countries.setdefault(alias, countries[code])
            run.caches.countries = countries
        return countries

    @api.model
    def _find_state(self, run, raw, country_id):
        states = run.caches.states
        if states is None:
            states = {}  # (country id, folded name or code) -> state id; (None, key) -> [state ids]
            self.env.cr.execute("SELECT id, country_id, code, name FROM res_country_state")
            for state_id, state_country_id, code, name in self.env.cr.fetchall():
                names = name.values() if isinstance(name, dict) else [name]
                keys = {li.clean(value).casefold() for value in names if value}
                if code:
                    keys.add(code.casefold())
                for key in keys:
                    states.setdefault((state_country_id, key), state_id)
                    states.setdefault((None, key), []).append(state_id)
            run.caches.states = states
        key = li.clean(raw).casefold()
        if country_id:
            return states.get((country_id, key))
        candidates = states.get((None, key)) or []
        return candidates[0] if len(candidates) == 1 else None

    @api.model
    def _get_names(self, run, model_name):
        cache = run.caches.names
        if model_name not in cache:
            model = self.env[model_name].with_context(active_test=False)
            cache[model_name] = {
                li.clean(record.display_name).casefold(): record.id for record in model.search([], limit=5000)
            }
        return cache[model_name]

    # ------------------------------------------------------------------
    # Lead values: defaults, UTM, partner, description
    # ------------------------------------------------------------------

    @api.model
    def _get_lead_defaults(self, run):
        """Values every lead of the run starts from: the settings' team and salesperson, else the profile's
        owner and their sales team (CRM's default "My Pipeline" filter shows a salesperson their own leads)."""
        defaults = run.caches.lead_defaults
        if defaults is None:
            env = self.env
            team = env["crm.team"].browse(self._linkedin_param_int("linkedin_leadgen.team_id", 0)).exists()
            user = env["res.users"].browse(self._linkedin_param_int("linkedin_leadgen.user_id", 0)).exists()
            use_leads = env.ref("crm.group_use_lead") in env.ref("base.group_user").implied_ids
            company = run.account.company_id or self.env.company
            if not team and not user:
                # no default set: the leads are the pipeline of whoever authorized the profile
                owner = run.profile.sudo().user_id if run.profile else env["res.users"]
                if owner.active and not owner.share and company in owner.company_ids:
                    user = owner
            if user and not team:
                team_domain = [("use_leads", "=", True)] if use_leads else [("use_opportunities", "=", True)]
                team = env["crm.team"].with_company(company)._get_default_team_id(user_id=user.id, domain=team_domain)
            # the source of its own of Lead Gen Forms (data, noupdate), LinkedIn's if it was deleted
            source = env.ref("linkedin_leadgen.utm_source_linkedin_sponsored_content", raise_if_not_found=False)
            source = source or env.ref("utm.utm_source_linkedin", raise_if_not_found=False)
            medium = env.ref("utm.utm_medium_linkedin", raise_if_not_found=False)
            company = run.account.company_id or self.env.company
            # the settings' team and salesperson serve the accounts of their company only: crm refuses a lead
            # of another company with them, so those leads get crm's own defaults
            if team.company_id and team.company_id != company:
                team = env["crm.team"]
            if user and company not in user.company_ids:
                user = env["res.users"]
            defaults = run.caches.lead_defaults = {
                "type": "lead" if use_leads else "opportunity",
                "user_id": user.id or False,
                "team_id": team.id or False,
                "company_id": company.id,
                "source_id": source.id if source else False,
                "medium_id": medium.id if medium else False,
            }
        return defaults

    @api.model
    def _get_stage_context(self, run):
        """``default_stage_id``: the stage crm.lead's compute would find, looked up once per run instead of
        once per lead (given as a default, not a value, so that crm's won/lost bookkeeping is not run)."""
        context = run.caches.stage_context
        if context is None:
            defaults = self._get_lead_defaults(run)
            context = {}
            if defaults["team_id"] or not defaults["user_id"]:
                stage = self.env["crm.lead"]._stage_find(team_id=defaults["team_id"], domain=[("fold", "=", False)])
                if stage:
                    context["default_stage_id"] = stage.id
            run.caches.stage_context = context
        return context

    @api.model
    def _get_utm_campaigns(self, run, names):
        """``{LinkedIn campaign name: utm.campaign id or False}``, created when the setting asks for it."""
        cache = run.caches.utm_campaigns
        missing = {name for name in names if name and name not in cache}
        if missing:
            Campaign = self.env["utm.campaign"]
            for campaign in Campaign.search_fetch([("name", "in", list(missing))], ["name"]):
                cache.setdefault(campaign.name, campaign.id)
            to_create = sorted(name for name in missing if name not in cache)
            if to_create and self._linkedin_param_bool("linkedin_leadgen.create_utm_campaigns"):
                to_create = [name for name in to_create if self._utm_campaign_creatable(name)]
                try:
                    with self.env.cr.savepoint():
                        created = Campaign.create([{"title": name} for name in to_create])
                        created.flush_recordset()
                except (psycopg2.errors.UniqueViolation, psycopg2.errors.TransactionRollbackError) as exc:
                    # another sync worker created it since this transaction began (unseen until then)
                    raise ConcurrentChange(str(exc)) from exc
                for campaign in created:
                    cache[campaign.title] = campaign.id
            for name in missing:
                cache.setdefault(name, False)
        return cache

    @api.model
    def _utm_campaign_creatable(self, name):
        """Whether this transaction may create the UTM campaign ``name`` without colliding with another run.

        Two runs (the cron of two servers, a click, the webhook) may meet a LinkedIn campaign new to Odoo at
        once. The one that creates its UTM campaign holds an advisory lock on the name until it commits;
        another one either finds the lock taken or, once it is released, cannot see the new campaign
        (Odoo's transactions are REPEATABLE READ), and its own creation would fail on the unique name and
        fail its batch. That other run leaves the campaign out of its leads (they keep the LinkedIn
        campaign's name); the runs after it find the campaign. The probe below detects a campaign committed
        since this transaction began without an error in the log.
        """
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", UTM_CAMPAIGN_LOCK, name))
        if not cr.fetchone()[0]:
            return False
        defaults = self.env["utm.campaign"].default_get(["stage_id", "user_id"])
        with cr.savepoint(flush=False) as savepoint:
            try:
                cr.execute(
                    SQL(
                        "INSERT INTO utm_campaign (name, title, stage_id, user_id) VALUES (%s, '{}', %s, %s)"
                        " ON CONFLICT (name) DO NOTHING RETURNING id",
                        name,
                        defaults.get("stage_id"),
                        defaults.get("user_id") or self.env.uid,
                    ),
                    log_exceptions=False,
                )
                creatable = bool(cr.fetchone())
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.UniqueViolation):
                creatable = False  # committed by another run since this transaction began
            savepoint.rollback()  # a probe only: the ORM creates the campaign
        return creatable

    @api.model
    def _get_partners(self, items):
        """``{normalized e-mail: res.partner}``: the oldest contact of each submission's e-mail (one query)."""
        emails = {item.email_normalized for item in items} - {""}
        if not emails:
            return {}
        partners = {}
        for partner in self.env["res.partner"].search_fetch(
            [("email_normalized", "in", list(emails))], ["email_normalized", "company_id"], order="id"
        ):
            partners.setdefault(partner.email_normalized, partner)
        return partners

    @api.model
    def _prepare_lead_vals(self, run, item, partners, campaigns):
        """The values of the lead created for ``item``."""
        vals = dict(item.lead_vals)
        defaults = self._get_lead_defaults(run)
        mapped_utm = {fname: vals[fname] for fname in ("source_id", "medium_id") if vals.get(fname)}
        vals.update(defaults, **mapped_utm)  # a source or medium a field mapping found wins
        partner = partners.get(item.email_normalized)
        if partner and (not partner.company_id or partner.company_id.id == defaults["company_id"]):
            vals["partner_id"] = partner.id
        if item.campaign_name and campaigns.get(item.campaign_name):
            vals["campaign_id"] = campaigns[item.campaign_name]
        if not vals.get("name"):
            contact = vals.get("contact_name") or vals.get("email_from") or vals.get("partner_name")
            origin = item.campaign_name or item.form_name
            vals["name"] = " - ".join(part for part in (contact, origin) if part) or self.env._("LinkedIn lead")
        description = self._map_description(item)
        if description:
            vals["description"] = (vals.get("description") or Markup("")) + description
        return vals

    @api.model
    def _map_description(self, item):
        """The answers no mapping took, readable in the lead's description."""
        if not item.unmapped:
            return Markup("")
        lines = Markup("").join(
            Markup("<li><b>%s</b>: %s</li>") % (answer.label or answer.name or str(answer.question_id), answer.value)
            for answer in item.unmapped
        )
        title = self.env._("LinkedIn Lead Gen Form %(form)s", form=item.form_name or "")
        return Markup("<p>%s</p><ul>%s</ul>") % (title, lines)

    @api.model
    def _update_note(self, item, lead, changes, old):
        """The note posted on a lead updated from ``item``: the form, the campaign and each change."""
        note = self.env._(
            "Updated from LinkedIn form submission %(form)s%(campaign)s.",
            form=item.form_name or item.linkedin_id,
            campaign=self.env._(" (campaign %(name)s)", name=item.campaign_name) if item.campaign_name else "",
        )
        body = Markup("<p>%s</p>") % note
        lines = Markup("").join(
            Markup("<li>%s: %s → %s</li>")
            % (
                lead._fields[fname]._description_string(self.env),
                self._display_value(old.get(fname)),
                self._display_value(lead[fname]),
            )
            for fname in changes
            if fname != "description"
        )
        if lines:
            body += Markup("<ul>%s</ul>") % lines
        return body

    @staticmethod
    def _display_value(value):
        if isinstance(value, models.BaseModel):
            return value.display_name or ""
        return "" if value in (False, None) else str(value)

    # ------------------------------------------------------------------
    # Unreadable responses
    # ------------------------------------------------------------------

    @api.model
    def _unreadable_reason(self, unreadable):
        """The sentence of an :class:`~..linkedin.leads.UnreadableLead`."""
        _ = self.env._
        detail = unreadable.detail
        sentences = {
            "no_id": lambda: _("it has no LinkedIn id"),
            "form_reference": lambda: _("LinkedIn sent this submission without a readable lead form reference."),
            "timestamp": lambda: _("The submission date sent by LinkedIn is not a timestamp: %(value)s", **detail),
            "metadata": lambda: _("LinkedIn sent an unreadable %(key)s: %(value)s", **detail),
            "no_answers": lambda: _("LinkedIn sent this submission without its answers (no formResponse)."),
            "answers_not_list": lambda: _("The answers sent by LinkedIn are not a list: %(value)s", **detail),
            "consents": lambda: _("The consents sent by LinkedIn are not readable: %(value)s", **detail),
            "answer_question": lambda: _("An answer sent by LinkedIn does not name its question: %(value)s", **detail),
            "answer_text": lambda: _("The answer to question %(question)s is not text: %(value)s", **detail),
            "answer_options": lambda: _(
                "The answer to question %(question)s is not a list of options: %(value)s", **detail
            ),
        }
        sentence = sentences.get(unreadable.code)
        if sentence:
            return sentence()
        return _("The answer to question %(question)s is not readable: %(value)s", **detail)
