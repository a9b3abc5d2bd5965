"""Benchmark: does a save get slower as the audit trail grows?

An owner's save as the update page makes it: the page's cache key (the change counter), the issue as the page
shows it (fields, steps, history), then the countermeasure written with the version read. Timed `--saves` times
on a small plant with an empty audit trail, then again after `--events` older events (a plant's years of
history, bulk-inserted: people, meetings and closed issues' changes, no open issue's) are added. Prints p50 and
p95 of both and their ratio (goal: p95 with 2 million events <= 1.2x with none), and the change counter alone.

    python bench/audit.py --events 2000000 --saves 300
    python bench/audit.py --db postgresql+psycopg://user@host/emptydb
"""
import argparse
import itertools
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.concurrency import bench_database, percentile, seed  # noqa: E402
from models import AuditEvent  # noqa: E402
from qr import db, store  # noqa: E402

CHUNK = 50_000
SERIAL = itertools.count()          # every save writes a new text: an unchanged one is refused
ENTITIES = ("person", "meeting", "config", "area")


def timed_saves(numbers: list[str], person: int, saves: int, rng: random.Random) -> tuple[list[float], list[float]]:
    """Seconds of each whole save (counter, read, write) and of the change counter alone."""
    whole, counter = [], []
    for _ in range(saves):
        serial = next(SERIAL)
        started = time.perf_counter()
        store.change_counter()
        counted = time.perf_counter()
        detail = store.issue_detail(rng.choice(numbers))
        step_id = rng.choice(detail.steps)["id"]
        store.set_countermeasure(actor_id=person, step_id=step_id, countermeasure=f"对策 {serial}",
                                 expected_version=detail.issue["version"])
        whole.append(time.perf_counter() - started)
        counter.append(counted - started)
    return whole, counter


def count_everything() -> float:
    """Seconds to count the whole trail, as the change counter did before it read the newest ids only."""
    started = time.perf_counter()
    with db.read_session() as session:
        session.execute(select(func.count(AuditEvent.id))).one()
    return time.perf_counter() - started


def add_history(events: int, rng: random.Random) -> float:
    """`events` audit events over the last three years, none on an open issue; seconds it took."""
    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    with db.write_session() as session:
        for first in range(0, events, CHUNK):
            session.execute(insert(AuditEvent), [
                {"at": now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60)), "actor_id": None,
                 "entity": rng.choice(ENTITIES), "entity_id": rng.randint(1, 5000), "issue_id": None,
                 "field": "name", "old": "旧值", "new": "新值", "reason": ""}
                for _ in range(min(CHUNK, events - first))])
        session.commit()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an empty database's URL (default: a new SQLite file)")
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(2026)
    with bench_database(args.db) as engine:
        if engine is None:
            return 2
        numbers, people = seed(20, 1)
        timed_saves(numbers, people[0], 20, rng)                       # warm-up
        empty, empty_counter = timed_saves(numbers, people[0], args.saves, rng)
        seeding = add_history(args.events, rng)
        grown, grown_counter = timed_saves(numbers, people[0], args.saves, rng)
        whole_count = statistics.median(count_everything() for _ in range(5))
    ms = 1000
    print(f"database: {engine.dialect.name}; {args.saves} saves each; {args.events:,} events added in {seeding:.0f} s")
    print(f"{'':34}{'empty trail':>14}{'grown trail':>14}{'ratio':>8}")
    for name, before, after in [("save p50", statistics.median(empty), statistics.median(grown)),
                                ("save p95 (goal ratio <= 1.2)", percentile(empty, 0.95), percentile(grown, 0.95)),
                                ("change counter p50", statistics.median(empty_counter),
                                 statistics.median(grown_counter))]:
        print(f"{name:34}{before * ms:>11.2f} ms{after * ms:>11.2f} ms{after / before:>8.2f}")
    print(f"{'counting the whole trail (before)':34}{'':14}{whole_count * ms:>11.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
