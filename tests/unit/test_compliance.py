"""Update compliance: did the owner update each board issue between the area's meetings (audit trail)?"""
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from qr import compliance, store
from tests.conftest import plant_moment

MON = date(2026, 9, 28)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 9, 28, hour, minute, tzinfo=timezone.utc) + timedelta(days=day_offset)


MEETINGS = pd.DataFrame([(1, MON, at(0, 8, 30), at(0, 8, 50)), (1, MON + timedelta(days=1), at(1, 8, 30), None),
                         (1, MON + timedelta(days=2), at(2, 8, 30), at(2, 8, 45))], columns=compliance.MEETING_COLUMNS)
ISSUES = pd.DataFrame([
    (1, "QR-1", 1, 10, "张伟", "Zhang Wei", MON - timedelta(days=5), None, True),
    (2, "QR-2", 1, 20, "王芳", "Wang Fang", MON - timedelta(days=5), None, True),
    (3, "QR-3", 1, 10, "张伟", "Zhang Wei", MON + timedelta(days=1), None, True),    # opened on the 2nd meeting's day
    (4, "QR-4", 1, 10, "张伟", "Zhang Wei", MON - timedelta(days=5), None, False),   # watch list, not the board
    (5, "QR-5", 1, 20, "王芳", "Wang Fang", MON - timedelta(days=5), MON, True),     # closed before the 2nd meeting
], columns=compliance.ISSUE_COLUMNS)
UPDATES = pd.DataFrame([
    (1, 10, at(0, 9)),          # 张伟 on QR-1 after the first meeting ended: counts for the second
    (2, 20, at(0, 8, 40)),      # 王芳 on QR-2 during the first meeting: before it ended, not counted
    (2, 10, at(0, 10)),         # someone else on QR-2: not its owner
    (2, 20, at(1, 8, 30)),      # 王芳 on QR-2 at the second meeting's start: still counts for the second
    (3, 10, at(1, 8, 20)),      # QR-3 before the second meeting, the day it opened: not in the third's window
], columns=compliance.UPDATE_COLUMNS)


def test_each_meeting_counts_the_board_issues_their_owners_updated_since_the_previous_one():
    frame = compliance.update_compliance(ISSUES, UPDATES, MEETINGS)
    assert [(row.held_on.day, row.number, row.updated) for row in frame.itertuples()] == [
        (29, "QR-1", True), (29, "QR-2", True),
        (30, "QR-1", False), (30, "QR-2", False), (30, "QR-3", False)]


@pytest.mark.parametrize("owner, issues, updated, share", [("Zhang Wei", 3, 1, 1 / 3), ("Wang Fang", 2, 1, 0.5)])
def test_per_owner(owner, issues, updated, share):
    table = compliance.compliance_by_owner(compliance.update_compliance(ISSUES, UPDATES, MEETINGS))
    row = table[table["owner_en"] == owner].iloc[0]
    assert (row["issues"], row["updated"], row["share"]) == (issues, updated, pytest.approx(share))


def test_per_week_leaves_weeks_without_meetings_empty():
    frame = compliance.update_compliance(ISSUES, UPDATES, MEETINGS)
    table = compliance.compliance_by_week(frame, [MON - timedelta(days=7), MON])
    assert table["share"].isna().tolist() == [True, False] and table["share"].iloc[1] == pytest.approx(2 / 5)


def test_an_area_with_one_meeting_has_nothing_to_count():
    assert compliance.update_compliance(ISSUES, UPDATES, MEETINGS.iloc[:1]).empty


def test_the_store_reads_the_owners_updates_from_the_audit_trail(plant, open_issue):
    day = store.today()
    issue = open_issue(day - timedelta(days=5), severity="A")
    other = open_issue(day - timedelta(days=5), severity="A")
    store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id, now=plant_moment(day - timedelta(days=1), 8))
    steps = store.issue_detail(issue.number).steps
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=steps[0]["id"], countermeasure="每日跟进",
                             expected_version=store.issue_detail(issue.number).issue["version"],
                             now=plant_moment(day - timedelta(days=1), 15))
    frames = store.update_compliance_frames(start=day, end=day, area_id=plant["area"].id, include_now=True,
                                            now=plant_moment(day, 8))
    frame = compliance.update_compliance(*frames)
    assert dict(zip(frame["number"], frame["updated"])) == {issue.number: True, other.number: False}
