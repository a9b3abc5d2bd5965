"""The daily meeting: admission, attendance, Q-chart, changes since the last meeting, decisions, minutes data."""
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from qr import meeting, meeting_views, rules, store
from qr.rules import AdmissionRule, Status, TimerState
from tests.conftest import plant_moment

MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)


@pytest.mark.parametrize("severity, kind, expected", [
    ("A", "internal", True),     # severe: always on the board
    ("B", "internal", True),
    ("C", "internal", False),    # minor internal finding: the watch list
    ("C", "external", True),     # anything a customer or supplier raised is significant
    ("A", "external", True),
])
def test_default_admission_rule(severity, kind, expected):
    assert rules.admitted_to_board(severity, kind) is expected


@pytest.mark.parametrize("rule, severity, kind, expected", [
    (AdmissionRule(severities=frozenset({"A"}), kinds=frozenset()), "B", "external", False),
    (AdmissionRule(severities=frozenset({"A"}), kinds=frozenset()), "A", "internal", True),
    (AdmissionRule(severities=frozenset(), kinds=frozenset({"internal", "external"})), "C", "internal", True),
])
def test_admission_rule_is_configurable(rule, severity, kind, expected):
    assert rules.admitted_to_board(severity, kind, rule) is expected


@pytest.mark.parametrize("statuses, expected", [
    (["present"] * 4 + ["late"] + ["absent", "excused"], 5 / 7),    # 71.4 %: late counts as attended
    (["present", "present"], 1.0),
    (["excused", "absent"], 0.0),                                  # excused is not attended
    ([], None),                                                    # nobody listed: no rate, not 0 %
])
def test_attendance_rate(statuses, expected):
    assert rules.attendance_rate(statuses) == expected


def test_five_of_seven_reads_71_4_percent():
    assert f"{rules.attendance_rate(['present'] * 5 + ['absent'] * 2):.1%}" == "71.4%"


@pytest.mark.parametrize("new_issues, override, expected", [
    ([], None, Status.G),
    ([("internal", False)], None, Status.G),            # a list issue does not colour the day
    ([("internal", True)], None, Status.Y),             # a new internal board issue
    ([("internal", True), ("external", True)], None, Status.R),
    ([("external", False)], None, Status.R),            # external counts wherever it sits
    ([("external", True)], Status.Y, Status.Y),         # the facilitator's override wins
    ([], Status.R, Status.R),
])
def test_qchart_day_rule(new_issues, override, expected):
    counted = [kind for kind, on_board in new_issues if rules.qchart_counts(kind, on_board)]
    assert rules.qchart_colour(counted, override) == expected


@pytest.mark.parametrize("seconds, expected", [
    (14 * 60, TimerState.OK), (15 * 60 + 1, TimerState.WARN), (30 * 60, TimerState.WARN),
    (30 * 60 + 1, TimerState.OVER),
])
def test_meeting_timer_warns_past_target_and_is_red_past_the_limit(seconds, expected):
    assert rules.meeting_timer_state(seconds, 15, 30) == expected


def test_timers_count_the_issue_down_and_the_meeting_up():
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    shown = meeting.timers(meeting_started=start, issue_shown=start + timedelta(minutes=15),
                           now=start + timedelta(minutes=17, seconds=30), issue_seconds=120, target_minutes=15,
                           limit_minutes=30)
    assert shown == {"issue": "-00:30", "issue_state": "warn", "meeting": "17:30", "meeting_state": "warn",
                     "target_minutes": 15}


# ---------------------------------------------------------------- through the store

@pytest.fixture
def area_people(plant):
    """The fixture plant's area with seven members (the owner and lead among them)."""
    names = [("王芳", "Wang Fang"), ("李强", "Li Qiang"), ("刘洋", "Liu Yang"), ("陈静", "Chen Jing"),
             ("杨磊", "Yang Lei")]
    others = [store.create_person(name=zh, name_en=en, area_id=plant["area"].id) for zh, en in names]
    return [plant["owner"], plant["lead"], *others]


def _start(plant, day: date, hour: int = 9):
    return store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id, now=plant_moment(day, hour))


def test_create_issue_proposes_board_or_list_and_the_board_shows_only_board_issues(plant, open_issue):
    severe = open_issue(MONDAY)
    minor = open_issue(MONDAY, category="lpa", severity="C", template="minor", description="LPA：点检表漏填")
    assert (severe.on_board, minor.on_board) == (True, False)
    assert list(store.board_frame(on=MONDAY)["number"]) == [severe.number]
    assert sorted(store.board_frame(on=MONDAY, with_list=True)["number"]) == sorted([severe.number, minor.number])


def test_review_promotes_a_list_issue_with_its_audit_trail(plant, open_issue):
    minor = open_issue(MONDAY, category="lpa", severity="C", template="minor", description="LPA：点检表漏填")
    now = plant_moment(MONDAY, 11)
    [item] = store.review_list(plant["area"].id, now=now)
    assert (item["number"], item["on_board"], item["proposed_on_board"], item["reviewed"]) == \
        (minor.number, False, False, False)
    store.review_issue(actor_id=plant["lead"].id, issue_id=minor.id, on_board=True,
                       expected_version=minor.version, now=now)
    assert list(store.board_frame(on=MONDAY)["number"]) == [minor.number]
    assert store.review_list(plant["area"].id, now=now)[0]["reviewed"] is True
    history = [(h["field"], h["new"], h["actor"]) for h in store.issue_detail(minor.number).history]
    assert ("on_board", "True", "孙丽") in history
    assert store.review_list(plant["area"].id, now=plant_moment(TUESDAY, 12)) == []     # older than 24 hours


def test_sign_in_five_of_seven_and_a_guest(plant, area_people):
    started = _start(plant, MONDAY)
    sheet = store.sign_in_sheet(started.id)
    assert [line["name"] for line in sheet] == [p.name for p in area_people]
    statuses = dict(zip([line["id"] for line in sheet], ["present"] * 4 + ["late", "absent", "excused"]))
    signed = store.sign_in(actor_id=plant["lead"].id, meeting_id=started.id, statuses=statuses,
                           expected_version=started.version, now=plant_moment(MONDAY, 9))
    store.add_guest(actor_id=plant["lead"].id, meeting_id=started.id, name="供应商 李工",
                    expected_version=signed.version, now=plant_moment(MONDAY, 9))
    minutes = store.meeting_minutes(started.id, now=plant_moment(MONDAY, 10))
    assert f"{minutes.attendance_rate:.1%}" == "71.4%"
    assert [(line["name"], line["guest"]) for line in minutes.attendance][-1] == ("供应商 李工", True)
    rates = store.attendance_rates([p.id for p in area_people])
    assert (rates[area_people[0].id], rates[area_people[5].id]) == (1.0, 0.0)


def test_a_second_facilitator_with_a_stale_sheet_is_refused(plant, area_people):
    second = area_people[2]
    store.create_account(actor_id=None, person_id=second.id, username="second", role="facilitator")
    started = _start(plant, MONDAY)
    line = store.sign_in_sheet(started.id)[0]["id"]
    store.sign_in(actor_id=plant["lead"].id, meeting_id=started.id, statuses={line: "present"},
                  expected_version=started.version, now=plant_moment(MONDAY, 9))
    with pytest.raises(store.StaleVersion) as refused:
        store.sign_in(actor_id=second.id, meeting_id=started.id, statuses={line: "absent"},
                      expected_version=started.version, now=plant_moment(MONDAY, 9))
    assert (refused.value.key, refused.value.values["who"]) == ("err.meeting_stale", "孙丽")
    assert store.sign_in_sheet(started.id)[0]["status"] == "present"
    with pytest.raises(store.ValidationFailed) as twice:
        store.start_meeting(actor_id=second.id, area_id=plant["area"].id, now=plant_moment(MONDAY, 10))
    assert twice.value.key == "err.meeting_exists"


def test_changes_since_last_meeting_come_from_the_audit_trail_between_two_meetings(plant, open_issue):
    issue = open_issue(MONDAY - timedelta(days=3))
    monday = _start(plant, MONDAY)
    during = store.set_next_report(actor_id=plant["owner"].id, issue_id=issue.id, next_report_on=MONDAY,
                                   expected_version=issue.version, now=plant_moment(MONDAY, 9) + timedelta(minutes=5))
    store.end_meeting(actor_id=plant["lead"].id, meeting_id=monday.id, expected_version=monday.version,
                      now=plant_moment(MONDAY, 9) + timedelta(minutes=18))
    step = store.issue_detail(issue.number).steps[0]
    store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=MONDAY,
                        expected_version=during.version, now=plant_moment(MONDAY, 15))
    tuesday = _start(plant, TUESDAY)
    changes = store.meeting_changes(tuesday.id, now=plant_moment(TUESDAY, 9) + timedelta(minutes=3))
    assert [(c["field"], c["new"], c["actor"]) for c in changes[issue.id]] == [
        ("state", "done", "孙丽"), ("completed_on", MONDAY.isoformat(), "孙丽")]
    first = store.meeting_changes(monday.id)        # the first meeting looks back 24 hours
    assert [c["field"] for c in first[issue.id]] == ["next_report_on"]


def test_decisions_are_recorded_with_their_audit_events(plant, open_issue):
    issue = open_issue(MONDAY)
    started = _start(plant, MONDAY)
    now = plant_moment(MONDAY, 9) + timedelta(minutes=4)
    store.record_report(actor_id=plant["lead"].id, meeting_id=started.id, issue_id=issue.id, now=now)
    store.decide_next_report(actor_id=plant["lead"].id, meeting_id=started.id, issue_id=issue.id,
                             next_report_on=MONDAY + timedelta(days=2), expected_version=issue.version, now=now)
    store.decide_action(actor_id=plant["lead"].id, meeting_id=started.id, issue_id=issue.id,
                        action="联系供应商提供8D", owner_id=plant["owner"].id, due_on=TUESDAY,
                        expected_version=issue.version + 1, now=now)
    store.decide_escalation(actor_id=plant["lead"].id, meeting_id=started.id, issue_id=issue.id, level=2,
                            expected_version=issue.version + 2, now=now)
    assert [d["kind"] for d in store.meeting_decisions(started.id)] == ["next_report", "action", "escalate"]
    assert store.board_frame(on=MONDAY).iloc[0]["escalation_level"] == 2
    fields = [h["field"] for h in store.issue_detail(issue.number).history]
    assert {"decision_next_report", "next_report_on", "decision_action", "decision_escalate",
            "escalated_level"} <= set(fields)
    ended = store.end_meeting(actor_id=plant["lead"].id, meeting_id=started.id, expected_version=started.version,
                              now=now + timedelta(minutes=12))
    minutes = store.meeting_minutes(started.id)
    assert (minutes.duration_minutes, [i["number"] for i in minutes.items]) == (16, [issue.number])
    assert minutes.items[0]["next_report_on"] == MONDAY + timedelta(days=2)
    with pytest.raises(store.ValidationFailed) as late:
        store.decide_action(actor_id=plant["lead"].id, meeting_id=ended.id, issue_id=issue.id, action="x",
                            owner_id=plant["owner"].id, due_on=TUESDAY, expected_version=issue.version + 3)
    assert late.value.key == "err.meeting_ended"


def test_reporting_order_saved_first_then_by_owner_and_worst_status(plant, open_issue):
    first, second, third = (open_issue(MONDAY - timedelta(days=days), description=f"问题{days}")
                            for days in (0, 2, 20))
    default = list(store.reporting_order(plant["area"].id, on=MONDAY)["number"])
    assert default == [second.number, third.number, first.number]   # same owner: the two red before yellow
    store.save_report_order(actor_id=plant["lead"].id, area_id=plant["area"].id, issue_ids=[first.id, third.id])
    assert list(store.reporting_order(plant["area"].id, on=MONDAY)["number"]) == \
        [first.number, third.number, second.number]


def test_quality_calendar_with_an_override(plant, open_issue):
    open_issue(MONDAY, category="gp12", severity="B", template="standard_b")
    open_issue(TUESDAY, category="lpa", severity="C", template="minor")      # list issue: day stays green
    store.set_quality_status(actor_id=plant["lead"].id, area_id=plant["area"].id, day=date(2026, 3, 4),
                             colour="R", note="客户电话投诉，尚未立项", now=plant_moment(date(2026, 3, 4), 11))
    month = store.quality_calendar(plant["area"].id, 2026, 3, on=date(2026, 3, 4))
    assert len(month) == 31
    assert [d["colour"] for d in month[:5]] == ["G", "Y", "G", "R", None]
    assert month[3]["overridden"] and month[3]["note"] == "客户电话投诉，尚未立项"
    with pytest.raises(store.ValidationFailed) as no_note:
        store.set_quality_status(actor_id=plant["lead"].id, area_id=plant["area"].id, day=MONDAY, colour="G",
                                 note=" ", now=plant_moment(date(2026, 3, 4), 11))
    assert no_note.value.key == "err.required"
    assert store.quality_status(on=date(2026, 3, 4))[0]["colour"] == "R"
    store.set_quality_status(actor_id=plant["lead"].id, area_id=plant["area"].id, day=date(2026, 3, 4),
                             colour=None, note="", now=plant_moment(date(2026, 3, 4), 12))     # back to the rule
    assert store.quality_status(on=date(2026, 3, 4))[0] | {"area_id": 0} == {
        "area_id": 0, "area_zh": "总装车间", "area_en": "Final assembly", "colour": "G", "overridden": False, "note": ""}


def test_meeting_attendance_frame(plant, area_people, engine):
    for day, attended in ((MONDAY, 7), (TUESDAY, 5)):
        started = _start(plant, day)
        sheet = store.sign_in_sheet(started.id)
        statuses = {line["id"]: "present" if n < attended else "absent" for n, line in enumerate(sheet)}
        store.sign_in(actor_id=plant["lead"].id, meeting_id=started.id, statuses=statuses,
                      expected_version=started.version, now=plant_moment(day, 9))
        store.add_guest(actor_id=plant["lead"].id, meeting_id=started.id, name="来宾",
                        expected_version=started.version + 1, now=plant_moment(day, 9))
    frame = store.meeting_attendance_frame(start=MONDAY, end=TUESDAY, area_id=plant["area"].id)
    assert list(frame.columns) == ["meeting_on", "area_id", "person_id", "status", "attended"]
    assert len(frame) == 14 and frame["person_id"].notna().all()          # guests excluded
    by_day = frame.groupby("meeting_on")["attended"].mean()
    assert by_day.to_dict() == {MONDAY: 1.0, TUESDAY: 5 / 7}
    assert store.meeting_attendance_frame(start=TUESDAY + timedelta(days=1), end=TUESDAY + timedelta(days=9)).empty
    assert isinstance(frame, pd.DataFrame) and frame["attended"].dtype == bool


def test_presenter_card_escapes_user_text_and_shows_changes(plant, open_issue):
    issue = open_issue(MONDAY, description='<img src=x onerror=alert(1)> 卡扣断裂')
    record = store.board_frame(on=MONDAY).iloc[0].to_dict()
    change = {"at": datetime(2026, 3, 2, 9, 5, tzinfo=timezone.utc), "actor": "张伟", "actor_en": "Zhang Wei",
              "entity": "step", "entity_id": next(iter(record["steps"].values()))["id"], "field": "countermeasure",
              "old": None, "new": "<b>加严检验</b>", "reason": ""}
    html = meeting_views.render_presenter_card(record, store.step_columns(), [change], "zh")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; 卡扣断裂" in html
    assert "遏制措施 · 对策/下一步：— → &lt;b&gt;加严检验&lt;/b&gt;" in html
    assert f'data-presenter="{issue.number}"' in html and 'data-changes="1"' in html
    timers = meeting_views.render_timers({"issue": "01:10", "issue_state": "ok", "meeting": "16:02",
                                          "meeting_state": "warn", "target_minutes": 15}, "en", position=2, total=9)
    assert 'data-timer="meeting" data-state="warn">Meeting 16:02' in timers and "2 of 9" in timers


def test_demo_plant_has_signed_in_meetings_for_the_attendance_trend(engine):
    from qr import demo
    on = date(2026, 7, 31)
    demo.load_demo(on=on)
    frame = store.meeting_attendance_frame(start=on - timedelta(days=60), end=on)
    assert frame["meeting_on"].nunique() == demo.MEETING_DAYS and frame["meeting_on"].max() < on
    assert all(day.weekday() < 5 for day in frame["meeting_on"])
    assert 0.7 < frame["attended"].mean() < 1
