"""Follow-up calls (回访): planned at closing, recorded once, read for the page and the weekly rates."""
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import Category, FollowUp, Issue, Person
from qr import rules, trends
from qr.audit import Entity
from qr.store.base import (REASON_MAX, TEXT_MAX, Context, ValidationFailed, _audit, _commit_change, _date, _frame, _get,
                           _is_whole_number, _issue_command, _settings, _text, command, query, today)


def _plan_follow_up(session: Session, issue: Issue, *, actor_id, now) -> None:
    """Closing plans the call back: required for a customer (external) issue, a candidate for the weekly
    sample otherwise; due a configurable number of days after closing."""
    category = session.get(Category, issue.category_id)
    follow_up = FollowUp(issue_id=issue.id, closed_on=issue.closed_on, required=rules.follow_up_required(category.kind),
                         due_on=rules.follow_up_due(issue.closed_on, _settings().follow_up_days), created_at=now)
    session.add(follow_up)
    session.flush()
    _audit(session, at=now, actor_id=actor_id, entity=Entity.FOLLOW_UP, entity_id=follow_up.id, issue_id=issue.id,
           field_name="follow_up_due", old=None, new=follow_up.due_on)


def _drop_pending_follow_up(session: Session, issue: Issue, *, actor_id, now, reason: str) -> None:
    """A reopened issue is not called back for a closing that no longer holds; a call already made stays."""
    pending = session.exec(select(FollowUp).where(FollowUp.issue_id == issue.id, FollowUp.done_on.is_(None))).all()
    for follow_up in pending:
        _audit(session, at=now, actor_id=actor_id, entity=Entity.FOLLOW_UP, entity_id=follow_up.id, issue_id=issue.id,
               field_name="follow_up_due", old=follow_up.due_on, new=None, reason=reason)
    if pending:
        session.execute(sa.delete(FollowUp).where(FollowUp.id.in_([f.id for f in pending])))


@command
def record_follow_up(*, session: Session, actor_id: int | None, follow_up_id: int, done_on: date, contact: str,
                     channel: str, solved: bool, satisfaction: int, remarks: str, expected_version: int,
                     ctx: Context) -> FollowUp:
    """The call back: when, whom, how, whether the problem is solved and how satisfied (1–5); once."""
    follow_up = _get(session, FollowUp, follow_up_id, "follow_up")
    _issue_command(session, actor_id=actor_id, issue_id=follow_up.issue_id, expected_version=expected_version,
                   now=ctx.now)
    session.refresh(follow_up)
    if follow_up.done_on is not None:
        raise ValidationFailed("err.follow_up_done")
    done_on = _date(done_on, "follow_up_on")
    if not follow_up.closed_on <= done_on <= ctx.day:
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
    follow_up.recorded_by_id, follow_up.recorded_at = actor_id, ctx.now
    session.add(follow_up)
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.FOLLOW_UP, entity_id=follow_up.id,
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
                               Category.name_zh, Category.name_en, parent.name_zh, parent.name_en, owner.name,
                               owner.name_en)
                        .join(Issue, FollowUp.issue_id == Issue.id).join(Category, Issue.category_id == Category.id)
                        .join(parent, Category.parent_id == parent.id, isouter=True)
                        .join(owner, Issue.owner_id == owner.id)
                        .order_by(FollowUp.closed_on.desc(), FollowUp.id.desc())).all()
    sampled = [(f.id, f.closed_on) for f, *_ in rows if not f.required]
    proposed = set(rules.propose_follow_ups(sampled, {f.id for f, *_ in rows if f.done_on is not None},
                                            _settings().follow_up_share))
    return [{**f.model_dump(), "number": number, "description": description, "version": version, "kind": kind,
             "category_zh": rules.category_label(parent_zh, category_zh),
             "category_en": rules.category_label(parent_en, category_en), "owner": name, "owner_en": name_en or name,
             "proposed": f.id in proposed, "overdue": f.done_on is None and f.due_on < on}
            for f, number, description, version, kind, category_zh, category_en, parent_zh, parent_en, name, name_en
            in rows]


@query
def trends_follow_ups(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The follow-ups of closings from `since` on, for the weekly follow-up rate and satisfaction."""
    statement = sa.select(FollowUp.issue_id, FollowUp.required, FollowUp.closed_on, FollowUp.due_on,
                          FollowUp.done_on, FollowUp.solved, FollowUp.satisfaction).order_by(FollowUp.id)
    if since is not None:
        statement = statement.where(FollowUp.closed_on >= since)
    return _frame(session, statement, trends.FOLLOW_UP_COLUMNS)
