"""The START colour rule end to end: an owner records when a step was started; the board and the trends colour
it R before that day, Y from it on, G once done (GM colours stay as they were)."""
from datetime import date, timedelta

import pytest

from qr import store
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
    ("corrective_action", TODAY + timedelta(days=1), "err.done_out_of_range", "“开始日期”必须在开启日期和今天之间。"),
    ("corrective_action", OPENED - timedelta(days=1), "err.done_out_of_range", "“开始日期”必须在开启日期和今天之间。"),
    ("containment", TODAY, "err.step_not_open", "步骤“遏制措施”已完成或不适用。"),          # done on 03-03
    ("root_cause", TODAY, "err.step_started", "步骤“根本原因分析”已于2026-03-05开始。"),    # started on 03-05
])
def test_start_refuses_a_day_outside_the_issue_a_done_step_and_a_second_start(plant, open_issue, code, started_on,
                                                                             refusal, message):
    _use("START")
    issue = open_issue(OPENED)
    steps = _board_steps(issue.number)
    store.complete_step(actor_id=plant["owner"].id, step_id=steps["containment"]["id"], done_on=d(3, 3),
                        expected_version=issue.version, now=plant_moment(TODAY))
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

