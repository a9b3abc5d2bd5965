"""Issue commands: open, change a step, next report date, close, cancel, reopen, attach a file."""
import secrets
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from models import (Area, Attachment, Category, Issue, IssueSequence, IssueStep, Person, ResponseClock, StepTemplate,
                    TemplateStep)
from qr import db, eight_d, files, rules, similar
from qr.audit import Entity
from qr.rules import ColourRule, StepState
from qr.store.base import (DESCRIPTION_MAX, EARLIEST_OPENED_ON, REASON_MAX, TEXT_MAX, Context, NotFound,
                           ValidationFailed, _audit, _authorize, _authorize_plant, _commit_change, _date, _get,
                           _issue_command, _may, _require_countermeasure, _set, _settings, _step_view, _text, command,
                           step_command)
from qr.store.clocks import _received_at, _response_rules, _timed_by
from qr.store.customers import _accept, _acceptance, _complaint_party
from qr.store.eight_d_reports import _eight_d_content
from qr.store.follow_ups import _drop_pending_follow_up, _plan_follow_up
from qr.store.lessons import _record_lesson, _require_targets_settled
from qr.store.outbox import _notify_new_issue
from qr.store.templates import _active_steps


def _next_numbers(session: Session, year: int, count: int = 1) -> list[str]:
    """QR-YYYY-NNNN from a per-year counter row, `count` at once; the UPDATE's row lock keeps numbers unique."""
    db.insert_ignoring_duplicates(session, IssueSequence, year=year, last=0)
    last = session.execute(update(IssueSequence).where(IssueSequence.year == year)
                           .values(last=IssueSequence.last + count).returning(IssueSequence.last)).scalar_one()
    return [f"QR-{year:04d}-{n:04d}" for n in range(last - count + 1, last + 1)]


def _next_number(session: Session, year: int) -> str:
    return _next_numbers(session, year)[0]


def _provisional_number() -> str:
    """A placeholder unique to this transaction until the real number is taken just before commit, so writers
    creating issues at once wait on the year's counter only for their last statements."""
    return f"~{secrets.token_hex(9)}"


@command
def create_issue(*, session: Session, actor_id: int | None, description: str, category_id: int, area_id: int,
                 severity: str, owner_id: int, lead_id: int, opened_on: date, next_report_on: date,
                 template_id: int, part_number: str = "",
                 target_changes: dict[int, tuple[date, str]] | None = None,
                 na_steps: dict[int, str] | None = None, received_at: datetime | None = None,
                 customer_id: int | None = None, supplier: str = "", defect_quantity: int | None = None,
                 ctx: Context) -> Issue:
    """Open an issue with one step per template step, targets from the guide limits.

    target_changes and na_steps are keyed by template step position (1-based) and carry a reason.
    Each response rule of the category (the customer's, when it has its own) starts a clock at `received_at`,
    the moment the complaint reached the plant; without one it is this moment (the complaint is being recorded
    as it arrives).
    """
    day = ctx.day
    _authorize(session, actor_id, "create_issue")
    description = _text(description, "description", required=True, limit=DESCRIPTION_MAX)
    part_number = _text(part_number, "part_number", required=False, limit=100)
    if severity not in rules.SEVERITY:
        raise ValidationFailed("err.bad_choice", field="severity")
    category = _get(session, Category, category_id, "category")
    _get(session, Area, area_id, "area")
    _authorize_plant(session, actor_id, area_id)
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
    template_steps = _active_steps(session, template_id)       # the issue's own copy: later edits leave it
    positions = {ts.position for ts in template_steps}
    target_changes, na_steps = dict(target_changes or {}), dict(na_steps or {})
    for position in list(target_changes) + list(na_steps):
        if position not in positions:
            raise ValidationFailed("err.not_found", field="step", value=str(position))

    party = _complaint_party(session, category.kind, customer_id, supplier, defect_quantity)
    response_rules = _response_rules(session, category, party["customer_id"])
    if response_rules or received_at is not None:
        received_at = _received_at(ctx.now if received_at is None else received_at, ctx.now)

    issue = Issue(number=_provisional_number(), description=description,
                  similarity_key=similar.signature(description),
                  category_id=category_id, area_id=area_id, part_number=part_number, severity=severity,
                  owner_id=owner_id, lead_id=lead_id, template_id=template_id, opened_on=opened_on,
                  next_report_on=next_report_on, created_at=ctx.now, updated_at=ctx.now, received_at=received_at,
                  **party,
                  on_board=rules.admitted_to_board(severity, category.kind, ctx.settings.admission_rule))
    session.add(issue)
    session.flush()
    created = _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id,
                     issue_id=issue.id, field_name="created", old=None, new=None)
    for rule in response_rules:
        session.add(ResponseClock(issue_id=issue.id, **_timed_by(rule, received_at, ctx)))
    for ts, target_on in zip(template_steps, rules.target_dates(opened_on, [t.guide_limit_days for t in template_steps])):
        step = IssueStep(issue_id=issue.id, template_step_id=ts.id, position=ts.position, target_on=target_on,
                         original_target_on=target_on)
        session.add(step)
        session.flush()
        if ts.position in target_changes:         # the plan the issue is opened with: its original target, no move
            new_target, reason = target_changes[ts.position]
            _move_target(session, step=step, issue=issue, target_on=_date(new_target, "target_on"), reason=reason,
                         actor_id=actor_id, now=ctx.now)
            step.original_target_on = step.target_on
        if ts.position in na_steps:
            _mark_na(session, step=step, template_step=ts, reason=na_steps[ts.position], actor_id=actor_id,
                     now=ctx.now)
    issue.number = created.new = _next_number(session, opened_on.year)   # last: its counter row is locked to commit
    _notify_new_issue(session, ctx, issue, category.kind)
    _commit_change(session)
    return issue


def _day_of_issue(value, key: str, issue: Issue, ctx: Context) -> date:
    """A day in the issue's life so far: from its open date to the plant's today."""
    day = _date(value, key)
    if not issue.opened_on <= day <= ctx.day:
        raise ValidationFailed("err.done_out_of_range", field=key)
    return day


@step_command(open_step=True)
def complete_step(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                  template_step: TemplateStep, issue: Issue, done_on: date, evidence: str = "") -> None:
    """Done on a day between the open date and today. Where the plant verifies exits (the default), an owner's
    "done" is a claim with its evidence — a note, or a file attached to the step — and the step stays open until
    a quality engineer verifies it (对比退出); a facilitator's (the quality engineer's) or the system's completion
    is checked as it is made and turns the step green at once."""
    done_on = _day_of_issue(done_on, "completed_on", issue, ctx)
    evidence = _text(evidence, "evidence", required=False, limit=TEXT_MAX)
    _require_targets_settled(session, step, template_step)
    if ctx.settings.verify_exits and not _may(session, actor_id, "verify_exit"):
        if step.claimed_on is not None:
            raise ValidationFailed("err.step_claimed", step=template_step.name_zh, step_en=template_step.name_en,
                                   date=step.claimed_on.isoformat())
        if not evidence and not _evidence_files(session, step):
            raise ValidationFailed("err.evidence_needed", step=template_step.name_zh, step_en=template_step.name_en)
        _set(session, step, "claimed_on", done_on, actor_id=actor_id, now=ctx.now)
        _set(session, step, "evidence", evidence, actor_id=actor_id, now=ctx.now)
        _set(session, step, "claimed_by_id", actor_id, actor_id=actor_id, now=ctx.now)
        _set(session, step, "return_reason", "", actor_id=actor_id, now=ctx.now)
        return
    _set(session, step, "state", StepState.DONE.value, actor_id=actor_id, now=ctx.now)
    _set(session, step, "completed_on", done_on, actor_id=actor_id, now=ctx.now)
    if evidence:
        _set(session, step, "evidence", evidence, actor_id=actor_id, now=ctx.now)
    _settle_move_request(session, step, actor_id=actor_id, now=ctx.now, reason="step completed")


def _evidence_files(session: Session, step: IssueStep) -> int:
    return session.exec(select(func.count()).select_from(Attachment).where(Attachment.step_id == step.id)).one()


def _require_claim(step: IssueStep, template_step: TemplateStep) -> None:
    if step.claimed_on is None:
        raise ValidationFailed("err.not_claimed", step=template_step.name_zh, step_en=template_step.name_en)


@step_command(open_step=True, action="verify_exit")
def verify_step(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                template_step: TemplateStep, issue: Issue, note: str = "") -> None:
    """对比退出: the quality engineer checked the owner's evidence against the exit criterion. The step is done on
    the day the owner said, and green from today, the day it was verified (past days keep their colour)."""
    _require_claim(step, template_step)
    _require_targets_settled(session, step, template_step)
    note = _text(note, "note", required=False, limit=REASON_MAX)
    _set(session, step, "state", StepState.DONE.value, actor_id=actor_id, now=ctx.now, reason=note)
    _set(session, step, "completed_on", step.claimed_on, actor_id=actor_id, now=ctx.now, reason=note)
    _set(session, step, "verified_on", ctx.day, actor_id=actor_id, now=ctx.now, reason=note)
    _set(session, step, "verified_by_id", actor_id, actor_id=actor_id, now=ctx.now, reason=note)
    _settle_move_request(session, step, actor_id=actor_id, now=ctx.now, reason="step verified")


@step_command(open_step=True, action="verify_exit")
def return_step(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                template_step: TemplateStep, issue: Issue, reason: str) -> None:
    """The evidence does not show the exit criterion met: the claim goes back to the owner with the reason; the
    step stays open as it was (and needs its countermeasure again if it is red)."""
    _require_claim(step, template_step)
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    _set(session, step, "claimed_on", None, actor_id=actor_id, now=ctx.now, reason=reason)
    _set(session, step, "evidence", "", actor_id=actor_id, now=ctx.now, reason=reason)
    _set(session, step, "claimed_by_id", None, actor_id=actor_id, now=ctx.now, reason=reason)
    _set(session, step, "return_reason", reason, actor_id=actor_id, now=ctx.now, reason=reason)


@step_command(open_step=True)
def start_step(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
               template_step: TemplateStep, issue: Issue, started_on: date) -> None:
    """Under the START colour rule an open step is red until work on it begins, then yellow until done."""
    started_on = _day_of_issue(started_on, "started_on", issue, ctx)
    if step.started_on is not None:
        raise ValidationFailed("err.step_started", step=template_step.name_zh, step_en=template_step.name_en,
                               date=step.started_on.isoformat())
    _set(session, step, "started_on", started_on, actor_id=actor_id, now=ctx.now)


def _mark_na(session, *, step, template_step, reason, actor_id, now):
    """Not applicable to this issue, with the reason; only a step the template allows to be N/A."""
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if not template_step.may_be_na:
        raise ValidationFailed("err.na_not_allowed", step=template_step.name_zh, step_en=template_step.name_en)
    if step.state != StepState.OPEN:
        raise ValidationFailed("err.step_not_open", step=template_step.name_zh, step_en=template_step.name_en)
    _require_targets_settled(session, step, template_step)
    _set(session, step, "na_reason", reason, actor_id=actor_id, now=now, reason=reason)
    _set(session, step, "state", StepState.NA.value, actor_id=actor_id, now=now, reason=reason)
    _settle_move_request(session, step, actor_id=actor_id, now=now, reason=reason)


@step_command()
def mark_step_na(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                 template_step: TemplateStep, issue: Issue, reason: str) -> None:
    _mark_na(session, step=step, template_step=template_step, reason=reason, actor_id=actor_id, now=ctx.now)


@step_command(open_step=True)
def mark_step_worse(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                    template_step: TemplateStep, issue: Issue, reason: str,
                    countermeasure: str) -> None:
    """Y→R by the owner's judgement (e.g. blocked); a red step always carries its countermeasure."""
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    countermeasure = _text(countermeasure, "countermeasure", required=False, limit=TEXT_MAX)
    _set(session, step, "countermeasure", countermeasure, actor_id=actor_id, now=ctx.now)
    _set(session, step, "marked_worse", True, actor_id=actor_id, now=ctx.now, reason=reason)
    _set(session, step, "marked_worse_on", ctx.day, actor_id=actor_id, now=ctx.now)
    _set(session, step, "worse_reason", reason, actor_id=actor_id, now=ctx.now, reason=reason)
    _require_countermeasure(step, template_step, ctx.day, ctx.settings)


@step_command()
def set_countermeasure(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                       template_step: TemplateStep, issue: Issue, countermeasure: str) -> None:
    text = _text(countermeasure, "countermeasure", required=False, limit=TEXT_MAX)
    _set(session, step, "countermeasure", text, actor_id=actor_id, now=ctx.now)
    if step.state == StepState.OPEN:
        _require_countermeasure(step, template_step, ctx.day, ctx.settings)


def _move_target(session, *, step, issue, target_on, reason, actor_id, now):
    """A new target date, never before the issue was opened, always with its reason."""
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if target_on < issue.opened_on:
        raise ValidationFailed("err.before_opened", field="target_on")
    _set(session, step, "target_on", target_on, actor_id=actor_id, now=now, reason=reason)
    return reason


@step_command(open_step=True)
def move_target(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                template_step: TemplateStep, issue: Issue, target_on: date,
                reason: str) -> IssueStep:
    """A new target date, always with its reason. Within the plant's limit (by default the first move of a step
    that is not red) or by a facilitator it applies at once; past it, it is a request that changes nothing —
    colour, days red, escalation — until a facilitator approves it. Returns the step (`move_requested_on` set
    when it waits for approval)."""
    target_on = _date(target_on, "target_on")
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)       # as stored in every audit event below
    if step.move_requested_on is not None:
        raise ValidationFailed("err.move_pending", step=template_step.name_zh, step_en=template_step.name_en,
                               date=step.move_requested_on.isoformat())
    if target_on == step.target_on:
        raise ValidationFailed("err.no_change")
    status = rules.step_status(_step_view(step), ctx.day, ColourRule(ctx.settings.colour_rule))
    if _may(session, actor_id, "approve_move") or not rules.move_needs_approval(step.target_moves, status,
                                                                                ctx.settings.move_rule):
        _move_target(session, step=step, issue=issue, target_on=target_on, reason=reason, actor_id=actor_id,
                     now=ctx.now)
        _set(session, step, "target_moves", step.target_moves + 1, actor_id=actor_id, now=ctx.now, reason=reason)
        _require_countermeasure(step, template_step, ctx.day, ctx.settings)
        return step
    if target_on < issue.opened_on:
        raise ValidationFailed("err.before_opened", field="target_on")
    _set(session, step, "move_requested_on", target_on, actor_id=actor_id, now=ctx.now, reason=reason)
    _set(session, step, "move_reason", reason, actor_id=actor_id, now=ctx.now, reason=reason)
    _set(session, step, "move_requested_by_id", actor_id, actor_id=actor_id, now=ctx.now, reason=reason)
    return step


def _require_request(step: IssueStep, template_step: TemplateStep) -> None:
    if step.move_requested_on is None:
        raise ValidationFailed("err.no_move_request", step=template_step.name_zh, step_en=template_step.name_en)


def _settle_move_request(session, step: IssueStep, *, actor_id, now, reason: str) -> None:
    """A request is answered once: approved, refused, or dropped when the step is done or N/A."""
    for name, value in (("move_requested_on", None), ("move_reason", ""), ("move_requested_by_id", None)):
        _set(session, step, name, value, actor_id=actor_id, now=now, reason=reason)


@step_command(open_step=True, action="approve_move")
def approve_target_move(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                        template_step: TemplateStep, issue: Issue, note: str = "") -> None:
    """The facilitator agrees the new target: days red and escalation count from it from now on; the days that
    passed keep their colour (the trends replay the target in force each day from the audit trail)."""
    _require_request(step, template_step)
    note = _text(note, "note", required=False, limit=REASON_MAX)
    reason = f"{step.move_reason} ({note})" if note else step.move_reason
    _move_target(session, step=step, issue=issue, target_on=step.move_requested_on, reason=reason[:REASON_MAX],
                 actor_id=actor_id, now=ctx.now)
    _set(session, step, "target_moves", step.target_moves + 1, actor_id=actor_id, now=ctx.now, reason=note)
    _settle_move_request(session, step, actor_id=actor_id, now=ctx.now, reason=note or "approved")


@step_command(action="approve_move")
def refuse_target_move(*, session: Session, ctx: Context, actor_id: int | None, step: IssueStep,
                       template_step: TemplateStep, issue: Issue, reason: str) -> None:
    """The facilitator refuses the new target, with the reason: the step keeps the target it had."""
    _require_request(step, template_step)
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    _settle_move_request(session, step, actor_id=actor_id, now=ctx.now, reason=reason)


@command
def set_next_report(*, session: Session, actor_id: int | None, issue_id: int, next_report_on: date,
                    expected_version: int, ctx: Context) -> Issue:
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    _set_next_report(session, issue, next_report_on, actor_id=actor_id, now=ctx.now)
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
        _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name="next_report_on", old=old, new=next_report_on, reason=reason)


@command
def close_issue(*, session: Session, actor_id: int | None, issue_id: int, closed_on: date, reason: str,
                expected_version: int, accepted_by: str = "", accepted_how: str = "", ctx: Context) -> Issue:
    """Closing needs every step G or N/A and a problem-solving report; recorded with who, when and why.
    A customer's complaint closes with the customer's acceptance (who accepted and how, on `closed_on`); asked
    without it, the issue waits for it, open and marked on the board, until record_acceptance."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now, action="close_issue")
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    closed_on = _date(closed_on, "closed_on")
    _require_closable(session, issue, closed_on, ctx)
    if session.get(Category, issue.category_id).kind == "external":
        acceptance = _acceptance(accepted_by, accepted_how) if accepted_by or accepted_how else None
        if acceptance is None:
            if issue.awaiting_acceptance:
                raise ValidationFailed("err.awaiting_acceptance", number=issue.number)
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
                   field_name="awaiting_acceptance", old=False, new=True, reason=reason)
            issue.awaiting_acceptance = True
            _commit_change(session)
            return issue
        _accept(session, issue, closed_on, *acceptance, actor_id=actor_id, now=ctx.now)
    _close(session, issue, closed_on, actor_id=actor_id, now=ctx.now, reason=reason)
    _commit_change(session)
    return issue


def _require_closable(session: Session, issue: Issue, closed_on: date, ctx: Context) -> None:
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if not issue.opened_on <= closed_on <= ctx.day:
        raise ValidationFailed("err.done_out_of_range", field="closed_on")
    open_steps = session.exec(select(TemplateStep.name_zh, TemplateStep.name_en, IssueStep.claimed_on)
                              .join(IssueStep)
                              .where(IssueStep.issue_id == issue.id, IssueStep.state == StepState.OPEN.value)
                              .order_by(IssueStep.position)).all()
    if open_steps:                              # a step still waiting for verification is not done yet
        raise ValidationFailed(
            "err.open_steps", steps="、".join(zh + ("(待验证)" if claimed else "") for zh, _, claimed in open_steps),
            steps_en=", ".join(en + (" (to verify)" if claimed else "") for _, en, claimed in open_steps))
    has_report = session.exec(select(func.count()).select_from(Attachment).where(
        Attachment.issue_id == issue.id, Attachment.kind == "report")).one()
    gaps = eight_d.missing(_eight_d_content(session, issue.id))
    if not has_report and gaps:
        raise ValidationFailed("err.report_or_8d", number=issue.number, sections=", ".join(gaps))


def _close(session: Session, issue: Issue, closed_on: date, *, actor_id, now, reason: str) -> None:
    issue.closed_on = closed_on
    _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
           field_name="closed_on", old=None, new=closed_on, reason=reason)
    if issue.unsolved_flag:                     # closed again after a "not solved" call: the flag is answered
        _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name="unsolved_flag", old=True, new=False, reason=reason)
        issue.unsolved_flag = False
    _plan_follow_up(session, issue, actor_id=actor_id, now=now)
    _record_lesson(session, issue, now)


@command
def cancel_issue(*, session: Session, actor_id: int | None, issue_id: int, reason: str, expected_version: int,
                 ctx: Context) -> Issue:
    """Closed as not valid or a duplicate: off the board today, with the reason, never counted as solved (no steps
    or report asked, no follow-up call planned)."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now, action="close_issue")
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    _cancel(session, issue, ctx.day, actor_id=actor_id, now=ctx.now, reason=reason)
    _commit_change(session)
    return issue


def _cancel(session: Session, issue: Issue, day: date, *, actor_id, now, reason: str) -> None:
    """Close an issue as cancelled, both changes audited with the reason (the command and an imported row)."""
    for name, value in (("closed_on", day), ("cancelled", True)):
        _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name=name, old=getattr(issue, name), new=value, reason=reason)
        setattr(issue, name, value)


@command
def reopen_issue(*, session: Session, actor_id: int | None, issue_id: int, reason: str, expected_version: int,
                 ctx: Context) -> Issue:
    """Back on the board (the problem came back, or was closed or cancelled too early), with the reason recorded."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now, action="close_issue")
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if issue.closed_on is None:
        raise ValidationFailed("err.issue_open", number=issue.number)
    _reopen(session, issue, ctx.day, actor_id=actor_id, now=ctx.now, reason=reason)
    _commit_change(session)
    return issue


def _reopen(session: Session, issue: Issue, day: date, *, actor_id, now, reason: str) -> None:
    """Open again: no longer cancelled, the closing's acceptance no longer holds, its pending call dropped, a
    next report date from today."""
    _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
           field_name="closed_on", old=issue.closed_on, new=None, reason=reason)
    for name, cleared in (("cancelled", False), ("accepted_on", None)):
        if getattr(issue, name) != cleared:
            _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
                   field_name=name, old=getattr(issue, name), new=cleared, reason=reason)
            setattr(issue, name, cleared)
    _drop_pending_follow_up(session, issue, actor_id=actor_id, now=now, reason=reason)
    issue.closed_on = None
    if issue.next_report_on is None or issue.next_report_on < day:
        _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name="next_report_on", old=issue.next_report_on, new=day, reason=reason)
        issue.next_report_on = day


@command
def attach_file(*, session: Session, actor_id: int | None, issue_id: int, file_name: str, content: bytes,
                kind: str, expected_version: int, step_id: int | None = None,
                ctx: Context) -> Attachment:
    """Store evidence or the report in the database; the type is judged from the bytes, not only the name."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    file_name = _text(file_name, "file_name", required=True, limit=255)
    if kind not in ("report", "evidence"):
        raise ValidationFailed("err.bad_choice", field="kind")
    if not isinstance(content, bytes) or not content:
        raise ValidationFailed("err.required", field="file")
    limit_mb = ctx.settings.max_upload_mb
    if len(content) > limit_mb * 1024 * 1024:
        raise ValidationFailed("err.file_too_large", limit=limit_mb)
    file_type = files.sniff_file_type(file_name, content)
    if file_type is None:
        raise ValidationFailed("err.file_type", name=file_name)
    if step_id is not None and _get(session, IssueStep, step_id, "step").issue_id != issue.id:
        raise NotFound("err.not_found", field="step", value=str(step_id))
    attachment = Attachment(issue_id=issue.id, step_id=step_id, kind=kind, file_name=file_name, file_type=file_type,
                            size=len(content), content=content, uploaded_by_id=actor_id, uploaded_at=ctx.now)
    session.add(attachment)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ATTACHMENT, entity_id=attachment.id, issue_id=issue.id,
           field_name=f"attachment_{kind}", old=None, new=file_name)
    _commit_change(session)
    return attachment
