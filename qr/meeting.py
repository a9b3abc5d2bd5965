"""The daily meeting's plain logic: reporting order, timers and how a change reads. No database, no Streamlit."""
from datetime import datetime

import pandas as pd

from qr import rules
from qr.audit import Entity
from qr.history_views import shown_field, shown_value
from qr.i18n import t


def reporting_order(frame: pd.DataFrame, saved: dict[int, int]) -> pd.DataFrame:
    """Board issues first, then the watch list's (when the frame holds them); within each tier the facilitator's
    saved positions first, the rest by owner, then overall status worst first, then number."""
    if frame.empty:
        return frame
    keys = pd.DataFrame({
        "watch": ~frame["on_board"].astype(bool),
        "unsaved": ~frame["id"].isin(list(saved)),
        "saved": frame["id"].map(saved).fillna(0),
        "owner": frame["owner"],
        "overall": frame["overall"].map(rules.rank),
        "number": frame["number"],
    }, index=frame.index)
    order = keys.sort_values(["watch", "unsaved", "saved", "owner", "overall", "number"],
                             ascending=[True, True, True, True, False, True])   # overall: worst first
    return frame.loc[order.index]


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


def change_text(change: dict, lang: str, step_names: dict[int, str] | None = None) -> str:
    """'Containment · Step state: Open → Completed' — which step, which field, from what to what."""
    line = t("change.line", lang, field=shown_field(change["entity"], change["field"], lang),
             old=shown_value(change, "old", lang) or "—", new=shown_value(change, "new", lang) or "—")
    step = (step_names or {}).get(change.get("entity_id")) if change["entity"] == Entity.STEP else None
    return f"{step} · {line}" if step else line


def decision_text(decision: dict, lang: str) -> str:
    if decision["kind"] == "next_report":
        return t("decision.text.next_report", lang, date=decision["next_report_on"].isoformat())
    if decision["kind"] == "action":
        owner = decision["action_owner_en"] if lang == "en" else decision["action_owner"]
        return t("decision.text.action", lang, action=decision["action"], owner=owner,
                 due=decision["due_on"].isoformat())
    return t("decision.text.escalate", lang, level=t(f"escalation.{decision['escalated_level']}", lang))


# ---------------------------------------------------------------- minutes, shared by the PDF, the workbook and the page

def _name(row: dict, lang: str, key: str = "name") -> str:
    return row[f"{key}_en"] if lang == "en" else row[key]


def _rate(minutes) -> str:
    return "—" if minutes.attendance_rate is None else f"{minutes.attendance_rate:.1%}"


def _time(minutes, lang: str) -> str:
    end = minutes.ended_at.strftime("%H:%M") if minutes.ended_at else t("minutes.running", lang)
    return f"{minutes.started_at.strftime('%H:%M')}–{end}"


def header_rows(minutes, lang: str) -> list[tuple[str, str]]:
    """The meeting's facts, label and value, shared by the PDF and the workbook."""
    attended = sum(line["status"] in ("present", "late") for line in minutes.attendance if not line["guest"])
    listed = sum(not line["guest"] for line in minutes.attendance)
    return [
        (t("minutes.date", lang), minutes.held_on.isoformat()),
        (t("minutes.area", lang), minutes.area_en if lang == "en" else minutes.area_zh),
        (t("minutes.facilitator", lang), minutes.facilitator_en if lang == "en" else minutes.facilitator),
        (t("minutes.time", lang), _time(minutes, lang)),
        (t("minutes.duration", lang), t("minutes.minutes", lang, minutes=minutes.duration_minutes)),
        (t("minutes.rate", lang), f"{_rate(minutes)} ({attended}/{listed})"),
    ] + ([(t("minutes.missing_functions", lang), function_names(minutes.missing_functions, lang))]
         if minutes.required_functions else [])


def function_names(functions: list[str], lang: str) -> str:
    """'SQE、物流' / 'SQE, Logistics'; none as 无 / none."""
    if not functions:
        return t("minutes.none", lang)
    return ("、" if lang == "zh" else ", ").join(t(f"function.{f}", lang) for f in functions)


def attendance_rows(minutes, lang: str) -> list[tuple[str, str]]:
    """Each line of the sign-in sheet: the name, (guest) for a guest, the function when known, and the status."""
    guest = t("signin.guest_mark", lang)

    def label(line: dict) -> str:
        marks = [guest] if line["guest"] else []
        if line.get("function"):
            marks.append(t(f"function.{line['function']}", lang))
        return f"{_name(line, lang)} ({'/'.join(marks)})" if marks else _name(line, lang)
    return [(label(line), t(f"attendance.{line['status']}", lang)) for line in minutes.attendance]


def issue_rows(minutes, lang: str) -> list[dict]:
    """Each issue reported: its changes since the last meeting, decisions and the new next report date."""
    return [{"number": item["number"], "description": item["description"], "owner": _name(item, lang, "owner"),
             "overall": item["overall"],
             "changes": [f'{c["at"].strftime("%m-%d %H:%M")} {_name(c, lang, "actor")}: '
                         f'{change_text(c, lang, {i: names[lang == "en"] for i, names in item["step_names"].items()})}'
                         for c in item["changes"]],
             "decisions": [decision_text(d, lang) for d in item["decisions"]],
             "next_report_on": item["next_report_on"].isoformat() if item["next_report_on"] else "—"}
            for item in minutes.items]
