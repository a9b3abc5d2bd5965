"""The board's reads: one row per issue with its steps' colours, overall status and escalation, the
issue detail built by the same code, and attachments."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, select

from models import Area, Attachment, AuditEvent, Category, Customer, Issue, IssueStep, TemplateStep
from qr import files, rules
from qr.config import Settings
from qr.rules import ColourRule, Status
from qr.store.base import (_LEAD, _OWNER, _PARENT_CATEGORY, _REPEATED, _UPLOADER, RECENTLY_CLOSED_DAYS, NotFound, _get,
                           _settings, _step_view, query, today)
from qr.store.clocks import _clocks_by_issue
from qr.store.history import _history_lines


@query
def attachments(issue_id: int, *, session: Session) -> list[dict]:
    """What is attached to an issue, without the bytes (those load only on download)."""
    uploader = _UPLOADER
    rows = session.exec(select(Attachment.id, Attachment.kind, Attachment.file_name, Attachment.file_type,
                               Attachment.size, Attachment.step_id, Attachment.uploaded_at, uploader.name)
                        .join(uploader, Attachment.uploaded_by_id == uploader.id, isouter=True)
                        .where(Attachment.issue_id == issue_id).order_by(Attachment.id)).all()
    return [{"id": r[0], "kind": r[1], "file_name": r[2], "file_type": r[3], "size": r[4], "step_id": r[5],
             "uploaded_at": r[6], "uploaded_by": r[7] or "—"} for r in rows]


@query
def attachment_content(attachment_id: int, *, session: Session) -> tuple[str, str, bytes]:
    """File name, MIME type and bytes of one attachment, for its download button."""
    attachment = _get(session, Attachment, attachment_id, "file")
    return attachment.file_name, files.mime_type(attachment.file_type), attachment.content


@query
def issue_count(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Issue)).one()


@query
def issue_numbers(*, session: Session) -> list[tuple[str, str]]:
    """Every issue's number and description, newest first, for the detail page's chooser."""
    return [tuple(row) for row in session.exec(select(Issue.number, Issue.description).order_by(Issue.id.desc())).all()]


STEP_COLUMNS = (IssueStep.id, IssueStep.issue_id, IssueStep.position, IssueStep.state, IssueStep.target_on,
                IssueStep.started_on, IssueStep.completed_on, IssueStep.marked_worse, IssueStep.marked_worse_on,
                IssueStep.worse_reason, IssueStep.na_reason, IssueStep.countermeasure, TemplateStep.code,
                TemplateStep.name_zh, TemplateStep.name_en, TemplateStep.eight_d, IssueStep.original_target_on,
                IssueStep.target_moves, IssueStep.move_requested_on, IssueStep.move_reason, IssueStep.claimed_on,
                IssueStep.evidence, IssueStep.verified_on, IssueStep.return_reason)


# a customer's or supplier's complaint: who, the disposition, the acceptance, a "not solved" call back
COMPLAINT_FIELDS = ("customer_id", "supplier", "defect_quantity", "disposition", "disposition_reason", "responsibility",
                    "supplier_8d_requested_on", "charge_back", "awaiting_acceptance", "accepted_on", "accepted_by",
                    "accepted_how", "unsolved_flag")
BOARD_COLUMNS = ["id", "number", "description", "category_zh", "category_en", "category_kind", "area_id",
                 "area_zh", "area_en", "part_number", "severity", "owner_id", "owner", "owner_en", "lead_id",
                 "lead", "lead_en", "opened_on", "next_report_on", "closed_on", "cancelled", "version", "days_open",
                 "steps", "overall", "report_overdue", "days_red", "escalation_level", "on_board", "received_at",
                 "clocks", "repeat_of", "repeat_checked", *COMPLAINT_FIELDS, "customer_code", "customer",
                 "customer_en"]


@query
def board_frame(*, session: Session, on: date | None = None, include_recently_closed: bool = False,
                include_closed: bool = False, with_list: bool = False, area_id: int | None = None) -> pd.DataFrame:
    """One row per board issue with steps, colours, overall, report overdue and escalation; `with_list`
    adds the issues kept on the simple tracking list (the update page, the meeting's review), `include_closed`
    every closed and cancelled issue (the export of the whole board); `area_id` reads one area's only.

    Three statements whatever the number of issues: issues with their names, all their steps, their clocks.
    """
    on = on or today()
    shown = Issue.closed_on.is_(None)
    if include_closed:
        shown = sa.true()
    elif include_recently_closed:
        shown = shown | (Issue.closed_on >= on - timedelta(days=RECENTLY_CLOSED_DAYS))
    if not with_list:
        shown = shown & Issue.on_board
    if area_id is not None:
        shown = shown & (Issue.area_id == area_id)
    records = _issue_records(session, shown, on)
    return pd.DataFrame.from_records(records, columns=BOARD_COLUMNS)


def _step_record(step, opened_on: date, on: date, rule: ColourRule, settings: Settings) -> dict:
    """One step as the board shows it; `step` is a row of STEP_COLUMNS."""
    view = _step_view(step)
    status = rules.step_status(view, on, rule)
    return {
        "id": step.id, "code": step.code, "position": step.position, "state": step.state, "name_zh": step.name_zh,
        "name_en": step.name_en, "eight_d": step.eight_d, "status": status, "target_on": step.target_on,
        "started_on": step.started_on, "completed_on": step.completed_on,
        "countermeasure": step.countermeasure, "worse_reason": step.worse_reason, "na_reason": step.na_reason,
        "warning": status == Status.Y and rules.in_warning_window(view, on, settings.warning_days),
        "days_red": rules.days_red(view, opened_on, on, rule),
        "original_target_on": step.original_target_on, "target_moves": step.target_moves,
        "move_requested_on": step.move_requested_on, "move_reason": step.move_reason,
        "to_verify": view.claimed, "claimed_on": step.claimed_on, "evidence": step.evidence,
        "verified_on": step.verified_on, "return_reason": step.return_reason,
        "no_countermeasure": rules.lacks_countermeasure(status, step.countermeasure, view.claimed),
    }


@dataclass
class IssueDetail:
    issue: dict
    steps: list[dict]
    history: list[dict] = field(default_factory=list)


@query
def issue_detail(number: str, *, session: Session, on: date | None = None) -> IssueDetail:
    """Every field of one issue, its steps with colours and its audit trail, newest first."""
    settings = _settings(session)
    on = on or today()
    issue = session.exec(select(Issue).where(Issue.number == number)).first()
    if issue is None:
        raise NotFound("err.not_found", field="number", value=number)
    record = _single_issue_record(session, issue, on)
    events = session.exec(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                          .order_by(AuditEvent.id.desc())).all()
    history = _history_lines(session, events, settings.tz)
    steps = sorted(record["steps"].values(), key=lambda s: s["position"])
    return IssueDetail(issue={k: v for k, v in record.items() if k != "steps"}, steps=steps, history=history)


def _issue_records(session: Session, shown, on: date) -> list[dict]:
    """The board records of the issues `shown` selects, in three statements whatever their number: the issues with
    their names, all their steps, their clocks (and the configured rules, once)."""
    settings = _settings(session)
    rule = ColourRule(settings.colour_rule)
    owner, lead, parent, repeated = _OWNER, _LEAD, _PARENT_CATEGORY, _REPEATED
    issue_rows = session.exec(
        select(Issue, Category, parent.name_zh, parent.name_en, Area, owner.name, owner.name_en,
               lead.name, lead.name_en, repeated.number, Customer.code, Customer.name_zh, Customer.name_en)
        .join(Category, Issue.category_id == Category.id)
        .join(parent, Category.parent_id == parent.id, isouter=True)
        .join(Area, Issue.area_id == Area.id)
        .join(owner, Issue.owner_id == owner.id)
        .join(lead, Issue.lead_id == lead.id)
        .join(repeated, Issue.repeat_of_id == repeated.id, isouter=True)
        .join(Customer, Issue.customer_id == Customer.id, isouter=True)
        .where(shown)
    ).all()
    step_rows = session.exec(
        select(*STEP_COLUMNS).join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
        .join(Issue, IssueStep.issue_id == Issue.id).where(shown).order_by(IssueStep.issue_id, IssueStep.position)
    ).all()
    steps_by_issue: dict[int, list] = defaultdict(list)
    for row in step_rows:                       # plain rows, no ORM objects: the board reads thousands of steps
        steps_by_issue[row.issue_id].append(row)
    clocks = _clocks_by_issue(session, shown)
    return [
        _issue_record(issue, category=category, parent_names=(parent_zh, parent_en), area=area,
                      owner_names=(owner_zh, owner_en), lead_names=(lead_zh, lead_en),
                      steps=[_step_record(row, issue.opened_on, on, rule, settings)
                             for row in steps_by_issue[issue.id]],
                      clocks=clocks.get(issue.id, []), on=on, settings=settings)
        | {"repeat_of": repeat_of or "", "customer_code": customer_code or "", "customer": customer_zh or "",
           "customer_en": customer_en or customer_zh or ""}
        for issue, category, parent_zh, parent_en, area, owner_zh, owner_en, lead_zh, lead_en, repeat_of,
        customer_code, customer_zh, customer_en in issue_rows
    ]


def _single_issue_record(session: Session, issue: Issue, on: date) -> dict:
    """The board record of one issue, closed or not, built by the same code as the board's rows."""
    return _issue_records(session, Issue.id == issue.id, on)[0]


def _issue_record(issue: Issue, *, category: Category, parent_names: tuple, area: Area, owner_names: tuple,
                  lead_names: tuple, steps: list[dict], clocks: list[dict], on: date, settings: Settings) -> dict:
    """One board row: the issue's fields plus what the rules compute from its steps. Response clocks stay
    moments: their state depends on the minute the board is drawn, not on the cached frame's day."""
    worst_days = max((s["days_red"] for s in steps), default=0)
    parent_zh, parent_en = parent_names
    return {
        "id": issue.id, "number": issue.number, "description": issue.description,
        "category_zh": rules.category_label(parent_zh, category.name_zh),
        "category_en": rules.category_label(parent_en, category.name_en),
        "category_kind": category.kind, "area_id": area.id, "area_zh": area.name_zh, "area_en": area.name_en,
        "part_number": issue.part_number, "severity": issue.severity,
        "owner_id": issue.owner_id, "owner": owner_names[0], "owner_en": owner_names[1] or owner_names[0],
        "lead_id": issue.lead_id, "lead": lead_names[0], "lead_en": lead_names[1] or lead_names[0],
        "opened_on": issue.opened_on, "next_report_on": issue.next_report_on, "closed_on": issue.closed_on,
        "cancelled": issue.cancelled,
        "version": issue.version, "days_open": rules.days_open(issue.opened_on, on, issue.closed_on),
        "steps": {s["code"]: s for s in steps},
        "overall": rules.overall_status([s["status"] for s in steps]).value,
        "report_overdue": rules.report_overdue(issue.next_report_on, on, issue.closed_on),
        "days_red": worst_days,
        "escalation_level": max(rules.escalation_level(worst_days, settings.escalation_ladders[issue.severity]),
                                issue.escalated_level),
        "on_board": issue.on_board, "received_at": issue.received_at, "clocks": clocks,
        "repeat_checked": issue.repeat_checked, **{name: getattr(issue, name) for name in COMPLAINT_FIELDS},
    }
