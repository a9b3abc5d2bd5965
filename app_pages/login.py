"""Sign in (local account or single sign-on); once signed in, the person's account: who, role, password."""
import streamlit as st

from app_pages import _shared as ui
from qr import store
from qr.i18n import error_message, literal, t

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
