"""Step templates: the problem-solving steps an issue is opened with. An issue copies its template's active
steps when it opens (its own rows, positions and targets), so renaming, reordering, retiring or adding a step
later changes what new issues get, never the steps of an issue already open."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from models import Issue, IssueStep, StepTemplate, TemplateStep
from qr import rules
from qr.audit import Entity
from qr.rules import StepState
from qr.store.base import (MAX_GUIDE_LIMIT_DAYS, REASON_MAX, Context, ValidationFailed, _add_config, _audit,
                           _authorize, _claim_version, _get, _is_whole_number, _require_unique, _set, _text,
                           _update_fields, command, query)


@dataclass
class StepSpec:
    code: str
    name_zh: str
    name_en: str
    short_zh: str
    short_en: str
    eight_d: str
    guide_limit_days: int
    may_be_na: bool = True


@command
def create_template(*, session: Session, code: str, name_zh: str, name_en: str, severity: str | None,
                    steps: list[StepSpec], actor_id: int | None = None,
                    ctx: Context) -> StepTemplate:
    _authorize(session, actor_id, "configure")      # before any check: a refusal tells nothing of the data
    if severity is not None and severity not in rules.SEVERITY:
        raise ValidationFailed("err.bad_choice", field="severity")
    if not steps:
        raise ValidationFailed("err.required", field="steps")
    steps = [_checked_step(spec) for spec in steps]
    if len({spec.code for spec in steps}) < len(steps):
        raise ValidationFailed("err.duplicate", field="code", value=next(
            spec.code for spec in steps if [s.code for s in steps].count(spec.code) > 1))
    template = StepTemplate(code=_text(code, "code", required=True, limit=40),
                            name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                            name_en=_text(name_en, "name_en", required=True, limit=100), severity=severity)
    _require_unique(session, StepTemplate.code, template.code, "code")
    _add_config(session, template, actor_id=actor_id, now=ctx.now, label=template.name_zh, commit=False)
    for position, spec in enumerate(steps, start=1):
        session.add(TemplateStep(template_id=template.id, position=position, **spec.__dict__))
    session.commit()
    return template


@command
def rename_template(*, session: Session, actor_id: int | None, template_id: int, name_zh: str, name_en: str,
                    severity: str | None, ctx: Context) -> StepTemplate:
    """A template's names and the severity it is the default for; its code stays (imports and links use it)."""
    _authorize(session, actor_id, "configure")
    template = _get(session, StepTemplate, template_id, "template")
    if severity is not None and severity not in rules.SEVERITY:
        raise ValidationFailed("err.bad_choice", field="severity")
    _update_fields(session, template, {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
                                       "name_en": _text(name_en, "name_en", required=True, limit=100),
                                       "severity": severity}, actor_id=actor_id, now=ctx.now)
    return template


@command
def add_template_step(*, session: Session, actor_id: int | None, template_id: int, step: StepSpec,
                      ctx: Context) -> TemplateStep:
    """A new last step of a template, for issues opened from now on (open issues keep their steps). A code
    another template uses names the same board column, so it takes that step's place in the board's order."""
    _authorize(session, actor_id, "configure")
    template = _get(session, StepTemplate, template_id, "template")
    spec = _checked_step(step)
    existing = session.exec(select(TemplateStep).where(TemplateStep.template_id == template.id)).all()
    if spec.code in {ts.code for ts in existing}:
        raise ValidationFailed("err.duplicate", field="code", value=spec.code)
    row = TemplateStep(template_id=template.id, position=max((ts.position for ts in existing), default=0) + 1,
                       **spec.__dict__)
    session.add(row)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.TEMPLATE_STEP, entity_id=row.id, issue_id=None,
           field_name="created", old=None, new=f"{template.code}: {spec.name_zh}")
    session.commit()
    return row


@command
def move_template_step(*, session: Session, actor_id: int | None, template_step_id: int, position: int,
                       ctx: Context) -> TemplateStep:
    """Put a step at another place in its template (1 = first); the steps between shift by one. Issues
    already open keep their own order."""
    _authorize(session, actor_id, "configure")
    moved = _get(session, TemplateStep, template_step_id, "step")
    steps = list(session.exec(select(TemplateStep).where(TemplateStep.template_id == moved.template_id)
                              .order_by(TemplateStep.position)).all())
    if not _is_whole_number(position) or not 1 <= position <= len(steps):
        raise ValidationFailed("err.position_range", limit=len(steps))
    order = [ts for ts in steps if ts.id != moved.id]
    order.insert(position - 1, moved)
    if order == steps:
        raise ValidationFailed("err.no_change")
    old_positions = {ts.id: ts.position for ts in steps}
    for ts in steps:               # out of the way first: (template, position) is unique at every flush
        ts.position = -ts.position
    session.flush()
    for new_position, ts in enumerate(order, start=1):
        ts.position = new_position
        if old_positions[ts.id] != new_position:
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.TEMPLATE_STEP, entity_id=ts.id,
                   issue_id=None, field_name="position", old=old_positions[ts.id], new=new_position)
    session.commit()
    return moved


@command
def retire_template_step(*, session: Session, actor_id: int | None, template_step_id: int, retired: bool = True,
                         ctx: Context) -> TemplateStep:
    """Stop giving new issues a step (or give it again). Issues that have it keep it, and the board keeps its
    column while an open issue has it. A template keeps at least one active step."""
    _authorize(session, actor_id, "configure")
    step = _get(session, TemplateStep, template_step_id, "step")
    if (step.retired_on is not None) == bool(retired):
        raise ValidationFailed("err.no_change")
    if retired and len(_active_steps(session, step.template_id)) <= 1:
        raise ValidationFailed("err.last_active_step")
    old, step.retired_on = step.retired_on, ctx.day if retired else None
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.TEMPLATE_STEP, entity_id=step.id, issue_id=None,
           field_name="retired_on", old=old, new=step.retired_on)
    session.commit()
    return step


@command
def delete_template(*, session: Session, actor_id: int | None, template_id: int, ctx: Context) -> None:
    """Remove a template no issue was ever opened with (a used one is kept: its issues point at its steps);
    the plant keeps at least one template."""
    _authorize(session, actor_id, "configure")
    template = _get(session, StepTemplate, template_id, "template")
    used = session.exec(select(func.count()).select_from(Issue).where(Issue.template_id == template.id)).one()
    if used:
        raise ValidationFailed("err.template_in_use", count=used)
    if session.exec(select(func.count()).select_from(StepTemplate)).one() <= 1:
        raise ValidationFailed("err.last_template")
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.STEP_TEMPLATE, entity_id=template.id,
           issue_id=None, field_name="deleted", old=f"{template.code}: {template.name_zh}", new=None)
    session.execute(delete(TemplateStep).where(TemplateStep.template_id == template.id))
    session.execute(delete(StepTemplate).where(StepTemplate.id == template.id))
    session.commit()


def _checked_step(spec: StepSpec) -> StepSpec:
    """A template step with its names within their limits and a guide limit of 0 to 10 years."""
    names = {name: _text(getattr(spec, name), name, required=True, limit=limit)
             for name, limit in (("code", 40), ("name_zh", 100), ("name_en", 100), ("short_zh", 20),
                                 ("short_en", 20), ("eight_d", 10))}
    if not _is_whole_number(spec.guide_limit_days) or not 0 <= spec.guide_limit_days <= MAX_GUIDE_LIMIT_DAYS:
        raise ValidationFailed("err.limit_range", step=names["name_zh"], step_en=names["name_en"],
                               limit=MAX_GUIDE_LIMIT_DAYS)
    return StepSpec(**names, guide_limit_days=spec.guide_limit_days, may_be_na=bool(spec.may_be_na))


def _active_steps(session: Session, template_id: int) -> list[TemplateStep]:
    """The steps a new issue of this template is opened with, in the template's order."""
    return list(session.exec(select(TemplateStep).where(TemplateStep.template_id == template_id,
                                                        TemplateStep.retired_on.is_(None))
                             .order_by(TemplateStep.position)).all())


@query
def template_steps(template_id: int, *, session: Session, active_only: bool = False) -> list[TemplateStep]:
    """A template's steps in order; the admin page lists the retired ones too."""
    if active_only:
        return _active_steps(session, template_id)
    return list(session.exec(select(TemplateStep).where(TemplateStep.template_id == template_id)
                             .order_by(TemplateStep.position)).all())


@query
def step_columns(*, session: Session) -> list[dict]:
    """Board step columns: each step code once, in the order of the fullest template (shorter templates
    leave gaps); a step only a smaller template has comes after. A retired step keeps its column only while
    an open issue has it."""
    still_open = set(session.exec(select(IssueStep.template_step_id).join(Issue, IssueStep.issue_id == Issue.id)
                                  .join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
                                  .where(TemplateStep.retired_on.is_not(None), Issue.closed_on.is_(None))
                                  .distinct()).all())
    by_template: dict[int, list[TemplateStep]] = defaultdict(list)
    for ts in session.exec(select(TemplateStep).order_by(TemplateStep.template_id, TemplateStep.position)).all():
        if ts.retired_on is None or ts.id in still_open:
            by_template[ts.template_id].append(ts)
    columns: dict[str, dict] = {}
    for steps in sorted(by_template.values(), key=len, reverse=True):
        for ts in steps:
            columns.setdefault(ts.code, {"code": ts.code, "name_zh": ts.name_zh, "name_en": ts.name_en,
                                         "short_zh": ts.short_zh, "short_en": ts.short_en, "eight_d": ts.eight_d})
    return list(columns.values())


@command
def update_template_step(*, session: Session, actor_id: int | None, template_step_id: int, name_zh: str,
                         name_en: str, short_zh: str, short_en: str, eight_d: str, guide_limit_days: int,
                         may_be_na: bool, apply_to_open: bool = False, reason: str = "",
                         ctx: Context) -> TemplateStep:
    """Names, 8D mapping, guide limit and N/A of a template step. Issues already open keep their target dates
    unless `apply_to_open`: then their open steps move to the new limit, each move audited with the reason."""
    _authorize(session, actor_id, "configure")
    template_step = _get(session, TemplateStep, template_step_id, "step")
    spec = _checked_step(StepSpec(template_step.code, name_zh, name_en, short_zh, short_en, eight_d,
                                  guide_limit_days, may_be_na))
    for name in ("name_zh", "name_en", "short_zh", "short_en", "eight_d", "guide_limit_days", "may_be_na"):
        old, new = getattr(template_step, name), getattr(spec, name)
        if old != new:
            setattr(template_step, name, new)
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.TEMPLATE_STEP, entity_id=template_step.id,
                   issue_id=None, field_name=name, old=old, new=new, reason=reason)
    if apply_to_open:
        reason = _text(reason, "reason", required=True, limit=REASON_MAX)
        rows = session.exec(select(IssueStep, Issue).join(Issue, IssueStep.issue_id == Issue.id)
                            .where(IssueStep.template_step_id == template_step.id, Issue.closed_on.is_(None),
                                   IssueStep.state == StepState.OPEN.value)).all()
        for step, issue in rows:
            target_on = issue.opened_on + timedelta(days=spec.guide_limit_days)
            if step.target_on != target_on:             # the plant's re-plan: a move like any other, counted
                _set(session, step, "target_on", target_on, actor_id=actor_id, now=ctx.now, reason=reason)
                _set(session, step, "target_moves", step.target_moves + 1, actor_id=actor_id, now=ctx.now,
                     reason=reason)
                _claim_version(session, issue.id, issue.version, ctx.now)
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.commit()
    return template_step
