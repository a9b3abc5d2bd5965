"""Learning across issues in the store: repeats proposed, linked and dismissed; the lesson a closing writes and the
library's filters; read-across targets as a checklist that keeps the step from turning green too early."""
from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent
from qr import db, demo, store, trends
from qr.sheet_import import ImportedIssue
from tests.conftest import plant_moment

OPENED = date(2026, 3, 2)
TODAY = date(2026, 3, 12)
EIGHT_D = {
    "D1": {"team": "张伟、孙丽"},
    "D2": {"what": "支架焊点虚焊", "where": "焊装A线 R05", "when": "3月第1周", "how_many": "3件", "is": "左侧",
           "is_not": "右侧"},
    "D3": {"containment": "全检", "checked_plant": 100},
    "D4": {"occurrence": ["电流不足"], "occurrence_root": "电极帽超寿命", "detection": ["凿检漏做"],
           "detection_root": "夜班未凿检", "systemic": ["PFMEA未识别"], "systemic_root": "PFMEA缺失效模式"},
    "D5": {"actions": "计数器PLC互锁"}, "D6": {"implementation": "R05–R09改造", "verification": "3周合格"},
    "D7": {"pfmea": "增加失效模式", "control_plan": "凿检频次", "standard_work": "换帽指导书", "lpa": "加入检查",
           "read_across": "B线"},
    "D8": {"closure": "客户确认"},
}


def _open(plant, *, description="后保险杠支架焊点虚焊，客户检出3件", part="5401-0317", category="complaint",
          opened_on=OPENED, template="standard"):
    return store.create_issue(actor_id=plant["owner"].id, description=description,
                              category_id=plant["categories"][category].id, area_id=plant["area"].id, severity="A",
                              owner_id=plant["owner"].id, lead_id=plant["lead"].id, opened_on=opened_on,
                              next_report_on=opened_on, template_id=plant["templates"][template].id,
                              part_number=part, now=plant_moment(opened_on))


def _version(number: str) -> int:
    return store.issue_detail(number, on=TODAY).issue["version"]


def _close(plant, issue, *, on=TODAY, eight_d=EIGHT_D):
    """Every step done by the quality engineer, the 8D filled, closed on `on`."""
    version = _version(issue.number)
    for section, values in eight_d.items():
        store.save_eight_d(actor_id=plant["owner"].id, issue_id=issue.id, section=section, values=values,
                           expected_version=version, now=plant_moment(on))
        version += 1
    for step in store.issue_detail(issue.number, on=on).steps:
        if step["state"] == "open":
            store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=on, expected_version=version,
                                now=plant_moment(on))
            version += 1
    store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=on, reason="完成",
                      expected_version=version, now=plant_moment(on), accepted_by="王经理", accepted_how="signed")


def _events(issue_id: int) -> list[tuple[str, str, str | None]]:
    with db.read_session() as session:
        return [(e.entity, e.field, e.new) for e in session.exec(
            select(AuditEvent).where(AuditEvent.issue_id == issue_id).order_by(AuditEvent.id)).all()]


def test_similar_past_issues_by_part_and_by_description(plant):
    same_part = _open(plant, description="前门内饰板卡扣断裂", part="5401-0317")
    alike = _open(plant, description="客户投诉：支架焊点虚焊，线上发现2件", part="9999-0001")
    other_category = _open(plant, description="支架焊点虚焊", part="7777-0001", category="gp12")
    unrelated = _open(plant, description="包装标签错误，数量不符", part="1234-0001")
    cancelled = _open(plant, description="支架焊点虚焊，重复录入", part="5401-0317")
    store.cancel_issue(actor_id=plant["lead"].id, issue_id=cancelled.id, reason="重复录入",
                       expected_version=cancelled.version, now=plant_moment(OPENED))
    new = _open(plant)
    later = _open(plant, description="支架焊点虚焊", part="5401-0317")
    found = store.similar_issues(new.id)
    assert [(p["number"], p["why"]) for p in found] == [(same_part.number, "part"), (alike.number, "text")]
    assert found[1]["score"] >= 60
    shown = {p["number"] for p in found}
    assert not shown & {other_category.number, unrelated.number, cancelled.number, later.number}


def test_a_proposal_carries_the_root_cause_and_countermeasures_of_the_past_issue(plant):
    past = _open(plant)
    _close(plant, past)
    new = _open(plant, description="支架焊点脱焊，客户线上发现", opened_on=TODAY)
    (proposal,) = store.similar_issues(new.id)
    assert proposal["number"] == past.number and proposal["closed_on"] == TODAY
    assert proposal["root_cause"] == "电极帽超寿命\n夜班未凿检\nPFMEA缺失效模式"


def test_link_and_dismiss_are_audited_and_marked_on_the_board(plant):
    past, new = _open(plant), _open(plant, opened_on=TODAY)
    store.link_repeat(actor_id=plant["owner"].id, issue_id=new.id, repeat_of_number=past.number,
                      expected_version=new.version, now=plant_moment(TODAY))
    board = store.board_frame(on=TODAY).set_index("number")
    assert board.loc[new.number, "repeat_of"] == past.number and board.loc[new.number, "repeat_checked"]
    assert board.loc[past.number, "repeat_of"] == ""
    assert ("issue", "repeat_of_id", str(past.id)) in _events(new.id)
    store.dismiss_repeats(actor_id=plant["owner"].id, issue_id=new.id, expected_version=new.version + 1,
                          now=plant_moment(TODAY))
    assert store.board_frame(on=TODAY).set_index("number").loc[new.number, "repeat_of"] == ""
    assert _events(new.id)[-1] == ("issue", "repeat_of_id", None)


def test_link_refuses_a_later_issue_an_unknown_number_and_a_stale_version(plant):
    past, new = _open(plant), _open(plant, opened_on=TODAY)
    for number, key in ((new.number, "err.repeat_not_earlier"), ("QR-2026-9999", "err.not_found")):
        with pytest.raises(store.QRError) as refusal:
            store.link_repeat(actor_id=plant["owner"].id, issue_id=past.id, repeat_of_number=number,
                              expected_version=past.version, now=plant_moment(TODAY))
        assert refusal.value.key == key
    with pytest.raises(store.StaleVersion):
        store.link_repeat(actor_id=plant["owner"].id, issue_id=new.id, repeat_of_number=past.number,
                          expected_version=new.version + 5, now=plant_moment(TODAY))
    assert (store.board_frame(on=TODAY)["repeat_of"] == "").all()


def test_closing_writes_the_lesson_and_a_later_closing_rewrites_it(plant):
    issue = _open(plant)
    _close(plant, issue)
    (lesson,) = store.lessons().to_dict("records")
    assert (lesson["number"], lesson["part_number"], lesson["process"], lesson["problem"]) == (
        issue.number, "5401-0317", "焊装A线 R05", "支架焊点虚焊")
    assert lesson["what_changed"] == "计数器PLC互锁\nR05–R09改造"
    assert lesson["documents"] == "PFMEA: 增加失效模式\nCP: 凿检频次\nSW: 换帽指导书\nLPA: 加入检查"
    version = _version(issue.number)
    store.reopen_issue(actor_id=plant["lead"].id, issue_id=issue.id, reason="再次发生", expected_version=version,
                       now=plant_moment(TODAY))
    store.save_eight_d(actor_id=plant["owner"].id, issue_id=issue.id, section="D5", values={"actions": "更换焊机"},
                       expected_version=version + 1, now=plant_moment(TODAY))
    store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="完成",
                      expected_version=version + 2, now=plant_moment(TODAY), accepted_by="王经理", accepted_how="signed")
    assert store.lessons()["what_changed"].tolist() == ["更换焊机\nR05–R09改造"]


def test_a_lesson_without_an_8d_takes_the_steps_countermeasures(plant):
    issue = _open(plant, template="minor")
    steps = {s["code"]: s["id"] for s in store.issue_detail(issue.number, on=TODAY).steps}
    version = issue.version
    for code, text in (("root_cause", "模具磨损"), ("corrective_action", "更换镶块")):
        store.set_countermeasure(actor_id=plant["owner"].id, step_id=steps[code], countermeasure=text,
                                 expected_version=version, now=plant_moment(TODAY))
        version += 1
    store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version, now=plant_moment(TODAY))
    _close(plant, issue, eight_d={})
    lesson = store.lessons().iloc[0]
    assert (lesson["problem"], lesson["root_cause"], lesson["what_changed"], lesson["process"]) == (
        "后保险杠支架焊点虚焊，客户检出3件", "模具磨损", "更换镶块", "")


def test_the_library_filters(plant):
    weld, paint = _open(plant), _open(plant, description="漆面划伤", part="8402-1100", category="gp12")
    _close(plant, weld)
    _close(plant, paint, eight_d={**EIGHT_D, "D2": {**EIGHT_D["D2"], "where": "涂装线"},
                                  "D4": {**EIGHT_D["D4"], "occurrence_root": "吊具刮伤 100%_done"},
                                  "D5": {"actions": "吊具包胶"}})
    numbers = lambda **f: store.lessons(**f)["number"].tolist()       # noqa: E731
    assert set(numbers()) == {weld.number, paint.number}
    assert numbers(part="5401") == [weld.number]
    assert numbers(process="涂装") == [paint.number]
    assert numbers(category_id=plant["categories"]["gp12"].id) == [paint.number]
    assert numbers(text="吊具") == [paint.number]
    assert numbers(text="100%_") == [paint.number]                  # LIKE's wildcards are searched as typed
    assert numbers(text="100%_x") == []
    assert numbers(area_id=plant["area"].id, text="PLC 互锁") == [weld.number]


def _read_across(number: str) -> int:
    return next(s["id"] for s in store.issue_detail(number, on=TODAY).steps if s["code"] == "read_across")


def test_the_read_across_step_is_green_only_when_every_target_is_done_or_na(plant):
    issue = _open(plant)
    owner = plant["owner"].id
    line = store.add_read_across_target(actor_id=owner, issue_id=issue.id, kind="line", target="焊装B线",
                                        owner_id=plant["lead"].id, due_on=TODAY, expected_version=issue.version,
                                        now=plant_moment(TODAY))
    part = store.add_read_across_target(actor_id=owner, issue_id=issue.id, kind="part", target="5401-0318",
                                        owner_id=owner, due_on=TODAY, expected_version=issue.version + 1,
                                        now=plant_moment(TODAY))
    version = issue.version + 2
    for command, arguments in ((store.complete_step, {"done_on": TODAY}), (store.mark_step_na, {"reason": "无"})):
        with pytest.raises(store.ValidationFailed) as refusal:
            command(actor_id=plant["lead"].id, step_id=_read_across(issue.number), expected_version=version,
                    now=plant_moment(TODAY), **arguments)
        assert refusal.value.key == "err.read_across_open" and refusal.value.values == {"count": 2}
    store.settle_read_across_target(actor_id=owner, target_id=line.id, state="done", evidence="已改造",
                                    settled_on=TODAY, expected_version=version, now=plant_moment(TODAY))
    with pytest.raises(store.ValidationFailed) as refusal:
        store.settle_read_across_target(actor_id=owner, target_id=line.id, state="na", evidence="不适用",
                                        settled_on=TODAY, expected_version=version + 1, now=plant_moment(TODAY))
    assert refusal.value.key == "err.target_settled"
    with pytest.raises(store.ValidationFailed) as refusal:
        store.settle_read_across_target(actor_id=owner, target_id=part.id, state="na", evidence=" ",
                                        settled_on=TODAY, expected_version=version + 1, now=plant_moment(TODAY))
    assert refusal.value.key == "err.required"
    store.settle_read_across_target(actor_id=owner, target_id=part.id, state="na", evidence="零件已停产",
                                    settled_on=TODAY, expected_version=version + 1, now=plant_moment(TODAY))
    store.complete_step(actor_id=plant["lead"].id, step_id=_read_across(issue.number), done_on=TODAY,
                        expected_version=version + 2, now=plant_moment(TODAY))
    step = store.issue_detail(issue.number, on=TODAY).steps
    assert next(s for s in step if s["code"] == "read_across")["status"] == "G"
    assert [(t["target"], t["state"], t["evidence"]) for t in store.read_across_targets(issue.id)] == [
        ("焊装B线", "done", "已改造"), ("5401-0318", "na", "零件已停产")]
    with pytest.raises(store.ValidationFailed) as refusal:      # a done step takes no new target
        store.add_read_across_target(actor_id=owner, issue_id=issue.id, kind="area", target="冲压车间", owner_id=owner,
                                     due_on=TODAY, expected_version=version + 3, now=plant_moment(TODAY))
    assert refusal.value.key == "err.step_not_open"
    fields = [(entity, field) for entity, field, _ in _events(issue.id) if entity == "read_across"]
    assert fields == [("read_across", "target")] * 2 + [("read_across", f) for f in ("state", "evidence", "settled_on")] * 2


def test_a_target_is_refused_without_a_text_a_known_kind_or_a_read_across_step(plant):
    issue, minor = _open(plant), _open(plant, template="minor")
    arguments = {"actor_id": plant["owner"].id, "owner_id": plant["owner"].id, "due_on": TODAY,
                 "now": plant_moment(TODAY)}
    for values, key in (({"issue_id": issue.id, "kind": "line", "target": "  "}, "err.required"),
                        ({"issue_id": issue.id, "kind": "robot", "target": "B线"}, "err.bad_choice"),
                        ({"issue_id": minor.id, "kind": "line", "target": "B线"}, "err.no_read_across_step")):
        with pytest.raises(store.ValidationFailed) as refusal:
            store.add_read_across_target(expected_version=1, **values, **arguments)
        assert refusal.value.key == key
    assert store.read_across_targets(issue.id) == [] and store.read_across_targets(minor.id) == []


def test_targets_are_proposed_from_the_part_family_and_the_plant(plant):
    paint = store.create_area(code="PAINT", name_zh="涂装车间", name_en="Paint shop")
    store.create_issue(actor_id=None, description="漆面划伤", category_id=plant["categories"]["gp12"].id,
                       area_id=paint.id, severity="B", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
                       opened_on=OPENED, next_report_on=OPENED, template_id=plant["templates"]["standard"].id,
                       part_number="5401-0999", now=plant_moment(OPENED))
    _open(plant, part="5401-0318")
    _open(plant, part="8402-1100")
    issue = _open(plant)
    proposals = [(p["kind"], p["target"], p["why"]) for p in store.read_across_proposals(issue.id)]
    assert proposals == [("part", "5401-0318", "family"), ("part", "5401-0999", "family"),
                         ("area", "涂装车间", "related")]
    store.add_read_across_target(actor_id=None, issue_id=issue.id, kind="part", target="5401-0318",
                                 owner_id=plant["owner"].id, due_on=TODAY, expected_version=issue.version,
                                 now=plant_moment(TODAY))
    assert ("part", "5401-0318") not in [(p["kind"], p["target"]) for p in store.read_across_proposals(issue.id)]


def test_the_repeat_rate_counts_repeats_of_issues_closed_within_a_year(plant):
    past = _open(plant)
    _close(plant, past, on=OPENED + timedelta(days=1))
    repeat, fresh = _open(plant, opened_on=TODAY), _open(plant, description="漆面划伤", part="", opened_on=TODAY)
    store.link_repeat(actor_id=None, issue_id=repeat.id, repeat_of_number=past.number, expected_version=1,
                      now=plant_moment(TODAY))
    store.dismiss_repeats(actor_id=None, issue_id=fresh.id, expected_version=1, now=plant_moment(TODAY))
    period = trends.period_for(OPENED, TODAY, TODAY)
    frame = trends.repeats_by_week(store.trends_issues(), period).set_index("week")
    assert frame.loc["2026-W11", ["opened", "repeats", "rate"]].tolist() == [2, 1, 0.5]
    assert frame.loc["2026-W10", ["opened", "repeats"]].tolist() == [1, 0]


def test_a_repeat_of_an_issue_closed_over_a_year_before_is_not_counted():
    issues = store.TREND_ISSUE_COLUMNS
    frame = __import__("pandas").DataFrame([
        {**dict.fromkeys(issues), "id": 1, "opened_on": date(2026, 3, 10), "repeat_of_closed_on": date(2025, 3, 9)},
        {**dict.fromkeys(issues), "id": 2, "opened_on": date(2026, 3, 11), "repeat_of_closed_on": date(2025, 3, 11)},
    ])
    period = trends.period_for(date(2026, 3, 9), date(2026, 3, 15), date(2026, 3, 15))
    assert trends.repeats_by_week(frame, period)[["opened", "repeats"]].values.tolist() == [[2, 1]]


def test_an_imported_issue_is_proposed_its_past_issues_and_a_sheet_that_closes_one_writes_its_lesson(plant):
    past = _open(plant)
    rows = [ImportedIssue(sheet_row=2, description="客户投诉：后保险杠支架焊点虚焊，线上发现", owner="张伟", lead="孙丽",
                          area="ASSY", category="客户投诉", opened_on=TODAY, part_number="9999-0001"),
            ImportedIssue(sheet_row=3, number=past.number, description=past.description, owner="张伟", lead="孙丽",
                          area="ASSY", category="客户投诉", opened_on=OPENED, part_number="5401-0317",
                          status="closed", closed_on=TODAY, comment="客户确认")]
    store.import_issues(actor_id=None, issues=rows, source="plant.xlsx", now=plant_moment(TODAY))
    imported = store.board_frame(on=TODAY, include_closed=True).set_index("number")
    new_id = int(imported[imported.index != past.number]["id"].iloc[0])
    assert [p["number"] for p in store.similar_issues(new_id)] == [past.number]
    assert store.lessons()["number"].tolist() == [past.number]
