"""Realistic demo data: a stamping, welding and assembly plant's last 12 weeks (and its last 20 meetings),
played through the store.

Every issue is created and updated by store commands on the day it happened, so the colours
follow from the dates under the rule; nothing is coloured at random.
"""
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlmodel import Session

from qr import rules, store
from qr.config import load_settings
from qr.defaults import install_defaults

# (code, 中文, English, the functions its meeting needs at the table)
AREAS = [("STAMP", "冲压车间", "Stamping", ("quality", "production", "maintenance")),
         ("WELD", "焊装车间", "Body welding", ("quality", "production", "process")),
         ("ASSY", "总装车间", "Final assembly", ("quality", "production", "logistics"))]

# (中文, English, area, function); the two quality engineers facilitate every area's meeting
PEOPLE = [("张伟", "Zhang Wei", "ASSY", "production"), ("王芳", "Wang Fang", "ASSY", "logistics"),
          ("李强", "Li Qiang", "WELD", "process"), ("刘洋", "Liu Yang", "WELD", "production"),
          ("陈静", "Chen Jing", "STAMP", "production"), ("杨磊", "Yang Lei", "STAMP", "maintenance"),
          ("赵敏", "Zhao Min", "ASSY", "process"), ("黄勇", "Huang Yong", "WELD", "sqe"),
          ("周婷", "Zhou Ting", "STAMP", "quality"), ("吴刚", "Wu Gang", "ASSY", "quality"),
          ("孙丽", "Sun Li", None, "quality"), ("郑浩", "Zheng Hao", None, "quality")]

# Demo sign-in (demo mode only, shown on the sign-in page): every demo person signs in with their English name
# written together in lower case and this password; the leads are facilitators, the others owners.
DEMO_PASSWORD = "demo1234"
DEMO_ADMIN = ("admin", "演示管理员", "Demo admin")
DEMO_VIEWER = ("viewer", "演示访客", "Demo viewer")


def demo_username(name_en: str) -> str:
    return name_en.replace(" ", "").lower()


# (category code, area, severity, part number, description)
ISSUES = [
    ("complaint_0km", "ASSY", "A", "5310-1021", "客户投诉：左前门内饰板卡扣断裂，客户装车时脱落，0公里退回8件"),
    ("prr", "WELD", "A", "5401-0317", "PRR：后保险杠支架焊点虚焊，客户入厂检验检出3件"),
    ("warranty", "ASSY", "B", "5305-2208", "售后：仪表板左侧异响，市场反馈2台车返修"),
    ("gp12", "STAMP", "B", "5101-0044", "GP12：前围板翻边毛刺超差(>0.2mm)，GP12检出12件"),
    ("verification", "ASSY", "B", "3724-1150", "验证岗位：发动机舱线束插头未插到位，验证岗位检出4台"),
    ("lpa", "WELD", "C", "—", "LPA：焊装夹具WF-12定位销磨损，班前点检未记录"),
    ("line_stop", "STAMP", "A", "5401-2203", "停线：侧围外板冲压开裂，A线停线45分钟"),
    ("pdi", "ASSY", "B", "6107-0301", "PDI：右后门密封条翘起，PDI检出3台"),
    ("audit", "ASSY", "B", "—", "DR审核：底盘螺栓扭矩记录缺失，审核不符合项"),
    ("supplier", "WELD", "B", "Q1841080", "供应商：来料焊接螺母M8螺纹不良，批次退货"),
    ("ep_failure", "WELD", "A", "5401-0120", "防错失效：螺母漏焊检测传感器失效，漏检2件流入下工序"),
    ("ftq", "ASSY", "B", "—", "FTQ下降：总装一次合格率由96%降至91%，主要为内饰装配缺陷"),
    ("dock_audit", "STAMP", "B", "5102-3301", "发运审核：包装标签零件号与实物不符(左右件混放)"),
    ("complaint_field", "STAMP", "A", "8402-1100", "客户投诉：发动机盖外板凹坑，市场抱怨3起"),
    ("gp12", "WELD", "B", "5100-4012", "GP12：后地板焊点间距超差，GP12检出5件"),
    ("verification", "ASSY", "A", "6800-1233", "验证岗位：前排座椅安装螺栓扭矩偏低(38N·m，要求45±5)"),
    ("lpa", "STAMP", "C", "—", "LPA：冲压首件检验记录未签字确认"),
    ("line_stop", "WELD", "B", "—", "停线：机器人R07焊枪电极帽脱落，停线30分钟"),
    ("warranty", "ASSY", "A", "5702-0010", "售后：天窗排水管脱落导致漏水，市场反馈5起"),
    ("prr", "STAMP", "A", "8403-0201", "PRR：左翼子板装配间隙超差(5.8mm，要求4.5±1)"),
    ("complaint_0km", "ASSY", "B", "3724-2010", "客户投诉：线束卡扣缺失，0公里抱怨2台"),
    ("supplier", "ASSY", "B", "6104-0550", "供应商：玻璃升降器电机异响，来料抽检不合格"),
    ("ep_failure", "ASSY", "A", "—", "防错失效：扭矩枪程序号选择错误未报警"),
    ("gp12", "STAMP", "C", "5701-0102", "GP12：顶盖外板轻微划伤，可返修"),
    ("verification", "WELD", "B", "5400-0088", "验证岗位：焊装总成漏涂密封胶，验证岗位检出1件"),
    ("audit", "WELD", "C", "—", "GCA审核：控制计划版本与现场作业指导书不一致"),
    ("dock_audit", "WELD", "B", "5401-0317/0318", "发运审核：料架混装两种零件号"),
    ("line_stop", "STAMP", "A", "—", "停线：拉延模顶杆断裂，B线停线2小时"),
    ("ftq", "WELD", "B", "—", "FTQ下降：白车身尺寸合格率由92%降至85%"),
    ("complaint_field", "ASSY", "A", "8202-0400", "客户投诉：外后视镜装配松动，市场抱怨4起"),
    ("lpa", "ASSY", "C", "—", "LPA：总装防错点检表漏填(夜班)"),
    ("pdi", "ASSY", "C", "4121-0010", "PDI：前大灯与翼子板间隙不均"),
    ("warranty", "ASSY", "B", "6105-0031", "售后：后门锁止异常，偶发无法上锁"),
    ("prr", "STAMP", "B", "5103-0417", "PRR：加强板安装孔位偏移1.5mm"),
]

COUNTERMEASURES = ["已安排专人跟进，明早汇报进展", "等待供应商8D回复，已电话催促", "试验件已送检，结果预计周五出来",
                   "增加100%目检作为临时遏制", "与工艺、设备三方会议确定方案", "模具返修中，预计下周二完成"]
WORSE_REASONS = ["等待供应商样件", "设备备件未到", "客户尚未确认方案"]
NA_REASONS = {"error_proofing": "产品结构已防错，不适用", "read_across": "无同类产品/工序", "lpa": "已纳入现有分层审核"}


def report_pdf(title: str) -> bytes:
    """A one-page PDF with an ASCII title: the demo's stand-in for a plant's 8D report."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _at(day: date, hour: int) -> datetime:
    """That hour on that plant day, never later than now (the audit trail holds no future moments)."""
    return min(datetime.combine(day, time(hour, 0), tzinfo=load_settings().tz), datetime.now(timezone.utc))


STORIES = 3     # issues played after the others: the weld issue whose lesson is in the library, its repeat, and
                # a complaint judged not valid


@store.command
def load_demo(*, session: Session, issues: int = len(ISSUES), seed: int = 2026, on: date | None = None) -> None:
    """Areas, people and `issues` issues over the 12 weeks before `on`, each played day by day, then the STORIES
    (and, on today's plant day, a complaint that arrived this morning)."""
    on = on or store.today()
    rng = random.Random(seed)
    answers = random.Random(seed + 1)       # customer answers and calls back: the issues' own story stays as it was
    install_defaults(session=session)
    refs = store.reference_lists(session=session)
    area_ids = {}
    for code, zh, en, functions in AREAS:
        area_ids[code] = next((a.id for a in refs["areas"] if a.code == code), None) or store.create_area(
            session=session, code=code, name_zh=zh, name_en=en, required_functions=functions).id
    people = [store.create_person(session=session, name=zh, name_en=en, area_id=area_ids.get(area),
                                  email=f"{demo_username(en)}@qr-demo.local", function=function)
              for zh, en, area, function in PEOPLE]
    _demo_accounts(session, people)
    by_area = {code: [p for p, (_, _, a, _) in zip(people, PEOPLE) if a == code] for code in area_ids}
    leads = people[10:]
    categories = {c.code: c for c in store.reference_lists(session=session)["categories"]}
    templates = {t.severity: t for t in store.reference_lists(session=session)["templates"]}
    customers = _demo_customers(session, on)
    parties = random.Random(seed + 3)       # whose complaint, how many bad parts: the other stories stay as they were
    ages = sorted((int(84 * rng.random() ** 1.5) for _ in range(issues)), reverse=True)  # more recent ones
    for index, age in enumerate(ages):
        category_code, area, severity, part, description = ISSUES[index % len(ISSUES)]
        _play_issue(session, rng, on=on, opened_on=on - timedelta(days=age),
                    description=description if index < len(ISSUES) else f"{description}（#{index + 1}）",
                    category=categories[category_code], area_id=area_ids[area], severity=severity, part=part,
                    owner=rng.choice(by_area[area]), lead=rng.choice(leads + by_area[area]),
                    template=templates[severity], answers=answers, facilitator=leads[index % len(leads)],
                    party=_party(parties, categories[category_code].kind, customers))
    # this plant flags a "not solved" answer and calls again (its complaints stay closed, the board as it was)
    store.configure(session=session, actor_id=None, key="follow_up_rule",
                    value={"unsolved": "flag", "open_after_days": 14, "open_every_days": 15})
    _play_follow_ups(session, answers, on=on, callers=leads)
    _play_new_complaint(session, on=on, categories=categories, area_id=area_ids["ASSY"], owner=by_area["ASSY"][0],
                        lead=leads[0], template=templates["A"], customer=customers["SGM"])
    _play_lesson_and_repeat(session, random.Random(seed + 2), on=on, category=categories["prr"],
                            area_id=area_ids["WELD"],
                            owner=by_area["WELD"][0], lead=leads[1], template=templates["A"],
                            people={p.name: p for p in people}, customer=customers["FAW-VW"])
    _play_invalid_complaint(session, on=on, category=categories["complaint_field"], area_id=area_ids["STAMP"],
                            owner=by_area["STAMP"][0], lead=leads[0], template=templates["B"],
                            customer=customers["FAW-VW"])
    _play_meetings(session, rng, on=on, area_ids=area_ids, facilitators=leads)


# (code, 中文, English, the customer's plant, parts delivered a month)
CUSTOMERS = [("SGM", "上汽通用", "SAIC-GM", "金桥工厂", 120_000), ("FAW-VW", "一汽-大众", "FAW-Volkswagen", "长春工厂", 85_000)]
SUPPLIERS = ["华达精密", "恒通紧固件", "瑞丰塑胶"]


def _demo_customers(session, on: date) -> dict:
    """Two customers with their delivered quantities of the last three months (the PPM's denominator)."""
    customers = {}
    for code, zh, en, site, monthly in CUSTOMERS:
        customer = store.create_customer(session=session, actor_id=None, code=code, name_zh=zh, name_en=en, site=site)
        customers[code] = customer
        month = on.replace(day=1)
        for back in range(3):
            store.set_delivery(session=session, actor_id=None, customer_id=customer.id, month=month,
                               quantity=monthly - 7_000 * back)
            month = (month - timedelta(days=1)).replace(day=1)
    return customers


def _party(rng, kind: str, customers: dict) -> dict:
    """Whose problem an issue is: a customer's complaint counts bad parts for its PPM, a supplier issue names it."""
    if kind == "external":
        return {"customer_id": rng.choice(list(customers.values())).id, "defect_quantity": rng.randint(1, 12)}
    if kind == "supplier":
        return {"supplier": rng.choice(SUPPLIERS), "defect_quantity": rng.randint(20, 400)}
    return {}


def _play_invalid_complaint(session, *, on, category, area_id, owner, lead, template, customer) -> None:
    """A complaint the quality lead judged not valid the next day (the parts were damaged in the customer's own
    handling): closed as such, never counted as solved."""
    opened_on = on - timedelta(days=9)
    issue = store.create_issue(session=session, actor_id=owner.id, description="客户投诉：侧围外板表面划伤，客户线边退回6件",
                               category_id=category.id, area_id=area_id, severity="B", owner_id=owner.id,
                               lead_id=lead.id, opened_on=opened_on, next_report_on=opened_on + timedelta(days=1),
                               template_id=template.id, part_number="5401-2203", customer_id=customer.id,
                               defect_quantity=6, now=_at(opened_on, 9))
    _answer_clocks(session, random.Random(0), issue.number, owner)     # answered like any complaint
    store.judge_complaint(session=session, actor_id=lead.id, issue_id=issue.id, disposition="invalid",
                          reason="现场确认：划伤由客户线边料架无隔层造成，我方出厂检验及包装符合要求",
                          responsibility="customer",
                          expected_version=store.issue_detail(issue.number, session=session).issue["version"],
                          now=_at(opened_on + timedelta(days=1), 10))


# Minutes after the complaint arrived that the plant usually answers in, and now and then later than the rule.
RESPONSE_MINUTES = {"ack": ((20, 110), (130, 300)), "containment": ((240, 1300), (1500, 2200)),
                    "on_site": ((900, 2700), (3000, 4200))}
SATISFACTION_WEIGHTS = {5: 40, 4: 35, 3: 15, 2: 7, 1: 3}
CONTACTS = ["主机厂SQE 王经理", "客户质量部 李工", "售后服务站 陈主管", "PDI中心 赵工"]
FOLLOW_UP_REMARKS = ["整改后未再发生", "客户认可8D报告", "要求继续监控两周", "已在供应商大会通报"]


def _answer_clocks(session, rng, number, owner) -> None:
    """The customer is answered mostly in time, sometimes late; an answer not due yet is left running."""
    detail = store.issue_detail(number, session=session)
    version, now = detail.issue["version"], datetime.now(timezone.utc)
    for clock in detail.issue["clocks"]:
        in_time, late = RESPONSE_MINUTES.get(clock["code"], RESPONSE_MINUTES["ack"])
        low, high = late if rng.random() < 0.15 else in_time
        answered = clock["started_at"] + timedelta(minutes=rng.randint(low, high))
        if answered + timedelta(minutes=1) > now:
            continue
        store.record_response(session=session, actor_id=owner.id, clock_id=clock["id"], responded_at=answered,
                              responded_by_id=owner.id, how=rng.choice(["电话", "邮件", "到客户现场", "微信"]),
                              expected_version=version, now=answered + timedelta(minutes=1))
        version += 1


def _play_follow_ups(session, rng, *, on, callers) -> None:
    """Most customer issues are called back within a week of closing, and the proposed sample of the others."""
    for row in store.follow_ups(session=session, on=on):
        if not (row["required"] or row["proposed"]) or rng.random() < 0.15:
            continue
        done_on = row["closed_on"] + timedelta(days=rng.randint(1, 6))
        if done_on > on:
            continue
        store.record_follow_up(session=session, actor_id=rng.choice(callers).id, follow_up_id=row["id"],
                               done_on=done_on, contact=rng.choice(CONTACTS), channel=rng.choice(["phone", "visit",
                                                                                                 "email"]),
                               solved=rng.random() < 0.9, **_scores(rng),
                               remarks=rng.choice(FOLLOW_UP_REMARKS), expected_version=row["version"],
                               now=_at(done_on, 15))


def _scores(rng) -> dict:
    """Overall satisfaction, and speed, solving and attitude around it."""
    overall = rng.choices(list(SATISFACTION_WEIGHTS), weights=SATISFACTION_WEIGHTS.values())[0]
    return {"satisfaction": overall,
            **{name: min(max(overall + rng.choice((-1, 0, 0, 1)), 1), 5) for name in ("speed", "solving", "attitude")}}


def _play_new_complaint(session, *, on, categories, area_id, owner, lead, template, customer) -> None:
    """A complaint that arrived 50 minutes ago (at most since midnight): its acknowledgement clock is running."""
    now, tz = datetime.now(timezone.utc), load_settings().tz
    if rules.plant_today(now, tz) != on:
        return                                  # a demo of a past day has no "50 minutes ago"
    received = max(now - timedelta(minutes=50), datetime.combine(on, time(0), tzinfo=tz))
    issue = store.create_issue(session=session, actor_id=owner.id,
                               description="客户投诉：今早到货的右前门饰板颜色偏差，客户停线待料",
                               category_id=categories["complaint_0km"].id, area_id=area_id, severity="A",
                               owner_id=owner.id, lead_id=lead.id, opened_on=on, next_report_on=on,
                               template_id=template.id, part_number="6102-0233", received_at=received,
                               customer_id=customer.id, defect_quantity=6, now=now)
    version = issue.version
    for section, values in NEW_COMPLAINT_8D.items():    # the team has started the 8D: D1–D3 so far
        store.save_eight_d(session=session, actor_id=owner.id, issue_id=issue.id, section=section, values=values,
                           expected_version=version, now=now)
        version += 1


NEW_COMPLAINT_8D = {
    "D1": {"team": "张伟(责任人)、孙丽(质量，牵头)、王芳(生产)、供应商涂装工程师", "champion": "厂长"},
    "D2": {"what": "右前门饰板颜色偏深(ΔE 2.1，要求≤1.0)", "where": "客户总装线门装工位", "when": "今早到货批次",
           "who": "客户来料检验", "how": "目视对比标准色板，色差仪确认", "how_many": "抽检20件中6件",
           "is": "批次 6102-0233-B1123，左右件均有", "is_not": "上一批次B1120无此问题"},
    "D3": {"containment": "冻结厂内及在途库存，100%色差检测，合格品加贴绿色标签后补送客户",
           "checked_plant": 240, "checked_transit": 120, "found": 31},
}


LESSON_8D = {
    "D1": {"team": "李强(责任人)、郑浩(质量，牵头)、刘洋(生产)、设备部焊接工程师"},
    "D2": {"what": "后保险杠支架焊点虚焊，拉脱试验焊点整体脱开", "where": "焊装A线 R05点焊工位", "when": "第2周夜班",
           "how_many": "客户入厂检验检出3件，厂内追溯再检出5件", "is": "5401-0317 支架左侧3个焊点",
           "is_not": "右侧焊点、白班生产的零件"},
    "D3": {"containment": "冻结在制与成品，逐件凿检焊点；客户处库存挑选", "checked_plant": 460, "checked_customer": 180,
           "found": 8},
    "D4": {"occurrence": ["焊点电流不足", "电极帽磨损超限", "修磨计数器被复位后未恢复"],
           "occurrence_root": "电极帽修磨计数器复位后无人确认，电极帽超寿命使用导致焊接电流密度不足",
           "detection": ["凿检频次每班1次", "夜班凿检记录漏做"], "detection_root": "夜班焊点凿检未纳入交接班检查",
           "systemic": ["PFMEA未识别计数器复位的失效"], "systemic_root": "PFMEA未覆盖电极帽寿命管理失效模式"},
    "D5": {"actions": "电极帽修磨计数器接入PLC互锁，超寿命自动停焊；凿检改为每班开班、换帽后各1次"},
    "D6": {"implementation": "第4周完成R05及同线R06–R09改造", "verification": "连续3周凿检全部合格，客户无再发"},
    "D7": {"pfmea": "增加“电极帽超寿命”失效模式，RPN 168→42", "control_plan": "凿检频次改为开班及换帽后",
           "standard_work": "换帽作业指导书增加计数器确认", "lpa": "分层审核加入计数器互锁检查",
           "read_across": "焊装B线、后地板焊接线及5401族零件"},
    "D8": {"closure": "客户认可关闭，团队在月度质量会表彰"},
}
LESSON_TARGETS = [("line", "焊装B线 R11–R14 点焊工位", "刘洋", "done", "PLC互锁已上线，凿检记录连续两周合格"),
                  ("part", "5401-0318", "李强", "done", "同一夹具生产，已按相同方案改造"),
                  ("area", "冲压车间", "陈静", "na", "冲压车间无点焊工序")]


def _play_lesson_and_repeat(session, rng, *, on, category, area_id, owner, lead, template, people,
                            customer) -> None:
    """A weld issue solved 10 weeks ago with a full 8D and its read-across checked off (its lesson is in the
    library), and the same bracket failing again this week: the owner linked the new issue as its repeat."""
    opened_on = on - timedelta(days=75)
    issue = store.create_issue(session=session, actor_id=owner.id, description="PRR：后保险杠支架焊点虚焊，客户入厂检验检出3件",
                               category_id=category.id, area_id=area_id, severity="A", owner_id=owner.id,
                               lead_id=lead.id, opened_on=opened_on, next_report_on=opened_on + timedelta(days=1),
                               template_id=template.id, part_number="5401-0317", customer_id=customer.id,
                               defect_quantity=3, now=_at(opened_on, 9))
    version = issue.version
    for section, values in LESSON_8D.items():
        store.save_eight_d(session=session, actor_id=owner.id, issue_id=issue.id, section=section, values=values,
                           expected_version=version, now=_at(opened_on + timedelta(days=20), 10))
        version += 1
    for number, step in enumerate(store.issue_detail(issue.number, session=session).steps, start=1):
        day = opened_on + timedelta(days=min(3 * number, 34))
        if step["code"] == store.READ_ACROSS_STEP:
            version = _check_off_read_across(session, issue, version, day=day, owner=owner, people=people)
        store.complete_step(session=session, actor_id=owner.id, step_id=step["id"], done_on=day,
                            evidence=EVIDENCE[number % len(EVIDENCE)], expected_version=version, now=_at(day, 16))
        store.verify_step(session=session, actor_id=lead.id, step_id=step["id"], expected_version=version + 1,
                          now=_at(day, 17))
        version += 2
    closed_on = opened_on + timedelta(days=35)
    store.close_issue(session=session, actor_id=lead.id, issue_id=issue.id, closed_on=closed_on,
                      reason="全部退出标准达成，快速反应会确认关闭", expected_version=version, now=_at(closed_on, 10),
                      accepted_by="客户SQE", accepted_how="email")
    repeat_on = on - timedelta(days=2)
    repeat = store.create_issue(session=session, actor_id=owner.id, description="客户投诉：后保险杠支架焊点脱焊，客户线上发现2件",
                                category_id=category.id, area_id=area_id, severity="A", owner_id=owner.id,
                                lead_id=lead.id, opened_on=repeat_on, next_report_on=on, template_id=template.id,
                                part_number="5401-0317", customer_id=customer.id, defect_quantity=2,
                                now=_at(repeat_on, 9))
    linked = store.link_repeat(session=session, actor_id=owner.id, issue_id=repeat.id, repeat_of_number=issue.number,
                               expected_version=repeat.version, now=_at(repeat_on, 10))
    _countermeasures_where_needed(session, rng, number=linked.number, version=linked.version, owner=owner, on=on)


def _check_off_read_across(session, issue, version, *, day, owner, people) -> int:
    """The read-across targets listed when the fix was proven, each checked off before the step is done."""
    for kind, target, who, state, evidence in LESSON_TARGETS:
        row = store.add_read_across_target(session=session, actor_id=owner.id, issue_id=issue.id, kind=kind,
                                           target=target, owner_id=people[who].id, due_on=day,
                                           expected_version=version, now=_at(day - timedelta(days=2), 9))
        store.settle_read_across_target(session=session, actor_id=owner.id, target_id=row.id, state=state,
                                        evidence=evidence, settled_on=day, expected_version=version + 1,
                                        now=_at(day, 11))
        version += 2
    return version


def _demo_accounts(session, people) -> None:
    """Accounts for the demo people, an admin and a viewer, all with the published DEMO_PASSWORD: marked demo,
    so that a start with QR_DEMO=0 closes them."""
    for index, person in enumerate(people):
        store.create_account(session=session, actor_id=None, person_id=person.id, password=DEMO_PASSWORD,
                             username=demo_username(person.name_en), role="facilitator" if index >= 10 else "owner",
                             demo=True)
    for (username, zh, en), role in ((DEMO_ADMIN, "admin"), (DEMO_VIEWER, "viewer")):
        person = store.create_person(session=session, name=zh, name_en=en, email=f"{username}@qr-demo.local")
        store.create_account(session=session, actor_id=None, person_id=person.id, username=username, role=role,
                             password=DEMO_PASSWORD, demo=True)


MEETING_DAYS = 20
ATTENDANCE_WEIGHTS = {"present": 80, "late": 8, "excused": 7, "absent": 5}


def _play_meetings(session, rng, *, on, area_ids, facilitators):
    """Each area's meetings of the working days before `on`: signed in, about 15 minutes long."""
    days = [on - timedelta(days=n) for n in range(1, MEETING_DAYS * 2) if (on - timedelta(days=n)).weekday() < 5]
    for day in sorted(days[:MEETING_DAYS]):
        for index, area_id in enumerate(area_ids.values()):
            facilitator = facilitators[index % len(facilitators)]
            started = _at(day, 8) + timedelta(minutes=20 * index)
            meeting = store.start_meeting(session=session, actor_id=facilitator.id, area_id=area_id, now=started)
            statuses = {line["id"]: rng.choices(list(ATTENDANCE_WEIGHTS), weights=ATTENDANCE_WEIGHTS.values())[0]
                        for line in store.sign_in_sheet(meeting.id, session=session)}
            version = meeting.version
            if any(status != "absent" for status in statuses.values()):
                store.sign_in(session=session, actor_id=facilitator.id, meeting_id=meeting.id, statuses=statuses,
                              expected_version=version, now=started + timedelta(minutes=1))
                version += 1
            store.end_meeting(session=session, actor_id=facilitator.id, meeting_id=meeting.id,
                              expected_version=version, now=started + timedelta(minutes=rng.randint(12, 22)))


def _play_issue(session, rng, *, on, opened_on, description, category, area_id, severity, part, owner, lead,
                template, answers, facilitator, party):
    """Create one issue on its open day, then complete, block or skip its steps as the days pass."""
    profile = rng.choices(["on_time", "slow", "stuck"], weights=[50, 35, 15])[0]
    issue = store.create_issue(session=session, actor_id=owner.id, description=description,
                               category_id=category.id, area_id=area_id, severity=severity, owner_id=owner.id,
                               lead_id=lead.id, opened_on=opened_on, next_report_on=opened_on + timedelta(days=1),
                               template_id=template.id, part_number=part,
                               na_steps={ts_position: NA_REASONS[code] for ts_position, code in
                                         _na_candidates(session, template.id, rng)},
                               now=_at(opened_on, 9), **party)
    if party.get("supplier"):                   # the supplier is asked for its 8D and charged back the next day
        asked_on = min(opened_on + timedelta(days=1), on)                # (the same day, for one opened today)
        store.set_supplier_actions(session=session, actor_id=owner.id, issue_id=issue.id, supplier=party["supplier"],
                                   supplier_8d_requested_on=asked_on, charge_back=True,
                                   defect_quantity=party["defect_quantity"], expected_version=issue.version,
                                   now=_at(asked_on, 10))
    _answer_clocks(session, answers, issue.number, owner)
    _review(session, issue, on=on, facilitator=facilitator)
    detail = store.issue_detail(issue.number, session=session, on=opened_on)
    version, cursor = detail.issue["version"], opened_on
    stuck_at = rng.randint(1, len(detail.steps)) if profile == "stuck" else None
    last_report_day = opened_on
    to_verify = []                              # the owner's claims the quality engineer has not checked yet
    for step in detail.steps:
        if step["status"] == rules.Status.NA:
            continue
        delay = {"on_time": rng.randint(-4, 1), "slow": rng.randint(0, 9), "stuck": rng.randint(-2, 3)}[profile]
        done_on = max(cursor, step["target_on"] + timedelta(days=delay))
        if step["position"] == stuck_at and step["target_on"] < on - timedelta(days=30):
            stuck_at += 1  # long-stuck issues get escalated and unblocked; keep the block recent
        if step["position"] == stuck_at or done_on > on:
            version = _leave_open(session, rng, step=step, version=version, owner=owner, on=on, cursor=cursor,
                                  stuck=step["position"] == stuck_at)
            break
        store.complete_step(session=session, actor_id=owner.id, step_id=step["id"], done_on=done_on,
                            evidence=rng.choice(EVIDENCE), expected_version=version, now=_at(done_on, 16))
        version, cursor = version + 1, done_on
        last_report_day = done_on
        if done_on >= on - timedelta(days=1):
            to_verify.append(step["id"])        # done since yesterday: on the quality engineer's list today
        else:                                   # 对比退出: checked against the exit criterion the same afternoon
            store.verify_step(session=session, actor_id=facilitator.id, step_id=step["id"],
                              expected_version=version, now=_at(done_on, 17))
            version += 1
    else:
        closed_on = cursor + timedelta(days=rng.randint(0, 2))
        if closed_on <= on:
            for step_id in to_verify:           # the meeting that closes it checks the last evidence first
                store.verify_step(session=session, actor_id=facilitator.id, step_id=step_id,
                                  expected_version=version, now=_at(closed_on, 8))
                version += 1
            store.attach_file(session=session, actor_id=owner.id, issue_id=issue.id, file_name=f"8D-{issue.number}.pdf",
                              content=report_pdf(f"8D report {issue.number}"), kind="report",
                              expected_version=version, now=_at(closed_on, 9))
            version += 1
            store.close_issue(session=session, actor_id=facilitator.id, issue_id=issue.id, closed_on=closed_on,
                              reason="全部退出标准达成，快速反应会确认关闭", expected_version=version,
                              now=_at(closed_on, 10), accepted_by="客户SQE", accepted_how="email")
            return
    version = _countermeasures_where_needed(session, rng, number=issue.number, version=version, owner=owner, on=on)
    version = _replan(session, rng, number=issue.number, version=version, owner=owner, on=on, profile=profile)
    report_day = max(last_report_day, on - timedelta(days=rng.randint(0, 4)))
    next_report_on = report_day + timedelta(days=rng.choice([1, 2, 3, 5, 7]))
    if next_report_on == opened_on + timedelta(days=1):
        return                                  # the date set at opening still holds: nothing to save
    store.set_next_report(session=session, actor_id=owner.id, issue_id=issue.id, next_report_on=next_report_on,
                          expected_version=version, now=_at(report_day, 8))


EVIDENCE = ["现场照片及检验记录已上传", "100%全检记录表(3班)", "更新后的作业指导书已签发", "PFMEA/控制计划修订版已发布",
            "连续3批验证合格报告", "分层审核检查表已加入该项"]
MOVE_REASONS = ["供应商样件延期到货，客户已同意新日期", "模具返修需等备件，设备部确认周期", "客户要求增加验证批次"]


def _review(session, issue, *, on, facilitator) -> None:
    """The area's next working-day meeting decides the new issue's tier as the admission rule proposes; one
    opened on the last day is still waiting for that meeting's review."""
    meeting_day = issue.opened_on + timedelta(days=1)
    while meeting_day.weekday() >= 5:
        meeting_day += timedelta(days=1)
    if meeting_day <= on:
        store.review_issue(session=session, actor_id=facilitator.id, issue_id=issue.id, on_board=issue.on_board,
                           expected_version=store.issue_detail(issue.number, session=session).issue["version"],
                           now=_at(meeting_day, 8))


def _replan(session, rng, *, number, version, owner, on, profile):
    """Owners move targets: now and then the first move of a step not yet late (applied: within the limit), and a
    slow issue's red step asks for a new date (a request the facilitator has yet to decide)."""
    for step in store.issue_detail(number, session=session, on=on).steps:
        if step["state"] != "open" or step["to_verify"]:
            continue
        late = step["status"] == rules.Status.R and not step["move_requested_on"]
        if (profile == "slow" and late and rng.random() < 0.5) or (
                profile == "on_time" and step["status"] == rules.Status.Y and rng.random() < 0.2):
            store.move_target(session=session, actor_id=owner.id, step_id=step["id"],
                              target_on=max(step["target_on"], on) + timedelta(days=rng.choice([5, 7, 10])),
                              reason=rng.choice(MOVE_REASONS), expected_version=version, now=_at(on, 7))
            version += 1
        break                                   # only the step being worked on
    return version


def _na_candidates(session, template_id, rng):
    """A few optional steps are not applicable, as in real plants (structure already error-proofed …)."""
    steps = [s for s in store.template_steps(template_id, session=session) if s.code in NA_REASONS]
    return [(s.position, s.code) for s in steps if rng.random() < 0.12]


def _leave_open(session, rng, *, step, version, owner, on, cursor, stuck):
    """The current step stays open; a recently blocked one is marked worse with its countermeasure."""
    if stuck and step["target_on"] >= on - timedelta(days=10):
        blocked_on = max(on - timedelta(days=rng.randint(0, 5)), step["target_on"] - timedelta(days=5), cursor)
        store.mark_step_worse(session=session, actor_id=owner.id, step_id=step["id"],
                              reason=rng.choice(WORSE_REASONS), countermeasure=rng.choice(COUNTERMEASURES),
                              expected_version=version, now=_at(blocked_on, 17))
        return version + 1
    return version


def _countermeasures_where_needed(session, rng, *, number, version, owner, on):
    """Owners write a countermeasure for every step that is red or near its target, as the board demands."""
    for step in store.issue_detail(number, session=session, on=on).steps:
        late_or_near = step["status"] == rules.Status.R or step["warning"]
        if late_or_near and not step["countermeasure"]:
            store.set_countermeasure(session=session, actor_id=owner.id, step_id=step["id"],
                                     countermeasure=rng.choice(COUNTERMEASURES), expected_version=version,
                                     now=_at(on, 7))
            version += 1
    return version
