"""Board rules (docs/domain-rules.md) as plain functions of plain values: no database, no Streamlit."""
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from zoneinfo import ZoneInfo


class Status(str, Enum):
    G = "G"
    Y = "Y"
    R = "R"
    NA = "NA"


class ColourRule(str, Enum):
    GM = "GM"          # GM QSB 2009: G done, Y open and not late, R open and late
    START = "START"    # some plants: R not started, Y started, G done


class StepState(str, Enum):
    OPEN = "open"
    DONE = "done"
    NA = "na"


SEVERITY = ("A", "B", "C")
_RANK = {Status.G: 0, Status.Y: 1, Status.R: 2}   # N/A has no rank: it never makes an issue better or worse
DEFAULT_LADDER: tuple[tuple[int, int], ...] = ((1, 1), (3, 2), (7, 3))


@dataclass(frozen=True)
class StepView:
    """What the colour rules need to know of one issue step."""

    state: StepState
    target_on: date
    completed_on: date | None = None
    started_on: date | None = None
    marked_worse: bool = False
    marked_worse_on: date | None = None
    claimed: bool = False           # the owner says it is done; open until the quality engineer verifies it


def plant_today(now: datetime, tz: ZoneInfo) -> date:
    """The plant's calendar day of an aware moment: days count in the plant's zone, not UTC."""
    return now.astimezone(tz).date()


def target_dates(opened_on: date, guide_limit_days: list[int]) -> list[date]:
    """Guide limits are calendar days after the open date (weekends count)."""
    return [opened_on + timedelta(days=limit) for limit in guide_limit_days]


def step_status(step: StepView, today: date, rule: ColourRule = ColourRule.GM) -> Status:
    """GM QSB 2009: green only by completing; red once the target date has passed or marked worse."""
    if step.state == StepState.NA:
        return Status.NA
    if step.state == StepState.DONE:
        return Status.G
    if step.marked_worse:
        return Status.R
    if rule == ColourRule.START:
        return Status.Y if step.started_on is not None else Status.R
    return Status.R if today > step.target_on else Status.Y


def in_warning_window(step: StepView, today: date, warning_days: int) -> bool:
    """An open step whose target is at most `warning_days` away needs a countermeasure already."""
    return step.state == StepState.OPEN and 0 <= (step.target_on - today).days <= warning_days


def needs_countermeasure(step: StepView, today: date, warning_days: int,
                         rule: ColourRule = ColourRule.GM) -> bool:
    """R, or Y inside or past the warning window, must carry a countermeasure / next step (对策/下一步).

    Under the START rule a started step stays Y after its target date: it still needs one. A step waiting for
    verification has its next step already: the quality engineer's check.
    """
    if step.claimed:
        return False
    status = step_status(step, today, rule)
    late_or_near = in_warning_window(step, today, warning_days) or today > step.target_on
    return status == Status.R or (status == Status.Y and late_or_near)


def lacks_countermeasure(status: Status, countermeasure: str, claimed: bool = False) -> bool:
    """A red step with no countermeasure / next step: flagged on the board however it turned red (a date passing
    saves nothing, so no save could refuse it). A step waiting for verification is not flagged."""
    return Status(status) == Status.R and not (countermeasure or "").strip() and not claimed


@dataclass(frozen=True)
class MoveRule:
    """How far an owner may move a step's target without the facilitator: `free_moves` moves of a step (default
    one), never a red step's (that would turn it yellow and reset its escalation)."""

    free_moves: int = 1
    red_needs_approval: bool = True


def move_needs_approval(moves: int, status: Status, rule: MoveRule = MoveRule()) -> bool:
    """Past the limit a move is a request: it changes nothing until a facilitator approves it."""
    return moves >= rule.free_moves or (rule.red_needs_approval and Status(status) == Status.R)


def rank(status: Status | str) -> int:
    """G < Y < R, the one order behind "worst of" and red-first sorting; takes the Status or its code."""
    return _RANK[Status(status)]


def overall_status(statuses: list[Status]) -> Status:
    """The worst non-N/A step; an issue with nothing left to do (all N/A) is green."""
    counted = [s for s in statuses if s != Status.NA]
    return max(counted, key=rank) if counted else Status.G


def report_overdue(next_report_on: date | None, today: date, closed_on: date | None) -> bool:
    """The owner missed the agreed report date; flagged whatever the colours say."""
    return closed_on is None and next_report_on is not None and next_report_on < today


def red_since(step: StepView, opened_on: date, rule: ColourRule = ColourRule.GM) -> date | None:
    """First calendar day the step counted as red under the rule, None if it is not red-able now."""
    if step.state != StepState.OPEN:
        return None
    worse = step.marked_worse_on if step.marked_worse else None
    if rule == ColourRule.START:
        natural = opened_on if step.started_on is None else None
    else:
        natural = step.target_on + timedelta(days=1)
    candidates = [d for d in (worse, natural) if d is not None]
    return min(candidates) if candidates else None


def days_red(step: StepView, opened_on: date, today: date, rule: ColourRule = ColourRule.GM) -> int:
    """Whole days elapsed since the step turned red (0 on its first red day, 0 if not red)."""
    if step_status(step, today, rule) != Status.R:
        return 0
    since = red_since(step, opened_on, rule)
    return max((today - since).days, 0) if since else 0


def escalation_level(days: int, ladder: tuple[tuple[int, int], ...] = DEFAULT_LADDER) -> int:
    """Highest rung whose threshold (days red) is reached; 0 means not escalated."""
    return max((level for threshold, level in ladder if days >= threshold), default=0)


def qchart_day_colour(new_issue_kinds: list[str]) -> Status:
    """Default Q-chart rule: R a new customer (external) issue that day, Y a new internal board issue, G none.
    A supplier's problem is the plant's own for the day's status (the course counts supplier inspection among
    its departments): yellow, not red."""
    if "external" in new_issue_kinds:
        return Status.R
    if "internal" in new_issue_kinds or "supplier" in new_issue_kinds:
        return Status.Y
    return Status.G


def qchart_colour(new_issue_kinds: list[str], override: Status | None = None) -> Status:
    """The facilitator's override wins over the computed colour."""
    return override if override is not None else qchart_day_colour(new_issue_kinds)


def days_open(opened_on: date, today: date, closed_on: date | None) -> int:
    return ((closed_on or today) - opened_on).days


@dataclass(frozen=True)
class AdmissionRule:
    """上板规则: which new issues are significant enough for the board; the rest go on the tracking list."""

    severities: frozenset[str] = frozenset({"A", "B"})
    kinds: frozenset[str] = frozenset({"external"})


def admitted_to_board(severity: str, category_kind: str, rule: AdmissionRule = AdmissionRule()) -> bool:
    """A severe issue, or any issue of a listed category kind (customers see external ones), goes on the board."""
    return severity in rule.severities or category_kind in rule.kinds


@dataclass(frozen=True)
class QChartRule:
    """Which new issues colour the Q-chart day; by default every external one, and internal ones on the board."""

    external_on_board_only: bool = False
    internal_on_board_only: bool = True


def qchart_counts(category_kind: str, on_board: bool, rule: QChartRule = QChartRule()) -> bool:
    """A new issue colours the day unless the rule counts only board issues of its kind and it is on the list."""
    only_board = rule.external_on_board_only if category_kind == "external" else rule.internal_on_board_only
    # a supplier's issue counts like an internal one
    return on_board or not only_board


def review_since(previous_meeting_end: datetime | None, now: datetime) -> datetime:
    """The review of new issues looks back to the end of the area's previous meeting, whatever lies between (a
    weekend, a holiday); an area's first meeting looks back 24 hours."""
    return previous_meeting_end if previous_meeting_end is not None else now - timedelta(hours=24)


def in_review(created_at: datetime, reviewed_at: datetime | None, closed: bool, since: datetime,
              now: datetime) -> bool:
    """Created since the previous meeting, or still open and never decided (board or watch list): an issue not
    reviewed in time stays on the list until a facilitator decides it."""
    if created_at > now:
        return False
    return created_at > since or (reviewed_at is None and not closed)


# the functions a quick-response meeting needs at the table (区域经理牵头，质量工程师主持，质量经理、现场工程师、SQE、工艺、
# 物流、设备工程师到场)
FUNCTIONS = ("quality", "production", "sqe", "process", "logistics", "maintenance", "other")


def missing_functions(required: list[str], attendees: list[tuple[str, str]]) -> list[str]:
    """Required functions no one present or late stands for (members and guests alike), in FUNCTIONS order."""
    there = {function for function, status in attendees if status in ATTENDED}
    return [f for f in FUNCTIONS if f in set(required) and f not in there]


def function_list(text: str) -> list[str]:
    """The stored comma-separated functions as a list in FUNCTIONS order; unknown codes are dropped."""
    chosen = {part.strip() for part in (text or "").split(",")}
    return [f for f in FUNCTIONS if f in chosen]


ATTENDED = ("present", "late")
ATTENDANCE_STATUSES = ("present", "late", "excused", "absent")


def attendance_rate(statuses: list[str]) -> float | None:
    """Attended (present or late) over the listed members; guests are not passed in. None without members."""
    if not statuses:
        return None
    return sum(status in ATTENDED for status in statuses) / len(statuses)


class TimerState(str, Enum):
    OK = "ok"
    WARN = "warn"
    OVER = "over"


def meeting_timer_state(elapsed_seconds: float, target_minutes: int, limit_minutes: int) -> TimerState:
    """Past the target (15 min) the meeting timer warns; past the hard limit (30 min) it is red."""
    if elapsed_seconds > limit_minutes * 60:
        return TimerState.OVER
    if elapsed_seconds > target_minutes * 60:
        return TimerState.WARN
    return TimerState.OK


def issue_timer_state(elapsed_seconds: float, issue_seconds: int) -> TimerState:
    """An owner over the slot (2 min) is warned; over twice the slot the timer turns red."""
    if elapsed_seconds > 2 * issue_seconds:
        return TimerState.OVER
    if elapsed_seconds > issue_seconds:
        return TimerState.WARN
    return TimerState.OK


class ClockState(str, Enum):
    RUNNING = "running"   # not answered, still in time
    OVERDUE = "overdue"   # not answered, past its limit
    MET = "met"           # answered in time
    MISSED = "missed"     # answered, but late


def clock_due(received_at: datetime, limit_minutes: int, tz: ZoneInfo,
              works: Callable[[date], bool] | None = None) -> datetime:
    """Calendar time on the plant's wall clock (nights and weekends count): a 2-day limit ends at the same
    local hour two days later, even across a daylight-saving change. With `works` (the plant's working days)
    only the hours of working days count: a complaint received on a Saturday starts counting on Monday at
    00:00, and a limit left over at a Friday's midnight goes on on the next working day. Returns an aware
    UTC moment."""
    local = received_at.astimezone(tz)
    if works is None:
        return (local + timedelta(minutes=limit_minutes)).astimezone(timezone.utc)
    left, moment = timedelta(minutes=limit_minutes), local
    for _ in range(limit_minutes // (24 * 60) + 800):          # the limit's days and two years of days off
        midnight = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=tz)
        if works(moment.date()):
            if left <= midnight - moment:
                return (moment + left).astimezone(timezone.utc)
            left -= midnight - moment
        moment = midnight
    raise ValueError("no working day in two years")


def clock_state(due_at: datetime, responded_at: datetime | None, now: datetime) -> ClockState:
    """Recording the response stops the clock; answering exactly at the limit is still in time."""
    if responded_at is not None:
        return ClockState.MET if responded_at <= due_at else ClockState.MISSED
    return ClockState.RUNNING if now <= due_at else ClockState.OVERDUE


def clock_late(state: ClockState) -> bool:
    """What the board's counter and the trends count: a customer waited longer than the rule allows."""
    return state in (ClockState.OVERDUE, ClockState.MISSED)


def clock_minutes(due_at: datetime, responded_at: datetime | None, now: datetime) -> int:
    """Whole minutes left (positive) or over (negative): to the response once recorded, else to now."""
    seconds = (due_at - (responded_at or now)).total_seconds()
    return int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)


FOLLOW_UP_CHANNELS = ("phone", "email", "visit", "wechat", "other")


def follow_up_required(category_kind: str, severity: str) -> bool:
    """The plant's service procedure: every customer (external) issue and every urgent (severity A) one is
    called back, 100 %; the rest are sampled."""
    return category_kind == "external" or severity == "A"


def follow_up_planned(category_kind: str) -> bool:
    """A supplier's problem gets no satisfaction call: the supplier is asked for an 8D (and charged back) instead."""
    return category_kind != "supplier"


def open_call_due(opened_on: date, last_call_on: date | None, on: date, *, after_days: int, every_days: int) -> bool:
    """A customer's complaint still open after `after_days` is called every `every_days` (twice a month by
    default) until it closes: the customer hears how it goes before the closing call. 0 days: no such calls."""
    if after_days <= 0 or every_days <= 0 or (on - opened_on).days < after_days:
        return False
    return last_call_on is None or (on - last_call_on).days >= every_days


UNSOLVED_ACTIONS = ("reopen", "flag")   # a follow-up answered "not solved": reopen the issue, or flag it on the board
MAX_CALL_DAYS = 365


@dataclass(frozen=True)
class FollowUpRule:
    """回访 beyond the closing call: what a "not solved" answer does, and the calls while a complaint is open."""

    unsolved: str = "reopen"
    open_after_days: int = 14
    open_every_days: int = 15
DISPOSITIONS = ("valid", "invalid")
RESPONSIBILITIES = ("ours", "supplier", "customer", "shared")
ACCEPTANCE_CHANNELS = ("signed", "email", "phone", "visit", "portal", "other")
# Where a fix is read across to (横向展开): another line, area or plant, or a similar part.
READ_ACROSS_KINDS = ("line", "area", "plant", "part")


def valid_share(valid: int, invalid: int) -> float | None:
    """Of the complaints judged, the share judged valid; None while none is judged."""
    return valid / (valid + invalid) if valid + invalid else None


def ppm(defects: int, delivered: int | None) -> float | None:
    """Parts per million: bad parts the customer found over the parts delivered that month; None without a
    delivered quantity (not 0: nothing is known)."""
    return defects * 1_000_000 / delivered if delivered else None


def follow_up_due(closed_on: date, days: int) -> date:
    """Calendar days after closing, like the step limits."""
    return closed_on + timedelta(days=days)


def follow_up_rate(done: int, closed: int) -> float | None:
    """Followed up over closed; None for a week without closings (no rate, not 0 %)."""
    return done / closed if closed else None


def propose_follow_ups(closed: list[tuple[int, date]], done: set[int], share: float) -> list[int]:
    """Which closed internal issues to call so that each ISO week of closing reaches `share` (at least 30 %):
    the week needs ceil(share × closed) follow-ups; the ones already done count, the earliest closed of the
    rest are proposed (an older closing is the one whose caller remembers least)."""
    weeks: dict[date, list[tuple[date, int]]] = {}
    for issue_id, closed_on in closed:
        weeks.setdefault(closed_on - timedelta(days=closed_on.weekday()), []).append((closed_on, issue_id))
    proposed = []
    for week in sorted(weeks):
        closings = sorted(weeks[week])
        needed = math.ceil(round(share * len(closings), 9)) - sum(issue_id in done for _, issue_id in closings)
        proposed += [issue_id for _, issue_id in closings if issue_id not in done][:max(needed, 0)]
    return proposed


# ---------------------------------------------------------------- roles

ROLES = ("viewer", "owner", "facilitator", "admin")   # each role may do what the ones before it may
# what each action needs: the lowest role that may do it
ACTION_ROLE = {
    "create_issue": "owner",
    "update_own_issue": "owner",       # an issue the person owns or leads
    "update_any_issue": "facilitator",
    "close_issue": "facilitator",
    "verify_exit": "facilitator",      # 对比退出: check an owner's evidence against the exit criterion
    "approve_move": "facilitator",     # approve or refuse a target move past the limit
    "run_meeting": "facilitator",      # meetings, review of new issues, reporting order, tiers, Q-chart override
    "configure": "admin",              # people, areas, categories, templates, rules, imports
    "manage_users": "admin",
}


def allowed(role: str, action: str) -> bool:
    """Roles are ordered: viewer < owner < facilitator < admin; an unknown role may do nothing."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTION_ROLE[action])


def issue_action(person_id: int, owner_id: int, lead_id: int) -> str:
    """An owner may change the issues they own or lead; anyone else's needs a facilitator."""
    return "update_own_issue" if person_id in (owner_id, lead_id) else "update_any_issue"


def ladder_problem(ladder) -> str | None:
    """Why an escalation ladder is unusable (an i18n key), or None: whole days ≥ 1 and levels 1–3, both rising."""
    if not ladder:
        return "err.ladder_empty"
    for days, level in ladder:
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (days, level)):
            return "err.ladder_numbers"
        if days < 1 or days > 3650 or not 1 <= level <= 3:
            return "err.ladder_range"
    pairs = list(ladder)
    for (days_a, level_a), (days_b, level_b) in zip(pairs, pairs[1:]):
        if days_b <= days_a or level_b <= level_a:
            return "err.ladder_overlap"
    return None


def sign_in_delay(failures: int, *, free_tries: int = 5, cap: timedelta = timedelta(minutes=15)) -> timedelta:
    """How long a client waits after its last wrong password before trying that username again: nothing for the
    first few, then doubling from one second up to the cap (slows guessing, never locks for good)."""
    if failures < free_tries:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free_tries, 20)), cap)


def category_label(parent_name: str | None, name: str) -> str:
    """'客户投诉/0公里': a sub-type is named with its category, on the board, in pickers and in sheets."""
    return f"{parent_name}/{name}" if parent_name else name
