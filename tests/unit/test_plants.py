"""Plants above areas: the default plant, making and renaming plants, an area's plant, a role that counts in its own
plant, and the migration that puts an older database's areas into the default plant (and back)."""
from datetime import date, timedelta

from alembic import command
import pytest
import sqlalchemy as sa

from qr import db, store
from tests.conftest import PASSWORD


@pytest.fixture
def two_plants(plant, open_issue):
    """The fixture's plant (ASSY in the default plant) and a second plant with its own area, facilitator and issue."""
    north = store.create_plant(code="NORTH", name_zh="北厂", name_en="North plant")
    paint = store.create_area(code="PAINT", name_zh="涂装车间", name_en="Paint shop", plant_id=north.id)
    wang = store.create_person(name="王芳", name_en="Wang Fang", area_id=paint.id)
    store.create_account(actor_id=None, person_id=wang.id, username="wangfang", role="facilitator", password=PASSWORD)
    group = store.create_person(name="赵总", name_en="Zhao", area_id=None)
    store.create_account(actor_id=None, person_id=group.id, username="zhao", role="facilitator", password=PASSWORD)
    issue = open_issue(store.today() - timedelta(days=3))
    return {**plant, "north": north, "paint": paint, "wang": wang, "group": group, "issue": issue}


def test_a_new_database_has_the_default_plant_and_its_areas_go_there(plant):
    (default,) = store.plants()
    assert (default["code"], default["name_zh"], default["name_en"], default["areas"]) == ("PLANT", "本厂", "Plant", 1)
    assert plant["area"].plant_id == default["id"]


def test_an_admin_makes_and_renames_plants_and_moves_an_area(plant):
    admin = store.create_person(name="管理员")
    store.create_account(actor_id=None, person_id=admin.id, username="boss", role="admin", password=PASSWORD)
    north = store.create_plant(actor_id=admin.id, code="NORTH", name_zh="北厂", name_en="North")
    store.update_plant(actor_id=admin.id, plant_id=north.id, name_zh="北方工厂", name_en="North plant")
    store.update_area(actor_id=admin.id, area_id=plant["area"].id, name_zh="总装车间", name_en="Final assembly",
                      plant_id=north.id)
    assert [(p["code"], p["name_zh"], p["areas"]) for p in store.plants()] == [("NORTH", "北方工厂", 1),
                                                                               ("PLANT", "本厂", 0)]
    history = store.admin_history()
    assert {(e["entity"], e["field"], e["new"]) for e in history} >= {
        ("plant", "created", "NORTH 北厂"), ("plant", "name_zh", "北方工厂"), ("area", "plant_id", str(north.id))}


@pytest.mark.parametrize("arguments, key", [
    ({"code": "PLANT", "name_zh": "又一个", "name_en": "Again"}, "err.duplicate"),
    ({"code": " ", "name_zh": "北厂", "name_en": "North"}, "err.required"),
    ({"code": "X" * 21, "name_zh": "北厂", "name_en": "North"}, "err.too_long"),
])
def test_a_plant_needs_a_new_code_and_both_names(plant, arguments, key):
    with pytest.raises(store.ValidationFailed) as refused:
        store.create_plant(**arguments)
    assert refused.value.key == key
    assert len(store.plants()) == 1


def test_only_an_admin_configures_plants(plant):
    with pytest.raises(store.Forbidden):
        store.create_plant(actor_id=plant["lead"].id, code="NORTH", name_zh="北厂", name_en="North")
    with pytest.raises(store.NotFound):
        store.create_area(code="QA", name_zh="质量部", name_en="Quality", plant_id=999)
    assert len(store.plants()) == 1


def test_a_facilitator_runs_only_their_own_plant(two_plants):
    w = two_plants
    issue = w["issue"]                               # ASSY, in the default plant
    with pytest.raises(store.Forbidden) as refused:
        store.set_next_report(actor_id=w["wang"].id, issue_id=issue.id, expected_version=issue.version,
                              next_report_on=store.today() + timedelta(days=2))
    assert refused.value.key == "err.other_plant"
    with pytest.raises(store.Forbidden):
        store.start_meeting(actor_id=w["wang"].id, area_id=w["area"].id)
    with pytest.raises(store.Forbidden):
        store.create_issue(actor_id=w["wang"].id, description="别厂的问题", category_id=w["categories"]["gp12"].id,
                           area_id=w["area"].id, severity="C", owner_id=w["owner"].id, lead_id=w["lead"].id,
                           template_id=w["templates"]["minor"].id, opened_on=store.today(), next_report_on=store.today())
    assert store.issue_detail(issue.number).issue["version"] == issue.version          # nothing written
    store.start_meeting(actor_id=w["wang"].id, area_id=w["paint"].id)                  # their own plant's area


def test_a_running_meeting_is_run_only_from_its_own_plant(two_plants):
    """Once started, the meeting's commands (sign-in sheet, guests, review, tiers, reports, decisions, order, the
    day's quality status, its end) refuse a facilitator of another plant; the group's facilitator may."""
    w = two_plants
    issue, meeting = w["issue"], store.start_meeting(actor_id=w["lead"].id, area_id=w["area"].id)
    attempts = {
        "sign_in": lambda actor: store.sign_in(actor_id=actor, meeting_id=meeting.id, statuses={},
                                               expected_version=meeting.version),
        "add_guest": lambda actor: store.add_guest(actor_id=actor, meeting_id=meeting.id, name="供应商代表",
                                                   expected_version=meeting.version),
        "end_meeting": lambda actor: store.end_meeting(actor_id=actor, meeting_id=meeting.id,
                                                       expected_version=meeting.version),
        "review_issue": lambda actor: store.review_issue(actor_id=actor, issue_id=issue.id, on_board=True,
                                                         expected_version=issue.version),
        "change_tier": lambda actor: store.change_tier(actor_id=actor, issue_id=issue.id, on_board=False,
                                                       reason="观察", expected_version=issue.version),
        "record_report": lambda actor: store.record_report(actor_id=actor, meeting_id=meeting.id, issue_id=issue.id),
        "save_report_order": lambda actor: store.save_report_order(actor_id=actor, area_id=w["area"].id,
                                                                   issue_ids=[issue.id]),
        "set_quality_status": lambda actor: store.set_quality_status(actor_id=actor, area_id=w["area"].id,
                                                                     day=store.today(), colour="R", note="停线"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(store.Forbidden) as refused:
            attempt(w["wang"].id)
        assert refused.value.key == "err.other_plant", name
    assert store.issue_detail(issue.number).issue["version"] == issue.version          # nothing written
    store.add_guest(actor_id=w["group"].id, meeting_id=meeting.id, name="集团质量经理",
                    expected_version=meeting.version)                                 # the group's facilitator


def test_the_group_level_and_the_owner_of_an_issue_act_in_every_plant(two_plants):
    w = two_plants
    issue = w["issue"]
    later = store.today() + timedelta(days=2)
    store.set_next_report(actor_id=w["group"].id, issue_id=issue.id, expected_version=issue.version,
                          next_report_on=later)                 # a person of no area: the group's facilitator
    store.update_person(actor_id=None, person_id=w["owner"].id, name="张伟", name_en="Zhang Wei",
                        email="zhang.wei@plant.example", area_id=w["paint"].id)     # moved to the other plant
    store.set_next_report(actor_id=w["owner"].id, issue_id=issue.id, expected_version=issue.version + 1,
                          next_report_on=later + timedelta(days=1))   # still owns the issue
    assert store.issue_detail(issue.number).issue["next_report_on"] == later + timedelta(days=1)


def _area_plants(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT a.code, p.code, p.name_zh, p.name_en FROM area a "
                                          "JOIN plant p ON p.id = a.plant_id ORDER BY a.code")).all()


def test_the_migration_puts_existing_areas_into_the_default_plant_and_back(plant, open_issue, engine, monkeypatch):
    store.create_area(code="WELD", name_zh="焊装车间", name_en="Body welding")
    open_issue(store.today())
    config = db.alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            config.attributes["connection"] = connection
            command.downgrade(config, "0009")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("area")}
        assert "plant_id" not in columns and "plant" not in sa.inspect(connection).get_table_names()
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    monkeypatch.setenv("QR_PLANT_CODE", "SH01")
    db.upgrade(engine)
    assert _area_plants(engine) == [("ASSY", "SH01", "本厂", "Plant"), ("WELD", "SH01", "本厂", "Plant")]
    assert store.issue_count() == 1 and len(store.board_frame()) == 1
