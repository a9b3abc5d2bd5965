"""What the daily meeting shows: presenter mode's timers and card, the steps waiting for verification, the Q-chart,
the 24-hour review, the reporting order and the minutes. HTML with every user text escaped, like qr.views, whose
board and marks they reuse."""
from datetime import date
from string import Template

import pandas as pd

from qr import meeting as meeting_text
from qr.i18n import t
from qr.views import (BOARD_CSS, LETTER, _COLOURS, _e, _long_date, _name, _status_code, render_board,
                      step_notes)


PRESENTER_CSS = Template("""
<style>
.qr-presenter { font-size: 26px; line-height: 1.3; }
.qr-presenter h2 { font-size: 34px; margin: 4px 0 8px 0; font-weight: 700; }
.qr-presenter h3 { font-size: 26px; margin: 12px 0 4px 0; color: $navy; }
.qr-presenter ul { margin: 0 0 0 1.2em; padding: 0; }
.qr-presenter li { font-size: 24px; margin: 2px 0; }
.qr-presenter .qr-muted { color: #555; font-size: 24px; }
.qr-presenter .qr-next { font-size: 28px; font-weight: 700; }
.qr-presenter table.qr-board { font-size: 24px; }
.qr-presenter table.qr-board th { font-size: 24px; }
.qr-timers { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; font-size: 30px; font-weight: 700; }
.qr-timer { padding: 2px 16px; border-radius: 8px; border: 2px solid $navy; background: #fff;
            font-variant-numeric: tabular-nums; white-space: nowrap; }
.qr-timer.qr-timer-warn { background: $Y; color: $on_Y; border-color: $Y; }
.qr-timer.qr-timer-over { background: $R; color: $on_R; border-color: $R; }
.qr-position { font-size: 26px; color: $navy; white-space: nowrap; }
table.qr-qchart { border-collapse: collapse; font-size: 18px; }
table.qr-qchart th, table.qr-qchart td { border: 1px solid $grid; width: 3.2em; height: 2.4em; text-align: center; }
table.qr-qchart th { background: $navy; color: $on_navy; }
table.qr-qchart td.qr-future { background: #fafafa; color: #999; }
table.qr-qchart td.qr-today { outline: 3px solid #0b57d0; outline-offset: -3px; }
table.qr-qchart b { display: block; font-size: 1.1em; }
</style>
""").substitute(_COLOURS)


def render_timers(timers: dict, lang: str, *, position: int, total: int) -> str:
    """Per-issue countdown and meeting clock, coloured by their state, readable from the back of the room."""
    return (f'{PRESENTER_CSS}<div class="qr-presenter qr-timers">'
            f'<span class="qr-position">{_e(t("presenter.position", lang, n=position, total=total))}</span>'
            f'<span class="qr-timer qr-timer-{_e(timers["issue_state"])}" data-timer="issue" '
            f'data-state="{_e(timers["issue_state"])}">{_e(t("presenter.issue_timer", lang))} {_e(timers["issue"])}</span>'
            f'<span class="qr-timer qr-timer-{_e(timers["meeting_state"])}" data-timer="meeting" '
            f'data-state="{_e(timers["meeting_state"])}">{_e(t("presenter.meeting_timer", lang))} '
            f'{_e(timers["meeting"])}</span></div>')


def render_presenter_card(record: dict, columns: list[dict], changes: list[dict], lang: str) -> str:
    """One issue as the meeting sees it: its board row, what changed since the last meeting, the
    countermeasures of its yellow and red steps and its next report date; text 24 px and larger."""
    steps = list(record["steps"].values())
    step_names = {s["id"]: _name(s, "name", lang) for s in steps}
    row = render_board(pd.DataFrame([record]), columns, lang, card=True).replace(BOARD_CSS, "", 1)
    changed = "".join(f'<li>{_e(c["at"].strftime("%m-%d %H:%M"))} · '
                      f'{_e(c["actor_en"] if lang == "en" else c["actor"])} · '
                      f'{_e(meeting_text.change_text(c, lang, step_names))}</li>' for c in changes)
    changed_html = (f"<ul>{changed}</ul>" if changes
                    else f'<p class="qr-muted">{_e(t("presenter.no_changes", lang))}</p>')
    measures = "".join(
        f'<li><span class="qr-step qr-{_status_code(s)}" data-status="{_status_code(s)}" '
        f'style="padding:0 8px;font-weight:700">{LETTER[_status_code(s)]}</span> {_e(_name(s, "name", lang))}: '
        f'{_e(s["countermeasure"] or s["worse_reason"] or " · ".join(step_notes(s, lang, ("to_verify",))) or "—")}'
        '</li>'
        for s in meeting_text.countermeasure_steps(steps))
    measures_html = (f"<ul>{measures}</ul>" if measures
                     else f'<p class="qr-muted">{_e(t("presenter.no_countermeasures", lang))}</p>')
    owner = record["owner_en"] if lang == "en" else record["owner"]
    next_report = _long_date(record["next_report_on"]) or "—"
    tier = ("" if record.get("on_board", True) else
            f' <span class="qr-tier" data-tier="watch">{_e(t("tier.watch", lang))}</span>')
    waiting = [s for s in sorted(steps, key=lambda s: s["position"])
               if s.get("to_verify") or s.get("move_requested_on")]
    waiting_html = "".join(
        f'<li data-step-id="{s["id"]}">{_e(_name(s, "name", lang))}: '
        f'{_e(" · ".join(step_notes(s, lang, ("to_verify", "move_requested"))))}</li>' for s in waiting)
    return (f'{BOARD_CSS}{PRESENTER_CSS}<div class="qr-presenter" data-presenter="{_e(record["number"])}">'
            f'<h2 class="qr-presenter-title">{_e(record["number"])} · {_e(owner)} · {_e(record["description"])}'
            f'{tier}</h2>'
            f'{row}'
            f'<h3>{_e(t("presenter.changes", lang))}</h3><div class="qr-changes" data-changes="{len(changes)}">'
            f'{changed_html}</div>'
            f'<h3>{_e(t("presenter.countermeasures", lang))}</h3>{measures_html}'
            + (f'<h3>{_e(t("presenter.waiting", lang))}</h3><ul class="qr-waiting">{waiting_html}</ul>'
               if waiting else "") +
            f'<p class="qr-next{" qr-overdue" if record["report_overdue"] else ""}" data-next-report="{next_report}">'
            f'{_e(t("presenter.next_report", lang, date=next_report))}</p></div>')


def render_verification_list(records: list[dict], lang: str) -> str:
    """Presenter mode's list of the area's steps waiting for verification, in reporting order: the quality
    engineer checks each one's evidence (对比退出) at or after the meeting."""
    items = [(record, step) for record in records
             for step in sorted(record["steps"].values(), key=lambda s: s["position"]) if step.get("to_verify")]
    if not items:
        return (f'{PRESENTER_CSS}<div class="qr-presenter qr-verification" data-to-verify="0">'
                f'<p class="qr-muted">{_e(t("presenter.none_to_verify", lang))}</p></div>')
    lines = "".join(
        f'<li data-issue="{_e(record["number"])}" data-step-id="{step["id"]}"><b>{_e(record["number"])}</b> · '
        f'{_e(_name(step, "name", lang))} · {_e(record["owner_en"] if lang == "en" else record["owner"])} · '
        f'{_e(t("cell.to_verify", lang, date=_long_date(step["claimed_on"]), evidence=step["evidence"] or "—"))}</li>'
        for record, step in items)
    return (f'{PRESENTER_CSS}<div class="qr-presenter qr-verification" data-to-verify="{len(items)}">'
            f'<h3>{_e(t("presenter.to_verify", lang, count=len(items)))}</h3><ul>{lines}</ul></div>')


def render_qchart(days: list[dict], title: str, lang: str, *, today: date) -> str:
    """The Q-chart as a month calendar, Monday first: each day's colour and letter, * when overridden."""
    head = "".join(f"<th>{_e(t(f'weekday.{n}', lang))}</th>" for n in range(7))
    cells = ["<td></td>"] * days[0]["day"].weekday()
    for day in days:
        colour = day["colour"]
        mark = "*" if day["overridden"] else ""
        today_class = " qr-today" if day["day"] == today else ""
        if colour is None:
            cells.append(f'<td class="qr-future{today_class}" data-day="{day["day"].isoformat()}">{day["day"].day}</td>')
        else:
            cells.append(f'<td class="qr-{colour}{today_class}" data-day="{day["day"].isoformat()}" '
                         f'data-colour="{colour}" title="{_e(day["note"])}">{day["day"].day}<b>{colour}{mark}</b></td>')
    cells += ["<td></td>"] * (-len(cells) % 7)
    rows = "".join(f"<tr>{''.join(cells[i:i + 7])}</tr>" for i in range(0, len(cells), 7))
    return (f'{BOARD_CSS}{PRESENTER_CSS}<p style="font-weight:600;margin:0">{_e(title)}</p>'
            f'<table class="qr-qchart"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
            f'<p class="qr-days">{_e(t("qchart.rule", lang))}</p>')


def render_review_item(item: dict, lang: str) -> str:
    """A 24-hour review line: number, category, severity, description, where it is and what the rule proposes."""
    where = t("review.on_board" if item["on_board"] else "review.on_list", lang)
    proposal = t("review.proposal", lang,
                 where=t("review.on_board" if item["proposed_on_board"] else "review.on_list", lang))
    reviewed = f' · ✓ {_e(t("review.reviewed", lang))}' if item["reviewed"] else ""
    return (f'<div class="qr-review" data-issue="{_e(item["number"])}" data-on-board="{str(item["on_board"]).lower()}">'
            f'<b>{_e(item["number"])}</b> · {_e(_name(item, "category", lang))} · '
            f'{_e(t("severity." + item["severity"], lang))} · {_e(item["description"])}<br>'
            f'<span class="qr-days">{_e(where)} · {_e(proposal)}{reviewed}</span></div>')


def render_order_item(position: int, record: dict, lang: str) -> str:
    overall = record["overall"]
    owner = record["owner_en"] if lang == "en" else record["owner"]
    tier = "" if record.get("on_board", True) else f'<span class="qr-tier">{_e(t("tier.watch", lang))}</span> '
    return (f'{BOARD_CSS}<div class="qr-order" data-issue="{_e(record["number"])}" '
            f'data-tier="{"board" if record.get("on_board", True) else "watch"}">{position}. '
            f'<span class="qr-key qr-{overall}" style="padding:0 6px;font-weight:700">{overall}</span> '
            f'{tier}<b>{_e(record["number"])}</b> · {_e(owner)} · {_e(record["description"])}</div>')


def render_minutes(minutes, lang: str) -> str:
    """The minutes on the page: the same facts, attendance and issues as the PDF and the workbook."""
    facts = "".join(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>"
                    for label, value in meeting_text.header_rows(minutes, lang))
    attendance = "; ".join(f"{_e(name)} {_e(status)}" for name, status in meeting_text.attendance_rows(minutes, lang))
    items = "".join(
        f'<tr data-issue="{_e(row["number"])}"><td>{_e(row["number"])}</td><td>{_e(row["description"])}</td>'
        f'<td>{_e(row["owner"])}</td><td class="qr-pre">{_e(chr(10).join(row["changes"]))}</td>'
        f'<td class="qr-pre">{_e(chr(10).join(row["decisions"]))}</td><td>{_e(row["next_report_on"])}</td></tr>'
        for row in meeting_text.issue_rows(minutes, lang))
    heads = "".join(f"<th>{_e(t(k, lang))}</th>" for k in ("col.number", "col.description", "col.owner",
                                                          "minutes.changes", "minutes.decisions", "col.next_report"))
    issues = (f'<table class="qr-detail qr-minutes"><thead><tr>{heads}</tr></thead><tbody>{items}</tbody></table>'
              if items else f"<p>{_e(t('minutes.no_issues', lang))}</p>")
    return (f'{BOARD_CSS}<table class="qr-detail">{facts}</table>'
            f'<p><b>{_e(t("minutes.attendees", lang))}:</b> {attendance}</p><div class="qr-wrap">{issues}</div>')
