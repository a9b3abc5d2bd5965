"""The configuration a new plant starts with: the GM QSB step template and the usual sources."""
from sqlmodel import Session

from qr import store
from qr.store import StepSpec

STANDARD_STEPS = [
    StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1, may_be_na=False),
    StepSpec("root_cause", "根本原因分析", "Root cause analysis", "根因", "Root", "D4", 7, may_be_na=False),
    StepSpec("corrective_action", "纠正措施实施", "Corrective action implemented", "纠正", "CA", "D5/D6", 15,
             may_be_na=False),
    StepSpec("error_proofing", "防错/探测", "Error proofing / detection", "防错", "EP", "D7", 20),
    StepSpec("verified", "验证有效性", "Corrective action verified", "验证", "Verif.", "D6", 30, may_be_na=False),
    StepSpec("pfmea", "PFMEA/控制计划更新", "PFMEA / control plan updated", "PFMEA", "PFMEA", "D7", 30),
    StepSpec("standard_work", "标准化作业", "Standardized work / operator instruction", "标准", "Std.", "D7", 30),
    StepSpec("lpa", "分层审核", "Layered process audit", "LPA", "LPA", "D7", 35),
    StepSpec("read_across", "横向展开", "Read-across to similar products and processes", "横展", "R/A", "D7", 40),
    StepSpec("lessons_learned", "经验教训", "Lessons learned", "经验", "LL", "D8", 45, may_be_na=False),
]

MINOR_CODES = ("containment", "root_cause", "corrective_action", "verified", "lessons_learned")

# (code, 中文, English, external|internal, sub-types as (code, 中文, English))
CATEGORIES = [
    ("complaint", "客户投诉", "Customer complaint", "external",
     [("complaint_0km", "0公里", "Zero-km"), ("complaint_field", "市场", "Field")]),
    ("prr", "PRR", "PRR", "external", []),
    ("warranty", "售后/保修", "Warranty", "external", []),
    ("pdi", "PDI", "PDI", "external", []),
    ("audit", "DR/GCA审核", "DR/GCA audit", "external", []),
    ("supplier", "供应商", "Supplier", "external", []),
    ("verification", "验证岗位", "Verification station", "internal", []),
    ("gp12", "GP12", "GP12", "internal", []),
    ("lpa", "LPA发现", "LPA finding", "internal", []),
    ("line_stop", "停线", "Line stop", "internal", []),
    ("dock_audit", "发运审核", "Dock / shipping audit", "internal", []),
    ("ep_failure", "防错失效", "Error-proofing failure", "internal", []),
    ("ftq", "FTQ下降", "FTQ drop", "internal", []),
]

# Customer complaints: (code, 中文, English, minutes of calendar time after the complaint was received)
COMPLAINT_RULES = [
    ("ack", "响应客户", "Acknowledge the customer", 120),     # the plant responds (contacts the customer)
    ("containment", "客户处遏制", "Containment at the customer", 24 * 60),
    ("on_site", "到场/初步分析", "On site / first analysis", 2 * 24 * 60),
]


@store.command
def install_defaults(*, session: Session) -> None:
    """Create the default rules, templates and categories on an empty database (idempotent)."""
    store.install_default_settings(session=session)
    existing = store.reference_lists(session=session)
    if not existing["templates"]:
        store.create_template(session=session, code="standard", name_zh="标准10步", name_en="Standard (10 steps)",
                              severity="A", steps=STANDARD_STEPS)
        store.create_template(session=session, code="standard_b", name_zh="标准10步(B级)",
                              name_en="Standard (10 steps, B)", severity="B", steps=STANDARD_STEPS)
        store.create_template(session=session, code="minor", name_zh="简化5步", name_en="Minor (5 steps)",
                              severity="C", steps=[s for s in STANDARD_STEPS if s.code in MINOR_CODES])
    if not existing["categories"]:
        for code, name_zh, name_en, kind, subtypes in CATEGORIES:
            parent = store.create_category(session=session, code=code, name_zh=name_zh, name_en=name_en, kind=kind)
            for sub_code, sub_zh, sub_en in subtypes:
                store.create_category(session=session, code=sub_code, name_zh=sub_zh, name_en=sub_en, kind=kind,
                                      parent_id=parent.id)
            if code == "complaint":
                for rule_code, rule_zh, rule_en, minutes in COMPLAINT_RULES:
                    store.set_response_rule(session=session, actor_id=None, category_id=parent.id, code=rule_code,
                                            name_zh=rule_zh, name_en=rule_en, limit_minutes=minutes)
