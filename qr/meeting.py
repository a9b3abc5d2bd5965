"""The daily meeting's plain logic: reporting order, timers and how a change reads. No database, no Streamlit."""
from datetime import datetime

import pandas as pd

from qr import rules

_WORST_FIRST = {"R": 0, "Y": 1, "G": 2}


def reporting_order(frame: pd.DataFrame, saved: dict[int, int]) -> pd.DataFrame:
    """The facilitator's saved positions first; the rest by owner, then overall status worst first, then number."""
    if frame.empty:
        return frame
    keys = pd.DataFrame({
        "unsaved": ~frame["id"].isin(list(saved)),
        "saved": frame["id"].map(saved).fillna(0),
        "owner": frame["owner"],
        "overall": frame["overall"].map(_WORST_FIRST),
        "number": frame["number"],
    }, index=frame.index)
    return frame.loc[keys.sort_values(["unsaved", "saved", "owner", "overall", "number"]).index]


def elapsed_seconds(since: datetime, now: datetime) -> int:
    return max(int((now - since).total_seconds()), 0)


def clock(seconds: int) -> str:
    """mm:ss, minutes past 59 kept (a 75-minute meeting reads 75:00)."""
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def timers(*, meeting_started: datetime, issue_shown: datetime, now: datetime, issue_seconds: int,
           target_minutes: int, limit_minutes: int) -> dict:
    """Both presenter timers as the card shows them: the issue's slot counting down, the meeting counting up."""
    on_issue = elapsed_seconds(issue_shown, now)
    in_meeting = elapsed_seconds(meeting_started, now)
    left = issue_seconds - on_issue
    return {
        "issue": ("-" if left < 0 else "") + clock(abs(left)),
        "issue_state": rules.issue_timer_state(on_issue, issue_seconds).value,
        "meeting": clock(in_meeting),
        "meeting_state": rules.meeting_timer_state(in_meeting, target_minutes, limit_minutes).value,
        "target_minutes": target_minutes,
    }


def countermeasure_steps(steps: list[dict]) -> list[dict]:
    """The Y and R steps in template order: what the owner reports next steps for."""
    return [s for s in sorted(steps, key=lambda s: s["position"])
            if rules.Status(s["status"]) in (rules.Status.Y, rules.Status.R)]
