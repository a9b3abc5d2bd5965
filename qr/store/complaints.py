"""Complaints as a customer-service team runs them: the disposition (valid or not, whose responsibility), the
customer's acceptance that closes one, a supplier's 8D request and charge-back, and the calls back (回访) with
what a "not solved" answer does."""
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, select

from models import Category, Customer, FollowUp, Issue, Person
from qr import customer_kpis, notices, rules
from qr.audit import Entity
from qr.i18n import t
from qr.store.base import (REASON_MAX, TEXT_MAX, Context, ValidationFailed, _audit, _commit_change, _date, _frame, _get,
                           _is_whole_number, _issue_command, _settings, _text, command, query)
from qr.store.clocks import _follow_the_customer, trends_clocks
from qr.store.customers import deliveries, _accept, _acceptance, _complaint_party
from qr.store.issues import _cancel, _close, _reopen, _require_closable
from qr.store.outbox import _issue_names, _notify

COMPLAINT_COLUMNS = ["issue_id", "number", "kind", "customer_id", "supplier", "severity", "opened_on", "closed_on",
                     "cancelled", "disposition", "responsibility", "defect_quantity", "supplier_8d_requested_on",
                     "charge_back", "accepted_on"]
CALL_COLUMNS = ["issue_id", "closed_on", "done_on", "solved", "satisfaction", "speed", "solving", "attitude"]


def _kind(session: Session, issue: Issue) -> str:
    return session.get(Category, issue.category_id).kind


def _change(session: Session, issue: Issue, values: dict, *, actor_id, now, reason: str = "") -> None:
    for name, value in values.items():
        if getattr(issue, name) != value:
            _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
                   field_name=name, old=getattr(issue, name), new=value, reason=reason)
            setattr(issue, name, value)
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")


@command
def judge_complaint(*, session: Session, actor_id: int | None, issue_id: int, disposition: str, reason: str,
                    responsibility: str, expected_version: int, ctx: Context) -> Issue:
    """判定: a customer's or supplier's complaint is valid or not, with the reason and whose responsibility. A not
    valid one closes as such at once (never counted as solved, no exit criteria asked); judged valid again, it
    comes back open. Every judgement is audited."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now, action="close_issue")
    if _kind(session, issue) == "internal":
        raise ValidationFailed("err.not_complaint", number=issue.number)
    if disposition not in rules.DISPOSITIONS:
        raise ValidationFailed("err.bad_choice", field="disposition")
    if responsibility not in rules.RESPONSIBILITIES:
        raise ValidationFailed("err.bad_choice", field="responsibility")
    reason = _text(reason, "disposition_reason", required=True, limit=REASON_MAX)
    _change(session, issue, {"disposition": disposition, "responsibility": responsibility,
                             "disposition_reason": reason}, actor_id=actor_id, now=ctx.now, reason=reason)
    if disposition == "invalid" and issue.closed_on is None:
        _cancel(session, issue, ctx.day, actor_id=actor_id, now=ctx.now, reason=reason)
        issue.awaiting_acceptance = False
    elif disposition == "valid" and issue.cancelled:
        _reopen(session, issue, ctx.day, actor_id=actor_id, now=ctx.now, reason=reason)
    _commit_change(session)
    return issue


@command
def record_acceptance(*, session: Session, actor_id: int | None, issue_id: int, accepted_on: date, accepted_by: str,
                      accepted_how: str, expected_version: int, ctx: Context) -> Issue:
    """The customer accepted the solution of a complaint waiting for it: the issue closes on that day."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now, action="close_issue")
    if not issue.awaiting_acceptance:
        raise ValidationFailed("err.not_awaiting", number=issue.number)
    accepted_on = _date(accepted_on, "accepted_on")
    accepted_by, accepted_how = _acceptance(accepted_by, accepted_how)
    _require_closable(session, issue, accepted_on, ctx)
    _accept(session, issue, accepted_on, accepted_by, accepted_how, actor_id=actor_id, now=ctx.now)
    _close(session, issue, accepted_on, actor_id=actor_id, now=ctx.now,
           reason=f"{t('acceptance.reason', 'zh', who=accepted_by)} / {t('acceptance.reason', 'en', who=accepted_by)}")
    _commit_change(session)
    return issue


@command
def record_rejection(*, session: Session, actor_id: int | None, issue_id: int, refused_by: str, reason: str,
                     expected_version: int, ctx: Context) -> Issue:
    """The customer did not accept the solution of a complaint waiting for it: the complaint is worked on again
    (no longer waiting, audited with who refused and why) and its lead is told; closing it later asks again."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now, action="close_issue")
    if not issue.awaiting_acceptance:
        raise ValidationFailed("err.not_awaiting", number=issue.number)
    refused_by = _text(refused_by, "refused_by", required=True, limit=100)
    reason = _text(reason, "refusal_reason", required=True, limit=REASON_MAX)
    _change(session, issue, {"awaiting_acceptance": False}, actor_id=actor_id, now=ctx.now,
            reason=f"{refused_by}: {reason}"[:REASON_MAX])
    names = _issue_names(session, issue)
    _notify(session, ctx, event_key=f"acceptance_refused:{issue.id}:{issue.version}", event="acceptance_refused",
            area_id=None, people=[session.get(Person, issue.lead_id)], issue_id=issue.id, urgent=False,
            render=lambda lang: notices.render_issue_notice("acceptance_refused", names, lang,
                                                            ctx.settings.public_url, who=refused_by,
                                                            reason=reason))
    _commit_change(session)
    return issue


@command
def set_complaint_details(*, session: Session, actor_id: int | None, issue_id: int, customer_id: int | None,
                          defect_quantity: int | None, expected_version: int, ctx: Context) -> Issue:
    """Whose complaint it is and how many bad parts it counts (the customer's PPM); a new customer's response
    rules time the clocks not yet answered."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    party = _complaint_party(session, _kind(session, issue), customer_id, issue.supplier, defect_quantity)
    new_customer = party["customer_id"] != issue.customer_id
    _change(session, issue, {"customer_id": party["customer_id"], "defect_quantity": party["defect_quantity"]},
            actor_id=actor_id, now=ctx.now)
    if new_customer:
        _follow_the_customer(session, issue, actor_id=actor_id, ctx=ctx)
    _commit_change(session)
    return issue


@command
def set_supplier_actions(*, session: Session, actor_id: int | None, issue_id: int, supplier: str,
                         supplier_8d_requested_on: date | None, charge_back: bool, defect_quantity: int | None,
                         expected_version: int, ctx: Context) -> Issue:
    """A supplier's issue: which supplier, when its 8D was asked for, whether the cost is charged back (索赔)."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    kind = _kind(session, issue)
    if kind != "supplier":
        raise ValidationFailed("err.not_supplier_issue", number=issue.number)
    party = _complaint_party(session, kind, None, supplier, defect_quantity)
    if supplier_8d_requested_on is not None:
        supplier_8d_requested_on = _date(supplier_8d_requested_on, "supplier_8d_requested_on")
        if not issue.opened_on <= supplier_8d_requested_on <= ctx.day:
            raise ValidationFailed("err.done_out_of_range", field="supplier_8d_requested_on")
    if not isinstance(charge_back, bool):
        raise ValidationFailed("err.bad_choice", field="charge_back")
    _change(session, issue, {"supplier": party["supplier"], "defect_quantity": party["defect_quantity"],
                             "supplier_8d_requested_on": supplier_8d_requested_on, "charge_back": charge_back},
            actor_id=actor_id, now=ctx.now)
    _commit_change(session)
    return issue


def _scores(satisfaction, speed, solving, attitude) -> dict:
    """Overall satisfaction and the three the practice scores (response speed, solving ability, attitude), 1–5."""
    scores = {"satisfaction": satisfaction, "speed": speed, "solving": solving, "attitude": attitude}
    for name, value in scores.items():
        if not _is_whole_number(value) or not 1 <= value <= 5:
            raise ValidationFailed("err.satisfaction", field=name)
    return scores


def _call_fields(contact, channel, remarks) -> tuple[str, str, str]:
    contact = _text(contact, "contact", required=True, limit=100)
    if channel not in rules.FOLLOW_UP_CHANNELS:
        raise ValidationFailed("err.bad_choice", field="channel")
    return contact, channel, _text(remarks, "remarks", required=False, limit=TEXT_MAX)


@command
def record_follow_up(*, session: Session, actor_id: int | None, follow_up_id: int, done_on: date, contact: str,
                     channel: str, solved: bool, satisfaction: int, remarks: str, expected_version: int,
                     speed: int | None = None, solving: int | None = None, attitude: int | None = None,
                     ctx: Context) -> FollowUp:
    """The call back after closing: when, whom, how, whether the problem is solved and how satisfied (overall and
    on speed, solving and attitude; the three default to the overall score); once. "Not solved" reopens the
    issue or flags it on the board (the plant's follow-up rule) and tells its lead: the practice follows
    through until the customer answers satisfied."""
    follow_up = _get(session, FollowUp, follow_up_id, "follow_up")
    issue = _issue_command(session, actor_id=actor_id, issue_id=follow_up.issue_id, expected_version=expected_version,
                           now=ctx.now)
    session.refresh(follow_up)
    if follow_up.done_on is not None:
        raise ValidationFailed("err.follow_up_done")
    done_on = _date(done_on, "follow_up_on")
    if not follow_up.closed_on <= done_on <= ctx.day:
        raise ValidationFailed("err.follow_up_range", field="follow_up_on")
    contact, channel, remarks = _call_fields(contact, channel, remarks)
    if not isinstance(solved, bool):
        raise ValidationFailed("err.bad_choice", field="solved")
    scores = _scores(satisfaction, *(satisfaction if v is None else v for v in (speed, solving, attitude)))
    follow_up.done_on, follow_up.contact, follow_up.channel, follow_up.solved = done_on, contact, channel, solved
    for name, value in scores.items():
        setattr(follow_up, name, value)
    follow_up.remarks, follow_up.recorded_by_id, follow_up.recorded_at = remarks, actor_id, ctx.now
    session.add(follow_up)
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.FOLLOW_UP, entity_id=follow_up.id,
           issue_id=follow_up.issue_id, field_name="follow_up_done", old=None,
           new=f"{done_on.isoformat()} {contact} ({channel}): solved={solved}, " + _scores_text(scores),
           reason=remarks[:REASON_MAX])
    if not solved:
        _not_solved(session, issue, follow_up, ctx, actor_id=actor_id, remarks=remarks)
    elif issue.unsolved_flag and issue.closed_on is not None:
        _change(session, issue, {"unsolved_flag": False}, actor_id=actor_id, now=ctx.now)
    _commit_change(session)
    return follow_up


def _scores_text(scores: dict) -> str:
    return ", ".join(f"{name}={value}" for name, value in scores.items())


def _not_solved(session: Session, issue: Issue, follow_up: FollowUp, ctx: Context, *, actor_id, remarks: str) -> None:
    """The customer says the problem is not solved: the closing no longer holds (reopened) or the board shows it
    (flagged, and the customer is called again until satisfied), as the plant chose; the lead is told either way."""
    reason = f"{t('follow_up.unsolved_reason', 'zh')} / {t('follow_up.unsolved_reason', 'en')}" + \
        (f": {remarks}" if remarks else "")
    reason = reason[:REASON_MAX]
    if issue.closed_on is not None:
        if ctx.settings.follow_up_rule.unsolved == "reopen":
            _reopen(session, issue, ctx.day, actor_id=actor_id, now=ctx.now, reason=reason)
        else:
            _change(session, issue, {"unsolved_flag": True}, actor_id=actor_id, now=ctx.now, reason=reason)
            again = FollowUp(issue_id=issue.id, closed_on=issue.closed_on, required=True, created_at=ctx.now,
                             due_on=rules.follow_up_due(ctx.day, ctx.settings.follow_up_days))
            session.add(again)
            session.flush()
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.FOLLOW_UP, entity_id=again.id,
                   issue_id=issue.id, field_name="follow_up_due", old=None, new=again.due_on, reason=reason)
    names = _issue_names(session, issue)
    action = "reopen" if issue.closed_on is None else "flag"
    _notify(session, ctx, event_key=f"follow_up_unsolved:{follow_up.id}", event="follow_up_unsolved",
            area_id=None, people=[session.get(Person, issue.lead_id)], issue_id=issue.id, urgent=False,
            render=lambda lang: notices.render_issue_notice("follow_up_unsolved", names, lang,
                                                            ctx.settings.public_url,
                                                            action=t(f"follow_up.unsolved_{action}", lang)))


@command
def record_open_call(*, session: Session, actor_id: int | None, issue_id: int, done_on: date, contact: str,
                     channel: str, satisfaction: int, speed: int, solving: int, attitude: int, remarks: str,
                     expected_version: int, ctx: Context) -> FollowUp:
    """A call to the customer while its complaint is still open (how it goes, how satisfied so far): recorded
    as made, it is the last call the next one is counted from."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    done_on = _date(done_on, "follow_up_on")
    if not issue.opened_on <= done_on <= ctx.day:
        raise ValidationFailed("err.follow_up_range", field="follow_up_on")
    contact, channel, remarks = _call_fields(contact, channel, remarks)
    scores = _scores(satisfaction, speed, solving, attitude)
    call = FollowUp(issue_id=issue.id, closed_on=None, due_on=done_on, required=False, done_on=done_on,
                    contact=contact, channel=channel, remarks=remarks, recorded_by_id=actor_id, recorded_at=ctx.now,
                    created_at=ctx.now, **scores)
    session.add(call)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.FOLLOW_UP, entity_id=call.id, issue_id=issue.id,
           field_name="open_call", old=None, new=f"{done_on.isoformat()} {contact} ({channel}): " + _scores_text(scores),
           reason=remarks[:REASON_MAX])
    _commit_change(session)
    return call


@query
def open_calls_due(*, session: Session, on: date) -> list[dict]:
    """Customers' complaints open long enough to be called while open, and not called lately (the plant's rule)."""
    rule = _settings().follow_up_rule
    last_call = (select(FollowUp.issue_id, func.max(FollowUp.done_on).label("last_on"))
                 .where(FollowUp.done_on.is_not(None)).group_by(FollowUp.issue_id).subquery())
    rows = session.exec(select(Issue, Customer.code, Customer.name_zh, Customer.name_en, last_call.c.last_on)
                        .join(Category, Issue.category_id == Category.id)
                        .join(Customer, Issue.customer_id == Customer.id, isouter=True)
                        .join(last_call, last_call.c.issue_id == Issue.id, isouter=True)
                        .where(Category.kind == "external", Issue.closed_on.is_(None))
                        .order_by(Issue.opened_on, Issue.id)).all()
    return [{"issue_id": issue.id, "number": issue.number, "description": issue.description,
             "version": issue.version, "opened_on": issue.opened_on, "customer": code or "",
             "customer_zh": name_zh or "", "customer_en": name_en or name_zh or "", "last_call_on": last_on}
            for issue, code, name_zh, name_en, last_on in rows
            if rules.open_call_due(issue.opened_on, last_on, on, after_days=rule.open_after_days,
                                   every_days=rule.open_every_days)]


@query
def complaint_frames(*, session: Session, since: date, until: date) -> dict[str, pd.DataFrame]:
    """The customers' and suppliers' issues opened from `since` to `until`, with their calls, for the monthly
    KPIs (qr/customer_kpis.py)."""
    window = (Issue.opened_on >= since) & (Issue.opened_on <= until) & (Category.kind != "internal")
    issues = _frame(session, sa.select(Issue.id, Issue.number, Category.kind, Issue.customer_id, Issue.supplier,
                                       Issue.severity, Issue.opened_on, Issue.closed_on, Issue.cancelled,
                                       Issue.disposition, Issue.responsibility, Issue.defect_quantity,
                                       Issue.supplier_8d_requested_on, Issue.charge_back, Issue.accepted_on)
                    .join(Category, Issue.category_id == Category.id).where(window).order_by(Issue.id),
                    COMPLAINT_COLUMNS)
    calls = _frame(session, sa.select(FollowUp.issue_id, FollowUp.closed_on, FollowUp.done_on, FollowUp.solved,
                                      FollowUp.satisfaction, FollowUp.speed, FollowUp.solving, FollowUp.attitude)
                   .where(FollowUp.done_on >= since, FollowUp.done_on <= until).order_by(FollowUp.id), CALL_COLUMNS)
    return {"issues": issues, "calls": calls}


@query
def customer_month_inputs(month: date, *, session: Session) -> dict[str, pd.DataFrame]:
    """What the customers' month (qr.customer_kpis.compute) reads: every complaint up to the month's end (a call
    made in the month may follow an older one), its calls, the clocks, the month's deliveries, the customers."""
    last = customer_kpis.month_end(month)
    frames = complaint_frames(session=session, since=date(2000, 1, 1), until=last)
    customers = pd.DataFrame([c.model_dump() for c in session.exec(select(Customer).order_by(Customer.code)).all()],
                             columns=["id", "code", "name_zh", "name_en", "site", "active"])
    return {"issues": frames["issues"], "calls": frames["calls"], "clocks": trends_clocks(session=session, since=month),
            "deliveries": deliveries(session=session, since=month, until=month), "customers": customers}
