"""Every query and command the pages need; the only code that touches database sessions.

A command is one user intention in one transaction: validate, check the issue's version
(optimistic locking), change, write the audit events, commit once. A refusal is a QRError
carrying an i18n key and its values; the page translates it.
"""
from collections import defaultdict
from dataclasses import dataclass, field
import json
import numbers
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from functools import wraps

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import (Account, Area, Attachment, AuditEvent, BoardSetting, Category, DailyQualityStatus, EightDReport,
                    FollowUp, Issue, IssueSequence, IssueStep, Meeting, MeetingAttendance, MeetingDecision,
                    MeetingReport, Person, ReportOrder, ResponseClock, ResponseRule, StepTemplate, TemplateStep)
from qr import db, eight_d, files, passwords, rules
from qr import meeting as meeting_rules
from qr.config import Settings, load_settings
from qr.rules import AdmissionRule, ColourRule, Status, StepState, StepView

DESCRIPTION_MAX = 2000
TEXT_MAX = 2000
REASON_MAX = 500
RECENTLY_CLOSED_DAYS = 7
MAX_GUIDE_LIMIT_DAYS = 3650
MAX_RESPONSE_MINUTES = 60 * 24 * 365
EARLIEST_OPENED_ON = date(2000, 1, 1)
_LARGEST_ID = 2**31 - 1   # PostgreSQL INTEGER, the narrower of the two databases
CATEGORY_KINDS = ("external", "internal")


class QRError(Exception):
    """A refusal the user can act on: an i18n key plus the values its message needs."""

    def __init__(self, key: str, **values):
        super().__init__(key, values)
        self.key = key
        self.values = values


class ValidationFailed(QRError):
    pass


class NotFound(QRError):
    pass


class StaleVersion(QRError):
    """Someone saved the issue after this user loaded it; nothing was written."""


class Forbidden(QRError):
    """The acting person's role does not allow this; nothing was written."""


class SignInRefused(QRError):
    """Wrong username or password, or a locked account; says no more than that."""


def _settings(session: Session | None = None) -> Settings:
    """The environment's settings; with a session, the board's rules as configured in the boardsetting table."""
    settings = load_settings()
    if session is None:
        return settings
    stored = {row.key: json.loads(row.value) for row in session.exec(select(BoardSetting)).all()}
    return _configured(settings, stored)


def _with_session(opener):
    """Give the function a session when the caller passes none; roll back on any refusal."""
    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, session: Session | None = None, **kwargs):
            kwargs = {name: _plain(value) for name, value in kwargs.items()}
            if session is None:
                with opener() as own:
                    return fn(*args, session=own, **kwargs)
            session.info["audit_events"] = 0       # _commit_change counts this call's events only
            try:
                return fn(*args, session=session, **kwargs)
            except BaseException:
                session.rollback()
                raise
        return wrapper
    return decorate


def _plain(value):
    """Ids read from a DataFrame arrive as numpy integers; the database wants Python ints."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, (bool, int)) else value


COMMANDS: dict[str, object] = {}
query = _with_session(db.read_session)
_write = _with_session(db.write_session)


def command(fn):
    """A write in one transaction; registered so the role × command test can try every one."""
    wrapped = _write(fn)
    COMMANDS[fn.__name__] = wrapped
    return wrapped


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def now() -> datetime:
    """This moment, as every command and the board's response clocks see it (one place to stand still in tests)."""
    return _now(None)


def today(now: datetime | None = None) -> date:
    """The plant's calendar day now (QR_TZ)."""
    return rules.plant_today(_now(now), _settings().tz)


# ---------------------------------------------------------------- validation helpers

def _text(value, key: str, *, required: bool, limit: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:   # PostgreSQL text cannot hold NUL
        raise ValidationFailed("err.not_text", field=key)
    value = value.strip()
    if required and not value:
        raise ValidationFailed("err.required", field=key)
    if len(value) > limit:
        raise ValidationFailed("err.too_long", field=key, limit=limit)
    return value


def _date(value, key: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationFailed("err.not_date", field=key)
    return value


def _is_whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_LARGEST_ID <= value <= _LARGEST_ID


def _get(session: Session, model, ident, key: str):
    row = session.get(model, ident) if _is_whole_number(ident) else None
    if row is None:
        raise NotFound("err.not_found", field=key, value=str(ident))
    return row


def _audit(session: Session, *, at: datetime, actor_id: int | None, entity: str, entity_id: int,
           issue_id: int | None, field_name: str, old, new, reason: str = "") -> None:
    session.info["audit_events"] = session.info.get("audit_events", 0) + 1
    session.add(AuditEvent(at=at, actor_id=actor_id, entity=entity, entity_id=entity_id, issue_id=issue_id,
                           field=field_name, old=None if old is None else str(old),
                           new=None if new is None else str(new), reason=reason))


def _role(session: Session, person_id: int) -> str:
    """The person's account role; a person without an active account may only read (viewer)."""
    account = session.exec(select(Account).where(Account.person_id == person_id)).first()
    return account.role if account is not None and account.active else "viewer"


def _authorize(session: Session, actor_id: int | None, action: str) -> None:
    """Refuse what the acting person's role does not allow. actor_id None is the system itself (first-start
    defaults, demo data, the command line): pages never pass None, they pass the signed-in person."""
    if actor_id is None:
        return
    person = _get(session, Person, actor_id, "actor")
    role = _role(session, actor_id) if person.active else "viewer"    # someone who left only reads
    if not rules.allowed(role, action):
        raise Forbidden("err.forbidden", role=role, action=action)


def _authorize_issue(session: Session, actor_id: int | None, issue_id: int) -> None:
    """Owners and leads change their own issues; anyone else's needs a facilitator."""
    issue = _get(session, Issue, issue_id, "issue")
    if actor_id is not None:
        _authorize(session, actor_id, rules.issue_action(actor_id, issue.owner_id, issue.lead_id))


def _claim_version(session: Session, issue_id: int, expected_version: int, now: datetime) -> Issue:
    """Compare-and-set on the issue's version: the row lock makes concurrent saves queue, the loser is refused."""
    if not _is_whole_number(issue_id):
        raise NotFound("err.not_found", field="issue", value=str(issue_id))
    if not _is_whole_number(expected_version):
        raise ValidationFailed("err.not_number", field="version")
    claimed = session.execute(
        update(Issue).where(Issue.id == issue_id, Issue.version == expected_version)
        .values(version=Issue.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        issue = _get(session, Issue, issue_id, "issue")
        last = session.exec(select(AuditEvent, Person.name).join(Person, isouter=True)
                            .where(AuditEvent.issue_id == issue_id)
                            .order_by(AuditEvent.id.desc()).limit(1)).first()
        who, when = (last[1] or "—", last[0].at) if last else ("—", issue.updated_at)
        raise StaleVersion("err.stale", number=issue.number, who=who,
                           when=when.astimezone(_settings().tz).strftime("%Y-%m-%d %H:%M"))
    return session.exec(select(Issue).where(Issue.id == issue_id).execution_options(populate_existing=True)).one()


def _commit_change(session: Session) -> None:
    """Commit an issue command; one that changed nothing is refused, so no version moves without a trace."""
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.commit()


def _step_view(step) -> StepView:
    """The rule's view of an issue step (an IssueStep or a row of STEP_COLUMNS)."""
    return StepView(state=StepState(step.state), target_on=step.target_on, completed_on=step.completed_on,
                    started_on=step.started_on, marked_worse=step.marked_worse,
                    marked_worse_on=step.marked_worse_on)


def _require_countermeasure(step: IssueStep, template_step: TemplateStep, on: date, settings: Settings) -> None:
    """An R step, or a Y step inside the warning window, may not be saved without a countermeasure."""
    if not step.countermeasure and rules.needs_countermeasure(
            _step_view(step), on, settings.warning_days, ColourRule(settings.colour_rule)):
        raise ValidationFailed("err.countermeasure_needed", step=template_step.name_zh,
                               step_en=template_step.name_en)


# ---------------------------------------------------------------- configuration commands

@command
def create_area(*, session: Session, code: str, name_zh: str, name_en: str,
                actor_id: int | None = None, now: datetime | None = None) -> Area:
    area = Area(code=_text(code, "code", required=True, limit=20),
                name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                name_en=_text(name_en, "name_en", required=True, limit=100))
    _require_unique(session, Area.code, area.code, "code")
    return _add_config(session, area, actor_id, _now(now), f"{area.code} {area.name_zh}")


@command
def create_person(*, session: Session, name: str, name_en: str = "", email: str | None = None,
                  area_id: int | None = None, actor_id: int | None = None, now: datetime | None = None) -> Person:
    if area_id is not None:
        _get(session, Area, area_id, "area")
    person = Person(name=_text(name, "name", required=True, limit=100),
                    name_en=_text(name_en, "name_en", required=False, limit=100),
                    email=_text(email, "email", required=False, limit=200) or None, area_id=area_id)
    _require_unique(session, Person.email, person.email, "email")
    return _add_config(session, person, actor_id, _now(now), person.name)


@command
def create_category(*, session: Session, code: str, name_zh: str, name_en: str, kind: str,
                    parent_id: int | None = None, actor_id: int | None = None,
                    now: datetime | None = None) -> Category:
    if kind not in CATEGORY_KINDS:
        raise ValidationFailed("err.bad_choice", field="kind")
    if parent_id is not None:
        _get(session, Category, parent_id, "category")
    category = Category(code=_text(code, "code", required=True, limit=40),
                        name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                        name_en=_text(name_en, "name_en", required=True, limit=100),
                        kind=kind, parent_id=parent_id)
    _require_unique(session, Category.code, category.code, "code")
    return _add_config(session, category, actor_id, _now(now), category.name_zh)


def _update_fields(session: Session, row, changes: dict, *, actor_id, now) -> None:
    """Set the changed fields of a configuration row, one audit event each; nothing changed is refused."""
    entity = type(row).__name__.lower()
    for name, value in changes.items():
        old = getattr(row, name)
        if old != value:
            setattr(row, name, value)
            _audit(session, at=now, actor_id=actor_id, entity=entity, entity_id=row.id, issue_id=None,
                   field_name=name, old=old, new=value)
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.commit()


@command
def update_area(*, session: Session, actor_id: int | None, area_id: int, name_zh: str, name_en: str,
                now: datetime | None = None) -> Area:
    """Rename an area (its code stays: exports and imports know it by that)."""
    _authorize(session, actor_id, "configure")
    area = _get(session, Area, area_id, "area")
    _update_fields(session, area, {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
                                   "name_en": _text(name_en, "name_en", required=True, limit=100)},
                   actor_id=actor_id, now=_now(now))
    return area


@command
def update_person(*, session: Session, actor_id: int | None, person_id: int, name: str, name_en: str = "",
                  email: str | None = None, area_id: int | None = None, active: bool = True,
                  now: datetime | None = None) -> Person:
    """A person's names, e-mail (single sign-on matches it), area, and whether they still work here
    (an inactive person leaves the pickers and cannot sign in; their history stays)."""
    _authorize(session, actor_id, "configure")
    person = _get(session, Person, person_id, "person")
    if area_id is not None:
        _get(session, Area, area_id, "area")
    email = _text(email, "email", required=False, limit=200) or None
    if email != person.email:
        _require_unique(session, Person.email, email, "email")
    _update_fields(session, person, {"name": _text(name, "name", required=True, limit=100),
                                     "name_en": _text(name_en, "name_en", required=False, limit=100),
                                     "email": email, "area_id": area_id, "active": bool(active)},
                   actor_id=actor_id, now=_now(now))
    return person


@command
def update_category(*, session: Session, actor_id: int | None, category_id: int, name_zh: str, name_en: str,
                    kind: str, now: datetime | None = None) -> Category:
    """Rename a category or sub-type, or say whether it is external or internal (the Q-chart and the
    admission rule read the kind of new issues)."""
    _authorize(session, actor_id, "configure")
    category = _get(session, Category, category_id, "category")
    if kind not in CATEGORY_KINDS:
        raise ValidationFailed("err.bad_choice", field="kind")
    _update_fields(session, category, {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
                                       "name_en": _text(name_en, "name_en", required=True, limit=100),
                                       "kind": kind}, actor_id=actor_id, now=_now(now))
    return category


@dataclass
class StepSpec:
    code: str
    name_zh: str
    name_en: str
    short_zh: str
    short_en: str
    eight_d: str
    guide_limit_days: int
    may_be_na: bool = True


@command
def create_template(*, session: Session, code: str, name_zh: str, name_en: str, severity: str | None,
                    steps: list[StepSpec], actor_id: int | None = None,
                    now: datetime | None = None) -> StepTemplate:
    if severity is not None and severity not in rules.SEVERITY:
        raise ValidationFailed("err.bad_choice", field="severity")
    if not steps:
        raise ValidationFailed("err.required", field="steps")
    steps = [_checked_step(spec) for spec in steps]
    template = StepTemplate(code=_text(code, "code", required=True, limit=40),
                            name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                            name_en=_text(name_en, "name_en", required=True, limit=100), severity=severity)
    _require_unique(session, StepTemplate.code, template.code, "code")
    _add_config(session, template, actor_id, _now(now), template.name_zh, commit=False)
    for position, spec in enumerate(steps, start=1):
        session.add(TemplateStep(template_id=template.id, position=position, **spec.__dict__))
    session.commit()
    return template


@command
def add_template_step(*, session: Session, actor_id: int | None, template_id: int, step: StepSpec,
                      now: datetime | None = None) -> TemplateStep:
    """A new last step of a template, for issues opened from now on (open issues keep their steps). A code
    another template uses names the same board column, so it takes that step's place in the board's order."""
    now = _now(now)
    _authorize(session, actor_id, "configure")
    template = _get(session, StepTemplate, template_id, "template")
    spec = _checked_step(step)
    existing = session.exec(select(TemplateStep).where(TemplateStep.template_id == template.id)).all()
    if spec.code in {ts.code for ts in existing}:
        raise ValidationFailed("err.duplicate", field="code", value=spec.code)
    row = TemplateStep(template_id=template.id, position=len(existing) + 1, **spec.__dict__)
    session.add(row)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="templatestep", entity_id=row.id, issue_id=None,
           field_name="created", old=None, new=f"{template.code}: {spec.name_zh}")
    session.commit()
    return row


def _checked_step(spec: StepSpec) -> StepSpec:
    """A template step with its names within their limits and a guide limit of 0 to 10 years."""
    names = {name: _text(getattr(spec, name), name, required=True, limit=limit)
             for name, limit in (("code", 40), ("name_zh", 100), ("name_en", 100), ("short_zh", 20),
                                 ("short_en", 20), ("eight_d", 10))}
    if not _is_whole_number(spec.guide_limit_days) or not 0 <= spec.guide_limit_days <= MAX_GUIDE_LIMIT_DAYS:
        raise ValidationFailed("err.limit_range", step=names["name_zh"], step_en=names["name_en"],
                               limit=MAX_GUIDE_LIMIT_DAYS)
    return StepSpec(**names, guide_limit_days=spec.guide_limit_days, may_be_na=bool(spec.may_be_na))


def _require_unique(session: Session, column, value, field_name: str) -> None:
    if value is not None and session.exec(select(func.count()).where(column == value)).one():
        raise ValidationFailed("err.duplicate", field=field_name, value=value)


def _add_config(session: Session, row, actor_id, now, label, commit=True):
    _authorize(session, actor_id, "configure")
    session.add(row)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity=type(row).__name__.lower(), entity_id=row.id,
           issue_id=None, field_name="created", old=None, new=label)
    if commit:
        session.commit()
    return row


# ---------------------------------------------------------------- issue commands

def _next_number(session: Session, year: int) -> str:
    """QR-YYYY-NNNN from a per-year counter row; the UPDATE's row lock keeps numbers unique."""
    db.insert_ignoring_duplicates(session, IssueSequence, year=year, last=0)
    last = session.execute(update(IssueSequence).where(IssueSequence.year == year)
                           .values(last=IssueSequence.last + 1).returning(IssueSequence.last)).scalar_one()
    return f"QR-{year:04d}-{last:04d}"


@command
def create_issue(*, session: Session, actor_id: int | None, description: str, category_id: int, area_id: int,
                 severity: str, owner_id: int, lead_id: int, opened_on: date, next_report_on: date,
                 template_id: int, part_number: str = "",
                 target_changes: dict[int, tuple[date, str]] | None = None,
                 na_steps: dict[int, str] | None = None, received_at: datetime | None = None,
                 now: datetime | None = None) -> Issue:
    """Open an issue with one step per template step, targets from the guide limits.

    target_changes and na_steps are keyed by template step position (1-based) and carry a reason.
    Each response rule of the category starts a clock at `received_at`, the moment the complaint reached the
    plant; without one it is this moment (the complaint is being recorded as it arrives).
    """
    now = _now(now)
    day = rules.plant_today(now, _settings().tz)
    _authorize(session, actor_id, "create_issue")
    description = _text(description, "description", required=True, limit=DESCRIPTION_MAX)
    part_number = _text(part_number, "part_number", required=False, limit=100)
    if severity not in rules.SEVERITY:
        raise ValidationFailed("err.bad_choice", field="severity")
    category = _get(session, Category, category_id, "category")
    _get(session, Area, area_id, "area")
    _get(session, Person, owner_id, "owner")
    _get(session, Person, lead_id, "lead")
    _get(session, StepTemplate, template_id, "template")
    opened_on = _date(opened_on, "opened_on")
    if opened_on > day:
        raise ValidationFailed("err.future_date", field="opened_on")
    if opened_on < EARLIEST_OPENED_ON:
        raise ValidationFailed("err.too_early", field="opened_on", date=EARLIEST_OPENED_ON.isoformat())
    next_report_on = _date(next_report_on, "next_report_on")
    if next_report_on < day:
        raise ValidationFailed("err.past_date", field="next_report_on")
    template_steps = session.exec(select(TemplateStep).where(TemplateStep.template_id == template_id)
                                  .order_by(TemplateStep.position)).all()
    positions = {ts.position for ts in template_steps}
    target_changes, na_steps = dict(target_changes or {}), dict(na_steps or {})
    for position in list(target_changes) + list(na_steps):
        if position not in positions:
            raise ValidationFailed("err.not_found", field="step", value=str(position))

    response_rules = _response_rules(session, category)
    if response_rules or received_at is not None:
        received_at = _received_at(now if received_at is None else received_at, now)

    issue = Issue(number=_next_number(session, opened_on.year), description=description,
                  category_id=category_id, area_id=area_id, part_number=part_number, severity=severity,
                  owner_id=owner_id, lead_id=lead_id, template_id=template_id, opened_on=opened_on,
                  next_report_on=next_report_on, created_at=now, updated_at=now, received_at=received_at,
                  on_board=rules.admitted_to_board(severity, category.kind, _settings(session).admission_rule))
    session.add(issue)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
           field_name="created", old=None, new=issue.number)
    tz = _settings().tz
    for rule in response_rules:
        session.add(ResponseClock(issue_id=issue.id, code=rule.code, name_zh=rule.name_zh, name_en=rule.name_en,
                                  position=rule.position, started_at=received_at,
                                  due_at=rules.clock_due(received_at, rule.limit_minutes, tz)))
    for ts, target_on in zip(template_steps, rules.target_dates(opened_on, [t.guide_limit_days for t in template_steps])):
        step = IssueStep(issue_id=issue.id, template_step_id=ts.id, position=ts.position, target_on=target_on)
        session.add(step)
        session.flush()
        if ts.position in target_changes:
            new_target, reason = target_changes[ts.position]
            _move_target(session, step, ts, issue, _date(new_target, "target_on"), reason, actor_id, now)
        if ts.position in na_steps:
            _mark_na(session, step, ts, na_steps[ts.position], actor_id, now)
    _commit_change(session)
    return issue


def _load_step(session: Session, step_id: int) -> tuple[IssueStep, TemplateStep]:
    step = _get(session, IssueStep, step_id, "step")
    return step, session.get(TemplateStep, step.template_step_id)


def _step_command(session: Session, *, actor_id, step_id, expected_version, now):
    """Common start of a step command: step, the actor's right to change its issue, version claim, open issue."""
    step, template_step = _load_step(session, step_id)
    _authorize_issue(session, actor_id, step.issue_id)
    issue = _claim_version(session, step.issue_id, expected_version, now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    return step, template_step, issue


def _issue_command(session: Session, *, actor_id, issue_id, expected_version, now, action: str | None = None) -> Issue:
    """Common start of an issue command: the actor's right (`action`, else owner/lead or facilitator), then the
    version claim."""
    if action is None:
        _authorize_issue(session, actor_id, issue_id)
    else:
        _authorize(session, actor_id, action)
    return _claim_version(session, issue_id, expected_version, now)


def _set(session, step: IssueStep, field_name: str, value, *, actor_id, now, reason="") -> None:
    old = getattr(step, field_name)
    if old != value:
        setattr(step, field_name, value)
        _audit(session, at=now, actor_id=actor_id, entity="step", entity_id=step.id, issue_id=step.issue_id,
               field_name=field_name, old=old, new=value, reason=reason)


@command
def complete_step(*, session: Session, actor_id: int | None, step_id: int, done_on: date,
                  expected_version: int, now: datetime | None = None) -> Issue:
    """The only way a step turns green: completed on a day between the open date and today."""
    now = _now(now)
    step, template_step, issue = _step_command(session, actor_id=actor_id, step_id=step_id,
                                               expected_version=expected_version, now=now)
    done_on = _date(done_on, "completed_on")
    if not issue.opened_on <= done_on <= rules.plant_today(now, _settings().tz):
        raise ValidationFailed("err.done_out_of_range", field="completed_on")
    if step.state != StepState.OPEN:
        raise ValidationFailed("err.step_not_open", step=template_step.name_zh, step_en=template_step.name_en)
    _set(session, step, "state", StepState.DONE.value, actor_id=actor_id, now=now)
    _set(session, step, "completed_on", done_on, actor_id=actor_id, now=now)
    _commit_change(session)
    return issue


def _mark_na(session, step, template_step, reason, actor_id, now):
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if not template_step.may_be_na:
        raise ValidationFailed("err.na_not_allowed", step=template_step.name_zh, step_en=template_step.name_en)
    if step.state != StepState.OPEN:
        raise ValidationFailed("err.step_not_open", step=template_step.name_zh, step_en=template_step.name_en)
    _set(session, step, "na_reason", reason, actor_id=actor_id, now=now, reason=reason)
    _set(session, step, "state", StepState.NA.value, actor_id=actor_id, now=now, reason=reason)


@command
def mark_step_na(*, session: Session, actor_id: int | None, step_id: int, reason: str,
                 expected_version: int, now: datetime | None = None) -> Issue:
    now = _now(now)
    step, template_step, issue = _step_command(session, actor_id=actor_id, step_id=step_id,
                                               expected_version=expected_version, now=now)
    _mark_na(session, step, template_step, reason, actor_id, now)
    _commit_change(session)
    return issue


@command
def mark_step_worse(*, session: Session, actor_id: int | None, step_id: int, reason: str, countermeasure: str,
                    expected_version: int, now: datetime | None = None) -> Issue:
    """Y→R by the owner's judgement (e.g. blocked); a red step always carries its countermeasure."""
    now = _now(now)
    step, template_step, issue = _step_command(session, actor_id=actor_id, step_id=step_id,
                                               expected_version=expected_version, now=now)
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    countermeasure = _text(countermeasure, "countermeasure", required=False, limit=TEXT_MAX)
    if step.state != StepState.OPEN:
        raise ValidationFailed("err.step_not_open", step=template_step.name_zh, step_en=template_step.name_en)
    _set(session, step, "countermeasure", countermeasure, actor_id=actor_id, now=now)
    _set(session, step, "marked_worse", True, actor_id=actor_id, now=now, reason=reason)
    _set(session, step, "marked_worse_on", rules.plant_today(now, _settings().tz), actor_id=actor_id, now=now)
    _set(session, step, "worse_reason", reason, actor_id=actor_id, now=now, reason=reason)
    _require_countermeasure(step, template_step, rules.plant_today(now, _settings().tz), _settings(session))
    _commit_change(session)
    return issue


@command
def set_countermeasure(*, session: Session, actor_id: int | None, step_id: int, countermeasure: str,
                       expected_version: int, now: datetime | None = None) -> Issue:
    now = _now(now)
    step, template_step, issue = _step_command(session, actor_id=actor_id, step_id=step_id,
                                               expected_version=expected_version, now=now)
    text = _text(countermeasure, "countermeasure", required=False, limit=TEXT_MAX)
    _set(session, step, "countermeasure", text, actor_id=actor_id, now=now)
    if step.state == StepState.OPEN:
        _require_countermeasure(step, template_step, rules.plant_today(now, _settings().tz), _settings(session))
    _commit_change(session)
    return issue


def _move_target(session, step, template_step, issue, target_on, reason, actor_id, now):
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if target_on < issue.opened_on:
        raise ValidationFailed("err.before_opened", field="target_on")
    _set(session, step, "target_on", target_on, actor_id=actor_id, now=now, reason=reason)


@command
def move_target(*, session: Session, actor_id: int | None, step_id: int, target_on: date, reason: str,
                expected_version: int, now: datetime | None = None) -> Issue:
    """A new target date, always with its reason in the audit trail."""
    now = _now(now)
    step, template_step, issue = _step_command(session, actor_id=actor_id, step_id=step_id,
                                               expected_version=expected_version, now=now)
    if step.state != StepState.OPEN:
        raise ValidationFailed("err.step_not_open", step=template_step.name_zh, step_en=template_step.name_en)
    _move_target(session, step, template_step, issue, _date(target_on, "target_on"), reason, actor_id, now)
    _require_countermeasure(step, template_step, rules.plant_today(now, _settings().tz), _settings(session))
    _commit_change(session)
    return issue


@command
def set_next_report(*, session: Session, actor_id: int | None, issue_id: int, next_report_on: date,
                    expected_version: int, now: datetime | None = None) -> Issue:
    now = _now(now)
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=now)
    _set_next_report(session, issue, next_report_on, actor_id=actor_id, now=now)
    _commit_change(session)
    return issue


def _set_next_report(session: Session, issue: Issue, next_report_on, *, actor_id, now, reason: str = "") -> None:
    """The owner's next report date: today or later, on an open issue (also a meeting's decision)."""
    next_report_on = _date(next_report_on, "next_report_on")
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if next_report_on < rules.plant_today(now, _settings().tz):
        raise ValidationFailed("err.past_date", field="next_report_on")
    old = issue.next_report_on
    if old != next_report_on:
        issue.next_report_on = next_report_on
        _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
               field_name="next_report_on", old=old, new=next_report_on, reason=reason)


@command
def close_issue(*, session: Session, actor_id: int | None, issue_id: int, closed_on: date, reason: str,
                expected_version: int, now: datetime | None = None) -> Issue:
    """Closing needs every step G or N/A and a problem-solving report; recorded with who, when and why."""
    now = _now(now)
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=now, action="close_issue")
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    closed_on = _date(closed_on, "closed_on")
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if not issue.opened_on <= closed_on <= rules.plant_today(now, _settings().tz):
        raise ValidationFailed("err.done_out_of_range", field="closed_on")
    open_steps = session.exec(select(TemplateStep.name_zh, TemplateStep.name_en).join(IssueStep)
                              .where(IssueStep.issue_id == issue.id, IssueStep.state == StepState.OPEN.value)
                              .order_by(IssueStep.position)).all()
    if open_steps:
        raise ValidationFailed("err.open_steps", steps="、".join(s[0] for s in open_steps),
                               steps_en=", ".join(s[1] for s in open_steps))
    has_report = session.exec(select(func.count()).select_from(Attachment).where(
        Attachment.issue_id == issue.id, Attachment.kind == "report")).one()
    gaps = eight_d.missing(_eight_d_content(session, issue.id))
    if not has_report and gaps:
        raise ValidationFailed("err.report_or_8d", number=issue.number, sections=", ".join(gaps))
    issue.closed_on = closed_on
    _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
           field_name="closed_on", old=None, new=closed_on, reason=reason)
    _plan_follow_up(session, issue, actor_id=actor_id, now=now)
    _commit_change(session)
    return issue


@command
def reopen_issue(*, session: Session, actor_id: int | None, issue_id: int, reason: str, expected_version: int,
                 now: datetime | None = None) -> Issue:
    """Back on the board (the problem came back, or was closed too early), with the reason recorded."""
    now = _now(now)
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=now, action="close_issue")
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if issue.closed_on is None:
        raise ValidationFailed("err.issue_open", number=issue.number)
    _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
           field_name="closed_on", old=issue.closed_on, new=None, reason=reason)
    _drop_pending_follow_up(session, issue, actor_id=actor_id, now=now, reason=reason)
    issue.closed_on = None
    day = rules.plant_today(now, _settings().tz)
    if issue.next_report_on is None or issue.next_report_on < day:
        _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
               field_name="next_report_on", old=issue.next_report_on, new=day, reason=reason)
        issue.next_report_on = day
    _commit_change(session)
    return issue


@command
def attach_file(*, session: Session, actor_id: int | None, issue_id: int, file_name: str, content: bytes,
                kind: str, expected_version: int, step_id: int | None = None,
                now: datetime | None = None) -> Attachment:
    """Store evidence or the report in the database; the type is judged from the bytes, not only the name."""
    now = _now(now)
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=now)
    file_name = _text(file_name, "file_name", required=True, limit=255)
    if kind not in ("report", "evidence"):
        raise ValidationFailed("err.bad_choice", field="kind")
    if not isinstance(content, bytes) or not content:
        raise ValidationFailed("err.required", field="file")
    limit_mb = _settings().max_upload_mb
    if len(content) > limit_mb * 1024 * 1024:
        raise ValidationFailed("err.file_too_large", limit=limit_mb)
    file_type = files.sniff_file_type(file_name, content)
    if file_type is None:
        raise ValidationFailed("err.file_type", name=file_name)
    if step_id is not None and _get(session, IssueStep, step_id, "step").issue_id != issue.id:
        raise NotFound("err.not_found", field="step", value=str(step_id))
    attachment = Attachment(issue_id=issue.id, step_id=step_id, kind=kind, file_name=file_name, file_type=file_type,
                            size=len(content), content=content, uploaded_by_id=actor_id, uploaded_at=now)
    session.add(attachment)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="attachment", entity_id=attachment.id, issue_id=issue.id,
           field_name=f"attachment_{kind}", old=None, new=file_name)
    _commit_change(session)
    return attachment


# ---------------------------------------------------------------- the built-in 8D / PPSR report

def _eight_d_content(session: Session, issue_id: int) -> dict:
    report = session.exec(select(EightDReport).where(EightDReport.issue_id == issue_id)).first()
    return report.content if report else {}


def _eight_d_value(field: eight_d.EightDField, value, key: str):
    """A field's value as kept: text trimmed, a quantity a whole number ≥ 0 (or none), whys up to five texts."""
    if field.kind == "quantity":
        if value is None or value == "":
            return None
        if not _is_whole_number(value) or value < 0:
            raise ValidationFailed("err.not_quantity", field=key)
        return value
    if field.kind == "whys":
        whys = list(value or [])
        if len(whys) > eight_d.WHYS:
            raise ValidationFailed("err.too_long", field=key, limit=eight_d.WHYS)
        whys = [_text(why, key, required=False, limit=eight_d.TEXT_LIMIT) for why in whys]
        while whys and not whys[-1]:
            whys.pop()
        return whys
    return _text(value, key, required=False, limit=eight_d.TEXT_LIMIT)


def _eight_d_shown(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    return " / ".join(value) if isinstance(value, list) else str(value)


@command
def save_eight_d(*, session: Session, actor_id: int | None, issue_id: int, section: str, values: dict,
                 expected_version: int, now: datetime | None = None) -> Issue:
    """Save one section of the issue's built-in 8D; every changed field goes into the audit trail. The steps
    are left alone: a section filled in is no completed step."""
    now = _now(now)
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if section not in eight_d.SECTIONS or not isinstance(values, dict):
        raise ValidationFailed("err.bad_choice", field="8d")
    fields = {f.name: f for f in eight_d.SECTIONS[section]}
    unknown = [name for name in values if name not in fields]
    if unknown:
        raise ValidationFailed("err.bad_choice", field="8d")
    report = session.exec(select(EightDReport).where(EightDReport.issue_id == issue.id)).first()
    if report is None:
        report = EightDReport(issue_id=issue.id, content={}, updated_at=now)
    content = {code: dict(saved) for code, saved in report.content.items()}
    saved = content.setdefault(section, {})
    for name, value in values.items():
        new = _eight_d_value(fields[name], value, f"8d.{section}.{name}")
        if _eight_d_shown(saved.get(name)) != _eight_d_shown(new):
            _audit(session, at=now, actor_id=actor_id, entity="8d", entity_id=issue.id, issue_id=issue.id,
                   field_name=f"8d.{section}.{name}", old=_eight_d_shown(saved.get(name)), new=_eight_d_shown(new))
        saved[name] = new
    report.content, report.updated_by_id, report.updated_at = content, actor_id, now
    session.add(report)
    _commit_change(session)
    return issue


@query
def eight_d_report(number: str, *, session: Session, on: date | None = None) -> dict:
    """The issue's 8D as the form and the PDF need it: the issue's board fields, the content, what is
    missing, and each section's steps (the board's step links open their section)."""
    issue = session.exec(select(Issue).where(Issue.number == number)).first()
    if issue is None:
        raise NotFound("err.not_found", field="number", value=number)
    record = _single_issue_record(session, issue, on or today())
    content = _eight_d_content(session, issue.id)
    steps: dict[str, list[dict]] = defaultdict(list)
    for step in sorted(record["steps"].values(), key=lambda s: s["position"]):
        for code in step["eight_d"].split("/"):
            steps[code.strip().upper()].append(step)
    return {"issue": {k: v for k, v in record.items() if k != "steps"}, "content": content,
            "missing": eight_d.missing(content), "steps": dict(steps)}


# ---------------------------------------------------------------- follow-up calls (回访)

def _plan_follow_up(session: Session, issue: Issue, *, actor_id, now) -> None:
    """Closing plans the call back: required for a customer (external) issue, a candidate for the weekly
    sample otherwise; due a configurable number of days after closing."""
    category = session.get(Category, issue.category_id)
    follow_up = FollowUp(issue_id=issue.id, closed_on=issue.closed_on, required=rules.follow_up_required(category.kind),
                         due_on=rules.follow_up_due(issue.closed_on, _settings().follow_up_days), created_at=now)
    session.add(follow_up)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="follow_up", entity_id=follow_up.id, issue_id=issue.id,
           field_name="follow_up_due", old=None, new=follow_up.due_on)


def _drop_pending_follow_up(session: Session, issue: Issue, *, actor_id, now, reason: str) -> None:
    """A reopened issue is not called back for a closing that no longer holds; a call already made stays."""
    pending = session.exec(select(FollowUp).where(FollowUp.issue_id == issue.id, FollowUp.done_on.is_(None))).all()
    for follow_up in pending:
        _audit(session, at=now, actor_id=actor_id, entity="follow_up", entity_id=follow_up.id, issue_id=issue.id,
               field_name="follow_up_due", old=follow_up.due_on, new=None, reason=reason)
    if pending:
        session.execute(sa.delete(FollowUp).where(FollowUp.id.in_([f.id for f in pending])))


@command
def record_follow_up(*, session: Session, actor_id: int | None, follow_up_id: int, done_on: date, contact: str,
                     channel: str, solved: bool, satisfaction: int, remarks: str, expected_version: int,
                     now: datetime | None = None) -> FollowUp:
    """The call back: when, whom, how, whether the problem is solved and how satisfied (1–5); once."""
    now = _now(now)
    follow_up = _get(session, FollowUp, follow_up_id, "follow_up")
    _issue_command(session, actor_id=actor_id, issue_id=follow_up.issue_id, expected_version=expected_version,
                   now=now)
    session.refresh(follow_up)
    if follow_up.done_on is not None:
        raise ValidationFailed("err.follow_up_done")
    done_on = _date(done_on, "follow_up_on")
    if not follow_up.closed_on <= done_on <= rules.plant_today(now, _settings().tz):
        raise ValidationFailed("err.follow_up_range", field="follow_up_on")
    contact = _text(contact, "contact", required=True, limit=100)
    if channel not in rules.FOLLOW_UP_CHANNELS:
        raise ValidationFailed("err.bad_choice", field="channel")
    if not isinstance(solved, bool):
        raise ValidationFailed("err.bad_choice", field="solved")
    if not _is_whole_number(satisfaction) or not 1 <= satisfaction <= 5:
        raise ValidationFailed("err.satisfaction")
    remarks = _text(remarks, "remarks", required=False, limit=TEXT_MAX)
    follow_up.done_on, follow_up.contact, follow_up.channel = done_on, contact, channel
    follow_up.solved, follow_up.satisfaction, follow_up.remarks = solved, satisfaction, remarks
    follow_up.recorded_by_id, follow_up.recorded_at = actor_id, now
    session.add(follow_up)
    _audit(session, at=now, actor_id=actor_id, entity="follow_up", entity_id=follow_up.id,
           issue_id=follow_up.issue_id, field_name="follow_up_done", old=None,
           new=f"{done_on.isoformat()} {contact} ({channel}): solved={solved}, satisfaction={satisfaction}",
           reason=remarks[:REASON_MAX])
    _commit_change(session)
    return follow_up


@query
def follow_ups(*, session: Session, on: date | None = None) -> list[dict]:
    """Every planned call back with its issue, newest closing first; `proposed` marks the internal ones the
    weekly sample still needs, `overdue` a call not made by its due day."""
    on = on or today()
    owner, parent = aliased(Person), aliased(Category)
    rows = session.exec(select(FollowUp, Issue.number, Issue.description, Issue.version, Category.kind,
                               _category_label(parent.name_zh, Category.name_zh),
                               _category_label(parent.name_en, Category.name_en), owner.name, owner.name_en)
                        .join(Issue, FollowUp.issue_id == Issue.id).join(Category, Issue.category_id == Category.id)
                        .join(parent, Category.parent_id == parent.id, isouter=True)
                        .join(owner, Issue.owner_id == owner.id)
                        .order_by(FollowUp.closed_on.desc(), FollowUp.id.desc())).all()
    sampled = [(f.id, f.closed_on) for f, *_ in rows if not f.required]
    proposed = set(rules.propose_follow_ups(sampled, {f.id for f, *_ in rows if f.done_on is not None},
                                            _settings().follow_up_share))
    return [{**f.model_dump(), "number": number, "description": description, "version": version, "kind": kind,
             "category_zh": category_zh, "category_en": category_en, "owner": name, "owner_en": name_en or name,
             "proposed": f.id in proposed, "overdue": f.done_on is None and f.due_on < on}
            for f, number, description, version, kind, category_zh, category_en, name, name_en in rows]


def _category_label(parent_name, name):
    """'客户投诉/0公里': a sub-type is named with its category, as on the board."""
    return sa.case((parent_name.is_(None), name), else_=parent_name + "/" + name)


FOLLOW_UP_COLUMNS = ["issue_id", "required", "closed_on", "due_on", "done_on", "solved", "satisfaction"]


@query
def trends_follow_ups(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The follow-ups of closings from `since` on, for the weekly follow-up rate and satisfaction."""
    statement = sa.select(FollowUp.issue_id, FollowUp.required, FollowUp.closed_on, FollowUp.due_on,
                          FollowUp.done_on, FollowUp.solved, FollowUp.satisfaction).order_by(FollowUp.id)
    if since is not None:
        statement = statement.where(FollowUp.closed_on >= since)
    return _frame(session, statement, FOLLOW_UP_COLUMNS)


# ---------------------------------------------------------------- customer response clocks

def _moment_value(value, key: str) -> datetime:
    """A moment from a page or a caller: aware, so it means one instant whatever the server's zone."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationFailed("err.not_moment", field=key)
    return value.astimezone(timezone.utc)


def _received_at(value, now: datetime) -> datetime:
    received_at = _moment_value(value, "received_at")
    if received_at > now:
        raise ValidationFailed("err.future_moment", field="received_at")
    if received_at.date() < EARLIEST_OPENED_ON:
        raise ValidationFailed("err.too_early", field="received_at", date=EARLIEST_OPENED_ON.isoformat())
    return received_at


def _response_rules(session: Session, category: Category) -> list[ResponseRule]:
    """The category's own rules, else its parent's: a 0-km complaint answers like any customer complaint."""
    for category_id in (category.id, category.parent_id):
        if category_id is None:
            continue
        found = session.exec(select(ResponseRule).where(ResponseRule.category_id == category_id)
                             .order_by(ResponseRule.position, ResponseRule.id)).all()
        if found:
            return list(found)
    return []


@command
def set_response_rule(*, session: Session, actor_id: int | None, category_id: int, code: str, name_zh: str,
                      name_en: str, limit_minutes: int, now: datetime | None = None) -> ResponseRule:
    """Add a response rule to a category, or change the one with this code; clocks already running keep the
    limit they started with (each issue answers to the rule of the day it was received)."""
    now = _now(now)
    _authorize(session, actor_id, "configure")
    category = _get(session, Category, category_id, "category")
    code = _text(code, "code", required=True, limit=20)
    name_zh = _text(name_zh, "name_zh", required=True, limit=100)
    name_en = _text(name_en, "name_en", required=True, limit=100)
    if not _is_whole_number(limit_minutes) or not 1 <= limit_minutes <= MAX_RESPONSE_MINUTES:
        raise ValidationFailed("err.response_limit", limit=MAX_RESPONSE_MINUTES // (60 * 24))
    rule = session.exec(select(ResponseRule).where(ResponseRule.category_id == category.id,
                                                   ResponseRule.code == code)).first()
    old = None if rule is None else f"{rule.name_zh} / {rule.name_en}: {rule.limit_minutes} min"
    if rule is None:
        position = session.exec(select(func.count()).select_from(ResponseRule)
                                .where(ResponseRule.category_id == category.id)).one() + 1
        rule = ResponseRule(category_id=category.id, code=code, position=position, name_zh=name_zh,
                            name_en=name_en, limit_minutes=limit_minutes)
    rule.name_zh, rule.name_en, rule.limit_minutes = name_zh, name_en, limit_minutes
    new = f"{name_zh} / {name_en}: {limit_minutes} min"
    if old == new:
        raise ValidationFailed("err.no_change")
    session.add(rule)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="response_rule", entity_id=rule.id, issue_id=None,
           field_name=f"{category.code}.{code}", old=old, new=new)
    session.commit()
    return rule


@command
def remove_response_rule(*, session: Session, actor_id: int | None, rule_id: int,
                         now: datetime | None = None) -> None:
    """The category stops starting this clock on new issues; clocks already running keep going."""
    now = _now(now)
    _authorize(session, actor_id, "configure")
    rule = _get(session, ResponseRule, rule_id, "response_rule")
    category = session.get(Category, rule.category_id)
    _audit(session, at=now, actor_id=actor_id, entity="response_rule", entity_id=rule.id, issue_id=None,
           field_name=f"{category.code}.{rule.code}", old=f"{rule.name_zh} / {rule.name_en}: {rule.limit_minutes} min",
           new=None)
    session.execute(sa.delete(ResponseRule).where(ResponseRule.id == rule.id))
    session.commit()


@query
def categories_with_response_rules(*, session: Session) -> set[int]:
    """Categories whose new issues start response clocks (sub-types of a category with rules included)."""
    with_rules = set(session.exec(select(ResponseRule.category_id).distinct()).all())
    subtypes = session.exec(select(Category.id).where(Category.parent_id.in_(with_rules))).all() if with_rules else []
    return with_rules | set(subtypes)


@query
def response_rules(category_id: int, *, session: Session) -> list[dict]:
    """The rules a new issue of this category starts clocks for (its own, else its parent's)."""
    category = _get(session, Category, category_id, "category")
    return [rule.model_dump() for rule in _response_rules(session, category)]


@command
def record_response(*, session: Session, actor_id: int | None, clock_id: int, responded_at: datetime,
                    responded_by_id: int, how: str, expected_version: int,
                    now: datetime | None = None) -> Issue:
    """The response stops its clock: who answered, when and how (phone, e-mail, on site …), once."""
    now = _now(now)
    clock = _get(session, ResponseClock, clock_id, "clock")
    issue = _issue_command(session, actor_id=actor_id, issue_id=clock.issue_id, expected_version=expected_version,
                           now=now)
    responded_at = _moment_value(responded_at, "responded_at")
    responder = _get(session, Person, responded_by_id, "responded_by")
    how = _text(how, "response_how", required=True, limit=REASON_MAX)
    if clock.responded_at is not None:
        raise ValidationFailed("err.clock_stopped", clock=clock.name_zh, clock_en=clock.name_en)
    if not clock.started_at <= responded_at <= now:
        raise ValidationFailed("err.response_out_of_range", field="responded_at")
    clock.responded_at, clock.responded_by_id, clock.response_how = responded_at, responder.id, how
    session.add(clock)
    _audit(session, at=now, actor_id=actor_id, entity="clock", entity_id=clock.id, issue_id=issue.id,
           field_name=f"response_{clock.code}", old=None,
           new=f"{responded_at.astimezone(_settings().tz).strftime('%Y-%m-%d %H:%M')} {responder.name}: {how}")
    _commit_change(session)
    return issue


def _clocks_by_issue(session: Session, issue_filter) -> dict[int, list[dict]]:
    """Each issue's response clocks in rule order, with who answered, as plain dicts for the board."""
    responder = aliased(Person)
    rows = session.exec(select(ResponseClock, responder.name, responder.name_en)
                        .join(responder, ResponseClock.responded_by_id == responder.id, isouter=True)
                        .join(Issue, ResponseClock.issue_id == Issue.id).where(issue_filter)
                        .order_by(ResponseClock.issue_id, ResponseClock.position, ResponseClock.id)).all()
    clocks: dict[int, list[dict]] = defaultdict(list)
    for clock, name, name_en in rows:
        clocks[clock.issue_id].append({"id": clock.id, "code": clock.code, "name_zh": clock.name_zh,
                                       "name_en": clock.name_en, "started_at": clock.started_at,
                                       "due_at": clock.due_at, "responded_at": clock.responded_at,
                                       "responded_by": name, "responded_by_en": name_en or name,
                                       "how": clock.response_how})
    return dict(clocks)


TREND_CLOCK_COLUMNS = ["issue_id", "code", "name_zh", "name_en", "due_at", "responded_at"]


@query
def trends_clocks(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The response clocks of the issues that count from `since` on, for the clocks' weekly KPI."""
    return _frame(session, sa.select(ResponseClock.issue_id, ResponseClock.code, ResponseClock.name_zh,
                                     ResponseClock.name_en, ResponseClock.due_at, ResponseClock.responded_at)
                  .join(Issue, ResponseClock.issue_id == Issue.id)
                  .where(_still_relevant(since)).order_by(ResponseClock.id), TREND_CLOCK_COLUMNS)


@dataclass
class ImportOutcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_names: dict[str, list[str]] = field(default_factory=lambda: {"areas": [], "people": [], "categories": []})


_EXTERNAL_HINTS = ("客户", "customer", "prr", "售后", "保修", "warranty", "pdi", "供应商", "supplier", "审核", "audit")


@command
def import_issues(*, session: Session, actor_id: int | None, issues: list, source: str, apply: bool,
                  now: datetime | None = None) -> ImportOutcome:
    """A plant's existing board, all rows or none: creates or updates issues (matched by number, else by
    description and open date), and people, areas and categories it does not know yet. Without `apply`
    the same work runs and is rolled back, so the preview says exactly what applying would do."""
    now = _now(now)
    day = rules.plant_today(now, _settings().tz)
    _authorize(session, actor_id, "configure")
    resolve = _ImportNames(session, now, actor_id)
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
            issue = _import_new(session, row, template, resolve, day, reason, actor_id, now)
            outcome.created.append(issue.number)
        else:
            _import_update(session, existing, row, resolve, day, reason, actor_id, now)
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
                                                   name_en=name[:100]), self.actor_id, self.now, name, commit=False)
            self.new["areas"].append(name)
        return found

    def _person(self, name: str) -> Person:
        name = _text(name, "owner", required=True, limit=100)
        found = self.session.exec(select(Person).where((Person.name == name) | (Person.name_en == name))).first()
        if found is None:
            found = _add_config(self.session, Person(name=name), self.actor_id, self.now, name, commit=False)
            self.new["people"].append(name)
        return found

    def _category(self, label: str | None) -> Category:
        label = (label or "未分类").strip()
        for category in self.session.exec(select(Category)).all():
            parent = self.session.get(Category, category.parent_id) if category.parent_id else None
            names = {category.name_zh, category.name_en, category.code}
            if parent:
                names |= {f"{parent.name_zh}/{category.name_zh}", f"{parent.name_en}/{category.name_en}"}
            if label in names:
                return category
        kind = "external" if any(hint in label.lower() for hint in _EXTERNAL_HINTS) else "internal"
        created = _add_config(self.session, Category(code=self._free_code(Category, label[:40]), name_zh=label[:100],
                                                     name_en=label[:100], kind=kind), self.actor_id, self.now,
                              label, commit=False)
        self.new["categories"].append(label)
        return created

    def _free_code(self, model, wanted: str) -> str:
        code, n = wanted, 1
        while self.session.exec(select(func.count()).where(model.code == code)).one():
            n += 1
            code = f"{wanted[:15]}-{n}"
        return code


def _import_new(session, row, template, resolve, day, reason, actor_id, now) -> Issue:
    if not EARLIEST_OPENED_ON <= row.opened_on <= day:
        raise ValidationFailed("import.err.opened_range", row=row.sheet_row)
    owner, lead = resolve.person(row.owner), resolve.person(row.lead)
    issue = Issue(number=_text(row.number, "number", required=True, limit=20) if row.number
                  else _next_number(session, row.opened_on.year),
                  description=_text(row.description, "description", required=True, limit=DESCRIPTION_MAX),
                  category_id=resolve.category(row.category).id, area_id=resolve.area(row.area).id,
                  part_number=_text(row.part_number, "part_number", required=False, limit=100),
                  severity=row.severity, owner_id=owner.id, lead_id=lead.id, template_id=template.id,
                  opened_on=row.opened_on, next_report_on=row.next_report_on,
                  closed_on=(row.closed_on or day) if row.closed else None, created_at=now, updated_at=now)
    session.add(issue)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
           field_name="imported", old=None, new=issue.number, reason=reason)
    steps = [(IssueStep(issue_id=issue.id, template_step_id=ts.id, position=ts.position,
                        target_on=row.opened_on + timedelta(days=ts.guide_limit_days)), ts.code)
             for ts in resolve.template_steps(template.id)]
    session.add_all(step for step, _ in steps)
    session.flush()
    for step, code in steps:
        _import_step(session, step, row.steps.get(code), day, reason, actor_id, now)
    return issue


def _import_update(session, issue, row, resolve, day, reason, actor_id, now) -> None:
    changes = {"description": row.description, "part_number": row.part_number,
               "owner_id": resolve.person(row.owner).id, "lead_id": resolve.person(row.lead).id}
    if row.next_report_on is not None:
        changes["next_report_on"] = row.next_report_on
    if row.closed and issue.closed_on is None:
        changes["closed_on"] = row.closed_on or day
    for name, value in changes.items():
        if getattr(issue, name) != value:
            _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
                   field_name=name, old=getattr(issue, name), new=value, reason=reason)
            setattr(issue, name, value)
    for step, ts in session.exec(select(IssueStep, TemplateStep).join(TemplateStep)
                                 .where(IssueStep.issue_id == issue.id)).all():
        _import_step(session, step, row.steps.get(ts.code), day, reason, actor_id, now)
    if session.info["audit_events"]:
        issue.version += 1
        issue.updated_at = now


def _import_step(session, step: IssueStep, letter: str | None, day: date, reason: str, actor_id, now) -> None:
    """The sheet's colour as a state the rule understands: G done (date unknown: the import day), N/A,
    R an open step marked worse unless its date already makes it red, Y (or nothing) stays open."""
    if step.state != StepState.OPEN.value or letter in (None, "Y"):
        return
    note = reason
    if letter == "G":
        _set(session, step, "state", StepState.DONE.value, actor_id=actor_id, now=now, reason=note)
        _set(session, step, "completed_on", day, actor_id=actor_id, now=now, reason=f"{note}; completion date unknown")
    elif letter == "NA":
        _set(session, step, "na_reason", note[:REASON_MAX], actor_id=actor_id, now=now, reason=note)
        _set(session, step, "state", StepState.NA.value, actor_id=actor_id, now=now, reason=note)
    elif letter == "R" and not step.marked_worse and day <= step.target_on:
        _set(session, step, "marked_worse", True, actor_id=actor_id, now=now, reason=note)
        _set(session, step, "marked_worse_on", day, actor_id=actor_id, now=now, reason=note)
        _set(session, step, "worse_reason", note[:REASON_MAX], actor_id=actor_id, now=now, reason=note)


# ---------------------------------------------------------------- queries

@query
def change_counter(*, session: Session) -> tuple[int, int]:
    """The key that invalidates page caches: every write adds audit events, which are never deleted.

    The count, not only the newest id: on PostgreSQL a transaction holding a lower id may commit after one
    holding a higher id, and the count still moves when it does."""
    return tuple(session.exec(select(func.count(AuditEvent.id), func.coalesce(func.max(AuditEvent.id), 0))).one())


@query
def is_empty(*, session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Area)).one() == 0


@query
def attachments(issue_id: int, *, session: Session) -> list[dict]:
    """What is attached to an issue, without the bytes (those load only on download)."""
    uploader = aliased(Person)
    rows = session.exec(select(Attachment.id, Attachment.kind, Attachment.file_name, Attachment.file_type,
                               Attachment.size, Attachment.step_id, Attachment.uploaded_at, uploader.name)
                        .join(uploader, Attachment.uploaded_by_id == uploader.id, isouter=True)
                        .where(Attachment.issue_id == issue_id).order_by(Attachment.id)).all()
    return [{"id": r[0], "kind": r[1], "file_name": r[2], "file_type": r[3], "size": r[4], "step_id": r[5],
             "uploaded_at": r[6], "uploaded_by": r[7] or "—"} for r in rows]


@query
def attachment_content(attachment_id: int, *, session: Session) -> tuple[str, str, bytes]:
    """File name, MIME type and bytes of one attachment, for its download button."""
    attachment = _get(session, Attachment, attachment_id, "file")
    return attachment.file_name, files.mime_type(attachment.file_type), attachment.content


@query
def issue_count(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Issue)).one()


@query
def issue_numbers(*, session: Session) -> list[tuple[str, str]]:
    """Every issue's number and description, newest first, for the detail page's chooser."""
    return [tuple(row) for row in session.exec(select(Issue.number, Issue.description).order_by(Issue.id.desc())).all()]


@query
def reference_lists(*, session: Session) -> dict[str, list]:
    """People, areas, categories and templates for pickers and filters."""
    return {
        "people": list(session.exec(select(Person).where(Person.active).order_by(Person.name)).all()),
        "areas": list(session.exec(select(Area).order_by(Area.code)).all()),
        "categories": list(session.exec(select(Category).order_by(Category.id)).all()),
        "templates": list(session.exec(select(StepTemplate).order_by(StepTemplate.id)).all()),
    }


@query
def people(*, session: Session, include_inactive: bool = False) -> list[dict]:
    """People by name; the admin page also lists those who left, to bring them back."""
    statement = select(Person).order_by(Person.name)
    if not include_inactive:
        statement = statement.where(Person.active)
    return [person.model_dump() for person in session.exec(statement).all()]


@query
def template_steps(template_id: int, *, session: Session) -> list[TemplateStep]:
    return list(session.exec(select(TemplateStep).where(TemplateStep.template_id == template_id)
                             .order_by(TemplateStep.position)).all())


@query
def step_columns(*, session: Session) -> list[dict]:
    """Board step columns: each step code once, in the order of the fullest template (shorter templates
    leave gaps); a step only a smaller template has comes after."""
    by_template: dict[int, list[TemplateStep]] = defaultdict(list)
    for ts in session.exec(select(TemplateStep).order_by(TemplateStep.template_id, TemplateStep.position)).all():
        by_template[ts.template_id].append(ts)
    columns: dict[str, dict] = {}
    for steps in sorted(by_template.values(), key=len, reverse=True):
        for ts in steps:
            columns.setdefault(ts.code, {"code": ts.code, "name_zh": ts.name_zh, "name_en": ts.name_en,
                                         "short_zh": ts.short_zh, "short_en": ts.short_en, "eight_d": ts.eight_d})
    return list(columns.values())


STEP_COLUMNS = (IssueStep.id, IssueStep.issue_id, IssueStep.position, IssueStep.state, IssueStep.target_on,
                IssueStep.started_on, IssueStep.completed_on, IssueStep.marked_worse, IssueStep.marked_worse_on,
                IssueStep.worse_reason, IssueStep.na_reason, IssueStep.countermeasure, TemplateStep.code,
                TemplateStep.name_zh, TemplateStep.name_en, TemplateStep.eight_d)

BOARD_COLUMNS = ["id", "number", "description", "category_zh", "category_en", "category_kind", "area_id",
                 "area_zh", "area_en", "part_number", "severity", "owner_id", "owner", "owner_en", "lead_id",
                 "lead", "lead_en", "opened_on", "next_report_on", "closed_on", "version", "days_open",
                 "steps", "overall", "report_overdue", "days_red", "escalation_level", "on_board", "received_at",
                 "clocks"]


@query
def board_frame(*, session: Session, on: date | None = None, include_recently_closed: bool = False,
                with_list: bool = False) -> pd.DataFrame:
    """One row per board issue with steps, colours, overall, report overdue and escalation; `with_list`
    adds the issues kept on the simple tracking list (the update page, the meeting's review).

    Three statements whatever the number of issues: issues with their names, all their steps, their clocks.
    """
    settings = _settings(session)
    on = on or today()
    rule = ColourRule(settings.colour_rule)
    owner, lead = aliased(Person), aliased(Person)
    parent = aliased(Category)
    shown = Issue.closed_on.is_(None)
    if include_recently_closed:
        shown = shown | (Issue.closed_on >= on - timedelta(days=RECENTLY_CLOSED_DAYS))
    if not with_list:
        shown = shown & Issue.on_board
    issue_rows = session.exec(
        select(Issue, Category, parent.name_zh, parent.name_en, Area, owner.name, owner.name_en,
               lead.name, lead.name_en)
        .join(Category, Issue.category_id == Category.id)
        .join(parent, Category.parent_id == parent.id, isouter=True)
        .join(Area, Issue.area_id == Area.id)
        .join(owner, Issue.owner_id == owner.id)
        .join(lead, Issue.lead_id == lead.id)
        .where(shown)
    ).all()
    step_rows = session.exec(
        select(*STEP_COLUMNS).join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
        .join(Issue, IssueStep.issue_id == Issue.id).where(shown).order_by(IssueStep.issue_id, IssueStep.position)
    ).all()
    steps_by_issue: dict[int, list] = defaultdict(list)
    for row in step_rows:                       # plain rows, no ORM objects: the board reads thousands of steps
        steps_by_issue[row.issue_id].append(row)
    clocks = _clocks_by_issue(session, shown)

    records = [
        _issue_record(issue, category=category, parent_names=(parent_zh, parent_en), area=area,
                      owner_names=(owner_zh, owner_en), lead_names=(lead_zh, lead_en),
                      steps=[_step_record(row, issue.opened_on, on, rule, settings)
                             for row in steps_by_issue[issue.id]],
                      clocks=clocks.get(issue.id, []), on=on, settings=settings)
        for issue, category, parent_zh, parent_en, area, owner_zh, owner_en, lead_zh, lead_en in issue_rows
    ]
    return pd.DataFrame.from_records(records, columns=BOARD_COLUMNS)


def _step_record(step, opened_on: date, on: date, rule: ColourRule, settings: Settings) -> dict:
    """One step as the board shows it; `step` is a row of STEP_COLUMNS."""
    view = _step_view(step)
    status = rules.step_status(view, on, rule)
    return {
        "id": step.id, "code": step.code, "position": step.position, "state": step.state, "name_zh": step.name_zh,
        "name_en": step.name_en, "eight_d": step.eight_d, "status": status, "target_on": step.target_on, "completed_on": step.completed_on,
        "countermeasure": step.countermeasure, "worse_reason": step.worse_reason, "na_reason": step.na_reason,
        "warning": status == Status.Y and rules.in_warning_window(view, on, settings.warning_days),
        "days_red": rules.days_red(view, opened_on, on, rule),
    }


@dataclass
class IssueDetail:
    issue: dict
    steps: list[dict]
    history: list[dict] = field(default_factory=list)


@query
def issue_detail(number: str, *, session: Session, on: date | None = None) -> IssueDetail:
    """Every field of one issue, its steps with colours and its audit trail, newest first."""
    settings = _settings(session)
    on = on or today()
    issue = session.exec(select(Issue).where(Issue.number == number)).first()
    if issue is None:
        raise NotFound("err.not_found", field="number", value=number)
    record = _single_issue_record(session, issue, on)
    actor = aliased(Person)
    events = session.exec(select(AuditEvent, actor.name).join(actor, AuditEvent.actor_id == actor.id, isouter=True)
                          .where(AuditEvent.issue_id == issue.id).order_by(AuditEvent.id.desc())).all()
    history = [{"at": e.at.astimezone(settings.tz), "actor": name or "—", "entity": e.entity, "field": e.field,
                "old": e.old, "new": e.new, "reason": e.reason} for e, name in events]
    steps = sorted(record["steps"].values(), key=lambda s: s["position"])
    return IssueDetail(issue={k: v for k, v in record.items() if k != "steps"}, steps=steps, history=history)


def _single_issue_record(session: Session, issue: Issue, on: date) -> dict:
    """The board record of one issue, closed or not, built by the same code as the board's rows."""
    settings = _settings(session)
    rule = ColourRule(settings.colour_rule)
    category = session.get(Category, issue.category_id)
    parent = session.get(Category, category.parent_id) if category.parent_id else None
    owner, lead = session.get(Person, issue.owner_id), session.get(Person, issue.lead_id)
    step_rows = session.exec(select(*STEP_COLUMNS).join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
                             .where(IssueStep.issue_id == issue.id).order_by(IssueStep.position)).all()
    return _issue_record(issue, category=category,
                         parent_names=(parent.name_zh, parent.name_en) if parent else (None, None),
                         area=session.get(Area, issue.area_id), owner_names=(owner.name, owner.name_en),
                         lead_names=(lead.name, lead.name_en),
                         steps=[_step_record(row, issue.opened_on, on, rule, settings) for row in step_rows],
                         clocks=_clocks_by_issue(session, Issue.id == issue.id).get(issue.id, []),
                         on=on, settings=settings)


def _issue_record(issue: Issue, *, category: Category, parent_names: tuple, area: Area, owner_names: tuple,
                  lead_names: tuple, steps: list[dict], clocks: list[dict], on: date, settings: Settings) -> dict:
    """One board row: the issue's fields plus what the rules compute from its steps. Response clocks stay
    moments: their state depends on the minute the board is drawn, not on the cached frame's day."""
    worst_days = max((s["days_red"] for s in steps), default=0)
    parent_zh, parent_en = parent_names
    return {
        "id": issue.id, "number": issue.number, "description": issue.description,
        "category_zh": f"{parent_zh}/{category.name_zh}" if parent_zh else category.name_zh,
        "category_en": f"{parent_en}/{category.name_en}" if parent_en else category.name_en,
        "category_kind": category.kind, "area_id": area.id, "area_zh": area.name_zh, "area_en": area.name_en,
        "part_number": issue.part_number, "severity": issue.severity,
        "owner_id": issue.owner_id, "owner": owner_names[0], "owner_en": owner_names[1] or owner_names[0],
        "lead_id": issue.lead_id, "lead": lead_names[0], "lead_en": lead_names[1] or lead_names[0],
        "opened_on": issue.opened_on, "next_report_on": issue.next_report_on, "closed_on": issue.closed_on,
        "version": issue.version, "days_open": rules.days_open(issue.opened_on, on, issue.closed_on),
        "steps": {s["code"]: s for s in steps},
        "overall": rules.overall_status([s["status"] for s in steps]).value,
        "report_overdue": rules.report_overdue(issue.next_report_on, on, issue.closed_on),
        "days_red": worst_days,
        "escalation_level": max(rules.escalation_level(worst_days, settings.escalation_ladders[issue.severity]),
                                issue.escalated_level),
        "on_board": issue.on_board, "received_at": issue.received_at, "clocks": clocks,
    }



# ---------------------------------------------------------------- daily quality status (Q-chart)

def _qchart_days(session: Session, start: date, end: date, area_id: int | None = None) -> dict[tuple, dict]:
    """Colour of each (area, day) between start and end: the facilitator's override, else the day rule."""
    rule = _settings(session).qchart_rule
    kinds: dict[tuple, list[str]] = defaultdict(list)
    opened = select(Issue.area_id, Issue.opened_on, Category.kind, Issue.on_board).join(Category).where(
        Issue.opened_on >= start, Issue.opened_on <= end)
    overridden = select(DailyQualityStatus).where(DailyQualityStatus.day >= start, DailyQualityStatus.day <= end,
                                                  DailyQualityStatus.overridden)
    if area_id is not None:
        opened = opened.where(Issue.area_id == area_id)
        overridden = overridden.where(DailyQualityStatus.area_id == area_id)
    for issue_area, day, kind, on_board in session.exec(opened).all():
        if rules.qchart_counts(kind, on_board, rule):
            kinds[(issue_area, day)].append(kind)
    overrides = {(row.area_id, row.day): row for row in session.exec(overridden).all()}
    result = {}
    for key in set(kinds) | set(overrides):
        override = overrides.get(key)
        result[key] = {"colour": rules.qchart_colour(kinds[key], Status(override.colour) if override else None).value,
                       "overridden": override is not None, "note": override.note if override else ""}
    return result


_GREEN_DAY = {"colour": Status.G.value, "overridden": False, "note": ""}


@query
def quality_status(*, session: Session, on: date | None = None) -> list[dict]:
    """Each area's Q-chart colour for the day: the facilitator's override, else the day rule."""
    on = on or today()
    days = _qchart_days(session, on, on)
    return [{"area_id": area.id, "area_zh": area.name_zh, "area_en": area.name_en,
             **days.get((area.id, on), _GREEN_DAY)}
            for area in session.exec(select(Area).order_by(Area.code)).all()]


@query
def quality_calendar(area_id: int, year: int, month: int, *, session: Session, on: date | None = None) -> list[dict]:
    """One area's Q-chart month: every day with its colour; days after today have none yet."""
    on = on or today()
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    days = _qchart_days(session, first, last, area_id)
    return [{"day": day, **(days.get((area_id, day), _GREEN_DAY) if day <= on
                            else {"colour": None, "overridden": False, "note": ""})}
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))]


@command
def set_quality_status(*, session: Session, actor_id: int, area_id: int, day: date, colour: str | None, note: str,
                       now: datetime | None = None) -> DailyQualityStatus:
    """The facilitator overrides an area's day colour with a note; colour None goes back to the rule."""
    now = _now(now)
    _require_actor(session, actor_id)
    _get(session, Area, area_id, "area")
    day = _date(day, "day")
    if day > rules.plant_today(now, _settings().tz):
        raise ValidationFailed("err.future_date", field="day")
    if colour is not None and colour not in (Status.G.value, Status.Y.value, Status.R.value):
        raise ValidationFailed("err.bad_choice", field="colour")
    note = _text(note, "note", required=colour is not None, limit=REASON_MAX)
    db.insert_ignoring_duplicates(session, DailyQualityStatus, area_id=area_id, day=day, colour=Status.G.value,
                                  note="", overridden=False, set_at=now)    # one row per area and day, also when racing
    row = session.exec(select(DailyQualityStatus).where(DailyQualityStatus.area_id == area_id,
                                                        DailyQualityStatus.day == day)
                       .with_for_update()).one()
    old = row.colour if row.overridden else None
    if old == colour and (colour is None or row.note == note):
        raise ValidationFailed("err.no_change")
    row.colour, row.overridden, row.note = colour or row.colour, colour is not None, note
    row.set_by_id, row.set_at = actor_id, now
    _audit(session, at=now, actor_id=actor_id, entity="quality_status", entity_id=row.id, issue_id=None,
           field_name="colour", old=old, new=colour, reason=f"{day.isoformat()} {note}".strip())
    session.commit()
    return row


# ---------------------------------------------------------------- the daily meeting

class MeetingStale(StaleVersion):
    """Another facilitator changed the meeting after this one loaded it; nothing was written."""


def _require_actor(session: Session, actor_id) -> Person:
    """Meeting commands always name who acted, a facilitator (the system never runs a meeting)."""
    if actor_id is None:
        raise ValidationFailed("err.required", field="actor")
    _authorize(session, actor_id, "run_meeting")
    return _get(session, Person, actor_id, "actor")


def _claim_meeting(session: Session, meeting_id: int, expected_version: int, now: datetime) -> Meeting:
    """Compare-and-set on the meeting's version, as for issues: two facilitators cannot overwrite each other."""
    meeting = _get(session, Meeting, meeting_id, "meeting")
    if not _is_whole_number(expected_version):
        raise ValidationFailed("err.not_number", field="version")
    claimed = session.execute(update(Meeting).where(Meeting.id == meeting_id, Meeting.version == expected_version)
                              .values(version=Meeting.version + 1)
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        last = session.exec(select(AuditEvent, Person.name).join(Person, isouter=True)
                            .where(AuditEvent.entity.in_(("meeting", "attendance")),
                                   AuditEvent.reason == _meeting_reason(meeting))
                            .order_by(AuditEvent.id.desc()).limit(1)).first()
        who, when = (last[1] or "—", last[0].at) if last else ("—", meeting.started_at)
        raise MeetingStale("err.meeting_stale", who=who,
                           when=when.astimezone(_settings().tz).strftime("%Y-%m-%d %H:%M"))
    meeting = session.exec(select(Meeting).where(Meeting.id == meeting_id)
                           .execution_options(populate_existing=True)).one()
    _require_running(meeting)
    return meeting


def _require_running(meeting: Meeting) -> None:
    if meeting.ended_at is not None:
        raise ValidationFailed("err.meeting_ended")


def _meeting_reason(meeting: Meeting) -> str:
    """What every audit event of a meeting names as its reason: the meeting, readable in an issue's history."""
    return f"meeting {meeting.held_on.isoformat()} #{meeting.id}"


def _meeting_event(session, meeting: Meeting, *, actor_id, now, field_name, old, new, entity="meeting",
                   entity_id=None) -> None:
    _audit(session, at=now, actor_id=actor_id, entity=entity, entity_id=entity_id or meeting.id, issue_id=None,
           field_name=field_name, old=old, new=new, reason=_meeting_reason(meeting))


@command
def start_meeting(*, session: Session, actor_id: int, area_id: int, now: datetime | None = None) -> Meeting:
    """Today's meeting of the area, its sign-in sheet listing the area's people (all absent until signed in)."""
    now = _now(now)
    facilitator = _require_actor(session, actor_id)
    area = _get(session, Area, area_id, "area")
    held_on = rules.plant_today(now, _settings().tz)
    existing = session.exec(select(Meeting, Person.name).join(Person, Meeting.facilitator_id == Person.id)
                            .where(Meeting.area_id == area_id, Meeting.held_on == held_on)).first()
    if existing is not None:
        raise ValidationFailed("err.meeting_exists", area=area.name_zh, area_en=area.name_en, who=existing[1])
    meeting = Meeting(area_id=area_id, held_on=held_on, facilitator_id=facilitator.id, started_at=now)
    session.add(meeting)
    try:
        session.flush()
    except IntegrityError:                      # another facilitator started it a moment ago (PostgreSQL)
        session.rollback()
        raise ValidationFailed("err.meeting_exists", area=area.name_zh, area_en=area.name_en, who="—") from None
    members = session.exec(select(Person.id).where(Person.area_id == area_id, Person.active)
                           .order_by(Person.id)).all()
    session.add_all(MeetingAttendance(meeting_id=meeting.id, person_id=person_id) for person_id in members)
    _meeting_event(session, meeting, actor_id=actor_id, now=now, field_name="started", old=None,
                   new=f"{area.code} {held_on.isoformat()}")
    session.commit()
    return meeting


@command
def sign_in(*, session: Session, actor_id: int, meeting_id: int, statuses: dict[int, str], expected_version: int,
            now: datetime | None = None) -> Meeting:
    """The sign-in sheet saved at once: status per attendance line (present, late, excused, absent)."""
    now = _now(now)
    _require_actor(session, actor_id)
    meeting = _claim_meeting(session, meeting_id, expected_version, now)
    lines = {line.id: line for line in session.exec(select(MeetingAttendance)
                                                    .where(MeetingAttendance.meeting_id == meeting.id)).all()}
    for line_id, status in statuses.items():
        line_id = _plain(line_id)
        if line_id not in lines:
            raise NotFound("err.not_found", field="attendee", value=str(line_id))
        if status not in rules.ATTENDANCE_STATUSES:
            raise ValidationFailed("err.bad_choice", field="attendance")
        line = lines[line_id]
        if line.status != status:
            _meeting_event(session, meeting, actor_id=actor_id, now=now, field_name="status", old=line.status,
                           new=status, entity="attendance", entity_id=line.id)
            line.status = status
    _commit_change(session)
    return meeting


@command
def add_guest(*, session: Session, actor_id: int, meeting_id: int, name: str, expected_version: int,
              status: str = "present", now: datetime | None = None) -> MeetingAttendance:
    """A guest (another area, a supplier, a customer) signs in too; guests do not count in the rate."""
    now = _now(now)
    _require_actor(session, actor_id)
    meeting = _claim_meeting(session, meeting_id, expected_version, now)
    name = _text(name, "guest_name", required=True, limit=100)
    if status not in rules.ATTENDANCE_STATUSES:
        raise ValidationFailed("err.bad_choice", field="attendance")
    line = MeetingAttendance(meeting_id=meeting.id, guest=True, guest_name=name, status=status)
    session.add(line)
    session.flush()
    _meeting_event(session, meeting, actor_id=actor_id, now=now, field_name="guest", old=None, new=name,
                   entity="attendance", entity_id=line.id)
    session.commit()
    return line


@command
def end_meeting(*, session: Session, actor_id: int, meeting_id: int, expected_version: int,
                now: datetime | None = None) -> Meeting:
    """The meeting's end fixes its duration and the window of the next meeting's 'changed since'."""
    now = _now(now)
    _require_actor(session, actor_id)
    meeting = _claim_meeting(session, meeting_id, expected_version, now)
    meeting.ended_at = now
    _meeting_event(session, meeting, actor_id=actor_id, now=now, field_name="ended", old=None,
                   new=now.isoformat(timespec="seconds"))
    session.commit()
    return meeting


@command
def review_issue(*, session: Session, actor_id: int, issue_id: int, on_board: bool, expected_version: int,
                 now: datetime | None = None) -> Issue:
    """24-hour review: the facilitator promotes a new issue to the board or keeps it on the tracking list."""
    now = _now(now)
    _require_actor(session, actor_id)
    issue = _claim_version(session, issue_id, expected_version, now)
    if not isinstance(on_board, bool):
        raise ValidationFailed("err.bad_choice", field="on_board")
    if issue.on_board != on_board:
        _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
               field_name="on_board", old=issue.on_board, new=on_board, reason="24h review")
        issue.on_board = on_board
    _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
           field_name="reviewed_at", old=issue.reviewed_at, new=now.isoformat(timespec="seconds"),
           reason="24h review")
    issue.reviewed_at = now
    _commit_change(session)
    return issue


@command
def record_report(*, session: Session, actor_id: int, meeting_id: int, issue_id: int,
                  now: datetime | None = None) -> MeetingReport:
    """The issue was reported at this meeting (presenter mode moved past it); once per meeting and issue."""
    now = _now(now)
    _require_actor(session, actor_id)
    meeting = _get(session, Meeting, meeting_id, "meeting")
    _require_running(meeting)
    issue = _get(session, Issue, issue_id, "issue")
    session.execute(update(Meeting).where(Meeting.id == meeting.id).values(version=Meeting.version)
                    .execution_options(synchronize_session=False))     # row lock: two clicks record once
    reported = session.exec(select(MeetingReport).where(MeetingReport.meeting_id == meeting.id,
                                                        MeetingReport.issue_id == issue.id)).first()
    if reported is not None:
        return reported
    position = session.exec(select(func.count()).select_from(MeetingReport)
                            .where(MeetingReport.meeting_id == meeting.id)).one() + 1
    report = MeetingReport(meeting_id=meeting.id, issue_id=issue.id, position=position, reported_at=now)
    session.add(report)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="meeting", entity_id=meeting.id, issue_id=None,
           field_name="reported", old=None, new=issue.number, reason=_meeting_reason(meeting))
    session.commit()
    return report


def _decision_command(session: Session, *, actor_id, meeting_id, issue_id, expected_version, now):
    """Common start of a decision: a running meeting, the issue's version claimed, the issue still open."""
    _require_actor(session, actor_id)
    meeting = _get(session, Meeting, meeting_id, "meeting")
    _require_running(meeting)
    issue = _claim_version(session, issue_id, expected_version, now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    return meeting, issue


def _add_decision(session, meeting, issue, *, actor_id, now, kind, field_name, old, new, **values) -> MeetingDecision:
    decision = MeetingDecision(meeting_id=meeting.id, issue_id=issue.id, kind=kind, decided_by_id=actor_id,
                               decided_at=now, **values)
    session.add(decision)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="decision", entity_id=decision.id, issue_id=issue.id,
           field_name=field_name, old=old, new=new, reason=_meeting_reason(meeting))
    return decision


@command
def decide_next_report(*, session: Session, actor_id: int, meeting_id: int, issue_id: int, next_report_on: date,
                       expected_version: int, now: datetime | None = None) -> MeetingDecision:
    """The meeting agrees the owner's next report date (the same rule as set_next_report)."""
    now = _now(now)
    meeting, issue = _decision_command(session, actor_id=actor_id, meeting_id=meeting_id, issue_id=issue_id,
                                       expected_version=expected_version, now=now)
    old = issue.next_report_on
    if _date(next_report_on, "next_report_on") == old:
        raise ValidationFailed("err.no_change")
    _set_next_report(session, issue, next_report_on, actor_id=actor_id, now=now,
                     reason=_meeting_reason(meeting))
    decision = _add_decision(session, meeting, issue, actor_id=actor_id, now=now, kind="next_report",
                             field_name="decision_next_report", old=old, new=issue.next_report_on,
                             next_report_on=issue.next_report_on)
    session.commit()
    return decision


@command
def decide_action(*, session: Session, actor_id: int, meeting_id: int, issue_id: int, action: str, owner_id: int,
                  due_on: date, expected_version: int, now: datetime | None = None) -> MeetingDecision:
    """An action the meeting gives someone, with its due date."""
    now = _now(now)
    meeting, issue = _decision_command(session, actor_id=actor_id, meeting_id=meeting_id, issue_id=issue_id,
                                       expected_version=expected_version, now=now)
    action = _text(action, "action", required=True, limit=TEXT_MAX)
    owner = _get(session, Person, owner_id, "owner")
    due_on = _date(due_on, "due_on")
    if due_on < meeting.held_on:
        raise ValidationFailed("err.past_date", field="due_on")
    decision = _add_decision(session, meeting, issue, actor_id=actor_id, now=now, kind="action",
                             field_name="decision_action", old=None,
                             new=f"{action} ({owner.name}, {due_on.isoformat()})",
                             action=action, action_owner_id=owner.id, due_on=due_on)
    session.commit()
    return decision


@command
def decide_escalation(*, session: Session, actor_id: int, meeting_id: int, issue_id: int, level: int,
                      expected_version: int, now: datetime | None = None) -> MeetingDecision:
    """Escalate now, whatever the days red say: the board shows the higher of the two levels."""
    now = _now(now)
    meeting, issue = _decision_command(session, actor_id=actor_id, meeting_id=meeting_id, issue_id=issue_id,
                                       expected_version=expected_version, now=now)
    top = _settings(session).top_escalation_level
    if not _is_whole_number(level) or not 1 <= level <= top:
        raise ValidationFailed("err.bad_choice", field="escalated_level")
    if level <= issue.escalated_level:
        raise ValidationFailed("err.no_change")
    old = issue.escalated_level
    issue.escalated_level = level
    _audit(session, at=now, actor_id=actor_id, entity="issue", entity_id=issue.id, issue_id=issue.id,
           field_name="escalated_level", old=old, new=level, reason=_meeting_reason(meeting))
    decision = _add_decision(session, meeting, issue, actor_id=actor_id, now=now, kind="escalate",
                             field_name="decision_escalate", old=old, new=level, escalated_level=level)
    session.commit()
    return decision


@command
def save_report_order(*, session: Session, actor_id: int, area_id: int, issue_ids: list[int],
                      now: datetime | None = None) -> None:
    """The area's reporting order: the listed issues first, in that order; the others follow by default."""
    now = _now(now)
    _require_actor(session, actor_id)
    _get(session, Area, area_id, "area")
    ids = [_plain(i) for i in issue_ids]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("err.bad_choice", field="issue")
    saved = {row.issue_id: row for row in session.exec(select(ReportOrder).where(ReportOrder.area_id == area_id))}
    for position, issue_id in enumerate(ids, start=1):
        issue = _get(session, Issue, issue_id, "issue")
        if issue.area_id != area_id:
            raise NotFound("err.not_found", field="issue", value=issue.number)
        row = saved.pop(issue_id, None) or ReportOrder(area_id=area_id, issue_id=issue_id, position=0)
        row.position = position
        session.add(row)
    for position, row in enumerate(sorted(saved.values(), key=lambda r: r.position), start=len(ids) + 1):
        row.position = position                 # unlisted ones keep their relative order after the listed
    _audit(session, at=now, actor_id=actor_id, entity="area", entity_id=area_id, issue_id=None,
           field_name="report_order", old=None, new=",".join(str(i) for i in ids))
    session.commit()


@query
def meeting_on(area_id: int, held_on: date, *, session: Session) -> dict | None:
    """The area's meeting of that day, if it was started."""
    row = session.exec(select(Meeting, Person.name, Person.name_en).join(Person, Meeting.facilitator_id == Person.id)
                       .where(Meeting.area_id == area_id, Meeting.held_on == held_on)).first()
    if row is None:
        return None
    meeting, name, name_en = row
    return {**meeting.model_dump(), "facilitator": name, "facilitator_en": name_en or name}


@query
def sign_in_sheet(meeting_id: int, *, session: Session) -> list[dict]:
    """The sign-in sheet: members in the order they were listed, then guests."""
    rows = session.exec(select(MeetingAttendance, Person.name, Person.name_en)
                        .join(Person, MeetingAttendance.person_id == Person.id, isouter=True)
                        .where(MeetingAttendance.meeting_id == meeting_id)
                        .order_by(MeetingAttendance.guest, MeetingAttendance.id)).all()
    return [{"id": line.id, "person_id": line.person_id, "guest": line.guest, "status": line.status,
             "name": name or line.guest_name, "name_en": name_en or name or line.guest_name}
            for line, name, name_en in rows]


@query
def attendance_rates(person_ids: list[int], *, session: Session,
                     area_id: int | None = None) -> dict[int, float]:
    """Each member's attendance rate over the meetings that listed them (guests excluded)."""
    statement = (select(MeetingAttendance.person_id, MeetingAttendance.status).join(Meeting)
                 .where(MeetingAttendance.person_id.in_([_plain(i) for i in person_ids]), ~MeetingAttendance.guest))
    if area_id is not None:
        statement = statement.where(Meeting.area_id == area_id)
    rows = session.exec(statement).all()
    statuses: dict[int, list[str]] = defaultdict(list)
    for person_id, status in rows:
        statuses[person_id].append(status)
    return {person_id: rules.attendance_rate(found) for person_id, found in statuses.items()}


@query
def review_list(area_id: int, *, session: Session, now: datetime | None = None) -> list[dict]:
    """The 24-hour review: the area's issues created in the last 24 hours, on the board or the list."""
    now = _now(now)
    rule = _settings(session).admission_rule
    rows = session.exec(select(Issue, Category).join(Category)
                        .where(Issue.area_id == area_id, Issue.created_at >= now - timedelta(hours=24))
                        .order_by(Issue.created_at)).all()
    return [{"id": issue.id, "number": issue.number, "description": issue.description, "severity": issue.severity,
             "category_zh": category.name_zh, "category_en": category.name_en, "category_kind": category.kind,
             "on_board": issue.on_board, "reviewed": issue.reviewed_at is not None, "version": issue.version,
             "proposed_on_board": rules.admitted_to_board(issue.severity, category.kind, rule)}
            for issue, category in rows]


@query
def reporting_order(area_id: int, *, session: Session, on: date | None = None) -> pd.DataFrame:
    """The area's open board issues in reporting order: the saved order, then by owner and worst status."""
    frame = board_frame(session=session, on=on)
    frame = frame[frame["area_id"] == area_id]
    saved = dict(session.exec(select(ReportOrder.issue_id, ReportOrder.position)
                              .where(ReportOrder.area_id == area_id)).all())
    return meeting_rules.reporting_order(frame, saved)


def _change_window(session: Session, meeting: Meeting, now: datetime) -> tuple[datetime, datetime]:
    """From the end of the area's previous meeting (or 24 hours before this one) to this one's end or now."""
    previous = session.exec(select(Meeting).where(Meeting.area_id == meeting.area_id,
                                                  Meeting.held_on < meeting.held_on)
                            .order_by(Meeting.held_on.desc()).limit(1)).first()
    since = (previous.ended_at or previous.started_at) if previous else meeting.started_at - timedelta(hours=24)
    return since, meeting.ended_at or now


@query
def meeting_changes(meeting_id: int, *, session: Session, now: datetime | None = None) -> dict[int, list[dict]]:
    """What changed on each of the area's issues since its previous meeting, from the audit trail, oldest first
    (moments in the plant's zone)."""
    meeting = _get(session, Meeting, meeting_id, "meeting")
    tz = _settings().tz
    since, until = _change_window(session, meeting, _now(now))
    actor = aliased(Person)
    events = session.exec(select(AuditEvent, actor.name, actor.name_en)
                          .join(actor, AuditEvent.actor_id == actor.id, isouter=True)
                          .join(Issue, AuditEvent.issue_id == Issue.id)
                          .where(Issue.area_id == meeting.area_id, AuditEvent.at > since, AuditEvent.at <= until,
                                 AuditEvent.entity != "decision")        # decisions are listed as such
                          .order_by(AuditEvent.id)).all()
    changes: dict[int, list[dict]] = defaultdict(list)
    for event, name, name_en in events:
        changes[event.issue_id].append({"at": event.at.astimezone(tz), "actor": name or "—", "actor_en": name_en or name or "—",
                                        "entity": event.entity, "entity_id": event.entity_id,
                                        "field": event.field, "old": event.old,
                                        "new": event.new, "reason": event.reason})
    return dict(changes)


@query
def meeting_decisions(meeting_id: int, *, session: Session) -> list[dict]:
    """The meeting's decisions in the order taken, with the issue number and the action owner's names."""
    owner = aliased(Person)
    rows = session.exec(select(MeetingDecision, Issue.number, owner.name, owner.name_en)
                        .join(Issue, MeetingDecision.issue_id == Issue.id)
                        .join(owner, MeetingDecision.action_owner_id == owner.id, isouter=True)
                        .where(MeetingDecision.meeting_id == meeting_id).order_by(MeetingDecision.id)).all()
    return [{**decision.model_dump(), "number": number, "action_owner": name,
             "action_owner_en": name_en or name} for decision, number, name, name_en in rows]


@dataclass
class Minutes:
    """Everything the minutes of one meeting say, in plain values for the PDF, the workbook and the page."""

    held_on: date
    area_code: str
    area_zh: str
    area_en: str
    facilitator: str
    facilitator_en: str
    started_at: datetime
    ended_at: datetime | None
    duration_minutes: int
    attendance: list[dict]
    attendance_rate: float | None
    items: list[dict]


@query
def meeting_minutes(meeting_id: int, *, session: Session, now: datetime | None = None) -> Minutes:
    """Date, area, facilitator, attendance, each issue reported with its changes and decisions, duration."""
    now = _now(now)
    tz = _settings().tz
    meeting = _get(session, Meeting, meeting_id, "meeting")
    area = session.get(Area, meeting.area_id)
    facilitator = session.get(Person, meeting.facilitator_id)
    sheet = sign_in_sheet(meeting.id, session=session)
    changes = meeting_changes(meeting.id, session=session, now=now)
    decisions: dict[int, list[dict]] = defaultdict(list)
    for decision in meeting_decisions(meeting.id, session=session):
        decisions[decision["issue_id"]].append(decision)
    reported = list(session.exec(select(MeetingReport.issue_id).where(MeetingReport.meeting_id == meeting.id)
                                 .order_by(MeetingReport.position)).all())
    issue_ids = reported + [i for i in decisions if i not in reported]
    items = []
    for issue_id in issue_ids:
        issue = session.get(Issue, issue_id)
        record = _single_issue_record(session, issue, meeting.held_on)
        items.append({"number": issue.number, "description": issue.description, "owner": record["owner"],
                      "owner_en": record["owner_en"], "overall": record["overall"],
                      "next_report_on": issue.next_report_on, "reported": issue_id in reported,
                      "step_names": {s["id"]: (s["name_zh"], s["name_en"]) for s in record["steps"].values()},
                      "changes": changes.get(issue_id, []),
                      "decisions": decisions.get(issue_id, [])})
    ended = meeting.ended_at or now
    return Minutes(held_on=meeting.held_on, area_code=area.code, area_zh=area.name_zh, area_en=area.name_en,
                   facilitator=facilitator.name, facilitator_en=facilitator.name_en or facilitator.name,
                   started_at=meeting.started_at.astimezone(tz),
                   ended_at=meeting.ended_at.astimezone(tz) if meeting.ended_at else None,
                   duration_minutes=round((ended - meeting.started_at).total_seconds() / 60),
                   attendance=sheet,
                   attendance_rate=rules.attendance_rate([line["status"] for line in sheet if not line["guest"]]),
                   items=items)


@query
def meeting_attendance_frame(*, session: Session, start: date, end: date, area_id: int | None = None) -> pd.DataFrame:
    """Sign-in lines of the meetings held from start to end (members only), for the attendance KPI."""
    statement = (select(Meeting.held_on, Meeting.area_id, MeetingAttendance.person_id, MeetingAttendance.status)
                 .join(Meeting, MeetingAttendance.meeting_id == Meeting.id)
                 .where(Meeting.held_on >= start, Meeting.held_on <= end, ~MeetingAttendance.guest)
                 .order_by(Meeting.held_on, Meeting.area_id, MeetingAttendance.person_id))
    if area_id is not None:
        statement = statement.where(Meeting.area_id == area_id)
    frame = pd.DataFrame(session.exec(statement).all(), columns=["meeting_on", "area_id", "person_id", "status"])
    frame["attended"] = frame["status"].isin(rules.ATTENDED).astype(bool)
    return frame


# ---------------------------------------------------------------- Trends

TREND_ISSUE_COLUMNS = ["id", "number", "description", "category_id", "category_zh", "category_en", "area_id",
                       "area_zh", "area_en", "severity", "owner_id", "owner", "owner_en", "opened_on", "closed_on"]
TREND_STEP_COLUMNS = ["id", "issue_id", "position", "code", "name_zh", "name_en", "state", "target_on",
                      "completed_on", "marked_worse", "marked_worse_on"]
TREND_HISTORY_COLUMNS = ["issue_id", "entity", "entity_id", "field", "old", "new", "at"]
_REOPENED = (AuditEvent.entity == "issue") & (AuditEvent.field == "closed_on") & AuditEvent.new.is_(None)


def _still_relevant(since: date | None):
    """Issues that can change a KPI from `since` on: open, closed since then, or ever reopened (an issue
    closed before and never reopened has all its events, steps included, before that day)."""
    if since is None:
        return sa.true()
    return (Issue.closed_on.is_(None) | (Issue.closed_on >= since)
            | Issue.id.in_(select(AuditEvent.issue_id).where(_REOPENED)))


def _frame(session: Session, statement, columns: list[str]) -> pd.DataFrame:
    """Rows of a Core statement as a frame, column by column: a million rows without per-row objects."""
    rows = session.connection().execute(statement).all()
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    return pd.DataFrame(dict(zip(columns, zip(*rows))), columns=columns)


@query
def trends_issues(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """Every issue that counts from `since` on, closed ones too, named by its top-level category."""
    parent, owner = aliased(Category), aliased(Person)
    return _frame(session, sa.select(
        Issue.id, Issue.number, Issue.description, func.coalesce(parent.id, Category.id),
        func.coalesce(parent.name_zh, Category.name_zh), func.coalesce(parent.name_en, Category.name_en),
        Issue.area_id, Area.name_zh, Area.name_en, Issue.severity, Issue.owner_id, owner.name, owner.name_en,
        Issue.opened_on, Issue.closed_on)
        .join(Category, Issue.category_id == Category.id)
        .join(parent, Category.parent_id == parent.id, isouter=True)
        .join(Area, Issue.area_id == Area.id)
        .join(owner, Issue.owner_id == owner.id)
        .where(_still_relevant(since)), TREND_ISSUE_COLUMNS)


@query
def trends_steps(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The steps of those issues, with the dates that decide a step's colour on a past day."""
    return _frame(session, sa.select(
        IssueStep.id, IssueStep.issue_id, IssueStep.position, TemplateStep.code, TemplateStep.name_zh,
        TemplateStep.name_en, IssueStep.state, IssueStep.target_on, IssueStep.completed_on,
        IssueStep.marked_worse, IssueStep.marked_worse_on)
        .join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
        .join(Issue, IssueStep.issue_id == Issue.id)
        .where(_still_relevant(since)), TREND_STEP_COLUMNS)


@query
def trends_history(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The audit events of those issues that change what a past day looked like: reopenings, steps set N/A."""
    set_na = (AuditEvent.entity == "step") & (AuditEvent.field == "state") & (AuditEvent.new == StepState.NA.value)
    return _frame(session, sa.select(
        AuditEvent.issue_id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.field, AuditEvent.old,
        AuditEvent.new, AuditEvent.at)
        .join(Issue, AuditEvent.issue_id == Issue.id)
        .where(_REOPENED | set_na, _still_relevant(since)).order_by(AuditEvent.id), TREND_HISTORY_COLUMNS)


# ---------------------------------------------------------------- the board's configurable rules

MAX_WARNING_DAYS = 30


def default_setting_values() -> dict[str, object]:
    """The code defaults (DESIGN.md §2) as JSON values: what a new plant starts with."""
    settings = Settings()
    return {"colour_rule": settings.colour_rule, "warning_days": settings.warning_days,
            "escalation_ladders": {severity: [list(step) for step in ladder]
                                   for severity, ladder in settings.escalation_ladders.items()},
            "admission_rule": {"severities": sorted(settings.admission_rule.severities),
                               "kinds": sorted(settings.admission_rule.kinds)},
            "qchart_rule": {"external_on_board_only": settings.qchart_rule.external_on_board_only,
                            "internal_on_board_only": settings.qchart_rule.internal_on_board_only}}


def _configured(settings: Settings, stored: dict[str, object]) -> Settings:
    """The environment's settings with the stored rules in place of the code defaults."""
    values = {**default_setting_values(), **stored}
    return replace(settings, colour_rule=values["colour_rule"], warning_days=values["warning_days"],
                   escalation_ladders={severity: tuple(tuple(step) for step in ladder)
                                       for severity, ladder in values["escalation_ladders"].items()},
                   admission_rule=AdmissionRule(severities=frozenset(values["admission_rule"]["severities"]),
                                                kinds=frozenset(values["admission_rule"]["kinds"])),
                   qchart_rule=rules.QChartRule(**values["qchart_rule"]))


def _checked_setting(key: str, value):
    """The value in its stored shape, or a refusal saying what is wrong with it."""
    if key == "colour_rule":
        if value not in (ColourRule.GM.value, ColourRule.START.value):
            raise ValidationFailed("err.bad_choice", field="colour_rule")
        return value
    if key == "warning_days":
        if not _is_whole_number(value) or not 0 <= value <= MAX_WARNING_DAYS:
            raise ValidationFailed("err.warning_days", limit=MAX_WARNING_DAYS)
        return value
    if key == "escalation_ladders":
        if not isinstance(value, dict) or set(value) != set(rules.SEVERITY):
            raise ValidationFailed("err.bad_choice", field="escalation_ladders")
        ladders = {}
        for severity in rules.SEVERITY:
            ladder = [tuple(_plain(v) for v in step) for step in value[severity]]
            if any(len(step) != 2 for step in ladder):
                raise ValidationFailed("err.ladder_numbers", severity=severity)
            problem = rules.ladder_problem(ladder)
            if problem:
                raise ValidationFailed(problem, severity=severity)
            ladders[severity] = [list(step) for step in ladder]
        return ladders
    if key == "admission_rule":
        severities, kinds = value.get("severities", []), value.get("kinds", [])
        if not set(severities) <= set(rules.SEVERITY) or not set(kinds) <= set(CATEGORY_KINDS):
            raise ValidationFailed("err.bad_choice", field="admission_rule")
        return {"severities": sorted(set(severities)), "kinds": sorted(set(kinds))}
    if key == "qchart_rule":
        names = ("external_on_board_only", "internal_on_board_only")
        if not isinstance(value, dict) or set(value) != set(names) or not all(isinstance(value[n], bool) for n in names):
            raise ValidationFailed("err.bad_choice", field="qchart_rule")
        return {name: value[name] for name in names}
    raise NotFound("err.not_found", field="setting", value=str(key))


@query
def board_settings(*, session: Session) -> Settings:
    """The settings the board runs on: environment plus the configured rules."""
    return _settings(session)


@query
def setting_values(*, session: Session) -> dict[str, object]:
    """Every configurable rule's current value (stored, else the default), for the admin page."""
    return {**default_setting_values(),
            **{row.key: json.loads(row.value) for row in session.exec(select(BoardSetting)).all()}}


@command
def install_default_settings(*, session: Session, now: datetime | None = None) -> None:
    """Write the default of every rule not stored yet (first start), so each later change has an old value."""
    now = _now(now)
    stored = set(session.exec(select(BoardSetting.key)).all())
    for key, value in default_setting_values().items():
        if key not in stored:
            session.add(BoardSetting(key=key, value=json.dumps(value), updated_at=now))
    session.commit()


@command
def configure(*, session: Session, actor_id: int | None, key: str, value, now: datetime | None = None) -> None:
    """Change one of the board's rules; the old and new values go to the audit trail."""
    now = _now(now)
    _authorize(session, actor_id, "configure")
    value = _checked_setting(key, value)
    row = session.get(BoardSetting, key)
    old = row.value if row is not None else json.dumps(default_setting_values()[key])
    new = json.dumps(value)
    if json.loads(old) == value:
        raise ValidationFailed("err.no_change")
    if row is None:
        row = BoardSetting(key=key, value=new, updated_at=now)
    row.value, row.updated_at, row.version = new, now, (row.version or 0) + 1
    session.add(row)
    _audit(session, at=now, actor_id=actor_id, entity="setting", entity_id=0, issue_id=None, field_name=key,
           old=old, new=new)
    session.commit()


@command
def update_template_step(*, session: Session, actor_id: int | None, template_step_id: int, name_zh: str,
                         name_en: str, short_zh: str, short_en: str, eight_d: str, guide_limit_days: int,
                         may_be_na: bool, apply_to_open: bool = False, reason: str = "",
                         now: datetime | None = None) -> TemplateStep:
    """Names, 8D mapping, guide limit and N/A of a template step. Issues already open keep their target dates
    unless `apply_to_open`: then their open steps move to the new limit, each move audited with the reason."""
    now = _now(now)
    _authorize(session, actor_id, "configure")
    template_step = _get(session, TemplateStep, template_step_id, "step")
    spec = _checked_step(StepSpec(template_step.code, name_zh, name_en, short_zh, short_en, eight_d,
                                  guide_limit_days, may_be_na))
    for name in ("name_zh", "name_en", "short_zh", "short_en", "eight_d", "guide_limit_days", "may_be_na"):
        old, new = getattr(template_step, name), getattr(spec, name)
        if old != new:
            setattr(template_step, name, new)
            _audit(session, at=now, actor_id=actor_id, entity="templatestep", entity_id=template_step.id,
                   issue_id=None, field_name=name, old=old, new=new, reason=reason)
    if apply_to_open:
        reason = _text(reason, "reason", required=True, limit=REASON_MAX)
        rows = session.exec(select(IssueStep, Issue).join(Issue, IssueStep.issue_id == Issue.id)
                            .where(IssueStep.template_step_id == template_step.id, Issue.closed_on.is_(None),
                                   IssueStep.state == StepState.OPEN.value)).all()
        for step, issue in rows:
            target_on = issue.opened_on + timedelta(days=spec.guide_limit_days)
            if step.target_on != target_on:
                _set(session, step, "target_on", target_on, actor_id=actor_id, now=now, reason=reason)
                issue.version += 1
                issue.updated_at = now
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.commit()
    return template_step


# ---------------------------------------------------------------- accounts and sign-in

USERNAME_MAX = 60
LOCKOUT_ATTEMPTS = 5
LOCKOUT_MINUTES = 15


@dataclass(frozen=True)
class SignedIn:
    """Who is using the app: the person (every write is recorded for them) and their role."""

    person_id: int
    name: str
    name_en: str
    username: str
    role: str


def _signed_in(account: Account, person: Person) -> SignedIn:
    return SignedIn(person_id=person.id, name=person.name, name_en=person.name_en or person.name,
                    username=account.username, role=account.role)


def _new_password(password) -> str:
    if not isinstance(password, str) or len(password) < passwords.MIN_LENGTH:
        raise ValidationFailed("err.password_short", limit=passwords.MIN_LENGTH)
    if len(password) > 200 or "\x00" in password:
        raise ValidationFailed("err.too_long", field="password", limit=200)
    return passwords.hash_password(password)


def _role_choice(role) -> str:
    if role not in rules.ROLES:
        raise ValidationFailed("err.bad_choice", field="role")
    return role


def _account_of(session: Session, person_id: int) -> Account:
    account = session.exec(select(Account).where(Account.person_id == person_id)).first()
    if account is None:
        raise NotFound("err.not_found", field="account", value=str(person_id))
    return account


@command
def create_account(*, session: Session, actor_id: int | None, person_id: int, username: str, role: str,
                   password: str | None = None, now: datetime | None = None) -> Account:
    """A person's account: a password for local sign-in, or none for single sign-on only (matched by e-mail)."""
    _authorize(session, actor_id, "manage_users")
    account = _add_account(session, actor_id, _get(session, Person, person_id, "person"), username, role, password,
                           _now(now))
    session.commit()
    return account


def _add_account(session: Session, actor_id, person: Person, username, role, password, now) -> Account:
    username = _text(username, "username", required=True, limit=USERNAME_MAX).lower()
    _require_unique(session, Account.username, username, "username")
    _require_unique(session, Account.person_id, person.id, "person")
    account = Account(person_id=person.id, username=username, role=_role_choice(role), created_at=now,
                      password_hash=None if password is None else _new_password(password))
    session.add(account)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity="account", entity_id=account.id, issue_id=None,
           field_name="created", old=None, new=f"{username} ({account.role})")
    return account


@command
def create_admin(*, session: Session, username: str, name: str, email: str, password: str,
                 now: datetime | None = None) -> Account:
    """The first administrator (python -m qr create-admin): a person and an admin account, both or neither."""
    now = _now(now)
    person = Person(name=_text(name, "name", required=True, limit=100), name_en=_text(name, "name", required=True,
                                                                                     limit=100),
                    email=_text(email, "email", required=True, limit=200))
    _require_unique(session, Person.email, person.email, "email")
    _add_config(session, person, None, now, person.name, commit=False)
    account = _add_account(session, None, person, username, "admin", password, now)
    session.commit()
    return account


@command
def set_role(*, session: Session, actor_id: int | None, person_id: int, role: str,
             now: datetime | None = None) -> Account:
    """An admin changes what a person may do; the last active admin is kept, so the board stays administrable."""
    now = _now(now)
    _authorize(session, actor_id, "manage_users")
    account = _account_of(session, person_id)
    role = _role_choice(role)
    if account.role == role:
        raise ValidationFailed("err.no_change")
    if account.role == "admin" and session.exec(select(func.count()).select_from(Account).where(
            Account.role == "admin", Account.active)).one() <= 1:
        raise ValidationFailed("err.last_admin")
    _audit(session, at=now, actor_id=actor_id, entity="account", entity_id=account.id, issue_id=None,
           field_name="role", old=account.role, new=role)
    account.role = role
    session.commit()
    return account


@command
def reset_password(*, session: Session, actor_id: int | None, person_id: int, new_password: str,
                   now: datetime | None = None) -> Account:
    """An admin sets a new password (the person forgot it) and lifts a lockout."""
    now = _now(now)
    _authorize(session, actor_id, "manage_users")
    account = _account_of(session, person_id)
    account.password_hash = _new_password(new_password)
    account.failed_attempts, account.locked_until = 0, None
    _audit(session, at=now, actor_id=actor_id, entity="account", entity_id=account.id, issue_id=None,
           field_name="password_reset", old=None, new=None)     # never the password, not even its hash
    session.commit()
    return account


@command
def change_password(*, session: Session, actor_id: int, current_password: str, new_password: str,
                    now: datetime | None = None) -> Account:
    """A signed-in person changes their own password, proving the current one first."""
    now = _now(now)
    _get(session, Person, actor_id, "actor")
    account = _account_of(session, actor_id)
    if not passwords.verify_password(account.password_hash, current_password or ""):
        raise SignInRefused("err.password_wrong")
    account.password_hash = _new_password(new_password)
    _audit(session, at=now, actor_id=actor_id, entity="account", entity_id=account.id, issue_id=None,
           field_name="password_changed", old=None, new=None)
    session.commit()
    return account


@command
def authenticate(*, session: Session, username: str, password: str, now: datetime | None = None) -> SignedIn:
    """Local sign-in. Five wrong passwords in a row lock the account for 15 minutes; a locked account is refused
    even with the right password. Failures are committed before the refusal is raised."""
    now = _now(now)
    name = (username or "").strip().lower() if isinstance(username, str) else ""
    row = session.exec(select(Account, Person).join(Person, Account.person_id == Person.id)
                       .where(Account.username == name)).first()
    if row is None or not row[0].active or not row[1].active:
        passwords.verify_password(None, password or "")
        raise SignInRefused("err.sign_in_failed")
    account, person = row
    if account.locked_until is not None and account.locked_until > now:
        minutes = max(1, -(-int((account.locked_until - now).total_seconds()) // 60))
        raise SignInRefused("err.locked", minutes=minutes)
    if passwords.verify_password(account.password_hash, password if isinstance(password, str) else ""):
        account.failed_attempts, account.locked_until = 0, None
        session.commit()
        return _signed_in(account, person)
    account.failed_attempts += 1
    locked = rules.lockout_until(account.failed_attempts, now, LOCKOUT_ATTEMPTS, LOCKOUT_MINUTES)
    if locked is not None:
        account.failed_attempts, account.locked_until = 0, locked
        _audit(session, at=now, actor_id=person.id, entity="account", entity_id=account.id, issue_id=None,
               field_name="locked_until", old=None, new=locked.isoformat(timespec="seconds"))
    session.commit()
    if locked is not None:
        raise SignInRefused("err.locked", minutes=LOCKOUT_MINUTES)
    raise SignInRefused("err.sign_in_failed")


@query
def signed_in_by_email(email: str, *, session: Session) -> SignedIn | None:
    """Single sign-on: the identity provider's e-mail names the person; without an account they may only read."""
    if not isinstance(email, str) or not email.strip():
        return None
    person = session.exec(select(Person).where(func.lower(Person.email) == email.strip().lower(),
                                               Person.active)).first()
    if person is None:
        return None
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None or not account.active:
        return SignedIn(person_id=person.id, name=person.name, name_en=person.name_en or person.name,
                        username=email.strip().lower(), role="viewer")
    return _signed_in(account, person)


@query
def signed_in_person(person_id: int, *, session: Session) -> SignedIn | None:
    """The session's person as the database has them now: a role changed or an account closed counts at once."""
    person = session.get(Person, person_id) if _is_whole_number(person_id) else None
    if person is None or not person.active:
        return None
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None or not account.active:
        return None
    return _signed_in(account, person)


@query
def accounts(*, session: Session) -> list[dict]:
    """Every account with its person, for the admin page's user list (no password hash)."""
    rows = session.exec(select(Account, Person).join(Person, Account.person_id == Person.id)
                        .order_by(Account.username)).all()
    return [{"person_id": person.id, "username": account.username, "name": person.name,
             "name_en": person.name_en or person.name, "email": person.email, "role": account.role,
             "active": account.active, "locked_until": account.locked_until,
             "has_password": account.password_hash is not None} for account, person in rows]


CONFIGURATION_ENTITIES = ("area", "person", "category", "steptemplate", "templatestep", "setting", "account")


@query
def admin_history(*, session: Session, limit: int = 200) -> list[dict]:
    """The configuration's audit trail (people, areas, categories, templates, rules, accounts), newest first."""
    actor = aliased(Person)
    rows = session.exec(select(AuditEvent, actor.name).join(actor, AuditEvent.actor_id == actor.id, isouter=True)
                        .where(AuditEvent.entity.in_(CONFIGURATION_ENTITIES))
                        .order_by(AuditEvent.id.desc()).limit(limit)).all()
    tz = _settings().tz
    return [{"at": event.at.astimezone(tz), "actor": name or "—", "entity": event.entity, "field": event.field,
             "old": event.old, "new": event.new, "reason": event.reason} for event, name in rows]
