"""The plant's configuration: areas, people, categories and the board's rules (step templates: templates.py),
with the reads the pickers and the admin page need."""
import json

from sqlalchemy import func
from sqlmodel import Session, select

from models import Area, AuditEvent, BoardSetting, Category, Person, Plant, StepTemplate
from qr import rules
from qr.audit import Entity
from qr.config import MEETING_SETTINGS, Settings, load_settings
from qr.notices import NotifyRule
from qr.rules import ColourRule
from qr.store.base import (CATEGORY_KINDS, Context, NotFound, ValidationFailed, _add_config, _audit, _authorize,
                           _end_sessions, _get, _is_whole_number, _plain, _require_unique, _require_unique_email,
                           _settings, _text, _update_fields, command, default_setting_values, query)
from qr.store.history import _history_lines
from qr.store.plants import _default_plant_id


MAX_WARNING_DAYS = 30
MAX_FREE_MOVES = 10


def _checked_setting(key: str, value):
    """The value in its stored shape, or a refusal saying what is wrong with it."""
    if key == "colour_rule":
        if value not in (ColourRule.GM.value, ColourRule.START.value):
            raise ValidationFailed("err.bad_choice", field="colour_rule")
        return value
    if key == "warning_days":
        if not _is_whole_number(value) or not 0 <= value <= MAX_WARNING_DAYS:
            raise ValidationFailed("err.warning_days", limit=MAX_WARNING_DAYS)
        return value
    if key == "escalation_ladders":
        if not isinstance(value, dict) or set(value) != set(rules.SEVERITY):
            raise ValidationFailed("err.bad_choice", field="escalation_ladders")
        ladders = {}
        for severity in rules.SEVERITY:
            ladder = [tuple(_plain(v) for v in step) for step in value[severity]]
            if any(len(step) != 2 for step in ladder):
                raise ValidationFailed("err.ladder_numbers", severity=severity)
            problem = rules.ladder_problem(ladder)
            if problem:
                raise ValidationFailed(problem, severity=severity)
            ladders[severity] = [list(step) for step in ladder]
        return ladders
    if key == "admission_rule":
        severities, kinds = value.get("severities", []), value.get("kinds", [])
        if not set(severities) <= set(rules.SEVERITY) or not set(kinds) <= set(CATEGORY_KINDS):
            raise ValidationFailed("err.bad_choice", field="admission_rule")
        return {"severities": sorted(set(severities)), "kinds": sorted(set(kinds))}
    if key == "qchart_rule":
        names = ("external_on_board_only", "internal_on_board_only")
        if not isinstance(value, dict) or set(value) != set(names) or not all(isinstance(value[n], bool) for n in names):
            raise ValidationFailed("err.bad_choice", field="qchart_rule")
        return {name: value[name] for name in names}
    if key in ("verify_exits", "watch_list_in_meeting"):
        if not isinstance(value, bool):
            raise ValidationFailed("err.bad_choice", field=key)
        return value
    if key == "move_rule":
        if (not isinstance(value, dict) or set(value) != {"free_moves", "red_needs_approval"}
                or not _is_whole_number(value["free_moves"]) or not 0 <= value["free_moves"] <= MAX_FREE_MOVES
                or not isinstance(value["red_needs_approval"], bool)):
            raise ValidationFailed("err.move_rule", limit=MAX_FREE_MOVES)
        return {"free_moves": value["free_moves"], "red_needs_approval": value["red_needs_approval"]}
    if key == "notifications":
        try:
            return NotifyRule.from_json(value).to_json()
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValidationFailed("err.bad_choice", field="notifications") from None
    if key == "follow_up_rule":
        names = {"unsolved", "open_after_days", "open_every_days"}
        if (not isinstance(value, dict) or set(value) != names or value["unsolved"] not in rules.UNSOLVED_ACTIONS
                or not all(_is_whole_number(value[n]) and 0 <= value[n] <= rules.MAX_CALL_DAYS
                           for n in ("open_after_days", "open_every_days"))):
            raise ValidationFailed("err.follow_up_rule", limit=rules.MAX_CALL_DAYS)
        return {name: value[name] for name in sorted(names)}
    raise NotFound("err.not_found", field="setting", value=str(key))



def _functions(values) -> str:
    """Functions an area's meeting needs, stored comma-separated in rules.FUNCTIONS order."""
    if values is None or isinstance(values, str) or not all(v in rules.FUNCTIONS for v in values):
        raise ValidationFailed("err.bad_choice", field="required_functions")
    return ",".join(f for f in rules.FUNCTIONS if f in set(values))


def _function(value) -> str:
    if value not in ("", *rules.FUNCTIONS):
        raise ValidationFailed("err.bad_choice", field="function")
    return value


@command
def create_area(*, session: Session, code: str, name_zh: str, name_en: str, required_functions=(),
                plant_id: int | None = None, actor_id: int | None = None, ctx: Context) -> Area:
    """A new area of a plant (none chosen: the first plant, which most sites have alone)."""
    _authorize(session, actor_id, "configure")      # before any check: a refusal tells nothing of the data
    plant_id = _default_plant_id(session) if plant_id is None else _get(session, Plant, plant_id, "plant").id
    area = Area(code=_text(code, "code", required=True, limit=20), plant_id=plant_id,
                name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                name_en=_text(name_en, "name_en", required=True, limit=100),
                required_functions=_functions(required_functions))
    _require_unique(session, Area.code, area.code, "code")
    return _add_config(session, area, actor_id=actor_id, now=ctx.now, label=f"{area.code} {area.name_zh}")


@command
def create_person(*, session: Session, name: str, name_en: str = "", email: str | None = None,
                  area_id: int | None = None, function: str = "", actor_id: int | None = None,
                  ctx: Context) -> Person:
    _authorize(session, actor_id, "configure")      # before any check: a refusal tells nothing of the data
    if area_id is not None:
        _get(session, Area, area_id, "area")
    person = Person(name=_text(name, "name", required=True, limit=100),
                    name_en=_text(name_en, "name_en", required=False, limit=100),
                    email=_text(email, "email", required=False, limit=200) or None, area_id=area_id,
                    function=_function(function))
    _require_unique_email(session, person.email)
    return _add_config(session, person, actor_id=actor_id, now=ctx.now, label=person.name)


@command
def create_category(*, session: Session, code: str, name_zh: str, name_en: str, kind: str,
                    parent_id: int | None = None, actor_id: int | None = None,
                    ctx: Context) -> Category:
    _authorize(session, actor_id, "configure")      # before any check: a refusal tells nothing of the data
    if kind not in CATEGORY_KINDS:
        raise ValidationFailed("err.bad_choice", field="kind")
    if parent_id is not None:
        _get(session, Category, parent_id, "category")
    category = Category(code=_text(code, "code", required=True, limit=40),
                        name_zh=_text(name_zh, "name_zh", required=True, limit=100),
                        name_en=_text(name_en, "name_en", required=True, limit=100),
                        kind=kind, parent_id=parent_id)
    _require_unique(session, Category.code, category.code, "code")
    return _add_config(session, category, actor_id=actor_id, now=ctx.now, label=category.name_zh)


@command
def update_area(*, session: Session, actor_id: int | None, area_id: int, name_zh: str, name_en: str,
                required_functions=None, plant_id: int | None = None, ctx: Context) -> Area:
    """Rename an area (its code stays: exports and imports know it by that), say which functions its meeting
    needs at the table, and move it to another plant (None keeps either)."""
    _authorize(session, actor_id, "configure")
    area = _get(session, Area, area_id, "area")
    changes = {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
               "name_en": _text(name_en, "name_en", required=True, limit=100)}
    if required_functions is not None:
        changes["required_functions"] = _functions(required_functions)
    if plant_id is not None:
        changes["plant_id"] = _get(session, Plant, plant_id, "plant").id
    _update_fields(session, area, changes, actor_id=actor_id, now=ctx.now)
    return area


@command
def update_person(*, session: Session, actor_id: int | None, person_id: int, name: str, name_en: str = "",
                  email: str | None = None, area_id: int | None = None, active: bool = True,
                  function: str | None = None, ctx: Context) -> Person:
    """A person's names, e-mail (single sign-on matches it), area, and whether they still work here
    (an inactive person leaves the pickers and cannot sign in; their history stays)."""
    _authorize(session, actor_id, "configure")
    person = _get(session, Person, person_id, "person")
    if area_id is not None:
        _get(session, Area, area_id, "area")
    email = _text(email, "email", required=False, limit=200) or None
    if (email or "").lower() != (person.email or "").lower():
        _require_unique_email(session, email)
    if person.active and not active:
        _end_sessions(session, person.id, ctx.now)
    changes = {"name": _text(name, "name", required=True, limit=100),
               "name_en": _text(name_en, "name_en", required=False, limit=100),
               "email": email, "area_id": area_id, "active": bool(active)}
    if function is not None:                    # None keeps it
        changes["function"] = _function(function)
    _update_fields(session, person, changes, actor_id=actor_id, now=ctx.now)
    return person


@command
def update_category(*, session: Session, actor_id: int | None, category_id: int, name_zh: str, name_en: str,
                    kind: str, ctx: Context) -> Category:
    """Rename a category or sub-type, or say whether it is external or internal (the Q-chart and the
    admission rule read the kind of new issues)."""
    _authorize(session, actor_id, "configure")
    category = _get(session, Category, category_id, "category")
    if kind not in CATEGORY_KINDS:
        raise ValidationFailed("err.bad_choice", field="kind")
    _update_fields(session, category, {"name_zh": _text(name_zh, "name_zh", required=True, limit=100),
                                       "name_en": _text(name_en, "name_en", required=True, limit=100),
                                       "kind": kind}, actor_id=actor_id, now=ctx.now)
    return category


@query
def is_empty(*, session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Area)).one() == 0


@query
def reference_lists(*, session: Session) -> dict[str, list]:
    """People, plants, areas, categories and templates for pickers and filters."""
    return {
        "plants": list(session.exec(select(Plant).order_by(Plant.code)).all()),
        "people": list(session.exec(select(Person).where(Person.active).order_by(Person.name)).all()),
        "areas": list(session.exec(select(Area).order_by(Area.code)).all()),
        "categories": list(session.exec(select(Category).order_by(Category.id)).all()),
        "templates": list(session.exec(select(StepTemplate).order_by(StepTemplate.id)).all()),
    }


@query
def people(*, session: Session, include_inactive: bool = False) -> list[dict]:
    """People by name; the admin page also lists those who left, to bring them back."""
    statement = select(Person).order_by(Person.name)
    if not include_inactive:
        statement = statement.where(Person.active)
    return [person.model_dump() for person in session.exec(statement).all()]


@query
def board_settings(*, session: Session) -> Settings:
    """The settings the board runs on: environment plus the configured rules."""
    return _settings(session)


@query
def setting_values(*, session: Session) -> dict[str, object]:
    """Every configurable rule's current value (stored, else the default), for the admin page."""
    return {**default_setting_values(),
            **{row.key: json.loads(row.value) for row in session.exec(select(BoardSetting)).all()}}


@command
def install_default_settings(*, session: Session, ctx: Context) -> None:
    """Write the default of every rule not stored yet (first start), so each later change has an old value."""
    stored = set(session.exec(select(BoardSetting.key)).all())
    for key, value in default_setting_values().items():
        if key not in stored:
            session.add(BoardSetting(key=key, value=json.dumps(value), updated_at=ctx.now))
    session.commit()


@command
def configure(*, session: Session, actor_id: int | None, key: str, value, ctx: Context) -> None:
    """Change one of the board's rules; the old and new values go to the audit trail."""
    _authorize(session, actor_id, "configure")
    value = _checked_setting(key, value)
    row = session.get(BoardSetting, key)
    old = row.value if row is not None else json.dumps(default_setting_values()[key])
    new = json.dumps(value)
    if json.loads(old) == value:
        raise ValidationFailed("err.no_change")
    if row is None:
        row = BoardSetting(key=key, value=new, updated_at=ctx.now)
    row.value, row.updated_at, row.version = new, ctx.now, (row.version or 0) + 1
    session.add(row)
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.SETTING, entity_id=0, issue_id=None, field_name=key,
           old=old, new=new)
    session.commit()


# what an administrator may save: a refresh under 10 s loads the database for nothing, over an hour shows old news
REFRESH_RANGE = (10, 3600)
ISSUE_SECONDS_RANGE = (30, 1800)
MEETING_MINUTES_MAX = 240


@query
def meeting_settings(*, session: Session) -> dict[str, dict]:
    """The meeting's settings as they run now, each with whether an administrator saved it (else the environment's
    or the code's default applies)."""
    settings = _settings(session)
    saved = set(session.exec(select(BoardSetting.key).where(BoardSetting.key.in_(MEETING_SETTINGS))).all())
    return {name: {"value": getattr(settings, name), "saved": name in saved} for name in MEETING_SETTINGS}


def _checked_meeting(values: dict) -> dict:
    """The issue timer, the meeting clock's thresholds, the board's refresh and the public board, or a refusal."""
    def whole(name: str, low: int, high: int, key: str, **shown) -> int:
        value = values[name]
        if not _is_whole_number(value) or not low <= value <= high:
            raise ValidationFailed(key, low=low, high=high, **shown)
        return value
    checked = {"issue_seconds": whole("issue_seconds", *ISSUE_SECONDS_RANGE, "err.issue_seconds"),
               "refresh_seconds": whole("refresh_seconds", *REFRESH_RANGE, "err.refresh_seconds"),
               "meeting_target_minutes": whole("meeting_target_minutes", 1, MEETING_MINUTES_MAX, "err.meeting_minutes"),
               "meeting_limit_minutes": whole("meeting_limit_minutes", 1, MEETING_MINUTES_MAX, "err.meeting_minutes")}
    if checked["meeting_limit_minutes"] < checked["meeting_target_minutes"]:
        raise ValidationFailed("err.meeting_limit_below_target")
    if not isinstance(values["public_board"], bool):
        raise ValidationFailed("err.bad_choice", field="public_board")
    return {**checked, "public_board": values["public_board"]}


@command
def set_meeting_settings(*, session: Session, actor_id: int | None, issue_seconds: int, meeting_target_minutes: int,
                         meeting_limit_minutes: int, refresh_seconds: int, public_board: bool, ctx: Context) -> None:
    """Save the meeting's settings that differ from those running now, one audit event each; a setting left as it
    runs keeps following the environment."""
    _authorize(session, actor_id, "configure")
    wanted = _checked_meeting({"issue_seconds": issue_seconds, "meeting_target_minutes": meeting_target_minutes,
                               "meeting_limit_minutes": meeting_limit_minutes, "refresh_seconds": refresh_seconds,
                               "public_board": public_board})
    running = _settings(session)
    for name in MEETING_SETTINGS:
        old, new = getattr(running, name), wanted[name]
        if old == new:
            continue
        row = session.get(BoardSetting, name) or BoardSetting(key=name, value="", version=0)
        row.value, row.updated_at, row.version = json.dumps(new), ctx.now, row.version + 1
        session.add(row)
        _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.SETTING, entity_id=0, issue_id=None,
               field_name=name, old=json.dumps(old), new=json.dumps(new))
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.commit()


CONFIGURATION_ENTITIES = (Entity.PLANT, Entity.AREA, Entity.PERSON, Entity.CATEGORY, Entity.STEP_TEMPLATE,
                          Entity.TEMPLATE_STEP, Entity.SETTING, Entity.ACCOUNT, Entity.RESPONSE_RULE,
                          Entity.IMPORT_MAPPING, Entity.CHANNEL, Entity.ESCALATION_CONTACT, Entity.DISPLAY_TOKEN,
                          Entity.CUSTOMER, Entity.DELIVERY)


@query
def admin_history(*, session: Session, limit: int = 200) -> list[dict]:
    """The configuration's audit trail (people, areas, categories, templates, rules, accounts), newest first."""
    rows = session.exec(select(AuditEvent).where(AuditEvent.entity.in_(CONFIGURATION_ENTITIES))
                        .order_by(AuditEvent.id.desc()).limit(limit)).all()
    return _history_lines(session, rows, load_settings().tz)
