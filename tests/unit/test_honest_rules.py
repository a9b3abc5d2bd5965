"""Rules that keep the board honest (#18), through the store with hand-figured dates: target moves (a red step's
move is a request; approved and refused), verified exits, red without countermeasure, the two tiers, the review
since the area's previous meeting (a Monday after a holiday) and the functions at the meeting.

The calendar: Mon 2026-03-02 opened, minor template — containment target Tue 03-03, root cause Mon 03-09,
corrective action Tue 03-17, verified Wed 04-01, lessons learned Thu 04-16. Ladder: red ≥ 1 day → level 1,
≥ 3 → 2, ≥ 7 → 3.
"""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from qr import db, demo, meeting, meeting_views, store, trend_reading, trends, views
from qr.board import board_counters
from qr.config import load_settings
from qr.rules import Status
from tests.conftest import plant_moment

OPENED = date(2026, 3, 2)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def minor(plant, open_issue):
    """A customer complaint on the minor template (on the board), its containment done on time by the quality
    engineer (a facilitator's completion is checked as it is made)."""
    issue = open_issue(OPENED, template="minor", severity="C")
    containment = _step(issue, "containment")
    store.complete_step(actor_id=plant["lead"].id, step_id=containment["id"], done_on=d(3, 3),
                        expected_version=issue.version, now=plant_moment(d(3, 3), 16))
    return issue


def _step(issue, code: str, on: date = d(3, 12)) -> dict:
    return next(s for s in store.issue_detail(issue.number, on=on).steps if s["code"] == code)


def _version(issue) -> int:
    return store.issue_detail(issue.number).issue["version"]


def _row(issue, on: date) -> dict:
    return store.board_frame(on=on).set_index("number").loc[issue.number].to_dict()


def _cell(issue, code: str, on: date) -> str:
    html = views.render_board(store.board_frame(on=on), store.step_columns(), "zh")
    row = html[html.index(f'data-issue="{issue.number}"'):]
    return row[row.index(f'data-step="{code}"') - 60:row.index(f'data-step="{code}"') + 400]


def _kpis(last_day: date) -> trends.Trends:
    return trend_reading.kpis(trends.period_for(OPENED, last_day, today=last_day), trends.TrendsFilter())


def _red_yellow(last_day: date) -> list[int]:
    return _kpis(last_day).days_red_yellow[["days_red", "days_yellow"]].values.tolist()[0]


def _request_root_cause_move(plant, issue):
    """Thu 03-12: root cause is red since 03-10 (2 days, level 1); the owner asks to move it to Fri 03-20."""
    return store.move_target(actor_id=plant["owner"].id, step_id=_step(issue, "root_cause")["id"],
                             target_on=d(3, 20), reason="等供应商分析报告", expected_version=_version(issue),
                             now=plant_moment(d(3, 12), 10))


# ---------------------------------------------------------------- target moves

def test_an_owners_move_of_a_red_step_is_a_request_that_changes_nothing(plant, minor):
    before = _red_yellow(d(3, 12))
    assert before == [3, 42]     # R: root cause 03-10..12 · Y: containment 1, root cause 03-02..09 8, 3 × 11 others
    requested = _request_root_cause_move(plant, minor)
    assert (requested.move_requested_on, requested.target_on, requested.target_moves) == (d(3, 20), d(3, 9), 0)
    root_cause = _step(minor, "root_cause")
    assert (root_cause["status"], root_cause["days_red"], root_cause["target_on"]) == (Status.R, 2, d(3, 9))
    assert _row(minor, d(3, 12))["escalation_level"] == 1                  # escalation goes on
    cell = _cell(minor, "root_cause", d(3, 12))
    assert 'data-status="R"' in cell and 'data-move-requested="2026-03-20"' in cell and "↷?" in cell
    assert _red_yellow(d(3, 12)) == before
    with pytest.raises(store.ValidationFailed) as twice:
        _request_root_cause_move(plant, minor)
    assert (twice.value.key, twice.value.values["date"]) == ("err.move_pending", "2026-03-20")
    history = [(h["field"], h["new"], h["reason"], h["actor"]) for h in store.issue_detail(minor.number).history]
    assert ("move_requested_on", "2026-03-20", "等供应商分析报告", "张伟") in history


def test_an_approved_move_counts_from_the_new_target_and_leaves_the_days_past_red(plant, minor):
    _request_root_cause_move(plant, minor)
    store.approve_target_move(actor_id=plant["lead"].id, step_id=_step(minor, "root_cause")["id"],
                              note="客户同意", expected_version=_version(minor), now=plant_moment(d(3, 13), 9))
    root_cause = _step(minor, "root_cause", on=d(3, 13))
    assert (root_cause["status"], root_cause["days_red"], root_cause["target_on"]) == (Status.Y, 0, d(3, 20))
    assert (root_cause["original_target_on"], root_cause["target_moves"], root_cause["move_requested_on"]) == (
        d(3, 9), 1, None)
    assert _row(minor, d(3, 13))["escalation_level"] == 0                  # the agreed new date resets it
    cell = _cell(minor, "root_cause", d(3, 13))
    assert 'data-moves="1" data-original-target="2026-03-09"' in cell and "↷1" in cell
    assert "原目标 2026-03-09" in cell                                       # the original date in the tooltip
    assert "data-move-requested" not in cell
    moved = next(h for h in store.issue_detail(minor.number).history if h["field"] == "target_on")
    assert (moved["old"], moved["new"], moved["reason"], moved["actor"]) == (
        "2026-03-09", "2026-03-20", "等供应商分析报告 (客户同意)", "孙丽")
    # the trends replay the target in force each day: 03-10..12 stay red, the days after the approval are yellow
    assert _red_yellow(d(3, 12)) == [3, 42]
    assert _red_yellow(d(3, 15)) == [3, 54]     # Y: 1 + root cause 8 + 03-13..15 3 + 3 × 14
    assert _kpis(d(3, 15)).escalated.empty
    # the root cause late again after its new date: red from 03-21, counted from 03-20
    later = _step(minor, "root_cause", on=d(3, 23))
    assert (later["status"], later["days_red"]) == (Status.R, 2)


def test_a_refused_move_keeps_the_target_and_the_escalation(plant, minor):
    _request_root_cause_move(plant, minor)
    with pytest.raises(store.Forbidden):                                  # the owner cannot answer their own request
        store.approve_target_move(actor_id=plant["owner"].id, step_id=_step(minor, "root_cause")["id"],
                                  expected_version=_version(minor), now=plant_moment(d(3, 13), 9))
    with pytest.raises(store.ValidationFailed) as no_reason:
        store.refuse_target_move(actor_id=plant["lead"].id, step_id=_step(minor, "root_cause")["id"], reason=" ",
                                 expected_version=_version(minor), now=plant_moment(d(3, 13), 9))
    assert no_reason.value.key == "err.required"
    store.refuse_target_move(actor_id=plant["lead"].id, step_id=_step(minor, "root_cause")["id"],
                             reason="先完成5-Why再谈改期", expected_version=_version(minor),
                             now=plant_moment(d(3, 13), 9))
    root_cause = _step(minor, "root_cause", on=d(3, 13))
    assert (root_cause["status"], root_cause["days_red"], root_cause["target_on"]) == (Status.R, 3, d(3, 9))
    assert (root_cause["move_requested_on"], root_cause["target_moves"]) == (None, 0)
    assert _row(minor, d(3, 13))["escalation_level"] == 2                  # red 3 days: department manager
    refused = next(h for h in store.issue_detail(minor.number).history if h["field"] == "move_requested_on")
    assert (refused["old"], refused["new"], refused["reason"], refused["actor"]) == (
        "2026-03-20", None, "先完成5-Why再谈改期", "孙丽")
    assert _red_yellow(d(3, 15)) == [6, 51]      # R: root cause 03-10..15 · Y: 1 + 8 + 3 × 14
    _request_root_cause_move(plant, minor)                                # the owner may ask again


def test_the_first_move_of_a_step_on_time_applies_the_second_waits_and_a_facilitators_applies(plant, minor):
    corrective = _step(minor, "corrective_action")
    store.move_target(actor_id=plant["owner"].id, step_id=corrective["id"], target_on=d(3, 24), reason="模具返修",
                      expected_version=_version(minor), now=plant_moment(d(3, 12), 10))
    corrective = _step(minor, "corrective_action")
    assert (corrective["target_on"], corrective["original_target_on"], corrective["target_moves"]) == (
        d(3, 24), d(3, 17), 1)
    second = store.move_target(actor_id=plant["owner"].id, step_id=corrective["id"], target_on=d(3, 31),
                               reason="模具厂再延期", expected_version=_version(minor), now=plant_moment(d(3, 12), 11))
    assert (second.target_on, second.move_requested_on) == (d(3, 24), d(3, 31))
    store.move_target(actor_id=plant["lead"].id, step_id=_step(minor, "root_cause")["id"], target_on=d(3, 16),
                      reason="会上同意", expected_version=_version(minor), now=plant_moment(d(3, 12), 12))
    root_cause = _step(minor, "root_cause")
    assert (root_cause["status"], root_cause["target_on"], root_cause["target_moves"]) == (Status.Y, d(3, 16), 1)


def test_a_moves_reason_is_stored_as_checked_in_every_audit_event(plant, minor, engine):
    """A reason of the longest length with spaces around it (found by the property test on PostgreSQL, whose
    VARCHAR(500) refused the unstripped copy written with the move count)."""
    reason = " " + "模" * store.REASON_MAX + " "
    store.move_target(actor_id=plant["owner"].id, step_id=_step(minor, "corrective_action")["id"], target_on=d(3, 24),
                      reason=reason, expected_version=_version(minor), now=plant_moment(d(3, 12), 10))
    with engine.connect() as connection:
        reasons = connection.execute(sa.text("SELECT DISTINCT reason FROM auditevent WHERE field IN "
                                             "('target_on', 'target_moves')")).scalars().all()
    assert reasons == [reason.strip()]


# ---------------------------------------------------------------- verified exits

def test_an_owners_done_waits_for_the_quality_engineers_check(plant, open_issue):
    issue = open_issue(OPENED, template="minor", severity="C")
    containment = _step(issue, "containment")
    with pytest.raises(store.ValidationFailed) as bare:
        store.complete_step(actor_id=plant["owner"].id, step_id=containment["id"], done_on=d(3, 3),
                            expected_version=issue.version, now=plant_moment(d(3, 3), 16))
    assert bare.value.key == "err.evidence_needed"
    store.complete_step(actor_id=plant["owner"].id, step_id=containment["id"], done_on=d(3, 3),
                        evidence="100%全检记录(3班)", expected_version=issue.version, now=plant_moment(d(3, 3), 16))
    claimed = _step(issue, "containment", on=d(3, 3))
    assert (claimed["status"], claimed["to_verify"], claimed["completed_on"], claimed["claimed_on"]) == (
        Status.Y, True, None, d(3, 3))                                        # not green yet
    frame = store.board_frame(on=d(3, 4))
    assert board_counters(frame)["to_verify"] == 1
    cell = _cell(issue, "containment", d(3, 4))
    assert 'data-status="R"' in cell and 'data-verify="pending"' in cell and "✓?" in cell
    assert "data-no-countermeasure" not in cell                             # its next step is the check
    with pytest.raises(store.ValidationFailed) as twice:
        store.complete_step(actor_id=plant["owner"].id, step_id=containment["id"], done_on=d(3, 3), evidence="再报",
                            expected_version=_version(issue), now=plant_moment(d(3, 4), 8))
    assert twice.value.key == "err.step_claimed"
    with pytest.raises(store.Forbidden):
        store.verify_step(actor_id=plant["owner"].id, step_id=containment["id"], expected_version=_version(issue),
                          now=plant_moment(d(3, 4), 9))

    store.return_step(actor_id=plant["lead"].id, step_id=containment["id"], reason="缺少客户处检查记录",
                      expected_version=_version(issue), now=plant_moment(d(3, 4), 9))
    returned = _step(issue, "containment", on=d(3, 4))
    assert (returned["to_verify"], returned["return_reason"], returned["status"]) == (False, "缺少客户处检查记录", Status.R)
    assert returned["no_countermeasure"]                                    # red again, and nothing said about it

    store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="客户处检查记录.pdf",
                      content=demo.report_pdf("checked"), kind="evidence", step_id=containment["id"],
                      expected_version=_version(issue), now=plant_moment(d(3, 5), 9))
    store.complete_step(actor_id=plant["owner"].id, step_id=containment["id"], done_on=d(3, 5),
                        expected_version=_version(issue), now=plant_moment(d(3, 5), 10))   # the file is the evidence
    with pytest.raises(store.ValidationFailed) as closing:
        store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=d(3, 5), reason="完成",
                          expected_version=_version(issue), now=plant_moment(d(3, 5), 11))
    assert closing.value.key == "err.open_steps" and closing.value.values["steps"].startswith("遏制措施(待验证)")

    store.verify_step(actor_id=plant["lead"].id, step_id=containment["id"], note="与退出标准对比符合",
                      expected_version=_version(issue), now=plant_moment(d(3, 6), 9))
    verified = _step(issue, "containment", on=d(3, 6))
    assert (verified["status"], verified["completed_on"], verified["verified_on"]) == (Status.G, d(3, 5), d(3, 6))
    # trends: containment yellow 03-02..03, red 03-04..05, green from the day it was verified
    assert _red_yellow(d(3, 8)) == [2, 30]       # Y: containment 2 + 4 steps × 03-02..08 7
    fields = [h["field"] for h in store.issue_detail(issue.number).history]
    assert {"claimed_on", "evidence", "return_reason", "verified_on", "verified_by_id"} <= set(fields)


def test_without_verified_exits_an_owners_done_is_green(plant, open_issue):
    store.configure(actor_id=None, key="verify_exits", value=False)
    issue = open_issue(OPENED, template="minor", severity="C")
    store.complete_step(actor_id=plant["owner"].id, step_id=_step(issue, "containment")["id"], done_on=d(3, 3),
                        expected_version=issue.version, now=plant_moment(d(3, 3), 16))
    assert _step(issue, "containment")["status"] == Status.G


# ---------------------------------------------------------------- red without countermeasure

def test_a_step_red_by_its_date_is_marked_and_counted_until_it_has_a_countermeasure(plant, minor):
    frame = store.board_frame(on=d(3, 12))
    assert board_counters(frame)["no_countermeasure"] == 1                  # root cause, red since 03-10
    assert 'data-no-countermeasure="true"' in _cell(minor, "root_cause", d(3, 12))
    header = views.render_header(board_counters(frame), [], "zh")
    assert 'data-counter="no_countermeasure">⊘ 红色无对策 <b>1</b>' in header
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=_step(minor, "root_cause")["id"],
                             countermeasure="5-Why 分析中，周五汇报", expected_version=_version(minor),
                             now=plant_moment(d(3, 12), 10))
    assert board_counters(store.board_frame(on=d(3, 12)))["no_countermeasure"] == 0
    assert "data-no-countermeasure" not in _cell(minor, "root_cause", d(3, 12))


# ---------------------------------------------------------------- the two tiers

def test_the_watch_list_reports_after_the_board_and_tier_changes_are_recorded(plant, open_issue):
    first = open_issue(OPENED, description="客户投诉：卡扣断裂")
    second = open_issue(OPENED, description="PRR：焊点虚焊", category="prr")
    watched = open_issue(OPENED, category="lpa", severity="C", template="minor", description="LPA：点检表漏填")
    assert watched.on_board is False
    order = store.reporting_order(plant["area"].id, on=d(3, 12))
    assert list(order["number"]) == [first.number, second.number, watched.number]
    assert list(order["on_board"]) == [True, True, False]
    assert 'data-tier="watch"' in meeting_views.render_order_item(3, order.iloc[2].to_dict(), "zh")

    store.change_tier(actor_id=plant["lead"].id, issue_id=second.id, on_board=False, reason="内部已遏制，客户未受影响",
                      expected_version=second.version, now=plant_moment(d(3, 12), 9))
    store.change_tier(actor_id=plant["lead"].id, issue_id=watched.id, on_board=True, reason="同类问题第三次发生",
                      expected_version=watched.version, now=plant_moment(d(3, 12), 9))
    order = store.reporting_order(plant["area"].id, on=d(3, 12))
    assert list(zip(order["number"], order["on_board"])) == [(first.number, True), (watched.number, True),
                                                             (second.number, False)]
    demoted = [(h["field"], h["old"], h["new"], h["reason"]) for h in store.issue_detail(second.number).history]
    assert ("on_board", "True", "False", "内部已遏制，客户未受影响") in demoted
    with pytest.raises(store.ValidationFailed) as same:
        store.change_tier(actor_id=plant["lead"].id, issue_id=first.id, on_board=True, reason="x",
                          expected_version=first.version, now=plant_moment(d(3, 12), 9))
    assert same.value.key == "err.already_on_board"

    store.configure(actor_id=None, key="watch_list_in_meeting", value=False)
    assert list(store.reporting_order(plant["area"].id, on=d(3, 12))["number"]) == [first.number, watched.number]


# ---------------------------------------------------------------- the review since the previous meeting

def _created_at(plant, moment: datetime, description: str, **kind):
    day = moment.astimezone(load_settings().tz).date()
    category, severity, template = kind.get("kind", ("complaint", "A", "standard"))
    return store.create_issue(actor_id=plant["owner"].id, description=description,
                              category_id=plant["categories"][category].id, area_id=plant["area"].id,
                              severity=severity, owner_id=plant["owner"].id, lead_id=plant["lead"].id, opened_on=day,
                              next_report_on=day, template_id=plant["templates"][template].id, now=moment)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return plant_moment(day, hour) + timedelta(minutes=minute)


def test_a_monday_after_a_holiday_reviews_everything_since_thursdays_meeting(plant):
    """Thu 04-30 meeting 08:00–08:20 · Fri 05-01 Labour Day, no meeting · Sat, Sun · Mon 05-04 meeting 08:00."""
    thursday, friday, sunday, monday, tuesday = d(4, 30), d(5, 1), d(5, 3), d(5, 4), d(5, 5)
    lead = plant["lead"].id
    undecided = _created_at(plant, _at(d(4, 29), 15), "周三：未在周四会上决定")
    decided = _created_at(plant, _at(d(4, 29), 16), "周三：周四会上已决定")
    held = store.start_meeting(actor_id=lead, area_id=plant["area"].id, now=_at(thursday, 8))
    store.review_issue(actor_id=lead, issue_id=decided.id, on_board=True, expected_version=decided.version,
                       now=_at(thursday, 8, 10))
    store.end_meeting(actor_id=lead, meeting_id=held.id, expected_version=held.version, now=_at(thursday, 8, 20))
    after_meeting = _created_at(plant, _at(thursday, 14), "周四下午")
    holiday = _created_at(plant, _at(friday, 10), "五一假期：客户来电",
                          kind=("lpa", "C", "minor"))                       # proposed for the watch list
    sunday_night = _created_at(plant, _at(sunday, 22), "周日夜班")
    early_monday = _created_at(plant, _at(monday, 7, 30), "周一早班")

    held = store.start_meeting(actor_id=lead, area_id=plant["area"].id, now=_at(monday, 8))
    listed = store.review_list(plant["area"].id, now=_at(monday, 8, 5))
    assert [i["number"] for i in listed] == [undecided.number, after_meeting.number, holiday.number,
                                             sunday_night.number, early_monday.number]
    assert [i["proposed_on_board"] for i in listed] == [True, True, False, True, True]
    assert listed[0]["since"] == _at(thursday, 8, 20)                      # "now minus 24 hours" would be Sun 08:05
    for item in listed[1:3]:                                                # Thursday's and the holiday's: decided
        store.review_issue(actor_id=lead, issue_id=item["id"], on_board=item["proposed_on_board"],
                           expected_version=item["version"], now=_at(monday, 8, 10))
    store.end_meeting(actor_id=lead, meeting_id=held.id, expected_version=held.version, now=_at(monday, 8, 20))

    store.start_meeting(actor_id=lead, area_id=plant["area"].id, now=_at(tuesday, 8))
    kept = store.review_list(plant["area"].id, now=_at(tuesday, 8, 5))
    assert [i["number"] for i in kept] == [undecided.number, sunday_night.number, early_monday.number]
    assert not any(i["reviewed"] for i in kept)
    tiers = store.board_frame(on=monday, with_list=True).set_index("number")["on_board"]
    assert not tiers[holiday.number] and tiers[after_meeting.number]


# ---------------------------------------------------------------- functions at the meeting

def test_the_sign_in_sheet_and_the_minutes_name_a_missing_function(plant):
    store.update_area(actor_id=None, area_id=plant["area"].id, name_zh="总装车间", name_en="Final assembly",
                      required_functions=["sqe", "quality"])
    store.update_person(actor_id=None, person_id=plant["owner"].id, name="张伟", name_en="Zhang Wei",
                        email="zhang.wei@plant.example", area_id=plant["area"].id, function="production")
    quality = store.create_person(name="吴刚", name_en="Wu Gang", area_id=plant["area"].id, function="quality")
    day = d(3, 12)
    held = store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id, now=_at(day, 8))
    sheet = store.sign_in_sheet(held.id)
    assert [(line["name"], line["function"]) for line in sheet] == [("张伟", "production"), ("孙丽", ""),
                                                                     ("吴刚", "quality")]
    signed = store.sign_in(actor_id=plant["lead"].id, meeting_id=held.id, expected_version=held.version,
                           statuses={line["id"]: "present" for line in sheet}, now=_at(day, 8, 1))
    assert store.meeting_functions(held.id) == (["quality", "sqe"], ["sqe"])
    minutes = store.meeting_minutes(held.id, now=_at(day, 8, 2))
    assert ("缺少职能", "SQE") in meeting.header_rows(minutes, "zh")
    assert ("吴刚 (质量)", "出席") in meeting.attendance_rows(minutes, "zh")
    store.update_area(actor_id=None, area_id=plant["area"].id, name_zh="总装车间", name_en="Final assembly",
                      required_functions=["quality"])                       # later: the meeting keeps what it needed
    store.add_guest(actor_id=plant["lead"].id, meeting_id=held.id, name="供应商质量 周工", function="sqe",
                    expected_version=signed.version, now=_at(day, 8, 3))
    assert store.meeting_functions(held.id) == (["quality", "sqe"], [])
    minutes = store.meeting_minutes(held.id, now=_at(day, 8, 4))
    assert ("Functions missing", "none") in meeting.header_rows(minutes, "en")
    assert ("供应商质量 周工 (列席/SQE)", "出席") in meeting.attendance_rows(minutes, "zh")
    assert quality.function == "quality"


# ---------------------------------------------------------------- the migration

def test_the_migration_keeps_each_steps_original_target_from_the_audit_trail(empty_database):
    """A step moved twice after its issue was opened (and once while it was opened) before revision 0009: its
    original target is the one before the first later move, and it counts two moves."""
    url = empty_database()
    engine = db.make_engine(url)
    config = db.alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    created = "2026-03-02 01:00:00.000000"                  # UTC, as the DateTime column holds it on SQLite
    with engine.begin() as connection:
        run = lambda sql, **values: connection.execute(sa.text(sql), values)  # noqa: E731
        run("INSERT INTO area (id, code, name_zh, name_en) VALUES (1, 'ASSY', '总装', 'Assembly')")
        run("INSERT INTO person (id, name, name_en, active) VALUES (1, '张伟', 'Zhang Wei', true)")
        run("INSERT INTO category (id, code, name_zh, name_en, kind) VALUES (1, 'c', '客户', 'Customer', 'external')")
        run("INSERT INTO steptemplate (id, code, name_zh, name_en) VALUES (1, 't', '模板', 'Template')")
        for step in (1, 2):
            run("INSERT INTO templatestep (id, template_id, position, code, name_zh, name_en, short_zh, short_en, "
                "eight_d, guide_limit_days, may_be_na) VALUES (:id, 1, :id, :code, '步骤', 'Step', '步', 'S', 'D4', 7, "
                "false)", id=step, code=f"step{step}")
        run("INSERT INTO issue (id, number, description, category_id, area_id, part_number, severity, owner_id, "
            "lead_id, template_id, opened_on, version, created_at, updated_at, on_board, escalated_level) VALUES "
            "(1, 'QR-2026-0001', 'x', 1, 1, '', 'A', 1, 1, 1, '2026-03-02', 4, :at, :at, true, 0)", at=created)
        for step, target in ((1, "2026-03-23"), (2, "2026-03-09")):
            run("INSERT INTO issuestep (id, issue_id, template_step_id, position, target_on, state, marked_worse, "
                "worse_reason, na_reason, countermeasure) "
                "VALUES (:id, 1, :id, :id, :target, 'open', false, '', '', '')", id=step, target=target)
        for event, (at, old, new) in enumerate(((created, "2026-03-09", "2026-03-12"),     # while opening it
                                                ("2026-03-05 02:00:00.000000", "2026-03-12", "2026-03-16"),
                                                ("2026-03-10 02:00:00.000000", "2026-03-16", "2026-03-23")), start=1):
            run("INSERT INTO auditevent (id, at, entity, entity_id, issue_id, field, old, new, reason, actor_name, "
                "actor_name_en) VALUES (:id, :at, 'step', 1, 1, 'target_on', :old, :new, '', '', '')",
                id=event, at=at, old=old, new=new)
    db.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, original_target_on, target_moves FROM issuestep "
                                          "ORDER BY id")).all()
    assert [(i, str(original), moves) for i, original, moves in rows] == [(1, "2026-03-12", 2), (2, "2026-03-09", 0)]
    engine.dispose()
