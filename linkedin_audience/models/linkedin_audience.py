# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A mailing list sent to LinkedIn as a Matched Audience: the record, its actions, its segment on LinkedIn.

The upload itself (planning, sending, LinkedIn's errors, the crons) is in ``linkedin_audience_upload.py``.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.linkedin_leadgen import linkedin as li

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
CAMPAIGN_MANAGER_URL = "https://www.linkedin.com/campaignmanager"
MAX_BATCH_SIZE = 50000
DEFAULT_TIME_BUDGET = 20
# LinkedIn allows 600 requests per minute per member on the DMP streaming endpoints (API notes 8.5);
# stay under it with a margin.
DEFAULT_REQUESTS_PER_MINUTE = 500
DEFAULT_CHECK_INTERVAL = 55  # minutes between two checks of a list kept in step
LINKEDIN_STATES = {
    "BUILDING": "building",
    "READY": "ready",
    "UPDATING": "updating",
    "ARCHIVED": "archived",
    "EXPIRED": "expired",
    "FAILED": "failed",
    "ERROR": "failed",
}


# What the upload engine and LinkedIn's answers set: read-only for users, whatever the client sends over RPC
# (the engine writes them with ``sudo()``, after the public method checked its caller).
ENGINE_FIELDS = frozenset(
    {
        "segment_id",
        "source_segment_id",
        "ad_segment_urn",
        "state",
        "linkedin_status",
        "segment_created_at",
        "upload_pending",
        "changes_logged",
        "upload_total",
        "upload_done",
        "upload_cursor",
        "upload_retry_at",
        "upload_attempts",
        "batch_count",
        "contact_sent_count",
        "contact_failed_count",
        "matched_count",
        "audience_size",
    }
)
MAX_COUNT = 2**31 - 1  # an Integer column


def _linkedin_count(value):
    """A count as LinkedIn sends it (a number, or digits), or None when it is none."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return int(value)
    return None


class LinkedInAudience(models.Model):
    _name = "linkedin.audience"
    _description = "LinkedIn Matched Audience"
    _inherit = ["mail.thread", "linkedin.sync.mixin"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    mailing_list_id = fields.Many2one("mailing.list", required=True, index=True, ondelete="restrict", tracking=True)
    profile_id = fields.Many2one(
        "linkedin.user.profile",
        string="LinkedIn Profile",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        help="The LinkedIn member whose authorization sends the contacts.",
    )
    ad_account_id = fields.Many2one("linkedin.ad.account", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="ad_account_id.company_id", store=True, index=True)
    segment_id = fields.Char(string="LinkedIn Segment ID", readonly=True, copy=False, tracking=True)
    source_segment_id = fields.Char(string="Source Segment ID", readonly=True, copy=False)
    ad_segment_urn = fields.Char(
        string="Ad Segment",
        readonly=True,
        copy=False,
        help="The audience to pick in Campaign Manager targeting (LinkedIn's destinationSegmentId).",
    )
    state = fields.Selection(
        [
            ("uploading", "Uploading"),
            ("building", "Building"),
            ("ready", "Ready"),
            ("updating", "Updating"),
            ("failed", "Failed"),
            ("archived", "Archived"),
            ("expired", "Expired"),
        ],
        required=True,
        default="uploading",
        readonly=True,
        copy=False,
        tracking=True,
    )
    linkedin_status = fields.Char(string="LinkedIn Status", readonly=True, copy=False)
    keep_in_step = fields.Boolean(
        default=True,
        help="Send the list's changes to LinkedIn on a schedule: new and re-subscribed contacts are added, "
        "removed, opted-out and blacklisted ones are removed.",
    )
    contact_sent_count = fields.Integer(
        string="Contacts Sent",
        readonly=True,
        copy=False,
        help="Contacts LinkedIn accepted and that are in the audience.",
    )
    contact_failed_count = fields.Integer(string="Contacts Refused", readonly=True, copy=False)
    matched_count = fields.Integer(
        string="Matched Members", readonly=True, copy=False, help="LinkedIn members matched over the last 7 days."
    )
    audience_size = fields.Integer(
        readonly=True, copy=False, help="Members LinkedIn can target with this audience (after its own filters)."
    )
    match_ratio = fields.Float(
        compute="_compute_match_rate", string="Match Rate (ratio)", help="Matched members / contacts sent (as a ratio)."
    )
    audience_size_note = fields.Char(compute="_compute_audience_size_note", string="Why This Size")
    campaign_manager_url = fields.Char(
        string="Campaign Manager",
        compute="_compute_campaign_manager_url",
        help="The ad account in LinkedIn Campaign Manager: its Plan > Audiences page lists the audience, "
        "which campaigns then target.",
    )
    match_rate = fields.Float(compute="_compute_match_rate", digits=(16, 1), help="Matched members / contacts sent.")
    last_upload_date = fields.Datetime(string="Last Upload", readonly=True, copy=False)
    last_status_date = fields.Datetime(string="Last Status Check", readonly=True, copy=False)
    last_check_date = fields.Datetime(string="Last Change Check", readonly=True, copy=False)
    changes_logged = fields.Boolean(
        readonly=True,
        copy=False,
        help="The list's changes since the last check are logged: the next check compares only them with "
        "what LinkedIn holds, not the whole list.",
    )
    last_error = fields.Text(readonly=True, copy=False)
    segment_created_at = fields.Datetime(readonly=True, copy=False)
    # Upload in progress (batch after batch; resumable)
    upload_pending = fields.Boolean(readonly=True, copy=False)
    upload_total = fields.Integer(string="Changes to Send", readonly=True, copy=False)
    upload_done = fields.Integer(string="Changes Sent", readonly=True, copy=False)
    upload_cursor = fields.Integer(readonly=True, copy=False)
    upload_retry_at = fields.Datetime(string="Next Attempt", readonly=True, copy=False)
    upload_attempts = fields.Integer(readonly=True, copy=False)
    batch_count = fields.Integer(string="Batches Sent", readonly=True, copy=False)
    progress = fields.Float(compute="_compute_progress", digits=(16, 0))
    member_ids = fields.One2many("linkedin.audience.member", "audience_id", string="Members")

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("matched_count", "contact_sent_count")
    def _compute_match_rate(self):
        for audience in self:
            sent = audience.contact_sent_count
            audience.match_ratio = audience.matched_count / sent if sent else 0.0
            audience.match_rate = 100.0 * audience.match_ratio

    @api.depends("state", "audience_size", "matched_count")
    def _compute_audience_size_note(self):
        note = self.env._(
            "LinkedIn gives an audience size (and serves ads to the audience) only once at least 300 members "
            "match; below that it shows 0. A contact matches only when the hashed address is one of the e-mail "
            "addresses of a LinkedIn account, so usually only part of the list matches, and members who opted "
            "out of ads based on data from other companies in their LinkedIn settings never match."
        )
        for audience in self:
            counted = audience.state in ("ready", "updating", "archived")
            small = audience.audience_size < 300 or audience.matched_count < 300
            audience.audience_size_note = note if counted and small else False

    @api.depends("ad_account_id")
    def _compute_campaign_manager_url(self):
        for audience in self:
            account_id = audience.ad_account_id.sudo().linkedin_id
            audience.campaign_manager_url = f"{CAMPAIGN_MANAGER_URL}/accounts/{account_id}" if account_id else False

    @api.depends("upload_total", "upload_done", "upload_pending")
    def _compute_progress(self):
        for audience in self:
            if audience.upload_pending and audience.upload_total:
                audience.progress = min(100.0, 100.0 * audience.upload_done / audience.upload_total)
            else:
                audience.progress = 0.0 if audience.upload_pending else 100.0

    @api.constrains("profile_id", "ad_account_id")
    def _check_profile_account(self):
        for audience in self:
            if audience.ad_account_id not in audience.profile_id.sudo().ad_account_ids:
                raise ValidationError(
                    self.env._(
                        "The LinkedIn member of profile %(profile)s has no access to ad account %(account)s.",
                        profile=audience.profile_id.name,
                        account=audience.ad_account_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def _check_engine_fields(self, vals):
        if not self.env.su and ENGINE_FIELDS.intersection(vals):
            raise AccessError(
                self.env._(
                    "These values of a LinkedIn audience are set by the upload and by LinkedIn, never by hand: "
                    "%(fields)s.",
                    fields=", ".join(sorted(ENGINE_FIELDS.intersection(vals))),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_engine_fields(vals)
        audiences = super().create(vals_list)
        if not self.env.su:
            audiences.profile_id._check_usable_for_audiences()
        return audiences

    def write(self, vals):
        self._check_engine_fields(vals)
        if "profile_id" in vals and not self.env.su:
            self.env["linkedin.user.profile"].browse(vals["profile_id"])._check_usable_for_audiences()
        return super().write(vals)

    def unlink(self):
        if not self.env.context.get("linkedin_audience_confirmed") and self.filtered(
            lambda a: a.active and a.segment_id
        ):
            raise UserError(
                self.env._(
                    "Use the Archive or Delete button on the audience: it asks whether to leave the audience "
                    "on LinkedIn or to remove it there too."
                )
            )
        return super().unlink()

    def action_archive(self):
        self.check_access("write")
        if self.env.context.get("linkedin_audience_confirmed") or not self.filtered("segment_id"):
            return super().action_archive()
        return self._open_remove_wizard("archive")

    def action_unarchive(self):
        self.check_access("write")
        res = super().action_unarchive()
        for audience in self.filtered(lambda a: not a.segment_id):
            audience.sudo().write(
                {
                    "state": "failed",
                    "keep_in_step": False,
                    "last_error": self.env._(
                        "This audience was removed from LinkedIn: create a new audience from the mailing list."
                    ),
                }
            )
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_upload(self):
        """Send what is pending now (as the wizard does): within the time budget, the rest through the cron."""
        self.check_access("write")
        for audience in self:
            audience._check_can_upload()
        deadline = self._upload_deadline()
        planned = {}
        for audience in self:
            if not audience._linkedin_try_lock():
                raise UserError(
                    self.env._(
                        "The audience %(name)s is being uploaded right now; try again in a minute.", name=audience.name
                    )
                )
            planned[audience] = audience._plan_upload(retry_failed=True)
        self._upload_within(deadline)
        return self._upload_notification(planned)

    def action_refresh_status(self):
        """Read the segment's status and counts from LinkedIn."""
        self.check_access("write")
        for audience in self.filtered("segment_id"):
            client = audience._get_client()
            with audience.profile_id._translate_linkedin_errors():
                audience._refresh_status_or_mark_gone(client)
        return True

    def action_open_remove_wizard(self):
        self.check_access("write")
        return self._open_remove_wizard("delete")

    def action_view_members(self):
        self.check_access("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("linkedin_audience.linkedin_audience_member_action")
        action["domain"] = [("audience_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _check_can_upload(self):
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("The audience %(name)s is archived.", name=self.name))
        if not self.segment_id:
            raise UserError(self.env._("The audience %(name)s has no segment on LinkedIn.", name=self.name))
        if not self.mailing_list_id.active:
            raise UserError(
                self.env._(
                    "The mailing list %(list)s is archived: restore it before sending it to LinkedIn.",
                    list=self.mailing_list_id.name,
                )
            )

    def _open_remove_wizard(self, mode):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Archive LinkedIn Audience")
            if mode == "archive"
            else self.env._("Delete LinkedIn Audience"),
            "res_model": "linkedin.audience.remove.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_audience_ids": self.ids, "default_mode": mode},
        }

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    @api.model
    def _get_batch_size(self):
        return self._linkedin_param_int(
            "linkedin_audience.batch_size", DEFAULT_BATCH_SIZE, minimum=1, maximum=MAX_BATCH_SIZE
        )

    @api.model
    def _get_time_budget(self):
        return self._linkedin_param_int("linkedin_audience.time_budget", DEFAULT_TIME_BUDGET, minimum=0)

    @api.model
    def _get_requests_per_minute(self):
        return self._linkedin_param_int("linkedin_audience.requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE, minimum=1)

    @api.model
    def _get_check_interval(self):
        return self._linkedin_param_int("linkedin_audience.check_interval", DEFAULT_CHECK_INTERVAL, minimum=1)

    @api.model
    def _sends_contact_details(self):
        return self._linkedin_param_bool("linkedin_audience.send_contact_details")

    @api.model
    def _get_source_platform(self):
        return self._linkedin_param("linkedin_audience.source_platform", "ODOO")

    # ------------------------------------------------------------------
    # Segment
    # ------------------------------------------------------------------

    @api.model
    def _create_and_upload(self, mailing_list, profile, account, name):
        """What the wizard's button does: create the audience and its LinkedIn segment, work out its contacts
        and upload within the time budget (the rest continues through the cron)."""
        deadline = self._upload_deadline()
        audience = self._create_with_segment(mailing_list, profile, account, name)
        audience._plan_upload()
        audience._upload_within(deadline)
        return audience

    @api.model
    def _create_with_segment(self, mailing_list, profile, account, name):
        """Create the audience of ``mailing_list`` on ``account`` and its segment on LinkedIn (reusing the
        segment an interrupted creation left there)."""
        source_segment_id = self._make_source_segment_id(mailing_list, account)
        client = self._client_for(profile)
        with profile._translate_linkedin_errors():
            segment_id = self._find_orphan_segment(client, account, source_segment_id)
            if not segment_id:
                segment_id = client.create_dmp_segment(
                    account.linkedin_id,
                    name,
                    source_segment_id,
                    source_platform=self._get_source_platform(),
                    description=self.env._("Synced from Odoo mailing list %(list)s", list=mailing_list.name),
                )
        audience = self.create(
            {"name": name, "mailing_list_id": mailing_list.id, "profile_id": profile.id, "ad_account_id": account.id}
        )
        audience.sudo().write(
            {
                "segment_id": segment_id,
                "source_segment_id": source_segment_id,
                "segment_created_at": self._linkedin_now(),
                "state": "uploading",
            }
        )
        return audience

    @api.model
    def _find_orphan_segment(self, client, account, source_segment_id):
        """A segment with this source id left by an interrupted creation (created on LinkedIn, not in Odoo)."""
        try:
            for segment in client.iter_dmp_segments(account.linkedin_id, source_segment_id=source_segment_id):
                if segment.get("sourceSegmentId") == source_segment_id and segment.get("id"):
                    _logger.info("LinkedIn segment %s reused for source id %s", segment["id"], source_segment_id)
                    return str(segment["id"])
        except li.NotFoundError:
            return False
        return False

    @api.model
    def _make_source_segment_id(self, mailing_list, account):
        """A stable key of the list in this database: ``odoo-<database uuid>-list-<id>`` (``-2``... if reused)."""
        uuid = self._linkedin_param("database.uuid") or self.env.cr.dbname
        base = f"odoo-{uuid}-list-{mailing_list.id}"
        used = set(
            self.sudo()
            .with_context(active_test=False)
            .search([("ad_account_id", "=", account.id), ("source_segment_id", "=like", f"{base}%")])
            .mapped("source_segment_id")
        )
        candidate, suffix = base, 1
        while candidate in used:
            suffix += 1
            candidate = f"{base}-{suffix}"
        return candidate

    @api.model
    def _client_for(self, profile):
        """The client of ``profile``; its waits go through the clock (:meth:`_linkedin_clock`)."""
        client = profile._get_client()
        client.sleep = self._linkedin_clock().sleep
        return client

    def _get_client(self):
        self.ensure_one()
        return self._client_for(self.profile_id)

    def _refresh_status(self, client):
        """Copy the LINKEDIN destination's status and counts onto the record."""
        self.ensure_one()
        destination = client.get_dmp_segment_destination(self.segment_id)
        if not isinstance(destination, dict):
            destination = {}
        status = destination.get("status")
        status = status.strip().upper()[:64] if isinstance(status, str) else ""
        vals = {"linkedin_status": status or False, "last_status_date": self._linkedin_now()}
        # a count that is no number is not taken: the last one read stays
        for fname, key in (("matched_count", "matchedCount"), ("audience_size", "audienceSize")):
            count = _linkedin_count(destination.get(key, 0))
            if count is not None:
                vals[fname] = count
        segment_urn = destination.get("destinationSegmentId")
        if isinstance(segment_urn, str) and segment_urn.strip():
            vals["ad_segment_urn"] = segment_urn.strip()[:256]
        new_state = LINKEDIN_STATES.get(status)
        # While changes wait to be sent, the record keeps saying so (uploading, or failed with the reason).
        if new_state and not self.upload_pending:
            vals["state"] = new_state
            if new_state == "failed":
                vals["last_error"] = self.env._(
                    "LinkedIn could not process the audience (status %(status)s).", status=status
                )
            elif self.state == "failed" and not self.upload_pending:
                vals["last_error"] = False
        self.sudo().write(vals)

    def _refresh_status_or_mark_gone(self, client):
        """:meth:`_refresh_status`; a segment LinkedIn no longer knows marks the audience failed."""
        try:
            self._refresh_status(client)
        except li.NotFoundError:
            self._mark_segment_gone()

    def _mark_segment_gone(self):
        self.sudo().write(
            {
                "state": "failed",
                "upload_pending": False,
                "keep_in_step": False,
                "last_error": self.env._(
                    "The segment no longer exists on LinkedIn (deleted in Campaign Manager?). "
                    "Create a new audience from the mailing list."
                ),
            }
        )
