"""A cancelled issue (not valid, a duplicate) leaves the board like a closed one but is never counted as solved:
the command, its audit trail, reopening, and the trends that must tell it from a solved issue."""
from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import FollowUp
from qr import db, demo, store, trend_reading, trends, views
from tests.conftest import plant_moment

MONDAY = date(2026, 3, 2)           # ISO week 2026-W10


def _close(issue, day: date, owner_id: int, engineer_id: int) -> None:
    """Solve an issue the way the app does: every step completed (by the quality engineer: checked as it is made),
    the report attached, closed."""
    version = issue.version
    for step in store.issue_detail(issue.number).steps:
        store.complete_step(actor_id=engineer_id, step_id=step["id"], done_on=day, expected_version=version,
                            now=plant_moment(day))
        version += 1
    store.attach_file(actor_id=owner_id, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version, now=plant_moment(day))
    store.close_issue(actor_id=None, issue_id=issue.id, closed_on=day, reason="退出标准达成",
                      expected_version=version + 1, now=plant_moment(day), accepted_by="王经理", accepted_how="signed")


def _cancel(issue, day: date, reason: str = "与另一问题重复", actor_id=None):
    return store.cancel_issue(actor_id=actor_id, issue_id=issue.id, reason=reason,
                              expected_version=store.issue_detail(issue.number).issue["version"],
                              now=plant_moment(day))


def test_cancelling_closes_today_with_the_reason_and_plans_no_follow_up(plant, open_issue):
    issue = open_issue(MONDAY, template="minor")
    _cancel(issue, MONDAY + timedelta(days=2), actor_id=plant["lead"].id)
    detail = store.issue_detail(issue.number, on=MONDAY + timedelta(days=2))
    assert (detail.issue["closed_on"], detail.issue["cancelled"]) == (MONDAY + timedelta(days=2), True)
    assert [(h["field"], h["old"], h["new"], h["reason"], h["actor"]) for h in detail.history[:2]] == [
        ("cancelled", "False", "True", "与另一问题重复", "孙丽"),
        ("closed_on", None, "2026-03-04", "与另一问题重复", "孙丽")]
    assert store.board_frame(on=MONDAY + timedelta(days=2)).empty
    with db.read_session() as session:
        assert session.exec(select(FollowUp)).all() == []                 # nobody calls back about a duplicate


@pytest.mark.parametrize("reason, key", [("", "err.required"), ("x" * 501, "err.too_long")])
def test_cancelling_needs_a_reason(plant, open_issue, reason, key):
    issue = open_issue(MONDAY, template="minor")
    with pytest.raises(store.ValidationFailed) as refused:
        _cancel(issue, MONDAY, reason=reason)
    assert refused.value.key == key and store.issue_detail(issue.number).issue["closed_on"] is None


def test_a_closed_or_stale_issue_is_not_cancelled(plant, open_issue):
    issue = open_issue(MONDAY, template="minor")
    with pytest.raises(store.StaleVersion):
        store.cancel_issue(actor_id=None, issue_id=issue.id, reason="重复", expected_version=issue.version - 1,
                           now=plant_moment(MONDAY))
    _cancel(issue, MONDAY)
    with pytest.raises(store.ValidationFailed) as refused:
        _cancel(issue, MONDAY)
    assert refused.value.key == "err.issue_closed"


def test_reopening_a_cancelled_issue_undoes_the_cancellation(plant, open_issue):
    issue = open_issue(MONDAY, template="minor")
    _cancel(issue, MONDAY + timedelta(days=1))
    store.reopen_issue(actor_id=plant["lead"].id, issue_id=issue.id, reason="不是重复，是新失效模式",
                       expected_version=store.issue_detail(issue.number).issue["version"],
                       now=plant_moment(MONDAY + timedelta(days=3)))
    detail = store.issue_detail(issue.number, on=MONDAY + timedelta(days=3))
    assert (detail.issue["closed_on"], detail.issue["cancelled"]) == (None, False)
    assert {(h["field"], h["new"]) for h in detail.history[:3]} >= {("closed_on", None), ("cancelled", "False")}


def test_the_board_and_detail_say_cancelled(plant, open_issue):
    issue = open_issue(MONDAY, template="minor")
    _cancel(issue, MONDAY)
    frame = store.board_frame(on=MONDAY, include_recently_closed=True)
    html = views.render_board(frame, store.step_columns(), "en")
    assert "Cancelled 03-02" in html and "qr-closed" in html
    detail = store.issue_detail(issue.number, on=MONDAY)
    assert "<th>Status</th><td class=\"qr-pre\">Cancelled</td>" in views.render_issue_detail(
        detail.issue, detail.steps, detail.history, "en")


def _kpis(on: date):
    period = trends.period_for(MONDAY, on, on)
    return trend_reading.kpis(period, trends.TrendsFilter())


def test_trends_count_a_cancelled_issue_out_of_the_backlog_but_not_as_solved(plant, open_issue):
    solved, duplicate, still_open = (open_issue(MONDAY, template="minor", description=d)
                                     for d in ("卡扣断裂", "卡扣断裂(重复)", "划伤"))
    _close(solved, MONDAY + timedelta(days=2), plant["owner"].id, plant["lead"].id)
    _cancel(duplicate, MONDAY + timedelta(days=3))
    kpis = _kpis(MONDAY + timedelta(days=6))
    week = kpis.opened_closed.iloc[0]
    assert (week["opened"], week["closed"], week["cancelled"], week["backlog"]) == (3, 1, 1, 1)
    assert list(kpis.days_open["closed"]) == [1] and list(kpis.days_open["avg_days_open"]) == [2.0]
    assert kpis.breakdowns["area"][["open", "opened", "closed"]].values.tolist() == [[1, 3, 1]]
    # minor template, targets Tue 03-03, then 03-09 and later. Solved (done Wed): 5 steps yellow Mon–Tue = 10 Y.
    # The duplicate's open steps stop the day it was cancelled (Thu): containment Y Mon–Tue, R Wed; the other
    # four Y Mon–Wed = 14 Y, 1 R. Still open to Sunday: containment Y 2, R 5; the others Y 7 each = 30 Y, 5 R.
    assert kpis.days_red_yellow[["month", "days_red", "days_yellow"]].values.tolist() == [["2026-03", 6, 54]]
    assert still_open.closed_on is None


def test_a_cancellation_later_undone_stays_a_cancellation_in_its_week(plant, open_issue):
    issue = open_issue(MONDAY, template="minor")
    _cancel(issue, MONDAY + timedelta(days=1))
    store.reopen_issue(actor_id=None, issue_id=issue.id, reason="不是重复",
                       expected_version=store.issue_detail(issue.number).issue["version"],
                       now=plant_moment(MONDAY + timedelta(days=8)))
    frame = _kpis(MONDAY + timedelta(days=13)).opened_closed
    assert frame[["week", "closed", "cancelled", "reopened", "backlog"]].values.tolist() == [
        ["2026-W10", 0, 1, 0, 0], ["2026-W11", 0, 0, 1, 1]]


def test_a_cancelled_issues_completed_steps_are_no_on_time_completions(plant, open_issue):
    valid, duplicate = (open_issue(MONDAY, template="minor", description=d) for d in ("卡扣断裂", "卡扣断裂(重复)"))
    for issue in (valid, duplicate):
        containment = store.issue_detail(issue.number).steps[0]
        store.complete_step(actor_id=None, step_id=containment["id"], done_on=MONDAY, expected_version=issue.version,
                            now=plant_moment(MONDAY))
    _cancel(duplicate, MONDAY + timedelta(days=1))
    kpis = _kpis(MONDAY + timedelta(days=6))
    assert kpis.on_time_by_week[["completed", "on_time"]].values.tolist() == [[1, 1]]
    assert kpis.on_time_by_step[["code", "completed"]].values.tolist() == [["containment", 1]]
