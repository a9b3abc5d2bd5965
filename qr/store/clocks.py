"""Customer response clocks: the rules a category starts, the response that stops a clock, the
clocks as the board and the trends read them."""
from collections import defaultdict
from datetime import date, datetime, timezone
from functools import partial

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from models import Category, Customer, Issue, Person, ResponseClock, ResponseRule
from qr import rules, trends
from qr.audit import Entity
from qr.notices import working_day
from qr.store.base import (_RESPONDER, EARLIEST_OPENED_ON, MAX_RESPONSE_MINUTES, REASON_MAX, Context, ValidationFailed,
                           _audit, _authorize, _commit_change, _frame, _get, _is_whole_number, _issue_command,
                           _still_relevant, _text, command, query)


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


def _rules_of(session: Session, category_id: int | None, customer_id: int | None) -> list[ResponseRule]:
    return list(session.exec(select(ResponseRule).where(
        ResponseRule.category_id.is_(None) if category_id is None else ResponseRule.category_id == category_id,
        ResponseRule.customer_id.is_(None) if customer_id is None else ResponseRule.customer_id == customer_id)
        .order_by(ResponseRule.position, ResponseRule.id)).all())


def _response_rules(session: Session, category: Category, customer_id: int | None = None) -> list[ResponseRule]:
    """The rules a new issue answers to. The customer's win: its rules for the category (else its parent), else
    its rules for every category; without any, the category's own rules, else its parent's (a 0-km complaint
    answers like any customer complaint)."""
    categories = [category.id] + ([category.parent_id] if category.parent_id is not None else [])
    lookups = [(c, customer_id) for c in categories] + [(None, customer_id)] if customer_id is not None else []
    for category_id, customer in lookups + [(c, None) for c in categories]:
        if found := _rules_of(session, category_id, customer):
            return found
    return []


def _timed_by(rule: ResponseRule, received_at: datetime, ctx: Context) -> dict:
    """What a clock of `rule` from `received_at` holds: the rule's code, names and place, and its due moment after
    the rule's limit (working days only when the rule says so). A new clock is made of it; a re-timed one takes it."""
    works = partial(working_day, rule=ctx.settings.notify_rule) if rule.working_time else None
    return {"code": rule.code, "name_zh": rule.name_zh, "name_en": rule.name_en, "position": rule.position,
            "started_at": received_at, "due_at": rules.clock_due(received_at, rule.limit_minutes, ctx.tz, works)}


def _follow_the_customer(session: Session, issue: Issue, *, actor_id: int | None, ctx: Context) -> None:
    """A complaint whose customer is named or changed answers to that customer's rules from then on: each clock not
    yet answered is timed again from the moment the complaint was received, and clocks are added or dropped as the
    rules say; an answered clock stays as it was answered. The audit trail keeps the clocks before and after. A
    complaint of unknown arrival (imported from a sheet, or entered with neither a rule nor its arrival) has
    nothing to count from and starts none."""
    if issue.received_at is None:
        return
    wanted = {rule.code: rule for rule in _response_rules(session, session.get(Category, issue.category_id),
                                                          issue.customer_id)}
    clocks = list(session.exec(select(ResponseClock).where(ResponseClock.issue_id == issue.id)).all())
    before = _clock_terms(clocks, ctx)
    kept, dropped = [], []
    for clock in clocks:
        rule = wanted.get(clock.code)
        if clock.responded_at is not None:
            kept.append(clock)
        elif rule is None:
            dropped.append(clock.id)
        else:
            for name, value in _timed_by(rule, issue.received_at, ctx).items():
                setattr(clock, name, value)
            session.add(clock)
            kept.append(clock)
    if dropped:
        session.execute(sa.delete(ResponseClock).where(ResponseClock.id.in_(dropped)))
    codes = {clock.code for clock in kept}
    for code, rule in wanted.items():
        if code not in codes:
            clock = ResponseClock(issue_id=issue.id, **_timed_by(rule, issue.received_at, ctx))
            session.add(clock)
            kept.append(clock)
    after = _clock_terms(kept, ctx)
    if after != before:
        _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name="response_clocks", old=before or None, new=after or None)


def _clock_terms(clocks: list[ResponseClock], ctx: Context) -> str:
    """The clocks as the audit trail keeps them: each one's code and when it is due, or that it was answered."""
    return "; ".join(f"{clock.code} {'answered' if clock.responded_at else 'due'} "
                     f"{(clock.responded_at or clock.due_at).astimezone(ctx.tz).strftime('%Y-%m-%d %H:%M')}"
                     for clock in sorted(clocks, key=lambda clock: (clock.position, clock.code)))


def _rule_label(rule: ResponseRule) -> str:
    return f"{rule.name_zh} / {rule.name_en}: {rule.limit_minutes} min" + (" (working days)" if rule.working_time else "")


@command
def set_response_rule(*, session: Session, actor_id: int | None, category_id: int | None, code: str, name_zh: str,
                      name_en: str, limit_minutes: int, customer_id: int | None = None, working_time: bool = False,
                      ctx: Context) -> ResponseRule:
    """Add a response rule to a category, to a customer (for one category or for all), or change the one with
    this code there; clocks already running keep the limit they started with (each issue answers to the rule of
    the day it was received)."""
    _authorize(session, actor_id, "configure")
    category = _get(session, Category, category_id, "category") if category_id is not None else None
    customer = _get(session, Customer, customer_id, "customer") if customer_id is not None else None
    if category is None and customer is None:
        raise ValidationFailed("err.required", field="category")
    code = _text(code, "code", required=True, limit=20)
    name_zh = _text(name_zh, "name_zh", required=True, limit=100)
    name_en = _text(name_en, "name_en", required=True, limit=100)
    if not _is_whole_number(limit_minutes) or not 1 <= limit_minutes <= MAX_RESPONSE_MINUTES:
        raise ValidationFailed("err.response_limit", limit=MAX_RESPONSE_MINUTES // (60 * 24))
    if not isinstance(working_time, bool):
        raise ValidationFailed("err.bad_choice", field="working_time")
    siblings = _rules_of(session, category_id, customer_id)
    rule = next((r for r in siblings if r.code == code), None)
    old = None if rule is None else _rule_label(rule)
    if rule is None:
        rule = ResponseRule(category_id=category_id, customer_id=customer_id, code=code, position=len(siblings) + 1,
                            name_zh=name_zh, name_en=name_en, limit_minutes=limit_minutes)
    rule.name_zh, rule.name_en, rule.limit_minutes, rule.working_time = name_zh, name_en, limit_minutes, working_time
    new = _rule_label(rule)
    if old == new:
        raise ValidationFailed("err.no_change")
    session.add(rule)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.RESPONSE_RULE, entity_id=rule.id, issue_id=None,
           field_name=_rule_scope(category, customer) + f".{code}", old=old, new=new)
    session.commit()
    return rule


def _rule_scope(category: Category | None, customer: Customer | None) -> str:
    return "/".join(part for part in (customer.code if customer else "", category.code if category else "") if part)


@command
def remove_response_rule(*, session: Session, actor_id: int | None, rule_id: int,
                         ctx: Context) -> None:
    """The category (or customer) stops starting this clock on new issues; clocks already running keep going."""
    _authorize(session, actor_id, "configure")
    rule = _get(session, ResponseRule, rule_id, "response_rule")
    category = session.get(Category, rule.category_id) if rule.category_id is not None else None
    customer = session.get(Customer, rule.customer_id) if rule.customer_id is not None else None
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.RESPONSE_RULE, entity_id=rule.id, issue_id=None,
           field_name=_rule_scope(category, customer) + f".{rule.code}", old=_rule_label(rule), new=None)
    session.execute(sa.delete(ResponseRule).where(ResponseRule.id == rule.id))
    session.commit()


@query
def categories_with_response_rules(*, session: Session) -> set[int]:
    """Categories whose new issues start response clocks (sub-types of a category with rules included); a
    customer's rules count for its complaints only, see response_rules."""
    with_rules = set(session.exec(select(ResponseRule.category_id).where(ResponseRule.customer_id.is_(None))
                                  .distinct()).all())
    subtypes = session.exec(select(Category.id).where(Category.parent_id.in_(with_rules))).all() if with_rules else []
    return with_rules | set(subtypes)


@query
def response_rules(category_id: int, *, session: Session, customer_id: int | None = None) -> list[dict]:
    """The rules a new issue of this category (and customer) starts clocks for: the customer's, else the
    category's own, else its parent's."""
    category = _get(session, Category, category_id, "category")
    return [rule.model_dump() for rule in _response_rules(session, category, customer_id)]


@query
def all_response_rules(*, session: Session) -> list[dict]:
    """Every rule with its scope, for the admin page: the category's rules first, then each customer's."""
    rows = session.exec(select(ResponseRule, Category.code, Customer.code)
                        .join(Category, ResponseRule.category_id == Category.id, isouter=True)
                        .join(Customer, ResponseRule.customer_id == Customer.id, isouter=True)
                        .order_by(ResponseRule.customer_id.is_not(None), Customer.code, Category.code,
                                  ResponseRule.position, ResponseRule.id)).all()
    return [{**rule.model_dump(), "category_code": category or "", "customer_code": customer or ""}
            for rule, category, customer in rows]


@command
def record_response(*, session: Session, actor_id: int | None, clock_id: int, responded_at: datetime,
                    responded_by_id: int, how: str, expected_version: int,
                    ctx: Context) -> Issue:
    """The response stops its clock: who answered, when and how (phone, e-mail, on site …), once."""
    clock = _get(session, ResponseClock, clock_id, "clock")
    issue = _issue_command(session, actor_id=actor_id, issue_id=clock.issue_id, expected_version=expected_version,
                           now=ctx.now)
    responded_at = _moment_value(responded_at, "responded_at")
    responder = _get(session, Person, responded_by_id, "responded_by")
    how = _text(how, "response_how", required=True, limit=REASON_MAX)
    if clock.responded_at is not None:
        raise ValidationFailed("err.clock_stopped", clock=clock.name_zh, clock_en=clock.name_en)
    if not clock.started_at <= responded_at <= ctx.now:
        raise ValidationFailed("err.response_out_of_range", field="responded_at")
    clock.responded_at, clock.responded_by_id, clock.response_how = responded_at, responder.id, how
    session.add(clock)
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.CLOCK, entity_id=clock.id, issue_id=issue.id,
           field_name=f"response_{clock.code}", old=None,
           new=f"{responded_at.astimezone(ctx.tz).strftime('%Y-%m-%d %H:%M')} {responder.name}: {how}")
    _commit_change(session)
    return issue


def _clocks_by_issue(session: Session, issue_filter) -> dict[int, list[dict]]:
    """Each issue's response clocks in rule order, with who answered, as plain dicts for the board."""
    responder = _RESPONDER
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


@query
def trends_clocks(*, session: Session, since: date | None = None) -> pd.DataFrame:
    """The response clocks of the issues that count from `since` on, for the clocks' weekly KPI."""
    return _frame(session, sa.select(ResponseClock.issue_id, ResponseClock.code, ResponseClock.name_zh,
                                     ResponseClock.name_en, ResponseClock.due_at, ResponseClock.responded_at)
                  .join(Issue, ResponseClock.issue_id == Issue.id)
                  .where(_still_relevant(since)).order_by(ResponseClock.id), trends.CLOCK_COLUMNS)
