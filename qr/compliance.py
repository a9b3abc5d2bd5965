"""Update compliance: did each owner update their board issues between the area's meetings? From the audit
trail, as plain pandas (no database): the meeting page shows it per owner for today, the trends page per owner
and per week."""
from datetime import date, timedelta

import pandas as pd

from qr.i18n import t

ISSUE_COLUMNS = ["id", "number", "area_id", "owner_id", "owner", "owner_en", "opened_on", "closed_on", "on_board"]
UPDATE_COLUMNS = ["issue_id", "actor_id", "at"]
MEETING_COLUMNS = ["area_id", "held_on", "started_at", "ended_at"]
COMPLIANCE_COLUMNS = ["area_id", "held_on", "week", "issue_id", "number", "owner_id", "owner", "owner_en", "updated"]


def update_compliance(issues: pd.DataFrame, updates: pd.DataFrame, meetings: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting and board issue open at it: `updated` when the issue's owner changed it (any audit
    event of theirs on it) after the area's previous meeting ended (started, if never ended) and before this
    one started. An area's first meeting has no previous one and counts nothing; an issue opened on the
    meeting's day is not yet due an update."""
    rows = []
    board = issues[issues["on_board"].astype(bool)]
    for area_id, held in meetings.sort_values(["area_id", "held_on"]).groupby("area_id", sort=False):
        held = held.to_dict("records")
        area_issues = board[board["area_id"] == area_id]
        for previous, meeting in zip(held, held[1:]):
            since = previous["ended_at"] if pd.notna(previous["ended_at"]) else previous["started_at"]
            day = meeting["held_on"]
            open_then = area_issues[(area_issues["opened_on"] < day)
                                    & (area_issues["closed_on"].isna() | (area_issues["closed_on"] >= day))]
            window = updates[(updates["at"] > since) & (updates["at"] <= meeting["started_at"])]
            touched = set(zip(window["issue_id"], window["actor_id"]))
            for issue in open_then.to_dict("records"):
                rows.append({"area_id": area_id, "held_on": day, "week": day - timedelta(days=day.weekday()),
                             "issue_id": issue["id"], "number": issue["number"], "owner_id": issue["owner_id"],
                             "owner": issue["owner"], "owner_en": issue["owner_en"],
                             "updated": (issue["id"], issue["owner_id"]) in touched})
    return pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)


def _share(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(by, sort=True)["updated"]
    summary = pd.DataFrame({"issues": grouped.size(), "updated": grouped.sum().astype(int)}).reset_index()
    summary["share"] = summary["updated"] / summary["issues"]
    return summary


def compliance_by_owner(frame: pd.DataFrame) -> pd.DataFrame:
    """Per owner: board issues due an update, how many they updated, the share (lowest first)."""
    if frame.empty:
        return pd.DataFrame(columns=["owner_id", "owner", "owner_en", "issues", "updated", "share"])
    return _share(frame, ["owner_id", "owner", "owner_en"]).sort_values(["share", "owner"]).reset_index(drop=True)


def compliance_by_week(frame: pd.DataFrame, weeks: list[date] | None = None) -> pd.DataFrame:
    """Per ISO week (its Monday) of the meetings: the share of board issues their owners updated; weeks
    without a meeting are empty (no share), not 0 %."""
    empty = pd.DataFrame(columns=["week", "issues", "updated", "share"])
    summary = _share(frame, ["week"]) if not frame.empty else empty
    if weeks is None:
        return summary
    return pd.DataFrame({"week": weeks}).merge(summary, on="week", how="left")


def _percent(share) -> str:
    return "" if pd.isna(share) else f"{share:.0%}"


def owner_table(by_owner: pd.DataFrame, lang: str) -> pd.DataFrame:
    """compliance_by_owner with the page's column names and shares as percentages."""
    return pd.DataFrame({t("col.owner", lang): by_owner["owner_en" if lang == "en" else "owner"],
                         t("compliance.issues", lang): by_owner["issues"],
                         t("compliance.updated", lang): by_owner["updated"],
                         t("compliance.share", lang): [_percent(s) for s in by_owner["share"]]})


def week_table(by_week: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({t("compliance.week", lang): [f"{w.isocalendar()[0]}-W{w.isocalendar()[1]:02d}"
                                                      for w in by_week["week"]],
                         t("compliance.issues", lang): by_week["issues"],
                         t("compliance.updated", lang): by_week["updated"],
                         t("compliance.share", lang): [_percent(s) for s in by_week["share"]]})
