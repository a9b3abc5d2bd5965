"""Arbitrary text, dates and numbers into every store command: only refusals (QRError) come out, a refusal
leaves every table as it was, and an applied command leaves what a user would expect.

Each example starts from valid arguments and replaces an arbitrary subset of them with wild values (any
text, any date, any integer, None, the wrong type), so the success path stays as reachable as the refusals.
The plant is built once per test; an example compares the database only with itself before the call.
"""
import io
import itertools
import os
import re
import zipfile
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings, strategies as st
from sqlmodel import SQLModel, select

from models import Issue, IssueStep
from qr import db, demo, store
from qr.store import StepSpec
from tests.conftest import plant_moment

# CI (CI=true) runs 200 examples per command; a developer's run tries 30.
for _name, _examples in (("ci", 200), ("dev", 30)):
    settings.register_profile(_name, max_examples=_examples, deadline=None,
                              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

OPENED = date(2026, 3, 2)
TODAY = date(2026, 3, 12)
NOW = plant_moment(TODAY)
KNOWN_EMAIL = "wang.fang@plant.example"
REPORT = demo.report_pdf("8D")
OVER_LIMIT = b"%PDF-1.4\n" + bytes(1024 * 1024)            # QR_MAX_UPLOAD_MB=1 in the attach test
_serial = itertools.count(1)                                # unique codes for the valid default of config commands

# ---------------------------------------------------------------- wild values

def branch(*strategies) -> st.SearchStrategy:
    """One branch of an st.one_of however many it holds: one_of flattens nested one_ofs, which would let the
    dozen kinds of wrong value crowd out the values a command accepts."""
    return st.one_of(*strategies).map(lambda value: value)


NASTY = ["<script>alert('qr')</script>", "'; DROP TABLE issue; --", "\x00", "a\x00b", "\u202e右到左\u202c",
         "👩‍🔧🏭💥", " \t\r\n ", "%s %(x)s {0}", "NULL", "𠜎𠜱𠝹", "\ufeff", "\u0301"]
LIMITS = (20, 40, 100, 200, 255, 500, 2000)                 # every length limit of qr/store/ and models.py
WRONG = branch(st.none(), st.booleans(), st.floats(), st.binary(max_size=4), st.datetimes(),
               st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
INTEGERS = branch(st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
                  st.integers(min_value=-(2**70), max_value=-(2**63) + 2))
TEXT = st.one_of(
    st.text(),                                                          # control characters, any script, emoji
    st.sampled_from(NASTY),
    st.builds(lambda pad, char, size: pad + char * size + pad, st.sampled_from(["", " ", "\n\t"]),
              st.characters(), st.sampled_from([n + d for n in LIMITS for d in (-1, 0, 1)])),
    st.text(min_size=1, max_size=8).map(lambda s: s * (2001 // len(s) + 1)),   # always longer than 2000
    branch(INTEGERS, WRONG),
)
DATES = st.one_of(st.dates(), st.dates(OPENED - timedelta(days=45), TODAY + timedelta(days=45)),
                  branch(st.datetimes(), st.datetimes(timezones=st.just(timezone.utc)),
                         st.sampled_from(["2026-03-12", "12/03/2026", 20260312]), INTEGERS, WRONG))


def ids(valid: list[int]) -> st.SearchStrategy:
    """An existing id (also as the numpy integer a DataFrame hands out), any integer, or no integer at all."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid).map(np.int64), INTEGERS, branch(TEXT, WRONG))


def versions(current: int) -> st.SearchStrategy:
    return ids([current, current - 1, current + 1])


def choices(valid: list[str]) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid).map(str.lower), TEXT)


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<x/>")
    return buffer.getvalue()


CONTENT = st.one_of(
    st.binary(),
    st.tuples(st.sampled_from([b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                               b"PK\x03\x04", b"MZ\x90\x00"]), st.binary()).map(b"".join),
    st.lists(st.one_of(st.sampled_from(["[Content_Types].xml", "word/document.xml", "xl/workbook.xml",
                                        "ppt/slides/1.xml"]),
                       st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=10)),
             max_size=4, unique=True).map(_zip),
    st.sampled_from([REPORT, OVER_LIMIT]), st.text(max_size=10), WRONG,
)
FILE_NAMES = st.one_of(
    st.tuples(TEXT.filter(lambda t: isinstance(t, str)),
              st.sampled_from([".pdf", ".PDF", ".png", ".jpg", ".docx", ".xlsx", ".pptx", ".doc", ".exe", ""])
              ).map("".join),
    st.sampled_from(["8D.pdf", "8D.pdf\x00.exe", "../../etc/passwd.pdf", ".pdf", "围堵清单.xlsx"]), TEXT,
)


def _draw(data, valid: dict, wild: dict) -> dict:
    """The valid arguments with an arbitrary subset of them replaced by wild values; half of the examples
    replace at most one, so that each refusal is reached alone and the success path stays common."""
    names = st.sampled_from(sorted(wild))
    replaced = data.draw(st.one_of(st.sets(names, max_size=1), st.sets(names)), label="replaced")
    return {name: data.draw(wild[name], label=name) if name in replaced else value for name, value in valid.items()}


# ---------------------------------------------------------------- the database before and after

COLUMNS: dict[str, list[str]] = {}                          # column names per table, as SELECT * returns them


def _content(engine) -> dict[str, dict[tuple, tuple]]:
    """Every table of the schema: each row with all its columns, exactly as the database holds them, by key."""
    content = {}
    with engine.connect() as connection:
        transaction = connection.begin()                    # one snapshot for all tables
        cursor = connection.connection.cursor()             # the driver's own tuples: no type conversion, fast
        for table in SQLModel.metadata.sorted_tables:
            key = [column.name for column in table.primary_key.columns]
            cursor.execute(f'SELECT * FROM "{table.name}" ORDER BY ' + ", ".join(f'"{k}"' for k in key))
            names = COLUMNS.setdefault(table.name, [d[0] for d in cursor.description])
            at = [names.index(k) for k in key]
            content[table.name] = {tuple(row[i] for i in at): row for row in cursor.fetchall()}
        transaction.rollback()
    return content


def _rows(content: dict, table: str) -> dict[tuple, dict]:
    """Rows by key; a date reads as SQLite stores it (ISO text) whichever database holds it."""
    return {key: {name: _as_sqlite_text(value) for name, value in zip(COLUMNS[table], row)}
            for key, row in content[table].items()}


def _as_sqlite_text(value):
    return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value


def _row(content: dict, table: str, ident: int) -> dict:
    return {name: _as_sqlite_text(value) for name, value in zip(COLUMNS[table], content[table][(ident,)])}


def _attempt(engine, command, **arguments):
    """Call the command: a refusal must leave the database as it was; any other exception fails the test.

    Returns the command's result (None when refused) and the content before the call.
    """
    before = _content(engine)
    try:
        result = command(now=NOW, **arguments)
    except store.QRError as refusal:
        event(f"refused: {refusal.key}")                    # pytest --hypothesis-show-statistics lists them
        assert _content(engine) == before, f"{command.__name__} refused ({refusal.key}) but changed the database"
        return None, before
    event("applied")
    return result, before


def _disallowed(table: sa.Table, row: dict) -> list[str]:
    """What in a stored row the column could not hold on PostgreSQL (SQLite stores nearly anything)."""
    problems = []
    for column in table.columns:
        value, kind = row[column.name], column.type
        if value is None:
            if not column.nullable:
                problems.append(f"{column.name} is NULL")
        elif isinstance(kind, sa.String):
            if not isinstance(value, str):
                problems.append(f"{column.name} holds {type(value).__name__} {value!r:.40}")
            elif kind.length and len(value) > kind.length:
                problems.append(f"{column.name} has {len(value)} characters, the column {kind.length}")
            elif "\x00" in value:
                problems.append(f"{column.name} contains NUL, which PostgreSQL text refuses")
        elif isinstance(kind, sa.Boolean):
            if value not in (0, 1):
                problems.append(f"{column.name} holds {value!r:.40} as a boolean")
        elif isinstance(kind, sa.Integer):
            if not isinstance(value, int):
                problems.append(f"{column.name} holds {type(value).__name__} {value!r:.40}")
        elif isinstance(kind, sa.Date):
            as_sqlite_text = isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            if not (as_sqlite_text or (isinstance(value, date) and not isinstance(value, datetime))):
                problems.append(f"{column.name} holds {value!r:.40} as a date")
    return problems


def _applied(engine, before: dict, *, actor_id, issue_id: int | None = None) -> dict:
    """What every applied command leaves: audit events by the actor, changed rows the schema allows, and
    for an issue command that issue's version (and no other's) moved on by exactly one."""
    after = _content(engine)
    problems = {(name, key): found for name, rows in after.items() for key, row in rows.items()
                if before[name].get(key) != row
                and (found := _disallowed(SQLModel.metadata.tables[name], dict(zip(COLUMNS[name], row))))}
    assert not problems, f"stored values the schema does not allow: {problems}"
    assert all(after["auditevent"].get(key) == row for key, row in before["auditevent"].items()), \
        "the audit trail is append-only"
    events = [e for key, e in _rows(after, "auditevent").items() if key not in before["auditevent"]]
    assert events, "an applied command left no audit event, so change_counter (the pages' cache key) stood still"
    assert {e["actor_id"] for e in events} == {None if actor_id is None else int(actor_id)}
    if issue_id is not None:
        version = COLUMNS["issue"].index("version")
        expected = {key: row[version] + (key == (issue_id,)) for key, row in before["issue"].items()}
        assert {key: row[version] for key, row in after["issue"].items()} == expected
        assert {e["issue_id"] for e in events} == {issue_id}
    return after


def _new_row(before: dict, after: dict, table: str) -> dict:
    (key,) = [key for key in after[table] if key not in before[table]]
    return _row(after, table, *key)


# ---------------------------------------------------------------- what the examples work on

@pytest.fixture
def people(plant) -> list[int]:
    """The plant's people plus one with an e-mail address (e-mail addresses are unique)."""
    known = store.create_person(name="王芳", name_en="Wang Fang", email=KNOWN_EMAIL, area_id=plant["area"].id)
    return [plant["owner"].id, plant["lead"].id, known.id]


def _step_ids(issue_id: int) -> list[int]:
    with db.read_session() as session:
        return list(session.exec(select(IssueStep.id).where(IssueStep.issue_id == issue_id)
                                 .order_by(IssueStep.position)).all())


def _version(issue_id: int) -> int:
    with db.read_session() as session:
        return session.exec(select(Issue.version).where(Issue.id == issue_id)).one()


class Fresh:
    """An open issue with all ten steps open, reported on today; the next one is opened only after a
    command was applied to the last (a refusal leaves it as it was, so it serves the next example too)."""

    def __init__(self, open_issue):
        self._open_issue, self._current = open_issue, None

    def __call__(self) -> tuple[int, int, list[int]]:
        if self._current is None:
            issue = self._open_issue(OPENED, next_report_on=TODAY)
            self._current = issue.id, issue.version, _step_ids(issue.id)
        return self._current

    def spent(self) -> None:
        self._current = None


@pytest.fixture
def fresh(open_issue) -> Fresh:
    return Fresh(open_issue)


@pytest.fixture
def closable(plant, open_issue) -> int:
    """An issue with every step done and its report attached."""
    issue = open_issue(OPENED, template="minor", severity="C", next_report_on=TODAY)
    for step_id in _step_ids(issue.id):                        # the quality engineer's completion: verified
        store.complete_step(actor_id=plant["lead"].id, step_id=step_id, done_on=TODAY,
                            expected_version=_version(issue.id), now=NOW)
    store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", content=REPORT,
                      kind="report", expected_version=_version(issue.id), now=NOW)
    return issue.id


@pytest.fixture
def closed(plant, closable) -> int:
    _close(plant, closable)
    return closable


@pytest.fixture
def neighbour(open_issue) -> list[int]:
    """The steps of another issue: real step ids that belong to the wrong issue."""
    return _step_ids(open_issue(OPENED).id)


def _close(plant, issue_id: int) -> None:
    store.close_issue(actor_id=plant["lead"].id, issue_id=issue_id, closed_on=TODAY, reason="快速反应会确认关闭",
                      expected_version=_version(issue_id), now=NOW, accepted_by="王经理", accepted_how="signed")


def _reopen(plant, issue_id: int) -> None:
    store.reopen_issue(actor_id=plant["lead"].id, issue_id=issue_id, reason="客户再次抱怨",
                       expected_version=_version(issue_id), now=NOW)


# ---------------------------------------------------------------- configuration commands

def _typed(data, new: str, taken: list[str]) -> str:
    """A unique value as a user types it: a new one, or one the plant already has, maybe with spaces around.

    Drawn as the default rather than among the wild values: Hypothesis does not repeat an example, so a
    value that only fails because of what earlier examples stored would be tried once at most."""
    return data.draw(st.one_of(st.just(new), st.sampled_from(taken + [f" {t} " for t in taken])), label="typed")


@given(data=st.data())
def test_create_area(engine, people, data):
    arguments = _draw(data, dict(code=_typed(data, f"L{next(_serial)}", ["ASSY"]), name_zh="涂装车间",
                                 name_en="Paint shop", actor_id=None),
                      dict(code=TEXT, name_zh=TEXT, name_en=TEXT, actor_id=ids(people)))
    area, before = _attempt(engine, store.create_area, **arguments)
    if area is not None:
        row = _new_row(before, _applied(engine, before, actor_id=arguments["actor_id"]), "area")
        assert (row["code"], row["name_zh"], row["name_en"]) == tuple(
            arguments[name].strip() for name in ("code", "name_zh", "name_en"))


@given(data=st.data())
def test_create_person(engine, plant, people, data):
    email = _typed(data, f"p{next(_serial)}@plant.example", [KNOWN_EMAIL])
    arguments = _draw(data, dict(name="李强", name_en="Li Qiang", email=email, area_id=plant["area"].id, actor_id=None),
                      dict(name=TEXT, name_en=TEXT, email=TEXT,
                           area_id=ids([plant["area"].id]), actor_id=ids(people)))
    person, before = _attempt(engine, store.create_person, **arguments)
    if person is not None:
        row = _new_row(before, _applied(engine, before, actor_id=arguments["actor_id"]), "person")
        assert (row["name"], row["name_en"]) == (arguments["name"].strip(), (arguments["name_en"] or "").strip())
        assert row["email"] == ((arguments["email"] or "").strip() or None) and row["active"] == 1


@given(data=st.data())
def test_create_category(engine, plant, people, data):
    existing = [c.id for c in plant["categories"].values()]
    arguments = _draw(data, dict(code=_typed(data, f"C{next(_serial)}", ["complaint", "prr"]), name_zh="来料检验",
                                 name_en="Incoming inspection", kind="internal", parent_id=None, actor_id=None),
                      dict(code=TEXT, name_zh=TEXT, name_en=TEXT,
                           kind=choices(["external", "internal"]), parent_id=ids(existing), actor_id=ids(people)))
    category, before = _attempt(engine, store.create_category, **arguments)
    if category is not None:
        row = _new_row(before, _applied(engine, before, actor_id=arguments["actor_id"]), "category")
        parent = arguments["parent_id"]
        assert (row["code"], row["kind"], row["parent_id"]) == (
            arguments["code"].strip(), arguments["kind"], None if parent is None else int(parent))


STEP_SPEC = st.builds(StepSpec, code=TEXT, name_zh=TEXT, name_en=TEXT, short_zh=TEXT, short_en=TEXT, eight_d=TEXT,
                      guide_limit_days=st.one_of(st.integers(0, 60), INTEGERS, WRONG),
                      may_be_na=st.one_of(st.booleans(), WRONG))


@given(data=st.data())
def test_create_template(engine, people, data):
    valid_step = StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1, may_be_na=False)
    arguments = _draw(data, dict(code=_typed(data, f"T{next(_serial)}", ["standard", "minor"]), name_zh="供应商问题",
                                 name_en="Supplier issue", severity=None, steps=[valid_step], actor_id=None),
                      dict(code=TEXT, name_zh=TEXT, name_en=TEXT,
                           severity=st.one_of(st.none(), choices(["A", "B", "C"])),
                           steps=st.one_of(st.none(), st.lists(st.one_of(st.just(valid_step), STEP_SPEC), max_size=4)),
                           actor_id=ids(people)))
    template, before = _attempt(engine, store.create_template, **arguments)
    if template is not None:
        after = _applied(engine, before, actor_id=arguments["actor_id"])
        row = _new_row(before, after, "steptemplate")
        steps = sorted((s for s in _rows(after, "templatestep").values() if s["template_id"] == row["id"]),
                       key=lambda s: s["position"])
        assert [s["position"] for s in steps] == list(range(1, len(arguments["steps"]) + 1))
        assert [s["guide_limit_days"] for s in steps] == [spec.guide_limit_days for spec in arguments["steps"]]
        assert [s["name_zh"] for s in steps] == [spec.name_zh.strip() for spec in arguments["steps"]]


# ---------------------------------------------------------------- issue commands

@given(data=st.data())
def test_create_issue(engine, plant, people, data):
    categories = [c.id for c in plant["categories"].values()]
    templates = [t.id for t in plant["templates"].values()]
    positions = st.one_of(st.integers(1, 10), INTEGERS, st.text(), st.none())     # hashable: dictionary keys
    arguments = _draw(data, dict(
        actor_id=plant["owner"].id, description="客户投诉：左前门内饰板卡扣断裂", category_id=categories[0],
        area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
        opened_on=OPENED, next_report_on=TODAY, template_id=templates[0], part_number="5310-1021",
        target_changes=None, na_steps=None), dict(
        actor_id=ids(people), description=TEXT, category_id=ids(categories), area_id=ids([plant["area"].id]),
        severity=choices(["A", "B", "C"]), owner_id=ids(people), lead_id=ids(people), opened_on=DATES,
        next_report_on=DATES, template_id=ids(templates), part_number=TEXT,
        target_changes=st.one_of(st.none(), st.dictionaries(positions, st.tuples(DATES, TEXT), max_size=3)),
        na_steps=st.one_of(st.none(), st.dictionaries(positions, TEXT, max_size=3))))
    issue, before = _attempt(engine, store.create_issue, **arguments)
    if issue is not None:
        after = _applied(engine, before, actor_id=arguments["actor_id"])
        row = _new_row(before, after, "issue")
        assert re.fullmatch(rf"QR-{arguments['opened_on'].year:04d}-\d{{4,}}", row["number"]), \
            "issue numbers are QR-YYYY-NNNN (store._next_number)"
        assert (row["version"], row["description"], row["opened_on"]) == (
            1, arguments["description"].strip(), arguments["opened_on"].isoformat())
        steps = {s["position"]: s for s in _rows(after, "issuestep").values() if s["issue_id"] == row["id"]}
        template_steps = [s for s in _rows(after, "templatestep").values()
                          if s["template_id"] == int(arguments["template_id"])]
        assert sorted(steps) == list(range(1, len(template_steps) + 1))
        assert {p for p, s in steps.items() if s["state"] == "na"} == set(arguments["na_steps"] or {})
        for position, (target_on, _reason) in (arguments["target_changes"] or {}).items():
            assert steps[position]["target_on"] == target_on.isoformat()


def _step_command(engine, plant, people, fresh, data, command, valid: dict, wild: dict):
    """Draw a step command's arguments on an issue with every step open and call it.

    Returns the step as stored afterwards (None when refused) and the arguments."""
    issue_id, version, steps = fresh()
    arguments = _draw(data, dict(actor_id=plant["owner"].id, step_id=data.draw(st.sampled_from(steps), label="step"),
                                 expected_version=version, **valid),
                      dict(actor_id=ids(people), step_id=ids(steps), expected_version=versions(version), **wild))
    result, before = _attempt(engine, command, **arguments)
    if result is None:
        return None, arguments
    fresh.spent()
    step_id = int(arguments["step_id"])
    step_issue = _row(before, "issuestep", step_id)["issue_id"]
    return _row(_applied(engine, before, actor_id=arguments["actor_id"], issue_id=step_issue), "issuestep",
                step_id), arguments


def _checks(plant, actor_id) -> bool:
    """Whether the actor verifies exits and approves moves: the lead (a facilitator) or the system (None)."""
    return actor_id is None or int(actor_id) == plant["lead"].id


@given(data=st.data())
def test_complete_step(engine, plant, people, fresh, data):
    step, arguments = _step_command(engine, plant, people, fresh, data, store.complete_step,
                                    dict(done_on=TODAY, evidence="围堵记录见附件"), dict(done_on=DATES, evidence=TEXT))
    if step is not None:
        assert OPENED <= arguments["done_on"] <= TODAY
        if _checks(plant, arguments["actor_id"]):                    # a facilitator's or the system's: checked
            assert (step["state"], step["completed_on"]) == ("done", arguments["done_on"].isoformat())
        else:                                                        # an owner's waits for the check
            assert (step["state"], step["completed_on"], step["claimed_on"]) == (
                "open", None, arguments["done_on"].isoformat())
            assert step["evidence"] == arguments["evidence"].strip() != ""


@given(data=st.data())
def test_mark_step_na(engine, plant, people, fresh, data):
    step, arguments = _step_command(engine, plant, people, fresh, data, store.mark_step_na,
                                    dict(reason="结构已防错"), dict(reason=TEXT))
    if step is not None:
        assert (step["state"], step["na_reason"]) == ("na", arguments["reason"].strip())


@given(data=st.data())
def test_mark_step_worse(engine, plant, people, fresh, data):
    step, arguments = _step_command(engine, plant, people, fresh, data, store.mark_step_worse,
                                    dict(reason="等待供应商样件", countermeasure="每日电话跟进"),
                                    dict(reason=TEXT, countermeasure=TEXT))
    if step is not None:
        assert (step["marked_worse"], step["marked_worse_on"], step["worse_reason"], step["countermeasure"]) == (
            1, TODAY.isoformat(), arguments["reason"].strip(), (arguments["countermeasure"] or "").strip())
        assert step["countermeasure"], "a red step always carries its countermeasure"


@given(data=st.data())
def test_set_countermeasure(engine, plant, people, fresh, data):
    step, arguments = _step_command(engine, plant, people, fresh, data, store.set_countermeasure,
                                    dict(countermeasure="鱼骨图分析中，周五汇报"), dict(countermeasure=TEXT))
    if step is not None:
        assert step["countermeasure"] == (arguments["countermeasure"] or "").strip()


@given(data=st.data())
def test_move_target(engine, plant, people, fresh, data):
    step, arguments = _step_command(engine, plant, people, fresh, data, store.move_target,
                                    dict(target_on=TODAY + timedelta(days=5), reason="等待模具厂分析"),
                                    dict(target_on=DATES, reason=TEXT))
    if step is not None:
        assert arguments["target_on"] >= OPENED
        red = step["original_target_on"] < TODAY.isoformat()        # containment and root cause: late on 03-12
        if red and not _checks(plant, arguments["actor_id"]):       # an owner's move of a red step: a request
            assert (step["move_requested_on"], step["target_moves"]) == (arguments["target_on"].isoformat(), 0)
            assert step["target_on"] == step["original_target_on"]
        else:
            assert (step["target_on"], step["target_moves"]) == (arguments["target_on"].isoformat(), 1)


@given(data=st.data())
def test_set_next_report(engine, plant, people, fresh, data):
    issue_id, version, _steps = fresh()
    arguments = _draw(data, dict(actor_id=plant["owner"].id, issue_id=issue_id,
                                 next_report_on=TODAY + timedelta(days=1), expected_version=version),
                      dict(actor_id=ids(people), issue_id=ids([issue_id]), next_report_on=DATES,
                           expected_version=versions(version)))
    issue, before = _attempt(engine, store.set_next_report, **arguments)
    if issue is not None:
        fresh.spent()
        after = _applied(engine, before, actor_id=arguments["actor_id"], issue_id=int(arguments["issue_id"]))
        assert _row(after, "issue", issue.id)["next_report_on"] == arguments["next_report_on"].isoformat()
        assert arguments["next_report_on"] >= TODAY


@given(data=st.data())
def test_close_issue(engine, plant, people, fresh, closable, data):
    still_open, _version_open, _steps = fresh()                # open steps: may not be closed
    version = _version(closable)
    arguments = _draw(data, dict(actor_id=plant["lead"].id, issue_id=closable, closed_on=TODAY,
                                 reason="快速反应会确认关闭", expected_version=version, accepted_by="王经理",
                                 accepted_how="signed"),
                      dict(actor_id=ids(people), issue_id=ids([closable, still_open]), closed_on=DATES, reason=TEXT,
                           expected_version=versions(version), accepted_by=TEXT))
    issue, before = _attempt(engine, store.close_issue, **arguments)
    if issue is not None:
        after = _applied(engine, before, actor_id=arguments["actor_id"], issue_id=int(arguments["issue_id"]))
        assert _row(after, "issue", issue.id)["closed_on"] == arguments["closed_on"].isoformat()
        assert all(s["state"] != "open" for s in _rows(after, "issuestep").values() if s["issue_id"] == issue.id)
        _reopen(plant, issue.id)                                # the next example finds it closable again


@given(data=st.data())
def test_reopen_issue(engine, plant, people, fresh, closed, data):
    still_open, _version_open, _steps = fresh()                # open: may not be reopened
    version = _version(closed)
    arguments = _draw(data, dict(actor_id=plant["lead"].id, issue_id=closed, reason="客户再次抱怨",
                                 expected_version=version),
                      dict(actor_id=ids(people), issue_id=ids([closed, still_open]), reason=TEXT,
                           expected_version=versions(version)))
    issue, before = _attempt(engine, store.reopen_issue, **arguments)
    if issue is not None:
        after = _applied(engine, before, actor_id=arguments["actor_id"], issue_id=int(arguments["issue_id"]))
        row = _row(after, "issue", issue.id)
        assert row["closed_on"] is None and row["next_report_on"] >= TODAY.isoformat()
        _close(plant, issue.id)                                 # the next example finds it closed again


@given(data=st.data())
def test_attach_file(engine, plant, people, fresh, neighbour, monkeypatch, data):
    monkeypatch.setenv("QR_MAX_UPLOAD_MB", "1")
    issue_id, version, steps = fresh()
    arguments = _draw(data, dict(actor_id=plant["owner"].id, issue_id=issue_id, file_name="8D.pdf", content=REPORT,
                                 kind="report", expected_version=version, step_id=None),
                      dict(actor_id=ids(people), issue_id=ids([issue_id]), file_name=FILE_NAMES, content=CONTENT,
                           kind=choices(["report", "evidence"]), expected_version=versions(version),
                           step_id=st.one_of(st.none(), ids(steps + neighbour))))
    attachment, before = _attempt(engine, store.attach_file, **arguments)
    if attachment is not None:
        fresh.spent()
        after = _applied(engine, before, actor_id=arguments["actor_id"], issue_id=int(arguments["issue_id"]))
        row = _new_row(before, after, "attachment")
        assert (row["content"], row["size"], row["kind"], row["file_name"]) == (
            arguments["content"], len(arguments["content"]), arguments["kind"], arguments["file_name"].strip())
        assert row["step_id"] is None or row["step_id"] in steps
