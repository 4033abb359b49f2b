# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The values an import carries from step to step (no Odoo model): one account's run and its items."""

import enum
from dataclasses import dataclass, field

from .. import linkedin as li

# Counters of a run, restored when the work they counted is rolled back.
COUNTERS = ("created", "updated", "failed", "ignored", "fetched", "duplicates")


class Plan(enum.Enum):
    """What the importer decided for an item before it is stored (never stored itself)."""

    CREATE = "create"  # no lead matches: create one
    UPDATE = "update"  # ``lead_id`` matches: update it
    MERGE = "merge"  # the same person earlier in the batch: update the lead created for ``merge_into``


@dataclass
class LeadItem:
    """One submission on its way through the importer.

    ``state`` is the outcome stored on the submission (``linkedin.form.submission.state``); ``plan`` is
    the importer's temporary decision between matching and writing the leads.
    """

    linkedin_id: str
    payload: dict = None  # what the submission keeps of LinkedIn's response (raw_payload)
    submission: object = None  # the existing linkedin.form.submission when imported again
    form_id: int = False
    form_name: str = ""
    form_urn: str = ""
    decoded: li.DecodedLead = field(default_factory=li.DecodedLead)
    campaign_urn: str = ""
    campaign_name: str = ""
    creative_urn: str = ""
    creative_name: str = ""
    lead_type: str = "SPONSORED"
    submitted_at: object = False
    test: bool = False
    lead_vals: dict = field(default_factory=dict)
    unmapped: list = field(default_factory=list)
    match_values: dict = field(default_factory=dict)
    email_normalized: str = ""
    plan: Plan = None
    merge_into: "LeadItem" = None
    state: str = ""
    lead_id: int = False
    error: str = ""
    invalid: str = ""  # why the response cannot be read as a lead: the item is stored as failed
    rebound: bool = False  # a stored submission read again from its raw payload (answers replaced)
    recreate: bool = False  # a stored submission whose deleted lead is re-created from LinkedIn's response


@dataclass
class SyncCaches:
    """What one run looks up once: forms, settings and reference data."""

    forms: dict = None  # LinkedIn form id -> linkedin.lead.form
    form_dicts: dict = None  # LinkedIn form id -> the form LinkedIn listed, once per run (kept on rollback)
    campaign_names: dict = field(default_factory=dict)  # LinkedIn campaign id -> name (kept on rollback)
    mapping_plan: list = None
    match_fields: list = None
    countries: dict = None
    states: dict = None
    names: dict = field(default_factory=dict)  # model name -> {folded display name: id}
    lead_defaults: dict = None
    stage_context: dict = None
    utm_campaigns: dict = field(default_factory=dict)

    def forget_records(self):
        """Forget what may name records a rolled-back savepoint created (forms, UTM campaigns); what
        LinkedIn sent is kept (it is not asked twice)."""
        campaign_names, form_dicts = self.campaign_names, self.form_dicts
        self.__init__()
        self.campaign_names, self.form_dicts = campaign_names, form_dicts


@dataclass
class SyncRun:
    """State of one account's run: who runs it, with which client, and what it did."""

    account: object
    trigger: str
    client: object = None
    profile: object = None
    created: int = 0
    updated: int = 0
    failed: int = 0
    ignored: int = 0
    fetched: int = 0
    duplicates: int = 0
    backlog: bool = False
    busy: bool = False
    error: object = None
    error_message: str = ""  # the sentence shown for ``error`` (never LinkedIn's raw text)
    warnings: list = field(default_factory=list)
    rejected: list = field(default_factory=list)  # responses that could not be stored (personal data)
    caches: SyncCaches = field(default_factory=SyncCaches)
    calls_before: int = 0

    def snapshot(self):
        """The counters, to be restored when the work they counted is rolled back."""
        return {
            **{name: getattr(self, name) for name in COUNTERS},
            "warnings": len(self.warnings),
            "rejected": len(self.rejected),
        }

    def restore(self, snapshot):
        """Forget the work of a rolled-back savepoint: its counts and the cached records it may have created."""
        for name in COUNTERS:
            setattr(self, name, snapshot[name])
        del self.warnings[snapshot["warnings"] :]
        del self.rejected[snapshot["rejected"] :]
        self.caches.forget_records()

    def count(self, item):
        """Count the outcome of a stored item."""
        if item.state == "lead_created":
            self.created += 1
        elif item.state == "lead_updated":
            self.updated += 1
        elif item.state == "failed":
            self.failed += 1
        elif item.state in ("ignored_test", "partial_match"):
            self.ignored += 1

    def result(self):
        return {
            **{name: getattr(self, name) for name in COUNTERS},
            "backlog": self.backlog,
            "busy": self.busy,
            "remaining": self.backlog or self.busy,
            "error": self.error and (self.error_message or str(self.error)),
        }
