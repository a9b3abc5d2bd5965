"""Benchmark of the trends page at plant-group scale: `--closed` closed and `--open` open issues.

Seeds a fresh SQLite database (bulk inserts: the store's commands would take hours at this size): the closed
issues opened over the last year, all their steps done or set N/A (with the audit line that says when), a few
reopened once; the open ones opened in the last two months, part of their steps done on time or late, some
marked red. Then it times what the trends page does for the default 12 weeks, cold (no cache): its reads, the
database's sums and the pandas KPIs. As yardsticks it times hand-written SQLite aggregates that give the same
numbers for three charts (opened and closed per week; days red and yellow per month, under the GM rule with the
N/A days from the audit trail; steps completed and on time per week), checks that they do, and prints the page
against the sum of the three. The other charts (ageing, breakdowns, days open, repeats, escalation) come from the
same reads at no extra query.

    python bench/trends.py --closed 100000 --open 2000 --repeat 3
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from figures import print_figures  # noqa: E402 -- bench/ is the script's own folder

RELEVANT = """(i.closed_on IS NULL OR i.closed_on >= :since OR i.id IN (
    SELECT issue_id FROM auditevent WHERE entity = 'issue' AND field = 'closed_on' AND new IS NULL))"""
OPENED_CLOSED_SQL = """
SELECT 'opened', date(opened_on, 'weekday 0', '-6 days') AS week, count(*) FROM issue
WHERE opened_on BETWEEN :start AND :on GROUP BY week
UNION ALL
SELECT 'closed', week, count(*) FROM (
  SELECT date(closed_on, 'weekday 0', '-6 days') AS week FROM issue
  WHERE closed_on BETWEEN :start AND :on AND NOT cancelled
  UNION ALL                                                  -- a closing undone by a reopening still counts
  SELECT date(old, 'weekday 0', '-6 days') FROM auditevent
  WHERE entity = 'issue' AND field = 'closed_on' AND new IS NULL AND old BETWEEN :start AND :on)
GROUP BY week"""
ON_TIME_SQL = """
SELECT date(s.completed_on, 'weekday 0', '-6 days') AS week, count(*), sum(s.completed_on <= s.target_on)
FROM issuestep s JOIN issue i ON i.id = s.issue_id
WHERE s.state = 'done' AND s.completed_on BETWEEN :start AND :on AND NOT i.cancelled GROUP BY week"""
STEP_SPANS_SQL = f"""
WITH step AS MATERIALIZED (
  SELECT CAST(julianday(i.opened_on) AS INTEGER) AS opened,
         max(min(CAST(julianday(s.target_on) AS INTEGER) + 1,
                 coalesce(CASE WHEN s.marked_worse THEN CAST(julianday(s.marked_worse_on) AS INTEGER) END, 99999999)),
             CAST(julianday(i.opened_on) AS INTEGER)) AS red_from,
         min(CASE s.state
               WHEN 'done' THEN CAST(julianday(coalesce(s.verified_on, s.completed_on)) AS INTEGER)
               WHEN 'na' THEN coalesce((SELECT CAST(julianday(date(a.at, :utc_offset)) AS INTEGER) FROM auditevent a
                                        WHERE a.issue_id = s.issue_id AND a.entity = 'step' AND a.entity_id = s.id
                                          AND a.field = 'state' AND a.new = 'na' ORDER BY a.id DESC LIMIT 1),
                                       CAST(julianday(i.opened_on) AS INTEGER))
               ELSE coalesce(CAST(julianday(i.closed_on) AS INTEGER), :after_on) END, :after_on) AS stopped
  FROM issuestep s JOIN issue i ON i.id = s.issue_id WHERE {RELEVANT})
SELECT {{sums}} FROM step"""


def seed(closed_count: int, open_count: int, today: date, rng: random.Random) -> None:
    """Areas, people and categories through the store; issues, steps and audit lines as bulk inserts."""
    from models import AuditEvent, Issue, IssueStep
    from qr import db, store
    from qr.defaults import install_defaults

    db.upgrade()
    install_defaults()
    areas = [store.create_area(code=f"A{n}", name_zh=f"车间{n}", name_en=f"Shop {n}").id for n in range(6)]
    people = [store.create_person(name=f"员工{n}", name_en=f"Person {n}", area_id=areas[n % 6]).id for n in range(60)]
    refs = store.reference_lists()
    categories = [c.id for c in refs["categories"]]
    templates = {t.severity: (t.id, store.template_steps(t.id)) for t in refs["templates"]}
    moment = datetime.combine(today, clock(8), tzinfo=timezone.utc)
    issues, steps, events = [], [], []
    for issue_id in range(1, closed_count + open_count + 1):
        closing = issue_id <= closed_count
        opened_on = today - timedelta(days=int((365 if closing else 60) * rng.random() ** (1.3 if closing else 1)))
        severity = rng.choice("AABBBC")
        template_id, template_steps = templates[severity]
        cursor = opened_on
        for ts in template_steps:
            target_on = opened_on + timedelta(days=ts.guide_limit_days)
            done_on = min(today, max(cursor, target_on + timedelta(days=rng.randint(-5, 8))))
            row = {"id": len(steps) + 1, "issue_id": issue_id, "template_step_id": ts.id, "position": ts.position,
                   "target_on": target_on, "original_target_on": target_on,
                   "state": "open", "started_on": None, "completed_on": None, "marked_worse": False,
                   "marked_worse_on": None, "worse_reason": "", "na_reason": "", "countermeasure": ""}
            if ts.may_be_na and rng.random() < 0.1:
                row |= {"state": "na", "na_reason": "不适用"}
                set_na_at = datetime.combine(opened_on + timedelta(days=rng.randint(0, 3)), clock(3),
                                             tzinfo=timezone.utc)
                events.append({"at": min(set_na_at, moment), "entity": "step", "entity_id": row["id"],
                               "issue_id": issue_id, "field": "state", "old": "open", "new": "na", "reason": "不适用"})
            elif closing or (done_on < today and rng.random() < 0.6):
                row |= {"state": "done", "completed_on": done_on}
                cursor = done_on
            elif rng.random() < 0.2:
                row |= {"marked_worse": True, "marked_worse_on": min(today, target_on), "worse_reason": "受阻"}
            steps.append(row)
        closed_on = min(today, cursor + timedelta(days=rng.randint(0, 3))) if closing else None
        if closing and rng.random() < 0.03 and closed_on > opened_on + timedelta(days=1):
            first_close = opened_on + timedelta(days=rng.randint(0, (closed_on - opened_on).days - 1))
            events.append({"at": datetime.combine(first_close, clock(12), tzinfo=timezone.utc), "entity": "issue",
                           "entity_id": issue_id, "issue_id": issue_id, "field": "closed_on",
                           "old": first_close.isoformat(), "new": None, "reason": "客户再次抱怨"})
        owner = rng.choice(people)
        issues.append({"id": issue_id, "number": f"QR-B-{issue_id:07d}", "description": f"基准问题 {issue_id}",
                       "category_id": rng.choice(categories), "area_id": rng.choice(areas), "part_number": "",
                       "severity": severity, "owner_id": owner, "lead_id": rng.choice(people),
                       "template_id": template_id, "opened_on": opened_on, "next_report_on": today,
                       "closed_on": closed_on, "version": 1, "created_at": moment, "updated_at": moment})
    with db.write_session() as session:
        session.execute(insert(Issue), issues)
        session.execute(insert(IssueStep), steps)
        session.execute(insert(AuditEvent), [{"actor_id": None, **e} for e in events])
        session.commit()


def timed(call, repeat: int) -> tuple[float, object]:
    """Median milliseconds of `repeat` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--closed", type=int, default=100_000, help="closed issues to seed (default 100000)")
    parser.add_argument("--open", type=int, default=2_000, help="open issues to seed (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (default 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["QR_DEMO"] = "0"
        from qr import db, rules, store, trend_reading, trends  # only now: they read the settings from the environment

        today = store.today()
        start = time.perf_counter()
        seed(args.closed, args.open, today, random.Random(2026))
        seed_s = time.perf_counter() - start
        settings = store.board_settings()
        period = trends.default_period(today)
        rule = rules.ColourRule(settings.colour_rule)
        everything = trends.TrendsFilter()
        offset_hours = settings.tz.utcoffset(datetime.now()).total_seconds() / 3600
        window = {"start": period.start, "on": period.on, "since": period.since,
                  "after_on": (period.on + timedelta(days=1)).toordinal() + 1721424,
                  "utc_offset": f"{offset_hours:+.0f} hours"}

        def read(call):
            return timed(call, args.repeat)

        issues_ms, issues = read(lambda: store.trends_issues(since=period.since))
        steps_ms, steps = read(lambda: store.trends_steps(since=period.since, on=period.on, rule=rule))
        history_ms, history = read(lambda: store.trends_history(since=period.since))
        completions_ms, completions = read(lambda: store.trends_completions(start=period.start, on=period.on))
        step_days_ms, step_days = read(lambda: store.trends_step_days(since=period.since, on=period.on,
                                                                       months=period.months, rule=rule))
        compute_ms, _ = read(lambda: trends.compute(issues, steps, history, period, everything, tz=settings.tz,
                                                    ladders=settings.escalation_ladders, completions=completions,
                                                    step_days=step_days, colour_rule=rule))
        page_ms, kpis = read(lambda: trend_reading.kpis(period, everything))

        def raw(statement: str):
            with db.read_session() as session:
                return session.execute(text(statement), window).all()

        month_sums = []
        for first in period.months:
            low = first.toordinal() + 1721424
            high = min((first + timedelta(days=32)).replace(day=1), period.on + timedelta(days=1)).toordinal() + 1721424
            month_sums += [f"sum(max(0, min(stopped, {high}) - max(red_from, {low})))",
                           f"sum(max(0, min(min(red_from, stopped), {high}) - max(opened, {low})))"]
        spans_sql = STEP_SPANS_SQL.format(sums=", ".join(month_sums))
        opened_closed_ms, opened_closed = read(lambda: raw(OPENED_CLOSED_SQL))
        days_ms, [days] = read(lambda: raw(spans_sql))
        on_time_ms, on_time = read(lambda: raw(ON_TIME_SQL))
        db.get_engine().dispose()

    weekly = kpis.opened_closed.set_index("week_start")
    opened_closed_agree = all(weekly.loc[date.fromisoformat(week), kind] == n for kind, week, n in opened_closed)
    days_agree = (kpis.days_red_yellow[["days_red", "days_yellow"]].to_numpy().ravel().tolist()
                  == [int(n) for n in days])
    by_week = kpis.on_time_by_week.set_index("week_start")
    on_time_agree = (sum(n for _, n, _ in on_time) == by_week["completed"].sum()
                     and all((by_week.loc[date.fromisoformat(w), "completed"], by_week.loc[date.fromisoformat(w),
                                                                                          "on_time"]) == (n, k)
                             for w, n, k in on_time))
    raw_ms = opened_closed_ms + days_ms + on_time_ms
    figures = [
        ("issues seeded, closed + open", f"{args.closed} + {args.open}"),
        ("seed time", f"{seed_s:.1f} s"),
        ("period", f"{trends.iso_week(period.start)}..{trends.iso_week(period.weeks[-1])}"),
        ("issues read (open or closed lately)", f"{len(issues)}"),
        ("steps read (running on the last day, or replayed)", f"{len(steps)}"),
        ("history events read", f"{len(history)}"),
        ("read issues", f"{issues_ms:.0f} ms"),
        ("read steps", f"{steps_ms:.0f} ms"),
        ("read history", f"{history_ms:.0f} ms"),
        ("database sum: step completions", f"{completions_ms:.0f} ms"),
        ("database sum: days red and yellow", f"{step_days_ms:.0f} ms"),
        ("compute every KPI (pandas)", f"{compute_ms:.0f} ms"),
        ("the page's KPIs, cold (reads + sums + compute)", f"{page_ms:.0f} ms"),
        ("raw SQL: opened and closed per week", f"{opened_closed_ms:.1f} ms"),
        ("raw SQL: days red and yellow per month", f"{days_ms:.0f} ms"),
        ("raw SQL: steps on time per week", f"{on_time_ms:.1f} ms"),
        ("ratio page / sum of the raw SQL (goal <= 2)", f"{page_ms / raw_ms:.2f}"),
        ("opened and closed agree with the raw SQL", "yes" if opened_closed_agree else "NO"),
        ("days red and yellow agree with the raw SQL", "yes" if days_agree else "NO"),
        ("steps on time agree with the raw SQL", "yes" if on_time_agree else "NO"),
    ]
    print_figures(f"median of {args.repeat} runs", figures)


if __name__ == "__main__":
    main()
