"""Benchmark: many owners saving the same few issues at once, through the store, on SQLite or PostgreSQL.

Every save is a countermeasure written to a step of one of 20 issues with the version the writer last
read; the store applies it or refuses it as stale (someone saved first). Afterwards the benchmark checks
that nothing was lost: each issue's version moved once per applied save, every step holds the value of
the last save applied to it, and the audit trail holds exactly the applied saves. It prints applied,
refused-as-stale, lost, other errors (a "database is locked" reaching a user would count here) and the
p50 / p95 time of one save.

    python bench/concurrency.py --writers 50 --saves 2000                      # a new SQLite file
    python bench/concurrency.py --db postgresql+psycopg://user@host/emptydb --writers 50 --saves 2000
"""
import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import AuditEvent, Issue, IssueStep  # noqa: E402
from qr import db, store  # noqa: E402
from qr.defaults import install_defaults  # noqa: E402


def seed(issues: int, writers: int) -> tuple[list[str], list[int]]:
    """An area, one person (a facilitator) per writer, and `issues` issues under the standard template."""
    install_defaults()
    area = store.create_area(code="BENCH", name_zh="基准车间", name_en="Bench area")
    people = [store.create_person(name=f"员工{n}", area_id=area.id).id for n in range(writers)]
    for person_id in people:          # facilitators: each may save any of the issues
        store.create_account(actor_id=None, person_id=person_id, username=f"writer{person_id}", role="facilitator")
    refs = store.reference_lists()
    category = next(c for c in refs["categories"] if c.code == "complaint")
    template = next(t for t in refs["templates"] if t.code == "standard")
    today = store.today()
    made = [store.create_issue(actor_id=people[0], description=f"并发基准问题 {n}", category_id=category.id,
                               area_id=area.id, severity="A", owner_id=people[n % writers],
                               lead_id=people[0], opened_on=today, next_report_on=today,
                               template_id=template.id).number for n in range(issues)]
    return made, people


def run(numbers: list[str], people: list[int], saves: int) -> dict:
    """`len(people)` threads share `saves` attempts; each reads the issue as the update page does, saves,
    and records what the store answered (the time of one attempt includes that read)."""
    applied, refused, errors, seconds = [], [0], [], []
    lock, remaining = threading.Lock(), [saves]

    def writer(person: int, rng: random.Random) -> None:
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
                serial = remaining[0]
            text = f"对策 {serial} 由 {person}"
            started = time.perf_counter()
            try:
                detail = store.issue_detail(rng.choice(numbers))      # what the owner's page shows
                issue_id, version = detail.issue["id"], detail.issue["version"]
                step_id = rng.choice(detail.steps)["id"]
                saved = store.set_countermeasure(actor_id=person, step_id=step_id, countermeasure=text,
                                                 expected_version=version)
            except store.StaleVersion:
                outcome = "stale"
            except Exception as error:                 # noqa: BLE001 -- anything else reaching a user counts
                outcome = f"{type(error).__name__}: {error}"
            else:
                outcome = (issue_id, step_id, text, saved.version)
            elapsed = time.perf_counter() - started
            with lock:
                seconds.append(elapsed)
                if outcome == "stale":
                    refused[0] += 1
                elif isinstance(outcome, str):
                    errors.append(outcome)
                else:
                    applied.append(outcome)

    threads = [threading.Thread(target=writer, args=(person, random.Random(person))) for person in people]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"applied": applied, "stale": refused[0], "errors": errors, "seconds": seconds,
            "wall": time.perf_counter() - began}


def lost_updates(issue_ids: list[int], applied: list[tuple]) -> list[str]:
    """Every way the database could disagree with the saves the store said it applied."""
    problems = []
    by_issue = defaultdict(list)
    for issue_id, step_id, text, version in applied:
        by_issue[issue_id].append((version, step_id, text))
    with db.read_session() as session:
        for issue_id in issue_ids:
            saves = sorted(by_issue[issue_id])
            versions = [version for version, _, _ in saves]
            if versions != list(range(2, len(saves) + 2)):
                problems.append(f"issue {issue_id}: applied versions {versions[:5]}… are not 2..{len(saves) + 1}")
            final = session.get(Issue, issue_id).version
            if final != len(saves) + 1:
                problems.append(f"issue {issue_id}: version {final}, but {len(saves)} saves were applied")
            last_value = {step_id: text for _, step_id, text in saves}
            for step in session.exec(select(IssueStep).where(IssueStep.issue_id == issue_id)):
                if step.countermeasure != last_value.get(step.id, ""):
                    problems.append(f"step {step.id}: holds {step.countermeasure!r}, "
                                    f"last applied {last_value.get(step.id)!r}")
            trail = sorted(session.exec(select(AuditEvent.new).where(AuditEvent.issue_id == issue_id,
                                                                     AuditEvent.field == "countermeasure")))
            if trail != sorted(text for _, _, text in saves):
                problems.append(f"issue {issue_id}: {len(trail)} audit events for {len(saves)} applied saves")
    return problems


@contextmanager
def bench_database(url: str | None):
    """The store on `url` (an empty database) or on a new SQLite file, its schema made; None, after saying so,
    when the database already holds issues (a benchmark never writes into a real board)."""
    with tempfile.TemporaryDirectory() as scratch:
        url = url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        engine = db.make_engine(url)
        db.use_engine(engine)
        db.ensure_schema()
        try:
            if store.issue_count():
                print(f"{url}: the database holds issues; give the benchmark an empty one", file=sys.stderr)
                yield None
            else:
                yield engine
        finally:
            db.use_engine(None)
            engine.dispose()


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an empty database's URL (default: a new SQLite file)")
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--issues", type=int, default=20)
    args = parser.parse_args()
    with bench_database(args.db) as engine:
        if engine is None:
            return 2
        numbers, people = seed(args.issues, args.writers)
        outcome = run(numbers, people, args.saves)
        lost = lost_updates([store.issue_detail(number).issue["id"] for number in numbers], outcome["applied"])
    seconds = outcome["seconds"]
    print(f"database: {engine.dialect.name} ({engine.url.render_as_string(hide_password=True)})")
    print(f"writers: {args.writers}, issues: {args.issues}, saves attempted: {len(seconds)}")
    print(f"applied: {len(outcome['applied'])}")
    print(f"refused as stale: {outcome['stale']}")
    print(f"lost: {len(lost)}")
    for problem in lost[:10]:
        print(f"  {problem}")
    print(f"other errors: {len(outcome['errors'])}")
    for error in sorted(set(outcome["errors"]))[:10]:
        print(f"  {error}")
    print(f"save time p50: {percentile(seconds, 0.50) * 1000:.1f} ms, p95: {percentile(seconds, 0.95) * 1000:.1f} ms")
    print(f"wall time: {outcome['wall']:.1f} s ({len(seconds) / outcome['wall']:.0f} saves/s)")
    return 0 if not lost and not outcome["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
