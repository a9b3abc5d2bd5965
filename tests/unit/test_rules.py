"""Board rules (docs/domain-rules.md): step colours, warning window, escalation, Q-chart, plant calendar, target
moves, countermeasures, the review of new issues and the functions at the meeting.

Every table reads as one board situation per row. The calendar used below:
Mon 2026-03-02 opened · Thu 03-05 target · Fri 03-06 · Sat 03-07 · Sun 03-08 · Mon 03-09.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from qr.rules import (
    DEFAULT_LADDER,
    ColourRule,
    MoveRule,
    QChartRule,
    Status,
    StepState,
    StepView,
    allowed,
    days_open,
    days_red,
    escalation_level,
    function_list,
    in_review,
    in_warning_window,
    lacks_countermeasure,
    ladder_problem,
    missing_functions,
    move_needs_approval,
    needs_countermeasure,
    overall_status,
    plant_today,
    qchart_colour,
    qchart_counts,
    qchart_day_colour,
    rank,
    red_since,
    report_overdue,
    review_since,
    step_status,
    target_dates,
)

GM, START = ColourRule.GM, ColourRule.START
G, Y, R, NA = Status.G, Status.Y, Status.R, Status.NA
OPENED = date(2026, 3, 2)   # Monday
TARGET = date(2026, 3, 5)   # Thursday


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def open_step(target: date = TARGET, started: date | None = None, worse_on: date | None = None) -> StepView:
    return StepView(StepState.OPEN, target, started_on=started,
                    marked_worse=worse_on is not None, marked_worse_on=worse_on)


def done_step(completed: date, target: date = TARGET) -> StepView:
    return StepView(StepState.DONE, target, completed_on=completed)


def na_step(target: date = TARGET) -> StepView:
    return StepView(StepState.NA, target)


# --- target_dates: guide limits are calendar days after the open date -------------------------

@pytest.mark.parametrize("opened, limits, expected", [
    (d(3, 6), [1], [d(3, 7)]),                    # Friday + 1 = Saturday: weekends count
    (d(3, 6), [3], [d(3, 9)]),                    # Friday + 3 = Monday, not Wednesday
    (d(3, 6), [0], [d(3, 6)]),                    # limit 0: due on the open date
    (d(1, 31), [1], [d(2, 1)]),                   # month end
    (d(2, 27), [2], [d(3, 1)]),                   # 2026 is not a leap year: no 29 February
    (d(2, 28, 2028), [1], [d(2, 29, 2028)]),      # leap year
    (d(12, 31, 2025), [1], [d(1, 1, 2026)]),      # year end
    (d(12, 20, 2025), [15], [d(1, 4, 2026)]),     # a guide limit spanning the new year
    (d(3, 6), [1, 7, 15, 20, 30, 30, 30, 35, 40, 45],   # the default 10-step template
     [d(3, 7), d(3, 13), d(3, 21), d(3, 26), d(4, 5), d(4, 5), d(4, 5), d(4, 10), d(4, 15), d(4, 20)]),
    (d(3, 6), [], []),                            # no steps, no targets
])
def test_target_dates(opened, limits, expected):
    assert target_dates(opened, limits) == expected


# --- step_status -------------------------------------------------------------------------------

@pytest.mark.parametrize("step, today, expected", [
    (open_step(), d(3, 4), Y),                    # before target
    (open_step(), d(3, 5), Y),                    # due today: not late yet
    (open_step(), d(3, 6), R),                    # day after target: late
    (open_step(), d(3, 9), R),                    # still late after the weekend
    (done_step(d(3, 7)), d(3, 9), G),             # completed late is still green
    (done_step(d(3, 3)), d(3, 4), G),             # completed early
    (done_step(d(3, 5)), d(3, 5), G),             # completed on the target date
    (na_step(), d(3, 9), NA),                     # N/A is never late
    (open_step(worse_on=d(3, 3)), d(3, 3), R),    # marked worse before target: red at once
    (StepView(StepState.DONE, TARGET, completed_on=d(3, 4),
              marked_worse=True, marked_worse_on=d(3, 3)), d(3, 4), G),  # completing clears "worse"
])
def test_step_status_gm(step, today, expected):
    assert step_status(step, today, GM) == expected


@pytest.mark.parametrize("step, today, expected", [
    (open_step(), d(3, 2), R),                    # required but not started: red from day one
    (open_step(started=d(3, 3)), d(3, 4), Y),     # started
    (open_step(started=d(3, 3)), d(3, 9), Y),     # started and past target: START ignores the date
    (done_step(d(3, 4)), d(3, 9), G),             # done
    (open_step(started=d(3, 3), worse_on=d(3, 4)), d(3, 4), R),  # started but marked worse
    (na_step(), d(3, 9), NA),
])
def test_step_status_start(step, today, expected):
    assert step_status(step, today, START) == expected


def test_step_status_default_rule_is_gm():
    # a started step past its target: R under GM (the default), would be Y under START
    assert step_status(open_step(started=d(3, 3)), d(3, 6)) == R


# --- warning window and countermeasure ---------------------------------------------------------

WARN_TARGET = d(3, 10)


@pytest.mark.parametrize("step, today, warning_days, expected", [
    (open_step(WARN_TARGET), d(3, 10), 2, True),     # target today: inside the window
    (open_step(WARN_TARGET), d(3, 8), 2, True),      # exactly warning_days away: inside
    (open_step(WARN_TARGET), d(3, 7), 2, False),     # warning_days + 1 away: outside
    (open_step(WARN_TARGET), d(3, 11), 2, False),    # target passed: past the window (the step is R)
    (done_step(d(3, 9), WARN_TARGET), d(3, 9), 2, False),  # done steps never warn
    (na_step(WARN_TARGET), d(3, 9), 2, False),       # N/A never warns
    (open_step(WARN_TARGET), d(3, 10), 0, True),     # window of 0 days: only the target day
    (open_step(WARN_TARGET), d(3, 9), 0, False),
])
def test_in_warning_window(step, today, warning_days, expected):
    assert in_warning_window(step, today, warning_days) == expected


@pytest.mark.parametrize("step, today, rule, expected", [
    (open_step(WARN_TARGET), d(3, 10), GM, True),    # Y, target today: inside the window
    (open_step(WARN_TARGET), d(3, 8), GM, True),     # Y, exactly 2 days away: inside
    (open_step(WARN_TARGET), d(3, 7), GM, False),    # Y, 3 days away: not yet
    (open_step(WARN_TARGET), d(3, 11), GM, True),    # target passed: R needs a countermeasure
    (open_step(WARN_TARGET, worse_on=d(3, 2)), d(3, 2), GM, True),  # marked worse long before target: R
    (done_step(d(3, 12), WARN_TARGET), d(3, 12), GM, False),  # done (even late) never needs one
    (na_step(WARN_TARGET), d(3, 12), GM, False),     # N/A never needs one
    (open_step(WARN_TARGET), d(3, 2), START, True),  # START: not started is R
    (open_step(WARN_TARGET, started=d(3, 2)), d(3, 2), START, False),  # started, far from target
    (open_step(WARN_TARGET, started=d(3, 2)), d(3, 8), START, True),   # started, inside the window
    (open_step(WARN_TARGET, started=d(3, 2)), d(3, 11), START, True),  # started, overdue: Y past its target
])
def test_needs_countermeasure(step, today, rule, expected):
    assert needs_countermeasure(step, today, 2, rule) == expected


# --- overall_status: the worst non-N/A step ----------------------------------------------------

@pytest.mark.parametrize("statuses, expected", [
    ([G, Y, R], R),
    ([G, G], G),
    ([G, Y], Y),
    ([Y], Y),
    ([R, G], R),                                  # order does not matter
    ([NA, Y, G], Y),                              # N/A is not counted
    ([NA, R], R),
    ([G, NA], G),
    ([NA, NA], G),                                # nothing left to do: green
    ([], G),                                      # no steps: green
])
def test_overall_status(statuses, expected):
    assert overall_status(statuses) == expected


@pytest.mark.parametrize("better, worse", [
    (G, Y),
    (Y, R),
    (G, R),
    ("G", "R"),                                   # a board frame's code ranks like its Status
])
def test_rank_orders_green_below_yellow_below_red(better, worse):
    assert rank(better) < rank(worse)


# --- report_overdue ----------------------------------------------------------------------------

@pytest.mark.parametrize("next_report_on, today, closed_on, expected", [
    (d(3, 5), d(3, 6), None, True),               # report was due yesterday
    (d(3, 6), d(3, 6), None, False),              # due today: not overdue yet
    (d(3, 9), d(3, 6), None, False),              # due later
    (d(3, 5), d(3, 9), d(3, 8), False),           # closed issues owe no report
    (None, d(3, 6), None, False),                 # no report date agreed
])
def test_report_overdue(next_report_on, today, closed_on, expected):
    assert report_overdue(next_report_on, today, closed_on) == expected


# --- red_since and days_red --------------------------------------------------------------------

@pytest.mark.parametrize("step, rule, expected", [
    (open_step(), GM, d(3, 6)),                                   # the day after target
    (open_step(worse_on=d(3, 3)), GM, d(3, 3)),                   # marked worse before target
    (open_step(worse_on=d(3, 9)), GM, d(3, 6)),                   # marked worse when already late
    (done_step(d(3, 7)), GM, None),
    (na_step(), GM, None),
    (open_step(), START, OPENED),                                 # not started: red since opened
    (open_step(started=d(3, 3)), START, None),                    # started: not red
    (open_step(started=d(3, 3), worse_on=d(3, 4)), START, d(3, 4)),
    (open_step(worse_on=d(3, 4)), START, OPENED),                 # not started and worse: open date
    (done_step(d(3, 4)), START, None),
])
def test_red_since(step, rule, expected):
    assert red_since(step, OPENED, rule) == expected


@pytest.mark.parametrize("step, today, rule, expected", [
    (open_step(), d(3, 5), GM, 0),                # Y, due today
    (open_step(), d(3, 6), GM, 0),                # Fri: first red day counts 0
    (open_step(), d(3, 7), GM, 1),                # Sat
    (open_step(), d(3, 8), GM, 2),                # Sun
    (open_step(), d(3, 9), GM, 3),                # Mon: the weekend counts
    (open_step(), d(3, 12), GM, 6),
    (open_step(), d(3, 13), GM, 7),
    (open_step(), d(3, 4), GM, 0),                # Y step
    (done_step(d(3, 9)), d(3, 13), GM, 0),        # G step (completed late)
    (na_step(), d(3, 13), GM, 0),
    (open_step(worse_on=d(3, 3)), d(3, 3), GM, 0),  # marked worse: first red day
    (open_step(worse_on=d(3, 3)), d(3, 4), GM, 1),  # counts from the marked-worse day...
    (open_step(worse_on=d(3, 3)), d(3, 6), GM, 3),  # ...not from the day after target
    (open_step(), d(3, 2), START, 0),             # not started: open date is the first red day
    (open_step(), d(3, 5), START, 3),
    (open_step(), d(3, 9), START, 7),
    (open_step(started=d(3, 3)), d(3, 9), START, 0),  # started: Y
    (open_step(started=d(3, 3), worse_on=d(3, 6)), d(3, 9), START, 3),
])
def test_days_red(step, today, rule, expected):
    assert days_red(step, OPENED, today, rule) == expected


# --- escalation_level --------------------------------------------------------------------------

@pytest.mark.parametrize("days, expected", [
    (0, 0),                                       # first red day: not escalated
    (1, 1),                                       # team leader / supervisor
    (2, 1),
    (3, 2),                                       # department manager
    (6, 2),
    (7, 3),                                       # plant manager
    (30, 3),                                      # top of the ladder
])
def test_escalation_level_default_ladder(days, expected):
    assert DEFAULT_LADDER == ((1, 1), (3, 2), (7, 3))
    assert escalation_level(days) == expected


@pytest.mark.parametrize("days, ladder, expected", [
    (1, ((2, 1), (5, 2)), 0),                     # below the first rung
    (2, ((2, 1), (5, 2)), 1),
    (4, ((2, 1), (5, 2)), 1),
    (5, ((2, 1), (5, 2)), 2),
    (100, ((2, 1), (5, 2)), 2),
    (0, ((0, 1),), 1),                            # a plant that escalates on the first red day
    (4, ((7, 3), (1, 1), (3, 2)), 2),             # rungs need not be listed in order
    (10, (), 0),                                  # no ladder: never escalated
])
def test_escalation_level_custom_ladder(days, ladder, expected):
    assert escalation_level(days, ladder) == expected


@pytest.mark.parametrize("today, expected", [
    (d(3, 6), 0),                                 # first red day
    (d(3, 7), 1),
    (d(3, 9), 2),                                 # 3 days red over the weekend
    (d(3, 13), 3),                                # a week red
])
def test_escalation_of_a_late_step(today, expected):
    assert escalation_level(days_red(open_step(), OPENED, today)) == expected


# --- Q-chart ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kinds, expected", [
    (["external"], R),
    (["internal"], Y),
    ([], G),                                      # no new issue that day
    (["external", "internal"], R),
    (["internal", "external"], R),
    (["internal", "internal"], Y),
])
def test_qchart_day_colour(kinds, expected):
    assert qchart_day_colour(kinds) == expected


@pytest.mark.parametrize("kinds, override, expected", [
    (["external"], None, R),
    (["internal"], None, Y),
    ([], None, G),
    (["external"], G, G),                         # override wins even over an external issue
    (["internal"], G, G),
    ([], R, R),
    (["external", "internal"], Y, Y),
])
def test_qchart_colour(kinds, override, expected):
    assert qchart_colour(kinds, override) == expected


# --- plant_today: days count in the plant's zone -----------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("now, tz, expected", [
    (datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc), SHANGHAI, d(3, 6)),   # 01:00 next day in plant
    (datetime(2026, 3, 5, 15, 59, tzinfo=timezone.utc), SHANGHAI, d(3, 5)),  # 23:59 in plant
    (datetime(2026, 3, 5, 16, 0, tzinfo=timezone.utc), SHANGHAI, d(3, 6)),   # plant midnight
    (datetime(2026, 3, 5, 17, 0, tzinfo=timezone.utc), ZoneInfo("UTC"), d(3, 5)),
    (datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc), SHANGHAI, d(1, 1, 2026)),  # new year in plant
    (datetime(2026, 3, 6, 0, 30, tzinfo=SHANGHAI), SHANGHAI, d(3, 6)),       # already in plant time
])
def test_plant_today(now, tz, expected):
    assert plant_today(now, tz) == expected


# --- days_open -----------------------------------------------------------------------------------

@pytest.mark.parametrize("opened, today, closed, expected", [
    (OPENED, d(3, 9), None, 7),                   # open: counts to today
    (OPENED, d(3, 30), d(3, 9), 7),               # closed: stops at the close date
    (OPENED, OPENED, None, 0),                    # opened today
    (OPENED, d(3, 9), OPENED, 0),                 # closed the day it opened
    (d(12, 30, 2025), d(1, 2), None, 3),          # across the year end
])
def test_days_open(opened, today, closed, expected):
    assert days_open(opened, today, closed) == expected


@pytest.mark.parametrize("ladder, problem", [
    (((1, 1), (3, 2), (7, 3)), None),              # the GM default
    (((5, 1),), None),                             # one level only
    (((2, 1), (9, 3)), None),                      # a level may be skipped
    ((), "err.ladder_empty"),
    (((0, 1),), "err.ladder_range"),               # red for no day at all
    (((-2, 1), (3, 2)), "err.ladder_range"),
    (((1, 4),), "err.ladder_range"),               # there are three levels
    (((3, 1), (3, 2)), "err.ladder_overlap"),      # two levels on one day
    (((7, 1), (3, 2)), "err.ladder_overlap"),      # the higher level sooner
    (((1, 2), (3, 1)), "err.ladder_overlap"),      # levels going down
    (((1.5, 1),), "err.ladder_numbers"),
    (((True, 1),), "err.ladder_numbers"),
])
def test_ladder_problem(ladder, problem):
    assert ladder_problem(ladder) == problem


@pytest.mark.parametrize("role, action, allowed_", [
    ("viewer", "create_issue", False),
    ("owner", "create_issue", True),
    ("owner", "update_own_issue", True),
    ("owner", "update_any_issue", False),
    ("owner", "close_issue", False),
    ("facilitator", "run_meeting", True),
    ("facilitator", "configure", False),
    ("admin", "manage_users", True),
    ("admin", "run_meeting", True),                # each role may what the ones before it may
    ("root", "create_issue", False),               # an unknown role may nothing
])
def test_allowed(role, action, allowed_):
    assert allowed(role, action) is allowed_


@pytest.mark.parametrize("kind, on_board, rule, counts", [
    ("external", False, QChartRule(), True),                    # every customer issue colours the day
    ("internal", False, QChartRule(), False),                   # an internal one only from the board
    ("internal", True, QChartRule(), True),
    ("external", False, QChartRule(external_on_board_only=True), False),
    ("internal", False, QChartRule(internal_on_board_only=False), True),
])
def test_qchart_counts(kind, on_board, rule, counts):
    assert qchart_counts(kind, on_board, rule) is counts


# --- rules that keep the board honest ------------------------------------------------------------

@pytest.mark.parametrize("moves, status, rule, needs", [
    (0, Status.Y, MoveRule(), False),                    # the first move of a step on time: the owner's to make
    (1, Status.Y, MoveRule(), True),                     # the second move waits for the facilitator
    (0, Status.R, MoveRule(), True),                     # any move of a red step: it would turn yellow at once
    (0, Status.R, MoveRule(red_needs_approval=False), False),
    (2, Status.Y, MoveRule(free_moves=3), False),
    (0, Status.Y, MoveRule(free_moves=0), True),         # every move needs approval
])
def test_move_needs_approval(moves, status, rule, needs):
    assert move_needs_approval(moves, status, rule) is needs


@pytest.mark.parametrize("status, countermeasure, claimed, flagged", [
    (Status.R, "", False, True),                         # red because the date passed: flagged all the same
    (Status.R, "   ", False, True),
    (Status.R, "每日跟进", False, False),
    (Status.Y, "", False, False),                        # yellow steps carry the warning mark instead
    (Status.R, "", True, False),                         # done and waiting for verification: the check is next
])
def test_lacks_countermeasure(status, countermeasure, claimed, flagged):
    assert lacks_countermeasure(status, countermeasure, claimed) is flagged


def test_a_step_waiting_for_verification_needs_no_countermeasure():
    late = StepView(state=StepState.OPEN, target_on=TARGET)
    assert needs_countermeasure(late, d(3, 9), 2) is True
    assert needs_countermeasure(StepView(state=StepState.OPEN, target_on=TARGET, claimed=True), d(3, 9), 2) is False


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Shanghai (UTC+8) as the store holds it: UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


# Thu 04-30 meeting 08:00–08:20 · Fri 05-01 Labour Day (no meeting) · Sat, Sun · Mon 05-04 meeting at 08:00
THURSDAY_END, MONDAY_MEETING = _at(4, 30, 8, 20), _at(5, 4, 8, 5)


@pytest.mark.parametrize("previous_end, now, since", [
    (THURSDAY_END, MONDAY_MEETING, THURSDAY_END),        # the whole long weekend, not "now minus 24 hours"
    (None, MONDAY_MEETING, _at(5, 3, 8, 5)),             # an area's first meeting looks back 24 hours
])
def test_review_since(previous_end, now, since):
    assert review_since(previous_end, now) == since


@pytest.mark.parametrize("created, reviewed, closed, listed", [
    (_at(4, 30, 14), None, False, True),                 # Thursday afternoon, after the meeting
    (_at(5, 1, 10), None, False, True),                  # the holiday
    (_at(5, 3, 22), None, False, True),                  # Sunday night
    (_at(5, 4, 7, 30), _at(5, 4, 7, 40), False, True),   # decided already, still new since Thursday: shown as decided
    (_at(4, 29, 15), None, False, True),                 # Wednesday, never decided: kept until it is
    (_at(4, 29, 15), _at(4, 30, 8, 10), False, False),   # Wednesday, decided on Thursday
    (_at(4, 29, 15), None, True, False),                 # never decided but closed since
    (_at(5, 4, 8, 30), None, False, False),              # created after the moment asked about
])
def test_in_review(created, reviewed, closed, listed):
    assert in_review(created, reviewed, closed, THURSDAY_END, MONDAY_MEETING) is listed


@pytest.mark.parametrize("required, attendees, missing", [
    (["quality", "sqe"], [("quality", "present"), ("production", "present")], ["sqe"]),
    (["quality", "sqe"], [("quality", "late"), ("sqe", "present")], []),           # late counts as there
    (["quality", "sqe"], [("quality", "absent"), ("sqe", "excused")], ["quality", "sqe"]),
    (["logistics", "quality"], [], ["quality", "logistics"]),                      # in the course's order
    ([], [("quality", "absent")], []),                                             # nothing required
])
def test_missing_functions(required, attendees, missing):
    assert missing_functions(required, attendees) == missing


@pytest.mark.parametrize("text, functions", [
    ("", []), ("sqe,quality", ["quality", "sqe"]), ("quality, ,unknown", ["quality"]),
])
def test_function_list(text, functions):
    assert function_list(text) == functions
