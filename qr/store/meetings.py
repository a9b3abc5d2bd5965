"""The daily meeting's commands: start, sign-in sheet, 24-hour review, reports, decisions, order."""
from datetime import date, datetime
from functools import wraps
import inspect

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import (Area, AuditEvent, Issue, Meeting, MeetingAttendance, MeetingDecision, MeetingReport, Person,
                    ReportOrder)
from qr import rules
from qr.audit import Entity
from qr.store.base import (REASON_MAX, TEXT_MAX, Context, NotFound, StaleVersion, ValidationFailed, _audit,
                           _authorize_plant, _claim_row, _claim_version, _commit_change, _date, _get,
                           _is_whole_number, _last_change, _plain, _require_actor, _text, command)
from qr.store.issues import _set_next_report


class MeetingStale(StaleVersion):
    """Another facilitator changed the meeting after this one loaded it; nothing was written."""


def _claim_meeting(session: Session, meeting_id: int, expected_version: int, now: datetime) -> Meeting:
    """Compare-and-set on the meeting's version, as for issues: two facilitators cannot overwrite each other."""
    meeting = _get(session, Meeting, meeting_id, "meeting")
    if not _is_whole_number(expected_version):
        raise ValidationFailed("err.not_number", field="version")
    claimed = _claim_row(session, update(Meeting).where(Meeting.id == meeting_id, Meeting.version == expected_version)
                         .values(version=Meeting.version + 1).execution_options(synchronize_session=False),
                         busy=lambda: MeetingStale("err.meeting_saving_now"))
    if claimed != 1:
        last = session.exec(select(AuditEvent).where(AuditEvent.entity.in_((Entity.MEETING, Entity.ATTENDANCE)),
                                                     AuditEvent.reason == _meeting_reason(meeting))
                            .order_by(AuditEvent.id.desc()).limit(1)).first()
        raise MeetingStale("err.meeting_stale", **_last_change(last, meeting.started_at))
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


def _meeting_event(session, meeting: Meeting, *, actor_id, now, field_name, old, new, entity=Entity.MEETING,
                   entity_id=None) -> None:
    _audit(session, at=now, actor_id=actor_id, entity=entity, entity_id=entity_id or meeting.id, issue_id=None,
           field_name=field_name, old=old, new=new, reason=_meeting_reason(meeting))


@command
def start_meeting(*, session: Session, actor_id: int, area_id: int, ctx: Context) -> Meeting:
    """Today's meeting of the area, its sign-in sheet listing the area's people (all absent until signed in)."""
    facilitator = _require_actor(session, actor_id)
    area = _get(session, Area, area_id, "area")
    _authorize_plant(session, actor_id, area_id)
    held_on = ctx.day
    existing = session.exec(select(Meeting, Person.name).join(Person, Meeting.facilitator_id == Person.id)
                            .where(Meeting.area_id == area_id, Meeting.held_on == held_on)).first()
    if existing is not None:
        raise ValidationFailed("err.meeting_exists", area=area.name_zh, area_en=area.name_en, who=existing[1])
    meeting = Meeting(area_id=area_id, held_on=held_on, facilitator_id=facilitator.id, started_at=ctx.now,
                      required_functions=area.required_functions)     # as the area asks today: minutes stay true
    session.add(meeting)
    try:
        session.flush()
    except IntegrityError:                      # another facilitator started it a moment ago (PostgreSQL)
        session.rollback()
        raise ValidationFailed("err.meeting_exists", area=area.name_zh, area_en=area.name_en, who="—") from None
    members = session.exec(select(Person.id, Person.function).where(Person.area_id == area_id, Person.active)
                           .order_by(Person.id)).all()
    session.add_all(MeetingAttendance(meeting_id=meeting.id, person_id=person_id, function=function)
                    for person_id, function in members)
    _meeting_event(session, meeting, actor_id=actor_id, now=ctx.now, field_name="started", old=None,
                   new=f"{area.code} {held_on.isoformat()}")
    session.commit()
    return meeting


@command
def sign_in(*, session: Session, actor_id: int, meeting_id: int, statuses: dict[int, str], expected_version: int,
            ctx: Context) -> Meeting:
    """The sign-in sheet saved at once: status per attendance line (present, late, excused, absent)."""
    _require_actor(session, actor_id)
    _authorize_plant(session, actor_id, _get(session, Meeting, meeting_id, "meeting").area_id)
    meeting = _claim_meeting(session, meeting_id, expected_version, ctx.now)
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
            _meeting_event(session, meeting, actor_id=actor_id, now=ctx.now, field_name="status", old=line.status,
                           new=status, entity=Entity.ATTENDANCE, entity_id=line.id)
            line.status = status
    _commit_change(session)
    return meeting


@command
def add_guest(*, session: Session, actor_id: int, meeting_id: int, name: str, expected_version: int,
              status: str = "present", function: str = "", ctx: Context) -> MeetingAttendance:
    """A guest (列席: another area, a supplier, a customer) signs in too; guests do not count in the rate, but a
    guest's function counts as present (an SQE from the supplier-quality office)."""
    _require_actor(session, actor_id)
    _authorize_plant(session, actor_id, _get(session, Meeting, meeting_id, "meeting").area_id)
    meeting = _claim_meeting(session, meeting_id, expected_version, ctx.now)
    name = _text(name, "guest_name", required=True, limit=100)
    if status not in rules.ATTENDANCE_STATUSES:
        raise ValidationFailed("err.bad_choice", field="attendance")
    function = _function(function)
    line = MeetingAttendance(meeting_id=meeting.id, guest=True, guest_name=name, status=status, function=function)
    session.add(line)
    session.flush()
    _meeting_event(session, meeting, actor_id=actor_id, now=ctx.now, field_name="guest", old=None, new=name,
                   entity=Entity.ATTENDANCE, entity_id=line.id)
    session.commit()
    return line


@command
def end_meeting(*, session: Session, actor_id: int, meeting_id: int, expected_version: int,
                ctx: Context) -> Meeting:
    """The meeting's end fixes its duration and the window of the next meeting's 'changed since'."""
    _require_actor(session, actor_id)
    _authorize_plant(session, actor_id, _get(session, Meeting, meeting_id, "meeting").area_id)
    meeting = _claim_meeting(session, meeting_id, expected_version, ctx.now)
    meeting.ended_at = ctx.now
    _meeting_event(session, meeting, actor_id=actor_id, now=ctx.now, field_name="ended", old=None,
                   new=ctx.now.isoformat(timespec="seconds"))
    session.commit()
    return meeting


def _function(value) -> str:
    """A function code of rules.FUNCTIONS, or "" for none."""
    if value in (None, ""):
        return ""
    if value not in rules.FUNCTIONS:
        raise ValidationFailed("err.bad_choice", field="function")
    return value


def _place(session, issue: Issue, on_board: bool, *, actor_id, now, reason: str) -> None:
    """The issue's tier, board (上板: tracked to its exit criteria) or watch list, decided: recorded with why."""
    if not isinstance(on_board, bool):
        raise ValidationFailed("err.bad_choice", field="on_board")
    if issue.on_board != on_board:
        _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name="on_board", old=issue.on_board, new=on_board, reason=reason)
        issue.on_board = on_board
    if issue.reviewed_at is None or reason == REVIEW_REASON:
        _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
               field_name="reviewed_at", old=issue.reviewed_at, new=now.isoformat(timespec="seconds"), reason=reason)
        issue.reviewed_at = now


REVIEW_REASON = "review of new issues"


@command
def review_issue(*, session: Session, actor_id: int, issue_id: int, on_board: bool, expected_version: int,
                 ctx: Context) -> Issue:
    """The review of new issues: the facilitator puts a new issue on the board or the watch list."""
    _require_actor(session, actor_id)
    _authorize_plant(session, actor_id, _get(session, Issue, issue_id, "issue").area_id)
    issue = _claim_version(session, issue_id, expected_version, ctx.now)
    _place(session, issue, on_board, actor_id=actor_id, now=ctx.now, reason=REVIEW_REASON)
    _commit_change(session)
    return issue


@command
def change_tier(*, session: Session, actor_id: int, issue_id: int, on_board: bool, reason: str,
                expected_version: int, ctx: Context) -> Issue:
    """Promote a watch-list issue to the board, or demote a board issue to the watch list, at any time, with the
    reason: the board tier is tracked to its exit criteria and needs its 8D, the watch list reports after it."""
    _require_actor(session, actor_id)
    _authorize_plant(session, actor_id, _get(session, Issue, issue_id, "issue").area_id)
    issue = _claim_version(session, issue_id, expected_version, ctx.now)
    reason = _text(reason, "reason", required=True, limit=REASON_MAX)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if issue.on_board == on_board:
        raise ValidationFailed("err.already_on_board" if on_board else "err.already_on_watch_list",
                               number=issue.number)
    _place(session, issue, on_board, actor_id=actor_id, now=ctx.now, reason=reason)
    _commit_change(session)
    return issue


@command
def record_report(*, session: Session, actor_id: int, meeting_id: int, issue_id: int,
                  ctx: Context) -> MeetingReport:
    """The issue was reported at this meeting (presenter mode moved past it); once per meeting and issue."""
    _require_actor(session, actor_id)
    meeting = _get(session, Meeting, meeting_id, "meeting")
    _authorize_plant(session, actor_id, meeting.area_id)
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
    report = MeetingReport(meeting_id=meeting.id, issue_id=issue.id, position=position, reported_at=ctx.now)
    session.add(report)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.MEETING, entity_id=meeting.id, issue_id=None,
           field_name="reported", old=None, new=issue.number, reason=_meeting_reason(meeting))
    session.commit()
    return report


def _decision_command(session: Session, *, actor_id, meeting_id, issue_id, expected_version, now):
    """Common start of a decision: a running meeting, the issue's version claimed, the issue still open."""
    _require_actor(session, actor_id)
    meeting = _get(session, Meeting, meeting_id, "meeting")
    _authorize_plant(session, actor_id, meeting.area_id)
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
    _audit(session, at=now, actor_id=actor_id, entity=Entity.DECISION, entity_id=decision.id, issue_id=issue.id,
           field_name=field_name, old=old, new=new, reason=_meeting_reason(meeting))
    return decision


def _decision(change):
    """A decision of a running meeting on an open issue, called with `meeting_id`, `issue_id` and
    `expected_version`: `change` applies it to the issue and says what was decided; the decision, its audit
    event and the change are committed as one."""
    @wraps(change)
    def run(*, session: Session, ctx: Context, actor_id, meeting_id, issue_id, expected_version,
            **values) -> MeetingDecision:
        meeting, issue = _decision_command(session, actor_id=actor_id, meeting_id=meeting_id, issue_id=issue_id,
                                           expected_version=expected_version, now=ctx.now)
        decided = change(session=session, ctx=ctx, actor_id=actor_id, meeting=meeting, issue=issue, **values)
        decision = _add_decision(session, meeting, issue, actor_id=actor_id, now=ctx.now, **decided)
        session.commit()
        return decision
    run.__signature__ = inspect.signature(run, follow_wrapped=False)    # `command` builds its ctx
    return command(run)


@_decision
def decide_next_report(*, session: Session, ctx: Context, actor_id: int, meeting: Meeting, issue: Issue,
                       next_report_on: date) -> dict:
    """The meeting agrees the owner's next report date (the same rule as set_next_report)."""
    old = issue.next_report_on
    if _date(next_report_on, "next_report_on") == old:
        raise ValidationFailed("err.no_change")
    _set_next_report(session, issue, next_report_on, actor_id=actor_id, now=ctx.now,
                     reason=_meeting_reason(meeting))
    return dict(kind="next_report", field_name="decision_next_report", old=old, new=issue.next_report_on,
                next_report_on=issue.next_report_on)


@_decision
def decide_action(*, session: Session, ctx: Context, actor_id: int, meeting: Meeting, issue: Issue, action: str,
                  owner_id: int, due_on: date) -> dict:
    """An action the meeting gives someone, with its due date."""
    action = _text(action, "action", required=True, limit=TEXT_MAX)
    owner = _get(session, Person, owner_id, "owner")
    due_on = _date(due_on, "due_on")
    if due_on < meeting.held_on:
        raise ValidationFailed("err.past_date", field="due_on")
    return dict(kind="action", field_name="decision_action", old=None,
                new=f"{action} ({owner.name}, {due_on.isoformat()})", action=action, action_owner_id=owner.id,
                due_on=due_on)


@_decision
def decide_escalation(*, session: Session, ctx: Context, actor_id: int, meeting: Meeting, issue: Issue,
                      level: int) -> dict:
    """Escalate now, whatever the days red say: the board shows the higher of the two levels."""
    top = ctx.settings.top_escalation_level
    if not _is_whole_number(level) or not 1 <= level <= top:
        raise ValidationFailed("err.bad_choice", field="escalated_level")
    if level <= issue.escalated_level:
        raise ValidationFailed("err.no_change")
    old = issue.escalated_level
    issue.escalated_level = level
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
           field_name="escalated_level", old=old, new=level, reason=_meeting_reason(meeting))
    return dict(kind="escalate", field_name="decision_escalate", old=old, new=level, escalated_level=level)


@command
def save_report_order(*, session: Session, actor_id: int, area_id: int, issue_ids: list[int],
                      ctx: Context) -> None:
    """The area's reporting order: the listed issues first, in that order; the others follow by default."""
    _require_actor(session, actor_id)
    _get(session, Area, area_id, "area")
    _authorize_plant(session, actor_id, area_id)
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
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.AREA, entity_id=area_id, issue_id=None,
           field_name="report_order", old=None, new=",".join(str(i) for i in ids))
    session.commit()
