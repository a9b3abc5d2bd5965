"""The daily quality status (Q-chart): each area's day colour by the rule, or the facilitator's override."""
from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session, select

from models import Area, Category, DailyQualityStatus, Issue
from qr import db, rules
from qr.audit import Entity
from qr.rules import Status
from qr.store.base import (REASON_MAX, Context, ValidationFailed, _audit, _authorize_plant, _date, _get,
                           _require_actor, _settings, _text, command, query, today)


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
                       ctx: Context) -> DailyQualityStatus:
    """The facilitator overrides an area's day colour with a note; colour None goes back to the rule."""
    _require_actor(session, actor_id)
    _get(session, Area, area_id, "area")
    _authorize_plant(session, actor_id, area_id)
    day = _date(day, "day")
    if day > ctx.day:
        raise ValidationFailed("err.future_date", field="day")
    if colour is not None and colour not in (Status.G.value, Status.Y.value, Status.R.value):
        raise ValidationFailed("err.bad_choice", field="colour")
    note = _text(note, "note", required=colour is not None, limit=REASON_MAX)
    db.insert_ignoring_duplicates(session, DailyQualityStatus, area_id=area_id, day=day, colour=Status.G.value,
                                  note="", overridden=False, set_at=ctx.now)    # one row per area and day, also when racing
    row = session.exec(select(DailyQualityStatus).where(DailyQualityStatus.area_id == area_id,
                                                        DailyQualityStatus.day == day)
                       .with_for_update()).one()
    old = row.colour if row.overridden else None
    if old == colour and (colour is None or row.note == note):
        raise ValidationFailed("err.no_change")
    row.colour, row.overridden, row.note = colour or row.colour, colour is not None, note
    row.set_by_id, row.set_at = actor_id, ctx.now
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.QUALITY_STATUS, entity_id=row.id, issue_id=None,
           field_name="colour", old=old, new=colour, reason=f"{day.isoformat()} {note}".strip())
    session.commit()
    return row
