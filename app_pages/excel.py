"""Bring a plant's sheet in: upload → what each column and word becomes (pre-filled, editable) → preview → import,
all rows or none. The workbook is read once per file and the preview worked out read-only, both cached."""
import hashlib
import json

import pandas as pd
import streamlit as st

from app_pages import _shared as ui
from qr import rules, sheet_import, store
from qr.config import load_settings
from qr.i18n import error_message, literal_t, t

lang = ui.language_from_url()
counter = store.change_counter()
user = ui.require_user(lang)
me = user.person_id


@st.cache_data(show_spinner=False, max_entries=4)
def _sheets(digest: str, _content: bytes) -> list[str]:
    return sheet_import.sheet_names(_content)


@st.cache_data(show_spinner=False, max_entries=4)
def _table(digest: str, sheet: str, _content: bytes, _columns: list[dict]) -> sheet_import.SheetTable:
    """The sheet read once per uploaded file (keyed by its hash), however often it is re-mapped."""
    return sheet_import.read_table(_content, _columns, sheet=sheet)


@st.cache_data(show_spinner=False, max_entries=8)
def _preview(digest: str, sheet: str, mapping_key: str, _table: sheet_import.SheetTable,
             _mapping: sheet_import.Mapping) -> sheet_import.ImportPreview:
    return sheet_import.parse(_table, _mapping)


@st.cache_data(show_spinner=False, max_entries=8)
def _plan(change: tuple[int, int], digest: str, sheet: str, mapping_key: str, _issues: list,
          actor_id: int) -> store.ImportPlan:
    """The dry run, read-only (no write lock), once per file, mapping and state of the database."""
    return store.plan_import(actor_id=actor_id, issues=_issues)


def _choose(frame: pd.DataFrame, chosen: list, key: str, options: dict) -> list:
    """The table with a last column ("to") picked from `options` (value → label), first `chosen`; the values
    picked, in order."""
    fixed = list(frame.columns)
    shown = frame.assign(to=[options[value] for value in chosen])
    edited = st.data_editor(shown, key=key, hide_index=True, width="stretch", disabled=fixed,
                            column_config={name: t(f"import.mapping.{name}", lang) for name in fixed} | {
                                "to": st.column_config.SelectboxColumn(t("import.mapping.to", lang),
                                                                       options=list(options.values()), required=True)})
    values = {label: value for value, label in options.items()}
    return [values[label] for label in edited["to"]]


def _mapping(table: sheet_import.SheetTable, given: dict | None, columns: list[dict]) -> sheet_import.Mapping:
    """The column editor, then the editors of the words those columns hold (status words, step words)."""
    proposal = sheet_import.propose(table, columns, given)
    targets = [None, sheet_import.IGNORE, *sheet_import.FIELDS, *(sheet_import.STEP + c["code"] for c in columns)]
    frame = pd.DataFrame({"column": [c.letter for c in table.columns], "header": [c.header for c in table.columns],
                          "samples": [" · ".join(c.samples) for c in table.columns]})
    chosen = _choose(frame, [proposal.columns[c.index] for c in table.columns], f"import_columns_{table.shape[:16]}",
                     {target: sheet_import.target_label(target, columns, lang) for target in targets})
    picked = dict(zip((c.index for c in table.columns), chosen))
    words = sheet_import.propose_words(table, picked, given)
    found = {"status": words.status, "letters": words.letters}
    meanings = {"status": {s: t(f"import.status.{s}", lang) for s in sheet_import.STATUSES},
                "letters": {letter: f"{letter} · {t(f'status.{letter}', lang)}" for letter in sheet_import.LETTERS}}
    for part, heading in (("status", "import.mapping.status_words"), ("letters", "import.mapping.step_words")):
        if found[part]:
            st.markdown(f"##### {t(heading, lang)}")
            words_key = hashlib.sha256("\x1f".join(found[part]).encode()).hexdigest()[:16]
            options = {None: t("import.to.undecided", lang), **meanings[part]}
            found[part] = dict(zip(found[part], _choose(pd.DataFrame({"word": list(found[part])}),
                                                        list(found[part].values()), f"import_{part}_{words_key}",
                                                        options)))
    return sheet_import.Mapping(picked, found["status"], found["letters"])


def _problems(errors: list[sheet_import.CellError]) -> None:
    st.error(t("import.errors", lang, count=len(errors)))
    st.dataframe(pd.DataFrame({t("import.sheet", lang): [e.sheet for e in errors],
                               t("import.cell", lang): [e.cell for e in errors],
                               t("import.problem", lang): [sheet_import.problem_message(e, lang) for e in errors]}),
                 hide_index=True, width="stretch")


st.markdown(f"### {t('page.excel', lang)}")
ui.show_flash()
if not rules.allowed(user.role, "configure"):       # an import creates people, areas and categories
    st.warning(t("import.admin_only", lang))
    st.stop()
st.caption(t("import.help", lang))
limit = load_settings().max_import_mb
upload = st.file_uploader(t("import.file", lang), type=["xlsx"], key="import_file", max_upload_size=limit)
if upload is None:
    st.stop()
content = upload.getvalue()
digest = hashlib.sha256(content).hexdigest()
columns = ui.step_columns(counter)
try:
    sheet_import.check_size(content, limit)
    sheet = st.selectbox(t("import.sheet", lang), _sheets(digest, content), key="import_sheet")
    table = _table(digest, sheet, content, columns)
except sheet_import.SheetRefused as refusal:
    st.error(literal_t(refusal.key, lang, **refusal.values))
    st.stop()
saved = store.saved_mapping(table.shape)
st.markdown(f"#### {t('import.mapping', lang)}")
if saved is not None:
    st.caption(t("import.mapping.saved", lang))
mapping = _mapping(table, saved, columns)
mapping_file = sheet_import.mapping_json(table, mapping)
mapping_key = hashlib.sha256(json.dumps(mapping_file, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
preview = _preview(digest, sheet, mapping_key, table, mapping)
if preview.ignored:
    st.text(t("import.ignored", lang, columns=", ".join(f"{c.letter} {c.header}".strip() for c in preview.ignored)))
if preview.errors:
    _problems(preview.errors)
    st.stop()
plan = _plan(counter, digest, sheet, mapping_key, preview.issues, me)
if plan.errors:
    _problems(plan.errors)
    st.stop()
st.info(t("import.plan", lang, created=plan.count("create"), updated=plan.count("update"),
          unchanged=plan.count("keep")))
if plan.without_customer:
    st.warning(sheet_import.without_customer_message(plan.without_customer, lang))
for kind, names in plan.new_names.items():
    if names:
        st.text(f"{t('import.new.' + kind, lang)}: {', '.join(names)}")
st.dataframe(pd.DataFrame({t("import.row", lang): [row.sheet_row for row in plan.rows],
                           t("col.number", lang): [row.number or t("import.new_number", lang) for row in plan.rows],
                           t("import.action", lang): [t(f"import.action.{row.action}", lang) for row in plan.rows]}),
             hide_index=True, width="stretch")
if st.button(t("import.confirm", lang), type="primary", key="import_confirm"):
    try:
        saving = sheet_import.worth_saving(table, mapping, columns, saved)
        done = store.import_issues(actor_id=me, issues=preview.issues, mapping=mapping_file if saving else None,
                                   source=f"imported from {upload.name}, sheet {preview.sheet}")
    except store.ImportRefused as refusal:
        _problems(refusal.problems)
    except store.QRError as refusal:
        st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
    else:
        st.session_state["flash"] = t("import.done", lang, created=len(done.created), updated=len(done.updated))
        st.rerun()
