"""The START colour rule end to end: an owner records when a step was started; the board and the trends colour
it R before that day, Y from it on, G once done (GM colours stay as they were)."""
from datetime import date, timedelta

import pytest

from qr import store, trend_reading, trends
from qr.i18n import error_message
from qr.rules import Status
from tests.conftest import plant_moment

OPENED = date(2026, 3, 2)          # a Monday
TODAY = date(2026, 3, 12)          # root cause (target 03-09) is past its target, corrective action (03-17) is not


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def _board_steps(number: str, on: date = TODAY) -> dict[str, dict]:
    row = store.board_frame(on=on).set_index("number").loc[number]
    return row["steps"]


def _use(rule: str) -> None:
    store.configure(actor_id=None, key="colour_rule", value=rule)


def _start(plant, issue, code: str, started_on: date, on: date = TODAY, version: int | None = None):
    step_id = _board_steps(issue.number, on)[code]["id"]
    version = store.issue_detail(issue.number).issue["version"] if version is None else version
    return store.start_step(actor_id=plant["owner"].id, step_id=step_id, started_on=started_on,
                            expected_version=version, now=plant_moment(on))


def test_starting_a_step_turns_it_from_red_to_yellow_under_start(plant, open_issue):
    _use("START")
    issue = open_issue(OPENED)
    before = _board_steps(issue.number)["corrective_action"]
    assert (before["status"], before["days_red"], before["started_on"]) == (Status.R, 10, None)
    _start(plant, issue, "corrective_action", d(3, 10))
    after = _board_steps(issue.number)["corrective_action"]
    assert (after["status"], after["days_red"], after["started_on"]) == (Status.Y, 0, d(3, 10))
    history = store.issue_detail(issue.number, on=TODAY).history
    assert [(h["field"], h["old"], h["new"], h["actor"]) for h in history[:1]] == [
        ("started_on", None, "2026-03-10", "张伟")]
    assert store.issue_detail(issue.number).issue["version"] == issue.version + 1


def test_under_gm_a_start_changes_no_colour(plant, open_issue):
    issue = open_issue(OPENED)
    before = {code: (s["status"], s["days_red"]) for code, s in _board_steps(issue.number).items()}
    _start(plant, issue, "root_cause", d(3, 3))
    _start(plant, issue, "corrective_action", d(3, 10))
    after = {code: (s["status"], s["days_red"]) for code, s in _board_steps(issue.number).items()}
    assert after == before
    assert (after["root_cause"], after["corrective_action"]) == ((Status.R, 2), (Status.Y, 0))


@pytest.mark.parametrize("code, started_on, refusal, message", [
    ("corrective_action", TODAY + timedelta(days=1), "err.done_out_of_range", "“开始日期”必须在提出日期和今天之间。"),
    ("corrective_action", OPENED - timedelta(days=1), "err.done_out_of_range", "“开始日期”必须在提出日期和今天之间。"),
    ("containment", TODAY, "err.step_not_open", "步骤“遏制措施”已完成或不适用。"),          # done on 03-03
    ("root_cause", TODAY, "err.step_started", "步骤“根本原因分析”已于2026-03-05开始。"),    # started on 03-05
])
def test_start_refuses_a_day_outside_the_issue_a_done_step_and_a_second_start(plant, open_issue, code, started_on,
                                                                             refusal, message):
    _use("START")
    issue = open_issue(OPENED)
    steps = _board_steps(issue.number)
    store.complete_step(actor_id=plant["lead"].id, step_id=steps["containment"]["id"], done_on=d(3, 3),
                        expected_version=issue.version, now=plant_moment(TODAY))     # the quality engineer: done
    _start(plant, issue, "root_cause", d(3, 5))
    version = store.issue_detail(issue.number).issue["version"]
    with pytest.raises(store.ValidationFailed) as refused:
        _start(plant, issue, code, started_on, version=version)
    assert (refused.value.key, error_message(refused.value.key, refused.value.values, "zh")) == (refusal, message)
    assert store.issue_detail(issue.number).issue["version"] == version
    assert {c: s["started_on"] for c, s in _board_steps(issue.number).items() if s["started_on"]} == {
        "root_cause": d(3, 5)}


def test_a_stale_start_is_refused_and_the_step_stays_red(plant, open_issue):
    _use("START")
    issue = open_issue(OPENED)
    store.set_next_report(actor_id=plant["lead"].id, issue_id=issue.id, next_report_on=TODAY,
                          expected_version=issue.version, now=plant_moment(TODAY, 8))
    with pytest.raises(store.StaleVersion) as refused:
        _start(plant, issue, "corrective_action", TODAY, version=issue.version)
    assert refused.value.values["who"] == "孙丽"
    assert _board_steps(issue.number)["corrective_action"]["status"] == Status.R


# ---------------------------------------------------------------- trends

@pytest.fixture
def started_march(plant, open_issue):
    """One minor-template issue (severity A) opened Mon 03-02, played through March, and how it went per step
    (targets: containment 03-03, root cause 03-09, corrective action 03-17, verified 04-01, lessons learned 04-16):
      containment        started 03-02, done 03-04
      root cause         started 03-05, done 03-12 (late)
      corrective action  started 03-16, marked red 03-20, still open
      verified           never started
      lessons learned    started 03-25"""
    issue = open_issue(OPENED, template="minor")
    owner = plant["owner"].id

    def step(code: str) -> int:
        return next(s["id"] for s in store.issue_detail(issue.number).steps if s["code"] == code)

    def version() -> int:
        return store.issue_detail(issue.number).issue["version"]

    for code, day in (("containment", d(3, 2)), ("root_cause", d(3, 5)), ("corrective_action", d(3, 16)),
                      ("lessons_learned", d(3, 25))):
        store.start_step(actor_id=owner, step_id=step(code), started_on=day, expected_version=version(),
                         now=plant_moment(day))
    for code, day in (("containment", d(3, 4)), ("root_cause", d(3, 12))):     # checked by the quality engineer
        store.complete_step(actor_id=plant["lead"].id, step_id=step(code), done_on=day, expected_version=version(),
                            now=plant_moment(day))
    store.mark_step_worse(actor_id=owner, step_id=step("corrective_action"), reason="等模具厂", countermeasure="每日跟进",
                          expected_version=version(), now=plant_moment(d(3, 20)))
    return issue


def _kpis(rule: str, last_day: date) -> trends.Trends:
    if store.board_settings().colour_rule != rule:
        _use(rule)
    return trend_reading.kpis(trends.period_for(d(3, 2), last_day, today=d(11, 23)), trends.TrendsFilter())


@pytest.mark.parametrize("rule, last_day, days_red, days_yellow, escalated", [
    # START to 03-29: containment Y 03-02..03 = 2 · root cause R 03-02..04 = 3, Y 03-05..11 = 7 ·
    #   corrective action R 03-02..15 = 14, Y 03-16..19 = 4, R 03-20..29 = 10 · verified R 28 ·
    #   lessons learned R 03-02..24 = 23, Y 03-25..29 = 5 → R 78, Y 18; verified red since 03-02: 27 days
    ("START", d(3, 29), 78, 18, [(3, 27)]),
    # START to 03-15 (nothing later known): containment Y 2 · root cause R 3, Y 7 · corrective action,
    #   verified, lessons learned not started yet: R 14 each → R 45, Y 9; red since 03-02: 13 days
    ("START", d(3, 15), 45, 9, [(3, 13)]),
    # GM to 03-29: containment Y 2 (done the day it turned late) · root cause Y 03-02..09 = 8, R 03-10..11 = 2 ·
    #   corrective action Y 03-02..17 = 16, R 03-18..29 = 12 · verified, lessons learned Y 28 each
    #   → R 14, Y 82; corrective action red since 03-18: 11 days
    ("GM", d(3, 29), 14, 82, [(3, 11)]),
    # GM to 03-15: root cause R 2; the rest Y: 2 + 8 + 14 × 3 = 52; nothing red on 03-15
    ("GM", d(3, 15), 2, 52, []),
])
def test_days_red_and_yellow_follow_the_colour_rule(started_march, rule, last_day, days_red, days_yellow,
                                                    escalated):
    kpis = _kpis(rule, last_day)
    assert kpis.days_red_yellow[["days_red", "days_yellow"]].values.tolist() == [[days_red, days_yellow]]
    assert kpis.escalated[["escalation_level", "days_red"]].values.tolist() == [list(e) for e in escalated]


@pytest.mark.parametrize("rule", ["START", "GM"])
def test_trends_escalation_agrees_with_the_board_on_the_last_day(started_march, rule):
    if rule == "START":
        _use(rule)
    row = store.board_frame(on=d(3, 29)).set_index("number").loc[started_march.number]
    escalated = _kpis(rule, d(3, 29)).escalated.set_index("number").loc[started_march.number]
    assert (escalated["escalation_level"], escalated["days_red"]) == (row["escalation_level"], row["days_red"])
