"""The store on a real SQLite file: board query, commands, optimistic locking and the audit trail."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import AuditEvent, Issue, IssueStep
from qr import db, demo, store
from qr.rules import Status
from tests.conftest import plant_moment, statements_sent

OPENED = date(2026, 3, 2)          # a Monday
TODAY = date(2026, 3, 12)          # containment (1 d) and root cause (7 d) are past their targets


def _steps(number: str, on: date = TODAY) -> dict[str, dict]:
    return {s["code"]: s for s in store.issue_detail(number, on=on).steps}


def _version(issue_id: int) -> int:
    with db.read_session() as session:
        return session.get(Issue, issue_id).version


def _audit_fields(issue_id: int) -> list[tuple[str, str | None]]:
    with db.read_session() as session:
        return [(e.field, e.new) for e in session.exec(select(AuditEvent).where(AuditEvent.issue_id == issue_id)
                                                       .order_by(AuditEvent.id)).all()]


def test_create_issue_numbers_targets_and_audit(open_issue):
    first, second = open_issue(OPENED), open_issue(OPENED)
    assert (first.number, second.number) == ("QR-2026-0001", "QR-2026-0002")
    steps = _steps(first.number, on=OPENED)
    assert steps["containment"]["target_on"] == date(2026, 3, 3)
    assert steps["root_cause"]["target_on"] == date(2026, 3, 9)
    assert steps["lessons_learned"]["target_on"] == date(2026, 4, 16)
    assert [s["status"] for s in steps.values()] == [Status.Y] * 10
    assert _audit_fields(first.id) == [("created", "QR-2026-0001")]


def test_create_issue_with_moved_target_and_na_step_records_reasons(plant, open_issue):
    issue = store.create_issue(
        actor_id=plant["owner"].id, description="停线：模具顶杆断裂", category_id=plant["categories"]["line_stop"].id,
        area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
        opened_on=OPENED, next_report_on=OPENED, template_id=plant["templates"]["standard"].id,
        target_changes={2: (date(2026, 3, 20), "等待模具厂分析")}, na_steps={4: "结构已防错"},
        now=plant_moment(OPENED))
    steps = _steps(issue.number)
    assert steps["root_cause"]["target_on"] == date(2026, 3, 20)
    assert steps["error_proofing"]["status"] == Status.NA
    with db.read_session() as session:
        reasons = {(e.field, e.reason) for e in session.exec(select(AuditEvent).where(AuditEvent.issue_id == issue.id))}
    assert ("target_on", "等待模具厂分析") in reasons and ("state", "结构已防错") in reasons


@pytest.mark.parametrize("field, value, key", [
    ("description", "   ", "err.required"),
    ("description", "缺" * 2001, "err.too_long"),
    ("opened_on", date(2099, 1, 1), "err.future_date"),
    ("next_report_on", date(2026, 3, 1), "err.past_date"),
    ("severity", "Z", "err.bad_choice"),
    ("owner_id", 9999, "err.not_found"),
])
def test_create_issue_refuses_bad_input_and_writes_nothing(plant, field, value, key):
    arguments = dict(actor_id=plant["owner"].id, description="PRR：焊点虚焊", category_id=plant["categories"]["prr"].id,
                     area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
                     opened_on=OPENED, next_report_on=OPENED, template_id=plant["templates"]["standard"].id,
                     now=plant_moment(OPENED))
    arguments[field] = value
    with pytest.raises(store.ValidationFailed if key != "err.not_found" else store.NotFound) as refusal:
        store.create_issue(**arguments)
    assert refusal.value.key == key
    assert store.issue_count() == 0
    assert store.board_frame(on=OPENED).empty


def test_complete_step_turns_it_green_and_records_who_and_when(plant, open_issue):
    """The quality engineer (the lead, a facilitator) completes it: checked as it is made, green at once."""
    issue = open_issue(OPENED)
    containment = _steps(issue.number)["containment"]
    store.complete_step(actor_id=plant["lead"].id, step_id=containment["id"], done_on=date(2026, 3, 5),
                        expected_version=issue.version, now=plant_moment(TODAY))
    steps = _steps(issue.number)
    assert steps["containment"]["status"] == Status.G            # completed late is still green
    assert steps["containment"]["completed_on"] == date(2026, 3, 5)
    history = store.issue_detail(issue.number, on=TODAY).history
    assert [(h["field"], h["new"], h["actor"]) for h in history[:2]] == [
        ("completed_on", "2026-03-05", "孙丽"), ("state", "done", "孙丽")]
    assert _version(issue.id) == issue.version + 1


def test_history_names_the_person_and_the_issue_an_event_points_to(plant, open_issue):
    """An owner's claim records who claimed by id, a repeat the earlier issue by id: the history names them, in each
    language, with one read per kind named whatever the number of events."""
    past, issue = open_issue(OPENED), open_issue(OPENED)
    containment = _steps(issue.number)["containment"]
    store.complete_step(actor_id=plant["owner"].id, step_id=containment["id"], done_on=date(2026, 3, 5),
                        evidence="隔离200件", expected_version=issue.version, now=plant_moment(TODAY))
    store.link_repeat(actor_id=plant["owner"].id, issue_id=issue.id, repeat_of_number=past.number,
                      expected_version=issue.version + 1, now=plant_moment(TODAY))
    history = {h["field"]: h for h in store.issue_detail(issue.number, on=TODAY).history}
    claimed, repeat = history["claimed_by_id"], history["repeat_of_id"]
    assert (claimed["old"], claimed["new"], claimed["new_en"]) == (None, "张伟", "Zhang Wei")
    assert (repeat["new"], repeat["new_en"]) == (past.number, past.number)
    assert history["evidence"]["new"] == "隔离200件"                     # typed text is kept as typed
    sent, _ = statements_sent(db.get_engine(), lambda: store.issue_detail(issue.number, on=TODAY))
    store.verify_step(actor_id=plant["lead"].id, step_id=containment["id"], expected_version=issue.version + 2,
                      now=plant_moment(TODAY))                             # a second person named: still one read
    after, detail = statements_sent(db.get_engine(), lambda: store.issue_detail(issue.number, on=TODAY))
    assert after == sent
    assert next(h for h in detail.history if h["field"] == "verified_by_id")["new_en"] == "Sun Li"


def test_completion_date_must_lie_between_open_date_and_today(plant, open_issue):
    issue = open_issue(OPENED)
    step_id = _steps(issue.number)["containment"]["id"]
    for wrong in (OPENED - timedelta(days=1), TODAY + timedelta(days=1)):
        with pytest.raises(store.ValidationFailed) as refusal:
            store.complete_step(actor_id=plant["owner"].id, step_id=step_id, done_on=wrong,
                                expected_version=issue.version, now=plant_moment(TODAY))
        assert refusal.value.key == "err.done_out_of_range"
    assert _version(issue.id) == issue.version                    # refused saves leave the version alone


def test_red_step_cannot_lose_its_countermeasure(plant, open_issue):
    issue = open_issue(OPENED)
    root_cause = _steps(issue.number)["root_cause"]
    assert root_cause["status"] == Status.R
    with pytest.raises(store.ValidationFailed) as refusal:
        store.set_countermeasure(actor_id=plant["owner"].id, step_id=root_cause["id"], countermeasure="  ",
                                 expected_version=issue.version, now=plant_moment(TODAY))
    assert refusal.value.key == "err.countermeasure_needed"
    assert refusal.value.values["step"] == "根本原因分析"
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=root_cause["id"], countermeasure="鱼骨图分析中，周五汇报",
                             expected_version=issue.version, now=plant_moment(TODAY))
    assert _steps(issue.number)["root_cause"]["countermeasure"] == "鱼骨图分析中，周五汇报"


def test_mark_worse_needs_a_countermeasure_and_turns_the_step_red(plant, open_issue):
    issue = open_issue(OPENED)
    verified = _steps(issue.number)["verified"]                  # target 04-01: yellow today
    with pytest.raises(store.ValidationFailed):
        store.mark_step_worse(actor_id=plant["owner"].id, step_id=verified["id"], reason="等待供应商样件",
                              countermeasure="", expected_version=issue.version, now=plant_moment(TODAY))
    assert _steps(issue.number)["verified"]["status"] == Status.Y
    store.mark_step_worse(actor_id=plant["owner"].id, step_id=verified["id"], reason="等待供应商样件",
                          countermeasure="每日电话跟进", expected_version=issue.version, now=plant_moment(TODAY))
    step = _steps(issue.number, on=TODAY + timedelta(days=3))["verified"]
    assert (step["status"], step["days_red"]) == (Status.R, 3)


def test_stale_save_is_refused_with_who_and_when_and_changes_nothing(plant, open_issue):
    issue = open_issue(OPENED)
    steps = _steps(issue.number)
    loaded = issue.version
    store.complete_step(actor_id=plant["lead"].id, step_id=steps["containment"]["id"], done_on=OPENED,
                        expected_version=loaded, now=plant_moment(TODAY, 8))
    with pytest.raises(store.StaleVersion) as refusal:
        store.set_countermeasure(actor_id=plant["owner"].id, step_id=steps["root_cause"]["id"],
                                 countermeasure="我的对策", expected_version=loaded, now=plant_moment(TODAY, 9))
    assert refusal.value.values == {"number": issue.number, "who": "孙丽", "who_en": "Sun Li",
                                     "when": "2026-03-12 08:00"}
    assert _steps(issue.number)["root_cause"]["countermeasure"] == ""


def test_close_refuses_open_steps_then_closes_when_all_green_or_na(plant, open_issue):
    issue = open_issue(OPENED, template="minor", severity="C")
    with pytest.raises(store.ValidationFailed) as refusal:
        store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="完成",
                          expected_version=issue.version, now=plant_moment(TODAY))
    assert refusal.value.key == "err.open_steps" and "遏制措施" in refusal.value.values["steps"]
    version = issue.version
    for step in store.issue_detail(issue.number, on=TODAY).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=TODAY,
                            expected_version=version, now=plant_moment(TODAY))
        version += 1
    with pytest.raises(store.ValidationFailed) as refusal:
        store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="完成",
                          expected_version=version, now=plant_moment(TODAY))
    assert refusal.value.key == "err.report_or_8d"
    assert refusal.value.values["sections"] == "D1, D2, D3, D4, D5, D6, D7, D8"
    store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version, now=plant_moment(TODAY))
    store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="快速反应会确认关闭",
                      expected_version=version + 1, now=plant_moment(TODAY), accepted_by="王经理", accepted_how="signed")
    assert store.board_frame(on=TODAY).empty
    recent = store.board_frame(on=TODAY, include_recently_closed=True)
    assert list(recent["number"]) == [issue.number] and recent.iloc[0]["overall"] == "G"
    assert store.board_frame(on=TODAY + timedelta(days=8), include_recently_closed=True).empty
    assert ("closed_on", "2026-03-12") in _audit_fields(issue.id)


def test_board_frame_colours_overall_overdue_and_escalation(plant, open_issue):
    issue = open_issue(OPENED, next_report_on=date(2026, 3, 10))
    row = store.board_frame(on=TODAY).iloc[0]
    assert row["number"] == issue.number
    assert row["steps"]["containment"]["status"] == Status.R     # target 03-03
    assert row["overall"] == "R"
    assert row["report_overdue"]                                 # next report 03-10 < 03-12
    assert row["days_red"] == 8                                  # red since 03-04
    assert row["escalation_level"] == 3                          # ≥ 7 days red → plant manager
    assert row["days_open"] == 10
    assert (row["owner"], row["lead"], row["category_zh"]) == ("张伟", "孙丽", "客户投诉")


def test_change_counter_grows_with_every_write(plant, open_issue):
    before = store.change_counter()
    issue = open_issue(OPENED)
    after_create = store.change_counter()
    store.set_next_report(actor_id=plant["owner"].id, issue_id=issue.id, next_report_on=TODAY,
                          expected_version=issue.version, now=plant_moment(TODAY))
    assert before < after_create < store.change_counter()


def test_trends_counter_moves_only_with_what_a_kpi_reads(plant, open_issue):
    """Countermeasures, the 8D, files and next report dates change no KPI: the trends' caches outlive them; a step
    done, a target moved or a new issue does not."""
    issue = open_issue(OPENED)
    owner, step = plant["owner"].id, store.issue_detail(issue.number).steps[0]

    def version() -> int:
        return store.issue_detail(issue.number).issue["version"]
    start = store.trends_counter()
    store.set_countermeasure(actor_id=owner, step_id=step["id"], countermeasure="隔离库存", expected_version=version())
    store.save_eight_d(actor_id=owner, issue_id=issue.id, section="D1", values={"team": "质量：孙丽"},
                       expected_version=version())
    store.set_next_report(actor_id=owner, issue_id=issue.id, next_report_on=TODAY, expected_version=version(),
                          now=plant_moment(TODAY))
    store.attach_file(actor_id=owner, issue_id=issue.id, file_name="8D.pdf", kind="report", content=b"%PDF-1.4 8D",
                      expected_version=version())
    assert store.trends_counter() == start and store.change_counter() != start
    store.complete_step(actor_id=owner, step_id=step["id"], done_on=TODAY, evidence="隔离200件",
                        expected_version=version(), now=plant_moment(TODAY))
    done = store.trends_counter()
    assert done > start
    store.move_target(actor_id=owner, step_id=store.issue_detail(issue.number).steps[1]["id"],
                      target_on=TODAY + timedelta(days=9), reason="模具返修", expected_version=version(),
                      now=plant_moment(TODAY))
    assert store.trends_counter() > done


def test_quality_status_from_the_day_rule(plant, open_issue):
    open_issue(TODAY, category="gp12", severity="B", template="standard_b")
    assert [q["colour"] for q in store.quality_status(on=TODAY)] == ["Y"]
    open_issue(TODAY, category="complaint")
    assert [q["colour"] for q in store.quality_status(on=TODAY)] == ["R"]
    assert [q["colour"] for q in store.quality_status(on=TODAY - timedelta(days=1))] == ["G"]


def _count_board_statements(on: date) -> tuple[int, int]:
    count, frame = statements_sent(db.get_engine(), lambda: store.board_frame(on=on))
    return count, len(frame)


def test_board_query_statement_count_does_not_grow_with_issues(open_issue):
    for _ in range(10):
        open_issue(OPENED)
    at_ten, rows_ten = _count_board_statements(TODAY)
    for _ in range(490):
        open_issue(OPENED)
    at_five_hundred, rows_five_hundred = _count_board_statements(TODAY)
    assert (rows_ten, rows_five_hundred) == (10, 500)
    assert at_ten == at_five_hundred <= 5      # the configured rules, the issues, their steps, their clocks
    with db.read_session() as session:
        assert session.exec(select(func.count()).select_from(IssueStep)).one() == 5000


def test_ids_taken_from_the_board_frame_work_as_arguments(open_issue):
    """Pages pass numpy integers straight from the DataFrame."""
    open_issue(OPENED)
    row = store.board_frame(on=TODAY).iloc[0]
    step = row["steps"]["root_cause"]
    store.set_countermeasure(actor_id=row["owner_id"], step_id=step["id"], countermeasure="5-Why 分析中",
                             expected_version=row["version"], now=plant_moment(TODAY))
    assert _steps(row["number"])["root_cause"]["countermeasure"] == "5-Why 分析中"
    assert store.issue_detail(row["number"], on=TODAY).history[0]["actor"] == "张伟"


@pytest.mark.parametrize("on", [TODAY, date(2026, 1, 2), date(2026, 7, 31), date(2026, 11, 20)])
def test_demo_board_keeps_its_own_rules(engine, on):
    """On any day the demo loads and follows the rules it teaches: red and warned steps carry a
    countermeasure, colours come from dates (the demo plays against the real today)."""
    from qr import rules
    demo.load_demo(on=on)
    board = store.board_frame(on=on)
    assert len(board) >= 20 and store.issue_count() == len(demo.ISSUES) + demo.STORIES
    assert set(board["overall"]) >= {"R", "Y"} and board["report_overdue"].any() and board["escalation_level"].any()
    steps = [s for row in board["steps"] for s in row.values()]
    assert any(s["status"] == rules.Status.NA for s in steps)
    needing = [s for s in steps if s["status"] == rules.Status.R or s["warning"]]
    assert needing and all(s["countermeasure"] for s in needing)


def test_reopen_puts_the_issue_back_with_its_reason(plant, open_issue):
    issue = open_issue(OPENED, template="minor", severity="C")
    version = issue.version
    for step in store.issue_detail(issue.number, on=TODAY).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=TODAY, expected_version=version,
                            now=plant_moment(TODAY))
        version += 1
    store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version, now=plant_moment(TODAY))
    store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="关闭",
                      expected_version=version + 1, now=plant_moment(TODAY), accepted_by="王经理", accepted_how="signed")
    later = TODAY + timedelta(days=3)
    store.reopen_issue(actor_id=plant["lead"].id, issue_id=issue.id, reason="客户再次抱怨",
                       expected_version=version + 2, now=plant_moment(later))
    row = store.board_frame(on=later).iloc[0]
    assert (row["number"], row["closed_on"], row["next_report_on"]) == (issue.number, None, later)
    history = store.issue_detail(issue.number, on=later).history
    reopened = next(h for h in history if h["field"] == "closed_on")       # newest first: the reopening
    assert (reopened["old"], reopened["new"], reopened["reason"]) == ("2026-03-12", None, "客户再次抱怨")
    # the call is dropped and the customer's acceptance of the closing no longer holds
    assert [h["field"] for h in history[:4]] == ["next_report_on", "follow_up_due", "accepted_on", "closed_on"]


def test_attachments_are_judged_by_content(plant, open_issue):
    import io
    import openpyxl
    issue = open_issue(OPENED)
    workbook = io.BytesIO()
    openpyxl.Workbook().save(workbook)
    stored = store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="围堵清单.xlsx",
                               content=workbook.getvalue(), kind="evidence", expected_version=issue.version,
                               now=plant_moment(TODAY))
    for name, content in [("8D.pdf", b"MZ\x90\x00 not a pdf"), ("photo.png", demo.report_pdf("x")),
                          ("notes.txt", b"plain text")]:
        with pytest.raises(store.ValidationFailed) as refusal:
            store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name=name, content=content,
                              kind="evidence", expected_version=issue.version + 1, now=plant_moment(TODAY))
        assert refusal.value.key == "err.file_type"
    assert [(a["file_name"], a["file_type"]) for a in store.attachments(issue.id)] == [("围堵清单.xlsx", "xlsx")]
    name, mime, content = store.attachment_content(stored.id)
    assert (name, content) == ("围堵清单.xlsx", workbook.getvalue()) and mime.endswith("spreadsheetml.sheet")


def test_board_columns_follow_the_fullest_template(plant):
    """The minor template's 5th step is lessons learned; on the board it stays the last column."""
    from qr.defaults import STANDARD_STEPS
    assert [c["code"] for c in store.step_columns()] == [s.code for s in STANDARD_STEPS]
