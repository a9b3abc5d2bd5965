"""One issue in full: every field, each step with dates and countermeasure, and its history."""
import streamlit as st

from pages import _shared as ui
from qr import store, views
from qr.config import load_settings
from qr.i18n import error_message, t

ui.run_through_entry()

lang = ui.language_from_url()
if not load_settings().public_board:
    ui.require_user(lang)
numbers = dict(ui.issue_numbers(store.change_counter()))
st.page_link("pages/tracking_board.py", label=t("detail.back", lang), icon=":material/arrow_back:")
if not numbers:
    st.info(t("detail.none", lang))
    st.stop()

wanted = st.query_params.get("no")
options = list(numbers)
chosen = st.selectbox(t("detail.choose", lang), options, index=options.index(wanted) if wanted in numbers else 0,
                      format_func=lambda n: f"{n} · {numbers[n][:40]}")
st.query_params["no"] = chosen
try:
    detail = store.issue_detail(chosen)
except store.QRError as refusal:
    st.error(error_message(refusal.key, refusal.values, lang))
    st.stop()
st.subheader(f"{detail.issue['number']}")
st.html(views.render_issue_detail(detail.issue, detail.steps, detail.history, lang))
st.markdown(f"#### {t('detail.files', lang)}")
if ui.attachments(store.change_counter(), detail.issue["id"]):
    ui.download_buttons({**detail.issue, "steps": {s["code"]: s for s in detail.steps}}, lang, store.change_counter())
else:
    st.caption(t("detail.no_files", lang))
