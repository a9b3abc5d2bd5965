"""Benchmark of the tracking board in Chromium: from navigation to the Nth board row in the page.

Seeds a fresh SQLite database (demo issues played through the store), starts the real app (its board public,
as on the projector PC) and a bare Streamlit page that shows the same rows as a plain st.html table (number,
description, owner, next report, one letter per step; no styles, no tooltips, no links), both served the same
way (`streamlit run`, the repository's .streamlit/config.toml) and both with their HTML cached on the server.
Each measurement opens a new page in Debian's Chromium and times navigation start → the Nth row attached;
the ratio board/bare says what the board's own markup, styles and page costs in the browser (goal ≤ 1.2). It also
prints each server's CPU time per page view and the board server's memory before and after the timed views.

    python bench/board_browser.py --issues 1000 --row 500 --repeat 5
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from figures import print_figures  # noqa: E402 -- bench/ is the script's own folder
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

BARE_PAGE = '''"""The board's rows as a bare table (bench/board_browser.py's yardstick)."""
from html import escape

import streamlit as st

from qr import store


@st.cache_data
def bare_table() -> str:
    frame = store.board_frame()
    codes = [column["code"] for column in store.step_columns()]
    rows = "".join(
        f'<tr data-issue="{escape(r["number"])}"><td>{r["overall"]}</td><td>{escape(r["number"])}</td>'
        f'<td>{escape(r["description"])}</td><td>{escape(r["owner"])}</td><td>{r["next_report_on"]}</td>'
        + "".join(f'<td>{r["steps"][code]["status"].value if code in r["steps"] else "-"}</td>' for code in codes)
        + "</tr>" for r in frame.to_dict("records"))
    return f"<table><tbody>{rows}</tbody></table>"


st.html(bare_table())
'''


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script: Path, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return process, url
        except OSError:
            time.sleep(0.3)
    process.terminate()
    sys.exit(f"streamlit did not start: {log.read_text()[-2000:]}")


def cpu_seconds(process: subprocess.Popen) -> float:
    """The server's user and system CPU time so far (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(process: subprocess.Popen) -> float:
    return int(Path(f"/proc/{process.pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def to_row(browser, url: str, row: int) -> float:
    """Milliseconds from navigation start to the `row`th board row in a new page's DOM."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=120_000)
        page.wait_for_function("n => document.querySelectorAll('tr[data-issue]').length >= n", arg=row,
                               timeout=120_000, polling="raf")
        return (time.perf_counter() - started) * 1000
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=1000, help="demo issues to seed (default 1000)")
    parser.add_argument("--row", type=int, default=500, help="the board row waited for (default 500)")
    parser.add_argument("--repeat", type=int, default=5, help="timed page loads per page (default 5)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}", "QR_DEMO": "0",
               "QR_PUBLIC_BOARD": "1", "PYTHONPATH": str(ROOT)}
        os.environ.update({name: env[name] for name in ("DATABASE_URL", "QR_DEMO", "QR_PUBLIC_BOARD")})
        from qr import db, demo, store  # only now: they read the settings from the environment

        started = time.perf_counter()
        db.upgrade()
        demo.load_demo(issues=args.issues)
        seed_s = time.perf_counter() - started
        rows = len(store.board_frame())
        db.get_engine().dispose()
        if rows < args.row:
            sys.exit(f"the board has {rows} rows, fewer than --row {args.row}: seed more --issues")
        bare_script = Path(tmp) / "bare_board.py"
        bare_script.write_text(BARE_PAGE)
        board, board_url = start(ROOT / "board.py", env, Path(tmp) / "board.log")
        bare, bare_url = start(bare_script, env, Path(tmp) / "bare.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for url in (board_url, bare_url):       # warm-up: each server's first run and its cached HTML
                    to_row(browser, url, args.row)
                times = {"board": [], "bare": []}
                cpu_before = {"board": cpu_seconds(board), "bare": cpu_seconds(bare)}
                memory_before = resident_mb(board)
                for _ in range(args.repeat):            # alternated, so a busy moment falls on both
                    times["board"].append(to_row(browser, board_url, args.row))
                    times["bare"].append(to_row(browser, bare_url, args.row))
                cpu_per_view = {name: (cpu_seconds(server) - cpu_before[name]) / args.repeat * 1000
                                for name, server in (("board", board), ("bare", bare))}
                memory_after = resident_mb(board)
                browser.close()
        finally:
            for process in (board, bare):
                process.terminate()
                process.wait(timeout=30)
    board_ms, bare_ms = statistics.median(times["board"]), statistics.median(times["bare"])
    figures = [
        ("issues seeded", f"{args.issues}"),
        ("board rows", f"{rows}"),
        ("seed time", f"{seed_s:.1f} s"),
        (f"board page: navigation to row {args.row}", f"{board_ms:.0f} ms"),
        (f"bare st.html table: navigation to row {args.row}", f"{bare_ms:.0f} ms"),
        ("ratio board/bare (goal <= 1.2)", f"{board_ms / bare_ms:.2f}"),
        ("server CPU per board page view", f"{cpu_per_view['board']:.0f} ms"),
        ("server CPU per bare page view", f"{cpu_per_view['bare']:.0f} ms"),
        (f"board server's memory before / after the {args.repeat} views", f"{memory_before:.0f} / {memory_after:.0f} MB"),
    ]
    print_figures(f"median of {args.repeat} page loads each", figures)


if __name__ == "__main__":
    main()
