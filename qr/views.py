"""HTML of the board and the issue detail: pure functions of plain data, every user text escaped.

The board markup is a stable interface (docs/interfaces.md): `<table class="qr-board">`, one
`<tr data-issue=NUMBER>` per issue, step cells `data-status="G|Y|R|NA"`, overall `data-overall`.
"""
from datetime import date, datetime, timezone
from functools import lru_cache
from html import escape
from string import Template
from urllib.parse import quote_plus

import pandas as pd

from qr import complaint_views, eight_d
from qr.board_fit import TIGHT_COLUMNS_CSS, TIGHT_OVERALL_EM, board_fit
from qr import palette
from qr.history_views import shown_field, shown_value
from qr.i18n import t
from qr import rules
from qr.rules import ClockState, Status

LETTER = {"G": "G", "Y": "Y", "R": "R", "NA": "–"}
# $G, $on_G, … $navy, $grid in the style sheets below: the palette's colours, shared with the workbook and charts
_COLOURS = {**palette.STATUS, **{f"on_{code}": colour for code, colour in palette.ON_STATUS.items()},
            "navy": palette.NAVY, "on_navy": palette.ON_NAVY, "grid": palette.GRID}

BOARD_CSS = Template("""
<style>
.qr-wrap { overflow-x: auto; }
table.qr-board { border-collapse: collapse; width: 100%; font-size: 15px; line-height: 1.25; }
table.qr-board th, table.qr-board td { border: 1px solid $grid; padding: 3px 5px; vertical-align: middle; }
table.qr-board th { background: $navy; color: $on_navy; font-weight: 600; text-align: center; white-space: nowrap; }
table.qr-board td.qr-step, table.qr-board td.qr-overall { text-align: center; font-weight: 700; white-space: nowrap; }
table.qr-board td.qr-no a { color: #0b57d0; text-decoration: none; font-weight: 600; white-space: nowrap; }
table.qr-board td.qr-date { white-space: nowrap; }
table.qr-board tr.qr-closed td { opacity: .55; }
.qr-G { background: $G; color: $on_G; }
.qr-Y { background: $Y; color: $on_Y; }
.qr-R { background: $R; color: $on_R; }
.qr-NA { background: $NA; color: $on_NA; }
.qr-warn { font-size: .8em; vertical-align: super; }
.qr-mark { font-size: .72em; vertical-align: super; margin-left: 1px; font-weight: 700; }
.qr-nocm { display: inline-block; font-size: .72em; vertical-align: super; margin-left: 1px; padding: 0 2px;
           background: #111; color: #fff; border-radius: 2px; }
td.qr-to-verify { background-image: repeating-linear-gradient(135deg, transparent 0 6px, rgba(46,125,50,.35) 6px 9px); }
.qr-tier { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 3px; border: 1px dashed #555;
           font-size: .8em; font-weight: 600; white-space: nowrap; }
.qr-esc { display: inline-block; margin-left: 4px; padding: 0 4px; border-radius: 3px; background: #111; color: #fff;
          font-size: .8em; }
.qr-repeat { color: #9a3412; font-weight: 700; cursor: help; }
.qr-awaiting, .qr-unsolved { display: inline-block; padding: 0 4px; border-radius: 3px; font-size: .8em;
                            font-weight: 700; white-space: nowrap; cursor: help; }
.qr-awaiting { background: #e8f0fe; color: #0b3d91; border: 1px solid #0b57d0; }
.qr-unsolved { background: $R; color: $on_R; }
td.qr-overdue { outline: 3px solid $R; outline-offset: -3px; color: $R; font-weight: 700; }
.qr-days { color: #555; font-size: .85em; }
.qr-header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 2px 0 6px 0; font-size: 16px; }
.qr-chip { padding: 2px 10px; border-radius: 12px; border: 1px solid $grid; background: #f5f5f5; white-space: nowrap; }
.qr-chip b { font-size: 1.1em; }
.qr-chip.qr-G { background: $G; color: $on_G; border-color: $G; }
.qr-chip.qr-Y { background: $Y; color: $on_Y; border-color: $Y; }
.qr-chip.qr-R { background: $R; color: $on_R; border-color: $R; }
.qr-legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 14px; margin-top: 6px; align-items: center; }
.qr-legend span.qr-key { display: inline-block; min-width: 1.6em; text-align: center; font-weight: 700; }
.qr-fit { container-type: inline-size; }
.qr-fit > .qr-wrap { container: qr-board / inline-size; }
.qr-fit table.qr-board { font-size: 1em; table-layout: fixed; line-height: 1.2; }
.qr-fit table.qr-board th { font-size: 1em; padding: .08em .1em; white-space: normal; line-height: 1.1;
                            overflow: hidden; text-overflow: ellipsis; }
.qr-fit table.qr-board td { padding: .08em .12em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.qr-fit table.qr-board td.qr-cat, .qr-fit table.qr-board td.qr-person { white-space: normal; overflow-wrap: anywhere; }
.qr-fit table.qr-board td.qr-overall, .qr-fit table.qr-board td.qr-date,
.qr-fit table.qr-board td.qr-desc { white-space: normal; }
.qr-fit table.qr-board td.qr-date .qr-days { display: inline-block; }
.qr-fit table.qr-board :is(td.qr-overall, td.qr-no, th:nth-child(-n+2)) { position: sticky; left: -1px; z-index: 1; }
.qr-fit table.qr-board :is(td.qr-no, th:nth-child(2)) { left: calc($overall_em - 2px); box-shadow: 1px 0 0 $grid; }
.qr-fit table.qr-board td.qr-no { background: #fff; }
.qr-fit table.qr-board tr.qr-closed :is(td.qr-overall, td.qr-no) { opacity: 1; }
.qr-fit table.qr-board .qr-days { font-size: .8em; }
.qr-fit table.qr-board th.qr-step-head { padding: .15em 0; vertical-align: bottom; }
.qr-fit table.qr-board th.qr-step-head > span { display: inline-block; writing-mode: vertical-rl;
                                                text-orientation: mixed; }
.qr-fit table.qr-board .qr-desc-text, .qr-fit table.qr-board .qr-cat-text {
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; overflow-wrap: anywhere; }
$tight_cols
.qr-header.qr-projector { font-size: max(16px, min(1.86vh, 1.05vw)); gap: .4em; margin-bottom: .3em; }
.qr-legend.qr-projector { font-size: max(14px, min(1.3vh, .73vw)); gap: .7em; }
table.qr-detail { border-collapse: collapse; font-size: 15px; margin-bottom: 12px; }
table.qr-detail th, table.qr-detail td { border: 1px solid #c4c7c5; padding: 4px 8px; text-align: left;
                                         vertical-align: top; }
table.qr-detail th { background: #eef1f6; white-space: nowrap; }
table.qr-detail td.qr-step { text-align: center; font-weight: 700; }
table.qr-detail td.qr-when { white-space: nowrap; }
.qr-pre { white-space: pre-wrap; }
a.qr-8d-link { color: inherit; text-decoration: none; }
.qr-clocks { display: block; margin-top: 2px; }
.qr-clock { display: inline-block; margin: 1px 3px 1px 0; padding: 0 5px; border-radius: 3px; font-size: .8em;
            font-weight: 600; white-space: nowrap; border: 1px solid $grid; }
.qr-clock-running { background: #e8f0fe; color: #0b3d91; border-color: #0b57d0; }
.qr-clock-overdue, .qr-clock-missed { background: $R; color: $on_R; border-color: $R; }
.qr-clock-met { background: #e6f4ea; color: #1b5e20; border-color: $G; }
.qr-fit table.qr-board .qr-clock { display: block; width: fit-content; max-width: 100%; overflow: hidden;
                                 text-overflow: ellipsis; }
table.qr-board.qr-projector .qr-clock-met { display: none; }
.qr-card { container: qr-card / inline-size; }
@container qr-card (max-width: 720px) {
  .qr-card :is(table.qr-board, table.qr-rows, .qr-board tbody, .qr-rows tbody) { display: block; }
  .qr-card :is(table.qr-board, table.qr-rows) thead { display: none; }
  .qr-card table.qr-board tr { display: flex; flex-wrap: wrap; gap: 4px; }
  .qr-card table.qr-board td { display: block; white-space: normal; overflow-wrap: anywhere; padding: 2px 8px; }
  .qr-card table.qr-board td::before { content: attr(data-label); display: block; font-size: .55em; font-weight: 400; }
  .qr-card table.qr-board td.qr-desc { flex-basis: 100%; }
  .qr-card table.qr-board td.qr-step { min-width: 2.4em; }
  .qr-card table.qr-rows tr { display: flex; flex-wrap: wrap; gap: 0 4px; padding: 4px 0;
                              border-bottom: 2px solid $grid; }
  .qr-card table.qr-rows td { display: block; border: none; padding: 2px 6px; overflow-wrap: anywhere; }
  .qr-card table.qr-rows td:empty { display: none; }
  .qr-card table.qr-rows td::before { content: attr(data-label); display: block; font-size: .75em;
                                      font-weight: 400; color: #555; }
  .qr-card table.qr-rows td.qr-step::before { color: inherit; }
  .qr-card table.qr-rows td.qr-card-title { flex-basis: 100%; font-weight: 700; }
  .qr-card table.qr-rows td.qr-card-title::before, .qr-card table.qr-steps td.qr-card-title + td::before {
    display: none; }
  .qr-card table.qr-rows td.qr-pre { flex-basis: 100%; }
}
</style>
""").substitute(_COLOURS, tight_cols=TIGHT_COLUMNS_CSS, overall_em=f"{TIGHT_OVERALL_EM}em")


def _e(value) -> str:
    """Escape anything shown: user text is data, never markup."""
    if isinstance(value, str):              # most of a board's cells: no need to ask pandas whether it is missing
        return escape(value, quote=True)
    return escape("" if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)) else str(value),
                  quote=True)


def _short_date(value) -> str:
    return value.strftime("%m-%d") if isinstance(value, date) else ""


def _long_date(value) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def _name(record: dict, key: str, lang: str) -> str:
    return record[f"{key}_en"] if lang == "en" else record[f"{key}_zh"]


def _status_code(step: dict) -> str:
    """G, Y, R or NA, whether the record holds the rule's Status or its code."""
    return Status(step["status"]).value


def span_text(minutes: int, lang: str) -> str:
    """A length of time as a person reads it on the board: 1h 30m, or 2d 3h beyond a day."""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return t("span.days", lang, days=days, hours=rest // 60)
    if minutes >= 60:
        return t("span.hours", lang, hours=minutes // 60, minutes=minutes % 60)
    return t("span.minutes", lang, minutes=minutes)


def clock_view(clock: dict, now: datetime) -> tuple[ClockState, int]:
    """The clock's state and minutes left (negative: over) at the moment the page is drawn."""
    return (rules.clock_state(clock["due_at"], clock["responded_at"], now),
            rules.clock_minutes(clock["due_at"], clock["responded_at"], now))


def clock_text(clock: dict, now: datetime, lang: str) -> str:
    state, minutes = clock_view(clock, now)
    return t(f"clock.{state.value}", lang, span=span_text(minutes, lang))


def _clock_label(clock: dict, lang: str) -> str:
    short = t(f"clock.short.{clock['code']}", lang)
    return short if short != f"clock.short.{clock['code']}" else _name(clock, "name", lang)


def _local(moment: datetime | None, tz, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(tz).strftime(pattern) if moment else ""


def clock_badges(clocks: list[dict], now: datetime, lang: str, tz) -> str:
    """The customer response clocks of a board row: time left, time over, or whether it was met."""
    if not clocks:
        return ""
    badges = "".join(
        f'<span class="qr-clock qr-clock-{state.value}" data-clock="{_e(c["code"])}" data-clock-state="{state.value}" '
        f'title="{_e(t("clock.tip", lang, name=_name(c, "name", lang), due=_local(c["due_at"], tz)))}">'
        f'{_e(_clock_label(c, lang))} {_e(clock_text(c, now, lang))}</span>'
        for c, state in ((c, clock_view(c, now)[0]) for c in clocks))
    return f'<span class="qr-clocks">{badges}</span>'


def render_clocks(issue: dict, now: datetime, lang: str, tz) -> str:
    """The detail's table of response clocks: due, state, time left or over, who answered when and how."""
    if not issue.get("clocks"):
        return ""
    labels = [t(f"clock.col.{k}", lang)
              for k in ("name", "due", "state", "left", "responded_at", "responded_by", "how")]
    head = "".join(f"<th>{_e(label)}</th>" for label in labels)
    rows = ""
    for clock in issue["clocks"]:
        state, _ = clock_view(clock, now)
        who = clock["responded_by_en"] if lang == "en" else clock["responded_by"]
        cells = [f'<td class="qr-card-title">{_e(_name(clock, "name", lang))}</td>',
                 f'<td class="qr-when">{_e(_local(clock["due_at"], tz))}</td>',
                 f'<td><span class="qr-clock qr-clock-{state.value}">{_e(t(f"clock.state.{state.value}", lang))}'
                 f'</span></td>', f'<td>{_e(clock_text(clock, now, lang))}</td>',
                 f'<td class="qr-when">{_e(_local(clock["responded_at"], tz))}</td>', f'<td>{_e(who)}</td>',
                 f'<td class="qr-pre">{_e(clock["how"])}</td>']
        rows += (f'<tr data-clock="{_e(clock["code"])}" data-clock-state="{state.value}">'
                 f'{"".join(_labelled(cells, labels))}</tr>')
    return (f'{BOARD_CSS}<p>{_e(t("detail.received_at", lang))}: <b>{_e(_local(issue["received_at"], tz))}</b></p>'
            f'<div class="qr-wrap qr-card"><table class="qr-detail qr-rows qr-clock-table">'
            f"<thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def repeat_badge(repeat_of: str, lang: str) -> str:
    """"↻ QR-…" before the description of an issue that repeats an earlier one (the number column has no room for
    a mark on the projector)."""
    if not repeat_of:
        return ""
    title = t("repeat.of", lang, number=repeat_of)
    return f'<span class="qr-repeat" data-repeat-of="{_e(repeat_of)}" title="{_e(title)}">↻ {_e(repeat_of)}</span> '


def detail_link(number: str, lang: str, section: str | None = None) -> str:
    """The issue's detail page; with an 8D section (D1–D8) the page opens that section of the built-in report."""
    query = [("no", number), *([("d", section)] if section else []), *([("lang", lang)] if lang != "zh" else [])]
    return "issue?" + "&".join(f"{name}={_query_value(value)}" for name, value in query)


@lru_cache(maxsize=8192)
def _query_value(value: str) -> str:
    """A link's value as urlencode writes it; a board row's ten step links share its number, so it is quoted once."""
    return quote_plus(value)


def step_cell(step: dict | None, column: dict, lang: str, tag: str = "td", number: str | None = None,
              with_countermeasure: bool = True) -> str:
    """One step: letter and colour, its name, dates and countermeasure in the tooltip; with the issue's number
    the letter links to the step's section of the 8D report. The projector's cells leave the countermeasure out:
    sent to every screen every refresh, it was most of the board's weight (the presenter card shows it)."""
    if step is None:
        tip = f"{_name(column, 'name', lang)} — {t('cell.absent', lang)}"
        return f'<{tag} class="qr-step qr-NA" data-status="NA" data-step="{_e(column["code"])}" title="{_e(tip)}">–</{tag}>'
    status = _status_code(step)
    tip = [_tip_head(_name(step, "name", lang), step["eight_d"], status, lang),
           t("cell.target", lang, date=_long_date(step["target_on"]))]
    tip += step_notes(step, lang)
    if step["countermeasure"] and with_countermeasure:
        tip.append(f"{t('step.countermeasure', lang)}: {step['countermeasure']}")
    marks, attributes = step_marks(step, lang)
    letter = LETTER[status]
    if number is not None:
        link = detail_link(number, lang, eight_d.section_of(step["eight_d"]))
        letter = f'<a class="qr-8d-link" href="{_e(link)}" target="_self">{letter}</a>'
    verify_class = " qr-to-verify" if step.get("to_verify") else ""
    return (f'<{tag} class="qr-step qr-{status}{verify_class}" data-status="{status}" data-step="{_e(column["code"])}"'
            f'{attributes} title="{_e(chr(10).join(tip))}">{letter}{marks}</{tag}>')


@lru_cache(maxsize=1024)
def _tip_head(name: str, section: str, status: str, lang: str) -> str:
    """A step tooltip's first line, the same for every issue's cell of that step and colour: built once."""
    return f"{name} ({section}) · {t('status.' + status, lang)}"


NOTES = ("done", "days_red", "warning", "no_countermeasure", "moved", "move_requested", "to_verify", "returned")


def step_notes(step: dict, lang: str, kinds: tuple[str, ...] = NOTES) -> list[str]:
    """What a step's cell, list line or detail row says beyond its colour, of the `kinds` asked for: done, days
    red, warning, red without countermeasure, a moved target and its original, a move waiting for approval, a
    claim waiting for verification, a claim returned."""
    def day(name: str) -> str:
        return _long_date(step.get(name))

    notes = {      # each text is made only for a note that applies (most cells have one or none)
        "done": step["completed_on"] and t("cell.done", lang, date=day("completed_on")),
        "days_red": step["days_red"] and t("cell.days_red", lang, days=step["days_red"]),
        "warning": step["warning"] and t("cell.warning", lang),
        "no_countermeasure": step.get("no_countermeasure") and t("cell.no_countermeasure", lang),
        "moved": step.get("target_moves") and t("cell.moved", lang, moves=step["target_moves"],
                                                 original=day("original_target_on")),
        "move_requested": step.get("move_requested_on") and t(
            "cell.move_requested", lang, date=day("move_requested_on"), reason=step["move_reason"]),
        "to_verify": step.get("to_verify") and t("cell.to_verify", lang, date=day("claimed_on"),
                                                 evidence=step["evidence"] or "—"),
        "returned": (step.get("return_reason") and step.get("state") == "open" and not step.get("to_verify")
                     and t("cell.returned", lang, reason=step["return_reason"])),
    }
    return [notes[kind] for kind in kinds if notes[kind]]


def step_marks(step: dict, lang: str) -> tuple[str, str]:
    """The marks drawn after a step's letter and the data attributes that name them (the browser tests and a
    screen reader find them there): ! warning, ⊘ red without countermeasure, ↷N moved N times, ↷? a move
    waiting for approval, ✓? done and waiting for verification."""
    marks, attributes = "", ""
    if step["warning"]:
        marks += '<span class="qr-warn">!</span>'
    if step.get("no_countermeasure"):
        marks += f'<span class="qr-nocm" title="{_e(t("cell.no_countermeasure", lang))}">⊘</span>'
        attributes += ' data-no-countermeasure="true"'
    if step.get("target_moves"):
        marks += f'<span class="qr-mark qr-moved">↷{int(step["target_moves"])}</span>'
        attributes += (f' data-moves="{int(step["target_moves"])}" '
                       f'data-original-target="{_long_date(step["original_target_on"])}"')
    if step.get("move_requested_on"):
        marks += '<span class="qr-mark qr-move-request">↷?</span>'
        attributes += f' data-move-requested="{_long_date(step["move_requested_on"])}"'
    if step.get("to_verify"):
        marks += '<span class="qr-mark qr-verify">✓?</span>'
        attributes += ' data-verify="pending"'
    return marks, attributes


def _escalation_badge(level: int, lang: str) -> str:
    if not level:
        return ""
    return f'<span class="qr-esc" title="{_e(t(f"escalation.{level}", lang))}">▲{level}</span>'


def render_board(frame: pd.DataFrame, columns: list[dict], lang: str, *, projector: bool = False, card: bool = False,
                 now: datetime | None = None, tz=timezone.utc, fill_height: bool = False) -> str:
    """The tracking board in the GM QSB column order, as a table a browser and a screen reader can read.
    Response clocks are drawn against `now` (the minute of drawing) under the category. The columns fit the
    board's width (board_fit); a `card` (the presenter's one issue) keeps its natural widths and, on a phone,
    wraps its cells, each labelled with its column."""
    head = [t("col.overall", lang), t("col.number", lang), t("col.category", lang), t("col.description", lang),
            t("col.opened", lang), t("col.part", lang), t("col.owner", lang), t("col.lead", lang),
            t("col.next_report", lang)]
    step_heads = "".join(f'<th class="qr-step-head" title="{_e(_name(c, "name", lang))} ({_e(c["eight_d"])})">'
                         f'<span>{_e(c["short_en"] if lang == "en" else c["short_zh"])}</span></th>' for c in columns)
    # the projector's narrow heads may cut a long word: the whole name is their tooltip
    cell = (lambda h: f'<th title="{_e(h)}">{_e(h)}</th>') if projector else (lambda h: f"<th>{_e(h)}</th>")
    header = "<tr>" + "".join(map(cell, head)) + step_heads + cell(t("col.closed", lang)) + "</tr>"
    now = now or datetime.now(timezone.utc)
    labels = ([*head, *(c["short_en"] if lang == "en" else c["short_zh"] for c in columns), t("col.closed", lang)]
              if card else None)
    body = "".join(_board_row(record, columns, lang, now, tz, projector=projector, labels=labels)
                   for record in frame.to_dict("records"))
    css_class = "qr-board qr-projector" if projector else "qr-board"
    if card:
        return (f'{BOARD_CSS}<div class="qr-wrap qr-card"><table class="{css_class}">'
                f"<thead>{header}</thead><tbody>{body}</tbody></table></div>")
    style, fit_css = board_fit(len(columns), projector=projector, fill_rows=len(frame) if fill_height else None,
                               lang=lang)
    return (f'{BOARD_CSS}{fit_css}<div class="qr-fit"><div class="qr-wrap" style="{style}">'
            f'<table class="{css_class}">{_colgroup(len(columns))}'
            f"<thead>{header}</thead><tbody>{body}</tbody></table></div></div>")


def _colgroup(step_count: int) -> str:
    names = ["overall", "number", "category", "description", "opened", "part", "owner", "lead", "next_report",
             *["step"] * step_count, "closed"]
    return "<colgroup>" + "".join(f'<col class="qr-c-{name}">' for name in names) + "</colgroup>"


def _board_row(record: dict, columns: list[dict], lang: str, now: datetime, tz, *, projector: bool = False,
               labels: list[str] | None = None) -> str:
    overall = record["overall"]
    overdue = record["report_overdue"]
    next_tip = t("cell.report_overdue", lang) if overdue else ""
    closed = _short_date(record["closed_on"]) if record["closed_on"] else t("cell.open", lang)
    if record["cancelled"]:
        closed = f'{t("cell.cancelled", lang)} {closed}'
    description = (complaint_views.complaint_marks(record, lang) + repeat_badge(record.get("repeat_of", ""), lang)
                   + _e(record["description"]))
    category, source = _category_and_customer(record, lang)
    if projector:    # at most two lines on the projector, the whole text in the tooltip
        description = f'<div class="qr-desc-text">{description}</div>'
        category = f'<div class="qr-cat-text">{category}</div>'
    cells = [
        f'<td class="qr-overall qr-{overall}" data-overall="{overall}" '
        f'title="{_e(t("status." + overall, lang))}">{overall}{_escalation_badge(record["escalation_level"], lang)}</td>',
        f'<td class="qr-no"><a href="{_e(detail_link(record["number"], lang))}" target="_self">'
        f'{_e(record["number"])}</a></td>',
        f'<td class="qr-cat" title="{_e(source)}">{category}'
        f'{clock_badges(record.get("clocks") or [], now, lang, tz)}</td>',
        f'<td class="qr-desc" title="{_e(record["description"])}">{description}</td>',
        f'<td class="qr-date" title="{_e(_long_date(record["opened_on"]))}">{_short_date(record["opened_on"])} '
        f'<span class="qr-days">{_e(t("cell.days", lang, days=record["days_open"]))}</span></td>',
        f'<td class="qr-part" title="{_e(record["part_number"])}">{_e(record["part_number"])}</td>',
        f'<td class="qr-person">{_e(record["owner_en"] if lang == "en" else record["owner"])}</td>',
        f'<td class="qr-person">{_e(record["lead_en"] if lang == "en" else record["lead"])}</td>',
        f'<td class="qr-date{" qr-overdue" if overdue else ""}" data-report-overdue="{str(overdue).lower()}" '
        f'title="{_e(next_tip or _long_date(record["next_report_on"]))}">'
        f'{_short_date(record["next_report_on"])}{" ⚠" if overdue else ""}</td>',
    ]
    cells += [step_cell(record["steps"].get(c["code"]), c, lang, number=record["number"],
                        with_countermeasure=not projector) for c in columns]
    cells.append(f'<td class="qr-date" title="{_e(_long_date(record["closed_on"]))}">{_e(closed)}</td>')
    if labels:
        cells = _labelled(cells, labels)
    row_class = "qr-row qr-closed" if record["closed_on"] else "qr-row"
    return (f'<tr class="{row_class}" data-issue="{_e(record["number"])}" '
            f'data-escalation="{record["escalation_level"]}">{"".join(cells)}</tr>')


def _labelled(cells: list[str], labels: list[str]) -> list[str]:
    """Each cell with its column's name: a wrapped card (.qr-card on a phone) shows it above the cell (CSS ::before)."""
    return [cell.replace("<td", f'<td data-label="{_e(label)}"', 1) for cell, label in zip(cells, labels)]


def _category_and_customer(record: dict, lang: str) -> tuple[str, str]:
    """The category cell's markup and its tooltip: a customer's complaint names its customer by code before the
    category (the first question at the meeting is whose complaint it is; a narrow cell cuts the category's end,
    never the code), the tooltip by name."""
    category = _name(record, "category", lang)
    code = record.get("customer_code")
    if not code:
        return _e(category), category
    name = record["customer_en" if lang == "en" else "customer"]
    return f'<span class="qr-customer">{_e(code)}</span> · {_e(category)}', f"{name} · {category}"


def render_header(counters: dict[str, int], quality: list[dict], lang: str, *, projector: bool = False) -> str:
    """Counters (open, red, yellow, report overdue, escalated) and today's quality status per area."""
    chips = [f'<span class="qr-chip">{_e(t("counter.open", lang))} <b>{counters["open"]}</b></span>',
             f'<span class="qr-chip qr-R">{_e(t("counter.red", lang))} <b>{counters["red"]}</b></span>',
             f'<span class="qr-chip qr-Y">{_e(t("counter.yellow", lang))} <b>{counters["yellow"]}</b></span>',
             f'<span class="qr-chip" data-counter="report_overdue">⚠ {_e(t("counter.report_overdue", lang))} '
             f'<b>{counters["report_overdue"]}</b></span>',
             f'<span class="qr-chip" data-counter="escalated">▲ {_e(t("counter.escalated", lang))} '
             f'<b>{counters["escalated"]}</b></span>',
             f'<span class="qr-chip{" qr-R" if counters.get("response_late") else ""}" data-counter="response_late">'
             f'{_e(t("counter.response_late", lang))} <b>{counters.get("response_late", 0)}</b></span>',
             f'<span class="qr-chip{" qr-R" if counters.get("no_countermeasure") else ""}" '
             f'data-counter="no_countermeasure">⊘ {_e(t("counter.no_countermeasure", lang))} '
             f'<b>{counters.get("no_countermeasure", 0)}</b></span>',
             f'<span class="qr-chip" data-counter="to_verify">✓? {_e(t("counter.to_verify", lang))} '
             f'<b>{counters.get("to_verify", 0)}</b></span>',
             f'<span style="margin-left:12px">{_e(t("qstatus.title", lang))}:</span>']
    for area in quality:
        note = t("qstatus.overridden", lang, note=area["note"]) if area["overridden"] else ""
        chips.append(f'<span class="qr-chip qr-{area["colour"]}" data-area-status="{area["colour"]}" '
                     f'title="{_e(note)}">{_e(_name(area, "area", lang))} {area["colour"]}</span>')
    css_class = "qr-header qr-projector" if projector else "qr-header"
    return f'{BOARD_CSS}<div class="{css_class}">{"".join(chips)}</div>'


def render_legend(lang: str, *, projector: bool = False) -> str:
    keys = "".join(f'<span><span class="qr-key qr-{s}">{LETTER[s]}</span> {_e(t("status." + s, lang))}</span>'
                   for s in ("G", "Y", "R", "NA"))
    css_class = "qr-legend qr-projector" if projector else "qr-legend"
    return (f'{BOARD_CSS}<div class="{css_class}"><b>{_e(t("legend.title", lang))}</b>{keys}'
            f'<span><span class="qr-key">Y!</span> {_e(t("legend.warning", lang))}</span>'
            f'<span><span class="qr-key">R<span class="qr-nocm">⊘</span></span> '
            f'{_e(t("legend.no_countermeasure", lang))}</span>'
            f'<span><span class="qr-key">↷2</span> {_e(t("legend.moved", lang))}</span>'
            f'<span><span class="qr-key">↷?</span> {_e(t("legend.move_requested", lang))}</span>'
            f'<span><span class="qr-key">✓?</span> {_e(t("legend.to_verify", lang))}</span>'
            f'<span><span class="qr-esc">▲1–3</span> {_e(t("legend.escalation", lang))}: '
            f'{_e(" / ".join(t(f"escalation.{n}", lang) for n in (1, 2, 3)))}</span>'
            f'<span>⚠ {_e(t("legend.report_overdue", lang))}</span></div>')


def issue_state(issue: dict) -> str:
    """The i18n key of where an issue stands: open (or done and awaiting the customer's acceptance), closed
    (solved) or cancelled (not valid or a duplicate)."""
    if issue["closed_on"] is None:
        return "mark.awaiting" if issue.get("awaiting_acceptance") else "cell.open"
    return "cell.cancelled" if issue["cancelled"] else "cell.closed"


def render_issue_detail(issue: dict, steps: list[dict], history: list[dict], lang: str) -> str:
    """Every field of the issue, its steps with dates and countermeasures, and its history newest first."""
    fields = [
        ("col.number", issue["number"]), ("col.description", issue["description"]),
        ("col.category", _name(issue, "category", lang)), ("col.area", _name(issue, "area", lang)),
        ("col.part", issue["part_number"]), ("col.severity", t(f"severity.{issue['severity']}", lang)),
        ("col.owner", issue["owner_en"] if lang == "en" else issue["owner"]),
        ("col.lead", issue["lead_en"] if lang == "en" else issue["lead"]),
        ("col.opened", _long_date(issue["opened_on"])), ("col.days_open", issue["days_open"]),
        ("col.next_report", _long_date(issue["next_report_on"])
         + (f" ⚠ {t('cell.report_overdue', lang)}" if issue["report_overdue"] else "")),
        ("col.closed", _long_date(issue["closed_on"]) or t("cell.open", lang)),
        ("col.status", t(issue_state(issue), lang)),
        ("col.escalation", t(f"escalation.{issue['escalation_level']}", lang)),
        ("col.version", issue["version"]),
    ] + ([("field.repeat_of", issue["repeat_of"])] if issue.get("repeat_of") else [])
    fields += complaint_views.complaint_fields(issue, lang)
    overall = issue["overall"]
    field_rows = (f'<tr><th>{_e(t("col.overall", lang))}</th><td class="qr-step qr-{overall}" '
                  f'data-overall="{overall}">{overall}</td></tr>')
    field_rows += "".join(f'<tr><th>{_e(t(key, lang))}</th><td class="qr-pre">{_e(value)}</td></tr>'
                          for key, value in fields)
    step_labels = [t(k, lang) for k in ("step.name", "step.eight_d", "step.status", "step.target", "step.completed",
                                        "step.countermeasure", "step.note")]
    step_head = "".join(f"<th>{_e(label)}</th>" for label in step_labels)
    step_rows = ""
    for step in steps:
        status = _status_code(step)
        notes = []
        if step["worse_reason"]:
            notes.append(t("step.worse", lang, reason=step["worse_reason"]))
        if step["na_reason"]:
            notes.append(t("step.na", lang, reason=step["na_reason"]))
        notes += step_notes(step, lang, NOTES[1:])
        marks, attributes = step_marks(step, lang)
        cells = [f'<td class="qr-card-title">{_e(_name(step, "name", lang))}</td>',
                 f'<td><a href="{_e(detail_link(issue["number"], lang, eight_d.section_of(step["eight_d"])))}" '
                 f'target="_self">{_e(step["eight_d"])}</a></td>',
                 f'<td class="qr-step qr-{status}" data-status="{status}"{attributes}>{LETTER[status]}{marks}</td>',
                 f'<td>{_long_date(step["target_on"])}</td>', f'<td>{_long_date(step["completed_on"])}</td>',
                 f'<td class="qr-pre">{_e(step["countermeasure"])}</td>', f'<td class="qr-pre">{_e("; ".join(notes))}</td>']
        step_rows += f'<tr data-step-id="{step["id"]}">{"".join(_labelled(cells, step_labels))}</tr>'
    history_labels = [t(k, lang) for k in ("history.at", "history.actor", "history.field", "history.old",
                                           "history.new", "history.reason")]
    history_rows = "".join(_history_row(line, history_labels, lang) for line in history)
    history_head = "".join(f"<th>{_e(label)}</th>" for label in history_labels)
    history_table = (f'<table class="qr-detail qr-rows qr-history"><thead><tr>{history_head}</tr></thead>'
                     f"<tbody>{history_rows}</tbody></table>" if history
                     else f"<p>{_e(t('detail.no_history', lang))}</p>")
    return (f'{BOARD_CSS}<table class="qr-detail qr-fields" data-issue="{_e(issue["number"])}">{field_rows}</table>'
            f'<h3>{_e(t("detail.steps", lang))}</h3>'
            f'<div class="qr-wrap qr-card"><table class="qr-detail qr-rows qr-steps">'
            f"<thead><tr>{step_head}</tr></thead><tbody>{step_rows}</tbody></table></div>"
            f'<h3>{_e(t("detail.history", lang))}</h3><div class="qr-wrap qr-card">{history_table}</div>')


def _history_row(line: dict, labels: list[str], lang: str) -> str:
    """One history line; its cells carry their column's name for the card a phone shows."""
    cells = [f'<td class="qr-when">{_e(line["at"].strftime("%Y-%m-%d %H:%M"))}</td>',
             f'<td>{_e(line["actor_en"] if lang == "en" else line["actor"])}</td>',
             f'<td>{_e(shown_field(line["entity"], line["field"], lang))}</td>',
             f'<td class="qr-pre">{_e(shown_value(line, "old", lang))}</td>',
             f'<td class="qr-pre">{_e(shown_value(line, "new", lang))}</td>',
             f'<td class="qr-pre">{_e(line["reason"])}</td>']
    return f'<tr>{"".join(_labelled(cells, labels))}</tr>'


def render_step_list(steps: list[dict], lang: str) -> str:
    """A narrow list of an issue's steps for the update page: fits a phone without sideways scrolling."""
    rows = ""
    for step in steps:
        status = _status_code(step)
        when = (t("cell.done", lang, date=_short_date(step["completed_on"])) if step["completed_on"]
                else t("cell.target", lang, date=_short_date(step["target_on"])))
        marks, attributes = step_marks(step, lang)
        extra = step_notes(step, lang, ("no_countermeasure", "moved", "move_requested", "to_verify", "returned"))
        note = "\n".join([step["countermeasure"] or step["worse_reason"] or step["na_reason"], *extra]).strip()
        rows += (f'<tr data-step-id="{step["id"]}"><td class="qr-step qr-{status}" data-status="{status}"{attributes}>'
                 f'{LETTER[status]}{marks}</td><td>{_e(_name(step, "name", lang))}<br>'
                 f'<span class="qr-days">{_e(when)}</span></td><td class="qr-pre">{_e(note)}</td></tr>')
    return (f'{BOARD_CSS}<table class="qr-detail qr-step-list" style="width:100%;table-layout:fixed">'
            f'<colgroup><col style="width:2.6em"><col style="width:40%"><col></colgroup>'
            f"<tbody>{rows}</tbody></table>")


def paragraph(text: str) -> str:
    """User text shown as it was typed: escaped, line breaks kept."""
    return f'<p class="qr-pre" style="font-weight:600;margin:0">{_e(text)}</p>'


def _scores(row: dict, lang: str) -> str:
    """Overall satisfaction, then response speed, solving ability and attitude where the call scored them."""
    if row["satisfaction"] is None:
        return ""
    parts = [f"{t(f'month.col.{name}', lang)} {row[name]}" for name in ("speed", "solving", "attitude")
             if row.get(name) is not None]
    return f"{row['satisfaction']}" + (f" ({', '.join(parts)})" if parts else "")


def render_follow_ups(rows: list[dict], lang: str) -> str:
    """The call-back list: issue, category, closed, due (overdue marked), required or proposed, and the call."""
    head = "".join(f"<th>{_e(t(f'follow.col.{k}', lang))}</th>"
                   for k in ("number", "category", "description", "closed_on", "due_on", "why", "done_on",
                             "contact", "solved", "satisfaction", "remarks"))
    body = ""
    for row in rows:
        why = t("follow.while_open", lang) if row.get("while_open") else t("follow.required", lang) if row["required"] else (
            t("follow.sampled", lang) if row["done_on"] else
            t("follow.proposed", lang) if row["proposed"] else t("follow.optional", lang))
        due = _long_date(row["due_on"]) + (f" ⚠ {t('follow.overdue', lang)}" if row["overdue"] else "")
        due_class = ' class="qr-overdue"' if row["overdue"] else ""
        solved = "" if row["solved"] is None else t(f"follow.solved.{str(row['solved']).lower()}", lang)
        contact = f'{row["contact"]} · {t("follow.channel." + row["channel"], lang)}' if row["done_on"] else ""
        body += (f'<tr data-follow-up="{row["id"]}" data-issue="{_e(row["number"])}" '
                 f'data-state="{"done" if row["done_on"] else ("overdue" if row["overdue"] else "due")}">'
                 f'<td class="qr-no"><a href="{_e(detail_link(row["number"], lang))}" target="_self">'
                 f'{_e(row["number"])}</a></td><td>{_e(_name(row, "category", lang))}</td>'
                 f'<td class="qr-pre">{_e(row["description"])}</td><td>{_long_date(row["closed_on"])}</td>'
                 f'<td{due_class}>{_e(due)}</td><td>{_e(why)}</td>'
                 f'<td>{_long_date(row["done_on"])}</td><td>{_e(contact)}</td><td>{_e(solved)}</td>'
                 f'<td>{_e(_scores(row, lang))}</td><td class="qr-pre">{_e(row["remarks"])}</td></tr>')
    return (f'{BOARD_CSS}<div class="qr-wrap"><table class="qr-detail qr-follow-ups" style="width:100%">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
