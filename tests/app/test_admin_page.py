"""The admin page through AppTest: each section changes what the board does, every change is audited, bad
configuration is refused in words, and only administrators get in."""
from datetime import timedelta
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from qr.i18n import literal
from tests.app.driving import page_html, submit
from tests.app.signing import app_as


@pytest.fixture
def admin_plant(plant, open_issue):
    """The plant, an administrator, and an issue opened 10 days ago (its first two steps long red)."""
    st.cache_data.clear()
    admin = store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")
    today = store.today()
    return {**plant, "admin": admin.person_id, "today": today, "issue": open_issue(today - timedelta(days=10))}


def _admin_page(plant, person_id: int | None = None, lang: str = "zh") -> AppTest:
    at = app_as(plant["admin"] if person_id is None else person_id, lang=lang)
    at.run()
    at.switch_page("app_pages/admin.py")
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _board_escalation(plant) -> dict[str, str]:
    at = app_as(plant["admin"])
    _ok(at.run())
    html = page_html(at)
    return dict(re.findall(r'data-issue="([^"]+)" data-escalation="(\d)"', html))


def test_only_administrators_get_in(admin_plant):
    at = _admin_page(admin_plant, admin_plant["lead"].id, lang="en")
    assert [w.value for w in at.warning] == ["Only administrators change the configuration."]
    assert not at.tabs


def test_a_new_guide_limit_is_used_by_new_issues_only(admin_plant, open_issue):
    at = _admin_page(admin_plant)
    step = store.template_steps(admin_plant["templates"]["standard"].id)[0]
    at.number_input(key=f"ts_limit_{step.id}").set_value(4)
    submit(at, f"template_step_{step.id}")
    assert [s.value for s in at.success] == ["已保存，并记入变更记录。"]
    today = admin_plant["today"]
    new = store.issue_detail(open_issue(today).number).steps[0]
    old = store.issue_detail(admin_plant["issue"].number).steps[0]
    assert (new["target_on"], old["target_on"]) == (today + timedelta(days=4), today - timedelta(days=9))
    change = store.admin_history()[0]
    assert (change["actor"], change["field"], change["old"], change["new"]) == ("王总", "guide_limit_days", "1", "4")


def test_a_guide_limit_moves_open_issues_only_when_asked_with_a_reason(admin_plant):
    at = _admin_page(admin_plant)
    step = store.template_steps(admin_plant["templates"]["standard"].id)[0]
    at.number_input(key=f"ts_limit_{step.id}").set_value(12)
    at.checkbox(key=f"ts_apply_{step.id}").check()
    submit(at, f"template_step_{step.id}")
    assert [e.value for e in at.error] == ["请填写“原因”。"]
    assert store.template_steps(admin_plant["templates"]["standard"].id)[0].guide_limit_days == 1   # nothing saved
    at.text_input(key=f"ts_reason_{step.id}").input("客户同意延长遏制期限")
    submit(at, f"template_step_{step.id}")
    moved = store.issue_detail(admin_plant["issue"].number)
    assert moved.steps[0]["target_on"] == admin_plant["today"] + timedelta(days=2)
    assert [(h["field"], h["reason"]) for h in moved.history[:2]] == [          # a move like any other, counted
        ("target_moves", "客户同意延长遏制期限"), ("target_on", "客户同意延长遏制期限")]


def test_the_ladder_changes_the_boards_escalation_level(admin_plant):
    number = admin_plant["issue"].number
    assert _board_escalation(admin_plant)[number] == "3"           # red 9 days: plant manager
    at = _admin_page(admin_plant)
    at.number_input(key="ladder_A_1").set_value(5)
    at.number_input(key="ladder_A_2").set_value(20)
    at.number_input(key="ladder_A_3").set_value(30)
    submit(at, "escalation")
    assert [s.value for s in at.success] == ["已保存，并记入变更记录。"]
    assert _board_escalation(admin_plant)[number] == "1"
    assert store.admin_history()[0]["field"] == "escalation_ladders"


@pytest.mark.parametrize("level_days, message", [
    ({1: -2}, "A级的升级阶梯：天数须为1到3650，级别须为1到3。"),                 # negative days
    ({1: 5, 2: 5}, "A级的升级阶梯：天数和级别须逐级递增，不能重叠。"),             # two levels on one day
    ({1: 8, 2: 3}, "A级的升级阶梯：天数和级别须逐级递增，不能重叠。"),             # a higher level sooner
])
def test_a_bad_ladder_is_refused_in_words(admin_plant, level_days, message):
    at = _admin_page(admin_plant)
    for level, days in level_days.items():
        at.number_input(key=f"ladder_A_{level}").set_value(days)
    submit(at, "escalation")
    assert [e.value for e in at.error] == [message]
    assert store.board_settings().escalation_ladders["A"] == ((1, 1), (3, 2), (7, 3))


def test_colour_rule_warning_window_and_admission_rule(admin_plant):
    at = _admin_page(admin_plant, lang="en")
    at.radio(key="colour_rule").set_value("START")
    submit(at, "colour_rule")
    at.number_input(key="warning_days").set_value(-1)
    submit(at, "warning_window")
    assert [e.value for e in at.error] == ["The warning window is 0 to 30 days."]
    at.number_input(key="warning_days").set_value(5)
    submit(at, "warning_window")
    at.button_group(key="admit_severities").set_value(["A"])
    submit(at, "admission")
    settings = store.board_settings()
    assert (settings.colour_rule, settings.warning_days, settings.admission_rule.severities) == (
        "START", 5, frozenset({"A"}))
    assert [e["field"] for e in store.admin_history()[:3]] == ["admission_rule", "warning_days", "colour_rule"]
    history = _admin_page(admin_plant, lang="en").dataframe[-1].value          # the configuration history tab
    assert list(history["Field"][:3]) == ["Admission rule", "Warning window", "Colour rule"]
    assert list(history["Who"][:3]) == ["王总"] * 3


def test_areas_people_and_categories_with_empty_names_are_refused(admin_plant):
    at = _admin_page(admin_plant, lang="en")
    at.text_input(key="area_code").input("PAINT")
    submit(at, "new_area")
    assert [e.value for e in at.error] == ["Please fill in “Chinese name”."]
    at.text_input(key="area_code").input("PAINT")
    at.text_input(key="area_name_zh").input("涂装车间")
    at.text_input(key="area_name_en").input("Paint shop")
    submit(at, "new_area")
    at.text_input(key="person_name").input("  ")
    submit(at, "new_person")
    assert [e.value for e in at.error] == ["Please fill in “Name”."]
    at.text_input(key="person_name").input("周婷")
    submit(at, "new_person")
    at.text_input(key="category_code").input("field")
    at.text_input(key="category_name_zh").input("市场")
    submit(at, "new_category")
    assert [e.value for e in at.error] == ["Please fill in “English name”."]
    step = store.template_steps(admin_plant["templates"]["standard"].id)[1]
    _ok(at.selectbox(key=f"template_step_pick_{step.template_id}").set_value(step.id).run())
    at.text_input(key=f"ts_name_en_{step.id}").input("")
    submit(at, f"template_step_{step.id}")
    assert [e.value for e in at.error] == ["Please fill in “English name”."]
    refs = store.reference_lists()
    assert "PAINT" in [a.code for a in refs["areas"]] and "周婷" in [p.name for p in refs["people"]]
    assert [(e["entity"], e["new"]) for e in store.admin_history()[:2]] == [("person", "周婷"),
                                                                           ("area", "PAINT 涂装车间")]


def test_users_get_accounts_roles_and_new_passwords(admin_plant):
    newcomer = store.create_person(name="周婷", name_en="Zhou Ting")
    at = _admin_page(admin_plant, lang="en")
    at.selectbox(key="account_person").set_value(newcomer.id)
    at.text_input(key="account_username").input("zhouting")
    at.selectbox(key="account_role").set_value("owner")
    at.text_input(key="account_password").input("first-pass-1")
    submit(at, "new_account")
    assert store.authenticate(username="zhouting", password="first-pass-1").role == "owner"
    at.selectbox(key="role_account").set_value(newcomer.id)
    at.selectbox(key="role_choice").set_value("facilitator")
    submit(at, "account_role")
    at.selectbox(key="reset_account").set_value(newcomer.id)
    at.text_input(key="reset_password").input("second-pass-2")
    submit(at, "account_password_reset")
    assert [s.value for s in at.success] == ["Password reset; the sign-in throttle is lifted and the person signs in again on every device."]
    assert store.authenticate(username="zhouting", password="second-pass-2").role == "facilitator"


def test_the_qchart_rule_decides_which_new_issues_colour_the_day(admin_plant, open_issue):
    today = admin_plant["today"]
    listed = open_issue(today, template="minor", category="gp12", severity="C")       # internal, on the list only
    assert not listed.on_board
    assert store.quality_status(on=today)[0]["colour"] == "G"
    at = _admin_page(admin_plant)
    at.checkbox(key="internal_on_board_only").uncheck()
    submit(at, "qchart_rule")
    assert [s.value for s in at.success] == ["已保存，并记入变更记录。"]
    assert store.quality_status(on=today)[0]["colour"] == "Y"


def test_rename_an_area_and_retire_a_person(admin_plant):
    at = _admin_page(admin_plant, lang="en")
    area = admin_plant["area"].id
    at.text_input(key=f"edit_area_en_{area}").input("Final assembly 1")
    submit(at, f"edit_area_{area}")
    at.selectbox(key="edit_person_pick").set_value(admin_plant["owner"].id).run()
    at.checkbox(key=f"edit_person_active_{admin_plant['owner'].id}").uncheck()
    submit(at, f"edit_person_{admin_plant['owner'].id}")
    assert [s.value for s in at.success] == ["Saved, and recorded in the audit trail."]
    assert store.reference_lists()["areas"][0].name_en == "Final assembly 1"
    assert admin_plant["owner"].id not in [p.id for p in store.reference_lists()["people"]]
    assert [(e["field"], e["new"]) for e in store.admin_history()[:2]] == [("active", "False"),
                                                                           ("name_en", "Final assembly 1")]


def test_a_step_added_to_a_template_is_used_by_new_issues(admin_plant, open_issue):
    minor = admin_plant["templates"]["minor"].id
    at = _admin_page(admin_plant, lang="en")
    _ok(at.selectbox(key="template_pick").set_value(minor).run())
    for key, value in (("code", "lpa"), ("zh", "分层审核"), ("en", "Layered process audit"), ("short_zh", "LPA"),
                       ("short_en", "LPA"), ("8d", "D7")):
        at.text_input(key=f"new_step_{key}_{minor}").input(value)
    submit(at, f"new_step_{minor}")
    assert [s.value for s in at.success] == ["Saved, and recorded in the audit trail."]
    today = admin_plant["today"]
    steps = store.issue_detail(open_issue(today, template="minor", severity="C").number).steps
    assert (steps[-1]["code"], steps[-1]["target_on"]) == ("lpa", today + timedelta(days=30))
    at.text_input(key=f"new_step_code_{minor}").input("lpa")
    submit(at, f"new_step_{minor}")
    assert [e.value for e in at.error] == ["A record with “Code” “lpa” exists already."]


def test_a_category_response_rule_is_set_and_removed_for_new_complaints(admin_plant, open_issue):
    at = _admin_page(admin_plant)
    complaint = admin_plant["categories"]["complaint"].id
    at.selectbox(key="edit_category_pick").set_value(complaint).run()
    at.number_input(key=f"rule_limit_{complaint}").set_value(0)
    at.text_input(key=f"rule_code_{complaint}").input("ack")
    at.text_input(key=f"rule_name_zh_{complaint}").input("客户确认")
    at.text_input(key=f"rule_name_en_{complaint}").input("Acknowledge")
    submit(at, f"response_rule_{complaint}")
    assert [e.value for e in at.error] == ["响应时限须在1分钟到365天之间。"]
    at.number_input(key=f"rule_limit_{complaint}").set_value(60)
    submit(at, f"response_rule_{complaint}")
    assert [s.value for s in at.success] == ["已保存，并记入变更记录。"]
    clocks = {c["code"]: c for c in store.issue_detail(open_issue(admin_plant["today"]).number).issue["clocks"]}
    assert (clocks["ack"]["due_at"] - clocks["ack"]["started_at"]).total_seconds() == 3600

    at.selectbox(key=f"rule_pick_{complaint}").set_value(
        next(r["id"] for r in store.response_rules(complaint) if r["code"] == "ack"))
    submit(at, f"remove_rule_{complaint}")
    assert "ack" not in {r["code"] for r in store.response_rules(complaint)}
    assert "ack" not in {c["code"] for c in store.issue_detail(open_issue(admin_plant["today"]).number)
                         .issue["clocks"]}


def test_functions_verified_exits_and_the_move_limit_are_set_on_the_admin_page(admin_plant):
    area, owner = admin_plant["area"], admin_plant["owner"]
    at = _admin_page(admin_plant)
    at.selectbox(key="edit_area_pick").set_value(area.id).run()
    at.button_group(key=f"edit_area_functions_{area.id}").set_value(["quality", "sqe"])
    submit(at, f"edit_area_{area.id}")
    assert store.reference_lists()["areas"][0].required_functions == "quality,sqe"
    at.selectbox(key="edit_person_pick").set_value(owner.id).run()
    at.selectbox(key=f"edit_person_function_{owner.id}").set_value("production")
    submit(at, f"edit_person_{owner.id}")
    assert next(p for p in store.people() if p["id"] == owner.id)["function"] == "production"
    at.checkbox(key="verify_exits").uncheck()
    submit(at, "verify_exits_rule")
    at.number_input(key="free_moves").set_value(2)
    at.checkbox(key="red_needs_approval").uncheck()
    submit(at, "move_rule")
    settings = store.board_settings()
    assert (settings.verify_exits, settings.move_rule.free_moves, settings.move_rule.red_needs_approval) == (
        False, 2, False)
    at.number_input(key="free_moves").set_value(11)
    submit(at, "move_rule")
    assert [e.value for e in at.error] == ["无需批准的改期次数须为0到10。"]
    fields = [change["field"] for change in store.admin_history()[:4]]
    assert fields == ["move_rule", "verify_exits", "function", "required_functions"]


def test_the_notices_tab_sets_robots_and_never_shows_a_secret_back(admin_plant, httpserver):
    httpserver.expect_request("/robot/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    webhook = httpserver.url_for("/robot/send") + "?access_token=0123456789abcdef0123456789"
    secret = "SEC" + "9f" * 32
    at = _admin_page(admin_plant)
    at.selectbox(key="robot_kind").set_value("dingtalk")
    at.text_input(key="robot_url").input(webhook)
    at.text_input(key="robot_secret").input(secret)
    submit(at, "robot")
    at = _admin_page(admin_plant)                          # as anyone opening the page later sees it
    shown = repr([e.proto for e in at.main]) + "".join(df.value.to_csv() for df in at.dataframe)
    assert "0123456789abcdef0123456789" not in shown and secret not in shown and secret[3:20] not in shown
    assert "access_token=012••••89" in shown and "SEC••••9f" in shown
    at.button(key="test_robot").click().run()
    assert [s.value for s in at.success] == ["测试消息已被对方接收。"]
    (request, _), = httpserver.log
    assert request.args["sign"] and request.get_json()["text"]["content"].startswith("快速响应跟踪板：测试消息")
    history = {(e["field"], e["new"]) for e in store.admin_history()}
    assert ("channel_secret", "SEC••••9f") in history and not any(secret in str(e) for e in store.admin_history())


def test_the_notices_tab_sets_meeting_times_contacts_and_rules_and_shows_failures(admin_plant):
    at = _admin_page(admin_plant, lang="en")
    area = admin_plant["area"].id
    at.multiselect(key=f"contacts_{area}_1").set_value([admin_plant["lead"].id])
    submit(at, f"escalation_contacts_{area}")
    assert store.escalation_contacts() == {(area, 1): [admin_plant["lead"].id]}
    at.text_area(key="holidays").input("2026-10-01\n2026-10-02")
    submit(at, "notice_rule")
    assert store.setting_values()["notifications"]["holidays"] == ["2026-10-01", "2026-10-02"]
    at.text_input(key="test_address").input("boss@plant.example")
    at.button(key="test_email").click().run()              # no e-mail server set: the failure is told
    assert literal("no e-mail server: set QR_SMTP_URL") in at.error[0].value          # escaped: read literally
    at.button(key="digests_now").click().run()
    assert not at.exception and at.success


def test_the_demo_accounts_are_named_and_deleted_with_one_button(admin_plant):
    person = store.create_person(name="演示用户", name_en="Demo user")
    store.create_account(actor_id=None, person_id=person.id, username="demo", role="owner", password="demo1234",
                         demo=True)
    at = _admin_page(admin_plant, lang="en")
    assert any(w.value.startswith("There are 1 demo accounts; their password is published") for w in at.warning)
    _ok(at.button(key="delete_demo").click().run())
    assert [s.value for s in at.success] == ["1 demo accounts deleted."]
    assert [a["username"] for a in store.accounts()] == ["boss", "sunli", "zhangwei"]
    assert not any("demo accounts" in w.value for w in at.warning)


def test_the_history_keeps_the_name_the_actor_had_and_english_names_in_english(admin_plant):
    store.create_area(actor_id=admin_plant["admin"], code="PAINT", name_zh="涂装车间", name_en="Paint shop")
    store.update_person(actor_id=admin_plant["admin"], person_id=admin_plant["admin"], name="王新", name_en="Wang Xin",
                        email="boss@plant.example")                  # renamed after acting
    history = next(df.value for df in _admin_page(admin_plant, lang="en").dataframe
                   if {"Who", "New"} <= set(df.value.columns))
    created = history[history["New"] == "PAINT 涂装车间"]
    assert created["Who"].tolist() == ["王总"]                        # the name they had, not 王新
    renamed = history[history["New"] == "王新"]
    assert renamed["Who"].tolist() == ["王总"]                        # the rename itself was made under the old name
    store.update_person(actor_id=admin_plant["admin"], person_id=admin_plant["lead"].id, name="孙丽",
                        name_en="Sun Li", email="sun.li@plant.example", area_id=admin_plant["area"].id,
                        active=False)
    history = next(df.value for df in _admin_page(admin_plant, lang="en").dataframe
                   if {"Who", "New"} <= set(df.value.columns))
    assert history[history["New"] == "No"]["Who"].tolist() == ["Wang Xin"]   # English names, "No" for False
    assert {"Area", "Person"} <= set(history["Setting"]), history["Setting"].unique()
    assert not [field for field in history["Field"] if field.startswith("field.")]     # every change named


def test_an_admin_makes_a_plant_renames_it_and_moves_an_area_into_it(admin_plant):
    at = _admin_page(admin_plant, lang="en")
    assert "area_plant" not in [s.key for s in at.selectbox]          # one plant: nothing to choose
    at.text_input(key="plant_code").input("NORTH")
    at.text_input(key="plant_name_zh").input("北厂")
    at.text_input(key="plant_name_en").input("<b>North</b> plant")
    at = submit(at, "new_plant")
    assert [s.value for s in at.success] == ["Saved, and recorded in the audit trail."]
    north = next(p for p in store.plants() if p["code"] == "NORTH")
    assert north["name_en"] == "<b>North</b> plant" and north["areas"] == 0
    at.selectbox(key="edit_plant_pick").set_value(north["id"]).run()
    at.text_input(key=f"edit_plant_zh_{north['id']}").input("北方工厂")
    at = submit(at, f"edit_plant_{north['id']}")
    area = admin_plant["area"]
    at.selectbox(key="edit_area_pick").set_value(area.id).run()
    at.selectbox(key=f"edit_area_plant_{area.id}").set_value(north["id"])
    at = submit(at, f"edit_area_{area.id}")
    assert [(p["code"], p["name_zh"], p["areas"]) for p in store.plants()] == [("NORTH", "北方工厂", 1),
                                                                               ("PLANT", "本厂", 0)]
    at.text_input(key="plant_code").input("NORTH")
    at.text_input(key="plant_name_zh").input("又一个")
    at.text_input(key="plant_name_en").input("Again")
    at = submit(at, "new_plant")
    assert len(at.error) == 1 and "NORTH" in at.error[0].value
    assert len(store.plants()) == 2


def test_a_template_is_copied_renamed_reordered_and_its_step_retired_on_the_admin_page(admin_plant, open_issue):
    at = _admin_page(admin_plant, lang="en")
    standard = admin_plant["templates"]["standard"].id
    at.text_input(key="new_template_code").set_value("customer")
    at.text_input(key="new_template_zh").set_value("客户投诉模板")
    at.text_input(key="new_template_en").set_value("Customer complaints")
    submit(at, "new_template")
    copy = next(t for t in store.reference_lists()["templates"] if t.code == "customer")
    assert [s.code for s in store.template_steps(copy.id)] == [s.code for s in store.template_steps(standard)]

    _ok(at.selectbox(key="template_pick").set_value(copy.id).run())
    at.text_input(key=f"template_en_{copy.id}").set_value("OEM complaints")
    submit(at, f"rename_template_{copy.id}")
    assert next(t for t in store.reference_lists()["templates"] if t.id == copy.id).name_en == "OEM complaints"

    last = store.template_steps(copy.id)[-1]
    _ok(at.selectbox(key=f"template_step_pick_{copy.id}").set_value(last.id).run())
    at.number_input(key=f"move_step_to_{last.id}").set_value(1)
    submit(at, f"move_step_{last.id}")
    assert store.template_steps(copy.id)[0].id == last.id

    submit(at, f"retire_step_{last.id}")
    assert [s.value for s in at.success] == ["Saved, and recorded in the audit trail."]
    assert store.template_steps(copy.id, active_only=True)[0].id != last.id
    assert any(b.label == "Bring this step back" for b in at.button)


def test_a_template_in_use_is_not_deleted_and_says_why(admin_plant):
    at = _admin_page(admin_plant, lang="en")
    standard = admin_plant["templates"]["standard"].id
    _ok(at.selectbox(key="template_pick").set_value(standard).run())
    submit(at, f"delete_template_{standard}")
    assert [e.value for e in at.error] == ["Tick the confirmation first."]
    at.checkbox(key=f"delete_template_sure_{standard}").check()
    submit(at, f"delete_template_{standard}")
    assert [e.value for e in at.error] == [
        "1 issues were opened with this template, so it cannot be deleted; retire its steps or rename it instead."]
    assert standard in {t.id for t in store.reference_lists()["templates"]}
