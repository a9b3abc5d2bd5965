"""The built-in 8D report: completeness, saving a section (audit, optimistic locking, steps untouched),
closing with it instead of an attached file, and its PDF read back with pdftotext in both languages and rendered
to PNG as a form."""
import re
import subprocess
from datetime import date

import pytest
from PIL import Image

from qr import eight_d, palette, store
from tests.conftest import plant_moment

OPENED, TODAY = date(2026, 3, 2), date(2026, 3, 12)

FULL = {
    "D1": {"team": "张伟(质量)、孙丽(生产)、李强(工艺)", "champion": "王厂长"},
    "D2": {"what": "左前门内饰板卡扣断裂", "where": "总装二线工位12", "when": "2026-03-01 夜班",
           "who": "主机厂PDI发现", "why": "异响投诉", "how": "拆检发现", "how_many": "3台/500台",
           "is": "批次B0301", "is_not": "批次B0228及以前"},
    "D3": {"containment": "隔离在库品并100%检查", "checked_plant": 420, "checked_transit": 80,
           "checked_customer": 500, "found": 3},
    "D4": {"occurrence": ["卡扣断裂", "装配力过大", "气动工具扭矩漂移"], "occurrence_root": "工具未点检",
           "detection": ["终检未发现", "无异响检测"], "detection_root": "检测项缺失",
           "systemic": ["PFMEA未识别", "经验未横展"], "systemic_root": "经验教训流程缺失"},
    "D5": {"actions": "工具每班点检；终检增加异响测试"},
    "D6": {"implementation": "2026-03-05 实施", "verification": "连续3周零缺陷"},
    "D7": {"pfmea": "已更新", "control_plan": "已更新", "standard_work": "SOS更新", "lpa": "加入LPA检查表",
           "read_across": "右前门、后门同步"},
    "D8": {"closure": "客户确认关闭", "recognition": "表彰小组"},
}


def test_missing_names_each_empty_required_field():
    assert eight_d.missing(FULL) == {}
    gaps = eight_d.missing({**FULL, "D3": {**FULL["D3"], "checked_plant": None, "checked_transit": None,
                                           "checked_customer": None},
                            "D4": {**FULL["D4"], "detection": ["", "x"]}, "D8": {"recognition": "表彰"}})
    assert gaps == {"D3": ["checked"], "D4": ["detection"], "D8": ["closure"]}


@pytest.mark.parametrize("eight_d_code, section", [("D3", "D3"), ("D5/D6", "D5"), ("d7", "D7"), ("", "D1")])
def test_a_step_links_to_its_section(eight_d_code, section):
    assert eight_d.section_of(eight_d_code) == section


def _fill(plant, issue, content: dict, version: int, now) -> int:
    for section, values in content.items():
        store.save_eight_d(actor_id=plant["owner"].id, issue_id=issue.id, section=section, values=values,
                           expected_version=version, now=now)
        version += 1
    return version


def test_a_complete_8d_closes_the_issue_and_filling_it_leaves_the_steps_be(plant, open_issue):
    issue = open_issue(OPENED, template="minor", severity="C")
    before = {s["code"]: s["status"] for s in store.issue_detail(issue.number, on=TODAY).steps}
    version = _fill(plant, issue, FULL, issue.version, plant_moment(TODAY))
    assert {s["code"]: s["status"] for s in store.issue_detail(issue.number, on=TODAY).steps} == before
    report = store.eight_d_report(issue.number, on=TODAY)
    assert report["missing"] == {} and report["content"]["D4"]["occurrence"] == FULL["D4"]["occurrence"]
    assert [s["code"] for s in report["steps"]["D3"]] == ["containment"]
    history = store.issue_detail(issue.number, on=TODAY).history
    assert ("8d.D3.checked_customer", None, "500") in [(h["field"], h["old"], h["new"]) for h in history]
    for step in store.issue_detail(issue.number, on=TODAY).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=TODAY,
                            expected_version=version, now=plant_moment(TODAY))
        version += 1
    store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="8D完成",
                      expected_version=version, now=plant_moment(TODAY), accepted_by="王经理", accepted_how="signed")
    assert store.issue_detail(issue.number, on=TODAY).issue["closed_on"] == TODAY


def test_an_incomplete_8d_does_not_close_and_names_what_is_missing(plant, open_issue):
    issue = open_issue(OPENED, template="minor", severity="C")
    version = _fill(plant, issue, {code: FULL[code] for code in ("D1", "D2", "D3", "D5", "D6", "D7", "D8")},
                    issue.version, plant_moment(TODAY))
    for step in store.issue_detail(issue.number, on=TODAY).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=TODAY,
                            expected_version=version, now=plant_moment(TODAY))
        version += 1
    with pytest.raises(store.QRError) as refusal:
        store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=TODAY, reason="完成",
                          expected_version=version, now=plant_moment(TODAY))
    assert (refusal.value.key, refusal.value.values["sections"]) == ("err.report_or_8d", "D4")


@pytest.mark.parametrize("section, values, key", [
    ("D3", {"checked_plant": -1}, "err.not_quantity"),
    ("D3", {"checked_plant": 2.5}, "err.not_quantity"),
    ("D4", {"occurrence": ["1", "2", "3", "4", "5", "6"]}, "err.too_long"),
    ("D9", {"x": "y"}, "err.bad_choice"),
    ("D1", {"colour": "G"}, "err.bad_choice"),
    ("D1", {"team": "x" * 2001}, "err.too_long"),
    ("D1", {"team": ""}, "err.no_change"),
])
def test_bad_sections_are_refused(plant, open_issue, section, values, key):
    issue = open_issue(OPENED)
    with pytest.raises(store.QRError) as refusal:
        store.save_eight_d(actor_id=plant["owner"].id, issue_id=issue.id, section=section, values=values,
                           expected_version=issue.version, now=plant_moment(TODAY))
    assert refusal.value.key == key
    assert store.eight_d_report(issue.number, on=TODAY)["content"] == {}


def test_a_stale_8d_save_is_refused(plant, open_issue):
    issue = open_issue(OPENED)
    store.save_eight_d(actor_id=plant["owner"].id, issue_id=issue.id, section="D1", values={"team": "张伟"},
                       expected_version=issue.version, now=plant_moment(TODAY))
    with pytest.raises(store.StaleVersion):
        store.save_eight_d(actor_id=plant["lead"].id, issue_id=issue.id, section="D1", values={"team": "孙丽"},
                           expected_version=issue.version, now=plant_moment(TODAY))
    assert store.eight_d_report(issue.number, on=TODAY)["content"]["D1"]["team"] == "张伟"


@pytest.mark.parametrize("lang, headings", [
    ("zh", ["D1 成立小组", "D2 问题描述", "D3 临时遏制措施", "D4 根本原因", "D5 选定纠正措施", "D6 实施与验证",
            "D7 预防再发生", "D8 关闭与表彰"]),
    ("en", ["D1 Team", "D2 Problem description", "D3 Containment", "D4 Root cause", "D5 Chosen corrective actions",
            "D6 Implementation and verification", "D7 Prevent recurrence", "D8 Closure and recognition"]),
])
def test_the_pdf_prints_every_heading_and_the_chinese_text(plant, open_issue, tmp_path, lang, headings):
    issue = open_issue(OPENED)
    _fill(plant, issue, {"D2": FULL["D2"], "D4": FULL["D4"]}, issue.version, plant_moment(TODAY))
    path = tmp_path / "8d.pdf"
    path.write_bytes(eight_d.report_pdf(store.eight_d_report(issue.number, on=TODAY), lang))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert all(heading in text for heading in headings), text
    assert "左前门内饰板卡扣断裂" in text and "气动工具扭矩漂移" in text and issue.number in text


def _navy_bars(page: Image.Image, x: int) -> int:
    """Runs of the heading colour down one column of pixels: the title bar and each block's heading bar."""
    navy = palette.rgb(palette.NAVY)
    column = [page.getpixel((x, y))[:3] == navy for y in range(page.height)]
    return sum(1 for y in range(1, len(column)) if column[y] and not column[y - 1])


def test_the_pdf_is_a_form_of_bordered_sections_with_the_whys_as_a_table(plant, open_issue, tmp_path):
    """Rendered (pdftoppm) and read (pdftotext -layout): a heading bar for the issue and each of D1–D8, the three
    5-why chains side by side row by row, D3's four quantities on one row, an empty field as a dash."""
    issue = open_issue(OPENED)
    _fill(plant, issue, {code: values for code, values in FULL.items() if code != "D8"}, issue.version,
          plant_moment(TODAY))
    path = tmp_path / "8d.pdf"
    path.write_bytes(eight_d.report_pdf(store.eight_d_report(issue.number, on=TODAY), "zh"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for row in [r"为什么1\s+卡扣断裂\s+终检未发现\s+PFMEA未识别", r"为什么3\s+气动工具扭矩漂移\s*\n",
                r"根本原因\s+工具未点检\s+检测项缺失\s+经验教训流程缺失",
                r"厂内检查数量\s+在途检查数量\s+客户处检查数量\s+发现不合格数量\s*\n\s*420\s+80\s+500\s+3",
                r"是\(IS\)\s+不是\(IS NOT\)\s*\n\s*批次B0301\s+批次B0228及以前", r"关闭确认\s+—",
                r"状态\s+8D报告未完成：D8"]:
        assert re.search(row, text), (row, text)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page-*.png"))]
    inside_the_bars = round((12 + 1) / 25.4 * 60)            # 1 mm inside the left margin
    assert sum(_navy_bars(page, inside_the_bars) for page in pages) == 1 + 1 + len(eight_d.SECTIONS)
