"""What the board does with its frame: filter, sort, count. Plain pandas, no database."""
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from qr import rules


@dataclass(frozen=True)
class BoardFilter:
    area_ids: tuple[int, ...] | None = None   # a plant's areas (None: every plant's)
    area_id: int | None = None
    category: str | None = None   # the category label as shown (zh), parent/sub-type included
    owner_id: int | None = None
    overall: str | None = None    # G | Y | R


def filter_board(frame: pd.DataFrame, chosen: BoardFilter) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if chosen.area_ids is not None:
        keep &= frame["area_id"].isin(chosen.area_ids)
    if chosen.area_id is not None:
        keep &= frame["area_id"] == chosen.area_id
    if chosen.category is not None:
        keep &= (frame["category_zh"] == chosen.category) | frame["category_zh"].str.startswith(f"{chosen.category}/")
    if chosen.owner_id is not None:
        keep &= frame["owner_id"] == chosen.owner_id
    if chosen.overall is not None:
        keep &= frame["overall"] == chosen.overall
    return frame[keep]


def sort_board(frame: pd.DataFrame) -> pd.DataFrame:
    """Reporting order on the board: red first, then yellow, then green; within each, next report date."""
    if frame.empty:
        return frame
    keys = pd.DataFrame({
        "closed": frame["closed_on"].notna(),
        "overall": frame["overall"].map(rules.rank),
        "next": pd.to_datetime(frame["next_report_on"]),
        "number": frame["number"],
    })
    order = keys.sort_values(["closed", "overall", "next", "number"], ascending=[True, False, True, True],
                             na_position="last").index
    return frame.loc[order]


def late_clocks(clocks: list[dict], now: datetime) -> int:
    """Response clocks a customer waited too long on: still unanswered past the limit, or answered late."""
    return sum(rules.clock_late(rules.clock_state(c["due_at"], c["responded_at"], now)) for c in clocks)


def board_counters(frame: pd.DataFrame, now: datetime | None = None) -> dict[str, int]:
    """The header counters, over open issues only; response clocks are judged at `now` (default: this moment)."""
    now = now or datetime.now(timezone.utc)
    open_issues = frame[frame["closed_on"].isna()]
    return {
        "open": len(open_issues),
        "red": int((open_issues["overall"] == "R").sum()),
        "yellow": int((open_issues["overall"] == "Y").sum()),
        "report_overdue": int(open_issues["report_overdue"].sum()),
        "escalated": int((open_issues["escalation_level"] > 0).sum()),
        "response_late": sum(late_clocks(clocks, now) for clocks in open_issues["clocks"]),
        "no_countermeasure": sum(s["no_countermeasure"] for steps in open_issues["steps"] for s in steps.values()),
        "to_verify": sum(s["to_verify"] for steps in open_issues["steps"] for s in steps.values()),
    }
