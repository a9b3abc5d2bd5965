"""Trends KPIs on the hand-checked March fixture (tests/trends_fixture.py tells its story issue by issue).

Every expected number below was counted by hand from that story; the comments show the counting.
"""
import math
from datetime import date

import pandas as pd
import pytest

from qr import rules, store, trend_reading, trends
from qr.config import load_settings
from qr.trends import Period, TrendsFilter
from tests.trends_fixture import ON, d

MARCH = trends.period_for(d(3, 2), d(3, 29), today=d(11, 23))


def _kpis(chosen: TrendsFilter = TrendsFilter(), period: Period = MARCH) -> trends.Trends:
    """As the page reads them: bounded frames, the database's sums."""
    return trend_reading.kpis(period, chosen)


def _rows(frame: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)
            for row in frame[list(columns)].itertuples(index=False)]


@pytest.mark.parametrize("day, week", [
    (d(3, 2), "2026-W10"), (d(3, 8), "2026-W10"), (d(3, 9), "2026-W11"),   # Monday to Sunday
    (d(1, 1, 2027), "2026-W53"), (d(1, 4, 2021), "2021-W01"),              # ISO years differ from calendar years
])
def test_iso_week_of_a_monday(day, week):
    assert trends.iso_week(trends.week_start(day)) == week


@pytest.mark.parametrize("text, monday", [
    ("2026-W47", d(11, 16)), ("2026-W53", d(12, 28)), ("2021-W01", d(1, 4, 2021))])
def test_parse_week(text, monday):
    assert trends.parse_week(text) == monday


@pytest.mark.parametrize("text", ["2025-W53", "2026-47", "2026-W00", "W47", "", "2026-Wxx"])
def test_parse_week_refuses_what_is_no_iso_week(text):
    with pytest.raises(ValueError):
        trends.parse_week(text)


def test_period_is_whole_weeks_and_known_only_until_today():
    assert MARCH == Period(start=d(3, 2), end=d(3, 29), on=ON)
    assert [trends.iso_week(w) for w in MARCH.weeks] == ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]
    current = trends.default_period(d(11, 25))              # a Wednesday
    assert (current.start, current.end, current.on) == (d(9, 7), d(11, 29), d(11, 25))
    assert len(current.weeks) == 12 and current.months == [d(9, 1), d(10, 1), d(11, 1)]


def test_opened_closed_reopened_and_backlog_per_week(march_plant):
    # opened: W10 I3 I4 I5 · W11 I6 I7 I8 · W12 I9 I10 · W13 I11 I12
    # closed: W10 I3 (03-06) · W12 I6 (03-18), I3 again (03-20) · W13 I11 (03-27)
    # reopened: I3 on Mon 03-16 01:00 Shanghai = Sun 03-15 17:00 UTC, so W12, not W11
    # backlog: I1 I2 before the range; W10 2+3-1 = 4 · W11 4+3 = 7 · W12 7+2-2+1 = 8 · W13 8+2-1 = 9
    assert _rows(_kpis().opened_closed, "week", "opened", "closed", "reopened", "backlog") == [
        ("2026-W10", 3, 1, 0, 4), ("2026-W11", 3, 0, 0, 7), ("2026-W12", 2, 2, 1, 8), ("2026-W13", 2, 1, 0, 9)]


def test_backlog_of_a_past_week_knows_nothing_later(march_plant):
    # as of Sun 03-15: I3 is still closed (reopened the next day), so W11 ends with 7 open, as above
    early = trends.period_for(d(3, 2), d(3, 15), today=d(11, 23))
    assert _rows(_kpis(period=early).opened_closed, "week", "backlog") == [("2026-W10", 4), ("2026-W11", 7)]


def test_a_filter_narrows_every_count(march_plant):
    # WELD: I2 (before the range), I5 W10, I6 and I8 W11, I11 W13; I6 closed W12, I11 closed W13
    weld = _kpis(TrendsFilter(area_id=march_plant.weld.id)).opened_closed
    assert _rows(weld, "opened", "closed", "backlog") == [(1, 0, 2), (2, 0, 4), (0, 1, 3), (1, 1, 3)]
    severity_b = _kpis(TrendsFilter(severity="B")).opened_closed     # I2 before; I5 W10, I7 W11, I9 W12, I12 W13
    assert _rows(severity_b, "opened", "backlog") == [(1, 2), (1, 3), (1, 4), (1, 5)]


def test_ageing_of_open_issues_on_the_last_day(march_plant):
    # open on 03-29: I12 0 days, I10 7 (a bucket's edge) | I9 13, I8 14, I7 17, I5 24, I4 26 | I2 37 | I1 118
    assert _rows(_kpis().ageing, "bucket", "issues") == [("0-7", 2), ("8-30", 5), ("31-90", 1), (">90", 1)]


def test_days_red_and_yellow_in_march(march_plant):
    # Y per issue: I2 7+22+29 · I3 1+2+3+4+4 · I4 2+8+16+21+27+27 · I5 7+16+25+25 · I6 1+7+9+9+9
    #              I7 1+8+16+18+18 · I8 0+7+15+15+15 · I9 2+8+14+14+14 · I10 1+8+8+8+8 · I11 1+2+2+3+3 · I12 5
    #            = 58+14+101+73+35+61+52+52+33+11+5 = 495
    # R per issue: I1 29 (all March) · I2 2 (CA 03-08, 03-09) + 7 (V 03-23..29) · I4 1 (RC 03-11) + 11 (CA
    #              03-19..29) + 2 (EP 03-24, 03-25, then N/A) · I5 3 (containment marked red 03-05..07)
    #              + 9 (CA) · I7 10 + 2 · I9 6 = 82
    assert _rows(_kpis().days_red_yellow, "month", "days_red", "days_yellow") == [("2026-03", 82, 495)]


def test_days_open_of_issues_closed_each_week(march_plant):
    # W10 I3 03-02→03-06 = 4 · W11 none · W12 I6 9 and I3 again 18 → 13.5 · W13 I11 03-23→03-27 = 4
    assert _rows(_kpis().days_open, "week", "closed", "avg_days_open") == [
        ("2026-W10", 1, 4.0), ("2026-W11", 0, None), ("2026-W12", 2, 13.5), ("2026-W13", 1, 4.0)]


def test_on_time_step_completion_per_week(march_plant):
    # W10: I3 ×5 on time; I4 and I5 containment late (I5's on Sunday 03-08) → 5/7
    # W11: I2 CA late, I4 RC late; I5 RC, I6 containment, I7 containment, I8 containment (Sunday) on time → 4/6
    # W12: I6 RC, CA, V, LL and I8 RC (Sunday) on time; I9 containment late → 5/6
    # W13: I10 containment and I11 ×5 on time → 6/6; I1's December steps are outside the range
    assert _rows(_kpis().on_time_by_week, "week", "completed", "on_time", "rate") == [
        ("2026-W10", 7, 5, 0.714), ("2026-W11", 6, 4, 0.667), ("2026-W12", 6, 5, 0.833), ("2026-W13", 6, 6, 1.0)]


def test_on_time_completion_per_step_in_template_order(march_plant):
    # containment: I3 I6 I7 I8 I10 I11 on time, I4 I5 I9 late · root cause: I3 I5 I6 I8 I11 on time, I4 late
    # corrective action: I3 I6 I11 on time, I2 late · verified, lessons learned: I3 I6 I11
    assert _rows(_kpis().on_time_by_step, "code", "completed", "on_time", "rate") == [
        ("containment", 9, 6, 0.667), ("root_cause", 6, 5, 0.833), ("corrective_action", 4, 3, 0.75),
        ("verified", 3, 3, 1.0), ("lessons_learned", 3, 3, 1.0)]


@pytest.mark.parametrize("dimension, expected", [
    # open on 03-29 / opened in March / closings in March (I3 closed twice)
    ("area", [("总装车间", 6, 6, 2), ("焊装车间", 3, 4, 2)]),
    ("owner", [("李强", 5, 4, 0), ("张伟", 4, 6, 4)]),
    ("category", [("GP12", 4, 4, 1), ("停线", 3, 3, 0), ("客户投诉", 2, 3, 3)]),  # 0公里 is a 客户投诉
    ("severity", [("B 一般", 5, 4, 0), ("A 严重", 2, 3, 3), ("C 轻微", 2, 3, 1)]),
])
def test_breakdowns(march_plant, dimension, expected):
    assert _rows(_kpis().breakdowns[dimension], "name_zh", "open", "opened", "closed") == expected


def test_escalated_issues_on_the_last_day(march_plant):
    # the longest red open step of each open issue, as of 03-29, on the default ladder (1 / 3 / 7 days)
    # I1 LL red since 01-16: 72 · I4 CA since 03-19: 10 (EP is N/A now) · I7 RC since 03-20: 9
    # I5 CA since 03-21: 8 · I2 V since 03-23: 6 · I9 RC since 03-24: 5 · I10's root cause is due today
    escalated = _kpis().escalated
    names = {number: name for name, number in march_plant.numbers.items()}
    assert [(names[n], level, days) for n, level, days in _rows(escalated, "number", "escalation_level", "days_red")] \
        == [("I1", 3, 72), ("I4", 3, 10), ("I7", 3, 9), ("I5", 3, 8), ("I2", 2, 6), ("I9", 2, 5)]
    board = store.board_frame(on=ON)
    on_board = board[board["escalation_level"] > 0].set_index("number")
    assert {n: (lvl, days) for n, lvl, days in _rows(escalated, "number", "escalation_level", "days_red")} == \
        {n: (row.escalation_level, row.days_red) for n, row in on_board.iterrows()}


def test_attendance_rate_per_week():
    sign_in = pd.DataFrame([
        (d(3, 2), 1, 1, True), (d(3, 2), 1, 2, True), (d(3, 2), 1, 3, False),   # W10 Monday
        (d(3, 8), 2, 1, True),                                                  # W10 Sunday
        (d(3, 9), 1, 1, False), (d(3, 9), 1, 2, False),                         # W11: nobody came
    ], columns=trends.ATTENDANCE_COLUMNS)
    rates = trends.attendance_by_week(sign_in, [d(3, 2), d(3, 9), d(3, 16)])
    assert _rows(rates, "week", "expected", "attended", "rate") == [
        ("2026-W10", 4, 3, 0.75), ("2026-W11", 2, 0, 0.0), ("2026-W12", 0, 0, None)]   # W12: no meeting


def test_without_meetings_there_is_no_attendance_chart(march_plant):
    kpis = _kpis()
    assert not kpis.meetings_recorded
    assert kpis.attendance["expected"].tolist() == [0, 0, 0, 0]


def test_issues_closed_before_the_period_change_nothing(march_plant):
    # from 03-16 on (days red and yellow then count from 03-01): I3 (closed 03-06, reopened 03-16) stays in,
    # the rest of what closed before is left out of the reads, and every KPI is the same as with all issues and
    # all their steps replayed in pandas (no day summed by the database)
    later = trends.period_for(d(3, 16), d(3, 29), today=d(11, 23))
    completions, _ = trend_reading.sums(later, TrendsFilter(), rules.ColourRule.GM)
    everything = trends.compute(store.trends_issues(), store.trends_steps(), store.trends_history(), later,
                                TrendsFilter(), tz=load_settings().tz, completions=completions)
    narrowed = _kpis(period=later)
    for name in ("opened_closed", "ageing", "days_red_yellow", "days_open", "on_time_by_week", "on_time_by_step",
                 "escalated"):
        pd.testing.assert_frame_equal(getattr(narrowed, name), getattr(everything, name))
    assert _rows(narrowed.opened_closed, "week", "backlog") == [("2026-W12", 8), ("2026-W13", 9)]


def test_a_new_plant_has_empty_trends(plant):
    kpis = _kpis()
    assert kpis.opened_closed[["opened", "closed", "reopened", "backlog"]].to_numpy().sum() == 0
    assert kpis.ageing["issues"].tolist() == [0, 0, 0, 0]
    assert _rows(kpis.days_red_yellow, "month", "days_red", "days_yellow") == [("2026-03", 0, 0)]
    assert kpis.on_time_by_step.empty and kpis.escalated.empty
    assert all(frame.empty for frame in kpis.breakdowns.values())


@pytest.fixture
def two_plants(march_plant):
    """The March fixture with WELD moved to a second plant, NORTH; ASSY stays in the default plant."""
    north = store.create_plant(code="NORTH", name_zh="北厂", name_en="North plant")
    store.update_area(actor_id=None, area_id=march_plant.weld.id, name_zh="焊装车间", name_en="Body welding",
                      plant_id=north.id)
    return north


def test_plants_side_by_side(march_plant, two_plants):
    # ASSY (PLANT): opened I3 I4 I7 I9 I10 I12 · solved I3 twice · open I1 I4 I7 I9 I10 I12 · red on 03-29: I1 LL,
    #   I4 CA, I7 RC, I9 RC (I10's root cause is due that day, I12 opened that day) · steps: I3 ×5 on time, I4
    #   containment and root cause late, I7 containment on time, I9 containment late, I10 containment on time → 7/10
    # WELD (NORTH): opened I5 I6 I8 I11 · solved I6 I11 · open I2 I5 I8 · red: I2 verified, I5 corrective action
    #   (I8's is due 03-30) · steps: I2 CA late, I5 containment late and RC on time, I6 ×5, I8 ×2, I11 ×5 → 13/15
    frame = trend_reading.plant_comparison(MARCH, TrendsFilter(), store.plants())
    assert _rows(frame, "code", "opened", "closed", "open", "overdue", "completed", "on_time", "rate") == [
        ("NORTH", 4, 2, 3, 2, 15, 13, 0.867), ("PLANT", 6, 2, 6, 4, 10, 7, 0.7)]
    # the plants add up to the whole site's figures (opened 13 less I1 I2 before the range, on time 20/25)
    assert frame["completed"].sum() == 25 and frame["on_time"].sum() == 20 and frame["open"].sum() == 9


def test_the_plant_filter_narrows_to_its_areas(march_plant, two_plants):
    north = _kpis(TrendsFilter(plant_id=two_plants.id)).opened_closed
    weld = _kpis(TrendsFilter(area_id=march_plant.weld.id)).opened_closed
    assert _rows(north, "opened", "closed", "backlog") == _rows(weld, "opened", "closed", "backlog") == [
        (1, 0, 2), (2, 0, 4), (0, 1, 3), (1, 1, 3)]
