"""Follow-up calls (回访): planned at closing, recorded once, read for the page and the weekly rates."""
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from models import Category, FollowUp, Issue
from qr import rules, trends
from qr.audit import Entity
from qr.store.base import _OWNER, _PARENT_CATEGORY, _audit, _frame, _settings, query, today


def _plan_follow_up(session: Session, issue: Issue, *, actor_id, now) -> None:
    """Closing plans the call back: required for a customer (external) or severity-A issue, a candidate for the
    weekly sample otherwise, none for a supplier's issue; due a configurable number of days after closing."""
    category = session.get(Category, issue.category_id)
    if not rules.follow_up_planned(category.kind):
        return
    follow_up = FollowUp(issue_id=issue.id, closed_on=issue.closed_on,
                         required=rules.follow_up_required(category.kind, issue.severity),
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


@query
def follow_ups(*, session: Session, on: date | None = None) -> list[dict]:
    """Every planned call back with its issue, newest closing first; `proposed` marks the internal ones the
    weekly sample still needs, `overdue` a call not made by its due day."""
    on = on or today()
    owner, parent = _OWNER, _PARENT_CATEGORY
    rows = session.exec(select(FollowUp, Issue.number, Issue.description, Issue.version, Category.kind,
                               Category.name_zh, Category.name_en, parent.name_zh, parent.name_en, owner.name,
                               owner.name_en)
                        .join(Issue, FollowUp.issue_id == Issue.id).join(Category, Issue.category_id == Category.id)
                        .join(parent, Category.parent_id == parent.id, isouter=True)
                        .join(owner, Issue.owner_id == owner.id)
                        .order_by(sa.func.coalesce(FollowUp.closed_on, FollowUp.done_on).desc(), FollowUp.id.desc())).all()
    sampled = [(f.id, f.closed_on) for f, *_ in rows if not f.required and f.closed_on is not None]
    proposed = set(rules.propose_follow_ups(sampled, {f.id for f, *_ in rows if f.done_on is not None},
                                            _settings().follow_up_share))
    return [{**f.model_dump(), "number": number, "description": description, "version": version, "kind": kind,
             "category_zh": rules.category_label(parent_zh, category_zh),
             "category_en": rules.category_label(parent_en, category_en), "owner": name, "owner_en": name_en or name,
             "proposed": f.id in proposed, "while_open": f.closed_on is None, "overdue": f.done_on is None and f.due_on < on}
            for f, number, description, version, kind, category_zh, category_en, parent_zh, parent_en, name, name_en
            in rows]


@query
def trends_follow_ups(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The follow-ups of closings from `since` on, for the weekly follow-up rate and satisfaction."""
    statement = sa.select(FollowUp.issue_id, FollowUp.required, FollowUp.closed_on, FollowUp.due_on,
                          FollowUp.done_on, FollowUp.solved, FollowUp.satisfaction) \
        .where(FollowUp.closed_on.is_not(None)).order_by(FollowUp.id)            # calls after a closing
    if since is not None:
        statement = statement.where(FollowUp.closed_on >= since)
    return _frame(session, statement, trends.FOLLOW_UP_COLUMNS)
