"""The frames the trends page aggregates: issues, steps and history that can still change a KPI; and what the
database sums itself (steps' red and yellow days, step completions), so that a plant group's hundreds of thousands
of steps never travel to pandas."""
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session

from models import Area, AuditEvent, Category, Issue, IssueStep, Person, TemplateStep
from qr.audit import Entity
from qr.rules import ColourRule, StepState
from qr.store.base import _REPEATED, LATE_COMMIT_WINDOW, _REOPENED, _frame, _still_relevant, query

# Events no trends KPI reads: what owners write most between meetings (their countermeasure text, the 8D, files,
# the next report date), and accounts, channels, display tokens and import mappings.
_NOT_IN_TRENDS = (AuditEvent.entity.in_([Entity.ATTACHMENT, Entity.EIGHT_D, Entity.ACCOUNT, Entity.CHANNEL,
                                         Entity.DISPLAY_TOKEN, Entity.IMPORT_MAPPING])
                  | ((AuditEvent.entity == Entity.STEP) & (AuditEvent.field == "countermeasure"))
                  | ((AuditEvent.entity == Entity.ISSUE) & (AuditEvent.field == "next_report_on")))


@query
def trends_counter(*, session: Session) -> tuple[int, int]:
    """change_counter for the trends' caches: only events that can change a KPI count, so an owner's countermeasure
    saved between meetings does not throw away a plant group's trends. The newest such event is found from the top
    of the trail down (its last events are mostly such ones); the late-commit count reads the same window."""
    counted = ~_NOT_IN_TRENDS
    newest = sa.select(AuditEvent.id).where(counted).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery()
    top = sa.select(func.coalesce(func.max(AuditEvent.id), 0)).scalar_subquery()
    recent = (sa.select(func.count(AuditEvent.id))
              .where(AuditEvent.id > top - LATE_COMMIT_WINDOW, counted).scalar_subquery())
    found, late = session.connection().execute(sa.select(newest, recent)).one()
    return found or 0, late


TREND_ISSUE_COLUMNS = ["id", "number", "description", "category_id", "category_zh", "category_en", "plant_id",
                       "area_id", "area_zh", "area_en", "severity", "owner_id", "owner", "owner_en", "opened_on", "closed_on",
                       "cancelled", "repeat_of_closed_on"]


TREND_STEP_COLUMNS = ["id", "issue_id", "state", "target_on", "started_on", "completed_on", "marked_worse",
                      "marked_worse_on", "original_target_on", "verified_on", "set_na_at", "replayed"]
_STEP_DAYS = ["target_on", "started_on", "completed_on", "marked_worse_on", "original_target_on", "verified_on"]


TREND_HISTORY_COLUMNS = ["issue_id", "entity", "entity_id", "field", "old", "new", "at"]


@query
def trends_issues(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """Every issue that counts from `since` on, closed ones too, named by its top-level category. The names come
    from the small tables, not joined to each of a plant group's fifty thousand rows."""
    repeated = _REPEATED
    frame = _days_frame(session, sa.select(
        Issue.id, Issue.number, Issue.description, Issue.category_id, Issue.area_id, Issue.severity, Issue.owner_id,
        _raw(Issue.opened_on), _raw(Issue.closed_on), Issue.cancelled, _raw(repeated.closed_on))
        .join(repeated, Issue.repeat_of_id == repeated.id, isouter=True)
        .where(_still_relevant(since)), _ISSUE_READ_COLUMNS, ["opened_on", "closed_on", "repeat_of_closed_on"])
    connection = session.connection()
    categories = pd.DataFrame(connection.execute(sa.select(Category.id, Category.parent_id)).all(),
                              columns=["id", "parent_id"])
    top = dict(zip(categories["id"], categories["parent_id"].fillna(categories["id"]).astype("int64")))
    names = {"category": connection.execute(sa.select(Category.id, Category.name_zh, Category.name_en)).all(),
             "area": connection.execute(sa.select(Area.id, Area.name_zh, Area.name_en)).all(),
             "owner": connection.execute(sa.select(Person.id, Person.name, Person.name_en)).all()}
    frame["category_id"] = frame["category_id"].map(top)
    frame["plant_id"] = frame["area_id"].map(_plants_of_areas(session))
    for kind, key, zh, en in (("category", "category_id", "category_zh", "category_en"),
                              ("area", "area_id", "area_zh", "area_en"), ("owner", "owner_id", "owner", "owner_en")):
        frame[zh] = frame[key].map({ident: name for ident, name, _ in names[kind]})
        frame[en] = frame[key].map({ident: name for ident, _, name in names[kind]})
    return frame[TREND_ISSUE_COLUMNS]


_ISSUE_READ_COLUMNS = ["id", "number", "description", "category_id", "area_id", "severity", "owner_id", "opened_on",
                       "closed_on", "cancelled", "repeat_of_closed_on"]


def _raw(column):
    """A date or moment column as the driver gives it (SQLite: ISO text), parsed for the whole column at once by
    _days_frame instead of one value at a time."""
    return sa.type_coerce(column, sa.String)


def _days_frame(session: Session, statement, columns: list[str], days: list[str],
                moments: tuple[str, ...] = ()) -> pd.DataFrame:
    """_frame, with the `days` columns as datetime64 days (NaT for none) and the `moments` as UTC times (SQLite's
    text has no zone) on both databases; no rows, as _frame."""
    frame = _frame(session, statement, columns)
    for name in days if len(frame) else ():
        frame[name] = pd.to_datetime(frame[name], format="ISO8601").astype("datetime64[s]")
    for name in moments if len(frame) else ():
        frame[name] = pd.to_datetime(frame[name], format="ISO8601", utc=True)
    return frame


class _DayNumber(FunctionElement):
    """A date as a whole number of days, the same on both databases' sides of a subtraction."""
    type = sa.Integer()
    inherit_cache = True


@compiles(_DayNumber, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_DayNumber, "postgresql")
def _day_number_postgresql(element, compiler, **kw):
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '2000-01-01')"


def _spelled(name: str, sqlite: str, postgresql: str) -> type:
    """A function of whole numbers that the two databases spell differently (both take any number of them)."""
    element = type(name, (FunctionElement,), {"type": sa.Integer(), "inherit_cache": True})
    compiles(element, "sqlite")(lambda e, compiler, **kw: f"{sqlite}({compiler.process(e.clauses, **kw)})")
    compiles(element, "postgresql")(lambda e, compiler, **kw: f"{postgresql}({compiler.process(e.clauses, **kw)})")
    return element


_Least = _spelled("_Least", "min", "LEAST")
_Greatest = _spelled("_Greatest", "max", "GREATEST")


class _DayOf(sa.ColumnElement):
    """A Python date as the same day number, written into the statement: computed once, not once per row."""
    type = sa.Integer()
    inherit_cache = True
    _traverse_internals = [("day", InternalTraversal.dp_plain_obj)]     # the day is part of the statement's key

    def __init__(self, day: date):
        self.day = day


@compiles(_DayOf, "sqlite")
def _day_of_sqlite(element, compiler, **kw):
    return str(element.day.toordinal() + 1721424)          # CAST(julianday(day) AS INTEGER)


@compiles(_DayOf, "postgresql")
def _day_of_postgresql(element, compiler, **kw):
    return str(element.day.toordinal() - date(2000, 1, 1).toordinal())


def _day(value):
    """A date column, or a Python date, as a day number."""
    return _DayOf(value) if isinstance(value, date) else _DayNumber(value)


_MOVED = IssueStep.id.in_(sa.select(AuditEvent.entity_id).where(AuditEvent.field == "target_on",
                                                                 AuditEvent.entity == Entity.STEP))


def _replayed(rule: ColourRule):
    """Steps whose past colours need the audit trail (set N/A on a day it records; under GM, a target moved):
    pandas replays them; the database sums the days of all the others."""
    na = IssueStep.state == StepState.NA.value
    return na if rule == ColourRule.START else na | _MOVED


def _chosen(statement, category_id: int | None, severity: str | None, owner_id: int | None):
    """The statement (over steps joined to their issues) narrowed by the trends filters the database applies
    (plants and areas stay columns, chosen in pandas): a top-level category counts its sub-types."""
    if category_id is not None:
        statement = statement.join(Category, Issue.category_id == Category.id).where(
            func.coalesce(Category.parent_id, Category.id) == category_id)
    if severity is not None:
        statement = statement.where(Issue.severity == severity)
    if owner_id is not None:
        statement = statement.where(Issue.owner_id == owner_id)
    return statement


@query
def trends_steps(*, session: Session, since: date | None = None, on: date | None = None,
                 rule: ColourRule = ColourRule.GM) -> pd.DataFrame:
    """The steps of those issues that pandas must see: those still running at the end of `on` (a step red that day
    escalates its issue) and those whose days are replayed from the audit trail (`replayed`); an N/A step with the
    moment it was set N/A (`set_na_at`). Without `on`, every step of those issues, all replayed (a small plant's
    whole story, as the tests tell it)."""
    set_na_at = (sa.select(AuditEvent.at).where(AuditEvent.field == "state", AuditEvent.entity == Entity.STEP,
                                                 AuditEvent.entity_id == IssueStep.id,
                                                 AuditEvent.new == StepState.NA.value)
                 .order_by(AuditEvent.id.desc()).limit(1).scalar_subquery())

    def steps(replayed):
        return sa.select(
            IssueStep.id, IssueStep.issue_id, IssueStep.state, _raw(IssueStep.target_on), _raw(IssueStep.started_on),
            _raw(IssueStep.completed_on), IssueStep.marked_worse, _raw(IssueStep.marked_worse_on),
            _raw(IssueStep.original_target_on), _raw(IssueStep.verified_on),
            _raw(sa.case((IssueStep.state == StepState.NA.value, set_na_at))), replayed
        ).join(Issue, IssueStep.issue_id == Issue.id)

    def read(statement) -> pd.DataFrame:
        return _days_frame(session, statement, TREND_STEP_COLUMNS, _STEP_DAYS, moments=("set_na_at",))

    if on is None:
        return read(steps(sa.true()).where(_still_relevant(since)))
    # two reads each an index can serve (issues open on `on`; steps N/A or moved), not one scan of every step
    done_on = func.coalesce(IssueStep.verified_on, IssueStep.completed_on)
    running = steps(_replayed(rule)).where(          # open or done after `on`, of the issues open on `on`
        Issue.closed_on.is_(None) | (Issue.closed_on > on), IssueStep.state != StepState.NA.value,
        (IssueStep.state == StepState.OPEN.value) | (done_on > on))
    replayed = steps(sa.true()).where(_replayed(rule), _still_relevant(since))
    frame = pd.concat([read(running), read(replayed)], ignore_index=True)
    return frame.drop_duplicates("id", keep="last", ignore_index=True)


STEP_DAYS_COLUMNS = ["plant_id", "area_id", "month", "days_red", "days_yellow"]


@query
def trends_step_days(*, session: Session, since: date, on: date, months: list[date], rule: ColourRule = ColourRule.GM,
                     category_id: int | None = None, severity: str | None = None,
                     owner_id: int | None = None) -> pd.DataFrame:
    """Per plant, area and calendar month (`months`: their first days, up to `on`): the days the steps not replayed
    showed R and Y, summed by the database under the board's colour rule (qr.trends._step_spans says how a step's
    colour runs; these steps have one target all along and are open or done)."""
    after_on = _day(on + timedelta(days=1))
    opened = _day(Issue.opened_on)
    done_on = _day(func.coalesce(IssueStep.verified_on, IssueStep.completed_on))
    stopped = _Least(sa.case((IssueStep.state == StepState.DONE.value, done_on),
                             (Issue.closed_on.is_not(None), _day(Issue.closed_on)), else_=after_on), after_on)
    worse = sa.case((IssueStep.marked_worse & IssueStep.marked_worse_on.is_not(None), _day(IssueStep.marked_worse_on)))
    if rule == ColourRule.START:       # red until started, yellow until marked worse, then red
        yellow_from = sa.case((IssueStep.started_on.is_(None), after_on),
                              else_=_Greatest(_day(IssueStep.started_on), opened))
        red_again = _Greatest(func.coalesce(worse, after_on), opened, yellow_from)
    else:                              # yellow from the open day, red from the day after the target or marked worse
        late = _day(func.coalesce(IssueStep.original_target_on, IssueStep.target_on)) + 1
        yellow_from = opened
        red_again = _Greatest(_Least(late, func.coalesce(worse, late)), opened)
    spans = _chosen(sa.select(Issue.area_id, opened.label("opened"), yellow_from.label("yellow_from"),
                              red_again.label("red_again"), stopped.label("stopped"))
                    .select_from(IssueStep).join(Issue, IssueStep.issue_id == Issue.id)
                    .where(_still_relevant(since), IssueStep.state != StepState.NA.value, ~_replayed(rule)),
                    category_id, severity, owner_id)
    spans = spans.cte("spans").prefix_with("MATERIALIZED")    # each step's day numbers once, not once per month

    def overlap(begin, end, low, high):
        return func.sum(_Greatest(_Least(end, high) - _Greatest(begin, low), 0))

    sums = []
    for first in months:
        low = _day(first)
        high = _day(min((first + timedelta(days=32)).replace(day=1), on + timedelta(days=1)))
        red = overlap(spans.c.red_again, spans.c.stopped, low, high)
        if rule == ColourRule.START:
            red = red + overlap(spans.c.opened, _Least(spans.c.yellow_from, spans.c.stopped), low, high)
        sums += [red, overlap(spans.c.yellow_from, _Least(spans.c.red_again, spans.c.stopped), low, high)]
    rows = session.connection().execute(sa.select(spans.c.area_id, *sums).group_by(spans.c.area_id)).all()
    plant_of = _plants_of_areas(session)
    return pd.DataFrame([(plant_of[row[0]], row[0], first, int(row[1 + 2 * n] or 0), int(row[2 + 2 * n] or 0))
                         for row in rows for n, first in enumerate(months)], columns=STEP_DAYS_COLUMNS)


def _plants_of_areas(session: Session) -> dict[int, int]:
    """Each area's plant: the database's sums are per area, the page chooses plants too."""
    return dict(session.connection().execute(sa.select(Area.id, Area.plant_id)).all())


COMPLETION_COLUMNS = ["plant_id", "area_id", "week_start", "code", "name_zh", "name_en", "position", "completed",
                      "on_time"]


@query
def trends_completions(*, session: Session, start: date, on: date, category_id: int | None = None,
                       severity: str | None = None, owner_id: int | None = None) -> pd.DataFrame:
    """Steps completed from `start` (a Monday) to `on` of issues not cancelled (a duplicate's steps solve nothing),
    counted by the database per plant, area, week and template step, with how many by their target date."""
    on_time = sa.case((IssueStep.completed_on <= IssueStep.target_on, 1), else_=0)
    week = ((_day(IssueStep.completed_on) - _day(start)) // 7).label("week")
    counted = (_chosen(sa.select(Issue.area_id, week, IssueStep.template_step_id,
                                 func.max(IssueStep.position).label("position"), func.count().label("completed"),
                                 func.sum(on_time).label("on_time"))
                       .select_from(IssueStep).join(Issue, IssueStep.issue_id == Issue.id)
                       .where(IssueStep.state == StepState.DONE.value, IssueStep.completed_on >= start,
                              IssueStep.completed_on <= on, ~Issue.cancelled), category_id, severity, owner_id)
               .group_by(Issue.area_id, week, IssueStep.template_step_id)
               .subquery())
    frame = _frame(session, sa.select(
        counted.c.area_id, counted.c.week, TemplateStep.code, TemplateStep.name_zh, TemplateStep.name_en,
        counted.c.position, counted.c.completed, counted.c.on_time)
        .join(TemplateStep, counted.c.template_step_id == TemplateStep.id),
        ["area_id", "week", *COMPLETION_COLUMNS[3:]])
    frame = frame.assign(plant_id=frame["area_id"].map(_plants_of_areas(session)),
                         week_start=[start + timedelta(weeks=int(n)) for n in frame["week"]])
    return frame[COMPLETION_COLUMNS]


@query
def trends_history(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The audit events of those issues that change what a past day looked like: reopenings (and what a cancelled
    issue's reopening undid) and every move of a step's target (each past day is coloured by the target in force
    that day). When a step was set N/A comes with the step (trends_steps)."""
    moved = (AuditEvent.entity == Entity.STEP) & (AuditEvent.field == "target_on")
    uncancelled = (AuditEvent.entity == Entity.ISSUE) & (AuditEvent.field == "cancelled") & (AuditEvent.old == "True")
    return _frame(session, sa.select(
        AuditEvent.issue_id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.field, AuditEvent.old,
        AuditEvent.new, AuditEvent.at)
        .join(Issue, AuditEvent.issue_id == Issue.id)
        .where(_REOPENED | moved | uncancelled, _still_relevant(since)).order_by(AuditEvent.id),
        TREND_HISTORY_COLUMNS)
