"""House rules that keep the code base honest: schema = migrations, domain free of Streamlit, thin pages."""
import re
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import models
from qr import db
from qr.i18n import LANGUAGES, TEXT

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = [ROOT / "board.py", *sorted((ROOT / "app_pages").glob("*.py"))]
CODE_FILES = PAGE_FILES + sorted((ROOT / "qr").glob("*.py"))


def test_migrations_and_models_describe_the_same_schema(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       models.SQLModel.metadata)
    assert differences == []


def test_upgrade_on_an_empty_database_creates_every_table(empty_database):
    engine = db.make_engine(empty_database())
    db.upgrade(engine)
    from sqlalchemy import inspect
    assert set(inspect(engine).get_table_names()) >= set(models.SQLModel.metadata.tables) | {"alembic_version"}


def test_domain_package_imports_no_streamlit():
    modules = [f"qr.{p.stem}" for p in (ROOT / "qr").glob("*.py") if p.stem != "__init__"]
    probe = f"import sys; import {', '.join(modules)}; print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_pages_open_no_database_session():
    forbidden = re.compile(r"Session\(|session\.exec|\.execute\(|select\(|from sqlmodel|from sqlalchemy|import models")
    offenders = [p.name for p in PAGE_FILES if forbidden.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_text_exists_in_both_languages():
    incomplete = [key for key, entry in TEXT.items() if set(entry) != set(LANGUAGES) or not all(entry.values())]
    assert incomplete == []


def test_placeholders_agree_between_languages():
    def fields(text: str) -> set[str]:
        return set(re.findall(r"{(\w+)}", text))
    # an English message may name the English variant of a value (step_en for step)
    mismatched = [key for key, entry in TEXT.items()
                  if {f.removesuffix("_en") for f in fields(entry["en"])} != {f.removesuffix("_en") for f in fields(entry["zh"])}]
    assert mismatched == []


def test_every_key_the_code_uses_is_translated():
    used = set()
    for path in CODE_FILES:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*f?["']([\w.]+)["']""", source))
        used |= set(re.findall(r"""(?:ValidationFailed|NotFound|StaleVersion)\(\s*["']([\w.]+)["']""", source))
        used |= {f"field.{name}" for name in re.findall(r"""field=["'](\w+)["']""", source)}
        used |= {f"field.{name}" for name in re.findall(r"""_text\([^,]+,\s*["'](\w+)["']""", source)}
        used |= {f"field.{name}" for name in re.findall(r"""_date\([^,]+,\s*["'](\w+)["']""", source)}
        used |= {f"field.{name}" for name in re.findall(r"""_get\(session, \w+, [^,]+, ["'](\w+)["']\)""", source)}
    keys_with_dynamic_suffix = {k for k in used if k.endswith(".")}
    missing = sorted(k for k in used - keys_with_dynamic_suffix if k not in TEXT)
    assert missing == []
    assert len(used) > 40          # the scan really found the keys


def test_audit_field_names_are_translated():
    audited = {column for table in models.SQLModel.metadata.tables.values() for column in table.columns.keys()
               if table.name == "issuestep"} - {"id", "issue_id", "template_step_id", "position"}
    assert sorted(f"field.{name}" for name in audited if f"field.{name}" not in TEXT) == []


def test_no_code_edits_or_deletes_the_audit_trail():
    """Audit events are only ever added: nothing updates or deletes them."""
    pattern = re.compile(r"(update|delete)\(\s*AuditEvent|session\.delete\(|AuditEvent\.__table__\.delete")
    offenders = [p.name for p in CODE_FILES if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_pages_folder_beside_the_entry_script():
    """A pages/ folder beside board.py turns on Streamlit's legacy auto-discovery until the first st.navigation call:
    a new server's first request would list raw file names (hence app_pages/)."""
    assert not (ROOT / "pages").exists()
