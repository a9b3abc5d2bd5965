"""Templates are edited without touching open issues: an issue copies its template's active steps when it opens,
so a rename, a move, a retired step or a deleted template changes what new issues get and nothing else. Every
change is audited; a template in use or the last active step is refused with a reason."""
from datetime import timedelta

import pytest

from qr import store
from qr.i18n import error_message
from qr.sheet_import import ImportedIssue
from qr.store import StepSpec
from tests.conftest import PASSWORD


@pytest.fixture
def admin(plant):
    person = store.create_person(name="管理员", area_id=plant["area"].id)
    store.create_account(actor_id=None, person_id=person.id, username="admin", role="admin", password=PASSWORD)
    return person.id


def _codes(issue) -> list[str]:
    return [s["code"] for s in store.issue_detail(issue.number).steps]


def _step(plant, code: str, template: str = "standard"):
    return next(s for s in store.template_steps(plant["templates"][template].id) if s.code == code)


def _history(field: str) -> list[dict]:
    return [e for e in store.admin_history() if e["field"] == field]


def test_a_moved_step_reorders_new_issues_only(plant, open_issue, admin):
    before = open_issue(store.today() - timedelta(days=1))
    original = _codes(before)
    root_cause = _step(plant, "root_cause")
    store.move_template_step(actor_id=admin, template_step_id=root_cause.id, position=1)

    steps = store.template_steps(plant["templates"]["standard"].id)
    assert [s.code for s in steps] == ["root_cause", *[c for c in original if c != "root_cause"]]
    assert [s.position for s in steps] == list(range(1, len(steps) + 1))
    assert _codes(before) == original                          # the open issue keeps its own order
    assert _codes(open_issue(store.today()))[0] == "root_cause"
    moved = {(e["old"], e["new"]) for e in _history("position")}
    assert ("2", "1") in moved and ("1", "2") in moved         # both steps that changed place, audited


def test_a_move_outside_the_template_or_to_the_same_place_is_refused(plant, admin):
    first = store.template_steps(plant["templates"]["standard"].id)[0]
    count = len(store.template_steps(plant["templates"]["standard"].id))
    with pytest.raises(store.ValidationFailed) as refused:
        store.move_template_step(actor_id=admin, template_step_id=first.id, position=count + 1)
    assert error_message(refused.value.key, refused.value.values, "en") == \
        f"The position must be a whole number from 1 to {count}."
    with pytest.raises(store.ValidationFailed, match="err.no_change"):
        store.move_template_step(actor_id=admin, template_step_id=first.id, position=1)


def test_a_retired_step_leaves_new_issues_but_stays_with_the_old_ones(plant, open_issue, admin):
    lessons = _step(plant, "lessons_learned")
    before = open_issue(store.today() - timedelta(days=1))
    store.retire_template_step(actor_id=admin, template_step_id=lessons.id)

    assert "lessons_learned" in _codes(before)
    assert "lessons_learned" not in _codes(open_issue(store.today()))
    assert "lessons_learned" in {c["code"] for c in store.step_columns()}          # an open issue still has it
    assert [e["new"] for e in _history("retired_on")] == [str(store.today())]

    store.retire_template_step(actor_id=admin, template_step_id=lessons.id, retired=False)
    assert "lessons_learned" in _codes(open_issue(store.today()))


def test_a_retired_steps_column_goes_when_no_open_issue_has_it(plant, admin):
    lessons = _step(plant, "lessons_learned")
    for template in plant["templates"].values():                 # retire the code in every template that has it
        for step in store.template_steps(template.id):
            if step.code == lessons.code:
                store.retire_template_step(actor_id=admin, template_step_id=step.id)
    assert "lessons_learned" not in {c["code"] for c in store.step_columns()}


def test_an_import_opens_issues_without_retired_steps(plant, admin):
    lessons = _step(plant, "lessons_learned")
    store.retire_template_step(actor_id=admin, template_step_id=lessons.id)
    outcome = store.import_issues(actor_id=admin, source="plant.xlsx", issues=[ImportedIssue(
        sheet_row=2, description="导入的问题", owner="张伟", lead="孙丽", area="ASSY", opened_on=store.today(),
        severity="A")])
    number = outcome.created[0]
    assert "lessons_learned" not in [s["code"] for s in store.issue_detail(number).steps]


def test_the_last_active_step_cannot_be_retired(admin):
    template = store.create_template(actor_id=admin, code="one", name_zh="一步", name_en="One step", severity=None,
                                     steps=[StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1)])
    only = store.template_steps(template.id)[0]
    with pytest.raises(store.ValidationFailed, match="err.last_active_step"):
        store.retire_template_step(actor_id=admin, template_step_id=only.id)


def test_rename_keeps_the_code_and_is_audited(plant, admin):
    minor = plant["templates"]["minor"]
    store.rename_template(actor_id=admin, template_id=minor.id, name_zh="轻微问题模板", name_en="Minor issues",
                          severity=minor.severity)
    renamed = next(t for t in store.reference_lists()["templates"] if t.id == minor.id)
    assert (renamed.code, renamed.name_zh, renamed.name_en) == ("minor", "轻微问题模板", "Minor issues")
    assert {(e["old"], e["new"]) for e in store.admin_history() if e["entity"] == "steptemplate"} >= {
        (minor.name_zh, "轻微问题模板"), (minor.name_en, "Minor issues")}
    with pytest.raises(store.ValidationFailed, match="err.required"):
        store.rename_template(actor_id=admin, template_id=minor.id, name_zh=" ", name_en="x", severity=None)


def test_only_an_unused_template_is_deleted(plant, open_issue, admin):
    copy = store.create_template(actor_id=admin, code="copy", name_zh="副本", name_en="Copy", severity=None,
                                 steps=[StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1)])
    open_issue(store.today())                                        # the standard template is now in use
    with pytest.raises(store.ValidationFailed) as refused:
        store.delete_template(actor_id=admin, template_id=plant["templates"]["standard"].id)
    assert refused.value.key == "err.template_in_use" and refused.value.values["count"] == 1

    store.delete_template(actor_id=admin, template_id=copy.id)
    assert copy.id not in {t.id for t in store.reference_lists()["templates"]}
    assert store.template_steps(copy.id) == []
    assert [e["old"] for e in _history("deleted")] == ["copy: 副本"]


def test_a_new_template_with_the_same_code_twice_is_refused(admin):
    twice = [StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1)] * 2
    with pytest.raises(store.ValidationFailed, match="err.duplicate"):
        store.create_template(actor_id=admin, code="twice", name_zh="重复", name_en="Twice", severity=None,
                              steps=twice)
