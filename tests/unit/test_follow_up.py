"""回访 (follow-up calls after closing): the sampling rule, the store's commands and the weekly rates against
both targets (customer issues 100 %, the others at least 30 %), with every figure counted by hand.

The week is ISO 2026-W10, Monday 2 to Sunday 8 March 2026.
"""
from datetime import date, timedelta

import pytest

from qr import store, trend_reading, trends
from qr.rules import follow_up_due, follow_up_rate, propose_follow_ups
from tests.conftest import plant_moment

MONDAY = date(2026, 3, 2)
W10 = [MONDAY + timedelta(days=n) for n in range(7)]
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("closed, done, expected", [
    # five closed in one week: ceil(0.3 × 5) = 2, the earliest closed first
    ([(1, W10[4]), (2, W10[0]), (3, W10[1]), (4, W10[2]), (5, W10[3])], set(), [2, 3]),
    # one of them already called (any one counts): one more is needed
    ([(1, W10[4]), (2, W10[0]), (3, W10[1]), (4, W10[2]), (5, W10[3])], {4}, [2]),
    # ten closed, three called: exactly 30 %, nothing more to propose
    ([(n, W10[n % 7]) for n in range(1, 11)], {1, 2, 3}, []),
    # two weeks apart: ceil(0.9) = 1 in the first, ceil(0.3) = 1 in the second
    ([(1, W10[2]), (2, W10[0]), (3, W10[1]), (4, W10[0] + timedelta(days=7))], set(), [2, 4]),
    ([], set(), []),
])
def test_propose_follow_ups(closed, done, expected):
    assert propose_follow_ups(closed, done, 0.3) == expected


@pytest.mark.parametrize("done, closed, rate", [(0, 0, None), (1, 2, 0.5), (2, 2, 1.0), (0, 3, 0.0)])
def test_follow_up_rate(done, closed, rate):
    assert follow_up_rate(done, closed) == rate


def test_follow_up_due_counts_calendar_days():
    assert follow_up_due(date(2026, 3, 6), 7) == date(2026, 3, 13)


@pytest.fixture
def closer(plant, open_issue):
    """Factory: an issue of the category opened on Monday and closed, with a report, on `closed_on`."""
    def close(category: str, closed_on: date):
        issue = open_issue(MONDAY, template="minor", category=category, severity="C")
        now = plant_moment(closed_on)
        version = issue.version
        for step in store.issue_detail(issue.number, on=closed_on).steps:
            store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=closed_on,
                                expected_version=version, now=now)
            version += 1
        store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", content=PDF,
                          kind="report", expected_version=version, now=now)
        store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=closed_on, reason="验证有效",
                          expected_version=version + 1, now=now, accepted_by="王经理", accepted_how="signed")
        return issue
    return close


def _call(plant, row: dict, on: date, satisfaction: int, solved: bool = True):
    return store.record_follow_up(actor_id=plant["owner"].id, follow_up_id=row["id"], done_on=on,
                                  contact="王经理(客户质量部)", channel="phone", solved=solved,
                                  satisfaction=satisfaction, remarks="问题未再发生",
                                  expected_version=row["version"], now=plant_moment(on))


def _rows(on: date) -> dict[str, dict]:
    return {row["number"]: row for row in store.follow_ups(on=on)}


def _week_rates(on: date) -> list[tuple]:
    period = trends.period_for(MONDAY, MONDAY + timedelta(days=7), today=on)
    kpis = trend_reading.kpis(period, trends.TrendsFilter())
    columns = ["week", "complaints_closed", "complaints_done", "complaints_rate", "others_closed", "others_done",
               "others_rate", "satisfaction"]
    return [tuple(None if isinstance(v, float) and v != v else v for v in row)
            for row in kpis.follow_ups[columns].itertuples(index=False)]


def test_closing_plans_the_call_and_the_weekly_rates_move(plant, closer):
    complaints = [closer("complaint", W10[1]), closer("complaint_0km", W10[2])]
    internal = [closer("gp12", day) for day in W10[0:5]]          # Monday to Friday
    rows = _rows(W10[6])
    assert {n: (r["required"], r["due_on"]) for n, r in rows.items() if r["required"]} == {
        complaints[0].number: (True, date(2026, 3, 10)), complaints[1].number: (True, date(2026, 3, 11))}
    assert [n for n, r in rows.items() if r["proposed"]] == [internal[1].number, internal[0].number]   # Mon, Tue
    assert _week_rates(W10[6])[0] == ("2026-W10", 2, 0, 0.0, 5, 0, 0.0, None)

    _call(plant, rows[complaints[0].number], date(2026, 3, 9), satisfaction=4)
    _call(plant, rows[internal[2].number], date(2026, 3, 10), satisfaction=5)         # not proposed, still counts
    after = _rows(date(2026, 3, 12))
    assert [n for n, r in after.items() if r["proposed"]] == [internal[0].number]      # 2 needed, 1 done
    assert after[complaints[1].number]["overdue"] and not after[complaints[0].number]["overdue"]
    # as of Monday 9th: one customer call known; the internal call on the 10th is not known yet
    assert _week_rates(date(2026, 3, 9))[0] == ("2026-W10", 2, 1, 0.5, 5, 0, 0.0, 4.0)
    # as of the 12th: 1 of 2 customer issues (50 % < 100 %), 1 of 5 others (20 % < 30 %), satisfaction (4+5)/2
    assert _week_rates(date(2026, 3, 12))[0] == ("2026-W10", 2, 1, 0.5, 5, 1, 0.2, 4.5)


@pytest.mark.parametrize("change, key", [
    ({"satisfaction": 6}, "err.satisfaction"),
    ({"channel": "fax"}, "err.bad_choice"),
    ({"done_on": date(2026, 3, 2)}, "err.follow_up_range"),        # before the closing it follows
    ({"contact": ""}, "err.required"),
])
def test_bad_calls_are_refused(plant, closer, change, key):
    issue = closer("complaint", W10[1])
    row = _rows(W10[6])[issue.number]
    arguments = {"actor_id": plant["owner"].id, "follow_up_id": row["id"], "done_on": W10[3], "contact": "王经理",
                 "channel": "phone", "solved": True, "satisfaction": 4, "remarks": "",
                 "expected_version": row["version"], "now": plant_moment(W10[6]), **change}
    with pytest.raises(store.QRError) as refusal:
        store.record_follow_up(**arguments)
    assert refusal.value.key == key
    assert _rows(W10[6])[issue.number]["done_on"] is None


def test_a_call_is_recorded_once_and_reopening_drops_a_pending_call(plant, closer):
    called, pending = closer("complaint", W10[1]), closer("complaint", W10[1])
    rows = _rows(W10[6])
    _call(plant, rows[called.number], W10[3], satisfaction=3)
    with pytest.raises(store.QRError) as refusal:
        _call(plant, {**rows[called.number], "version": rows[called.number]["version"] + 1}, W10[3], satisfaction=3)
    assert refusal.value.key == "err.follow_up_done"
    with pytest.raises(store.StaleVersion):
        _call(plant, rows[called.number], W10[3], satisfaction=3)
    store.reopen_issue(actor_id=plant["lead"].id, issue_id=pending.id, reason="客户再次投诉",
                       expected_version=rows[pending.number]["version"], now=plant_moment(W10[4]))
    assert pending.number not in _rows(W10[6])
    assert _rows(W10[6])[called.number]["satisfaction"] == 3


def test_the_follow_up_delay_is_configurable(plant, closer, monkeypatch):
    monkeypatch.setenv("QR_FOLLOW_UP_DAYS", "3")
    issue = closer("pdi", W10[4])                                  # closed Friday 6 March
    assert _rows(W10[6])[issue.number]["due_on"] == date(2026, 3, 9)
