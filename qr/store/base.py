"""What every command and query stands on: sessions, refusals, the command context, validation,
the audit trail, roles, the issue's version claim and the board's configured rules."""
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import cached_property, wraps
import inspect
import json
import numbers
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import (Account, Area, AuditEvent, BoardSetting, Category, Issue, IssueStep, Person, SignInSession,
                    TemplateStep)
from qr import db, metrics, rules
from qr.audit import Entity
from qr.config import MEETING_SETTINGS, Settings, load_settings
from qr.notices import NotifyRule
from qr.rules import AdmissionRule, ColourRule, StepState, StepView

# The store's aliases, made once: SQLAlchemy builds an alias's column proxies when it is made, and one made at every
# read cost an issue's detail read more than half its CPU (6.7 ms with them, 2.8 ms without).
_OWNER, _LEAD = aliased(Person, name="owner"), aliased(Person, name="lead")
_RESPONDER, _UPLOADER = aliased(Person, name="responder"), aliased(Person, name="uploader")
_PARENT_CATEGORY, _REPEATED = aliased(Category, name="parent_category"), aliased(Issue, name="repeated")

DESCRIPTION_MAX = 2000
TEXT_MAX = 2000
REASON_MAX = 500
RECENTLY_CLOSED_DAYS = 7
MAX_GUIDE_LIMIT_DAYS = 3650
MAX_RESPONSE_MINUTES = 60 * 24 * 365
EARLIEST_OPENED_ON = date(2000, 1, 1)
_LARGEST_ID = 2**31 - 1   # PostgreSQL INTEGER, the narrower of the two databases
CATEGORY_KINDS = ("external", "supplier", "internal")


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


def system_time() -> datetime:
    """The real clock: the one function a test replaces to stand time still."""
    return datetime.now(timezone.utc)


def now() -> datetime:
    """This moment, as every command, query and the board's response clocks see it."""
    return system_time()


def today(now: datetime | None = None) -> date:
    """The plant's calendar day now (QR_TZ)."""
    return rules.plant_today(now or system_time(), load_settings().tz)


@dataclass
class Context:
    """What a command sees of the world, read once: this moment, the plant's day and the board's rules."""

    session: Session
    now: datetime

    @property
    def tz(self) -> ZoneInfo:
        return load_settings().tz

    @cached_property
    def day(self) -> date:
        return rules.plant_today(self.now, self.tz)

    @cached_property
    def settings(self) -> Settings:
        return _settings(self.session)


def _with_session(opener):
    """Give the function a session when the caller passes none, and its context when it asks for one (`ctx`,
    built from the caller's `now=` or the clock); roll back on any refusal."""
    def decorate(fn):
        wants_context = "ctx" in inspect.signature(fn).parameters

        def call(session: Session, args, kwargs):
            if wants_context:
                kwargs["ctx"] = Context(session=session, now=kwargs.pop("now", None) or now())
            return fn(*args, session=session, **kwargs)

        @wraps(fn)
        def wrapper(*args, session: Session | None = None, **kwargs):
            kwargs = {name: _plain(value) for name, value in kwargs.items()}
            if session is None:
                with opener() as own:
                    return call(own, args, kwargs)
            session.info["audit_events"] = 0       # _commit_change counts this call's events only
            try:
                return call(session, args, kwargs)
            except BaseException:
                session.rollback()
                raise
        return wrapper
    return decorate


def _plain(value):
    """Ids read from a DataFrame arrive as numpy integers; the database wants Python ints."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, (bool, int)) else value


COMMANDS: dict[str, object] = {}
_read = _with_session(db.read_session)
_write = _with_session(db.write_session)


def query(fn):
    """A read in its own session (or the caller's), timed for /metrics and the log."""
    return metrics.observed("query", QRError)(_read(fn))


def command(fn):
    """A write in one transaction, counted and timed (qr/metrics.py); registered so the role × command test can
    try every one."""
    wrapped = metrics.observed("command", QRError)(_write(fn))
    COMMANDS[fn.__name__] = wrapped
    return wrapped


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
           issue_id: int | None, field_name: str, old, new, reason: str = "") -> AuditEvent:
    """One changed field, with the actor's names as they are now: a later rename does not rewrite history."""
    session.info["audit_events"] = session.info.get("audit_events", 0) + 1
    event = AuditEvent(at=at, actor_id=actor_id, **_actor_names(session, actor_id), entity=entity,
                       entity_id=entity_id, issue_id=issue_id, field=field_name,
                       old=None if old is None else str(old), new=None if new is None else str(new), reason=reason)
    session.add(event)
    return event


def _actor_names(session: Session, actor_id: int | None) -> dict[str, str]:
    """The actor's names as they are now, kept with each audit event (the system itself has none)."""
    actor = session.get(Person, actor_id) if actor_id is not None else None
    return {"actor_name": actor.name if actor else "", "actor_name_en": (actor.name_en or actor.name) if actor else ""}


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


def _authorize_issue(session: Session, actor_id: int | None, issue_id: int, action: str | None = None) -> None:
    """Owners and leads change their own issues anywhere; anyone else's, or `action`, needs the role in its plant."""
    issue = _get(session, Issue, issue_id, "issue")
    if actor_id is not None:
        action = action or rules.issue_action(actor_id, issue.owner_id, issue.lead_id)
        _authorize(session, actor_id, action)
        if action != "update_own_issue":
            _authorize_plant(session, actor_id, issue.area_id)


def _authorize_plant(session: Session, actor_id: int | None, area_id: int) -> None:
    """A role counts in its person's plant; an admin's, a group person's (no area) and the system's in every plant."""
    person = _get(session, Person, actor_id, "actor") if actor_id is not None else None
    if person is not None and person.area_id is not None and _role(session, actor_id) != "admin":
        if (other := session.get(Area, area_id)) and session.get(Area, person.area_id).plant_id != other.plant_id:
            raise Forbidden("err.other_plant", area=other.name_zh, area_en=other.name_en)


def _claim_version(session: Session, issue_id: int, expected_version: int, now: datetime) -> Issue:
    """Compare-and-set on the issue's version: the row lock makes concurrent saves queue, the loser is refused."""
    if not _is_whole_number(issue_id):
        raise NotFound("err.not_found", field="issue", value=str(issue_id))
    if not _is_whole_number(expected_version):
        raise ValidationFailed("err.not_number", field="version")
    claimed = _claim_row(session, update(Issue).where(Issue.id == issue_id, Issue.version == expected_version)
                         .values(version=Issue.version + 1, updated_at=now)
                         .execution_options(synchronize_session=False),
                         busy=lambda: StaleVersion("err.saving_now",
                                                   number=_get(session, Issue, issue_id, "issue").number))
    if claimed != 1:
        issue = _get(session, Issue, issue_id, "issue")
        last = session.exec(select(AuditEvent).where(AuditEvent.issue_id == issue_id)
                            .order_by(AuditEvent.id.desc()).limit(1)).first()
        raise StaleVersion("err.stale", number=issue.number, **_last_change(last, issue.updated_at))
    return session.exec(select(Issue).where(Issue.id == issue_id).execution_options(populate_existing=True)).one()


LOCK_NOT_AVAILABLE = "55P03"       # PostgreSQL's answer when lock_timeout (QR_DB_LOCK_TIMEOUT_MS) passes


def _claim_row(session: Session, compare_and_set, *, busy) -> int:
    """Rows the compare-and-set claimed. A save that waits past the lock timeout on a row another save holds (a
    stuck transaction, an overloaded server) is refused like a stale one, with `busy()`'s error: the wait is
    bounded and the person told, instead of a queue that ends in a pool timeout for everyone behind it."""
    if session.get_bind().dialect.name == "postgresql":      # this transaction only: a first start or a migration
        milliseconds = int(load_settings().db_lock_timeout_ms)  # waits on its locks as long as it needs
        session.execute(sa.text(f"SET LOCAL lock_timeout = {milliseconds}"))
    try:
        return session.execute(compare_and_set).rowcount
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        session.rollback()
        raise busy() from error


def _last_change(event: AuditEvent | None, fallback: datetime) -> dict[str, str]:
    """Who made the last change and when, for a stale-save refusal in either language."""
    who, who_en = (event.actor_name or "—", event.actor_name_en or "—") if event else ("—", "—")
    when = event.at if event else fallback
    return {"who": who, "who_en": who_en, "when": when.astimezone(load_settings().tz).strftime("%Y-%m-%d %H:%M")}


def _require_unique_email(session: Session, email: str | None) -> None:
    """E-mails are unique whatever their case: single sign-on matches them that way."""
    if email is not None and session.exec(select(func.count()).where(func.lower(Person.email) == email.lower())).one():
        raise ValidationFailed("err.duplicate", field="email", value=email)


def _end_sessions(session: Session, person_id: int, now: datetime) -> None:
    """Sign the person out everywhere: a new password, role or a closed account must not ride on an old sign-in."""
    session.execute(update(SignInSession).where(SignInSession.person_id == person_id,
                                                SignInSession.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))


def _commit_change(session: Session) -> None:
    """Commit an issue command; one that changed nothing is refused, so no version moves without a trace."""
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.commit()


def _step_view(step) -> StepView:
    """The rule's view of an issue step (an IssueStep or a row of STEP_COLUMNS)."""
    return StepView(state=StepState(step.state), target_on=step.target_on, completed_on=step.completed_on,
                    started_on=step.started_on, marked_worse=step.marked_worse,
                    marked_worse_on=step.marked_worse_on,
                    claimed=step.claimed_on is not None and step.state == StepState.OPEN.value)


def _require_countermeasure(step: IssueStep, template_step: TemplateStep, on: date, settings: Settings) -> None:
    """An R step, or a Y step inside the warning window, may not be saved without a countermeasure."""
    if not step.countermeasure and rules.needs_countermeasure(
            _step_view(step), on, settings.warning_days, ColourRule(settings.colour_rule)):
        raise ValidationFailed("err.countermeasure_needed", step=template_step.name_zh,
                               step_en=template_step.name_en)


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


def _require_unique(session: Session, column, value, field_name: str) -> None:
    if value is not None and session.exec(select(func.count()).where(column == value)).one():
        raise ValidationFailed("err.duplicate", field=field_name, value=value)


def _add_config(session: Session, row, *, actor_id, now, label, commit=True):
    """Add a configuration row with its 'created' audit event; the command has authorized the actor."""
    session.add(row)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity=type(row).__name__.lower(), entity_id=row.id,
           issue_id=None, field_name="created", old=None, new=label)
    if commit:
        session.commit()
    return row


def _load_step(session: Session, step_id: int) -> tuple[IssueStep, TemplateStep]:
    step = _get(session, IssueStep, step_id, "step")
    return step, session.get(TemplateStep, step.template_step_id)


def _may(session: Session, actor_id: int | None, action: str) -> bool:
    """Whether the acting person's role allows the action (the system, actor_id None, may do anything)."""
    if actor_id is None:
        return True
    person = _get(session, Person, actor_id, "actor")
    return rules.allowed(_role(session, actor_id) if person.active else "viewer", action)


def step_command(*, open_step: bool = False, action: str | None = None):
    """A command on one step of an open issue, called with `step_id` and `expected_version`: it receives the
    step, its template step and the issue with its version claimed (after the actor's right: `action`, else
    owner/lead or facilitator), and its changes are committed as one; it returns what the change returns, else
    the issue. With `open_step`, a done or N/A step is refused."""
    def decorate(change):
        @wraps(change)
        def run(*, session: Session, ctx: Context, actor_id, step_id, expected_version, **values):
            if action is not None:
                _authorize(session, actor_id, action)           # before the step is looked up: tells nothing
            step, template_step = _load_step(session, step_id)
            _authorize_issue(session, actor_id, step.issue_id, action)
            issue = _claim_version(session, step.issue_id, expected_version, ctx.now)
            if issue.closed_on is not None:
                raise ValidationFailed("err.issue_closed", number=issue.number)
            if open_step and step.state != StepState.OPEN:
                raise ValidationFailed("err.step_not_open", step=template_step.name_zh,
                                       step_en=template_step.name_en)
            result = change(session=session, ctx=ctx, actor_id=actor_id, step=step, template_step=template_step,
                            issue=issue, **values)
            _commit_change(session)
            return issue if result is None else result
        run.__signature__ = inspect.signature(run, follow_wrapped=False)    # `command` builds its ctx
        return command(run)
    return decorate


def _issue_command(session: Session, *, actor_id, issue_id, expected_version, now, action: str | None = None) -> Issue:
    """Common start of an issue command: the actor's right (`action`, else owner/lead or facilitator), the claim."""
    if action is not None:
        _authorize(session, actor_id, action)                   # before the issue is looked up: tells nothing
    _authorize_issue(session, actor_id, issue_id, action)
    return _claim_version(session, issue_id, expected_version, now)


def _set(session, step: IssueStep, field_name: str, value, *, actor_id, now, reason="") -> None:
    old = getattr(step, field_name)
    if old != value:
        setattr(step, field_name, value)
        _audit(session, at=now, actor_id=actor_id, entity=Entity.STEP, entity_id=step.id, issue_id=step.issue_id,
               field_name=field_name, old=old, new=value, reason=reason)


# How far below the newest audit event a transaction still open may hold its ids (events written meanwhile by others)
LATE_COMMIT_WINDOW = 10_000


@query
def change_counter(*, session: Session) -> tuple[int, int]:
    """The key that invalidates page caches: every write adds audit events, which are never deleted.

    The newest id, and how many events hold one of the last LATE_COMMIT_WINDOW ids: on PostgreSQL a transaction
    holding a lower id may commit after one holding a higher id, and that count still moves when it does. Both
    read the primary key's index only, so the counter costs the same with 2 million events as with none (counting
    the whole trail did not)."""
    newest = select(func.coalesce(func.max(AuditEvent.id), 0)).scalar_subquery()
    recent = select(func.count(AuditEvent.id)).where(AuditEvent.id > newest - LATE_COMMIT_WINDOW).scalar_subquery()
    return tuple(session.exec(select(newest, recent)).one())


def _require_actor(session: Session, actor_id) -> Person:
    """Meeting commands always name who acted, a facilitator (the system never runs a meeting)."""
    if actor_id is None:
        raise ValidationFailed("err.required", field="actor")
    _authorize(session, actor_id, "run_meeting")
    return _get(session, Person, actor_id, "actor")


_REOPENED = (AuditEvent.field == "closed_on") & (AuditEvent.entity == Entity.ISSUE) & AuditEvent.new.is_(None)


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


def default_setting_values() -> dict[str, object]:
    """The code defaults (docs/domain-rules.md) as JSON values: what a new plant starts with."""
    settings = Settings()
    return {"colour_rule": settings.colour_rule, "warning_days": settings.warning_days,
            "escalation_ladders": {severity: [list(step) for step in ladder]
                                   for severity, ladder in settings.escalation_ladders.items()},
            "admission_rule": {"severities": sorted(settings.admission_rule.severities),
                               "kinds": sorted(settings.admission_rule.kinds)},
            "qchart_rule": {"external_on_board_only": settings.qchart_rule.external_on_board_only,
                            "internal_on_board_only": settings.qchart_rule.internal_on_board_only},
            "verify_exits": settings.verify_exits,
            "move_rule": {"free_moves": settings.move_rule.free_moves,
                          "red_needs_approval": settings.move_rule.red_needs_approval},
            "watch_list_in_meeting": settings.watch_list_in_meeting,
            "notifications": settings.notify_rule.to_json(),
            "follow_up_rule": {"unsolved": settings.follow_up_rule.unsolved,
                               "open_after_days": settings.follow_up_rule.open_after_days,
                               "open_every_days": settings.follow_up_rule.open_every_days}}


def _configured(settings: Settings, stored: dict[str, object]) -> Settings:
    """The environment's settings with the stored rules in place of the code defaults."""
    values = {**default_setting_values(), **stored}
    return replace(settings, colour_rule=values["colour_rule"], warning_days=values["warning_days"],
                   escalation_ladders={severity: tuple(tuple(step) for step in ladder)
                                       for severity, ladder in values["escalation_ladders"].items()},
                   admission_rule=AdmissionRule(severities=frozenset(values["admission_rule"]["severities"]),
                                                kinds=frozenset(values["admission_rule"]["kinds"])),
                   qchart_rule=rules.QChartRule(**values["qchart_rule"]), verify_exits=values["verify_exits"],
                   move_rule=rules.MoveRule(**values["move_rule"]),
                   watch_list_in_meeting=values["watch_list_in_meeting"],
                   notify_rule=NotifyRule.from_json(values["notifications"]),
                   follow_up_rule=rules.FollowUpRule(**values["follow_up_rule"]),
                   **{name: stored[name] for name in MEETING_SETTINGS if name in stored})
