"""Roles are enforced in the store: every command tried by every role; exactly the allowed ones succeed, the
others are refused with a translated message and send the database no statement that writes (every table stays as it
was)."""
import re
from datetime import time, timedelta

import pytest

from qr import db, demo, store
from qr.sheet_import import ImportedIssue
from qr.i18n import error_message
from qr.store import StepSpec
from tests.conftest import PASSWORD, issue_opener, make_plant, statements_run, using_database
from tests.databases import drop_database, new_database

ACTORS = ("viewer", "owner", "other_owner", "facilitator", "admin")
EVERYONE = set(ACTORS)
CONFIGURE = {"admin"}
RUN_MEETING = {"facilitator", "admin"}
OWN_ISSUE = {"owner", "facilitator", "admin"}          # the issue's owner, or someone who may change any issue

# command → who may run it (the issue's owner is "owner"; "other_owner" has the owner role but not this issue)
ALLOWED = {
    "create_plant": CONFIGURE, "update_plant": CONFIGURE,
    "create_area": CONFIGURE, "create_person": CONFIGURE, "create_category": CONFIGURE,
    "create_template": CONFIGURE, "import_issues": CONFIGURE, "configure": CONFIGURE,
    "update_template_step": CONFIGURE, "update_area": CONFIGURE, "update_person": CONFIGURE,
    "update_category": CONFIGURE, "add_template_step": CONFIGURE,
    "rename_template": CONFIGURE, "move_template_step": CONFIGURE, "retire_template_step": CONFIGURE,
    "delete_template": CONFIGURE,
    "create_account": CONFIGURE, "set_role": CONFIGURE, "reset_password": CONFIGURE, "delete_demo_accounts": CONFIGURE,
    "create_issue": {"owner", "other_owner", "facilitator", "admin"},
    "complete_step": OWN_ISSUE, "start_step": OWN_ISSUE, "mark_step_na": OWN_ISSUE, "mark_step_worse": OWN_ISSUE,
    "set_countermeasure": OWN_ISSUE, "move_target": OWN_ISSUE, "set_next_report": OWN_ISSUE,
    "attach_file": OWN_ISSUE,
    "close_issue": RUN_MEETING, "reopen_issue": RUN_MEETING, "cancel_issue": RUN_MEETING,
    "verify_step": RUN_MEETING, "return_step": RUN_MEETING,                 # the quality engineer's check
    "approve_target_move": RUN_MEETING, "refuse_target_move": RUN_MEETING, "change_tier": RUN_MEETING,
    "set_quality_status": RUN_MEETING, "start_meeting": RUN_MEETING, "sign_in": RUN_MEETING,
    "add_guest": RUN_MEETING, "end_meeting": RUN_MEETING, "review_issue": RUN_MEETING,
    "record_report": RUN_MEETING, "decide_next_report": RUN_MEETING, "decide_action": RUN_MEETING,
    "decide_escalation": RUN_MEETING, "save_report_order": RUN_MEETING,
    "set_response_rule": CONFIGURE, "remove_response_rule": CONFIGURE,
    "create_customer": CONFIGURE, "update_customer": CONFIGURE, "set_delivery": CONFIGURE,
    "judge_complaint": RUN_MEETING, "record_acceptance": RUN_MEETING, "record_rejection": RUN_MEETING,
    "set_complaint_details": OWN_ISSUE, "set_supplier_actions": OWN_ISSUE, "record_open_call": OWN_ISSUE,
    "record_response": OWN_ISSUE, "save_eight_d": OWN_ISSUE, "record_follow_up": OWN_ISSUE,
    "link_repeat": OWN_ISSUE, "dismiss_repeats": OWN_ISSUE,
    "add_read_across_target": OWN_ISSUE, "settle_read_across_target": OWN_ISSUE,
    "change_password": EVERYONE,                       # one's own password
    "set_my_notifications": EVERYONE,                  # one's own language and channels
    "set_channel": CONFIGURE, "remove_channel": CONFIGURE, "set_escalation_contacts": CONFIGURE,
    "set_meeting_time": CONFIGURE, "queue_test": CONFIGURE, "retry_notice": CONFIGURE, "queue_digests": CONFIGURE,
    "create_display_token": CONFIGURE, "revoke_display_token": CONFIGURE, "set_meeting_settings": CONFIGURE,
}
# commands no signed-in person calls: signing in itself, and what only the system does (first start, the CLI)
WITHOUT_ACTOR = {"authenticate", "install_default_settings", "install_default_plant", "create_admin", "open_session",
                 "touch_session", "open_display",                               # a TV's token, no person
                 "end_session", "disable_demo_accounts",
                 "scan_notices", "claim_notice", "mark_sent", "mark_failed"}     # the sender (python -m qr notify)


def test_the_matrix_names_every_store_command():
    commands = {name for name, fn in store.COMMANDS.items() if fn.__module__.startswith("qr.store.")}
    assert commands == set(ALLOWED) | WITHOUT_ACTOR


def _build_world() -> dict:
    """An open issue owned by 张伟 (owner) and led by 孙丽 (facilitator), one ready to close, one closed, a
    running meeting in ASSY, a second area, and one person of each role who is neither owner nor lead."""
    plant = make_plant()
    open_issue = issue_opener(plant)
    today = store.today()
    actors = {"owner": plant["owner"].id}
    for role, name in (("viewer", "观察员"), ("other_owner", "别的责任人"), ("facilitator", "主持人"), ("admin", "管理员")):
        person = store.create_person(name=name, area_id=plant["area"].id)
        store.create_account(actor_id=None, person_id=person.id, username=role, password=PASSWORD,
                             role=role.replace("other_", ""))
        actors[role] = person.id
    issue = open_issue(today - timedelta(days=10), next_report_on=today)
    ready, closed, awaiting = (open_issue(today - timedelta(days=3)) for _ in range(3))
    for finished in (ready, closed, awaiting):
        version = finished.version
        for step in store.issue_detail(finished.number).steps:
            store.complete_step(actor_id=None, step_id=step["id"], done_on=today, expected_version=version)
            version += 1
        store.attach_file(actor_id=None, issue_id=finished.id, file_name="8D.pdf", kind="report",
                          content=demo.report_pdf("8D"), expected_version=version)
        if finished is not ready:                   # closed with the customer's acceptance, or waiting for it
            acceptance = {"accepted_by": "王经理", "accepted_how": "signed"} if finished is closed else {}
            store.close_issue(actor_id=None, issue_id=finished.id, closed_on=today, reason="完成",
                              expected_version=version + 1, **acceptance)
    supplier_issue = open_issue(today - timedelta(days=5), category="supplier", description="供应商来料尺寸超差")
    pending = open_issue(today - timedelta(days=10))        # a claim to verify and a move to approve
    pending_steps = {s["code"]: s["id"] for s in store.issue_detail(pending.number).steps}
    store.complete_step(actor_id=plant["owner"].id, step_id=pending_steps["containment"], done_on=today,
                        evidence="围堵记录已上传", expected_version=pending.version)
    store.move_target(actor_id=plant["owner"].id, step_id=pending_steps["root_cause"],
                      target_on=today + timedelta(days=5), reason="等供应商分析", expected_version=pending.version + 1)
    meeting = store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id)
    paint = store.create_area(code="PAINT", name_zh="涂装车间", name_en="Paint shop")
    steps = {s["code"]: s["id"] for s in store.issue_detail(issue.number).steps}
    no_account = store.create_person(name="无账户")
    unused_template = store.create_template(code="unused", name_zh="未用模板", name_en="Unused", severity=None,
                                            steps=[StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1)])
    robot = store.set_channel(actor_id=None, kind="wecom", area_id=plant["area"].id,
                              url="http://127.0.0.1:9/cgi-bin/webhook/send?key=k")
    store.set_channel(actor_id=None, kind="feishu", area_id=paint.id, url="http://127.0.0.1:9/hook/t")
    failed = store.queue_test(actor_id=None, channel_id=robot.id)
    claimed = store.claim_notice(worker="w")
    for _ in range(5):
        store.mark_failed(outbox_id=claimed["id"], worker="w", error="refused", now=store.now() + timedelta(days=1))
        store.claim_notice(worker="w", now=store.now() + timedelta(days=2))
    store.create_display_token(actor_id=None, name="line-tv")
    target = store.add_read_across_target(actor_id=None, issue_id=issue.id, kind="line", target="焊装B线",
                                          owner_id=plant["owner"].id, due_on=today, expected_version=issue.version)
    issue.version += 1                              # the target added is a change of the issue
    customer = store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用")   # last: then complaints need one
    return {"customer": customer, "awaiting": awaiting, "supplier_issue": supplier_issue,"target": target, **plant, "today": today, "actors": actors, "issue": issue, "ready": ready, "closed": closed,
            "pending": pending, "pending_steps": pending_steps,
            "meeting": meeting, "paint": paint, "steps": steps, "no_account": no_account,
            "failed": failed, "unused_template": unused_template,
            "line": store.sign_in_sheet(meeting.id)[0]["id"]}


@pytest.fixture(scope="module")
def built_world(tmp_path_factory, migrated_template):
    """The world, built once per test module into a database each test copies: several hundred role checks
    would otherwise build it several hundred times (the copy is a file copy or CREATE DATABASE … TEMPLATE)."""
    url = new_database(tmp_path_factory.mktemp("roles"), template=migrated_template)
    with using_database(url):
        world = _build_world()
        world.update(_versions_and_ids(world))
    yield url, world
    drop_database(url)


@pytest.fixture
def world(built_world, tmp_path):
    """A fresh copy of the built world's database for each test, and the world's ids and values."""
    template, world = built_world
    url = new_database(tmp_path, template=template)
    try:
        with using_database(url):
            yield world
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def refusals_copy(built_world, tmp_path_factory):
    """One copy of the world shared by the module's refused checks: each asserts that the refusal wrote to no
    table, so the copy stays the world as built while they pass (a copy per check was most of the matrix's time)."""
    template, _ = built_world
    url = new_database(tmp_path_factory.mktemp("refusals"), template=template)
    yield url
    drop_database(url)


@pytest.fixture
def unchanged_world(built_world, refusals_copy):
    with using_database(refusals_copy):
        yield built_world[1]


def _arguments(name: str, w: dict) -> dict:
    """Arguments with which the command succeeds for anyone allowed to run it."""
    today, issue, meeting = w["today"], w["issue"], w["meeting"]
    on_issue = {"issue_id": issue.id, "expected_version": issue.version}
    in_meeting = {"meeting_id": meeting.id, "expected_version": meeting.version}
    return {
        "create_plant": {"code": "NORTH", "name_zh": "北厂", "name_en": "North plant"},
        "update_plant": {"plant_id": w["paint"].plant_id, "name_zh": "一厂", "name_en": "Plant 1"},
        "create_area": {"code": "QA", "name_zh": "质量部", "name_en": "Quality"},
        "create_person": {"name": "新同事"},
        "create_category": {"code": "new_source", "name_zh": "新来源", "name_en": "New source", "kind": "internal"},
        "create_template": {"code": "short", "name_zh": "两步", "name_en": "Two steps", "severity": None,
                            "steps": [StepSpec("containment", "遏制措施", "Containment", "遏制", "Cont.", "D3", 1)]},
        "import_issues": {"issues": [ImportedIssue(sheet_row=2, description="导入的问题", owner="张伟", lead="孙丽", area="ASSY",
                                                   opened_on=today)], "source": "board.xlsx"},
        "configure": {"key": "warning_days", "value": 3},
        "add_template_step": {"template_id": w["templates"]["minor"].id,
                              "step": StepSpec("lpa", "分层审核", "Layered process audit", "LPA", "LPA", "D7", 35)},
        "update_area": {"area_id": w["paint"].id, "name_zh": "涂装二车间", "name_en": "Paint shop 2"},
        "update_person": {"person_id": w["no_account"].id, "name": "新名字", "email": "new.name@plant.example"},
        "update_category": {"category_id": w["categories"]["gp12"].id, "name_zh": "GP12遏制", "name_en": "GP12",
                            "kind": "internal"},
        "rename_template": {"template_id": w["templates"]["minor"].id, "name_zh": "轻微问题", "name_en": "Minor",
                            "severity": "C"},
        "move_template_step": {"template_step_id": w["template_step_id"], "position": 2},
        "retire_template_step": {"template_step_id": w["template_step_id"]},
        "delete_template": {"template_id": w["unused_template"].id},
        "update_template_step": {"template_step_id": w["template_step_id"], "name_zh": "围堵", "name_en": "Containment",
                                 "short_zh": "围堵", "short_en": "Cont.", "eight_d": "D3", "guide_limit_days": 2,
                                 "may_be_na": False},
        "create_account": {"person_id": w["no_account"].id, "username": "newcomer", "role": "viewer",
                           "password": "long-enough-1"},
        "set_role": {"person_id": w["actors"]["other_owner"], "role": "viewer"},
        "reset_password": {"person_id": w["actors"]["other_owner"], "new_password": "long-enough-2"},
        "delete_demo_accounts": {},
        "create_issue": {"description": "新问题", "category_id": w["categories"]["gp12"].id,
                         "area_id": w["area"].id, "severity": "B", "owner_id": w["owner"].id,
                         "lead_id": w["lead"].id, "opened_on": today, "next_report_on": today,
                         "template_id": w["templates"]["standard_b"].id},
        "complete_step": {"step_id": w["steps"]["containment"], "done_on": today, "evidence": "围堵记录",
                          "expected_version": issue.version},
        "verify_step": {"step_id": w["pending_steps"]["containment"], "expected_version": w["pending_version"]},
        "return_step": {"step_id": w["pending_steps"]["containment"], "reason": "缺少客户处检查记录",
                        "expected_version": w["pending_version"]},
        "approve_target_move": {"step_id": w["pending_steps"]["root_cause"], "expected_version": w["pending_version"]},
        "refuse_target_move": {"step_id": w["pending_steps"]["root_cause"], "reason": "先完成5-Why",
                               "expected_version": w["pending_version"]},
        "change_tier": {**on_issue, "on_board": False, "reason": "内部问题，已遏制"},
        "start_step": {"step_id": w["steps"]["corrective_action"], "started_on": today,
                       "expected_version": issue.version},
        "mark_step_na": {"step_id": w["steps"]["error_proofing"], "reason": "结构防错",
                         "expected_version": issue.version},
        "mark_step_worse": {"step_id": w["steps"]["verified"], "reason": "等样件", "countermeasure": "每日跟进",
                            "expected_version": issue.version},
        "set_countermeasure": {"step_id": w["steps"]["root_cause"], "countermeasure": "5-Why 进行中",
                               "expected_version": issue.version},
        "move_target": {"step_id": w["steps"]["lessons_learned"], "target_on": today + timedelta(days=90),
                        "reason": "客户同意", "expected_version": issue.version},
        "set_next_report": {**on_issue, "next_report_on": today + timedelta(days=3)},
        "attach_file": {**on_issue, "file_name": "photo.pdf", "content": demo.report_pdf("x"), "kind": "evidence"},
        "close_issue": {"issue_id": w["ready"].id, "closed_on": today, "reason": "完成",
                        "expected_version": w["ready_version"]},
        "cancel_issue": {**on_issue, "reason": "与QR-2026-0001重复"},
        "reopen_issue": {"issue_id": w["closed"].id, "reason": "再次发生",
                         "expected_version": w["closed_version"]},
        "set_quality_status": {"area_id": w["area"].id, "day": today, "colour": "Y", "note": "客户确认"},
        "start_meeting": {"area_id": w["paint"].id},
        "sign_in": {**in_meeting, "statuses": {w["line"]: "present"}},
        "add_guest": {**in_meeting, "name": "供应商"},
        "end_meeting": in_meeting,
        "review_issue": {**on_issue, "on_board": False},
        "record_report": {"meeting_id": meeting.id, "issue_id": issue.id},
        "decide_next_report": {**on_issue, "meeting_id": meeting.id, "next_report_on": today + timedelta(days=2)},
        "decide_action": {**on_issue, "meeting_id": meeting.id, "action": "供应商来厂", "owner_id": w["owner"].id,
                          "due_on": today},
        "decide_escalation": {**on_issue, "meeting_id": meeting.id, "level": 1},
        "save_report_order": {"area_id": w["area"].id, "issue_ids": [issue.id]},
        "change_password": {"current_password": PASSWORD, "new_password": "a-new-secret-9"},
        "set_response_rule": {"category_id": w["categories"]["gp12"].id, "code": "ack", "name_zh": "确认",
                              "name_en": "Acknowledge", "limit_minutes": 120},
        "remove_response_rule": {"rule_id": w["response_rule_id"]},
        "record_response": {"expected_version": issue.version, **w["first_clock"]},
        "save_eight_d": {**on_issue, "section": "D1", "values": {"team": "张伟、孙丽", "champion": "工厂经理"}},
        "set_my_notifications": {"language": "en", "notify_email": False, "wecom_id": "me", "notify_wecom": True},
        "set_channel": {"kind": "dingtalk", "area_id": w["paint"].id, "url": "https://oapi.dingtalk.com/robot/send?a=1",
                        "secret": "SECabc"},
        "remove_channel": {"channel_id": w["feishu_channel_id"]},
        "set_escalation_contacts": {"area_id": w["area"].id, "level": 2, "person_ids": [w["lead"].id]},
        "set_meeting_time": {"area_id": w["area"].id, "meeting_time": time(8, 30)},
        "queue_test": {"address": "sun.li@plant.example"},
        "retry_notice": {"outbox_id": w["failed"]},
        "queue_digests": {},
        "create_display_token": {"name": "weld-tv"},
        "revoke_display_token": {"name": "line-tv"},
        "set_meeting_settings": {"issue_seconds": 90, "meeting_target_minutes": 15, "meeting_limit_minutes": 30,
                                 "refresh_seconds": 60, "public_board": True},
        "link_repeat": {"issue_id": w["pending"].id, "repeat_of_number": issue.number, "expected_version": w["pending_version"]},
        "dismiss_repeats": on_issue,
        "add_read_across_target": {**on_issue, "kind": "part", "target": "5310-1022", "owner_id": w["owner"].id,
                                   "due_on": today},
        "settle_read_across_target": {"target_id": w["target"].id, "state": "done", "evidence": "已改造",
                                      "settled_on": today, "expected_version": issue.version},
        "create_customer": {"code": "FAW", "name_zh": "一汽", "name_en": "FAW", "site": "长春"},
        "update_customer": {"customer_id": w["customer"].id, "name_zh": "上汽通用", "name_en": "SAIC-GM",
                            "site": "金桥", "active": True},
        "set_delivery": {"customer_id": w["customer"].id, "month": today.replace(day=1), "quantity": 120_000},
        "judge_complaint": {**on_issue, "disposition": "valid", "reason": "客户现场确认", "responsibility": "ours"},
        "record_acceptance": {"issue_id": w["awaiting"].id, "accepted_on": today, "accepted_by": "王经理",
                              "accepted_how": "signed",
                              "expected_version": w["awaiting_version"]},
        "record_rejection": {"issue_id": w["awaiting"].id, "refused_by": "王经理", "reason": "现场仍有松动",
                             "expected_version": w["awaiting_version"]},
        "set_complaint_details": {**on_issue, "customer_id": w["customer"].id, "defect_quantity": 3},
        "set_supplier_actions": {"issue_id": w["supplier_issue"].id, "supplier": "华达精密",
                                 "supplier_8d_requested_on": today, "charge_back": True, "defect_quantity": 40,
                                 "expected_version": w["supplier_version"]},
        "record_open_call": {**on_issue, "done_on": today, "contact": "客户质量部 李工", "channel": "phone",
                             "satisfaction": 4, "speed": 5, "solving": 3, "attitude": 4, "remarks": "进展顺利"},
        "record_follow_up": {**w["follow_up"], "done_on": today, "contact": "客户质量部 李工",
                             "channel": "phone", "solved": True, "satisfaction": 5, "remarks": ""},
    }[name]


def _versions_and_ids(w: dict) -> dict:
    """What the commands' arguments read from the built world: read once, as every test's copy holds the same."""
    def version(number: str) -> int:
        return store.issue_detail(number).issue["version"]
    clock = store.issue_detail(w["issue"].number).issue["clocks"][0]
    follow_up = next(r for r in store.follow_ups() if r["issue_id"] == w["closed"].id)
    return {
        "template_step_id": store.template_steps(w["templates"]["standard"].id)[0].id,
        "pending_version": version(w["pending"].number), "ready_version": version(w["ready"].number),
        "closed_version": version(w["closed"].number), "awaiting_version": version(w["awaiting"].number),
        "supplier_version": version(w["supplier_issue"].number),
        "first_clock": {"clock_id": clock["id"], "responded_at": clock["started_at"] + timedelta(minutes=30),
                        "responded_by_id": w["owner"].id, "how": "电话"},
        "response_rule_id": store.response_rules(w["categories"]["complaint"].id)[0]["id"],
        "feishu_channel_id": next(c["id"] for c in store.channels() if c["kind"] == "feishu"),
        "follow_up": {"follow_up_id": follow_up["id"], "expected_version": follow_up["version"]},
    }


WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)


def _refused_without_writing(command, arguments: dict) -> store.Forbidden:
    """The command refused, and it sent the database no statement that writes: what it leaves is every table as
    it was, checked without reading every table twice (that was most of the matrix's time)."""
    def refuse() -> store.Forbidden:
        with pytest.raises(store.Forbidden) as refused:
            command(**arguments)
        return refused.value
    statements, refusal = statements_run(db.get_engine(), refuse)
    assert [s for s in statements if WRITES.match(s)] == []
    return refusal


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_role_command_matrix(request, name, actor):
    allowed = actor in ALLOWED[name]
    world = request.getfixturevalue("world" if allowed else "unchanged_world")
    command = store.COMMANDS[name]
    arguments = {**_arguments(name, world), "actor_id": world["actors"][actor]}
    if allowed:
        command(**arguments)
        return
    refusal = _refused_without_writing(command, arguments)
    role = "owner" if actor == "other_owner" else actor
    message = error_message(refusal.key, refusal.values, "en")
    assert message.startswith(f"Your role ({role}) may not ")


def test_a_person_without_an_account_may_only_read(world):
    with pytest.raises(store.Forbidden):
        store.create_issue(actor_id=world["no_account"].id, **_arguments("create_issue", world))
    assert not store.board_frame().empty


def test_the_system_may_configure_but_never_runs_a_meeting(world):
    """actor_id None is the system (first start, demo, CLI): it configures, but a meeting always names a person."""
    store.create_area(code="QA", name_zh="质量部", name_en="Quality")
    with pytest.raises(store.ValidationFailed) as refused:
        store.start_meeting(actor_id=None, area_id=world["paint"].id)
    assert refused.value.values == {"field": "actor"}


def test_a_role_change_counts_at_once(world):
    facilitator = world["actors"]["facilitator"]
    store.set_role(actor_id=world["actors"]["admin"], person_id=facilitator, role="viewer")
    with pytest.raises(store.Forbidden):
        store.start_meeting(actor_id=facilitator, area_id=world["paint"].id)
    assert store.signed_in_person(facilitator).role == "viewer"


def test_the_last_administrator_keeps_the_role(world):
    admin = world["actors"]["admin"]
    with pytest.raises(store.ValidationFailed) as refused:
        store.set_role(actor_id=admin, person_id=admin, role="viewer")
    assert refused.value.key == "err.last_admin"
    assert store.signed_in_person(admin).role == "admin"


def test_someone_who_left_only_reads(world):
    owner = world["owner"]
    store.update_person(actor_id=world["actors"]["admin"], person_id=owner.id, name=owner.name, active=False)
    with pytest.raises(store.Forbidden):
        store.set_next_report(actor_id=owner.id, **_arguments("set_next_report", world))
    with pytest.raises(store.SignInRefused):
        store.authenticate(username="zhangwei", password=PASSWORD)
    assert store.signed_in_person(owner.id) is None
