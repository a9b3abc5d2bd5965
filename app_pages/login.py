"""Sign in (local account or single sign-on); once signed in, the person's account: who, role, the language and
channels of their notices, password."""
import streamlit as st

from app_pages import _shared as ui
from qr import store
from qr.i18n import LANGUAGES, error_message, literal, literal_t, t

lang = ui.language_from_url()
user = ui.current_user()
if user is None:
    st.markdown(f"### {t('login.title', lang)}")
    ui.show_flash()
    ui.require_user(lang)

st.markdown(f"### {t('page.account', lang)}")
ui.show_flash()
st.write(t("login.signed_in_as", lang, name=literal(user.name_en if lang == "en" else user.name),
           role=t(f"role.{user.role}", lang)))
mine = store.my_notifications(user.person_id)
with st.form("my_notifications"):
    st.markdown(f"**{t('account.notices', lang)}**")
    st.caption(literal_t("account.notices_help", lang, email=mine["email"] or "—"))
    language = st.radio(t("field.language", lang), LANGUAGES, index=LANGUAGES.index(mine["language"]),
                        horizontal=True, key="notice_language", format_func=lambda code: t(f"lang.{code}"))
    by_email = st.checkbox(t("field.notify_email", lang), mine["notify_email"], key="notify_email",
                           disabled=not mine["email"])
    by_wecom = st.checkbox(t("field.notify_wecom", lang), mine["notify_wecom"], key="notify_wecom")
    wecom_id = st.text_input(t("field.wecom_id", lang), mine["wecom_id"], max_chars=64, key="wecom_id",
                             help=t("account.wecom_help", lang))
    saved = st.form_submit_button(t("account.save_notices", lang))
if saved:
    ui.run_command(store.set_my_notifications, {"actor_id": user.person_id, "language": language,
                                                "notify_email": bool(by_email), "wecom_id": wecom_id,
                                                "notify_wecom": bool(by_wecom)},
                   lang, issue_id=None, success=t("admin.saved", lang))
if ui.sso_configured() and st.user.is_logged_in:
    st.caption(t("account.sso_only", lang))
    st.stop()
with st.form("change_password", clear_on_submit=True):
    st.markdown(f"**{t('account.change_password', lang)}**")
    current = st.text_input(t("account.current", lang), type="password", max_chars=200, key="current_password")
    new = st.text_input(t("account.new", lang), type="password", max_chars=200, key="new_password")
    repeat = st.text_input(t("account.repeat", lang), type="password", max_chars=200, key="repeat_password")
    submitted = st.form_submit_button(t("account.change_password", lang), type="primary")
if submitted:
    if new != repeat:
        st.error(error_message("err.password_mismatch", {}, lang))
    else:
        ui.run_command(store.change_password, {"actor_id": user.person_id, "current_password": current,
                                               "new_password": new},
                       lang, issue_id=None, success=t("account.changed", lang))
