"""House rules that keep the code base honest: schema = migrations, domain free of Streamlit, thin pages,
Streamlit used only through its public API."""
import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import models
from qr import db, palette
from qr.i18n import LANGUAGES, TEXT

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = [ROOT / "board.py", *sorted((ROOT / "app_pages").glob("*.py"))]
CODE_FILES = PAGE_FILES + sorted((ROOT / "qr").rglob("*.py"))


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
    forbidden = re.compile(r"Session\(|session\.exec|\.execute\(|\bselect\(|from sqlmodel|from sqlalchemy|import models")
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


# What a maintainer needs of the product spec lives in docs/, written for this repository; nothing cites a
# file outside it. The patterns are split so that this file does not match itself.
OUTSIDE_CITATION = re.compile("|".join(re.escape(p) for p in ("DESIGN" + ".md", "../" + "shared", "/" + "work/"))
                              + r"|§\s*\d")      # a bare section number cites an outside spec too
MAINTAINER_DOCS = ("domain-rules.md", "interfaces.md", "glossary.md")
SKIPPED_FOLDERS = {"__pycache__", "artifacts", "node_modules"}


def _text_files() -> list[Path]:
    """Every .py and .md file of the repository: not .git, virtual environments, caches or test output."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [s for s in subfolders if not s.startswith(".") and s not in SKIPPED_FOLDERS]
        found += [Path(folder) / name for name in files if name.endswith((".py", ".md"))]
    return found


def test_nothing_cites_a_file_outside_the_repository():
    files = _text_files()
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in files
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if OUTSIDE_CITATION.search(line)]
    assert offenders == []
    assert len(files) > 50          # the walk really found the code base


def _cli_verbs() -> set[str]:
    return set(re.findall(r"""add_parser\(\s*["']([\w-]+)["']""", (ROOT / "qr" / "__main__.py").read_text("utf-8")))


def test_maintainer_docs_exist_and_name_every_cli_verb():
    docs = {name: ROOT / "docs" / name for name in MAINTAINER_DOCS}
    assert [name for name, path in docs.items() if not path.is_file() or not path.read_text("utf-8").strip()] == []
    verbs = _cli_verbs()
    assert len(verbs) >= 9          # the scan really found the verbs
    interfaces = docs["interfaces.md"].read_text("utf-8")
    assert sorted(v for v in verbs if f"python -m qr {v}" not in interfaces) == []


def test_docs_name_no_cli_verb_the_cli_lacks():
    verbs = _cli_verbs()
    named = {(path.name, verb) for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
             for verb in re.findall(r"python -m qr ([a-z][\w-]*)", path.read_text("utf-8"))}
    assert sorted((name, verb) for name, verb in named if verb not in verbs) == []


def test_colours_are_written_only_in_the_palette():
    """A status or chart colour spelled anywhere else (#hex, Excel's RRGGBB or ARGB, rgb()) is a second palette
    that drifts; white and near-black text colours are everyone's and not checked."""
    text_colours = set(palette.ON_STATUS.values()) | {palette.ON_NAVY}
    colours = set(re.findall(r"#[0-9a-f]{6}", (ROOT / "qr" / "palette.py").read_text(encoding="utf-8"))) - text_colours
    assert set(palette.STATUS.values()) <= colours
    spellings = []
    for colour in colours:                        # 1b7f3b also matches #1B7F3B and Excel's FF1B7F3B
        red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        spellings += [colour[1:], rf"rgba?\(\s*{red}\s*,\s*{green}\s*,\s*{blue}\b"]
    pattern = re.compile("|".join(spellings), re.IGNORECASE)
    files = [p for p in PAGE_FILES + sorted((ROOT / "qr").rglob("*.py")) if p.name != "palette.py"]
    offenders = [f"{p.relative_to(ROOT)}: {match.group()}" for p in files
                 for match in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert offenders == []


# Streamlit's documented modules; everything else under streamlit/ may change in any release.
PUBLIC_STREAMLIT = {"streamlit", "streamlit.testing.v1", "streamlit.components.v1", "streamlit.column_config",
                    "streamlit.starlette"}
STATE_PROXIES = {"session_state", "query_params"}                    # st.session_state.x = … is the public API


def _python_files() -> list[Path]:
    """Every Python file of ours, tests and benchmarks included (hidden folders and test artifacts aside)."""
    return sorted(p for p in ROOT.rglob("*.py")
                  if not any(part.startswith(".") or part == "artifacts" for part in p.relative_to(ROOT).parts))


def _private(module: str) -> bool:
    return module.split(".")[0] == "streamlit" and module not in PUBLIC_STREAMLIT


def _streamlit_imports(tree: ast.AST) -> tuple[list[str], set[str]]:
    """The non-public Streamlit modules a file imports, and the local names bound to anything from Streamlit."""
    private, bound = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "streamlit":
                    bound.add(alias.asname or "streamlit")
                    private += [alias.name] if _private(alias.name) else []
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            bound |= {alias.asname or alias.name for alias in node.names}
            private += [node.module] if _private(node.module) else []
            if node.module == "streamlit":
                private += [f"streamlit.{alias.name}" for alias in node.names
                            if _private(f"streamlit.{alias.name}")
                            and importlib.util.find_spec(f"streamlit.{alias.name}") is not None]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and _private(node.args[0].value) \
                and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            private.append(node.args[0].value)
    return private, bound


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _touches_state_proxy(node: ast.AST) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr in STATE_PROXIES:
            return True
        node = node.value
    return False


def _is_patch_call(node: ast.AST) -> bool:
    """setattr(…), monkeypatch.setattr(…), patch(…), mock.patch(…) and patch.object / .dict / .multiple(…)."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
    if name in ("setattr", "patch"):
        return True
    owner = getattr(node.func, "value", None)
    return name in ("object", "dict", "multiple") and getattr(owner, "attr", getattr(owner, "id", "")) == "patch"


def _streamlit_patches(tree: ast.AST, bound: set[str]) -> list[int]:
    """Lines that replace something of Streamlit's: a patch call aimed at it, or an assignment to its attributes."""
    def streamlit_target(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value.split(".")[0] == "streamlit"
        return _root_name(node) in bound and not _touches_state_proxy(node)
    lines = []
    for node in ast.walk(tree):
        if _is_patch_call(node) and streamlit_target(node.args[0]):
            lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines += [node.lineno for target in targets
                      if isinstance(target, ast.Attribute) and streamlit_target(target)]
    return lines


def test_no_pages_folder_beside_the_entry_script():
    """A pages/ folder beside board.py turns on Streamlit's legacy auto-discovery until the first st.navigation call:
    a new server's first request would list raw file names (hence app_pages/)."""
    assert not (ROOT / "pages").exists()


def test_no_file_imports_a_non_public_streamlit_module():
    offenders = {}
    for path in _python_files():
        private, _ = _streamlit_imports(ast.parse(path.read_text(encoding="utf-8")))
        if private:
            offenders[str(path.relative_to(ROOT))] = private
    assert offenders == {}


def test_nothing_patches_streamlit():
    """Tests and code drive Streamlit as it ships: a patched Streamlit hides what a real server does."""
    offenders = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = _streamlit_patches(tree, _streamlit_imports(tree)[1])
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}
