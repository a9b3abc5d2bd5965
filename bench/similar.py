"""Benchmark: how long does proposing similar past issues take on a large plant?

`--issues` past issues (bulk-inserted: descriptions made of real defect phrases in Chinese and English, part
numbers from a few hundred families, spread over the default categories), then `--queries` new issues, each asking
`store.similar_issues` for its proposals. Prints p50 and p95 of the proposal against the bare indexed read of the
same table it starts from (the past issues of the new issue's category family, newest first, no scoring) and
their ratio (goal: proposal p50 <= 5x the bare read), and the index lookup by part number alone.

    python bench/similar.py --issues 100000
    python bench/similar.py --db postgresql+psycopg://user@host/emptydb
"""
import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.concurrency import bench_database, percentile  # noqa: E402
from models import Category, Issue  # noqa: E402
from qr import db, similar, store  # noqa: E402
from qr.defaults import install_defaults  # noqa: E402

CHUNK = 20_000
PARTS_ZH = ["后保险杠支架", "前门内饰板", "仪表板", "前围板", "发动机舱线束", "侧围外板", "后地板", "座椅安装支架",
            "天窗排水管", "翼子板", "外后视镜", "玻璃升降器", "加强板", "顶盖外板", "密封条"]
DEFECTS_ZH = ["焊点虚焊", "卡扣断裂", "异响", "毛刺超差", "插头未插到位", "开裂", "间距超差", "扭矩偏低", "脱落漏水",
              "间隙超差", "装配松动", "电机异响", "孔位偏移", "划伤", "翘起"]
WHERE_ZH = ["客户入厂检验检出", "0公里退回", "市场反馈", "GP12检出", "验证岗位检出", "PDI检出"]
PARTS_EN = ["bracket", "door trim", "dashboard", "wiring harness", "fender", "mirror", "window regulator", "roof panel"]
DEFECTS_EN = ["weld porosity", "broken clip", "rattle", "burr out of tolerance", "connector not seated", "crack",
              "low torque", "gap out of tolerance", "scratch", "loose assembly"]


def description(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return f"{rng.choice(PARTS_ZH)}{rng.choice(DEFECTS_ZH)}，{rng.choice(WHERE_ZH)}{rng.randint(1, 30)}件"
    return f"{rng.choice(DEFECTS_EN).capitalize()} on {rng.choice(PARTS_EN)}, {rng.randint(1, 30)} found at customer"


def part_number(rng: random.Random) -> str:
    return f"{rng.randint(5100, 5400)}-{rng.randint(0, 9999):04d}"


def add_past_issues(count: int, rng: random.Random) -> tuple[float, int, int, int]:
    """`count` issues over the last five years, most closed: seconds it took, and the area, person and template."""
    install_defaults()
    area = store.create_area(code="BENCH", name_zh="基准车间", name_en="Bench area")
    person = store.create_person(name="基准员工", area_id=area.id)
    refs = store.reference_lists()
    categories = [c.id for c in refs["categories"]]
    template = next(t for t in refs["templates"] if t.code == "standard")
    now, today = datetime.now(timezone.utc), store.today()
    started = time.perf_counter()
    with db.write_session() as session:
        for first in range(0, count, CHUNK):
            rows = []
            for n in range(first, min(first + CHUNK, count)):
                opened = today - timedelta(days=rng.randint(30, 5 * 365))
                text = description(rng)
                rows.append({"number": f"QR-{opened.year}-B{n:06d}", "description": text,
                             "similarity_key": similar.signature(text),
                             "category_id": rng.choice(categories), "area_id": area.id,
                             "part_number": part_number(rng), "severity": rng.choice("ABC"), "owner_id": person.id,
                             "lead_id": person.id, "template_id": template.id, "opened_on": opened,
                             "closed_on": opened + timedelta(days=rng.randint(5, 25)) if rng.random() < 0.95 else None,
                             "cancelled": False, "on_board": True, "escalated_level": 0, "repeat_checked": True,
                             "version": 1, "created_at": now, "updated_at": now})
            session.execute(insert(Issue), rows)
        session.commit()
    return time.perf_counter() - started, area.id, person.id, template.id


def bare_read(issue: Issue) -> float:
    """The indexed read a proposal starts from, with no similarity: its category family's past issues' keys."""
    started = time.perf_counter()
    with db.read_session() as session:
        category = session.get(Category, issue.category_id)
        top = category.parent_id or category.id
        family = Issue.category_id.in_(select(Category.id).where((Category.id == top) | (Category.parent_id == top)))
        session.exec(select(Issue.id, Issue.similarity_key).where(Issue.id < issue.id, ~Issue.cancelled, family)
                     .order_by(Issue.id.desc()).limit(store.CANDIDATES_READ)).all()
    return time.perf_counter() - started


def part_lookup(issue: Issue) -> float:
    started = time.perf_counter()
    with db.read_session() as session:
        session.exec(select(Issue.id).where(Issue.part_number == issue.part_number)).all()
    return time.perf_counter() - started


def proposal(issue: Issue) -> float:
    started = time.perf_counter()
    store.similar_issues(issue.id)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an empty database's URL (default: a new SQLite file)")
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(2026)
    with bench_database(args.db) as engine:
        if engine is None:
            return 2
        seconds, area_id, person_id, template_id = add_past_issues(args.issues, rng)
        categories = [c.id for c in store.reference_lists()["categories"]]
        new = [store.create_issue(actor_id=None, description=description(rng), category_id=rng.choice(categories),
                                  area_id=area_id, severity="B", owner_id=person_id, lead_id=person_id,
                                  opened_on=store.today(), next_report_on=store.today(), template_id=template_id,
                                  part_number=part_number(rng)) for _ in range(args.queries)]
        for issue in new[:3]:                                          # warm-up
            proposal(issue), bare_read(issue)
        proposals = [proposal(issue) for issue in new]
        bare = [bare_read(issue) for issue in new]
        lookups = [part_lookup(issue) for issue in new]
        found = statistics.mean(len(store.similar_issues(issue.id)) for issue in new)
    ms = 1000
    print(f"database: {engine.dialect.name}; {args.issues:,} past issues added in {seconds:.0f} s; "
          f"{args.queries} new issues, {found:.1f} proposals each on average")
    print(f"{'':40}{'p50':>12}{'p95':>12}")
    for name, values in (("proposal (similar_issues)", proposals), ("bare indexed read of the family", bare),
                         ("index lookup by part number", lookups)):
        print(f"{name:40}{statistics.median(values) * ms:>9.2f} ms{percentile(values, 0.95) * ms:>9.2f} ms")
    print(f"ratio proposal / bare read, p50 (goal <= 5): {statistics.median(proposals) / statistics.median(bare):.2f}; "
          f"p95: {percentile(proposals, 0.95) / percentile(bare, 0.95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
