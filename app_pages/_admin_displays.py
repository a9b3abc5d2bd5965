"""The admin page's meeting settings (issue timer, meeting clock, board refresh, public board) and its display
tokens (TV mode: a screen shows the board read-only without signing in)."""
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import store
from qr.config import load_settings
from qr.i18n import error_message, t

CREATED = "display_token_created"       # the new token, shown once after the rerun that follows creating it


def meeting_settings_section(lang: str, me: int) -> None:
    """The meeting's settings; each starts as the environment (or the code) says, a saved value wins."""
    current = store.meeting_settings()
    with st.form("meeting_settings"):
        st.markdown(f"**{t('admin.meeting_settings', lang)}**")
        st.caption(t("admin.meeting_help", lang))
        issue, target, limit, refresh = st.columns(4)
        values = {
            "issue_seconds": issue.number_input(t("field.issue_seconds", lang), value=current["issue_seconds"]["value"],
                                                step=10, key="issue_seconds"),
            "meeting_target_minutes": target.number_input(t("field.meeting_target_minutes", lang), step=1,
                                                          value=current["meeting_target_minutes"]["value"],
                                                          key="meeting_target_minutes"),
            "meeting_limit_minutes": limit.number_input(t("field.meeting_limit_minutes", lang), step=1,
                                                        value=current["meeting_limit_minutes"]["value"],
                                                        key="meeting_limit_minutes"),
            "refresh_seconds": refresh.number_input(t("field.refresh_seconds", lang), step=10,
                                                    value=current["refresh_seconds"]["value"], key="refresh_seconds"),
            "public_board": st.checkbox(t("field.public_board", lang), current["public_board"]["value"],
                                        key="public_board")}
        saved = [t(f"field.{name}", lang) for name, entry in current.items() if entry["saved"]]
        if saved:
            st.caption(t("admin.saved_here", lang, names=", ".join(saved)))
        if st.form_submit_button(t("admin.save", lang)):
            arguments = {name: value if isinstance(value, bool) else int(value) for name, value in values.items()}
            ui.run_command(store.set_meeting_settings, {"actor_id": me, **arguments}, lang, issue_id=None,
                           success=t("admin.saved", lang))


def tv_address(token: str, area_codes: list[str], seconds: int, lang: str) -> str:
    """The address a TV opens: the board in TV mode with this token (no areas chosen: every area)."""
    query = {"view": "tv", "areas": ",".join(area_codes), "seconds": seconds, "token": token}
    query = {name: value for name, value in query.items() if value != ""}
    query |= {"lang": lang} if lang != "zh" else {}
    return f"{load_settings().public_url}/?{urlencode(query, safe=',')}"


def displays_section(lang: str, me: int, areas: dict[int, dict]) -> None:
    """Display tokens: the list (never the tokens), a new one (shown once, with its TV address), revoking one."""
    st.caption(t("admin.displays_help", lang))
    created = st.session_state.pop(CREATED, None)
    if created:
        st.success(t("admin.display_created", lang, name=created["name"]))
        st.code(created["address"], language=None)
    tz = store.board_settings().tz
    tokens = store.display_tokens()

    def moment(value) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value is not None else ""
    if tokens:
        st.dataframe(pd.DataFrame([{t("field.display_name", lang): row["name"],
                                    t("field.created_at", lang): moment(row["created_at"]),
                                    t("field.created_by", lang): row["created_by_en"] if lang == "en"
                                    else row["created_by"],
                                    t("field.last_seen_at", lang): moment(row["last_seen_at"]),
                                    t("field.revoked_at", lang): moment(row["revoked_at"])} for row in tokens]),
                     hide_index=True, width="stretch")
    with st.form("new_display", clear_on_submit=True):
        st.markdown(f"**{t('admin.new_display', lang)}**")
        name, chosen, seconds = st.columns([2, 3, 1])
        name = name.text_input(t("field.display_name", lang), max_chars=60, key="display_name")
        codes = chosen.multiselect(t("admin.display_areas", lang), [a["code"] for a in areas.values()],
                                   key="display_areas")
        seconds = seconds.number_input(t("admin.display_seconds", lang), value=30, min_value=3, max_value=3600,
                                       key="display_seconds")
        if st.form_submit_button(t("admin.create", lang)):
            try:
                token = store.create_display_token(actor_id=me, name=name)
            except store.QRError as refusal:
                st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
            else:
                st.session_state[CREATED] = {"name": name.strip(),
                                             "address": tv_address(token, codes, int(seconds), lang)}
                st.rerun()
    live = [row["name"] for row in tokens if row["revoked_at"] is None]
    if live:
        with st.form("revoke_display"):
            st.markdown(f"**{t('admin.revoke_display', lang)}**")
            name = st.selectbox(t("field.display_name", lang), live, key="revoke_display_name")
            if st.form_submit_button(t("admin.revoke", lang)):
                ui.run_command(store.revoke_display_token, {"actor_id": me, "name": name}, lang, issue_id=None,
                               success=t("admin.display_revoked", lang))
