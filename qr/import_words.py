"""The words Chinese and English plants write in their sheets' headers and cells, and what each means on the
board: QRQC boards, 问题跟踪表 and online-sheet problem lists, action-list templates and the GM course's board.

Headers are compared by `header_key` (case, spaces and punctuation do not count); cell words by `word_key`.
A word found here only pre-fills the mapping: the person importing sees it and may change it.
"""
import re

FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "number": ("编号", "问题编号", "序号", "序号编号", "单号", "问题单号", "编码", "No.", "No", "Nr.", "Number", "Item",
               "Item No.", "Item #", "#", "ID", "Issue No.", "Issue #", "Issue ID", "Ref", "Ref.", "Reference",
               "QR No.", "Action No.", "Action #", "Concern No.", "Concern #"),
    "description": ("问题描述", "问题", "描述", "问题点", "问题内容", "问题现象", "不良描述", "缺陷描述", "异常描述",
                    "质量问题", "Description", "Issue", "Issue Description", "Problem", "Problem Description",
                    "Concern", "Concern Description", "Defect", "Defect Description", "Finding", "Subject"),
    "category": ("类别/来源", "类别", "来源", "问题来源", "问题类别", "问题类型", "问题分类", "类型", "分类",
                 "Category", "Source", "Type", "Issue Type", "Problem Type", "Concern Type", "Origin"),
    "customer": ("客户", "客户名称", "顾客", "主机厂", "整车厂", "客户/主机厂", "Customer", "Customer Name", "OEM",
                 "Client"),
    "area": ("区域", "车间", "工段", "产线", "线体", "生产线", "区域/车间", "Area", "Shop", "Line", "Department",
             "Dept", "Dept.", "Zone"),
    "severity": ("严重度", "严重程度", "等级", "级别", "风险等级", "优先级", "Severity", "Sev", "Sev.", "Priority",
                 "Prio", "Level", "Risk"),
    "opened_on": ("开启日期", "开始日期", "发生日期", "发现日期", "提出日期", "检出日期", "登记日期", "创建日期", "反馈日期",
                  "录入日期", "日期", "开启时间", "发现时间", "提出时间", "创建时间", "发生时间", "Date Opened",
                  "Open Date", "Opened", "Opened On", "Date Open", "Open Dt", "Opn Dt", "Dt Opened", "Date Raised",
                  "Raised", "Raised On", "Start", "Start Date", "Date", "Issue Date", "Created", "Created On",
                  "Date Found", "Found", "Reported", "Date Reported", "Occurrence Date"),
    "part_number": ("零件号", "零件号/单元号", "零件编号", "物料号", "物料编号", "件号", "图号", "Part #", "Part No.",
                    "Part No", "Part number", "Part", "P/N", "PN", "Unit/Part #", "Part/Unit No.", "Material",
                    "Material No."),
    "owner": ("责任人", "负责人", "担当", "担当者", "责任者", "跟进人", "处理人", "执行人", "Owner", "Resp", "Resp.",
              "Responsible", "Responsible Person", "PIC", "Person in Charge", "Assigned To", "Assignee",
              "Action Owner", "Who"),
    "lead": ("牵头人", "主导人", "责任领导", "负责领导", "Lead", "Leader", "Champion", "Sponsor", "Team Leader"),
    "next_report_on": ("下次汇报日期", "下次汇报", "下次跟进日期", "计划完成", "计划完成日期", "计划完成时间",
                       "预计完成日期", "要求完成日期", "完成期限", "截止日期", "目标日期", "Next report date",
                       "Next report", "Next Review", "Next review date", "Due", "Due Date", "Due Dt", "Target Date",
                       "Target", "Tgt Date", "Tgt Dt", "Plan Date", "Planned Date", "Commit Date", "ECD",
                       "Est. Completion", "Deadline", "When"),
    "closed_on": ("关闭日期", "关闭时间", "实际完成日期", "实际完成时间", "完成日期", "完成时间", "结案日期",
                  "实际关闭日期", "Date Closed", "Closed", "Closed Date", "Close Date", "Closed On", "Close Dt",
                  "Cls Dt", "Completion", "Completion Date", "Completed", "Date Completed", "Actual Completion",
                  "Actual Date", "Compl. Dt", "Comp Date", "Done Date"),
    "status": ("状态", "问题状态", "当前状态", "进度", "完成状态", "结案状态", "是否关闭", "Status", "State",
               "Progress", "Open/Closed", "Current Status"),
    "comment": ("备注", "说明", "评论", "注释", "备注说明", "取消原因", "Remarks", "Remark", "Comment", "Comments",
                "Notes", "Note", "Reason"),
    "ignore": ("总体", "总体状态", "Overall", "Overall Status", "已开启天数", "Days Open", "Age"),
}

# step code (qr.defaults) → header words beyond the configured names, GM course names and abbreviations included
STEP_WORDS: dict[str, tuple[str, ...]] = {
    "containment": ("遏制", "遏制措施", "围堵", "围堵措施", "临时措施", "临时遏制措施", "Containment", "Contain",
                    "Containment Action", "Cont.", "ICA", "Interim Containment", "D3"),
    "root_cause": ("根本原因", "根本原因分析", "根因", "原因分析", "Root Cause", "Root Cause Analysis", "RCA", "Root",
                   "D4"),
    "corrective_action": ("纠正措施", "纠正措施实施", "永久措施", "永久纠正措施", "Corrective Action", "CA", "PCA",
                          "Permanent Corrective Action", "Corrective Action Implemented", "D5", "D5/D6"),
    "error_proofing": ("防错", "防错/探测", "Error Proofing", "Error-Proofing", "EP", "Poka-Yoke", "Poka Yoke",
                       "Mistake Proofing", "Detection"),
    "verified": ("验证", "验证有效性", "效果验证", "有效性验证", "Verification", "Verify", "Verified", "Verif.",
                 "Corrective Action Verified", "Validation", "Effectiveness", "D6"),
    "pfmea": ("PFMEA", "FMEA", "控制计划", "PFMEA/控制计划", "PFMEA/控制计划更新", "Control Plan", "CP", "PFMEA/CP",
              "PFMEA / Control Plan"),
    "standard_work": ("标准化作业", "标准化", "标准作业", "作业指导书", "Standardized Work", "Standardised Work",
                      "Standard Work", "Std. Work", "Std.", "SW", "Operator Instruction", "Work Instruction", "WI"),
    "lpa": ("分层审核", "分层审核(LPA)", "LPA", "Layered Process Audit", "Layered Audit"),
    "read_across": ("横向展开", "横展", "水平展开", "Read Across", "Read-Across", "R/A", "Leverage", "Replicate"),
    "lessons_learned": ("经验教训", "经验", "Lessons Learned", "Lesson Learned", "Lessons", "LL", "D8"),
}

STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "open": ("open", "opened", "ongoing", "on going", "on-going", "in progress", "in-progress", "wip", "late",
             "overdue", "delayed", "pending", "new", "active", "started", "not started", "on hold", "hold",
             "开启", "打开", "进行中", "处理中", "跟踪中", "未关闭", "未完成", "延期", "逾期", "超期", "待处理", "新建",
             "未开始", "暂停", "待客户认可", "awaiting customer"),
    "closed": ("closed", "close", "done", "complete", "completed", "finished", "resolved", "solved",
               "完成", "已完成", "关闭", "已关闭", "结案", "已结案", "解决", "已解决"),
    "cancelled": ("cancelled", "canceled", "cancel", "void", "voided", "duplicate", "dup", "not valid", "invalid",
                  "rejected", "withdrawn", "取消", "已取消", "作废", "已作废", "重复", "无效", "撤销", "不成立"),
}

LETTER_WORDS: dict[str, tuple[str, ...]] = {
    "G": ("g", "green", "done", "complete", "completed", "closed", "ok", "✓", "✔", "√", "绿", "绿色", "完成", "已完成"),
    "Y": ("y", "yellow", "amber", "open", "in progress", "ongoing", "on track", "黄", "黄色", "进行中"),
    "R": ("r", "red", "late", "overdue", "delayed", "blocked", "红", "红色", "延期", "逾期", "受阻"),
    "NA": ("n/a", "na", "-", "–", "—", "not applicable", "不适用"),
}

SEVERITY_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("a", "high", "h", "1", "critical", "major", "高", "严重", "重大"),
    "B": ("b", "medium", "med", "m", "2", "moderate", "中", "一般"),
    "C": ("c", "low", "l", "3", "minor", "低", "轻微"),
}


def header_key(text) -> str:
    """A header as compared: '#' and '№' read as 'no'; case, spaces, line breaks and punctuation do not count."""
    text = str(text or "").replace("#", "no").replace("№", "no")
    return re.sub(r"[\s._:/()（）：、／\-|\[\]【】]+", "", text).lower()


def word_key(text) -> str:
    """A cell's word as compared: case and surrounding or doubled spaces do not count."""
    return " ".join(str(text).split()).lower()


def _table(words: dict[str, tuple[str, ...]], key) -> dict[str, str]:
    return {key(word): meaning for meaning, spelled in words.items() for word in spelled}


FIELD_BY_HEADER = _table(FIELD_WORDS, header_key)
STATUS_BY_WORD = _table(STATUS_WORDS, word_key)
LETTER_BY_WORD = _table(LETTER_WORDS, word_key)
SEVERITY_BY_WORD = _table(SEVERITY_WORDS, word_key)


_EXTERNAL_HINTS = ("客户", "customer", "prr", "售后", "保修", "warranty", "pdi", "审核", "audit")
_SUPPLIER_HINTS = ("供应商", "supplier", "来料", "incoming")


def category_kind(category_name: str) -> str:
    """The kind of a source a sheet names for the first time: a supplier's, a customer's, else the plant's own
    (the admin page corrects a wrong guess)."""
    name = category_name.lower()
    if any(hint in name for hint in _SUPPLIER_HINTS):
        return "supplier"
    return "external" if any(hint in name for hint in _EXTERNAL_HINTS) else "internal"
