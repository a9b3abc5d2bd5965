"""The daily meeting's reads: sign-in sheet, review list, reporting order, changes since the last
meeting, decisions and the minutes."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlmodel import Session, select

from models import (Area, AuditEvent, Category, Issue, Meeting, MeetingAttendance, MeetingDecision, MeetingReport,
                    Person, ReportOrder)
from qr import compliance
from qr import meeting as meeting_rules
from qr import rules
from qr.audit import Entity
from qr.store.base import _OWNER, Context, _get, _plain, _settings, query
from qr.store.board import _issue_records, board_frame
from qr.store.history import _history_lines


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
             "name": name or line.guest_name, "name_en": name_en or name or line.guest_name, "function": line.function}
            for line, name, name_en in rows]


@query
def meeting_functions(meeting_id: int, *, session: Session) -> tuple[list[str], list[str]]:
    """The functions the area required when the meeting started, and those no one present or late stands for."""
    meeting = _get(session, Meeting, meeting_id, "meeting")
    required = rules.function_list(meeting.required_functions)
    sheet = sign_in_sheet(meeting.id, session=session)
    return required, rules.missing_functions(required, [(line["function"], line["status"]) for line in sheet])


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


def _previous_meeting(session: Session, area_id: int, before: date) -> Meeting | None:
    return session.exec(select(Meeting).where(Meeting.area_id == area_id, Meeting.held_on < before)
                        .order_by(Meeting.held_on.desc()).limit(1)).first()


@query
def review_list(area_id: int, *, session: Session, ctx: Context) -> list[dict]:
    """The review of new issues: the area's issues created since the end of its previous meeting (a Monday after a
    holiday sees the whole gap; the first meeting looks back 24 hours), and every open issue not decided yet,
    however old, until a facilitator puts it on the board or the watch list."""
    rule = ctx.settings.admission_rule
    previous = _previous_meeting(session, area_id, ctx.day)
    since = rules.review_since((previous.ended_at or previous.started_at) if previous else None, ctx.now)
    rows = session.exec(select(Issue, Category).join(Category)
                        .where(Issue.area_id == area_id, Issue.created_at <= ctx.now,
                               (Issue.created_at > since) | (Issue.reviewed_at.is_(None) & Issue.closed_on.is_(None)))
                        .order_by(Issue.created_at, Issue.id)).all()
    return [{"id": issue.id, "number": issue.number, "description": issue.description, "severity": issue.severity,
             "category_zh": category.name_zh, "category_en": category.name_en, "category_kind": category.kind,
             "on_board": issue.on_board, "reviewed": issue.reviewed_at is not None, "version": issue.version,
             "created_at": issue.created_at, "since": since,
             "proposed_on_board": rules.admitted_to_board(issue.severity, category.kind, rule)}
            for issue, category in rows
            if rules.in_review(issue.created_at, issue.reviewed_at, issue.closed_on is not None, since, ctx.now)]


@query
def reporting_order(area_id: int, *, session: Session, on: date | None = None) -> pd.DataFrame:
    """The area's open issues in reporting order: the board's first (the saved order, then by owner and worst
    status), then, unless the plant turned it off, the watch list's in the same way."""
    frame = board_frame(session=session, on=on, with_list=_settings(session).watch_list_in_meeting, area_id=area_id)
    frame = frame[frame["closed_on"].isna()]
    saved = dict(session.exec(select(ReportOrder.issue_id, ReportOrder.position)
                              .where(ReportOrder.area_id == area_id)).all())
    return meeting_rules.reporting_order(frame, saved)


def _change_window(session: Session, meeting: Meeting, now: datetime) -> tuple[datetime, datetime]:
    """From the end of the area's previous meeting (or 24 hours before this one) to this one's end or now."""
    previous = _previous_meeting(session, meeting.area_id, meeting.held_on)
    since = (previous.ended_at or previous.started_at) if previous else meeting.started_at - timedelta(hours=24)
    return since, meeting.ended_at or now


@query
def meeting_changes(meeting_id: int, *, session: Session, ctx: Context) -> dict[int, list[dict]]:
    """What changed on each of the area's issues since its previous meeting, from the audit trail, oldest first
    (moments in the plant's zone)."""
    meeting = _get(session, Meeting, meeting_id, "meeting")
    tz = ctx.tz
    since, until = _change_window(session, meeting, ctx.now)
    events = session.exec(select(AuditEvent).join(Issue, AuditEvent.issue_id == Issue.id)
                          .where(Issue.area_id == meeting.area_id, AuditEvent.at > since, AuditEvent.at <= until,
                                 AuditEvent.entity != Entity.DECISION)        # decisions are listed as such
                          .order_by(AuditEvent.id)).all()
    changes: dict[int, list[dict]] = defaultdict(list)
    for event, line in zip(events, _history_lines(session, events, tz)):
        changes[event.issue_id].append(line)
    return dict(changes)


@query
def meeting_decisions(meeting_id: int, *, session: Session) -> list[dict]:
    """The meeting's decisions in the order taken, with the issue number and the action owner's names."""
    owner = _OWNER
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
    required_functions: list[str] = field(default_factory=list)
    missing_functions: list[str] = field(default_factory=list)


@query
def meeting_minutes(meeting_id: int, *, session: Session, ctx: Context) -> Minutes:
    """Date, area, facilitator, attendance, each issue reported with its changes and decisions, duration."""
    tz = ctx.tz
    meeting = _get(session, Meeting, meeting_id, "meeting")
    area = session.get(Area, meeting.area_id)
    facilitator = session.get(Person, meeting.facilitator_id)
    sheet = sign_in_sheet(meeting.id, session=session)
    required, missing = meeting_functions(meeting.id, session=session)
    changes = meeting_changes(meeting.id, session=session, now=ctx.now)
    decisions: dict[int, list[dict]] = defaultdict(list)
    for decision in meeting_decisions(meeting.id, session=session):
        decisions[decision["issue_id"]].append(decision)
    reported = list(session.exec(select(MeetingReport.issue_id).where(MeetingReport.meeting_id == meeting.id)
                                 .order_by(MeetingReport.position)).all())
    issue_ids = reported + [i for i in decisions if i not in reported]
    records = {record["id"]: record for record in _issue_records(session, Issue.id.in_(issue_ids), meeting.held_on)}
    items = [{"number": record["number"], "description": record["description"], "owner": record["owner"],
              "on_board": record["on_board"], "owner_en": record["owner_en"], "overall": record["overall"],
              "next_report_on": record["next_report_on"], "reported": issue_id in reported,
              "step_names": {s["id"]: (s["name_zh"], s["name_en"]) for s in record["steps"].values()},
              "changes": changes.get(issue_id, []), "decisions": decisions.get(issue_id, [])}
             for issue_id in issue_ids for record in [records[issue_id]]]
    ended = meeting.ended_at or ctx.now
    return Minutes(held_on=meeting.held_on, area_code=area.code, area_zh=area.name_zh, area_en=area.name_en,
                   facilitator=facilitator.name, facilitator_en=facilitator.name_en or facilitator.name,
                   started_at=meeting.started_at.astimezone(tz),
                   ended_at=meeting.ended_at.astimezone(tz) if meeting.ended_at else None,
                   duration_minutes=round((ended - meeting.started_at).total_seconds() / 60),
                   attendance=sheet,
                   attendance_rate=rules.attendance_rate([line["status"] for line in sheet if not line["guest"]]),
                   items=items, required_functions=required, missing_functions=missing)


@query
def meeting_attendance_frame(*, session: Session, start: date, end: date, area_id: int | None = None,
                             plant_id: int | None = None) -> pd.DataFrame:
    """Sign-in lines of the meetings held from start to end (members only), for the attendance KPI; of one area's
    meetings, or one plant's."""
    statement = (select(Meeting.held_on, Meeting.area_id, MeetingAttendance.person_id, MeetingAttendance.status)
                 .join(Meeting, MeetingAttendance.meeting_id == Meeting.id)
                 .where(Meeting.held_on >= start, Meeting.held_on <= end, ~MeetingAttendance.guest)
                 .order_by(Meeting.held_on, Meeting.area_id, MeetingAttendance.person_id))
    if area_id is not None:
        statement = statement.where(Meeting.area_id == area_id)
    if plant_id is not None:
        statement = statement.where(Meeting.area_id.in_(select(Area.id).where(Area.plant_id == plant_id)))
    frame = pd.DataFrame(session.exec(statement).all(), columns=["meeting_on", "area_id", "person_id", "status"])
    frame["attended"] = frame["status"].isin(rules.ATTENDED).astype(bool)
    return frame


@query
def update_compliance_frames(*, session: Session, start: date, end: date, area_id: int | None = None,
                             include_now: bool = False,
                             ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What update compliance is computed from (qr.compliance): the meetings held from a month before `start` to
    `end` (each needs the one before it), the areas' board issues open in that time, and the owners' own audit
    events on them. `include_now` counts this moment as today's meeting where none was started yet (the meeting
    page before it starts)."""
    meeting_rows = session.exec(select(Meeting.area_id, Meeting.held_on, Meeting.started_at, Meeting.ended_at)
                                .where(Meeting.held_on >= start - timedelta(days=31), Meeting.held_on <= end)
                                .order_by(Meeting.area_id, Meeting.held_on)).all()
    meetings = pd.DataFrame([tuple(row) for row in meeting_rows], columns=compliance.MEETING_COLUMNS)
    if area_id is not None:
        meetings = meetings[meetings["area_id"] == area_id]
    if include_now and end == ctx.day:
        held_today = set(meetings.loc[meetings["held_on"] == ctx.day, "area_id"])
        areas = [area_id] if area_id is not None else session.exec(select(Area.id)).all()
        now_rows = [(a, ctx.day, ctx.now, None) for a in areas if a not in held_today]
        meetings = pd.concat([meetings, pd.DataFrame(now_rows, columns=compliance.MEETING_COLUMNS)],
                             ignore_index=True) if now_rows else meetings
    first = meetings["started_at"].min() if not meetings.empty else ctx.now
    owner = _OWNER
    statement = (select(Issue.id, Issue.number, Issue.area_id, Issue.owner_id, owner.name, owner.name_en,
                        Issue.opened_on, Issue.closed_on, Issue.on_board)
                 .join(owner, Issue.owner_id == owner.id)
                 .where(Issue.opened_on <= end, Issue.closed_on.is_(None) | (Issue.closed_on >= start)))
    if area_id is not None:
        statement = statement.where(Issue.area_id == area_id)
    issues = pd.DataFrame([tuple(row) for row in session.exec(statement).all()], columns=compliance.ISSUE_COLUMNS)
    issues["owner_en"] = [en or zh for zh, en in zip(issues["owner"], issues["owner_en"])]
    updates = pd.DataFrame([tuple(row) for row in session.exec(
        select(AuditEvent.issue_id, AuditEvent.actor_id, AuditEvent.at).join(Issue, AuditEvent.issue_id == Issue.id)
        .where(AuditEvent.actor_id == Issue.owner_id, AuditEvent.at > first,
               Issue.id.in_(select(Issue.id).where(Issue.opened_on <= end)))).all()],
        columns=compliance.UPDATE_COLUMNS)
    return issues, updates, meetings
