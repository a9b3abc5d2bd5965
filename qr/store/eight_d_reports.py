"""The built-in 8D / PPSR report: saved section by section under the issue's version."""
from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from models import EightDReport, Issue
from qr import eight_d
from qr.audit import Entity
from qr.store.base import (Context, NotFound, ValidationFailed, _audit, _commit_change, _is_whole_number,
                           _issue_command, _text, command, query, today)
from qr.store.board import _single_issue_record


def _eight_d_content(session: Session, issue_id: int) -> dict:
    report = session.exec(select(EightDReport).where(EightDReport.issue_id == issue_id)).first()
    return report.content if report else {}


def _eight_d_value(field: eight_d.EightDField, value, key: str):
    """A field's value as kept: text trimmed, a quantity a whole number ≥ 0 (or none), whys up to five texts."""
    if field.kind == "quantity":
        if value is None or value == "":
            return None
        if not _is_whole_number(value) or value < 0:
            raise ValidationFailed("err.not_quantity", field=key)
        return value
    if field.kind == "whys":
        whys = list(value or [])
        if len(whys) > eight_d.WHYS:
            raise ValidationFailed("err.too_long", field=key, limit=eight_d.WHYS)
        whys = [_text(why, key, required=False, limit=eight_d.TEXT_LIMIT) for why in whys]
        while whys and not whys[-1]:
            whys.pop()
        return whys
    return _text(value, key, required=False, limit=eight_d.TEXT_LIMIT)


def _eight_d_shown(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    return " / ".join(value) if isinstance(value, list) else str(value)


@command
def save_eight_d(*, session: Session, actor_id: int | None, issue_id: int, section: str, values: dict,
                 expected_version: int, ctx: Context) -> Issue:
    """Save one section of the issue's built-in 8D; every changed field goes into the audit trail. The steps
    are left alone: a section filled in is no completed step."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if section not in eight_d.SECTIONS or not isinstance(values, dict):
        raise ValidationFailed("err.bad_choice", field="8d")
    fields = {f.name: f for f in eight_d.SECTIONS[section]}
    unknown = [name for name in values if name not in fields]
    if unknown:
        raise ValidationFailed("err.bad_choice", field="8d")
    report = session.exec(select(EightDReport).where(EightDReport.issue_id == issue.id)).first()
    if report is None:
        report = EightDReport(issue_id=issue.id, content={}, updated_at=ctx.now)
    content = {code: dict(saved) for code, saved in report.content.items()}
    saved = content.setdefault(section, {})
    for name, value in values.items():
        new = _eight_d_value(fields[name], value, f"8d.{section}.{name}")
        if _eight_d_shown(saved.get(name)) != _eight_d_shown(new):
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.EIGHT_D, entity_id=issue.id, issue_id=issue.id,
                   field_name=f"8d.{section}.{name}", old=_eight_d_shown(saved.get(name)), new=_eight_d_shown(new))
        saved[name] = new
    report.content, report.updated_by_id, report.updated_at = content, actor_id, ctx.now
    session.add(report)
    _commit_change(session)
    return issue


@query
def eight_d_report(number: str, *, session: Session, on: date | None = None) -> dict:
    """The issue's 8D as the form and the PDF need it: the issue's board fields, the content, what is
    missing, and each section's steps (the board's step links open their section)."""
    issue = session.exec(select(Issue).where(Issue.number == number)).first()
    if issue is None:
        raise NotFound("err.not_found", field="number", value=number)
    record = _single_issue_record(session, issue, on or today())
    content = _eight_d_content(session, issue.id)
    steps: dict[str, list[dict]] = defaultdict(list)
    for step in sorted(record["steps"].values(), key=lambda s: s["position"]):
        for code in step["eight_d"].split("/"):
            steps[code.strip().upper()].append(step)
    return {"issue": {k: v for k, v in record.items() if k != "steps"}, "content": content,
            "missing": eight_d.missing(content), "steps": dict(steps)}
