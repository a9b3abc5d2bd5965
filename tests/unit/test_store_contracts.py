"""The store's contracts: who may act is asked before anything about the data is checked, configuration changes
all reach the admin history, and every change to an issue claims its version (an import and a template change
included), within the same limits as the app's own form."""
from datetime import date, timedelta

import pytest

from qr import store
from qr.sheet_import import ImportedIssue
from tests.conftest import PASSWORD, plant_moment


@pytest.fixture
def viewer(plant):
    person = store.create_person(name="观察员", area_id=plant["area"].id)
    store.create_account(actor_id=None, person_id=person.id, username="viewer", role="viewer", password=PASSWORD)
    return person


def test_a_viewer_learns_nothing_about_existing_e_mails(plant, viewer):
    with pytest.raises(store.Forbidden):
        store.create_person(actor_id=viewer.id, name="某人", email="zhang.wei@plant.example")
    with pytest.raises(store.Forbidden):
        store.create_area(actor_id=viewer.id, code="ASSY", name_zh="总装车间", name_en="Final assembly")
    with pytest.raises(store.Forbidden):
        store.create_category(actor_id=viewer.id, code="complaint", name_zh="x", name_en="x", kind="unknown")


def test_a_response_rule_change_shows_in_the_admin_history(plant):
    admin = store.create_person(name="管理员")
    store.create_account(actor_id=None, person_id=admin.id, username="admin", role="admin", password=PASSWORD)
    store.set_response_rule(actor_id=admin.id, category_id=plant["categories"]["complaint"].id, code="ack",
                            name_zh="2小时响应", name_en="Respond in 2 h", limit_minutes=90)
    newest = store.admin_history()[0]
    assert (newest["entity"], newest["actor"], newest["new"]) == ("response_rule", "管理员",
                                                                  "2小时响应 / Respond in 2 h: 90 min")


def _sheet_row(issue, **changes) -> ImportedIssue:
    values = dict(sheet_row=2, number=issue.number, description=issue.description, owner="张伟", lead="孙丽",
                  opened_on=issue.opened_on, part_number=issue.part_number)
    return ImportedIssue(**{**values, **changes})


def test_an_import_that_changes_an_issue_moves_its_version_once(plant, open_issue):
    opened = date.today() - timedelta(days=3)
    issue = open_issue(opened)
    outcome = store.import_issues(actor_id=None, issues=[_sheet_row(issue, part_number="5310-9999")],
                                  source="board.xlsx")
    assert outcome.updated == [issue.number]
    detail = store.issue_detail(issue.number)
    assert (detail.issue["part_number"], detail.issue["version"]) == ("5310-9999", issue.version + 1)
    with pytest.raises(store.StaleVersion):                   # the owner's form loaded before the import
        store.set_next_report(actor_id=plant["owner"].id, issue_id=issue.id, next_report_on=date.today(),
                              expected_version=issue.version)


@pytest.mark.parametrize("name, limit", [("description", store.DESCRIPTION_MAX), ("part_number", 100),
                                         ("owner", 100), ("lead", 100), ("number", 20)])
@pytest.mark.parametrize("updating", [True, False], ids=["update", "create"])
def test_an_import_keeps_the_forms_length_limits_on_create_and_update(plant, open_issue, name, limit, updating):
    issue = open_issue(date.today() - timedelta(days=3))
    row = _sheet_row(issue, **{name: "长" * (limit + 1)}, sheet="板", cells={name: "E7"})
    if not updating:
        row.number, row.description = None, "另一个问题"
        setattr(row, name, "长" * (limit + 1))
    with pytest.raises(store.ImportRefused) as refusal:
        store.import_issues(actor_id=None, issues=[row], source="board.xlsx")
    [problem] = refusal.value.problems
    assert (problem.sheet, problem.cell, problem.key, problem.values["limit"]) == ("板", "E7", "import.err.too_long",
                                                                                limit)
    assert store.issue_detail(issue.number).issue["version"] == issue.version and store.issue_count() == 1


def test_a_template_limit_moved_onto_open_issues_claims_each_version(plant, open_issue):
    admin = store.create_person(name="管理员")
    store.create_account(actor_id=None, person_id=admin.id, username="admin", role="admin", password=PASSWORD)
    opened = date.today() - timedelta(days=2)
    issue = open_issue(opened)
    step = store.template_steps(plant["templates"]["standard"].id)[0]
    store.update_template_step(actor_id=admin.id, template_step_id=step.id, name_zh=step.name_zh,
                               name_en=step.name_en, short_zh=step.short_zh, short_en=step.short_en,
                               eight_d=step.eight_d, guide_limit_days=step.guide_limit_days + 5,
                               may_be_na=step.may_be_na, apply_to_open=True, reason="客户要求", now=plant_moment(opened))
    detail = store.issue_detail(issue.number)
    assert detail.issue["version"] == issue.version + 1
    assert detail.steps[0]["target_on"] == opened + timedelta(days=step.guide_limit_days + 5)
