"""Benchmark of the Excel import at a plant's size.

Builds a workbook shaped like a GM English board (the course's column names, letters and fills, a few statuses
and comments), then times on a fresh database: openpyxl's bare read of it (read_only=True, iterating every row,
the floor any import stands on); our read of the sheet and its mapping and parsing; the dry run (the plan, read
only); and the apply (the import command: names, issues, steps and audit events written). It prints each with
its ratio to the bare read. The goal is apply ≤ 3 × the bare read.

    python bench/import.py --rows 5000 [--repeat 3] [--db postgresql+psycopg://…/emptydb]
"""
import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["Item", "Date Opened", "Concern", "Part No.", "Resp.", "Lead", "Category", "Due", "Containment",
          "Root Cause", "Corrective Action", "Verification", "PFMEA", "Control Plan", "Standardized Work", "LPA",
          "Lessons Learned", "Status", "Closed Date", "Remarks"]
GREEN, YELLOW = PatternFill("solid", fgColor="00B050"), PatternFill("solid", fgColor="FFC000")


def workbook(rows: int, today: date) -> bytes:
    """A GM-style board: unnumbered rows, 40 owners, three sources, steps as letters or fills, some closed or
    cancelled with a remark."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "ASSY"
    sheet.append(["QRQC Board · Final assembly"])
    sheet.append(HEADER)
    start = today - timedelta(days=90)
    for n in range(rows):
        status = ("Cancelled", "Closed", "Open", "late")[n % 4] if n % 10 == 0 else "Open"
        sheet.append([None, start + timedelta(days=n % 60), f"Concern {n}: clip broken at station {n % 17}",
                      f"5310-{n % 100:04d}", f"Owner {n % 40}", "Sun Li", ("PRR", "GP12", "Customer complaint")[n % 3],
                      today + timedelta(days=n % 14), "G", "G" if n % 2 else "R", None, "Y", None, "N/A", None,
                      None, None, status, (start + timedelta(days=70)) if status in ("Closed", "Cancelled") else None,
                      "duplicate of an earlier concern" if status == "Cancelled" else None])
        row = sheet.max_row
        sheet.cell(row=row, column=11).fill = GREEN if n % 3 else YELLOW
        sheet.cell(row=row, column=13).fill = GREEN
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bare_read(content: bytes) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    for _ in sheet.iter_rows():
        pass


def timed(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each read and of the dry run (median)")
    parser.add_argument("--db", help="an empty database's URL (default: a new SQLite file)")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = args.db or f"sqlite:///{scratch.name}/bench.db"
    os.environ["QR_DEMO"] = "0"
    from qr import db, sheet_import, store
    from qr.defaults import install_defaults
    db.upgrade()
    install_defaults()
    columns = store.step_columns()
    content = workbook(args.rows, store.today())

    def read():
        return sheet_import.read_board(content, columns)

    bare = timed(lambda: bare_read(content), args.repeat)
    reading = timed(read, args.repeat)
    table, mapping, preview = read()
    assert not preview.errors, preview.errors[:5]
    dry = timed(lambda: store.plan_import(actor_id=None, issues=preview.issues), args.repeat)
    start = time.perf_counter()
    outcome = store.import_issues(actor_id=None, issues=preview.issues, source="bench.xlsx",
                                  mapping=sheet_import.mapping_json(table, mapping))
    apply = time.perf_counter() - start
    again = timed(lambda: store.plan_import(actor_id=None, issues=preview.issues), 1)
    print(f"{args.rows} rows, {len(content) / 1024:.0f} KB, {db.get_engine().dialect.name}; "
          f"{len(outcome.created)} issues created")
    print(f"openpyxl bare read (read_only, every row)  {bare:7.2f} s   1.0 ×")
    print(f"read, map and parse the sheet             {reading:7.2f} s  {reading / bare:4.1f} ×")
    print(f"dry run (plan, read-only)                 {dry:7.2f} s  {dry / bare:4.1f} ×")
    print(f"apply (import command, one transaction)   {apply:7.2f} s  {apply / bare:4.1f} ×   goal ≤ 3 ×")
    print(f"read + apply (the command line's import)  {reading + apply:7.2f} s  {(reading + apply) / bare:4.1f} ×")
    print(f"dry run again, every row already there    {again:7.2f} s  {again / bare:4.1f} ×")
    db.get_engine().dispose()


if __name__ == "__main__":
    main()
