"""How an audited value reads in the issue's history and the meeting's changes (no database)."""
import pytest

from qr.history_views import readable_value, shown_field, shown_value


@pytest.mark.parametrize("field, value, lang, shown", [
    ("unsolved_flag", "True", "zh", "是"),
    ("cancelled", "False", "en", "No"),
    ("on_board", "False", "zh", "在观察清单"),
    ("disposition", "invalid", "zh", "无效"),
    ("responsibility", "customer", "en", "Customer"),
    ("accepted_how", "email", "zh", "邮件"),
    ("escalated_level", "3", "zh", "厂长"),
    ("state", "na", "en", "Not applicable"),
    ("reviewed_at", "2026-09-14T08:00:00+08:00", "zh", "2026-09-14 08:00"),
    ("target", "line: 焊装B线 R11–R14", "zh", "产线: 焊装B线 R11–R14"),
    ("target", "part: 5401-0318", "en", "Similar part: 5401-0318"),
    ("closed_on", None, "zh", ""),
    ("countermeasure", "", "en", ""),
])
def test_codes_yes_no_and_moments_read_as_words(field, value, lang, shown):
    assert readable_value(field, value, lang) == shown


def test_text_a_person_typed_reads_as_typed_even_when_it_looks_like_a_code():
    """A countermeasure reading "True" or "invalid" is what the owner wrote: only coded fields are translated."""
    assert readable_value("countermeasure", "invalid", "zh") == "invalid"
    assert readable_value("disposition", "=1+1", "zh") == "=1+1"
    assert readable_value("reviewed_at", "not a moment", "en") == "not a moment"


def test_a_follow_up_call_reads_in_the_readers_language():
    written = "2026-11-10 售后服务站 陈主管 (phone): solved=False, satisfaction=4, speed=3, solving=4, attitude=5"
    assert readable_value("follow_up_done", written, "zh") == (
        "2026-11-10 售后服务站 陈主管（电话）：问题已解决 否，满意度 4，响应速度 3，解决能力 4，服务态度 5")
    assert readable_value("follow_up_done", written, "en") == (
        "2026-11-10 售后服务站 陈主管 (Phone): Solved No, Satisfaction 4, Response speed 3, Solving ability 4, "
        "Attitude 5")


def test_a_contact_with_brackets_of_its_own_keeps_them():
    """The contact is free text: only the last "(channel): " is the channel."""
    written = "2026-11-27 王经理 (SQE): 转 (wechat): satisfaction=3, speed=2, solving=2, attitude=2"
    assert readable_value("open_call", written, "zh") == (
        "2026-11-27 王经理 (SQE): 转（微信）：满意度 3，响应速度 2，解决能力 2，服务态度 2")


def test_a_call_written_some_other_way_is_shown_as_written():
    assert readable_value("follow_up_done", "客户电话确认已解决", "en") == "客户电话确认已解决"


def test_a_history_line_shows_the_side_in_the_readers_language():
    line = {"field": "owner_id", "old": "张伟", "old_en": "Zhang Wei", "new": "孙丽", "new_en": "Sun Li"}
    assert (shown_value(line, "old", "en"), shown_value(line, "new", "zh")) == ("Zhang Wei", "孙丽")


@pytest.mark.parametrize("entity, field, lang, shown", [
    ("customerdelivery", "FAW-VW.2026-10", "zh", "交付数量 FAW-VW 2026-10"),
    ("response_rule", "complaint.ack", "en", "Response rule complaint.ack"),
    ("setting", "follow_up_rule", "zh", "回访规则"),
    ("8d", "8d.D3.checked_plant", "en", "D3 Checked in the plant"),
])
def test_what_an_event_changed_is_named(entity, field, lang, shown):
    assert shown_field(entity, field, lang) == shown
