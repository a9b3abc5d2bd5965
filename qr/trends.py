"""Managers' weekly trends and KPIs as pandas frames, computed from the store's trends frames.

Everything is "as of" one plant day (`Period.on`): a later completion, closure or reopening is not
known yet on that day, so a past week's figures stay what they were. Weeks are ISO weeks (Monday to
Sunday) of the plant's calendar; moments in the audit trail are turned into plant days first.
"""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from qr import rules
from qr.audit import Entity
from qr.i18n import t
from qr.trend_weeks import Period, count_per_week, day_stamp, days_of, plant_days, share_of, week_frame, week_of
from qr.trend_weeks import (  # noqa: F401 -- the calendar's names, where the pages, the CLI and the tests find them
    DEFAULT_WEEKS, default_period, iso_week, parse_week, period_for, report_period, week_start)

AGE_BUCKETS = (("0-7", 0, 7), ("8-30", 8, 30), ("31-90", 31, 90), (">90", 91, None))
DIMENSIONS = {"category": ("category_id", "category_zh", "category_en"), "area": ("area_id", "area_zh", "area_en"),
              "owner": ("owner_id", "owner", "owner_en"), "severity": ("severity", "severity", "severity")}
ATTENDANCE_COLUMNS = ["meeting_on", "area_id", "person_id", "attended"]
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class TrendsFilter:
    plant_id: int | None = None        # its areas' issues
    area_id: int | None = None
    category_id: int | None = None     # a top-level category: its sub-types count with it
    severity: str | None = None
    owner_id: int | None = None


# ---------------------------------------------------------------- preparing the store's frames

def filter_issues(issues: pd.DataFrame, chosen: TrendsFilter) -> pd.DataFrame:
    keep = pd.Series(True, index=issues.index)
    for column, value in (("plant_id", chosen.plant_id), ("area_id", chosen.area_id),
                          ("category_id", chosen.category_id), ("severity", chosen.severity),
                          ("owner_id", chosen.owner_id)):
        if value is not None:
            keep &= issues[column] == value
    return issues[keep]


def closed_spells(issues: pd.DataFrame, history: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """Each time an issue was closed: from its closing date until the plant day it was reopened (NaT: still
    closed), and whether it was closed as cancelled (not solved). The audit trail's reopenings carry the closing
    date they undid, and a cancelled one its undoing of the cancellation at the same moment, so earlier spells
    are exact."""
    issue_events = history[(history["entity"] == Entity.ISSUE) & history["issue_id"].isin(issues["id"])]
    reopenings = issue_events[issue_events["field"] == "closed_on"]
    uncancelled = issue_events[issue_events["field"] == "cancelled"]
    undone = set(zip(uncancelled["issue_id"], uncancelled["at"]))
    past = pd.DataFrame({"issue_id": reopenings["issue_id"].to_numpy(),
                         "closed_on": days_of(reopenings["old"].to_numpy()).to_numpy(),
                         "reopened_on": plant_days(reopenings["at"], tz).to_numpy(),
                         "cancelled": np.array([(i, at) in undone for i, at in zip(reopenings["issue_id"],
                                                                                     reopenings["at"])], dtype=bool)})
    closed = issues[issues["closed_on"].notna()]
    current = pd.DataFrame({"issue_id": closed["id"].to_numpy(),
                            "closed_on": days_of(closed["closed_on"].to_numpy()).to_numpy(),
                            "reopened_on": np.full(len(closed), np.datetime64("NaT"), dtype="datetime64[s]"),
                            "cancelled": closed["cancelled"].astype(bool).to_numpy()})
    spells = pd.concat([past, current], ignore_index=True)
    opened = issues.set_index("id")["opened_on"]
    spells["opened_on"] = days_of(spells["issue_id"].map(opened).to_numpy()).to_numpy()
    return spells


def _count_upto(sorted_days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many of the sorted days fall on or before each edge."""
    return np.searchsorted(sorted_days, edges, side="right")


def _sorted(values: pd.Series) -> np.ndarray:
    return np.sort(values.dropna().to_numpy(dtype="datetime64[s]"))


def _open_ids(issues: pd.DataFrame, spells: pd.DataFrame, on: date) -> pd.Series:
    """Ids of the issues open at the end of day `on`: opened by then and not inside a closed spell."""
    day = day_stamp(on)
    closed_then = spells[(spells["closed_on"] <= day) & ~(spells["reopened_on"] <= day)]["issue_id"]
    opened = issues[days_of(issues["opened_on"].to_numpy()).to_numpy() <= day]
    return opened.loc[~opened["id"].isin(closed_then), "id"]


def _known(days: pd.Series, on: date) -> pd.Series:
    """The days up to `on`: what happened later is not known yet on that day."""
    return days[days <= day_stamp(on)]


# ---------------------------------------------------------------- the KPIs

def opened_closed_by_week(issues: pd.DataFrame, spells: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Opened, closed (solved), cancelled and reopened per week, and the open backlog at the end of each week (or
    of `on`): a cancelled issue leaves the backlog without counting as solved."""
    weeks = period.weeks
    frame = week_frame(weeks)
    opened = _known(days_of(issues["opened_on"].to_numpy()), period.on)
    closed, reopened = _known(spells["closed_on"], period.on), _known(spells["reopened_on"].dropna(), period.on)
    frame["opened"] = count_per_week(opened, weeks)
    frame["closed"] = count_per_week(_known(_solved(spells)["closed_on"], period.on), weeks)
    frame["cancelled"] = count_per_week(_known(spells[spells["cancelled"]]["closed_on"], period.on), weeks)
    frame["reopened"] = count_per_week(reopened, weeks)
    edges = np.array([day_stamp(min(w + timedelta(days=6), period.on)) for w in weeks])
    frame["backlog"] = (_count_upto(_sorted(opened), edges) - _count_upto(_sorted(closed), edges)
                        + _count_upto(_sorted(reopened), edges))
    return frame


def _solved(spells: pd.DataFrame) -> pd.DataFrame:
    """The closings that count as solved: not the cancelled ones (not valid, duplicates)."""
    return spells[~spells["cancelled"]]


def ageing(issues: pd.DataFrame, spells: pd.DataFrame, on: date) -> pd.DataFrame:
    """Open issues on `on` by how many days they have been open."""
    open_issues = issues[issues["id"].isin(_open_ids(issues, spells, on))]
    age = (day_stamp(on) - days_of(open_issues["opened_on"].to_numpy())) // _DAY
    counts = [int(((age >= low) & ((age <= high) if high is not None else True)).sum())
              for _, low, high in AGE_BUCKETS]
    return pd.DataFrame({"bucket": [name for name, _, _ in AGE_BUCKETS], "issues": counts})


def _step_spans(steps: pd.DataFrame, issues: pd.DataFrame, history: pd.DataFrame, *, on: date, tz: ZoneInfo,
                rule: rules.ColourRule = rules.ColourRule.GM) -> pd.DataFrame:
    """Per step and per target it had (GM: one row for each stretch of days a target was in force, replayed from
    the audit trail, so a move never recolours a day already past), from `start`: red until `yellow_from`, yellow
    until `red_from`, red again until `stopped` (the end of the stretch; done — the day it was verified, else
    completed —, N/A, the day its issue was closed or cancelled while it was open, or after `on`). GM: yellow
    from the stretch's first day, red from the day after the target in force or the day it was marked worse.
    START: red until the day it was started, red again once marked worse (targets do not colour it: one row per
    step)."""
    steps = steps[steps["issue_id"].isin(issues["id"])]
    opened = days_of(steps["issue_id"].map(issues.set_index("id")["opened_on"]).to_numpy()).to_numpy()
    after_on = day_stamp(on) + _DAY
    done_on = steps["verified_on"].fillna(steps["completed_on"]) if "verified_on" in steps else steps["completed_on"]
    set_na_on = plant_days(steps["set_na_at"].reset_index(drop=True), tz).fillna(pd.Series(opened)).to_numpy()
    issue_closed_on = days_of(steps["issue_id"].map(issues.set_index("id")["closed_on"]).to_numpy()).to_numpy()
    state = steps["state"].to_numpy()
    stopped = np.where(state == rules.StepState.DONE.value, days_of(done_on.to_numpy()).to_numpy(),
                       np.where(state == rules.StepState.NA.value, set_na_on,
                                np.where(np.isnat(issue_closed_on), after_on, issue_closed_on)))
    stopped = np.minimum(stopped.astype("datetime64[s]"), after_on)
    worse = days_of(steps["marked_worse_on"].where(steps["marked_worse"].astype(bool)).to_numpy()).to_numpy()
    periods = _targets_in_force(steps, history, opened, tz, moves=rule != rules.ColourRule.START)
    row = periods["row"].to_numpy()
    begin = np.maximum(periods["from"].to_numpy(), opened[row])
    end = np.minimum(periods["until"].fillna(pd.Timestamp(after_on)).to_numpy().astype("datetime64[s]"),
                     stopped[row])
    if rule == rules.ColourRule.START:
        started = days_of(steps["started_on"].to_numpy()).to_numpy()[row]
        yellow_from = np.where(np.isnat(started), after_on, np.maximum(started, begin))
        red_from = np.where(np.isnat(worse[row]), after_on, worse[row])
    else:
        late = periods["target"].to_numpy() + _DAY
        yellow_from = begin
        red_from = np.where(np.isnat(worse[row]), late, np.minimum(late, worse[row]))
    red_from = np.maximum(red_from, opened[row])
    return pd.DataFrame({"step_id": steps["id"].to_numpy()[row], "issue_id": steps["issue_id"].to_numpy()[row],
                         "start": begin, "yellow_from": yellow_from.astype("datetime64[s]"),
                         "red_from": red_from.astype("datetime64[s]"), "stopped": end,
                         "replayed": steps["replayed"].astype(bool).to_numpy()[row]})


def _targets_in_force(steps: pd.DataFrame, history: pd.DataFrame, opened: np.ndarray, tz: ZoneInfo, *,
                      moves: bool) -> pd.DataFrame:
    """Each step's targets as they stood: rows (row of `steps`, from, until, target) — the target the issue was
    opened with from its open day, then each move from the plant day it was made until the next (the last move
    of a day is that day's). Without `moves`, one row per step with its current target."""
    current = steps["target_on"]
    original = steps["original_target_on"].fillna(current) if "original_target_on" in steps else current
    first = pd.DataFrame({"row": np.arange(len(steps)), "from": opened,
                          "target": days_of((original if moves else current).to_numpy()).to_numpy()})
    if not moves:
        return first.assign(until=pd.Series(pd.NaT, index=first.index, dtype="datetime64[s]"))
    row_of = pd.Series(np.arange(len(steps)), index=steps["id"].to_numpy())
    moved = history[(history["entity"] == Entity.STEP) & (history["field"] == "target_on")
                    & history["entity_id"].isin(row_of.index)]
    later = pd.DataFrame({"row": moved["entity_id"].map(row_of).to_numpy(dtype="int64"),
                          "from": plant_days(moved["at"], tz).to_numpy(),
                          "target": days_of(moved["new"].to_numpy()).to_numpy()})
    periods = (pd.concat([first, later], ignore_index=True)
               .drop_duplicates(["row", "from"], keep="last")
               .sort_values(["row", "from"], kind="stable").reset_index(drop=True))
    return periods.assign(until=periods.groupby("row")["from"].shift(-1))


def _overlap_days(begin: np.ndarray, end: np.ndarray, low: np.datetime64, high: np.datetime64) -> int:
    """Total days of the spans [begin, end) that fall inside [low, high)."""
    return int(np.clip((np.minimum(end, high) - np.maximum(begin, low)) // _DAY, 0, None).sum())


def days_red_yellow_by_month(spans: pd.DataFrame, period: Period, step_days: pd.DataFrame) -> pd.DataFrame:
    """GM metric: the sum over steps of the calendar days each step showed R, and Y, in each calendar month the
    period touches (whole months, up to `on`), under the board's colour rule; the colour of a past day follows
    the target in force that day (a move, approved or not, never recolours the days already past). The replayed
    steps' spans are summed here, the others' days come summed by the database (`step_days`, per month)."""
    spans = spans[spans["replayed"]]
    start, yellow_from, red_from, stopped = (spans[c].to_numpy() for c in ("start", "yellow_from", "red_from",
                                                                            "stopped"))
    not_started_end = np.minimum(yellow_from, stopped)
    red_again = np.maximum(red_from, yellow_from)
    yellow_end = np.minimum(red_again, stopped)
    summed = step_days.groupby("month")[["days_red", "days_yellow"]].sum()
    rows = []
    for first in period.months:
        low = day_stamp(first)
        high = day_stamp(min((first + timedelta(days=32)).replace(day=1), period.on + timedelta(days=1)))
        days_red = _overlap_days(start, not_started_end, low, high) + _overlap_days(red_again, stopped, low, high)
        days_yellow = _overlap_days(yellow_from, yellow_end, low, high)
        if first in summed.index:
            days_red += int(summed.loc[first, "days_red"])
            days_yellow += int(summed.loc[first, "days_yellow"])
        rows.append({"month": first.strftime("%Y-%m"), "days_red": days_red, "days_yellow": days_yellow})
    return pd.DataFrame(rows, columns=["month", "days_red", "days_yellow"])


def days_open_of_closed_by_week(spells: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The average days from opening to closing of the issues solved in each week (a reclosed issue counts
    each time it closed, a cancelled one never); empty weeks stay empty, not zero."""
    frame = week_frame(period.weeks)
    solved = _solved(spells)
    closed = solved[(solved["closed_on"] <= day_stamp(period.on))]
    days = (closed["closed_on"] - closed["opened_on"]) // pd.Timedelta(days=1)
    per_week = days.groupby(week_of(closed["closed_on"])).agg(["count", "mean"])
    keys = [pd.Timestamp(w) for w in period.weeks]
    frame["closed"] = [int(per_week["count"].get(k, 0)) for k in keys]
    frame["avg_days_open"] = [round(float(per_week["mean"][k]), 1) if k in per_week.index else np.nan for k in keys]
    return frame


REPEAT_WINDOW = timedelta(days=365)


def repeats_by_week(issues: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Issues opened each week and how many repeat one that had been closed in the 12 months before they opened
    (linked by their owner as a repeat): a fix that did not hold, or did not reach the line it was needed on."""
    frame = week_frame(period.weeks)
    opened = days_of(issues["opened_on"].to_numpy())
    repeated_closed = days_of(issues["repeat_of_closed_on"].to_numpy())
    repeat = (repeated_closed <= opened) & (repeated_closed >= opened - REPEAT_WINDOW)
    known = opened <= day_stamp(period.on)
    frame["opened"] = count_per_week(opened[known], period.weeks)
    frame["repeats"] = count_per_week(opened[known & repeat], period.weeks)
    frame["rate"] = [share_of(r, o) for r, o in zip(frame["repeats"], frame["opened"])]
    return frame


def on_time_by_week(completions: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Steps completed each week, and the share of them completed on or before their target date (`completions`:
    the database's counts per week and step, qr.store.trends_completions)."""
    frame = week_frame(period.weeks)
    grouped = completions.groupby("week_start")[["completed", "on_time"]].sum()
    frame["completed"] = [int(grouped["completed"].get(w, 0)) for w in period.weeks]
    frame["on_time"] = [int(grouped["on_time"].get(w, 0)) for w in period.weeks]
    frame["rate"] = [share_of(o, c) for o, c in zip(frame["on_time"], frame["completed"])]
    return frame


def on_time_by_step(completions: pd.DataFrame) -> pd.DataFrame:
    """The same share per step of the template, in template order, over the whole period."""
    grouped = (completions.groupby("code").agg(position=("position", "max"), name_zh=("name_zh", "first"),
                                               name_en=("name_en", "first"), completed=("completed", "sum"),
                                               on_time=("on_time", "sum"))
               .sort_values(["position", "code"]).reset_index())
    grouped["completed"] = grouped["completed"].astype(int)
    grouped["on_time"] = grouped["on_time"].astype(int)
    grouped["rate"] = [share_of(o, c) for o, c in zip(grouped["on_time"], grouped["completed"])]
    return grouped[["code", "name_zh", "name_en", "completed", "on_time", "rate"]]


def breakdown(issues: pd.DataFrame, spells: pd.DataFrame, dimension: str, period: Period) -> pd.DataFrame:
    """Per category, area, owner or severity: open on `on`, opened and solved within the period."""
    key, name_zh, name_en = DIMENSIONS[dimension]
    low, high = day_stamp(period.start), day_stamp(period.on)
    opened = days_of(issues["opened_on"].to_numpy())
    in_period = issues[((opened >= low) & (opened <= high)).to_numpy()]
    solved = _solved(spells)
    closures = solved[(solved["closed_on"] >= low) & (solved["closed_on"] <= high)]
    closed_keys = closures["issue_id"].map(issues.set_index("id")[key])
    open_now = issues[issues["id"].isin(_open_ids(issues, spells, period.on))]
    named = issues.drop_duplicates(key)
    names = pd.DataFrame({"key": named[key], "name_zh": named[name_zh],
                          "name_en": named[name_en].where(named[name_en] != "", named[name_zh])})
    if dimension == "severity":                       # a letter alone says little: "A major", "A 严重"
        names = names.assign(name_zh=[t(f"severity.{s}", "zh") for s in names["key"]],
                             name_en=[t(f"severity.{s}", "en") for s in names["key"]])
    names = names.set_index("key")
    frame = pd.DataFrame({"open": open_now[key].value_counts(), "opened": in_period[key].value_counts(),
                          "closed": closed_keys.value_counts()}).fillna(0).astype(int)
    frame = frame[frame.sum(axis=1) > 0]
    frame = frame.join(names)
    frame = (frame.rename_axis("key").reset_index()
             .sort_values(["open", "opened", "key"], ascending=[False, False, True]))
    return frame[["key", "name_zh", "name_en", "open", "opened", "closed"]].reset_index(drop=True)


def attendance_by_week(attendance: pd.DataFrame, weeks: list[date]) -> pd.DataFrame:
    """Per ISO week: sign-in rows of that week's meetings, how many attended, and the rate attended / all."""
    frame = week_frame(weeks)
    days = days_of(attendance["meeting_on"].to_numpy())
    grouped = attendance["attended"].astype(bool).groupby(week_of(days).to_numpy()).agg(["count", "sum"])
    keys = [pd.Timestamp(w) for w in weeks]
    frame["expected"] = [int(grouped["count"].get(k, 0)) for k in keys]
    frame["attended"] = [int(grouped["sum"].get(k, 0)) for k in keys]
    frame["rate"] = [share_of(a, e) for a, e in zip(frame["attended"], frame["expected"])]
    return frame


def _red_on(issues: pd.DataFrame, spans: pd.DataFrame, spells: pd.DataFrame, on: date) -> pd.DataFrame:
    """The spans of steps red on `on` (under the colour rule the spans were made with) of issues open that day."""
    day = day_stamp(on)
    not_started = (spans["start"] <= day) & (day < spans["yellow_from"])
    red_again = (spans["red_from"] <= day) & (spans["yellow_from"] <= day)
    red = spans[(not_started | red_again) & (spans["stopped"] > day)]
    return red[red["issue_id"].isin(_open_ids(issues, spells, on))]


def escalated_issues(issues: pd.DataFrame, spans: pd.DataFrame, spells: pd.DataFrame, on: date,
                     ladders: dict[str, tuple[tuple[int, int], ...]] | None = None) -> pd.DataFrame:
    """Issues open on `on` with a step red long enough to climb their severity's escalation ladder, longest red
    first."""
    day = day_stamp(on)
    red = _red_on(issues, spans, spells, on)
    red_since = red["start"].where(day < red["yellow_from"], red["red_from"])
    worst = ((day - red_since) // pd.Timedelta(days=1)).groupby(red["issue_id"]).max()
    severity = issues.set_index("id")["severity"]
    ladders = ladders or {}
    levels = pd.Series([rules.escalation_level(int(days), ladders.get(severity[issue_id], rules.DEFAULT_LADDER))
                        for issue_id, days in worst.items()], index=worst.index, dtype="int64")
    chosen = issues.set_index("id").loc[levels[levels > 0].index]
    frame = chosen.assign(escalation_level=levels[levels > 0], days_red=worst[levels > 0].astype(int)).reset_index()
    columns = ["number", "description", "area_zh", "area_en", "owner", "owner_en", "escalation_level", "days_red"]
    return frame.sort_values(["days_red", "number"], ascending=[False, True])[columns].reset_index(drop=True)


CLOCK_COLUMNS = ["issue_id", "code", "name_zh", "name_en", "due_at", "responded_at"]


def no_clocks() -> pd.DataFrame:
    """A response-clock frame with no rows (no complaint with response rules)."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in CLOCK_COLUMNS})


def as_of_moment(on: date, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """What `on` knows of response clocks: its end on the plant's clock, or now if that comes first."""
    end = datetime.combine(on + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return min(end, now) if now is not None else end


def response_clocks_by_week(clocks: pd.DataFrame, issues: pd.DataFrame, period: Period, tz: ZoneInfo,
                            now: datetime | None = None) -> pd.DataFrame:
    """Per ISO week of the due moment (plant's calendar): clocks met, late (answered late, or unanswered past
    the limit) and still running, and the rate met / (met + late), as of `period.on`."""
    frame = week_frame(period.weeks)
    clocks = clocks[clocks["issue_id"].isin(issues["id"])]
    as_of = pd.Timestamp(as_of_moment(period.on, tz, now))
    due = pd.to_datetime(clocks["due_at"], utc=True)
    responded = pd.to_datetime(clocks["responded_at"], utc=True)
    answered = responded.notna() & (responded <= as_of)
    met = answered & (responded <= due)
    late = (answered & (responded > due)) | (~answered & (due < as_of))
    running = ~answered & (due >= as_of)
    due_days = plant_days(clocks["due_at"], tz)
    frame["met"] = count_per_week(due_days[met], period.weeks)
    frame["late"] = count_per_week(due_days[late], period.weeks)
    frame["running"] = count_per_week(due_days[running], period.weeks)
    frame["rate"] = [share_of(m, m + n) for m, n in zip(frame["met"], frame["late"])]
    return frame


FOLLOW_UP_COLUMNS = ["issue_id", "required", "closed_on", "due_on", "done_on", "solved", "satisfaction"]


def no_follow_ups() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in FOLLOW_UP_COLUMNS})


def follow_up_by_week(follow_ups: pd.DataFrame, issues: pd.DataFrame, period: Period,
                      share: float) -> pd.DataFrame:
    """Per ISO week of closing: customer issues closed and called back (target 100 %), the other closed issues
    and those called back (target `share`), and the average satisfaction of the calls made, as of `period.on`."""
    frame = week_frame(period.weeks)
    follow_ups = follow_ups[follow_ups["issue_id"].isin(issues["id"])]
    closed = days_of(follow_ups["closed_on"].to_numpy())
    known = (closed <= day_stamp(period.on)).to_numpy()           # a closing after `on` is not known yet
    done = (days_of(follow_ups["done_on"].to_numpy()) <= day_stamp(period.on)).to_numpy()
    required = follow_ups["required"].astype(bool).to_numpy() & known
    week = week_of(closed).to_numpy()
    keys = [np.datetime64(w, "s") for w in period.weeks]
    for name, chosen in (("complaints", required), ("others", known & ~required)):
        frame[f"{name}_closed"] = [int(((week == k) & chosen).sum()) for k in keys]
        frame[f"{name}_done"] = [int(((week == k) & chosen & done).sum()) for k in keys]
        frame[f"{name}_rate"] = [share_of(d, c) for d, c in zip(frame[f"{name}_done"], frame[f"{name}_closed"])]
    frame["complaints_target"] = 1.0
    frame["others_target"] = share
    scores = pd.to_numeric(follow_ups["satisfaction"], errors="coerce").to_numpy(dtype=float)
    frame["satisfaction"] = [round(float(scores[(week == k) & done & known].mean()), 2)
                             if ((week == k) & done & known).any() else np.nan for k in keys]
    return frame


def no_attendance() -> pd.DataFrame:
    """A sign-in frame with no rows (no meeting recorded)."""
    return pd.DataFrame({"meeting_on": pd.Series(dtype="object"), "area_id": pd.Series(dtype="int64"),
                         "person_id": pd.Series(dtype="int64"), "attended": pd.Series(dtype="bool")})


@dataclass
class Trends:
    """Every KPI of the trends page and the weekly pack, for one period and filter."""

    period: Period
    opened_closed: pd.DataFrame
    ageing: pd.DataFrame
    days_red_yellow: pd.DataFrame
    days_open: pd.DataFrame
    on_time_by_week: pd.DataFrame
    on_time_by_step: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    attendance: pd.DataFrame
    escalated: pd.DataFrame
    response_clocks: pd.DataFrame
    follow_ups: pd.DataFrame
    repeats: pd.DataFrame
    meetings_recorded: bool = field(default=False)


def no_step_days() -> pd.DataFrame:
    """Step days summed by the database, none (every step replayed, as for a frame of all steps)."""
    return pd.DataFrame({"plant_id": pd.Series(dtype="int64"), "area_id": pd.Series(dtype="int64"),
                         "month": pd.Series(dtype=object), "days_red": pd.Series(dtype="int64"),
                         "days_yellow": pd.Series(dtype="int64")})


def _in_place(frame: pd.DataFrame, chosen: TrendsFilter) -> pd.DataFrame:
    """The rows of a database-summed frame in the chosen plant and area (the other filters were the database's)."""
    if chosen.plant_id is not None:
        frame = frame[frame["plant_id"] == chosen.plant_id]
    if chosen.area_id is not None:
        frame = frame[frame["area_id"] == chosen.area_id]
    return frame


def compute(issues: pd.DataFrame, steps: pd.DataFrame, history: pd.DataFrame, period: Period, chosen: TrendsFilter,
            *, tz: ZoneInfo, completions: pd.DataFrame, step_days: pd.DataFrame | None = None,
            ladders: dict[str, tuple[tuple[int, int], ...]] | None = None,
            attendance: pd.DataFrame | None = None, clocks: pd.DataFrame | None = None,
            follow_ups: pd.DataFrame | None = None, follow_up_share: float = 0.3,
            now: datetime | None = None, colour_rule: rules.ColourRule = rules.ColourRule.GM) -> Trends:
    """All KPIs from the three store frames, the step completions and the step days the database summed for the
    same filter (qr.store.trends_completions, trends_step_days; none: every step in `steps` replayed), and the
    meetings' sign-in rows and the response clocks, when there are any; `now` caps what today knows of the
    response clocks; past days are coloured by the board's `colour_rule`, like the board colours today."""
    attendance = no_attendance() if attendance is None else attendance
    clocks = no_clocks() if clocks is None else clocks
    follow_ups = no_follow_ups() if follow_ups is None else follow_ups
    step_days = no_step_days() if step_days is None else step_days
    if chosen.area_id is not None:
        attendance = attendance[attendance["area_id"] == chosen.area_id]
    issues = filter_issues(issues, chosen)
    completions, step_days = _in_place(completions, chosen), _in_place(step_days, chosen)
    spells = closed_spells(issues, history, tz)
    spans = _step_spans(steps, issues, history, on=period.on, tz=tz, rule=colour_rule)
    return Trends(
        period=period,
        opened_closed=opened_closed_by_week(issues, spells, period),
        ageing=ageing(issues, spells, period.on),
        days_red_yellow=days_red_yellow_by_month(spans, period, step_days),
        days_open=days_open_of_closed_by_week(spells, period),
        on_time_by_week=on_time_by_week(completions, period),
        on_time_by_step=on_time_by_step(completions),
        breakdowns={dimension: breakdown(issues, spells, dimension, period) for dimension in DIMENSIONS},
        attendance=attendance_by_week(attendance, period.weeks),
        escalated=escalated_issues(issues, spans, spells, period.on, ladders),
        response_clocks=response_clocks_by_week(clocks, issues, period, tz, now),
        follow_ups=follow_up_by_week(follow_ups, issues, period, follow_up_share),
        repeats=repeats_by_week(issues, period),
        meetings_recorded=not attendance.empty,
    )


PLANT_COMPARISON_COLUMNS = ["plant_id", "code", "name_zh", "name_en", "opened", "closed", "open", "overdue",
                            "completed", "on_time", "rate"]


def compare_plants(issues: pd.DataFrame, steps: pd.DataFrame, history: pd.DataFrame, period: Period,
                   chosen: TrendsFilter, plants: list[dict], *, tz: ZoneInfo, completions: pd.DataFrame,
                   colour_rule: rules.ColourRule = rules.ColourRule.GM) -> pd.DataFrame:
    """The main KPIs side by side, one row per plant, with the category, severity and owner filters (not the plant
    or area; `completions` counted by the database with those filters): opened and closed (solved) within the
    period, the open backlog (`open`) and the overdue issues (open, with a step red under the board's rule) on
    `on`, and the steps completed in the period and the share on time."""
    rows = []
    for plant in plants:
        part = filter_issues(issues, replace(chosen, plant_id=plant["id"], area_id=None))
        spells = closed_spells(part, history, tz)
        weekly = opened_closed_by_week(part, spells, period)
        spans = _step_spans(steps, part, history, on=period.on, tz=tz, rule=colour_rule)
        done = completions[completions["plant_id"] == plant["id"]]
        completed, on_time = int(done["completed"].sum()), int(done["on_time"].sum())
        rows.append({"plant_id": plant["id"], "code": plant["code"], "name_zh": plant["name_zh"],
                     "name_en": plant["name_en"], "opened": int(weekly["opened"].sum()),
                     "closed": int(weekly["closed"].sum()), "open": int(weekly["backlog"].iloc[-1]),
                     "overdue": int(_red_on(part, spans, spells, period.on)["issue_id"].nunique()),
                     "completed": completed, "on_time": on_time, "rate": share_of(on_time, completed)})
    return pd.DataFrame(rows, columns=PLANT_COMPARISON_COLUMNS)
