"""Benchmark of the tracking board at a realistic size.

The projector board must stay fast at 500 issues. This seeds a fresh SQLite database
with demo issues played through the store, counts the SQL statements of one board query, and
times the server-side render of the real board page, cold (caches cleared, so the store query is
included) and warm (caches kept). As a yardstick it times a bare page that shows the same frame
with Streamlit's own st.table: the ratio board/bare shows what our HTML rendering costs compared
with Streamlit's table (it should be about 1).

    python bench/board.py --issues 500 --repeat 5
"""
import argparse
import gzip
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import streamlit as st
from sqlalchemy import event
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from figures import print_figures  # noqa: E402 -- bench/ is the script's own folder


def bare_page() -> None:
    """The same frame through Streamlit's own table (runs as an AppTest script, hence the imports)."""
    import streamlit as st

    from qr import store

    frame = store.board_frame()
    st.table(frame.assign(steps=frame["steps"].map(str)))


def markup_floor(board_html: str) -> tuple[int, int]:
    """Bytes and count of the board's rows cut to what no board can do without: the stable markup of docs/interfaces.md
    (data-issue, data-status, data-overall) around each row's visible text, with no class, style, link or tooltip
    and without the end tags HTML lets a table leave out. The raw HTML goal is measured against it."""
    rows = re.findall(r'<tr class="qr-row".*?</tr>', board_html, re.S)
    kept = ("data-issue", "data-status", "data-overall")
    floor = [re.sub(r"</?(?:a|div|span)\b[^>]*>|</t[dr]>", "",
                    re.sub(r' ([\w-]+)="[^"]*"', lambda a: a[0] if a[1] in kept else "", row)) for row in rows]
    return sum(len(row.encode()) for row in floor), len(floor)


def count_statements(engine, call) -> int:
    """How many statements the engine sends to the database while `call` runs."""
    statements = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def timed_runs(at: AppTest, repeat: int, *, cold: bool) -> list[float]:
    """Milliseconds per at.run(); cold runs clear st.cache_data and the shared board frame (st.cache_resource)
    first. Exits if a run raised."""
    from app_pages import _shared as ui       # main() imported it first, once the settings were in the environment
    times = []
    for _ in range(repeat):
        if cold:
            st.cache_data.clear()
            ui.board_frame.clear()
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        if at.exception:
            sys.exit(f"the page raised: {[e.value for e in at.exception]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=500, help="demo issues to seed (default 500)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    args = parser.parse_args()
    for noisy in ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(noisy).disabled = True  # st.cache_data.clear() outside a script run warns each time

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["QR_DEMO"] = "0"
        os.environ["QR_PUBLIC_BOARD"] = "1"   # the projector PC's board: read-only, nobody signed in
        from app_pages import _shared as ui   # only now: they read the settings from the environment
        from qr import db, demo, store, views

        start = time.perf_counter()
        db.upgrade()
        demo.load_demo(issues=args.issues)
        seed_s = time.perf_counter() - start
        statements = count_statements(db.get_engine(), store.board_frame)
        projector_html = views.render_board(store.board_frame(), store.step_columns(), "zh", projector=True)
        sent = len(ui.board_payload(projector_html))              # what the page's component is sent
        floor, rows = markup_floor(projector_html)

        board = AppTest.from_file(str(ROOT / "board.py"), default_timeout=120)
        timed_runs(board, 1, cold=False)  # warm-up: prepares the database, fills the caches
        if not any('<table class="qr-board">' in gzip.decompress(element.proto.bytes).decode()
                   for element in board.get("bidi_component")):
            sys.exit("the board page drew no board: nothing to measure")
        board_cold = statistics.median(timed_runs(board, args.repeat, cold=True))
        board_warm = statistics.median(timed_runs(board, args.repeat, cold=False))
        bare_at = AppTest.from_function(bare_page, default_timeout=120)
        timed_runs(bare_at, 1, cold=False)  # warm-up, as for the board: first-run costs are not the page's
        bare = statistics.median(timed_runs(bare_at, args.repeat, cold=True))
        db.get_engine().dispose()

    figures = [
        ("issues", f"{args.issues}"),
        ("seed time", f"{seed_s:.1f} s"),
        ("SQL statements per board query", f"{statements}"),
        ("board render (cold)", f"{board_cold:.1f} ms"),
        ("board render (warm)", f"{board_warm:.1f} ms"),
        ("bare st.table render", f"{bare:.1f} ms"),
        ("ratio board/bare (cold)", f"{board_cold / bare:.2f}"),
        ("ratio board/bare (warm)", f"{board_warm / bare:.2f}"),
        ("projector board HTML (goal <= 120 KB)", f"{len(projector_html.encode()) / 1024:.0f} KB"),
        ("  sent gzipped", f"{sent / 1024:.0f} KB"),
        (f"  floor: stable markup and text of its {rows} rows alone", f"{floor / 1024:.0f} KB"),
    ]
    print_figures(f"median of {args.repeat} runs", figures)


if __name__ == "__main__":
    main()
