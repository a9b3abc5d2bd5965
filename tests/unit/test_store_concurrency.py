"""Many people saving at once through the store, on a real SQLite file in WAL mode.

Every save is either applied (and in the audit trail) or refused as stale; none is lost, the audit trail
agrees with the final state, and issue numbers stay unique and consecutive under concurrent creates.
A "database is locked" error reaching a caller fails the test: the store promises it never does.
"""
import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import event as sqlalchemy_event
from sqlmodel import select

from models import AuditEvent, Issue, IssueStep
from qr import db, store
from tests.conftest import plant_moment

OPENED = date(2026, 3, 2)
TODAY = date(2026, 3, 12)
THREADS = 20
SAVES = 500                 # in all, over the threads
ISSUES = 5
CREATES_PER_THREAD = 10


def _together(work, threads: int = THREADS) -> list:
    """Run work(thread) on that many threads released at the same moment; the results in thread order.

    An exception in any thread (a "database is locked" among them) is raised here."""
    start = threading.Barrier(threads, timeout=60)

    def run(thread: int):
        start.wait()
        return work(thread)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, thread) for thread in range(threads)]
        return [future.result(timeout=300) for future in futures]


def test_concurrent_saves_are_applied_or_refused_and_none_is_lost(plant, open_issue):
    issues = [open_issue(OPENED, next_report_on=TODAY) for _ in range(ISSUES)]
    actors = [plant["owner"].id, plant["lead"].id]

    def save(thread: int) -> list[dict]:
        """Load an issue as the page does, then save a countermeasure with the version it was loaded at."""
        rng, outcomes = random.Random(thread), []
        for n in range(SAVES // THREADS):
            issue = rng.choice(issues)
            loaded = store.issue_detail(issue.number, on=TODAY)
            step = rng.choice(loaded.steps)
            text = f"对策 t{thread:02d}-{n:03d}"
            outcome = dict(issue=issue.id, step=step["id"], text=text, loaded=loaded.issue["version"])
            try:
                saved = store.set_countermeasure(actor_id=actors[thread % 2], step_id=step["id"], countermeasure=text,
                                                 expected_version=loaded.issue["version"],
                                                 now=plant_moment(TODAY, 8 + thread % 10))
            except store.StaleVersion:
                outcomes.append(dict(outcome, applied=False))
            else:
                outcomes.append(dict(outcome, applied=True, version=saved.version))
        return outcomes

    outcomes = [o for per_thread in _together(save) for o in per_thread]
    applied = [o for o in outcomes if o["applied"]]
    refused = [o for o in outcomes if not o["applied"]]
    assert len(outcomes) == len(applied) + len(refused) == SAVES
    assert applied and refused, f"{len(applied)} applied, {len(refused)} refused: the saves did not contend"

    with db.read_session() as session:
        final = {i.id: i.version for i in session.exec(select(Issue)).all()}
        countermeasures = {s.id: s.countermeasure for s in session.exec(select(IssueStep)).all()}
        events = session.exec(select(AuditEvent).where(AuditEvent.field == "countermeasure")
                              .order_by(AuditEvent.id)).all()

    for issue in issues:
        mine = sorted(o["version"] for o in applied if o["issue"] == issue.id)
        # each applied save claimed the next version exactly once: none overwrote another
        assert mine == list(range(issue.version + 1, issue.version + 1 + len(mine)))
        assert final[issue.id] == issue.version + len(mine)
        assert all(o["loaded"] == o["version"] - 1 for o in applied if o["issue"] == issue.id)

    # the audit trail holds every applied text once, no refused text, and nothing else
    assert Counter(e.new for e in events) == Counter(o["text"] for o in applied)
    assert not {o["text"] for o in refused} & {e.new for e in events}
    by_text = {o["text"]: o for o in applied}
    assert all((e.entity_id, e.issue_id) == (by_text[e.new]["step"], by_text[e.new]["issue"]) for e in events)

    # per issue, the audit trail's order is the order of the versions the saves claimed
    trail = defaultdict(list)
    for e in events:
        trail[e.issue_id].append(by_text[e.new]["version"])
    assert all(versions == sorted(versions) for versions in trail.values())

    # each step holds what its last audited save wrote; the old value of each event is the one before it
    last: dict[int, str] = {}
    for e in events:
        assert e.old == last.get(e.entity_id, "")
        last[e.entity_id] = e.new
    steps = {o["step"] for o in outcomes}
    assert {step: countermeasures[step] for step in steps} == {step: last.get(step, "") for step in steps}


def test_concurrent_creates_get_unique_consecutive_numbers(plant):
    def create(thread: int) -> list[str]:
        return [store.create_issue(
            actor_id=plant["owner"].id, description=f"并发开单 t{thread:02d}-{n}",
            category_id=plant["categories"]["gp12"].id, area_id=plant["area"].id, severity="B",
            owner_id=plant["owner"].id, lead_id=plant["lead"].id, opened_on=TODAY, next_report_on=TODAY,
            template_id=plant["templates"]["minor"].id, now=plant_moment(TODAY)).number
            for n in range(CREATES_PER_THREAD)]

    numbers = [number for per_thread in _together(create) for number in per_thread]
    total = THREADS * CREATES_PER_THREAD
    assert sorted(numbers) == [f"QR-2026-{n:04d}" for n in range(1, total + 1)]
    assert store.issue_count() == total
    assert sorted(number for number, _description in store.issue_numbers()) == sorted(numbers)
    with db.read_session() as session:
        created = session.exec(select(AuditEvent.new).where(AuditEvent.field == "created",
                                                            AuditEvent.entity == "issue")).all()
    assert sorted(created) == sorted(numbers)


def test_a_new_issue_takes_its_number_after_its_steps_clocks_and_targets(plant):
    """The year's counter row is locked from the number's UPDATE to commit: only the issue's own number, its
    audit line and its notices are written after it, never the steps, so writers opening issues at once wait
    briefly."""
    writes: list[str] = []      # "INSERT issuestep", "UPDATE issuesequence", ...

    def record(_conn, _cursor, statement, *_rest):
        words = statement.split()
        if words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(f'{words[0].upper()} {words[1 if words[0].upper() == "UPDATE" else 2].strip(chr(34))}')

    engine = db.get_engine()
    sqlalchemy_event.listen(engine, "before_cursor_execute", record)
    try:
        issue = store.create_issue(
            actor_id=plant["owner"].id, description="编号在提交前才取", category_id=plant["categories"]["gp12"].id,
            area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
            opened_on=TODAY, next_report_on=TODAY, template_id=plant["templates"]["minor"].id,
            target_changes={1: (date(2026, 3, 20), "客户要求")}, now=plant_moment(TODAY))
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", record)
    assert issue.number == "QR-2026-0001"
    taken = writes.index("UPDATE issuesequence")
    assert {"INSERT issue", "INSERT issuestep", "INSERT auditevent"} <= set(writes[:taken])
    assert set(writes[taken + 1:]) <= {"UPDATE issue", "UPDATE auditevent", "INSERT outboxmessage"}, writes[taken + 1:]
    with db.read_session() as session:
        created = session.exec(select(AuditEvent.new).where(AuditEvent.field == "created",
                                                            AuditEvent.issue_id == issue.id)).one()
    assert created == issue.number
