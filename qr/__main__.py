"""Command line: python -m qr init-db | demo. Exit 0 on success, 2 on bad input (reasons on stderr)."""
import argparse
import sys

from qr import db, demo, store
from qr.defaults import install_defaults
from qr.i18n import error_message


def _init_db(_args) -> int:
    db.upgrade()
    install_defaults()
    print("schema up to date; default templates and categories in place")
    return 0


def _demo(args) -> int:
    db.upgrade()
    if store.issue_count() > 0:
        print("the database already holds issues; demo data goes only into an empty board", file=sys.stderr)
        return 2
    demo.load_demo(issues=args.issues)
    print(f"demo data loaded: {store.issue_count()} issues")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qr", description="QR Board command line")
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("init-db", help="create or upgrade the schema (Alembic) and the default configuration")
    demo_parser = verbs.add_parser("demo", help="load realistic demo data into an empty database")
    demo_parser.add_argument("--issues", type=int, default=len(demo.ISSUES), help="how many issues (default 34)")
    args = parser.parse_args(argv)
    try:
        return {"init-db": _init_db, "demo": _demo}[args.verb](args)
    except store.QRError as refusal:
        print(error_message(refusal.key, refusal.values, "en"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
