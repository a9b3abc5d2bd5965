"""The daily quick-response meeting: sign-in, 24-hour review, reporting order, presenter mode, Q-chart, minutes."""
from datetime import datetime, timezone

import streamlit as st

from app_pages import _shared as ui
from qr import compliance, meeting, meeting_views, minutes, rules, store
from qr.i18n import literal, literal_t, t

lang = ui.language_from_url()
settings = store.board_settings()
counter = store.change_counter()
refs = ui.reference_lists(counter)
me = ui.require_user(lang).person_id
today = store.today()
presenter = st.query_params.get("view") == "presenter"
areas = {a["id"]: a for a in ui.plant_areas(refs, ui.plant_from_url(refs))}     # ?plant=CODE narrows them
people = {p["id"]: (p["name_en"] or p["name"]) if lang == "en" else p["name"] for p in refs["people"]}


def _label(record: dict, key: str) -> str:
    return record[f"{key}_en"] if lang == "en" else record[f"{key}_zh"]


def _choose_area() -> None:
    st.query_params["area"] = areas[st.session_state["meeting_area"]]["code"]


def _set_presenter() -> None:
    if st.session_state["presenter"]:
        st.query_params["view"] = "presenter"
    else:
        st.query_params.pop("view", None)


def _area_from_url() -> int | None:
    wanted = st.query_params.get("area")
    return next((i for i, a in areas.items() if a["code"] == wanted), next(iter(areas), None))


def start_panel(area_id: int) -> None:
    """Before the meeting: start it, with the area's Q-chart month in view."""
    st.info(literal_t("meeting.not_started", lang, area=_label(areas[area_id], "name")))
    if st.button(t("meeting.start", lang), key="start_meeting", type="primary", icon=":material/play_arrow:"):
        ui.run_command(store.start_meeting, {"actor_id": me, "area_id": area_id}, lang, issue_id=None,
                       success=t("meeting.started", lang))
    st.html(qchart_month(area_id))


def qchart_month(area_id: int) -> str:
    days = store.quality_calendar(area_id, today.year, today.month, on=today)
    return meeting_views.render_qchart(days, t("qchart.month", lang, year=today.year, month=today.month,
                                       area=_label(areas[area_id], "name")), lang, today=today)


def sign_in_tab(current: dict, version: int, running: bool) -> None:
    sheet = store.sign_in_sheet(current["id"])
    members = [line for line in sheet if not line["guest"]]
    rate = rules.attendance_rate([line["status"] for line in members])
    attended = sum(line["status"] in rules.ATTENDED for line in members)
    st.markdown(f"**{t('signin.rate', lang, rate=f'{rate:.1%}', attended=attended, listed=len(members))}**"
                if rate is not None else t("signin.rate_none", lang))
    required, missing = store.meeting_functions(current["id"])
    if missing:
        st.warning(t("signin.missing_functions", lang, functions=meeting.function_names(missing, lang)),
                   icon=":material/group_off:")
    elif required:
        st.caption(t("signin.functions_ok", lang, functions=meeting.function_names(required, lang)))
    so_far = store.attendance_rates([line["person_id"] for line in members], area_id=current["area_id"])
    with st.form("sign_in"):
        statuses = {}
        for line in sheet:
            name = line["name_en"] if lang == "en" else line["name"]
            function = f" · {t('function.' + line['function'], lang)}" if line["function"] else ""
            label = (f"{literal(name)} ({t('signin.guest_mark', lang)}){function}" if line["guest"] else
                     literal_t("signin.person_rate", lang, name=name,
                               rate=f"{so_far.get(line['person_id'], 0):.0%}") + function)
            statuses[line["id"]] = st.radio(label, rules.ATTENDANCE_STATUSES, horizontal=True,
                                            index=rules.ATTENDANCE_STATUSES.index(line["status"]),
                                            key=f"attendance_{line['id']}",
                                            format_func=lambda s: t(f"attendance.{s}", lang))
        submitted = st.form_submit_button(t("signin.save", lang), type="primary", disabled=not running)
    if submitted:
        ui.run_command(store.sign_in, {"actor_id": me, "meeting_id": current["id"], "statuses": statuses,
                                       "expected_version": version}, lang, issue_id=f"meeting-{current['id']}",
                       success=t("signin.saved", lang))
    with st.form("guest", clear_on_submit=True):
        name_column, function_column = st.columns([3, 2])
        name = name_column.text_input(t("signin.guest", lang), key="guest_name", max_chars=100)
        function = function_column.selectbox(t("signin.guest_function", lang), ("", *rules.FUNCTIONS),
                                             key="guest_function",
                                             format_func=lambda f: t(f"function.{f or 'none'}", lang))
        added = st.form_submit_button(t("signin.add_guest", lang), disabled=not running)
    if added:
        ui.run_command(store.add_guest, {"actor_id": me, "meeting_id": current["id"], "name": name,
                                         "function": function, "expected_version": version},
                       lang, issue_id=f"meeting-{current['id']}", success=t("signin.guest_added", lang))


def review_tab(area_id: int) -> None:
    st.caption(t("review.help", lang))
    items = store.review_list(area_id)
    if not items:
        st.info(t("review.none", lang))
    for item in items:
        text, promote, keep = st.columns([6, 1, 1], vertical_alignment="center")
        text.html(meeting_views.render_review_item(item, lang))
        version = ui.loaded_version(item["id"], item["version"])
        for column, on_board, key, done in ((promote, True, "promote", "review.promoted"),
                                            (keep, False, "keep", "review.kept")):
            if column.button(t(f"review.{key}", lang), key=f"{key}_{item['id']}", width="stretch",
                             type="primary" if on_board == item["proposed_on_board"] else "secondary"):
                ui.run_command(store.review_issue, {"actor_id": me, "issue_id": item["id"], "on_board": on_board,
                                                    "expected_version": version},
                               lang, issue_id=item["id"], success=t(done, lang, number=item["number"]))
        reload_button(item["id"], item["version"])


def order_tab(area_id: int, order) -> None:
    """The reporting order as the meeting goes: the board's issues, then the watch list's; ▲ moves an issue one
    place up within its tier and saves the order. Below, an issue changes tier with the reason."""
    st.caption(t("order.help", lang))
    ids = list(order["id"])
    records = order.to_dict("records")
    for position, record in enumerate(records):
        if not record["on_board"] and (position == 0 or records[position - 1]["on_board"]):
            st.markdown(f"**{t('order.watch_list', lang)}**")
        number, up = st.columns([8, 1], vertical_alignment="center")
        number.html(meeting_views.render_order_item(position + 1, record, lang))
        same_tier = position and records[position - 1]["on_board"] == record["on_board"]
        if same_tier and up.button("▲", key=f"up_{record['id']}", help=t("order.save", lang)):
            moved = ids[:position - 1] + [ids[position], ids[position - 1]] + ids[position + 1:]
            ui.run_command(store.save_report_order, {"actor_id": me, "area_id": area_id, "issue_ids": moved},
                           lang, issue_id=None, success=t("order.saved", lang))
    tier_form(records)


def tier_form(records: list[dict]) -> None:
    """上板 or 观察清单: promote a watch-list issue to the board (tracked to its exit criteria, with its 8D) or
    demote a board issue to the watch list, recorded with the reason."""
    if not records:
        return
    by_id = {r["id"]: r for r in records}
    shown_versions = {r["id"]: ui.loaded_version(r["id"], r["version"]) for r in records}   # as listed
    with st.form("tier"):
        st.markdown(f"**{t('tier.change', lang)}**")
        issue_column, tier_column = st.columns([3, 2])
        issue_id = issue_column.selectbox(
            t("tier.issue", lang), list(by_id), key="tier_issue",
            format_func=lambda i: f'{by_id[i]["number"]} · {literal(by_id[i]["description"][:30])}')
        on_board = tier_column.radio(t("tier.to", lang), (True, False), horizontal=True, key="tier_to",
                                     format_func=lambda b: t("tier.board" if b else "tier.watch", lang))
        reason = st.text_input(t("history.reason", lang), key="tier_reason", max_chars=500)
        submitted = st.form_submit_button(t("tier.save", lang))
    if submitted:
        record = by_id[issue_id]
        ui.run_command(store.change_tier, {"actor_id": me, "issue_id": issue_id, "on_board": on_board,
                                           "reason": reason,
                                           "expected_version": shown_versions[issue_id]},
                       lang, issue_id=issue_id,
                       success=t("tier.changed", lang, number=record["number"],
                                 tier=t("tier.board" if on_board else "tier.watch", lang)))


def qchart_tab(area_id: int) -> None:
    st.html(qchart_month(area_id))
    with st.form("qchart_override"):
        st.markdown(f"**{t('qchart.override', lang)}**")
        day = st.date_input(t("qchart.day", lang), value=today, max_value=today, key="qchart_day",
                            format="YYYY-MM-DD")
        colour = st.radio(t("qchart.colour", lang), (None, "G", "Y", "R"), horizontal=True, key="qchart_colour",
                          format_func=lambda c: t("qchart.by_rule", lang) if c is None else t(f"qchart.{c}", lang))
        note = st.text_input(t("qchart.note", lang), key="qchart_note", max_chars=500)
        submitted = st.form_submit_button(t("qchart.save", lang))
    if submitted:
        ui.run_command(store.set_quality_status, {"actor_id": me, "area_id": area_id, "day": day, "colour": colour,
                                                  "note": note}, lang, issue_id=None, success=t("qchart.saved", lang))


def minutes_tab(current: dict) -> None:
    stem = f"minutes-{areas[current['area_id']]['code']}-{current['held_on'].isoformat()}"
    pdf, xlsx = st.columns(2)
    pdf.download_button(t("minutes.pdf", lang), key="minutes_pdf", icon=":material/picture_as_pdf:", on_click="ignore",
                        data=lambda: minutes.minutes_pdf(store.meeting_minutes(current["id"]), lang),
                        file_name=f"{stem}.pdf", mime="application/pdf")
    xlsx.download_button(t("minutes.xlsx", lang), key="minutes_xlsx", icon=":material/download:", on_click="ignore",
                         data=lambda: minutes.minutes_workbook(store.meeting_minutes(current["id"]), lang),
                         file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.html(meeting_views.render_minutes(store.meeting_minutes(current["id"]), lang))


def _move(records: list[dict], index: int, step: int, current: dict, running: bool) -> None:
    """Next records the shown issue as reported, then both timers of the next issue start."""
    if step > 0 and running:
        try:
            store.record_report(actor_id=me, meeting_id=current["id"], issue_id=records[index]["id"])
        except store.QRError as refusal:
            st.error(ui.error_message(refusal.key, refusal.values, lang, markdown=True))
            return
    st.session_state["presenter_index"] = min(max(index + step, 0), len(records) - 1)
    st.session_state["issue_shown_at"] = datetime.now(timezone.utc)
    st.rerun()


def decision_form(record: dict, current: dict) -> None:
    key = record["id"]
    shown_version = ui.loaded_version(key, record["version"])     # as the card showed it: a later save makes it stale
    levels = list(range(1, settings.top_escalation_level + 1))
    with st.form(f"decision_{key}"):
        st.markdown(f"**{t('decision.title', lang)}**")
        kind = st.radio(t("decision.kind", lang), ("next_report", "action", "escalate"), horizontal=True,
                        key=f"decision_kind_{key}", format_func=lambda k: t(f"decision.kind.{k}", lang))
        left, middle, right = st.columns([1, 2, 1])
        day = left.date_input(t("decision.date", lang), value=max(record["next_report_on"] or today, today),
                              key=f"decision_date_{key}", format="YYYY-MM-DD")
        action = middle.text_input(t("decision.action", lang), key=f"decision_action_{key}", max_chars=2000)
        owner = right.selectbox(t("decision.owner", lang), list(people), format_func=people.get,
                                index=list(people).index(record["owner_id"]) if record["owner_id"] in people else 0,
                                key=f"decision_owner_{key}")
        level = st.radio(t("decision.level", lang), levels, horizontal=True, key=f"decision_level_{key}",
                         format_func=lambda n: t(f"escalation.{n}", lang))
        submitted = st.form_submit_button(t("decision.save", lang), type="primary")
    if submitted:
        command, arguments = {
            "next_report": (store.decide_next_report, {"next_report_on": day}),
            "action": (store.decide_action, {"action": action, "owner_id": owner, "due_on": day}),
            "escalate": (store.decide_escalation, {"level": level}),
        }[kind]
        ui.run_command(command, {"actor_id": me, "meeting_id": current["id"], "issue_id": key,
                                 "expected_version": shown_version, **arguments},
                       lang, issue_id=key, success=t("decision.saved", lang, number=record["number"]))


def presenter_view(current: dict, running: bool) -> None:
    """Full screen, one issue at a time in the reporting order, with both timers."""
    st.html(ui.full_screen_css(side_rem=1.2, gap_rem=0.4))
    records = ui.reporting_order(counter, current["area_id"], today).to_dict("records")
    if not records:
        st.info(t("presenter.empty", lang))
        return
    index = min(st.session_state.get("presenter_index", 0), len(records) - 1)
    record = records[index]
    timer_panel(current, index + 1, len(records))
    changes = ui.meeting_changes(counter, current["id"]).get(record["id"], [])
    st.html(meeting_views.render_presenter_card(record, ui.step_columns(counter), changes, lang))
    st.html(meeting_views.render_verification_list(records, lang))     # the area's steps waiting for the check
    previous, following, leave, end = st.columns(4)
    if previous.button(t("presenter.previous", lang), key="presenter_previous", width="stretch",
                       icon=":material/arrow_back:", disabled=index == 0):
        _move(records, index, -1, current, running)
    if following.button(t("presenter.next", lang), key="presenter_next", width="stretch", type="primary",
                        icon=":material/arrow_forward:"):
        _move(records, index, +1, current, running)
    leave.button(t("presenter.exit", lang), key="presenter_exit", width="stretch", on_click=_leave_presenter)
    end_button(current, end)
    reload_button(f"meeting-{current['id']}", current["version"])
    if running:
        decision_form(record, current)
        reload_button(record["id"], record["version"])      # after the form: a refusal in this run shows it at once


def _leave_presenter() -> None:
    st.query_params.pop("view", None)
    st.session_state["presenter"] = False


def reload_button(key, current_version: int) -> None:
    """After a refusal because someone else saved first: load their version, keep what this user typed."""
    if key in st.session_state.get("stale_issues", set()) and st.button(
            t("update.reload", lang), key=f"reload_{key}", icon=":material/refresh:"):
        ui.reload_issue(key, current_version)
        st.session_state["stale_issues"].discard(key)
        st.rerun()


@st.fragment(run_every=1)
def timer_panel(current: dict, position: int, total: int) -> None:
    """Ticks every second on its own; the card around it is not redrawn."""
    now = current["ended_at"] or datetime.now(timezone.utc)
    shown_at = st.session_state.setdefault("issue_shown_at", now)
    timers = meeting.timers(meeting_started=current["started_at"], issue_shown=shown_at, now=now,
                            issue_seconds=settings.issue_seconds, target_minutes=settings.meeting_target_minutes,
                            limit_minutes=settings.meeting_limit_minutes)
    st.html(meeting_views.render_timers(timers, lang, position=position, total=total))


def end_button(current: dict, where) -> None:
    if current["ended_at"] is None and where.button(t("meeting.end", lang), key="end_meeting", width="stretch",
                                                    icon=":material/stop:"):
        ui.run_command(store.end_meeting, {"actor_id": me, "meeting_id": current["id"],
                                           "expected_version": ui.loaded_version(f"meeting-{current['id']}",
                                                                                 current["version"])},
                       lang, issue_id=f"meeting-{current['id']}", success=t("meeting.ended", lang))


def compliance_panel(area_id: int) -> None:
    """Did each owner update their board issues since the area's previous meeting (the audit trail says)?"""
    frame = ui.update_compliance(counter, today, today, area_id, store.now().strftime("%Y-%m-%d %H:%M"))
    frame = frame[frame["held_on"] == today]
    with st.expander(t("compliance.title", lang) + (f" · {frame['updated'].mean():.0%}" if not frame.empty else "")):
        if frame.empty:
            st.caption(t("compliance.none", lang))
            return
        st.dataframe(compliance.owner_table(compliance.compliance_by_owner(frame), lang), hide_index=True,
                     width="stretch", key="compliance_by_owner")


area_id = _area_from_url()
if area_id is None:
    st.markdown(f"### {t('page.meeting', lang)}")
    if len(refs["plants"]) > 1:                     # a plant without areas yet: another plant can be picked
        ui.plant_filter(st, refs, lang, key="meeting_plant", dependents=("meeting_area",))
    st.info(t("meeting.no_area", lang))
    st.stop()
current = ui.meeting_on(counter, area_id, today)
if presenter and current is not None:
    ui.show_flash()
    presenter_view(current, current["ended_at"] is None)
    st.stop()

several_plants = len(refs["plants"]) > 1
title, *choosers, switch = st.columns([3, 2, 2, 2] if several_plants else [3, 2, 2], vertical_alignment="bottom")
chooser = choosers[-1]
title.markdown(f"### {t('page.meeting', lang)}")
if several_plants:
    ui.plant_filter(choosers[0], refs, lang, key="meeting_plant", dependents=("meeting_area",))
chooser.selectbox(t("meeting.area", lang), list(areas), index=list(areas).index(area_id), key="meeting_area",
                  format_func=lambda i: _label(areas[i], "name"), on_change=_choose_area)
ui.show_flash()
compliance_panel(area_id)
if current is None:
    start_panel(area_id)
    st.stop()
running = current["ended_at"] is None
meeting_key = f"meeting-{current['id']}"
version = ui.loaded_version(meeting_key, current["version"])
switch.toggle(t("presenter.toggle", lang), value=False, key="presenter", on_change=_set_presenter)
facilitator = current["facilitator_en"] if lang == "en" else current["facilitator"]
started = current["started_at"].astimezone(settings.tz).strftime("%H:%M")
st.caption(literal_t("meeting.running", lang, date=current["held_on"].isoformat(), who=facilitator, time=started))
if not running:
    st.info(t("meeting.ended_info", lang, time=current["ended_at"].astimezone(settings.tz).strftime("%H:%M"),
              minutes=round((current["ended_at"] - current["started_at"]).total_seconds() / 60)))
# Only the open tab runs (the others cost the minutes' and the order's queries on every rerun for nothing);
# the tab chosen stays chosen across reruns by its key.
tab_views = {"sign_in": lambda: sign_in_tab(current, version, running), "review": lambda: review_tab(area_id),
             "order": lambda: order_tab(area_id, ui.reporting_order(counter, area_id, today)),
             "qchart": lambda: qchart_tab(area_id), "minutes": lambda: minutes_tab(current)}
for tab, show in zip(st.tabs([t(f"meeting.tab.{name}", lang) for name in tab_views], key="meeting_tab",
                             on_change="rerun"), tab_views.values()):
    if tab.open:
        with tab:
            show()
end_button(current, st)
reload_button(meeting_key, current["version"])         # last: a refusal by any form above shows it at once
