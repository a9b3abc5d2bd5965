"""Bring a plant's existing Excel board in (upload → preview → confirm), all rows or none."""
import zipfile

import streamlit as st

from app_pages import _shared as ui
from qr import excel, rules, store
from qr.i18n import error_message, literal, literal_t, t

lang = ui.language_from_url()
counter = store.change_counter()
refs = ui.reference_lists(counter)
user = ui.require_user(lang)
me = user.person_id

st.markdown(f"### {t('page.excel', lang)}")
ui.show_flash()
if not rules.allowed(user.role, "configure"):       # an import creates people, areas and categories
    st.warning(t("import.admin_only", lang))
    st.stop()
st.caption(t("import.help", lang))
upload = st.file_uploader(t("import.file", lang), type=["xlsx"], key="import_file")
if upload is None:
    st.stop()
content = upload.getvalue()
try:
    sheets = excel.sheet_names(content)
except (zipfile.BadZipFile, ValueError, OSError, KeyError):
    st.error(literal_t("import.unreadable", lang, name=upload.name))
    st.stop()
sheet = st.selectbox(t("import.sheet", lang), sheets, key="import_sheet")
preview = excel.read_board(content, ui.step_columns(counter), sheet=sheet, today=store.today())
for column in preview.unknown_columns:
    st.warning(literal_t("import.unknown_column", lang, column=column))
if preview.errors:
    st.error(t("import.errors", lang, count=len(preview.errors)))
    st.table([{t("import.cell", lang): e.cell, t("import.problem", lang): t(e.key, lang, value=e.value)}
              for e in preview.errors])
    st.stop()
source = f"imported from {upload.name}, sheet {preview.sheet}"
try:
    plan = store.import_issues(actor_id=me, issues=preview.issues, apply=False, source=source)
except store.QRError as refusal:
    st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
    st.stop()
st.info(t("import.plan", lang, created=len(plan.created), updated=len(plan.updated), unchanged=len(plan.unchanged)))
for kind, names in plan.new_names.items():
    if names:
        st.write(f"{t('import.new.' + kind, lang)}: {literal(', '.join(names))}")
st.table([{t("col.number", lang): number, t("import.action", lang): t(f"import.action.{action}", lang)}
          for action, numbers in (("create", plan.created), ("update", plan.updated), ("keep", plan.unchanged))
          for number in numbers])
if st.button(t("import.confirm", lang), type="primary", key="import_confirm"):
    try:
        done = store.import_issues(actor_id=me, issues=preview.issues, apply=True, source=source)
    except store.QRError as refusal:
        st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
    else:
        st.session_state["flash"] = t("import.done", lang, created=len(done.created), updated=len(done.updated))
        st.rerun()
