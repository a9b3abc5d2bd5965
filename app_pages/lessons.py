"""经验教训库: the lesson every closed issue left, searchable by part, process, category, area and words, each
linked to its issue and 8D, and exported as .xlsx for a sister line or plant."""
import streamlit as st

from app_pages import _shared as ui
from qr import excel, lesson_views, store
from qr.i18n import t

SHOWN = 100        # cards drawn at most; the export holds every lesson found

lang = ui.language_from_url()
counter = store.change_counter()
if not store.board_settings().public_board:
    ui.require_user(lang)
refs = ui.reference_lists(counter)
today = store.today()


def _name(record: dict) -> str:
    return record["name_en"] if lang == "en" else record["name_zh"]


st.markdown(f"### {t('page.lessons', lang)}")
st.caption(t("lessons.intro", lang))
categories = {c["id"]: _name(c) for c in refs["categories"] if c["parent_id"] is None}
areas = {a["id"]: _name(a) for a in refs["areas"]}
part_column, process_column, text_column = st.columns(3)
part = part_column.text_input(t("lessons.part", lang), max_chars=100, key="lessons_part")
process = process_column.text_input(t("lessons.process", lang), max_chars=200, key="lessons_process")
words = text_column.text_input(t("lessons.text", lang), max_chars=200, key="lessons_text")
category_column, area_column = st.columns(2)
category = category_column.selectbox(t("lessons.category", lang), [None, *categories], key="lessons_category",
                                     format_func=lambda i: t("lessons.all", lang) if i is None else categories[i])
area = area_column.selectbox(t("lessons.area", lang), [None, *areas], key="lessons_area",
                             format_func=lambda i: t("lessons.all", lang) if i is None else areas[i])
found = store.lessons(part=part, process=process, category_id=category, area_id=area, text=words)
st.caption(t("lessons.count", lang, count=len(found)) if len(found) <= SHOWN
           else t("lessons.count_shown", lang, count=len(found), shown=SHOWN))
if found.empty:
    st.info(t("lessons.none", lang))
else:
    st.download_button(t("lessons.export", lang), data=excel.export_lessons(found, lang, on=today),
                       file_name=f"QR-lessons-{today.isoformat()}.xlsx", key="lessons_export",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", on_click="ignore")
    st.html(lesson_views.render_lessons(found.head(SHOWN), lang))
