"""Learning across issues: similar past issues proposed for a new one (a repeat linked or dismissed), the lesson a
closed issue leaves in the library, and the read-across targets its fix must reach."""
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, select

from models import Area, Category, EightDReport, Issue, IssueStep, Lesson, Person, Plant, ReadAcrossTarget, TemplateStep
from qr import similar
from qr.audit import Entity
from qr.rules import READ_ACROSS_KINDS, StepState
from qr.store.base import (_OWNER, _PARENT_CATEGORY, REASON_MAX, TEXT_MAX, Context, NotFound, ValidationFailed, _audit,
                           _commit_change, _date, _get, _issue_command, _text, command, query)

READ_ACROSS_STEP = "read_across"
TARGET_KINDS = READ_ACROSS_KINDS
TARGET_STATES = ("done", "na")
CANDIDATES_READ = 20_000     # the newest past issues of the category a proposal compares (a bounded read)
LESSON_COLUMNS = ["issue_id", "number", "part_number", "process", "category_id", "category_zh", "category_en",
                  "area_id", "area_zh", "area_en", "opened_on", "closed_on", "problem", "root_cause", "what_changed",
                  "documents", "targets", "targets_settled"]

_ROOT_FIELDS = ("occurrence_root", "detection_root", "systemic_root")
# the D7 fields a lesson names its updated documents from, with the acronyms plants use in either language
_DOCUMENT_FIELDS = {"pfmea": "PFMEA", "control_plan": "CP", "standard_work": "SW", "lpa": "LPA"}
_FIX_STEPS = ("corrective_action", "error_proofing")


def _top_category(session: Session, category_id: int) -> int:
    category = session.get(Category, category_id)
    return category.parent_id or category.id


def _same_family(category_ids: list[int]):
    """Issues whose category is one of these top-level categories or a sub-type of one."""
    sub_types = select(Category.id).where(Category.parent_id.in_(category_ids))
    return Issue.category_id.in_(category_ids) | Issue.category_id.in_(sub_types)


def _eight_d_of(session: Session, issue_ids: list[int]) -> dict[int, dict]:
    rows = session.exec(select(EightDReport.issue_id, EightDReport.content)
                        .where(EightDReport.issue_id.in_(issue_ids))).all()
    return {issue_id: content or {} for issue_id, content in rows}


def _countermeasures(session: Session, issue_ids: list[int]) -> dict[int, list[tuple[str, str, str, str]]]:
    """Each issue's steps that carry a countermeasure: (code, 中文 name, English name, text) in step order."""
    rows = session.exec(select(IssueStep.issue_id, TemplateStep.code, TemplateStep.name_zh, TemplateStep.name_en,
                               IssueStep.countermeasure).join(TemplateStep)
                        .where(IssueStep.issue_id.in_(issue_ids), IssueStep.countermeasure != "")
                        .order_by(IssueStep.issue_id, IssueStep.position)).all()
    found: dict[int, list] = {}
    for issue_id, code, name_zh, name_en, text in rows:
        found.setdefault(issue_id, []).append((code, name_zh, name_en, text))
    return found


def _joined(values) -> str:
    return "\n".join(v.strip() for v in values if v and str(v).strip())


def _root_cause(content: dict, countermeasures: list) -> str:
    """The 8D's root causes (occurrence, detection, systemic), else what the root-cause step's owner wrote."""
    d4 = content.get("D4", {})
    return _joined(d4.get(name) for name in _ROOT_FIELDS) or _joined(
        text for code, _, _, text in countermeasures if code == "root_cause")


def _what_changed(content: dict, countermeasures: list) -> str:
    return _joined([content.get("D5", {}).get("actions"), content.get("D6", {}).get("implementation")]) or _joined(
        text for code, _, _, text in countermeasures if code in _FIX_STEPS)


def _documents(content: dict) -> str:
    d7 = content.get("D7", {})
    return _joined(f"{acronym}: {d7[name]}" for name, acronym in _DOCUMENT_FIELDS.items()
                   if str(d7.get(name) or "").strip())


@query
def similar_issues(issue_id: int, *, session: Session, limit: int = similar.PROPOSALS) -> list[dict]:
    """The past issues this one may repeat, best first: the same part number, then the same category (its family)
    with a similar description; each with its root cause and countermeasures, to judge it in a minute."""
    issue = _get(session, Issue, issue_id, "issue")
    return _similar_to(session, description=issue.description, part_number=issue.part_number,
                       category_id=issue.category_id, before_id=issue.id, limit=limit)


def _similar_to(session: Session, *, description: str, part_number: str, category_id: int, before_id: int | None,
                limit: int) -> list[dict]:
    earlier = ~Issue.cancelled if before_id is None else (Issue.id < before_id) & ~Issue.cancelled
    scores: dict[int, tuple[float, str]] = {}
    if similar.part_key(part_number):
        for ident in session.exec(select(Issue.id).where(earlier, Issue.part_number == part_number.strip())
                                  .order_by(Issue.id.desc()).limit(limit)).all():
            scores[ident] = (100.0, "part")
    candidates = dict(session.exec(select(Issue.id, Issue.similarity_key)
                                   .where(earlier, _same_family([_top_category(session, category_id)]))
                                   .order_by(Issue.id.desc()).limit(CANDIDATES_READ)).all())
    for ident, score in similar.most_similar(description, candidates, limit=limit):
        if ident not in scores:
            scores[ident] = (score, "text")
    chosen = sorted(scores, key=lambda ident: (scores[ident][1] != "part", -scores[ident][0], -ident))[:limit]
    return _proposals(session, chosen, scores)


def _proposals(session: Session, chosen: list[int], scores: dict[int, tuple[float, str]]) -> list[dict]:
    if not chosen:
        return []
    rows = {row.id: row for row in session.exec(select(Issue).where(Issue.id.in_(chosen))).all()}
    contents, measures = _eight_d_of(session, chosen), _countermeasures(session, chosen)
    lessons = {row.issue_id: row for row in session.exec(select(Lesson).where(Lesson.issue_id.in_(chosen))).all()}
    proposals = []
    for ident in chosen:
        issue, lesson = rows[ident], lessons.get(ident)
        content, steps = contents.get(ident, {}), measures.get(ident, [])
        proposals.append({
            "id": ident, "number": issue.number, "description": issue.description, "part_number": issue.part_number,
            "opened_on": issue.opened_on, "closed_on": issue.closed_on, "score": scores[ident][0],
            "why": scores[ident][1],
            "root_cause": lesson.root_cause if lesson else _root_cause(content, steps),
            "what_changed": lesson.what_changed if lesson else _what_changed(content, steps),
            "countermeasures": [(zh, en, text) for _, zh, en, text in steps],
        })
    return proposals


@command
def link_repeat(*, session: Session, actor_id: int | None, issue_id: int, repeat_of_number: str,
                expected_version: int, ctx: Context) -> Issue:
    """The owner says this issue is a repeat of an earlier one: the board marks it and the trends count it."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    number = _text(repeat_of_number, "repeat_of", required=True, limit=20)
    repeated = session.exec(select(Issue).where(Issue.number == number)).first()
    if repeated is None:
        raise NotFound("err.not_found", field="repeat_of", value=number)
    if repeated.id >= issue.id:
        raise ValidationFailed("err.repeat_not_earlier", number=number)
    _set_repeat(session, issue, repeated.id, actor_id=actor_id, now=ctx.now)
    _commit_change(session)
    return issue


@command
def dismiss_repeats(*, session: Session, actor_id: int | None, issue_id: int, expected_version: int,
                    ctx: Context) -> Issue:
    """The owner looked at the proposed past issues and none is the same problem (a link made before is undone)."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    _set_repeat(session, issue, None, actor_id=actor_id, now=ctx.now)
    _commit_change(session)
    return issue


def _set_repeat(session: Session, issue: Issue, repeat_of_id: int | None, *, actor_id, now) -> None:
    for name, value in (("repeat_of_id", repeat_of_id), ("repeat_checked", True)):
        if getattr(issue, name) != value:
            _audit(session, at=now, actor_id=actor_id, entity=Entity.ISSUE, entity_id=issue.id, issue_id=issue.id,
                   field_name=name, old=getattr(issue, name), new=value)
            setattr(issue, name, value)


def _record_lesson(session: Session, issue: Issue, now) -> None:
    """Closing writes (or, closed again after a reopening, rewrites) the issue's lesson from its 8D and steps."""
    content = _eight_d_of(session, [issue.id]).get(issue.id, {})
    steps = _countermeasures(session, [issue.id]).get(issue.id, [])
    d2 = content.get("D2", {})
    values = {"part_number": issue.part_number, "process": str(d2.get("where") or "").strip()[:200],
              "problem": (str(d2.get("what") or "").strip() or issue.description)[:2000],
              "root_cause": _root_cause(content, steps)[:4000], "what_changed": _what_changed(content, steps)[:4000],
              "documents": _documents(content)[:4000], "written_at": now}
    lesson = session.exec(select(Lesson).where(Lesson.issue_id == issue.id)).first()
    if lesson is None:
        session.add(Lesson(issue_id=issue.id, **values))
    else:
        for name, value in values.items():
            setattr(lesson, name, value)


@query
def lessons(*, session: Session, part: str = "", process: str = "", category_id: int | None = None,
            area_id: int | None = None, text: str = "") -> pd.DataFrame:
    """The lessons library, newest closing first, narrowed by part number (or its start), process, category (with
    its sub-types), area and words found in the problem, root cause, change or documents."""
    parent = _PARENT_CATEGORY
    settled = func.sum(sa.case((ReadAcrossTarget.state != "open", 1), else_=0))
    targets = (select(ReadAcrossTarget.issue_id, func.count().label("total"), settled.label("settled"))
               .group_by(ReadAcrossTarget.issue_id).subquery())
    statement = (select(Lesson.issue_id, Issue.number, Lesson.part_number, Lesson.process, Issue.category_id,
                        func.coalesce(parent.name_zh, Category.name_zh), func.coalesce(parent.name_en, Category.name_en),
                        Issue.area_id, Area.name_zh, Area.name_en, Issue.opened_on, Issue.closed_on, Lesson.problem,
                        Lesson.root_cause, Lesson.what_changed, Lesson.documents,
                        func.coalesce(targets.c.total, 0), func.coalesce(targets.c.settled, 0))
                 .join(Issue, Lesson.issue_id == Issue.id).join(Category, Issue.category_id == Category.id)
                 .join(parent, Category.parent_id == parent.id, isouter=True).join(Area, Issue.area_id == Area.id)
                 .join(targets, targets.c.issue_id == Lesson.issue_id, isouter=True)
                 .order_by(Issue.closed_on.desc(), Issue.id.desc()))
    if part.strip():
        statement = statement.where(Lesson.part_number.startswith(part.strip(), autoescape=True))
    if process.strip():
        statement = statement.where(Lesson.process.contains(process.strip(), autoescape=True))
    if category_id is not None:
        statement = statement.where(_same_family([category_id]))
    if area_id is not None:
        statement = statement.where(Issue.area_id == area_id)
    for word in text.split():
        found = sa.or_(*(column.icontains(word, autoescape=True) for column in
                         (Lesson.problem, Lesson.root_cause, Lesson.what_changed, Lesson.documents, Issue.number)))
        statement = statement.where(found)
    return pd.DataFrame.from_records([tuple(row) for row in session.exec(statement).all()], columns=LESSON_COLUMNS)


@query
def read_across_targets(issue_id: int, *, session: Session) -> list[dict]:
    owner = _OWNER
    rows = session.exec(select(ReadAcrossTarget, owner.name, owner.name_en)
                        .join(owner, ReadAcrossTarget.owner_id == owner.id)
                        .where(ReadAcrossTarget.issue_id == issue_id).order_by(ReadAcrossTarget.id)).all()
    return [{**target.model_dump(), "owner": name, "owner_en": name_en or name} for target, name, name_en in rows]


def _read_across_step(session: Session, issue: Issue) -> tuple[IssueStep, TemplateStep]:
    found = session.exec(select(IssueStep, TemplateStep).join(TemplateStep).where(
        IssueStep.issue_id == issue.id, TemplateStep.code == READ_ACROSS_STEP)).first()
    if found is None:
        raise ValidationFailed("err.no_read_across_step", number=issue.number)
    return found


def _open_targets(session: Session, issue_id: int) -> int:
    return session.exec(select(func.count()).select_from(ReadAcrossTarget).where(
        ReadAcrossTarget.issue_id == issue_id, ReadAcrossTarget.state == "open")).one()


def _require_targets_settled(session: Session, step: IssueStep, template_step: TemplateStep) -> None:
    """The read-across step turns green (done, or N/A) only when every one of its targets is done or N/A."""
    if template_step.code == READ_ACROSS_STEP and (left := _open_targets(session, step.issue_id)):
        raise ValidationFailed("err.read_across_open", count=left)


@command
def add_read_across_target(*, session: Session, actor_id: int | None, issue_id: int, kind: str, target: str,
                           owner_id: int, due_on: date, expected_version: int, ctx: Context) -> ReadAcrossTarget:
    """One more place the fix must reach, on an open issue whose read-across step is still open."""
    issue = _issue_command(session, actor_id=actor_id, issue_id=issue_id, expected_version=expected_version,
                           now=ctx.now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    step, template_step = _read_across_step(session, issue)
    if step.state != StepState.OPEN:
        raise ValidationFailed("err.step_not_open", step=template_step.name_zh, step_en=template_step.name_en)
    if kind not in TARGET_KINDS:
        raise ValidationFailed("err.bad_choice", field="target_kind")
    target = _text(target, "target", required=True, limit=200)
    _get(session, Person, owner_id, "owner")
    due_on = _date(due_on, "due_on")
    if due_on < issue.opened_on:
        raise ValidationFailed("err.done_out_of_range", field="due_on")
    row = ReadAcrossTarget(issue_id=issue.id, kind=kind, target=target, owner_id=owner_id, due_on=due_on,
                           created_at=ctx.now)
    session.add(row)
    session.flush()
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.READ_ACROSS, entity_id=row.id, issue_id=issue.id,
           field_name="target", old=None, new=f"{kind}: {target}")
    _commit_change(session)
    return row


@command
def settle_read_across_target(*, session: Session, actor_id: int | None, target_id: int, state: str, evidence: str,
                              settled_on: date, expected_version: int, ctx: Context) -> ReadAcrossTarget:
    """A target done (with what was done there) or not applicable (with why); checked off once, audited."""
    row = _get(session, ReadAcrossTarget, target_id, "target")
    issue = _issue_command(session, actor_id=actor_id, issue_id=row.issue_id, expected_version=expected_version,
                           now=ctx.now)
    if issue.closed_on is not None:
        raise ValidationFailed("err.issue_closed", number=issue.number)
    if state not in TARGET_STATES:
        raise ValidationFailed("err.bad_choice", field="target_state")
    if row.state != "open":
        raise ValidationFailed("err.target_settled", target=row.target)
    evidence = _text(evidence, "evidence" if state == "done" else "reason", required=True,
                     limit=TEXT_MAX if state == "done" else REASON_MAX)
    settled_on = _date(settled_on, "settled_on")
    if not issue.opened_on <= settled_on <= ctx.day:
        raise ValidationFailed("err.done_out_of_range", field="settled_on")
    for name, value in (("state", state), ("evidence", evidence), ("settled_on", settled_on)):
        _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.READ_ACROSS, entity_id=row.id,
               issue_id=issue.id, field_name=name, old=getattr(row, name), new=value)
        setattr(row, name, value)
    _commit_change(session)
    return row


@query
def read_across_proposals(issue_id: int, *, session: Session) -> list[dict]:
    """Where the fix may also belong, from the issue's part family and process: similar part numbers seen on other
    issues, the areas and plants where they or the same process had issues, then the plant's other areas; the
    targets already listed are left out."""
    issue = _get(session, Issue, issue_id, "issue")
    family = similar.part_family(issue.part_number)
    listed = {(t.kind, t.target) for t in session.exec(
        select(ReadAcrossTarget).where(ReadAcrossTarget.issue_id == issue.id)).all()}
    own_area = session.get(Area, issue.area_id)
    related = sa.false()
    if family:
        related = related | Issue.part_number.startswith(family, autoescape=True)
    process = str(_eight_d_of(session, [issue.id]).get(issue.id, {}).get("D2", {}).get("where") or "").strip()
    if process:
        related = related | Issue.id.in_(select(Lesson.issue_id).where(Lesson.process == process))
    others = session.exec(select(Issue.part_number, Area.name_zh, Area.name_en, Plant.name_zh, Plant.name_en,
                                 Area.plant_id).join(Area, Issue.area_id == Area.id)
                          .join(Plant, Area.plant_id == Plant.id)
                          .where(related, Issue.id != issue.id).order_by(Issue.id.desc()).limit(500)).all()
    proposals: list[dict] = []

    def propose(kind: str, target: str, why: str) -> None:
        if target and (kind, target) not in listed and all(p["target"] != target for p in proposals):
            proposals.append({"kind": kind, "target": target, "why": why})

    for part, *_ in others:
        if part.strip() != issue.part_number.strip() and similar.part_family(part) == family:
            propose("part", part.strip(), "family")
    for _, area_zh, area_en, plant_zh, plant_en, plant_id in others:
        if area_zh != own_area.name_zh:
            propose("area", area_zh, "related")
        if plant_id != own_area.plant_id:
            propose("plant", plant_zh, "related")
    for area in session.exec(select(Area).where(Area.plant_id == own_area.plant_id, Area.id != own_area.id)
                             .order_by(Area.code)).all():
        propose("area", area.name_zh, "same_plant")
    return proposals
