"""Customer response clocks: the pure rule, the store's commands, the board's counter and the weekly trend.

The plant is in Asia/Shanghai (UTC+8, no daylight saving) unless a test says otherwise; every expected
moment below is worked out by hand from the complaint's arrival and the rule's limit.
"""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models import AuditEvent
from qr import board, db, store, trend_reading, trends, views
from qr.config import load_settings
from qr.rules import ClockState, ColourRule, clock_due, clock_late, clock_minutes, clock_state

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
MONDAY = date(2026, 3, 2)


def local(day: date, hour: int, minute: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    """A plant wall-clock moment as the aware UTC moment the store keeps."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


# ---------------------------------------------------------------- the rule

@pytest.mark.parametrize("received, minutes, tz, due", [
    (local(MONDAY, 9), 120, SHANGHAI, datetime(2026, 3, 2, 3, 0, tzinfo=UTC)),        # 09:00 → 11:00 local
    (local(MONDAY, 23), 120, SHANGHAI, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)),      # 23:00 → 01:00 Tuesday
    (local(MONDAY, 7, 30), 24 * 60, SHANGHAI, datetime(2026, 3, 2, 23, 30, tzinfo=UTC)),  # → Tuesday 07:30
    (local(date(2026, 3, 6), 16), 2 * 24 * 60, SHANGHAI,
     datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),                                          # Friday → Sunday 16:00
    # Berlin goes to summer time on Sunday 29 March: two days from Saturday 10:00 CET end Monday 10:00 CEST,
    # which is 47 hours later, not 48.
    (local(date(2026, 3, 28), 10, tz=BERLIN), 2 * 24 * 60, BERLIN, datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
])
def test_clock_due_counts_calendar_time_on_the_plant_clock(received, minutes, tz, due):
    assert clock_due(received, minutes, tz) == due


@pytest.mark.parametrize("responded, now, state, minutes", [
    (None, local(MONDAY, 9, 30), ClockState.RUNNING, 90),          # due 11:00, half an hour gone
    (None, local(MONDAY, 11), ClockState.RUNNING, 0),              # at the limit: still in time
    (None, local(MONDAY, 13, 15), ClockState.OVERDUE, -135),       # 2 h 15 min over, still unanswered
    (local(MONDAY, 10, 30), local(MONDAY, 17), ClockState.MET, 30),      # answered with 30 min to spare
    (local(MONDAY, 11, 30), local(MONDAY, 17), ClockState.MISSED, -30),  # answered 30 min late: stays 30
])
def test_clock_state_and_minutes(responded, now, state, minutes):
    due = local(MONDAY, 11)
    assert clock_state(due, responded, now) == state
    assert clock_minutes(due, responded, now) == minutes
    assert clock_late(state) == (state in (ClockState.OVERDUE, ClockState.MISSED))


@pytest.mark.parametrize("minutes, zh, en", [
    (45, "45分", "45m"), (-90, "1小时30分", "1h 30m"), (2 * 24 * 60 + 200, "2天3小时", "2d 3h"),
])
def test_span_text(minutes, zh, en):
    assert (views.span_text(minutes, "zh"), views.span_text(minutes, "en")) == (zh, en)


# ---------------------------------------------------------------- the store

def _complaint(plant, received_at, *, category="complaint", now=None):
    day = received_at.astimezone(SHANGHAI).date()
    return store.create_issue(
        actor_id=plant["owner"].id, description="客户投诉：仪表板异响", category_id=plant["categories"][category].id,
        area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
        opened_on=day, next_report_on=day, template_id=plant["templates"]["standard"].id,
        received_at=received_at, now=now or received_at + timedelta(minutes=5))


def _clocks(number: str, on: date = MONDAY) -> dict[str, dict]:
    return {c["code"]: c for c in store.issue_detail(number, on=on).issue["clocks"]}


def _respond(plant, issue, code: str, at: datetime, how: str = "电话告知客户已收到"):
    clock = _clocks(issue.number)[code]
    version = store.issue_detail(issue.number, on=MONDAY).issue["version"]
    return store.record_response(actor_id=plant["owner"].id, clock_id=clock["id"], responded_at=at,
                                 responded_by_id=plant["lead"].id, how=how, expected_version=version,
                                 now=at + timedelta(minutes=5))


def test_default_rules_of_customer_complaints(plant):
    rules = store.response_rules(plant["categories"]["complaint"].id)
    assert [(r["code"], r["limit_minutes"]) for r in rules] == [("ack", 120), ("containment", 1440),
                                                                 ("on_site", 2880)]
    assert store.response_rules(plant["categories"]["complaint_0km"].id) == rules     # a sub-type answers alike
    assert store.response_rules(plant["categories"]["gp12"].id) == []
    assert store.categories_with_response_rules() == {plant["categories"][c].id
                                                      for c in ("complaint", "complaint_0km", "complaint_field")}


def test_a_complaint_starts_its_clocks_when_it_was_received(plant):
    issue = _complaint(plant, local(MONDAY, 9))
    clocks = _clocks(issue.number)
    assert {code: c["due_at"] for code, c in clocks.items()} == {
        "ack": local(MONDAY, 11), "containment": local(MONDAY + timedelta(days=1), 9),
        "on_site": local(MONDAY + timedelta(days=2), 9)}
    assert store.issue_detail(issue.number, on=MONDAY).issue["received_at"] == local(MONDAY, 9)
    internal = _complaint(plant, local(MONDAY, 9), category="gp12")
    assert _clocks(internal.number) == {}


def test_a_complaint_recorded_without_its_arrival_starts_the_clocks_now(plant):
    now = local(MONDAY, 14, 20)
    issue = store.create_issue(
        actor_id=plant["owner"].id, description="PDI 漆面划伤", category_id=plant["categories"]["complaint_field"].id,
        area_id=plant["area"].id, severity="B", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
        opened_on=MONDAY, next_report_on=MONDAY, template_id=plant["templates"]["standard"].id, now=now)
    assert _clocks(issue.number)["ack"]["due_at"] == local(MONDAY, 16, 20)


def test_recording_the_response_stops_the_clock_met_or_missed(plant):
    met, missed = _complaint(plant, local(MONDAY, 9)), _complaint(plant, local(MONDAY, 9))
    _respond(plant, met, "ack", local(MONDAY, 10, 30))
    _respond(plant, missed, "ack", local(MONDAY, 11, 30), how="邮件确认")
    later = local(MONDAY, 17)
    states = {n: clock_state(c["due_at"], c["responded_at"], later)
              for n, c in (("met", _clocks(met.number)["ack"]), ("missed", _clocks(missed.number)["ack"]))}
    assert states == {"met": ClockState.MET, "missed": ClockState.MISSED}
    answered = _clocks(missed.number)["ack"]
    assert (answered["responded_by"], answered["how"]) == ("孙丽", "邮件确认")
    with db.read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.issue_id == missed.id,
                                                      AuditEvent.entity == "clock")).one()
    assert (event.field, event.new) == ("response_ack", "2026-03-02 11:30 孙丽: 邮件确认")


def test_board_counts_late_clocks_of_open_issues(plant):
    answered_late, unanswered, in_time = (_complaint(plant, local(MONDAY, 9)) for _ in range(3))
    _respond(plant, answered_late, "ack", local(MONDAY, 11, 30))
    _respond(plant, in_time, "ack", local(MONDAY, 10))
    frame = store.board_frame(on=MONDAY)
    assert board.board_counters(frame, local(MONDAY, 10, 59))["response_late"] == 1   # only the late answer
    assert board.board_counters(frame, local(MONDAY, 11, 1))["response_late"] == 2    # + the unanswered one
    # Tuesday 09:01: containment (24 h) is over on all three, none answered
    assert board.board_counters(frame, local(MONDAY + timedelta(days=1), 9, 1))["response_late"] == 5
    html = views.render_board(frame, store.step_columns(), "zh", now=local(MONDAY, 10, 59), tz=SHANGHAI)
    assert f'<tr class="qr-row" data-issue="{unanswered.number}"' in html
    assert 'data-clock="ack" data-clock-state="running"' in html and "响应 剩1分" in html
    assert 'data-clock="ack" data-clock-state="missed"' in html and "响应 迟30分 ✗" in html


@pytest.mark.parametrize("change, key", [
    ({"responded_at": local(MONDAY, 8, 59)}, "err.response_out_of_range"),            # before it arrived
    ({"responded_at": datetime(2026, 3, 2, 10, 30)}, "err.not_moment"),               # no zone: which 10:30?
    ({"how": "  "}, "err.required"),
    ({"responded_by_id": 999}, "err.not_found"),
])
def test_bad_responses_are_refused_in_words(plant, change, key):
    issue = _complaint(plant, local(MONDAY, 9))
    clock = _clocks(issue.number)["ack"]
    arguments = {"actor_id": plant["owner"].id, "clock_id": clock["id"], "responded_at": local(MONDAY, 10),
                 "responded_by_id": plant["lead"].id, "how": "电话", "expected_version": issue.version,
                 "now": local(MONDAY, 10, 5), **change}
    with pytest.raises(store.QRError) as refusal:
        store.record_response(**arguments)
    assert refusal.value.key == key
    assert _clocks(issue.number)["ack"]["responded_at"] is None


def test_a_response_is_recorded_once_and_a_stale_save_is_refused(plant):
    issue = _complaint(plant, local(MONDAY, 9))
    clock = _clocks(issue.number)["ack"]
    arguments = {"actor_id": plant["owner"].id, "clock_id": clock["id"], "responded_at": local(MONDAY, 10),
                 "responded_by_id": plant["lead"].id, "how": "电话", "now": local(MONDAY, 10, 5)}
    store.record_response(**arguments, expected_version=issue.version)
    with pytest.raises(store.StaleVersion):
        store.record_response(**arguments, expected_version=issue.version)
    with pytest.raises(store.QRError) as refusal:
        store.record_response(**arguments, expected_version=issue.version + 1)
    assert refusal.value.key == "err.clock_stopped"


def test_a_received_moment_in_the_future_is_refused(plant):
    with pytest.raises(store.QRError) as refusal:
        _complaint(plant, local(MONDAY, 9), now=local(MONDAY, 8))
    assert (refusal.value.key, refusal.value.values) == ("err.future_moment", {"field": "received_at"})


def test_changing_a_rule_applies_to_new_complaints_only(plant):
    before = _complaint(plant, local(MONDAY, 9))
    complaint = plant["categories"]["complaint"].id
    store.set_response_rule(actor_id=None, category_id=complaint, code="ack", name_zh="客户确认",
                            name_en="Acknowledge the customer", limit_minutes=60)
    after = _complaint(plant, local(MONDAY, 9))
    assert _clocks(before.number)["ack"]["due_at"] == local(MONDAY, 11)
    assert _clocks(after.number)["ack"]["due_at"] == local(MONDAY, 10)
    with pytest.raises(store.QRError) as refusal:
        store.set_response_rule(actor_id=None, category_id=complaint, code="ack", name_zh="客户确认",
                                name_en="Acknowledge the customer", limit_minutes=0)
    assert refusal.value.key == "err.response_limit"
    rule_id = store.response_rules(complaint)[0]["id"]
    store.remove_response_rule(actor_id=None, rule_id=rule_id)
    assert [r["code"] for r in store.response_rules(complaint)] == ["containment", "on_site"]
    assert "ack" in _clocks(after.number)                        # a running clock keeps going


def test_an_internal_category_may_be_given_rules(plant):
    line_stop = plant["categories"]["line_stop"].id
    store.set_response_rule(actor_id=None, category_id=line_stop, code="ack", name_zh="班长到场",
                            name_en="Team leader on the line", limit_minutes=15)
    issue = _complaint(plant, local(MONDAY, 23, 50), category="line_stop")
    assert _clocks(issue.number)["ack"]["due_at"] == local(MONDAY + timedelta(days=1), 0, 5)   # past midnight


def test_trends_count_late_responses_by_due_week(plant):
    """Week 10 (2–8 March): three acknowledgements due Monday 11:00 — one met, one late, one never answered.
    Containment (Tuesday 09:00) and on site (Wednesday 09:00) clocks are due that week too, none answered."""
    met, late, silent = (_complaint(plant, local(MONDAY, 9)) for _ in range(3))
    _respond(plant, met, "ack", local(MONDAY, 10, 30))
    _respond(plant, late, "ack", local(MONDAY, 11, 30))
    period = trends.period_for(MONDAY, MONDAY + timedelta(days=13), today=date(2026, 3, 15))
    kpis = trend_reading.kpis(period, trends.TrendsFilter())
    frame = kpis.response_clocks
    rows = [tuple(r) for r in frame[["week", "met", "late", "running", "rate"]].itertuples(index=False)]
    assert rows[0] == ("2026-W10", 1, 8, 0, 0.111)          # 1 met of 9: 2 ack + 3 containment + 3 on site late
    assert rows[1][:4] == ("2026-W11", 0, 0, 0)
    monday = trends.period_for(MONDAY, MONDAY, today=MONDAY)
    monday_noon = trends.compute(*trend_reading.frames(monday, ColourRule.GM), monday, trends.TrendsFilter(),
                                 tz=load_settings().tz, clocks=store.trends_clocks(), now=local(MONDAY, 12),
                                 completions=trend_reading.sums(monday, trends.TrendsFilter(), ColourRule.GM)[0])
    assert [tuple(r) for r in monday_noon.response_clocks[["met", "late", "running"]].itertuples(index=False)] == [
        (1, 2, 6)]                                            # at noon only the acknowledgements are due
