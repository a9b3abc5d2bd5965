"""A plant's sheet comes in, all rows or none: the plan is worked out read-only (the preview, and again inside the
import's own transaction), then applied with bulk inserts in one write transaction."""
from dataclasses import dataclass, field
from datetime import date
import re

import sqlalchemy as sa
from sqlmodel import Session, select

from models import AuditEvent, ImportMapping, Issue, IssueSequence, IssueStep, StepTemplate, TemplateStep
from qr import db, rules, similar
from qr.audit import Entity
from qr.rules import ColourRule, Status, StepState, StepView
from qr.sheet_import import CellError, ImportedIssue, shape_key
from qr.store.base import (DESCRIPTION_MAX, EARLIEST_OPENED_ON, REASON_MAX, Context, ValidationFailed, _actor_names,
                           _audit, _authorize, _claim_version, _step_view, _text, command, query)
from qr.store.clocks import _follow_the_customer
from qr.store.import_names import _Names
from qr.store.issues import _cancel, _next_numbers
from qr.store.lessons import _record_lesson
from qr.store.templates import _active_steps

NUMBER_MAX, NAME_MAX, PART_MAX = 20, 100, 100
_OUR_NUMBER = re.compile(r"^QR-(\d{4})-(\d{4,})$")
_CHUNK = 500                                     # names per IN (…): well inside either database's limit
# what the plan compares, read as plain rows: a 20,000-row sheet needs no ORM objects to be compared
_ISSUE = sa.select(Issue.id, Issue.number, Issue.description, Issue.opened_on, Issue.part_number, Issue.owner_id,
                   Issue.lead_id, Issue.next_report_on, Issue.closed_on, Issue.version, Issue.category_id,
                   Issue.customer_id)
_STEP = sa.select(IssueStep.id, IssueStep.issue_id, IssueStep.state, IssueStep.target_on, IssueStep.completed_on,
                  IssueStep.started_on, IssueStep.marked_worse, IssueStep.marked_worse_on, IssueStep.claimed_on,
                  TemplateStep.code).join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
_NO_MOVE_REQUEST = {"move_requested_on": None, "move_reason": "", "move_requested_by_id": None}
# a new step's target as the issue was opened with it, never moved, and no completion waiting to be verified
_UNMOVED_UNCLAIMED = {"target_moves": 0, **_NO_MOVE_REQUEST, "claimed_on": None, "evidence": "", "claimed_by_id": None,
                      "verified_on": None, "verified_by_id": None, "return_reason": ""}


class ImportRefused(ValidationFailed):
    """Rows the store will not take as they are; `problems` names each cell and what to do."""

    def __init__(self, problems: list[CellError]):
        super().__init__("import.errors", count=len(problems))
        self.problems = problems


@dataclass
class PlannedRow:
    sheet_row: int
    number: str | None           # None: the import gives it the next free number
    action: str                  # create | update | keep


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    new_names: dict[str, list[str]]
    errors: list[CellError]
    without_customer: list[int] = field(default_factory=list)     # sheet rows (_Work.without_customer)

    def count(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)


@dataclass
class ImportOutcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_names: dict[str, list[str]] = field(default_factory=lambda: {"areas": [], "people": [], "categories": [],
                                                                     "customers": []})
    without_customer: list[int] = field(default_factory=list)


@query
def saved_mapping(shape: str, *, session: Session) -> dict | None:
    """The mapping the last import of a sheet of this shape used (qr.sheet_import.shape_key)."""
    row = session.exec(select(ImportMapping).where(ImportMapping.shape == shape)).first()
    return None if row is None else row.mapping


@query
def plan_import(*, session: Session, actor_id: int | None, issues: list, ctx: Context) -> ImportPlan:
    """What importing the rows would do, read-only (no write lock): each row created, updated or kept, the names
    that would be created, and every cell the import would refuse."""
    _authorize(session, actor_id, "configure")
    work = _Work(session, ctx, issues)
    return ImportPlan([PlannedRow(item.row.sheet_row, item.number, item.action) for item in work.items],
                      work.names.new_lists(), work.errors, work.without_customer())


@command
def import_issues(*, session: Session, actor_id: int | None, issues: list, source: str, mapping: dict | None = None,
                  ctx: Context) -> ImportOutcome:
    """A plant's sheet, all rows or none: creates or updates issues (matched by number, else by description and
    open date) and the people, areas and categories it names; saves the mapping used for sheets of that shape."""
    _authorize(session, actor_id, "configure")
    work = _Work(session, ctx, issues)
    if work.errors:
        raise ImportRefused(work.errors)
    without_customer = work.without_customer()          # read from the plan, before anything is written
    outcome = _Apply(session, ctx, actor_id, source).run(work)
    outcome.without_customer = without_customer
    if mapping is not None:
        _save_mapping(session, mapping, actor_id=actor_id, now=ctx.now)
    session.commit()
    return outcome


def _save_mapping(session: Session, mapping, *, actor_id, now) -> None:
    """The mapping kept for sheets of its header shape (qr.sheet_import.mapping_json's form), audited."""
    if not isinstance(mapping, dict) or not isinstance(mapping.get("headers"), list):
        raise ValidationFailed("err.bad_choice", field="mapping")
    shape = shape_key(mapping["headers"])
    row = session.exec(select(ImportMapping).where(ImportMapping.shape == shape)).first()
    if row is not None and row.mapping == mapping:
        return
    if row is None:
        row = ImportMapping(shape=shape, mapping=mapping, saved_by_id=actor_id, saved_at=now)
    else:
        row.mapping, row.saved_by_id, row.saved_at = mapping, actor_id, now
    session.add(row)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity=Entity.IMPORT_MAPPING, entity_id=row.id, issue_id=None,
           field_name="saved", old=None, new=" | ".join(str(h) for h in mapping["headers"] if h))


# ---------------------------------------------------------------- the plan

@dataclass
class _Item:
    row: ImportedIssue
    values: dict                  # the row's checked values
    action: str                   # create | update | keep
    number: str | None = None
    issue: object = None          # update | keep: the issue it matches (a row of _ISSUE)
    changes: dict = field(default_factory=dict)          # issue field → new value (create: its references)
    steps: list = field(default_factory=list)            # (issue step or template step id, letter)


class _Work:
    """The import worked out against the database as it is: each row checked (one path, whether it creates or
    updates), matched, and compared; nothing written."""

    def __init__(self, session: Session, ctx: Context, rows: list[ImportedIssue]):
        self.session, self.ctx = session, ctx
        self.rule = ColourRule(ctx.settings.colour_rule)
        self.names = _Names(session)
        self.templates = {t.severity: t for t in session.exec(select(StepTemplate)).all()}
        self.template_steps = {tp.id: _active_steps(session, tp.id) for tp in self.templates.values()}
        self.errors: list[CellError] = []
        checked, seen = [], {}
        for row in rows:
            values = self._checked(row)
            key = _same_issue(row)
            if key in seen:
                self._error(row, "number" if row.number else "description", "import.err.twice", first=seen[key])
            elif values is not None:
                checked.append((row, values))
            seen.setdefault(key, row.sheet_row)
        by_number, by_text = self._existing([values for _, values in checked])
        self.steps = self._steps_of([issue.id for issue in [*by_number.values(), *by_text.values()]])
        self.items: list[_Item] = []
        for row, values in checked:
            issue = by_number.get(values["number"]) if values["number"] else \
                by_text.get((values["description"], row.opened_on))
            self.items.append(self._new(row, values) if issue is None else self._compare(row, values, issue))

    def without_customer(self) -> list[int]:
        """Sheet rows of customers' complaints left without a customer while the plant keeps customers (or the sheet
        brings some): the app's forms would ask for one. Imported all the same, and listed so someone fills them in
        (a plant's first board often has no customer column)."""
        if not (self.names.keeps_customers or self.names.new["customers"]):
            return []
        return [item.row.sheet_row for item in self.items if self._complaint_without_customer(item)]

    def _complaint_without_customer(self, item: _Item) -> bool:
        if item.action == "create":
            category, customer = item.changes["category"], item.changes["customer_id"]
        else:
            category, customer = item.issue.category_id, item.changes.get("customer_id", item.issue.customer_id)
        return customer is None and self.names.kind(category) == "external"

    def _error(self, row: ImportedIssue, name: str, key: str, **values) -> None:
        cell = row.cells.get(name) or f"{row.sheet_row}:{row.sheet_row}"
        self.errors.append(CellError(row.sheet, cell, key, values))

    def _checked(self, row: ImportedIssue) -> dict | None:
        """The row's values within the limits the app's own forms keep, or its cells named as errors."""
        found = len(self.errors)
        values = {}
        for name, required, limit in (("number", False, NUMBER_MAX), ("description", True, DESCRIPTION_MAX),
                                      ("part_number", False, PART_MAX), ("owner", True, NAME_MAX),
                                      ("lead", True, NAME_MAX), ("area", False, NAME_MAX),
                                      ("category", False, NAME_MAX), ("customer", False, NAME_MAX),
                                      ("comment", False, REASON_MAX)):
            try:
                values[name] = _text(getattr(row, name) or "", name, required=required, limit=limit)
            except ValidationFailed as problem:
                key = {"err.too_long": "import.err.too_long", "err.required": "import.err.required"}.get(
                    problem.key, "import.err.not_text")
                self._error(row, name, key, limit=limit)
        if not EARLIEST_OPENED_ON <= row.opened_on <= self.ctx.day:
            self._error(row, "opened_on", "import.err.opened_range", earliest=EARLIEST_OPENED_ON.isoformat())
        if row.closed_on is not None and not row.opened_on <= row.closed_on <= self.ctx.day:
            self._error(row, "closed_on", "import.err.closed_range")
        if row.severity not in rules.SEVERITY or row.status not in ("open", "closed", "cancelled"):
            self._error(row, "severity" if row.severity not in rules.SEVERITY else "status", "import.err.choice")
        return values if len(self.errors) == found else None

    def _existing(self, checked: list[dict]) -> tuple[dict, dict]:
        """The issues the rows name, as plain rows: by number, else by description and open date."""
        numbers = sorted({v["number"] for v in checked if v["number"]})
        texts = sorted({v["description"] for v in checked if not v["number"]})
        by_number, by_text = {}, {}
        for chunk in _chunks(numbers):
            by_number.update({i.number: i for i in self.session.execute(_ISSUE.where(Issue.number.in_(chunk)))})
        for chunk in _chunks(texts):
            for issue in self.session.execute(_ISSUE.where(Issue.description.in_(chunk))):
                by_text.setdefault((issue.description, issue.opened_on), issue)
        return by_number, by_text

    def _steps_of(self, issue_ids: list[int]) -> dict[int, list]:
        steps: dict[int, list] = {}
        for chunk in _chunks(sorted(set(issue_ids))):
            for step in self.session.execute(_STEP.where(IssueStep.issue_id.in_(chunk))
                                             .order_by(IssueStep.issue_id, IssueStep.position)):
                steps.setdefault(step.issue_id, []).append(step)
        return steps

    def _new(self, row: ImportedIssue, values: dict) -> _Item:
        template = self.templates.get(row.severity) or next(iter(self.templates.values()))
        if not values["area"] and not row.sheet:
            self._error(row, "area", "import.err.required")
        item = _Item(row, values, "create", number=values["number"] or None)
        category = self.names.category(values["category"] or self.names.uncategorised(values["customer"]))
        item.changes = {"template_id": template.id, "area": self.names.area(values["area"] or row.sheet),
                        "category": category, "customer_id": self._customer(row, values, category),
                        "owner_id": self.names.person(values["owner"]), "lead_id": self.names.person(values["lead"])}
        steps = self.template_steps[template.id]
        for template_step, target_on in zip(steps, rules.target_dates(row.opened_on,
                                                                      [s.guide_limit_days for s in steps])):
            letter = row.steps.get(template_step.code)
            if letter and _says_more(letter, StepView(state=StepState.OPEN, target_on=target_on), self.ctx.day,
                                     self.rule):
                item.steps.append((template_step.id, letter))
        return item

    def _compare(self, row: ImportedIssue, values: dict, issue) -> _Item:
        """The sheet's changes to a known issue; a closed one keeps its steps, as every step command does."""
        item = _Item(row, values, "keep", number=issue.number, issue=issue)
        wanted = {"description": values["description"], "part_number": values["part_number"],
                  "owner_id": self.names.person(values["owner"]), "lead_id": self.names.person(values["lead"])}
        if row.next_report_on is not None:
            wanted["next_report_on"] = row.next_report_on
        if values["customer"]:               # a blank customer cell keeps the issue's customer, as a blank date does
            wanted["customer_id"] = self._customer(row, values, issue.category_id)
        item.changes = {name: value for name, value in wanted.items() if getattr(issue, name) != value}
        if row.status != "open" and issue.closed_on is None:
            item.changes["closed_on"] = row.closed_on or self.ctx.day
            item.changes["cancelled"] = row.status == "cancelled"
        if issue.closed_on is None:
            item.steps = [(step.id, row.steps.get(step.code)) for step in self.steps.get(issue.id, [])
                          if _says_more(row.steps.get(step.code), _step_view(step), self.ctx.day, self.rule)]
        if item.changes or item.steps:
            item.action = "update"
        return item

    def _customer(self, row: ImportedIssue, values: dict, category):
        """The row's customer (an id, or one the import creates), None without one; a customer only on a customer's
        complaint and never a retired one, as the app's own forms keep it."""
        if not values["customer"]:
            return None
        if self.names.kind(category) != "external":
            self._error(row, "customer", "import.err.customer_not_external")
            return None
        customer = self.names.customer(values["customer"])
        if customer in self.names.retired_customers:
            self._error(row, "customer", "import.err.customer_retired", value=values["customer"])
        return customer


def _says_more(letter: str | None, step: StepView, day: date, rule: ColourRule) -> bool:
    """Whether the sheet's letter tells more than the step shows today: G, N/A, or R on an open step not red
    already. Y says nothing new (a red step leaves red only by being completed)."""
    if letter in (None, "Y") or step.state != StepState.OPEN:
        return False
    return letter != "R" or rules.step_status(step, day, rule) != Status.R


def _same_issue(row: ImportedIssue):
    """What makes two rows one issue: the number, else the description and the open date."""
    return str(row.number or "").strip() or (str(row.description or "").strip(), row.opened_on)


def _chunks(values: list) -> list[list]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


# ---------------------------------------------------------------- applying it

class _Apply:
    """Writes a worked-out import: new names, then issues, steps and audit events each in bulk (db.insert_rows;
    ids looked up by number and step, a statement per 500 issues), then the updates, each claiming its version."""

    def __init__(self, session: Session, ctx: Context, actor_id, source: str):
        self.session, self.ctx, self.actor_id, self.source = session, ctx, actor_id, source
        self.actor_names = _actor_names(session, actor_id)
        self.events: list[dict] = []

    def _event(self, *, entity: str, entity_id: int, issue_id: int, name: str, old, new, reason: str) -> None:
        self.events.append({"at": self.ctx.now, "actor_id": self.actor_id, **self.actor_names, "entity": entity,
                            "entity_id": entity_id,
                            "issue_id": issue_id, "field": name, "old": None if old is None else str(old),
                            "new": None if new is None else str(new), "reason": reason})

    def _reason(self, row: ImportedIssue) -> str:
        return f"{self.source}, row {row.sheet_row}"[:REASON_MAX]

    def run(self, work: _Work) -> ImportOutcome:
        self.template_steps = work.template_steps
        ids = work.names.create(self.session, actor_id=self.actor_id, now=self.ctx.now)
        outcome = ImportOutcome(new_names=work.names.new_lists())
        created = [item for item in work.items if item.action == "create"]
        self._number(created)
        self._insert_issues(created, ids)
        outcome.created = [item.number for item in created]
        for item in work.items:
            if item.action == "update":
                self._update(item, ids)
                outcome.updated.append(item.number)
            elif item.action == "keep":
                outcome.unchanged.append(item.number)
        if self.events:
            db.insert_rows(self.session, AuditEvent.__table__, self.events)
        return outcome

    def _number(self, created: list[_Item]) -> None:
        """The sheet's own numbers stay; the counter moves past any of ours among them, the rest get the next."""
        years: dict[int, int] = {}
        for item in created:
            match = _OUR_NUMBER.match(item.number or "")
            if match:
                year, last = int(match.group(1)), int(match.group(2))
                years[year] = max(years.get(year, 0), last)
        for year, last in years.items():
            db.insert_ignoring_duplicates(self.session, IssueSequence, year=year, last=0)
            self.session.execute(sa.update(IssueSequence).where(IssueSequence.year == year, IssueSequence.last < last)
                                 .values(last=last))
        wanting: dict[int, list[_Item]] = {}
        for item in created:
            if item.number is None:
                wanting.setdefault(item.row.opened_on.year, []).append(item)
        for year, items in wanting.items():
            for item, number in zip(items, _next_numbers(self.session, year, len(items))):
                item.number = number

    def _insert_issues(self, created: list[_Item], ids: dict) -> None:
        if not created:
            return
        now, day = self.ctx.now, self.ctx.day
        issue_rows = [{"number": item.number, "description": item.values["description"],
                       "similarity_key": similar.signature(item.values["description"]),
                       "category_id": ids.get(item.changes["category"], item.changes["category"]),
                       "customer_id": ids.get(item.changes["customer_id"], item.changes["customer_id"]),
                       "area_id": ids.get(item.changes["area"], item.changes["area"]),
                       "part_number": item.values["part_number"], "severity": item.row.severity,
                       "owner_id": ids.get(item.changes["owner_id"], item.changes["owner_id"]),
                       "lead_id": ids.get(item.changes["lead_id"], item.changes["lead_id"]),
                       "template_id": item.changes["template_id"], "opened_on": item.row.opened_on,
                       "next_report_on": item.row.next_report_on,
                       "closed_on": (item.row.closed_on or day) if item.row.status != "open" else None,
                       "cancelled": item.row.status == "cancelled", "on_board": True, "escalated_level": 0,
                       "version": 1, "created_at": now, "updated_at": now,
                       "reviewed_at": now} for item in created]      # the plant's own board put it there: decided
        db.insert_rows(self.session, Issue.__table__, issue_rows)
        numbers = [item.number for item in created]
        id_of = {}
        for chunk in _chunks(numbers):
            id_of.update(self.session.execute(sa.select(Issue.number, Issue.id).where(Issue.number.in_(chunk))).all())
        issue_ids = [id_of[number] for number in numbers]
        step_rows, step_changes = [], []
        for item, issue_id in zip(created, issue_ids):
            reason = self._reason(item.row)
            self._event(entity=Entity.ISSUE, entity_id=issue_id, issue_id=issue_id, name="imported", old=None,
                        new=item.number, reason=reason)
            if item.row.status == "cancelled":
                self._event(entity=Entity.ISSUE, entity_id=issue_id, issue_id=issue_id, name="cancelled", old=False,
                            new=True, reason=item.values["comment"] or reason)
            letters = dict(item.steps)
            steps = self.template_steps[item.changes["template_id"]]
            for template_step, target_on in zip(steps, rules.target_dates(item.row.opened_on,
                                                                          [s.guide_limit_days for s in steps])):
                step = {"issue_id": issue_id, "template_step_id": template_step.id,
                        "position": template_step.position, "target_on": target_on, "state": StepState.OPEN.value,
                        "started_on": None, "completed_on": None, "marked_worse": False, "marked_worse_on": None,
                        "worse_reason": "", "na_reason": "", "countermeasure": "", **_UNMOVED_UNCLAIMED,
                        "original_target_on": target_on}
                step_changes.append((issue_id, self._coloured(step, letters.get(template_step.id), reason)))
                step_rows.append(step)
        db.insert_rows(self.session, IssueStep.__table__, step_rows)
        step_id = {}
        for chunk in _chunks(issue_ids):
            rows = self.session.execute(sa.select(IssueStep.issue_id, IssueStep.template_step_id, IssueStep.id)
                                        .where(IssueStep.issue_id.in_(chunk)))
            step_id.update({(issue_id, template_step_id): ident for issue_id, template_step_id, ident in rows})
        for step, (issue_id, changes) in zip(step_rows, step_changes):
            for name, old, new, why in changes:
                self._event(entity=Entity.STEP, entity_id=step_id[(issue_id, step["template_step_id"])],
                            issue_id=issue_id, name=name, old=old, new=new, reason=why)

    def _coloured(self, step, letter: str | None, reason: str) -> list[tuple]:
        """The sheet's colour set on `step` (a row to insert or an IssueStep) as a state the rule understands, the
        changes returned as (field, old, new, reason) for the audit trail. G: done, the date unknown (the import
        day), checked as made like the system's completion (no claim to verify); N/A; R: an open step marked worse.
        Done or N/A drops a move request waiting for approval, as the step commands do."""
        if letter is None:
            return []
        day = self.ctx.day
        settled = [(name, value, reason) for name, value in _NO_MOVE_REQUEST.items()]   # a request is dropped
        wanted = {"G": [("state", StepState.DONE.value, reason),
                        ("completed_on", day, f"{reason}; completion date unknown"), *settled],
                  "NA": [("na_reason", reason, reason), ("state", StepState.NA.value, reason), *settled],
                  "R": [("marked_worse", True, reason), ("marked_worse_on", day, reason),
                        ("worse_reason", reason, reason)]}.get(letter, [])
        row = isinstance(step, dict)
        changes = []
        for name, value, why in wanted:
            old = step[name] if row else getattr(step, name)
            if old != value:
                changes.append((name, old, value, why))
                if row:
                    step[name] = value
                else:
                    setattr(step, name, value)
        return changes

    def _update(self, item: _Item, ids: dict) -> None:
        """The sheet's changes to a known issue, claiming its version like every other command: a save made while
        the import ran makes it stale instead of being overwritten."""
        reason = self._reason(item.row)
        issue = _claim_version(self.session, item.issue.id, item.issue.version, self.ctx.now)
        changes = {name: ids.get(value, value) for name, value in item.changes.items()}
        cancelled = changes.pop("cancelled", False)
        closing = "closed_on" in changes
        if closing and cancelled:
            changes.pop("closed_on")
        for name, value in changes.items():
            why = (item.values["comment"] or reason) if name == "closed_on" else reason
            self._event(entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id, name=name,
                        old=getattr(issue, name), new=value, reason=why)
            setattr(issue, name, value)
        issue.similarity_key = similar.signature(issue.description)
        if "customer_id" in changes:
            _follow_the_customer(self.session, issue, actor_id=self.actor_id, ctx=self.ctx)
        if closing and cancelled:
            _cancel(self.session, issue, item.changes["closed_on"], actor_id=self.actor_id, now=self.ctx.now,
                    reason=item.values["comment"] or reason)
        for step_id, letter in item.steps:
            for name, old, new, why in self._coloured(self.session.get(IssueStep, step_id), letter, reason):
                self._event(entity=Entity.STEP, entity_id=step_id, issue_id=issue.id, name=name, old=old, new=new,
                            reason=why)
        self.session.flush()
        if closing and not cancelled:       # closed by the plant's sheet: its lesson goes to the library too
            _record_lesson(self.session, issue, self.ctx.now)
