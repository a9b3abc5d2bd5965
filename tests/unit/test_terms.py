"""The Chinese UI speaks as the GM QSB course and the plants do (docs/glossary.md): the words that read wrong or
literally are gone from every UI string and from the default configuration, and their replacements are there."""
import pytest

from qr import defaults, demo
from qr.i18n import TEXT

# replaced word → what says it now (and why)
REPLACED = {
    "客户确认": "响应客户",       # the 2-hour rule is the plant responding, not the customer confirming
    "开启": "提出日期",           # literal: plants say 提出日期 / 发现日期, 未关闭, 新增
    "出席率": "与会率",           # one rate, the course's word
    "出勤率": "与会率",
    "账龄": "持续天数",           # an accounting word
    "期限天数": "指导时限",       # the course's 指导时限
    "来宾": "列席人员",
    "证据": "佐证材料",
    "工厂经理": "厂长",
    "跟踪问题清单": "观察清单",   # in the course that is the upper tier; the lower one is the watch list
    "24小时回顾": "新问题回顾",   # the review covers everything since the area's previous meeting
}


def _chinese() -> dict[str, str]:
    return {key: entry["zh"] for key, entry in TEXT.items()}


@pytest.mark.parametrize("word, now", REPLACED.items())
def test_a_replaced_word_is_gone_from_the_chinese_ui(word, now):
    assert [key for key, text in _chinese().items() if word in text] == []
    assert any(now in text for text in _chinese().values())


def test_presenter_mode_and_the_demo_data_have_their_own_names():
    """演示模式 names the demo data only; the meeting's one-issue-at-a-time view is 逐项汇报."""
    assert {key for key, text in _chinese().items() if "演示" in text} <= {
        key for key in TEXT if "demo" in key}
    assert "逐项汇报" in TEXT["presenter.toggle"]["zh"]


def test_the_new_words_are_used_where_they_belong():
    zh = _chinese()
    assert (zh["col.opened"], zh["cell.open"], zh["trends.col.opened"]) == ("提出日期", "未关闭", "新增")
    assert zh["escalation.3"] == "厂长" and zh["field.guide_limit_days"].startswith("指导时限")
    assert "与会率" in zh["signin.rate"] and "列席人员" in zh["signin.rate"]
    assert zh["update.kind.evidence"] == "佐证材料" and zh["review.on_list"] == "在观察清单"


def test_the_default_configuration_and_the_demo_use_the_new_words():
    names = [rule["name_zh"] for rule in defaults.COMPLAINT_RULES]
    assert names[0] == "响应客户" and not any(word in name for name in names for word in REPLACED)
    assert not any(word in str(demo.NEW_COMPLAINT_8D) for word in REPLACED)
