"""The configuration a new plant starts with: the GM QSB step template and the usual sources."""
import json
from pathlib import Path

from sqlmodel import Session

from qr import store
from qr.store import StepSpec

# The starting configuration is data (qr/defaults.json): the GM QSB steps with their guide limits, the minor
# template's steps, the usual sources of issues with their sub-types, and the customer complaint's response rules.
_DEFAULTS = json.loads((Path(__file__).with_name("defaults.json")).read_text(encoding="utf-8"))
STANDARD_STEPS = [StepSpec(**step) for step in _DEFAULTS["steps"]]
MINOR_CODES = tuple(_DEFAULTS["minor_steps"])
CATEGORIES = _DEFAULTS["categories"]
COMPLAINT_RULES = _DEFAULTS["complaint_rules"]


@store.command
def install_defaults(*, session: Session) -> None:
    """Create the default rules, plant, templates and categories on an empty database (idempotent)."""
    store.install_default_settings(session=session)
    store.install_default_plant(session=session)
    existing = store.reference_lists(session=session)
    if not existing["templates"]:
        store.create_template(session=session, code="standard", name_zh="标准10步", name_en="Standard (10 steps)",
                              severity="A", steps=STANDARD_STEPS)
        store.create_template(session=session, code="standard_b", name_zh="标准10步(B级)",
                              name_en="Standard (10 steps, B)", severity="B", steps=STANDARD_STEPS)
        store.create_template(session=session, code="minor", name_zh="简化5步", name_en="Minor (5 steps)",
                              severity="C", steps=[s for s in STANDARD_STEPS if s.code in MINOR_CODES])
    if not existing["categories"]:
        for category in CATEGORIES:
            parent = store.create_category(session=session, code=category["code"], name_zh=category["name_zh"],
                                           name_en=category["name_en"], kind=category["kind"])
            for subtype in category["subtypes"]:
                store.create_category(session=session, **subtype, kind=category["kind"], parent_id=parent.id)
            if category["code"] == "complaint":
                for rule in COMPLAINT_RULES:
                    store.set_response_rule(session=session, actor_id=None, category_id=parent.id, **rule)
