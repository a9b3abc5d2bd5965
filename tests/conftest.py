"""Fixtures: every test gets a fresh database migrated by Alembic, copied from one migrated template.

The backend is SQLite unless QR_TEST_DB=postgresql (see tests/databases.py); the same tests run on both, but for
the browser-view tests marked one_backend, the pg tests (which name their databases) and the tests that reach no
database, which scripts/test runs in its SQLite pass only.
"""
import os
import sys
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher, profiles  # noqa: E402
from sqlalchemy import event  # noqa: E402

from qr import db, demo, passwords, store  # noqa: E402
from qr.config import load_settings  # noqa: E402
from qr.defaults import install_defaults  # noqa: E402
from tests import databases  # noqa: E402
from tests.databases import drop_database, new_database  # noqa: E402


passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))   # argon2 all the same, fast


SECOND_PASS = os.environ.get("QR_TEST_SECOND_PASS") == "1"     # scripts/test's PostgreSQL pass, after SQLite's


# the fixtures through which a test reaches the backend under test (every other database a test makes is SQLite's
# or PostgreSQL's whatever QR_TEST_DB says); a test module may also call new_database itself
BACKEND_FIXTURES = frozenset({"database_url", "empty_database", "migrated_template", "march_database"})


def reaches_backend(item) -> bool:
    """Whether the test can make a database on the backend under test; one that cannot runs the same in both passes."""
    module = getattr(item, "module", None)
    return bool(BACKEND_FIXTURES.intersection(getattr(item, "fixturenames", ()))) or \
        "new_database" in getattr(module, "__dict__", {})


def _same_on_either_backend(item) -> bool:
    """Browser views (one_backend), tests that reach no database, and the pg tests, which name PostgreSQL (and
    SQLite) themselves whatever QR_TEST_DB says."""
    return any(item.get_closest_marker(name) for name in ("one_backend", "pg")) or not reaches_backend(item)


def pytest_collection_modifyitems(config, items):
    """In scripts/test's second pass, the tests that ran the same in the first are deselected: the browser-view
    tests (marker one_backend: markup, layout, scrolling do not depend on the database behind the page), the
    tests that reach no database at all (rules, views, file formats) and the pg tests (their own databases).
    Then the longest files come first (_work_order), so neither worker ends on a long one alone."""
    if SECOND_PASS:
        ran_before = [item for item in items if _same_on_either_backend(item)]
        if ran_before:
            config.hook.pytest_deselected(items=ran_before)
            items[:] = [item for item in items if not _same_on_either_backend(item)]
    items.sort(key=_work_order(items))


def _work_order(items):
    """Longest files first, by a rough cost in seconds (a server and browser file pays for its server's start and
    seconds a test, a property test for its examples, a command-line test for its process, most others a fraction
    of a second): pytest-xdist hands out whole files in this order (scripts/test passes --no-loadscope-reorder)."""
    cost = Counter()
    for item in items:
        starts_servers = item.path.relative_to(ROOT / "tests").parts[0] in ("e2e", "pg")
        if starts_servers and item.path not in cost:
            cost[item.path] += 15
        cost[item.path] += 5 if starts_servers else 3 if getattr(item.obj, "is_hypothesis_test", False) else \
            1.5 if "subprocess" in vars(item.module) else 0.3
    return lambda item: (-cost[item.path], str(item.path))


def pytest_report_header(config):
    if SECOND_PASS:
        return ("second pass: tests marked one_backend or pg and tests that reach no database ran in the SQLite pass "
                "and are deselected here")


@pytest.fixture(autouse=True)
def _makes_databases_only_if_it_says_so(request):
    """A test the second pass deselects as reaching no database must make none: if one does (through a fixture not
    in BACKEND_FIXTURES, say), it fails here, in the first pass, instead of going untested on PostgreSQL."""
    if reaches_backend(request.node):
        yield
        return
    before = databases.made
    yield
    assert databases.made == before, (
        f"{request.node.nodeid} made a database without asking for one of {sorted(BACKEND_FIXTURES)}: "
        "scripts/test's PostgreSQL pass would leave it out (tests/conftest.py, reaches_backend)")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """One database upgraded to head with the default configuration; tests copy it (fast, still real)."""
    url = new_database(tmp_path_factory.mktemp("template"))
    engine = db.make_engine(url)
    db.upgrade(engine)
    db.use_engine(engine)
    install_defaults()
    db.use_engine(None)
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def march_database(migrated_template, tmp_path_factory):
    """The March story (tests/trends_fixture.py) played once per run into a database that each test asking for
    march_plant copies: played for every test it took 1.3 s of each."""
    from tests.trends_fixture import play_march    # it uses this module's helpers
    url = new_database(tmp_path_factory.mktemp("march"), template=migrated_template)
    with using_database(url):
        march = play_march(make_plant())
    yield url, march
    drop_database(url)


def _asks_for_march(request) -> bool:
    """Whether the test uses march_plant: its database and its plant are then the March story's."""
    return "march_plant" in request.fixturenames


@pytest.fixture
def database_url(request, tmp_path, migrated_template, monkeypatch) -> str:
    """A fresh database for this test, a copy of the March story's if the test asks for march_plant;
    DATABASE_URL points at it for code that reads the settings."""
    march = _asks_for_march(request)
    url = new_database(tmp_path, template=request.getfixturevalue("march_database")[0] if march else migrated_template)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("QR_DEMO", "0")
    yield url
    drop_database(url)


@pytest.fixture
def empty_database(tmp_path):
    """Factory: URLs of new empty databases (no schema) on the backend under test, dropped afterwards."""
    made = []

    def make() -> str:
        made.append(new_database(tmp_path))
        return made[-1]
    yield make
    for url in made:
        drop_database(url)


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    db.use_engine(engine)
    yield engine
    db.use_engine(None)
    engine.dispose()


def plant_moment(day: date, hour: int = 10) -> datetime:
    """That hour of a plant day as an aware moment (the store's `now`)."""
    return datetime.combine(day, time(hour), tzinfo=load_settings().tz).astimezone(timezone.utc)


PASSWORD = "secret-pw-1"


def make_plant() -> dict:
    """A small plant: one area, an owner (role owner) and a lead (role facilitator), the default templates and
    categories; both sign in with PASSWORD."""
    area = store.create_area(code="ASSY", name_zh="总装车间", name_en="Final assembly")
    owner = store.create_person(name="张伟", name_en="Zhang Wei", area_id=area.id, email="zhang.wei@plant.example")
    lead = store.create_person(name="孙丽", name_en="Sun Li", area_id=area.id, email="sun.li@plant.example")
    store.create_account(actor_id=None, person_id=owner.id, username="zhangwei", role="owner", password=PASSWORD)
    store.create_account(actor_id=None, person_id=lead.id, username="sunli", role="facilitator", password=PASSWORD)
    refs = store.reference_lists()
    return {
        "area": area, "owner": owner, "lead": lead,
        "categories": {c.code: c for c in refs["categories"]},
        "templates": {t.code: t for t in refs["templates"]},
    }


def issue_opener(plant: dict):
    """Factory: an issue opened on a given day through the store, with its `now` on that day."""
    def make(opened_on: date, *, template: str = "standard", category: str = "complaint", severity: str = "A",
             description: str = "客户投诉：左前门内饰板卡扣断裂", next_report_on: date | None = None):
        return store.create_issue(
            actor_id=plant["owner"].id, description=description, category_id=plant["categories"][category].id,
            area_id=plant["area"].id, severity=severity, owner_id=plant["owner"].id, lead_id=plant["lead"].id,
            opened_on=opened_on, next_report_on=next_report_on or opened_on,
            template_id=plant["templates"][template].id, part_number="5310-1021", now=plant_moment(opened_on))
    return make


@contextmanager
def using_database(url: str, *, demo_mode: bool = False):
    """The store on `url` for the duration (DATABASE_URL and QR_DEMO too, for code that reads the settings)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("QR_DEMO", "1" if demo_mode else "0")
        engine = db.make_engine(url)
        db.use_engine(engine)
        try:
            yield engine
        finally:
            db.use_engine(None)
            engine.dispose()


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory, migrated_template):
    """Factory: a database holding the demo plant of day `on` (today if None), loaded once per run; tests copy it
    (loading the demo takes seconds, a copy a fraction of one)."""
    made: dict[date | None, str] = {}

    def template(on: date | None) -> str:
        if on not in made:
            url = new_database(tmp_path_factory.mktemp("demo"), template=migrated_template)
            with using_database(url):
                demo.load_demo(on=on)
            made[on] = url
        return made[on]
    yield template
    for url in made.values():
        drop_database(url)


@pytest.fixture
def demo_copy(tmp_path, demo_templates):
    """Factory: the store (and DATABASE_URL) on a fresh copy of the demo plant of `on` until the test ends; its URL.
    `demo_mode` opens the demo accounts as a demo site does."""
    with ExitStack() as stack:
        def use(on: date | None = None, *, demo_mode: bool = False) -> str:
            url = new_database(tmp_path, template=demo_templates(on))
            stack.callback(drop_database, url)
            stack.enter_context(using_database(url, demo_mode=demo_mode))
            return url
        yield use


def statements_run(engine, call):
    """The statements `engine` sends to the database while `call()` runs, and what it returned."""
    statements = []

    def record(_conn, _cursor, statement, *_rest):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements, result


def statements_sent(engine, call):
    """How many statements `engine` sends to the database while `call()` runs, and what it returned."""
    statements, result = statements_run(engine, call)
    return len(statements), result


@pytest.fixture
def plant(request, engine):
    """A small plant (make_plant); with march_plant, the one its story was played in."""
    if _asks_for_march(request):
        return request.getfixturevalue("march_plant").plant
    return make_plant()


@pytest.fixture
def march_plant(engine, march_database):
    """The twelve issues of tests/trends_fixture.py, in this test's database."""
    return march_database[1]


@pytest.fixture
def open_issue(plant):
    return issue_opener(plant)
