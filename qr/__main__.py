"""Command line: python -m qr init-db | demo | import | export | backup [--force] | restore [--force] | minutes |
report | create-admin | notify | print | display-token create|revoke NAME.
Exit 0 on success, 2 on bad input (reasons on stderr)."""
import argparse
import logging
import getpass
import json
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from qr import (customer_kpis, db, demo, excel, logs, minutes, notifier, printed_board, report, sheet_import, store,
                trend_reading, trends)
from qr.board import BoardFilter, filter_board, sort_board
from qr.config import load_settings
from qr.defaults import install_defaults
from qr.i18n import error_message, t


class BadInput(Exception):
    """A reason the command cannot do what was asked; main() prints it and exits 2."""


def _init_db(_args) -> int:
    with db.setup_lock():
        db.upgrade()
        install_defaults()
    print("schema up to date; default templates and categories in place")
    return 0


def _demo(args) -> int:
    with db.setup_lock():
        db.ensure_schema()
        if store.issue_count() > 0:
            raise BadInput("the database already holds issues; demo data goes only into an empty board")
        demo.load_demo(issues=args.issues)
    print(f"demo data loaded: {store.issue_count()} issues")
    return 0


def _area(code_or_name: str):
    areas = store.reference_lists()["areas"]
    area = next((a for a in areas if code_or_name in (a.code, a.name_zh, a.name_en)), None)
    if area is None:
        known = ", ".join(f"{a.code} ({a.name_zh})" for a in areas) or "none"
        raise BadInput(f"no area {code_or_name!r}; known areas: {known}")
    return area


def _minutes(args) -> int:
    try:
        held_on = date.fromisoformat(args.date)
    except ValueError:
        raise BadInput(f"{args.date!r} is not a date: write it as YYYY-MM-DD") from None
    db.ensure_schema()
    area = _area(args.area)
    out = Path(args.out or f"minutes-{area.code}-{held_on.isoformat()}.pdf")
    writers = {".pdf": minutes.minutes_pdf, ".xlsx": minutes.minutes_workbook}
    if out.suffix.lower() not in writers:
        raise BadInput(f"{out}: the minutes are a PDF or an Excel workbook, name it *.pdf or *.xlsx")
    held = store.meeting_on(area.id, held_on)
    if held is None:
        raise BadInput(f"no meeting of {area.code} on {held_on.isoformat()}")
    content = writers[out.suffix.lower()](store.meeting_minutes(held["id"]), args.lang)
    try:
        out.write_bytes(content)
    except OSError as problem:
        raise BadInput(f"{out}: {problem.strerror}") from problem
    print(f"minutes of {area.code} {held_on.isoformat()} written to {out}")
    return 0


def _export(args) -> int:
    if Path(args.file).suffix.lower() != ".xlsx":
        raise BadInput(f"{args.file}: the export is an Excel workbook, name it *.xlsx")
    db.ensure_schema()
    area = _area(args.area) if args.area is not None else None
    on = store.today()
    frame = store.board_frame(on=on, include_closed=True, with_list=True) if args.include_closed else \
        store.board_frame(on=on)
    frame = sort_board(filter_board(frame, BoardFilter(area_id=area.id if area else None)))
    content = excel.export_board(frame, store.step_columns(), args.lang, on=on, area=area)
    try:
        Path(args.file).write_bytes(content)
    except OSError as problem:
        raise BadInput(f"{args.file}: {problem.strerror}") from problem
    print(f"{len(frame)} issues written to {args.file}")
    return 0


def _print(args) -> int:
    """The area's board as an A3 landscape PDF with a QR code per row (QR_PUBLIC_URL starts the links)."""
    if Path(args.out).suffix.lower() != ".pdf":
        raise BadInput(f"{args.out}: the printed board is a PDF, name it *.pdf")
    db.ensure_schema()
    area = _area(args.area)
    on, settings = store.today(), load_settings()
    frame = sort_board(filter_board(store.board_frame(on=on), BoardFilter(area_id=area.id)))
    content = printed_board.board_pdf(frame, store.step_columns(), args.lang, on=on, area=area,
                                      public_url=settings.public_url,
                                      printed_at=store.now().astimezone(settings.tz))
    try:
        Path(args.out).write_bytes(content)
    except OSError as problem:
        raise BadInput(f"{args.out}: {problem.strerror}") from problem
    print(f"{len(frame)} issues of {area.code} printed to {args.out}")
    return 0


def _refusal(problem: sheet_import.SheetRefused, file: str) -> BadInput:
    return BadInput(f"{file}: {t(problem.key, 'en', **problem.values)}")


def _given_mapping(file: str | None, table: sheet_import.SheetTable, columns: list[dict]) -> dict | None:
    """The mapping to use: the file given, else the one saved by the last import of this header, else none."""
    if file is None:
        return store.saved_mapping(table.shape)
    try:
        return sheet_import.checked_mapping(json.loads(Path(file).read_text(encoding="utf-8")), columns)
    except OSError as problem:
        raise BadInput(f"{file}: {problem.strerror}") from problem
    except ValueError as problem:
        raise BadInput(f"{file}: not a JSON file ({problem})") from problem
    except sheet_import.SheetRefused as problem:
        raise _refusal(problem, file) from problem


def _import(args) -> int:
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as problem:
        raise BadInput(f"{args.file}: {problem.strerror}") from problem
    with db.setup_lock():
        db.ensure_schema()
        install_defaults()
    columns = store.step_columns()
    try:
        sheet_import.check_size(content, load_settings().max_import_mb)
        table = sheet_import.read_table(content, columns, sheet=args.sheet)
    except sheet_import.SheetRefused as problem:
        raise _refusal(problem, args.file) from problem
    mapping = sheet_import.propose(table, columns, _given_mapping(args.mapping, table, columns))
    if args.save_mapping:
        try:
            Path(args.save_mapping).write_text(json.dumps(sheet_import.mapping_json(table, mapping), ensure_ascii=False,
                                                          indent=2), encoding="utf-8")
        except OSError as problem:
            raise BadInput(f"{args.save_mapping}: {problem.strerror}") from problem
    preview = sheet_import.parse(table, mapping)
    if args.dry_run:                                     # the preview: what each column becomes
        for column in table.columns:
            target = sheet_import.target_label(mapping.columns[column.index], columns, "en")
            print(f"sheet {table.sheet}, column {column.letter} “{column.header}”: {target}")
    for column in preview.ignored:
        print(f"sheet {table.sheet}, column {column.letter} “{column.header}”: ignored", file=sys.stderr)
    try:
        counts, new_names, without_customer = _import_rows(args, table, mapping, columns, preview)
    except store.ImportRefused as refusal:
        for error in refusal.problems:
            where = "cells" if ":" in error.cell else "cell"
            print(f"sheet {error.sheet}, {where} {error.cell}: {sheet_import.problem_message(error, 'en')}",
                  file=sys.stderr)
        raise BadInput(f"nothing imported: {len(refusal.problems)} cells to correct") from refusal
    verb = "would be" if args.dry_run else "were"
    print(f"{counts[0]} issues {verb} created, {counts[1]} updated, {counts[2]} unchanged")
    for kind, names in new_names.items():
        if names:
            print(f"new {kind}: {', '.join(names)}")
    if without_customer:
        print(f"sheet {table.sheet}: {sheet_import.without_customer_message(without_customer, 'en')}", file=sys.stderr)
    return 0


def _import_rows(args, table, mapping, columns, preview) -> tuple[list[int], dict[str, list[str]], list[int]]:
    """The dry run (read-only) or the import (saving the mapping when a person changed it): created, updated and
    kept counts, the names created and the rows of complaints left without a customer; ImportRefused names the
    cells to correct."""
    if preview.errors:
        raise store.ImportRefused(preview.errors)
    if args.dry_run:
        plan = store.plan_import(actor_id=None, issues=preview.issues)
        if plan.errors:
            raise store.ImportRefused(plan.errors)
        return [plan.count("create"), plan.count("update"), plan.count("keep")], plan.new_names, plan.without_customer
    saving = sheet_import.worth_saving(table, mapping, columns, store.saved_mapping(table.shape))
    outcome = store.import_issues(actor_id=None, issues=preview.issues,
                                  source=f"imported from {Path(args.file).name}, sheet {table.sheet}",
                                  mapping=sheet_import.mapping_json(table, mapping) if saving else None)
    return ([len(outcome.created), len(outcome.updated), len(outcome.unchanged)], outcome.new_names,
            outcome.without_customer)


@contextmanager
def _backup_file(file: str):
    """Backup and restore refuse for the same reasons; either way the message names the file."""
    try:
        yield Path(file)
    except db.BackupRefused as problem:
        raise BadInput(f"{file}: {problem}") from problem


def _backup(args) -> int:
    with _backup_file(args.file) as path:
        db.backup_to(path, force=args.force, pg_dump=args.format == "pg_dump")
    print(f"backup written to {args.file} ({Path(args.file).stat().st_size} bytes)")
    return 0


def _restore(args) -> int:
    with _backup_file(args.file) as path:
        db.restore_from(path, force=args.force)
    print(f"restored from {args.file}: {store.issue_count()} issues")
    return 0


def _pack_folder(path: str) -> Path:
    """The folder a pack goes into, made before the pack is computed: a wrong path fails at once."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise BadInput(f"{path}: {problem.strerror}") from problem
    return out


def _write_pack(out: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    for name, content in files.items():
        (out / name).write_bytes(content)
    return files


def _report(args) -> int:
    if args.month:
        return _month_report(args)
    try:
        period = trends.report_period(args.week, store.today())
    except ValueError as problem:
        raise BadInput(f"--week {problem}") from problem
    if period.on < period.weeks[-1]:
        raise BadInput(f"--week {args.week} has not started yet (today is {store.today()})")
    out = _pack_folder(args.out)
    db.ensure_schema()
    kpis = trend_reading.kpis(period, trends.TrendsFilter())
    files = _write_pack(out, report.pack_files(kpis, args.lang))
    print(f"weekly pack {args.week} ({report.period_label(kpis, 'en')}): {len(files)} files written to {out}")
    return 0


def _month_report(args) -> int:
    """The customers' monthly pack: complaints, valid share, PPM, clocks and satisfaction per customer; suppliers."""
    try:
        month = customer_kpis.parse_month(args.month)
    except ValueError as problem:
        raise BadInput(f"--month {problem}") from problem
    if month > store.today():
        raise BadInput(f"--month {args.month} has not started yet (today is {store.today()})")
    out = _pack_folder(args.out)
    db.ensure_schema()
    kpis = customer_kpis.compute(**store.customer_month_inputs(month), month=month, now=store.now())
    files = _write_pack(out, report.month_pack_files(kpis, args.lang))
    print(f"monthly customer pack {args.month}: {len(files)} files written to {out}")
    return 0


def _create_admin(args) -> int:
    """The first administrator of a site: there are no default production credentials."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("password again: ") != password:
            raise BadInput("the two passwords differ")
    db.ensure_schema()
    store.create_admin(username=args.username, name=args.name, email=args.email, password=password)
    print(f"administrator {args.username.strip().lower()} created")
    return 0


def _notify(args) -> int:
    """Send the notices that are due: once (cron, a systemd timer), every N seconds (a service), or the owners'
    digests now."""
    if args.every is not None and args.every < 1:
        raise BadInput("--every needs a number of seconds, at least 1")
    db.ensure_schema()
    if args.every is not None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        notifier.run_every(args.every)
        return 0
    outcome = notifier.digests_now() if args.digest_now else notifier.run_once()
    print(f"{outcome.written} notices written, {outcome.sent} sent, {outcome.failed} failed")
    return 0


def _display_token(args) -> int:
    """A TV's display token: created (printed once, the database keeps only its hash) or revoked."""
    db.ensure_schema()
    if args.action == "create":
        token = store.create_display_token(actor_id=None, name=args.name)
        settings = load_settings()
        print(f"display token {args.name.strip()!r} created; it is shown only this once:")
        print(token)
        print(f"open {settings.public_url}/?view=tv&areas=AREA1,AREA2&seconds=30&token={token}")
        return 0
    store.revoke_display_token(actor_id=None, name=args.name)
    print(f"display token {args.name.strip()!r} revoked; its screen stops at its next refresh")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qr", description="QR Board command line")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("init-db", help="create or upgrade the schema (Alembic) and the default configuration")
    demo_parser = verbs.add_parser("demo", help="load realistic demo data into an empty database")
    demo_parser.add_argument("--issues", type=int, default=len(demo.ISSUES), help="how many issues (default 34)")
    export_parser = verbs.add_parser("export", help="write the board to an .xlsx (GM column order, coloured)")
    export_parser.add_argument("file", help="the workbook to write, *.xlsx")
    export_parser.add_argument("--area", help="only this area (code or name)")
    export_parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of headers and names")
    export_parser.add_argument("--include-closed", action="store_true",
                               help="every issue, closed, cancelled and tracking-list ones too")
    import_parser = verbs.add_parser("import", help="bring an existing Excel board in (all rows or none)")
    import_parser.add_argument("file", help="the .xlsx to read")
    import_parser.add_argument("--sheet", help="the sheet to read (default: the active one)")
    import_parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    import_parser.add_argument("--mapping", help="a mapping file (JSON, as --save-mapping writes it) to read the "
                                                 "columns and words by; default: the one saved for this header")
    import_parser.add_argument("--save-mapping", help="write the mapping used (JSON) to this file, to edit and reuse")
    minutes_parser = verbs.add_parser("minutes", help="the minutes of an area's meeting as a PDF or .xlsx")
    minutes_parser.add_argument("--area", required=True, help="the area (code or name)")
    minutes_parser.add_argument("--date", required=True, help="the meeting's day, YYYY-MM-DD")
    minutes_parser.add_argument("--out", help="file to write, *.pdf or *.xlsx (default minutes-AREA-DATE.pdf)")
    minutes_parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the minutes")
    backup_parser = verbs.add_parser("backup", help="a consistent copy of the database, also while the app runs")
    backup_parser.add_argument("file", help="where to write the backup (never the live SQLite file)")
    backup_parser.add_argument("--force", action="store_true", help="write over an existing file")
    backup_parser.add_argument("--format", choices=("portable", "pg_dump"), default="portable",
                               help="portable: a SQLite file that restores into either database (default); "
                                    "pg_dump: PostgreSQL's custom format, much faster, restores into PostgreSQL")
    restore_parser = verbs.add_parser("restore", help="replace the database's content with a backup")
    restore_parser.add_argument("file", help="a backup written by 'backup'")
    restore_parser.add_argument("--force", action="store_true",
                                help="replace a database that already holds issues, people or areas")
    report_parser = verbs.add_parser("report", help="the managers' weekly pack: trends .xlsx and a PNG per chart")
    period_group = report_parser.add_mutually_exclusive_group(required=True)
    period_group.add_argument("--week", help="the weekly pack: the ISO week it ends with, e.g. 2026-W47")
    period_group.add_argument("--month", help="the customers' monthly pack: the month, e.g. 2026-11")
    report_parser.add_argument("--out", required=True, help="the folder to write the files into")
    report_parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of titles and names")
    admin_parser = verbs.add_parser("create-admin", help="create an administrator account (password prompted)")
    admin_parser.add_argument("--username", required=True, help="the sign-in name")
    admin_parser.add_argument("--name", required=True, help="the person's name as the board shows it")
    admin_parser.add_argument("--email", required=True, help="e-mail (single sign-on maps to the person by it)")
    admin_parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    notify_parser = verbs.add_parser("notify", help="send the notices that are due (e-mail, WeCom, DingTalk, Feishu)")
    when = notify_parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="scan and send once, then stop (cron, systemd timer)")
    when.add_argument("--every", type=int, metavar="SECONDS", help="scan and send every SECONDS, never stop")
    when.add_argument("--digest-now", action="store_true", help="send every owner's digest now, whatever the hour")
    print_parser = verbs.add_parser("print", help="an area's board as an A3 landscape PDF with a QR code per row")
    print_parser.add_argument("--area", required=True, help="the area (code or name)")
    print_parser.add_argument("--out", required=True, help="the PDF to write, *.pdf")
    print_parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of headers and names")
    display_parser = verbs.add_parser("display-token", help="a TV's token to show the board without signing in")
    display_parser.add_argument("action", choices=("create", "revoke"), help="create (prints the token once) or revoke")
    display_parser.add_argument("name", help="the screen's name, e.g. assy-line-tv")
    args = parser.parse_args(argv)
    logs.configure()
    try:
        return {"init-db": _init_db, "demo": _demo, "import": _import, "export": _export, "backup": _backup,
                "restore": _restore, "minutes": _minutes, "report": _report,
                "create-admin": _create_admin, "notify": _notify, "print": _print,
                "display-token": _display_token}[args.verb](args)
    except store.QRError as refusal:
        print(error_message(refusal.key, refusal.values, "en"), file=sys.stderr)
        return 2
    except (BadInput, db.SchemaBehind) as problem:
        print(problem, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
