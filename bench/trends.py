"""Benchmark of the trends KPIs on a large plant history.

Seeds a fresh SQLite database with `--issues` issues opened over the last year (bulk inserts: the store's
commands would take hours at this size), most of them closed, some reopened, steps done on time, late, N/A
or still open. Then it times every KPI of the trends page for the default 12 weeks (the three store reads
plus the pandas computation) against a yardstick: the raw SQL GROUP BY queries that count opened and
closed issues per week on the same data. The ratio says what the complete KPI set costs compared with the
simplest chart's bare SQL.

    python bench/trends.py --issues 100000 --repeat 3
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

OPENED_PER_WEEK_SQL = """
SELECT date(opened_on, 'weekday 0', '-6 days') AS week, count(*) FROM issue
WHERE opened_on BETWEEN :start AND :on GROUP BY week ORDER BY week"""
CLOSED_PER_WEEK_SQL = """
SELECT date(closed_on, 'weekday 0', '-6 days') AS week, count(*) FROM issue
WHERE closed_on BETWEEN :start AND :on GROUP BY week ORDER BY week"""


def seed(issue_count: int, today: date, rng: random.Random) -> None:
    """Areas, people and categories through the store; issues, steps and reopenings as bulk inserts."""
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
    for issue_id in range(1, issue_count + 1):
        opened_on = today - timedelta(days=int(365 * rng.random() ** 1.3))
        severity = rng.choice("AABBBC")
        template_id, template_steps = templates[severity]
        cursor, closed_on = opened_on, None
        for ts in template_steps:
            target_on = opened_on + timedelta(days=ts.guide_limit_days)
            done_on = max(cursor, target_on + timedelta(days=rng.randint(-5, 8)))
            row = {"id": len(steps) + 1, "issue_id": issue_id, "template_step_id": ts.id, "position": ts.position,
                   "target_on": target_on, "original_target_on": target_on,
                   "state": "open", "started_on": None, "completed_on": None, "marked_worse": False,
                   "marked_worse_on": None, "worse_reason": "", "na_reason": "", "countermeasure": ""}
            if ts.may_be_na and rng.random() < 0.1:
                row |= {"state": "na", "na_reason": "不适用"}
                events.append({"at": moment, "entity": "step", "entity_id": row["id"], "issue_id": issue_id,
                               "field": "state", "old": "open", "new": "na", "reason": "不适用"})
            elif done_on <= today:
                row |= {"state": "done", "completed_on": done_on}
                cursor = done_on
            elif rng.random() < 0.2:
                row |= {"marked_worse": True, "marked_worse_on": min(today, target_on), "worse_reason": "受阻"}
            steps.append(row)
        if all(s["state"] != "open" for s in steps[-len(template_steps):]):
            closed_on = min(today, cursor + timedelta(days=rng.randint(0, 3)))
            if rng.random() < 0.03 and closed_on > opened_on + timedelta(days=1):
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
    parser.add_argument("--issues", type=int, default=100_000, help="issues to seed (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (default 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["QR_DEMO"] = "0"
        from qr import db, store, trends  # only now: they read the settings from the environment

        today = store.today()
        start = time.perf_counter()
        seed(args.issues, today, random.Random(2026))
        seed_s = time.perf_counter() - start
        settings = store.board_settings()
        period = trends.default_period(today)

        def read_frames():
            since = period.since
            return store.trends_issues(since=since), store.trends_steps(since=since), store.trends_history(since=since)

        def all_kpis():
            return trends.compute(*read_frames(), period, trends.TrendsFilter(), tz=settings.tz,
                                  ladders=settings.escalation_ladders)

        def raw_sql():
            with db.read_session() as session:
                window = {"start": period.start, "on": period.on}
                return (session.execute(text(OPENED_PER_WEEK_SQL), window).all(),
                        session.execute(text(CLOSED_PER_WEEK_SQL), window).all())

        read_ms, frames = timed(read_frames, args.repeat)
        compute_ms, _ = timed(lambda: trends.compute(*frames, period, trends.TrendsFilter(), tz=settings.tz,
                                                     ladders=settings.escalation_ladders), args.repeat)
        kpis_ms, kpis = timed(all_kpis, args.repeat)
        sql_ms, (opened_sql, closed_sql) = timed(raw_sql, args.repeat)
        by_week = kpis.opened_closed.set_index("week_start")
        opened_agree = all(by_week.loc[date.fromisoformat(w), "opened"] == n for w, n in opened_sql)
        db.get_engine().dispose()

    figures = [
        ("issues seeded", f"{args.issues}"),
        ("issues read (open or closed lately)", f"{len(frames[0])}"),
        ("steps read", f"{len(frames[1])}"),
        ("history events read", f"{len(frames[2])}"),
        ("seed time", f"{seed_s:.1f} s"),
        ("period", f"{trends.iso_week(period.start)}..{trends.iso_week(period.weeks[-1])}"),
        ("read the 3 trends frames", f"{read_ms:.0f} ms"),
        ("compute all KPIs (pandas)", f"{compute_ms:.0f} ms"),
        ("all KPIs, read + compute", f"{kpis_ms:.0f} ms"),
        ("raw SQL opened+closed per week", f"{sql_ms:.1f} ms"),
        ("ratio all KPIs / raw SQL", f"{kpis_ms / sql_ms:.1f}"),
        ("opened per week agrees with SQL", "yes" if opened_agree else "NO"),
    ]
    print_figures(f"median of {args.repeat} runs", figures)


if __name__ == "__main__":
    main()
