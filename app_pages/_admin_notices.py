"""The admin page's notices tab: the e-mail server, each area's group robots, meeting times and escalation
contacts, the notice rules, and the outbox (failed notices with their error, send digests now). Secrets are
never shown back: a form field left empty keeps what is stored."""
from datetime import date, time

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import notifier, store
from qr.i18n import LANGUAGES, error_message, literal_t, t
from qr.notices import ROBOT_KINDS


def notices_section(lang: str, me: int, areas: dict[int, dict], people: dict[int, dict]) -> None:
    def area_name(area_id) -> str:
        return t("notices.plant", lang) if area_id is None else (
            areas[area_id]["name_en"] if lang == "en" else areas[area_id]["name_zh"])

    def person_name(person_id: int) -> str:
        person = people[person_id]
        return (person["name_en"] or person["name"]) if lang == "en" else person["name"]

    current = store.channels()
    email = next((c for c in current if c["kind"] == "email"), None)
    robots = [c for c in current if c["kind"] != "email"]

    st.markdown(f"**{t('notices.email', lang)}**")
    if email:
        st.caption(literal_t("notices.email_now", lang, url=email["url"], sender=email["sender"] or "—")
                   + (f" · {t('notices.from_environment', lang)}" if email["from_environment"] else ""))
    with st.form("email_server"):
        url_column, sender_column = st.columns(2)
        url = url_column.text_input(t("notices.smtp_url", lang), type="password", max_chars=1000, key="smtp_url",
                                    help=t("notices.smtp_help", lang))
        sender = sender_column.text_input(t("field.sender", lang), max_chars=200, key="smtp_sender",
                                          placeholder="QR Board <qr@plant.example>")
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_channel, {"actor_id": me, "kind": "email", "url": url, "sender": sender}, lang,
                           issue_id=None, success=t("admin.saved", lang))
    address_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    address = address_column.text_input(t("notices.test_address", lang), max_chars=200, key="test_address")
    if button_column.button(t("notices.send_test", lang), key="test_email", icon=":material/send:"):
        _send_test(lang, {"actor_id": me, "address": address})

    st.markdown(f"**{t('notices.robots', lang)}**")
    if robots:
        st.dataframe(pd.DataFrame([{t("field.area", lang): area_name(r["area_id"]),
                                    t("field.channel", lang): t(f"notices.kind.{r['kind']}", lang),
                                    t("field.channel_url", lang): r["url"], t("field.secret", lang): r["secret"],
                                    t("field.language", lang): t(f"lang.{r['language']}")} for r in robots]),
                     hide_index=True, width="stretch")
    with st.form("robot"):
        area_column, kind_column, language_column = st.columns(3)
        values = {"area_id": area_column.selectbox(t("field.area", lang), list(areas), key="robot_area",
                                                   format_func=area_name),
                  "kind": kind_column.selectbox(t("field.channel", lang), ROBOT_KINDS, key="robot_kind",
                                                format_func=lambda k: t(f"notices.kind.{k}", lang)),
                  "language": language_column.radio(t("field.language", lang), LANGUAGES, horizontal=True,
                                                    key="robot_language", format_func=lambda c: t(f"lang.{c}")),
                  "url": st.text_input(t("notices.webhook", lang), type="password", max_chars=1000, key="robot_url",
                                       help=t("notices.webhook_help", lang)),
                  "secret": st.text_input(t("notices.robot_secret", lang), type="password", max_chars=200,
                                          key="robot_secret", help=t("notices.secret_help", lang))}
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_channel, {"actor_id": me, **values}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    if robots:
        labels = {r["id"]: f"{area_name(r['area_id'])} · {t('notices.kind.' + r['kind'], lang)}" for r in robots}
        pick, test, remove = st.columns([3, 1, 1], vertical_alignment="bottom")
        chosen = pick.selectbox(t("notices.robot", lang), list(labels), format_func=labels.get, key="robot_pick")
        if test.button(t("notices.send_test", lang), key="test_robot", icon=":material/send:"):
            _send_test(lang, {"actor_id": me, "channel_id": chosen})
        if remove.button(t("admin.remove", lang), key="remove_robot", icon=":material/delete:"):
            ui.run_command(store.remove_channel, {"actor_id": me, "channel_id": chosen}, lang, issue_id=None,
                           success=t("admin.saved", lang))

    _meetings_and_escalation(lang, me, areas, people, area_name, person_name)
    _rule_form(lang, me)
    _outbox(lang, me)


def _send_test(lang: str, arguments: dict) -> None:
    """A test message goes through the outbox like any notice, and is sent at once; its fate is shown."""
    try:
        outbox_id = store.queue_test(**arguments)
    except store.QRError as refusal:
        st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
        return
    notifier.send_due(only=[outbox_id])
    row = store.outbox_row(outbox_id)
    if row["sent_at"] is not None:
        st.success(t("notices.test_sent", lang))
    else:
        st.error(literal_t("notices.test_failed", lang, error=row["last_error"]))


def _meetings_and_escalation(lang, me, areas, people, area_name, person_name) -> None:
    """Each area's meeting time (the digest goes before it) and who hears of each escalation level."""
    st.markdown(f"**{t('notices.per_area', lang)}**")
    contacts = store.escalation_contacts()
    area_id = st.selectbox(t("field.area", lang), list(areas), key="notice_area", format_func=area_name)
    if area_id is None:
        return
    with st.form(f"meeting_time_{area_id}"):
        meeting_time = st.time_input(t("field.meeting_time", lang), value=areas[area_id]["meeting_time"] or time(8, 30),
                                     step=300, key=f"meeting_time_{area_id}")
        if st.form_submit_button(t("admin.save", lang)):
            ui.run_command(store.set_meeting_time, {"actor_id": me, "area_id": area_id, "meeting_time": meeting_time},
                           lang, issue_id=None, success=t("admin.saved", lang))
    with st.form(f"escalation_contacts_{area_id}"):
        label = {level: f"{t(f'field.escalation_level_{level}', lang)} · {t(f'escalation.{level}', lang)}"
                 for level in store.ESCALATION_LEVELS}
        chosen = {level: st.multiselect(label[level],
                                        list(people), format_func=person_name, key=f"contacts_{area_id}_{level}",
                                        default=[p for p in contacts.get((area_id, level), []) if p in people])
                  for level in store.ESCALATION_LEVELS}
        if st.form_submit_button(t("admin.save", lang)):
            for level, person_ids in chosen.items():
                if sorted(person_ids) != sorted(contacts.get((area_id, level), [])):
                    ui.run_command(store.set_escalation_contacts, {"actor_id": me, "area_id": area_id, "level": level,
                                                                   "person_ids": person_ids},
                                   lang, issue_id=None, success=t("admin.saved", lang))


def _rule_form(lang: str, me: int) -> None:
    """When digests go, quiet hours, the plant's working days and holidays, the clock warning, the tries."""
    rule = store.setting_values()["notifications"]
    with st.form("notice_rule"):
        st.markdown(f"**{t('field.notifications', lang)}**")
        first, second, third = st.columns(3)
        minutes = first.number_input(t("notices.digest_minutes", lang), value=rule["digest_minutes_before"], step=5,
                                     key="digest_minutes")
        default_time = first.time_input(t("notices.default_meeting_time", lang), key="default_meeting_time",
                                        value=time.fromisoformat(rule["default_meeting_time"]))
        quiet_start = second.time_input(t("notices.quiet_start", lang), value=time.fromisoformat(rule["quiet_start"]),
                                        key="quiet_start")
        quiet_end = second.time_input(t("notices.quiet_end", lang), value=time.fromisoformat(rule["quiet_end"]),
                                      key="quiet_end")
        share = third.number_input(t("notices.clock_share", lang), value=int(round(rule["clock_warning_share"] * 100)),
                                   min_value=1, max_value=99, step=5, key="clock_share")
        tries = third.number_input(t("notices.max_tries", lang), value=rule["max_tries"], min_value=1, max_value=50,
                                   key="max_tries")
        workdays = st.pills(t("notices.workdays", lang), list(range(1, 8)), selection_mode="multi",
                            default=rule["workdays"], key="workdays", format_func=lambda d: t(f"notices.day.{d}", lang))
        holidays = st.text_area(t("notices.holidays", lang), "\n".join(rule["holidays"]), key="holidays",
                                help=t("notices.holidays_help", lang))
        if st.form_submit_button(t("admin.save", lang)):
            try:
                days = sorted({date.fromisoformat(line.strip()).isoformat() for line in holidays.splitlines()
                               if line.strip()})
            except ValueError:
                st.error(t("notices.bad_holiday", lang))
                return
            value = {"digest_minutes_before": int(minutes), "default_meeting_time": default_time.strftime("%H:%M"),
                     "quiet_start": quiet_start.strftime("%H:%M"), "quiet_end": quiet_end.strftime("%H:%M"),
                     "workdays": sorted(workdays), "holidays": days, "clock_warning_share": int(share) / 100,
                     "max_tries": int(tries)}
            ui.run_command(store.configure, {"actor_id": me, "key": "notifications", "value": value}, lang,
                           issue_id=None, success=t("admin.saved", lang))


def _outbox(lang: str, me: int) -> None:
    """What went out and what did not: failed notices with their error (send again once mended), the latest."""
    st.markdown(f"**{t('notices.outbox', lang)}**")
    if st.button(t("notices.digests_now", lang), key="digests_now", icon=":material/outgoing_mail:"):
        try:
            outcome = notifier.digests_now(actor_id=me)
        except store.QRError as refusal:
            st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
        else:
            st.success(t("notices.digests_sent", lang, written=outcome.written, sent=outcome.sent,
                         failed=outcome.failed))
    tz = store.board_settings().tz

    def moment(value) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value is not None else ""

    def table(rows: list[dict]) -> pd.DataFrame:
        return pd.DataFrame([{t("notices.state", lang): t(f"notices.state.{r['state']}", lang),
                              t("notices.event", lang): t(f"notices.event.{r['event']}", lang),
                              t("col.number", lang): r["number"] or "", t("field.channel", lang): r["channel"],
                              t("notices.to", lang): r["to"], t("notices.subject", lang): r["subject"],
                              t("notices.tries", lang): r["tries"],
                              t("notices.next_try", lang): moment(r["next_try_at"]),
                              t("notices.sent_at", lang): moment(r["sent_at"]),
                              t("notices.error", lang): r["last_error"]} for r in rows])
    failed = store.outbox(failed_only=True)
    if failed:
        st.warning(t("notices.failed", lang, count=len(failed)))
        st.dataframe(table(failed), hide_index=True, width="stretch")
        pick, button = st.columns([3, 1], vertical_alignment="bottom")
        subjects = {r["id"]: f"#{r['id']} {r['subject']}" for r in failed}
        chosen = pick.selectbox(t("notices.retry_which", lang), list(subjects), key="retry_pick",
                                format_func=subjects.get)
        if button.button(t("notices.retry", lang), key="retry_notice", icon=":material/replay:"):
            ui.run_command(store.retry_notice, {"actor_id": me, "outbox_id": chosen}, lang, issue_id=None,
                           success=t("admin.saved", lang))
    latest = store.outbox(limit=50)
    if latest:
        st.caption(t("notices.latest", lang))
        st.dataframe(table(latest), hide_index=True, width="stretch")
