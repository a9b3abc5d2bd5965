"""A plant's existing board comes in: all rows or none, the preview being the same work rolled back."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from models import Area, Category, Issue, IssueStep, Person, StepTemplate, TemplateStep
from qr import rules
from qr.audit import Entity
from qr.rules import StepState
from qr.store.base import (DESCRIPTION_MAX, EARLIEST_OPENED_ON, REASON_MAX, Context, ValidationFailed, _add_config,
                           _audit, _authorize, _claim_version, _set, _text, command)
from qr.store.configuration import template_steps
from qr.store.issues import _next_number


@dataclass
class ImportOutcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_names: dict[str, list[str]] = field(default_factory=lambda: {"areas": [], "people": [], "categories": []})


_EXTERNAL_HINTS = ("客户", "customer", "prr", "售后", "保修", "warranty", "pdi", "供应商", "supplier", "审核", "audit")


@command
def import_issues(*, session: Session, actor_id: int | None, issues: list, source: str, apply: bool,
                  ctx: Context) -> ImportOutcome:
    """A plant's existing board, all rows or none: creates or updates issues (matched by number, else by
    description and open date), and people, areas and categories it does not know yet. Without `apply`
    the same work runs and is rolled back, so the preview says exactly what applying would do."""
    _authorize(session, actor_id, "configure")
    resolve = _ImportNames(session, ctx.now, actor_id)
    templates = {t.severity: t for t in session.exec(select(StepTemplate)).all()}
    outcome = ImportOutcome(new_names=resolve.new)
    for row in issues:
        reason = f"{source}, row {row.sheet_row}"
        template = templates.get(row.severity) or next(iter(templates.values()))
        existing = session.exec(select(Issue).where(
            Issue.number == row.number if row.number else
            (Issue.description == row.description) & (Issue.opened_on == row.opened_on))).first()
        session.info["audit_events"] = 0
        if existing is None:
            issue = _import_new(session, ctx, row=row, template=template, resolve=resolve, reason=reason,
                                actor_id=actor_id)
            outcome.created.append(issue.number)
        else:
            _import_update(session, ctx, issue=existing, row=row, resolve=resolve, reason=reason, actor_id=actor_id)
            (outcome.updated if session.info["audit_events"] else outcome.unchanged).append(existing.number)
    if apply:
        session.commit()
    else:
        session.rollback()
    return outcome


class _ImportNames:
    """Areas, people and categories by any of their names (unknown ones are created and listed), and
    template steps, each looked up once per import."""

    def __init__(self, session: Session, now: datetime, actor_id: int | None):
        self.session, self.now, self.actor_id = session, now, actor_id
        self.new: dict[str, list[str]] = {"areas": [], "people": [], "categories": []}
        self._known: dict[tuple, object] = {}     # a 5,000-row sheet names the same few again and again

    def _remembered(self, kind: str, name, find):
        if (kind, name) not in self._known:
            self._known[(kind, name)] = find(name)
        return self._known[(kind, name)]

    def template_steps(self, template_id: int) -> list[TemplateStep]:
        return self._remembered("template", template_id, lambda i: template_steps(i, session=self.session))

    def area(self, name: str) -> Area:
        return self._remembered("area", name, self._area)

    def person(self, name: str) -> Person:
        return self._remembered("person", name, self._person)

    def category(self, label: str | None) -> Category:
        return self._remembered("category", label, self._category)

    def _area(self, name: str) -> Area:
        found = self.session.exec(select(Area).where((Area.code == name) | (Area.name_zh == name)
                                                     | (Area.name_en == name))).first()
        if found is None:
            found = _add_config(self.session, Area(code=self._free_code(Area, name[:20]), name_zh=name[:100],
                                                   name_en=name[:100]),
                                actor_id=self.actor_id, now=self.now, label=name, commit=False)
            self.new["areas"].append(name)
        return found

    def _person(self, name: str) -> Person:
        name = _text(name, "owner", required=True, limit=100)
        found = self.session.exec(select(Person).where((Person.name == name) | (Person.name_en == name))).first()
        if found is None:
            found = _add_config(self.session, Person(name=name), actor_id=self.actor_id, now=self.now, label=name,
                                commit=False)
            self.new["people"].append(name)
        return found

    def _category(self, label: str | None) -> Category:
        label = (label or "未分类").strip()
        for category in self.session.exec(select(Category)).all():
            parent = self.session.get(Category, category.parent_id) if category.parent_id else None
            names = {category.name_zh, category.name_en, category.code}
            if parent:
                names |= {rules.category_label(parent.name_zh, category.name_zh),
                          rules.category_label(parent.name_en, category.name_en)}
            if label in names:
                return category
        kind = "external" if any(hint in label.lower() for hint in _EXTERNAL_HINTS) else "internal"
        created = _add_config(self.session, Category(code=self._free_code(Category, label[:40]), name_zh=label[:100],
                                                     name_en=label[:100], kind=kind),
                              actor_id=self.actor_id, now=self.now, label=label, commit=False)
        self.new["categories"].append(label)
        return created

    def _free_code(self, model, wanted: str) -> str:
        code, n = wanted, 1
        while self.session.exec(select(func.count()).where(model.code == code)).one():
            n += 1
            code = f"{wanted[:15]}-{n}"
        return code


def _sheet_text(row) -> dict[str, str]:
    """The sheet's texts within the limits the app's own form keeps, for a new issue and an update alike."""
    return {"description": _text(row.description, "description", required=True, limit=DESCRIPTION_MAX),
            "part_number": _text(row.part_number, "part_number", required=False, limit=100)}


def _import_new(session, ctx: Context, *, row, template, resolve, reason, actor_id) -> Issue:
    if not EARLIEST_OPENED_ON <= row.opened_on <= ctx.day:
        raise ValidationFailed("import.err.opened_range", row=row.sheet_row)
    owner, lead = resolve.person(row.owner), resolve.person(row.lead)
    issue = Issue(number=_text(row.number, "number", required=True, limit=20) if row.number
                  else _next_number(session, row.opened_on.year), **_sheet_text(row),
                  category_id=resolve.category(row.category).id, area_id=resolve.area(row.area).id,
                  severity=row.severity, owner_id=owner.id, lead_id=lead.id, template_id=template.id,
                  opened_on=row.opened_on, next_report_on=row.next_report_on,
                  closed_on=(row.closed_on or ctx.day) if row.closed else None, created_at=ctx.now,
                  updated_at=ctx.now, reviewed_at=ctx.now)      # the plant's own board put it there: decided
    session.add(issue)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
           field_name="imported", old=None, new=issue.number, reason=reason)
    steps = [(IssueStep(issue_id=issue.id, template_step_id=ts.id, position=ts.position,
                        target_on=row.opened_on + timedelta(days=ts.guide_limit_days),
                        original_target_on=row.opened_on + timedelta(days=ts.guide_limit_days)), ts.code)
             for ts in resolve.template_steps(template.id)]
    session.add_all(step for step, _ in steps)
    session.flush()
    for step, code in steps:
        _import_step(session, ctx, step=step, letter=row.steps.get(code), reason=reason, actor_id=actor_id)
    return issue


def _import_update(session, ctx: Context, *, issue, row, resolve, reason, actor_id) -> None:
    """The sheet's changes to a known issue, claiming its version like every other command: a save made
    while the import ran makes it stale instead of being overwritten."""
    loaded_version = issue.version
    changes = {**_sheet_text(row), "owner_id": resolve.person(row.owner).id, "lead_id": resolve.person(row.lead).id}
    if row.next_report_on is not None:
        changes["next_report_on"] = row.next_report_on
    if row.closed and issue.closed_on is None:
        changes["closed_on"] = row.closed_on or ctx.day
    for name, value in changes.items():
        if getattr(issue, name) != value:
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id,
                   issue_id=issue.id, field_name=name, old=getattr(issue, name), new=value, reason=reason)
            setattr(issue, name, value)
    for step, ts in session.exec(select(IssueStep, TemplateStep).join(TemplateStep)
                                 .where(IssueStep.issue_id == issue.id)).all():
        _import_step(session, ctx, step=step, letter=row.steps.get(ts.code), reason=reason, actor_id=actor_id)
    if session.info["audit_events"]:
        _claim_version(session, issue.id, loaded_version, ctx.now)


def _import_step(session, ctx: Context, *, step: IssueStep, letter: str | None, reason: str, actor_id) -> None:
    """The sheet's colour as a state the rule understands: G done (date unknown: the import day), N/A,
    R an open step marked worse unless its date already makes it red, Y (or nothing) stays open."""
    if step.state != StepState.OPEN.value or letter in (None, "Y"):
        return
    day, now = ctx.day, ctx.now
    if letter == "G":
        _set(session, step, "state", StepState.DONE.value, actor_id=actor_id, now=now, reason=reason)
        _set(session, step, "completed_on", day, actor_id=actor_id, now=now, reason=f"{reason}; completion date unknown")
    elif letter == "NA":
        _set(session, step, "na_reason", reason[:REASON_MAX], actor_id=actor_id, now=now, reason=reason)
        _set(session, step, "state", StepState.NA.value, actor_id=actor_id, now=now, reason=reason)
    elif letter == "R" and not step.marked_worse and day <= step.target_on:
        _set(session, step, "marked_worse", True, actor_id=actor_id, now=now, reason=reason)
        _set(session, step, "marked_worse_on", day, actor_id=actor_id, now=now, reason=reason)
        _set(session, step, "worse_reason", reason[:REASON_MAX], actor_id=actor_id, now=now, reason=reason)
