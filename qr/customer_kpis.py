"""The customers' month (客户月报): complaints, valid share, PPM, response-clock compliance and satisfaction per
customer, and the suppliers' issues; plain pandas over the store's frames, so tests give them frames by hand."""
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from qr import rules

KPI_NAMES = ("complaints", "ppm", "clocks", "satisfaction", "suppliers")
DIMENSIONS = ("satisfaction", "speed", "solving", "attitude")


@dataclass(frozen=True)
class CustomerMonth:
    month: date
    complaints: pd.DataFrame
    ppm: pd.DataFrame
    clocks: pd.DataFrame
    satisfaction: pd.DataFrame
    suppliers: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in KPI_NAMES}


def month_end(month: date) -> date:
    """The last day of the month that starts on `month`."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following.fromordinal(following.toordinal() - 1)


def parse_month(text: str) -> date:
    """'2026-11' → 1 November 2026; anything else raises ValueError."""
    year, _, number = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and len(number) == 2 and number.isdigit()):
        raise ValueError(f"{text!r} is not YYYY-MM")
    return date(int(year), int(number), 1)


def _customer_rows(customers: pd.DataFrame, used: pd.Series) -> pd.DataFrame:
    """Every active customer, plus a row for complaints without one (code ""), when there are such."""
    rows = customers[customers["active"] | customers["id"].isin(used)][["id", "code", "name_zh", "name_en"]]
    if used.isna().any():
        rows = pd.concat([rows, pd.DataFrame([{"id": None, "code": "", "name_zh": "", "name_en": ""}])])
    return rows.rename(columns={"id": "customer_id"}).reset_index(drop=True)


def _of(frame: pd.DataFrame, customer_id) -> pd.DataFrame:
    return frame[frame["customer_id"].isna()] if customer_id is None or pd.isna(customer_id) \
        else frame[frame["customer_id"] == customer_id]


def _mean(values: pd.Series):
    values = values.dropna()
    return round(float(values.mean()), 2) if len(values) else None


def compute(issues: pd.DataFrame, calls: pd.DataFrame, clocks: pd.DataFrame, deliveries: pd.DataFrame,
            customers: pd.DataFrame, month: date, now: datetime) -> CustomerMonth:
    """`issues`: the customers' and suppliers' issues (store.COMPLAINT_COLUMNS) of any months; the month's are
    those opened in it. `calls`: follow-up calls; those made in the month count, for their issue's customer.
    `clocks`: response clocks; those of the month's complaints count, as of `now`."""
    last = month_end(month)
    in_month = issues[(issues["opened_on"] >= month) & (issues["opened_on"] <= last)]
    complaints = in_month[in_month["kind"] == "external"]
    rows = _customer_rows(customers, complaints["customer_id"])
    counted, ppm, kept, satisfied = [], [], [], []
    month_deliveries = deliveries[deliveries["month"] == month]
    made = calls[(calls["done_on"] >= month) & (calls["done_on"] <= last)].merge(
        issues[["issue_id", "customer_id", "kind"]], on="issue_id")
    made = made[made["kind"] == "external"]
    for row in rows.to_dict("records"):
        names = {"code": row["code"], "name_zh": row["name_zh"], "name_en": row["name_en"]}
        own = _of(complaints, row["customer_id"])
        valid, invalid = int((own["disposition"] == "valid").sum()), int((own["disposition"] == "invalid").sum())
        counted.append({**names, "complaints": len(own), "valid": valid, "invalid": invalid,
                        "undecided": len(own) - valid - invalid, "valid_rate": rules.valid_share(valid, invalid)})
        defects = int(own.loc[own["disposition"] != "invalid", "defect_quantity"].dropna().sum())
        delivered = month_deliveries.loc[month_deliveries["customer_id"] == row["customer_id"], "quantity"]
        delivered = int(delivered.iloc[0]) if len(delivered) else None
        ppm.append({**names, "defects": defects, "delivered": delivered, "ppm": rules.ppm(defects, delivered)})
        states = [rules.clock_state(c["due_at"], c["responded_at"] if pd.notna(c["responded_at"]) else None, now)
                  for c in clocks[clocks["issue_id"].isin(own["issue_id"])].to_dict("records")]
        met = sum(s == rules.ClockState.MET for s in states)
        missed = sum(rules.clock_late(s) for s in states)
        kept.append({**names, "clocks": len(states), "met": met, "missed": missed, "running": len(states) - met - missed,
                     "rate": met / (met + missed) if met + missed else None})
        answered = _of(made, row["customer_id"])
        satisfied.append({**names, "calls": len(answered),
                          **{dimension: _mean(answered[dimension]) for dimension in DIMENSIONS}})
    return CustomerMonth(month, pd.DataFrame(counted), pd.DataFrame(ppm), pd.DataFrame(kept),
                         pd.DataFrame(satisfied), suppliers(in_month[in_month["kind"] == "supplier"]))


def suppliers(issues: pd.DataFrame) -> pd.DataFrame:
    """Per supplier named: its issues, 8Ds asked for, charge-backs, closed (solved), judged not valid, open."""
    columns = ["supplier", "issues", "eight_d_requested", "charge_backs", "closed", "invalid", "open", "defects"]
    rows = []
    for supplier, own in issues.groupby(issues["supplier"].replace("", "—"), sort=True):
        cancelled = own["cancelled"].astype(bool)
        rows.append({"supplier": supplier, "issues": len(own),
                     "eight_d_requested": int(own["supplier_8d_requested_on"].notna().sum()),
                     "charge_backs": int(own["charge_back"].astype(bool).sum()),
                     "closed": int((own["closed_on"].notna() & ~cancelled).sum()),
                     "invalid": int((own["disposition"] == "invalid").sum()),
                     "open": int(own["closed_on"].isna().sum()),
                     "defects": int(own["defect_quantity"].dropna().sum())})
    return pd.DataFrame(rows, columns=columns)
