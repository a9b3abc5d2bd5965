"""The store package stays a set of rooms a maintainer can find their way in: layered imports that run one
way, no module over about 500 lines, and callers that use `from qr import store`, not a module's insides."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "qr" / "store"
LAYERS = ("base", "history", "plants", "configuration", "customers", "templates", "accounts", "displays", "sessions",
          "clocks", "follow_ups", "board", "eight_d_reports", "lessons", "outbox", "issues", "complaints",
          "import_names", "imports", "qchart", "meetings", "meeting_reads", "trend_frames", "reminders")
MAX_LINES = 500


def _store_imports(path: Path) -> set[str]:
    """The store modules a file imports (`from qr.store.x import …` or `import qr.store.x`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qr.store."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[2] for alias in node.names if alias.name.startswith("qr.store.")}
    return found


def test_the_layers_name_every_module_of_the_package():
    assert {p.stem for p in STORE.glob("*.py")} - {"__init__"} == set(LAYERS)


@pytest.mark.parametrize("module", LAYERS)
def test_a_module_imports_only_the_layers_below_it(module):
    below = set(LAYERS[:LAYERS.index(module)])
    assert _store_imports(STORE / f"{module}.py") <= below


@pytest.mark.parametrize("module", LAYERS)
def test_no_module_is_over_about_500_lines(module):
    assert len((STORE / f"{module}.py").read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_callers_outside_the_package_use_the_package_not_its_modules():
    callers = [*ROOT.glob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "bench").glob("*.py"),
               *(p for p in (ROOT / "qr").rglob("*.py") if STORE not in p.parents)]
    offenders = {p.relative_to(ROOT).as_posix(): sorted(_store_imports(p)) for p in callers if _store_imports(p)}
    assert offenders == {}
