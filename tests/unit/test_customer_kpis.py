"""The customers' month (#19 item 6): hand-built frames with hand-figured numbers, then the monthly pack through
the command line on a real database built by the store's commands."""
import subprocess
import sys
from datetime import date, datetime, timezone

import pandas as pd
import pytest
from openpyxl import load_workbook

from qr import customer_kpis, store
from qr.store import COMPLAINT_COLUMNS
from tests.conftest import ROOT, plant_moment

NOV = date(2026, 11, 1)
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n"
CUSTOMERS = pd.DataFrame([{"id": 1, "code": "SGM", "name_zh": "上汽通用", "name_en": "SAIC-GM", "site": "", "active": True},
                          {"id": 2, "code": "FAW", "name_zh": "一汽", "name_en": "", "site": "", "active": True},
                          {"id": 3, "code": "OLD", "name_zh": "旧客户", "name_en": "", "site": "", "active": False}])


def _issue(issue_id, customer_id, opened_on, *, kind="external", disposition="", defects=None, supplier="", **more):
    row = dict(issue_id=issue_id, number=f"QR-2026-{issue_id:04d}", kind=kind, customer_id=customer_id,
               supplier=supplier, severity="B", opened_on=opened_on, closed_on=None, cancelled=False,
               disposition=disposition, responsibility="", defect_quantity=defects, supplier_8d_requested_on=None,
               charge_back=False, accepted_on=None)
    return {**row, **more}


ISSUES = pd.DataFrame([
    _issue(1, 1, date(2026, 11, 3), disposition="valid", defects=3),
    _issue(2, 1, date(2026, 11, 10), disposition="invalid", defects=50, closed_on=date(2026, 11, 11), cancelled=True),
    _issue(3, 1, date(2026, 11, 28), defects=2),                   # not judged yet: its bad parts count
    _issue(4, 2, date(2026, 11, 5), disposition="valid", defects=7),
    _issue(5, 1, date(2026, 10, 30), disposition="valid", defects=9),   # October's: not November's complaint
    _issue(6, None, date(2026, 11, 20)),                           # recorded without a customer
    _issue(7, None, date(2026, 11, 6), kind="supplier", supplier="华达精密", defects=40,
           supplier_8d_requested_on=date(2026, 11, 7), charge_back=True, closed_on=date(2026, 11, 25)),
    _issue(8, None, date(2026, 11, 16), kind="supplier", supplier="华达精密", defects=10),
    _issue(9, None, date(2026, 11, 17), kind="supplier", supplier="瑞丰塑胶", disposition="invalid",
           closed_on=date(2026, 11, 18), cancelled=True),
], columns=COMPLAINT_COLUMNS)
DELIVERIES = pd.DataFrame([{"customer_id": 1, "month": NOV, "quantity": 200_000},
                           {"customer_id": 1, "month": date(2026, 10, 1), "quantity": 1}],
                          columns=["customer_id", "month", "quantity"])


def _due(day, hour):
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc)


CLOCKS = pd.DataFrame([
    {"issue_id": 1, "code": "ack", "due_at": _due(3, 4), "responded_at": _due(3, 3)},      # met
    {"issue_id": 1, "code": "on_site", "due_at": _due(5, 2), "responded_at": _due(5, 9)},  # answered late: missed
    {"issue_id": 2, "code": "ack", "due_at": _due(10, 4), "responded_at": None},           # never answered: missed
    {"issue_id": 3, "code": "ack", "due_at": datetime(2026, 12, 3, tzinfo=timezone.utc), "responded_at": None},  # running
    {"issue_id": 4, "code": "ack", "due_at": _due(5, 4), "responded_at": _due(5, 4)},      # at the limit: met
    {"issue_id": 5, "code": "ack", "due_at": _due(1, 4), "responded_at": None},            # October's complaint
])
CALLS = pd.DataFrame([
    {"issue_id": 1, "closed_on": None, "done_on": date(2026, 11, 20), "solved": None, "satisfaction": 4, "speed": 5,
     "solving": 3, "attitude": 4},
    {"issue_id": 5, "closed_on": date(2026, 11, 2), "done_on": date(2026, 11, 9), "solved": True, "satisfaction": 5,
     "speed": 4, "solving": 5, "attitude": None},                  # an October complaint called in November counts
    {"issue_id": 4, "closed_on": date(2026, 10, 20), "done_on": date(2026, 10, 27), "solved": True, "satisfaction": 1,
     "speed": 1, "solving": 1, "attitude": 1},                     # a call made in October: not November's
])


@pytest.fixture(scope="module")
def november():
    return customer_kpis.compute(ISSUES, CALLS, CLOCKS, DELIVERIES, CUSTOMERS, NOV, NOW)


def _by_code(frame):
    """Rows by customer code, a missing number (no rate, no PPM) read as None."""
    return {row["code"]: {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}
            for row in frame.to_dict("records")}


def test_complaints_per_customer_and_the_valid_share(november):
    rows = _by_code(november.complaints)
    assert list(rows) == ["SGM", "FAW", ""]                  # the retired customer had none; one had no customer
    sgm = rows["SGM"]
    assert (sgm["complaints"], sgm["valid"], sgm["invalid"], sgm["undecided"]) == (3, 1, 1, 1)
    assert sgm["valid_rate"] == 0.5                          # 1 valid of 2 judged
    assert (rows["FAW"]["complaints"], rows["FAW"]["valid_rate"]) == (1, 1.0)
    assert (rows[""]["complaints"], rows[""]["valid_rate"]) == (1, None)


def test_ppm_counts_the_bad_parts_of_complaints_not_judged_invalid(november):
    rows = _by_code(november.ppm)
    # SGM: 3 (valid) + 2 (not judged) = 5 bad of 200,000 delivered = 25.0 PPM; the 50 of the invalid one do not count
    assert (rows["SGM"]["defects"], rows["SGM"]["delivered"], rows["SGM"]["ppm"]) == (5, 200_000, 25.0)
    assert (rows["FAW"]["defects"], rows["FAW"]["delivered"], rows["FAW"]["ppm"]) == (7, None, None)   # no delivery


def test_clock_compliance_per_customer(november):
    rows = _by_code(november.clocks)
    # SGM: met 1 (QR-1 ack), missed 2 (QR-1 on site late, QR-2 never answered), running 1 (QR-3) → 1 / 3
    assert (rows["SGM"]["met"], rows["SGM"]["missed"], rows["SGM"]["running"]) == (1, 2, 1)
    assert rows["SGM"]["rate"] == pytest.approx(1 / 3)
    assert (rows["FAW"]["met"], rows["FAW"]["rate"]) == (1, 1.0)


def test_satisfaction_per_customer_and_dimension(november):
    sgm = _by_code(november.satisfaction)["SGM"]
    # November's calls of SGM complaints: (4, 5, 3, 4) and (5, 4, 5, none) → 4.5, 4.5, 4.0, 4.0
    assert (sgm["calls"], sgm["satisfaction"], sgm["speed"], sgm["solving"], sgm["attitude"]) == (2, 4.5, 4.5, 4.0, 4.0)
    faw = _by_code(november.satisfaction)["FAW"]
    assert (faw["calls"], faw["satisfaction"]) == (0, None)  # its only call was in October


def test_supplier_issues_per_supplier(november):
    rows = {row["supplier"]: row for row in november.suppliers.to_dict("records")}
    assert {name: (r["issues"], r["eight_d_requested"], r["charge_backs"], r["closed"], r["invalid"], r["open"],
                   r["defects"]) for name, r in rows.items()} == {
        "华达精密": (2, 1, 1, 1, 0, 1, 50), "瑞丰塑胶": (1, 0, 0, 0, 1, 0, 0)}


def test_months_are_read_and_ended_by_hand():
    assert customer_kpis.parse_month("2026-02") == date(2026, 2, 1)
    assert customer_kpis.month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert customer_kpis.month_end(date(2026, 12, 1)) == date(2026, 12, 31)
    for bad in ("2026-13", "26-11", "2026/11", ""):
        with pytest.raises(ValueError):
            customer_kpis.parse_month(bad)


def _qr(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qr", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_monthly_pack_through_the_command_line(plant, tmp_path):
    sgm = store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM")
    store.set_delivery(actor_id=None, customer_id=sgm.id, month=NOV, quantity=120_000)
    for day, defects in ((date(2026, 11, 3), 2), (date(2026, 11, 12), 1)):
        store.create_issue(actor_id=plant["owner"].id, description="客户投诉：卡扣断裂",
                           category_id=plant["categories"]["complaint"].id, area_id=plant["area"].id, severity="B",
                           owner_id=plant["owner"].id, lead_id=plant["lead"].id, opened_on=day, next_report_on=day,
                           template_id=plant["templates"]["minor"].id, customer_id=sgm.id, defect_quantity=defects,
                           now=plant_moment(day))
    out = tmp_path / "pack"
    result = _qr("report", "--month", "2026-11", "--out", str(out), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "monthly customer pack 2026-11" in result.stdout
    book = load_workbook(out / "QR-customers-2026-11.xlsx")
    assert book.sheetnames == list(customer_kpis.KPI_NAMES)
    ppm = [row for row in book["ppm"].iter_rows(min_row=4, values_only=True)]
    assert ppm == [("Customer", "Name", "Parts found bad", "Delivered", "PPM"),
                   ("SGM", "SAIC-GM", 3, 120_000, 25.0)]               # 3 of 120,000 = 25 PPM
    pictures = sorted(p.name for p in out.glob("*.png"))
    assert pictures[0] == "QR-customers-2026-11-01-complaints.png"
    assert all((out / name).read_bytes().startswith(PNG) for name in pictures)


def test_a_bad_month_exits_2_with_the_reason(plant, tmp_path):
    result = _qr("report", "--month", "2026-13", "--out", str(tmp_path))
    assert result.returncode == 2 and "--month" in result.stderr
    both = _qr("report", "--month", "2026-11", "--week", "2026-W47", "--out", str(tmp_path))
    assert both.returncode == 2
