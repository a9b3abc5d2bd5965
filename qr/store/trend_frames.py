"""The frames the trends page aggregates: issues, steps and history that can still change a KPI."""
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models import Area, AuditEvent, Category, Issue, IssueStep, Person, TemplateStep
from qr.audit import Entity
from qr.rules import StepState
from qr.store.base import _REOPENED, _frame, _still_relevant, query

TREND_ISSUE_COLUMNS = ["id", "number", "description", "category_id", "category_zh", "category_en", "plant_id",
                       "area_id", "area_zh", "area_en", "severity", "owner_id", "owner", "owner_en", "opened_on", "closed_on",
                       "cancelled", "repeat_of_closed_on"]


TREND_STEP_COLUMNS = ["id", "issue_id", "position", "code", "name_zh", "name_en", "state", "target_on",
                      "started_on", "completed_on", "marked_worse", "marked_worse_on", "original_target_on",
                      "verified_on"]


TREND_HISTORY_COLUMNS = ["issue_id", "entity", "entity_id", "field", "old", "new", "at"]


@query
def trends_issues(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """Every issue that counts from `since` on, closed ones too, named by its top-level category."""
    parent, owner, repeated = aliased(Category), aliased(Person), aliased(Issue)
    return _frame(session, sa.select(
        Issue.id, Issue.number, Issue.description, func.coalesce(parent.id, Category.id),
        func.coalesce(parent.name_zh, Category.name_zh), func.coalesce(parent.name_en, Category.name_en),
        Area.plant_id, Issue.area_id, Area.name_zh, Area.name_en, Issue.severity, Issue.owner_id, owner.name, owner.name_en,
        Issue.opened_on, Issue.closed_on, Issue.cancelled, repeated.closed_on)
        .join(Category, Issue.category_id == Category.id)
        .join(parent, Category.parent_id == parent.id, isouter=True)
        .join(Area, Issue.area_id == Area.id)
        .join(owner, Issue.owner_id == owner.id)
        .join(repeated, Issue.repeat_of_id == repeated.id, isouter=True)
        .where(_still_relevant(since)), TREND_ISSUE_COLUMNS)


@query
def trends_steps(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The steps of those issues, with the dates that decide a step's colour on a past day."""
    return _frame(session, sa.select(
        IssueStep.id, IssueStep.issue_id, IssueStep.position, TemplateStep.code, TemplateStep.name_zh,
        TemplateStep.name_en, IssueStep.state, IssueStep.target_on, IssueStep.started_on, IssueStep.completed_on,
        IssueStep.marked_worse, IssueStep.marked_worse_on, IssueStep.original_target_on, IssueStep.verified_on)
        .join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
        .join(Issue, IssueStep.issue_id == Issue.id)
        .where(_still_relevant(since)), TREND_STEP_COLUMNS)


@query
def trends_history(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The audit events of those issues that change what a past day looked like: reopenings (and what a cancelled
    issue's reopening undid), steps set N/A, and every move of a step's target (each past day is coloured by the
    target in force that day)."""
    set_na = (AuditEvent.entity == Entity.STEP) & (AuditEvent.field == "state") & (AuditEvent.new == StepState.NA.value)
    moved = (AuditEvent.entity == Entity.STEP) & (AuditEvent.field == "target_on")
    uncancelled = (AuditEvent.entity == Entity.ISSUE) & (AuditEvent.field == "cancelled") & (AuditEvent.old == "True")
    return _frame(session, sa.select(
        AuditEvent.issue_id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.field, AuditEvent.old,
        AuditEvent.new, AuditEvent.at)
        .join(Issue, AuditEvent.issue_id == Issue.id)
        .where(_REOPENED | set_na | moved | uncancelled, _still_relevant(since)).order_by(AuditEvent.id),
        TREND_HISTORY_COLUMNS)
