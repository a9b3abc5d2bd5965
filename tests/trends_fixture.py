"""A small plant's March 2026, played through the store: the trends tests' hand-checked fixture.

Weeks (ISO, plant calendar): W10 Mon 03-02 – Sun 03-08 · W11 03-09 – 03-15 · W12 03-16 – 03-22 ·
W13 03-23 – 03-29. Figures are taken as of Sun 03-29. The minor template's targets are opened + 1, 7, 15,
30 and 45 days (containment, root cause, corrective action, verified, lessons learned); I4 uses the
standard 10-step template. Two areas (ASSY, WELD), two owners (张伟, 李强).

 no.  opened  area owner category      sev  what happens
 I1   12-01   ASSY 张伟  complaint      A    steps 1-4 done in December; lessons learned (target 01-15) red all March
 I2   02-20   WELD 李强  gp12           B    containment 02-21, root cause 02-27 on time; corrective action (03-07)
                                              done late 03-10; verified (03-22) open and red from 03-23
 I3   03-02   ASSY 张伟  complaint/0km  A    all steps done early by 03-06, closed 03-06; reopened Mon 03-16 at
                                              01:00 plant time (Sun 17:00 UTC); closed again 03-20
 I4   03-03   ASSY 李强  line stop      A    standard; 4 steps N/A when opened; containment done late 03-05, root
                                              cause late 03-12; error proofing (03-23) red, set N/A 03-26;
                                              corrective action (03-18) open
 I5   03-05   WELD 李强  line stop      B    containment marked red the day it opened, done 03-08 (Sunday, late);
                                              root cause on time 03-12; corrective action (03-20) open
 I6   03-09   WELD 张伟  gp12           C    containment 03-10, root cause 03-16, the rest 03-18, all on time;
                                              closed 03-18
 I7   03-12   ASSY 张伟  complaint      B    containment on time 03-13; root cause (03-19) and corrective
                                              action (03-27) open
 I8   03-15   WELD 李强  gp12           C    opened on a Sunday; containment the same day, root cause 03-22 on time
 I9   03-16   ASSY 张伟  line stop      B    containment late 03-18; root cause (03-23) open
 I10  03-22   ASSY 李强  gp12           C    opened on a Sunday, 7 days old on 03-29; containment on time 03-23
 I11  03-23   WELD 张伟  complaint      A    every step done on time 03-24 – 03-26; closed 03-27
 I12  03-29   ASSY 张伟  gp12           B    opened on the last day
"""
from datetime import date

from qr import demo, store
from tests.conftest import plant_moment

ON = date(2026, 3, 29)


class MarchPlant:
    """Store commands for the fixture's story, each at the plant moment it happened."""

    def __init__(self, plant):
        self.plant = plant
        self.weld = store.create_area(code="WELD", name_zh="焊装车间", name_en="Body welding")
        self.li = store.create_person(name="李强", name_en="Li Qiang", area_id=self.weld.id)
        store.create_account(actor_id=None, person_id=self.li.id, username="liqiang", role="owner")
        self.areas = {"ASSY": plant["area"].id, "WELD": self.weld.id}
        self.owners = {"张伟": plant["owner"].id, "李强": self.li.id}
        self.numbers: dict[str, str] = {}
        self.owner_of: dict[str, int] = {}          # who updates each issue: its owner

    def _version(self, name: str) -> int:
        return store.issue_detail(self.numbers[name]).issue["version"]

    def _step_id(self, name: str, code: str) -> int:
        return next(s["id"] for s in store.issue_detail(self.numbers[name]).steps if s["code"] == code)

    def _id(self, name: str) -> int:
        return store.issue_detail(self.numbers[name]).issue["id"]

    def open(self, name: str, opened_on: date, area: str, owner: str, category: str, severity: str,
             template: str = "minor", na_steps: dict[int, str] | None = None) -> None:
        issue = store.create_issue(
            actor_id=self.owners[owner], description=f"{name} 问题",
            category_id=self.plant["categories"][category].id,
            area_id=self.areas[area], severity=severity, owner_id=self.owners[owner],
            lead_id=self.plant["lead"].id, opened_on=opened_on, next_report_on=opened_on,
            template_id=self.plant["templates"][template].id, na_steps=na_steps, now=plant_moment(opened_on))
        self.numbers[name] = issue.number
        self.owner_of[name] = self.owners[owner]

    def complete(self, name: str, day: date, *codes: str) -> None:
        """The owner marks the step done with its evidence; the quality engineer (the lead) verifies it that day."""
        for code in codes:
            store.complete_step(actor_id=self.owner_of[name], step_id=self._step_id(name, code), done_on=day,
                                evidence="记录见附件", expected_version=self._version(name), now=plant_moment(day, 16))
            store.verify_step(actor_id=self.plant["lead"].id, step_id=self._step_id(name, code),
                              expected_version=self._version(name), now=plant_moment(day, 17))

    def mark_red(self, name: str, day: date, code: str) -> None:
        store.mark_step_worse(actor_id=self.owner_of[name], step_id=self._step_id(name, code), reason="等待样件",
                              countermeasure="每日跟进", expected_version=self._version(name),
                              now=plant_moment(day, 17))

    def set_na(self, name: str, day: date, code: str) -> None:
        store.mark_step_na(actor_id=self.owner_of[name], step_id=self._step_id(name, code), reason="结构已防错",
                           expected_version=self._version(name), now=plant_moment(day, 11))

    def close(self, name: str, day: date) -> None:
        if not store.attachments(self._id(name)):
            store.attach_file(actor_id=self.owner_of[name], issue_id=self._id(name), file_name="8D.pdf",
                              content=demo.report_pdf("8D"), kind="report", expected_version=self._version(name),
                              now=plant_moment(day, 9))
        store.close_issue(actor_id=self.plant["lead"].id, issue_id=self._id(name), closed_on=day,
                          reason="退出标准达成", expected_version=self._version(name), now=plant_moment(day, 18),
                          accepted_by="王经理", accepted_how="signed")

    def reopen(self, name: str, day: date, hour: int) -> None:
        store.reopen_issue(actor_id=self.plant["lead"].id, issue_id=self._id(name), reason="客户再次抱怨",
                           expected_version=self._version(name), now=plant_moment(day, hour))


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def play_march(plant: dict) -> MarchPlant:
    """The twelve issues of the module docstring, played into the database (tests/conftest.py's march_plant)."""
    m = MarchPlant(plant)
    m.open("I1", d(12, 1, 2025), "ASSY", "张伟", "complaint", "A")
    m.complete("I1", d(12, 2, 2025), "containment")
    m.complete("I1", d(12, 8, 2025), "root_cause")
    m.complete("I1", d(12, 16, 2025), "corrective_action")
    m.complete("I1", d(12, 31, 2025), "verified")
    m.open("I2", d(2, 20), "WELD", "李强", "gp12", "B")
    m.complete("I2", d(2, 21), "containment")
    m.complete("I2", d(2, 27), "root_cause")
    m.complete("I2", d(3, 10), "corrective_action")
    m.open("I3", d(3, 2), "ASSY", "张伟", "complaint_0km", "A")
    m.complete("I3", d(3, 3), "containment")
    m.complete("I3", d(3, 4), "root_cause")
    m.complete("I3", d(3, 5), "corrective_action")
    m.complete("I3", d(3, 6), "verified", "lessons_learned")
    m.close("I3", d(3, 6))
    m.reopen("I3", d(3, 16), hour=1)
    m.close("I3", d(3, 20))
    m.open("I4", d(3, 3), "ASSY", "李强", "line_stop", "A", template="standard",
           na_steps={6: "无变更", 7: "无变更", 8: "已纳入", 9: "无同类"})
    m.complete("I4", d(3, 5), "containment")
    m.complete("I4", d(3, 12), "root_cause")
    m.set_na("I4", d(3, 26), "error_proofing")
    m.open("I5", d(3, 5), "WELD", "李强", "line_stop", "B")
    m.mark_red("I5", d(3, 5), "containment")
    m.complete("I5", d(3, 8), "containment")
    m.complete("I5", d(3, 12), "root_cause")
    m.open("I6", d(3, 9), "WELD", "张伟", "gp12", "C")
    m.complete("I6", d(3, 10), "containment")
    m.complete("I6", d(3, 16), "root_cause")
    m.complete("I6", d(3, 18), "corrective_action", "verified", "lessons_learned")
    m.close("I6", d(3, 18))
    m.open("I7", d(3, 12), "ASSY", "张伟", "complaint", "B")
    m.complete("I7", d(3, 13), "containment")
    m.open("I8", d(3, 15), "WELD", "李强", "gp12", "C")
    m.complete("I8", d(3, 15), "containment")
    m.complete("I8", d(3, 22), "root_cause")
    m.open("I9", d(3, 16), "ASSY", "张伟", "line_stop", "B")
    m.complete("I9", d(3, 18), "containment")
    m.open("I10", d(3, 22), "ASSY", "李强", "gp12", "C")
    m.complete("I10", d(3, 23), "containment")
    m.open("I11", d(3, 23), "WELD", "张伟", "complaint", "A")
    m.complete("I11", d(3, 24), "containment")
    m.complete("I11", d(3, 25), "root_cause", "corrective_action")
    m.complete("I11", d(3, 26), "verified", "lessons_learned")
    m.close("I11", d(3, 27))
    m.open("I12", d(3, 29), "ASSY", "张伟", "gp12", "B")
    return m
