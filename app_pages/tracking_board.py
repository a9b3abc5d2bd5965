"""The tracking board: the projector view of every open issue, refreshed every minute."""
import streamlit as st

from app_pages import _shared as ui
from qr import store, views
from qr.board import BoardFilter
from qr.i18n import literal, t

lang = ui.language_from_url()
projector = ui.projector_mode()
running = store.board_settings()        # the environment's defaults, an administrator's saved values over them
if not running.public_board:
    ui.require_user(lang)
counter = store.change_counter()
refs = ui.reference_lists(counter)


def _set_projector() -> None:
    if st.session_state["projector"]:
        st.query_params["view"] = "projector"
    else:
        st.query_params.pop("view", None)


if projector:
    st.html(ui.full_screen_css(side_rem=0.8, gap_rem=0.3) + ui.large_screen_css("board_controls"))

plants = {p["id"]: p for p in refs["plants"]}
areas_by_id = {a["id"]: a for a in refs["areas"]}
top_categories = {c["name_zh"]: c for c in refs["categories"] if c["parent_id"] is None}
people = {p["id"]: p for p in refs["people"]}
every = t("board.filter.all", lang)


def area_name(area_id: int | None) -> str:
    return every if area_id is None else areas_by_id[area_id]["name_en" if lang == "en" else "name_zh"]


def category_name(name_zh: str | None) -> str:
    return every if name_zh is None else top_categories[name_zh]["name_en"] if lang == "en" else name_zh


def person_name(person_id: int | None) -> str:
    if person_id is None:
        return every
    return (people[person_id]["name_en"] or people[person_id]["name"]) if lang == "en" else people[person_id]["name"]


def overall_name(status: str | None) -> str:
    return every if status is None else f"{status} {t('status.' + status, lang)}"


def _filter_label() -> str:
    """The filter button says what the board is narrowed to (the choices of the run before, or the URL's plant),
    so a filtered board is never mistaken for the whole plant's."""
    chosen = [(st.session_state.get("f_plant", ui.plant_from_url(refs)), plants, ui.plant_name(plants, lang)),
              (st.session_state.get("f_area"), areas_by_id, area_name),
              (st.session_state.get("f_category"), top_categories, category_name),
              (st.session_state.get("f_owner"), people, person_name),
              (st.session_state.get("f_overall"), ("R", "Y", "G"), overall_name)]
    names = [literal(name(value)) for value, known, name in chosen if value is not None and value in known]
    return f"{t('board.filters', lang)}: {' · '.join(names)}" if names else t("board.filters", lang)


title, switches, choosing = st.container(key="board_controls").columns([2.2, 1.6, 3.2], vertical_alignment="bottom")
title.markdown(f"### {t('app.title', lang)}")
switches.toggle(t("board.projector", lang), value=projector, key="projector", on_change=_set_projector)
switches.toggle(t("board.recently_closed", lang), key="recently_closed")
# the filters wait in a popover: a phone opens on the board itself, and the page does not load the select boxes'
# scripts before the board is drawn (bench/board_browser.py)
filters = choosing.popover(_filter_label(), icon=":material/filter_list:", key="board_filters")
plant_id, plant_areas = ui.plant_filter(filters, refs, lang, key="f_plant", dependents=("f_area",))
areas = {a["id"]: a for a in plant_areas}
filters.selectbox(t("board.filter.area", lang), [None, *areas], key="f_area", format_func=area_name)
filters.selectbox(t("board.filter.category", lang), [None, *top_categories], key="f_category",
                  format_func=category_name)
filters.selectbox(t("board.filter.owner", lang), [None, *people], key="f_owner", format_func=person_name)
filters.selectbox(t("board.filter.overall", lang), [None, "R", "Y", "G"], key="f_overall", format_func=overall_name)


def _chosen_filter() -> BoardFilter:
    return BoardFilter(area_ids=tuple(areas) if plant_id is not None else None, area_id=st.session_state.get("f_area"),
                       category=st.session_state.get("f_category"),
                       owner_id=st.session_state.get("f_owner"), overall=st.session_state.get("f_overall"))


@st.fragment(run_every=running.refresh_seconds)
def live_board() -> None:
    """Re-reads the change counter every refresh; the cached frame is rebuilt only after a write."""
    change, on, now = store.change_counter(), store.today(), store.now()
    header, board = ui.board_view(change, on, now.replace(second=0, microsecond=0),
                                  st.session_state.get("recently_closed", False), _chosen_filter(), tuple(areas),
                                  lang, projector)                  # the quality status of the plant's areas
    st.html(header)
    if board is None:
        st.info(t("board.empty", lang))
    else:
        ui.show_board(board, key="board_table")
    moment = now.astimezone(running.tz).strftime("%H:%M:%S")
    st.caption(f"{t('board.updated', lang, time=moment, seconds=running.refresh_seconds)} · "
               f"{t('board.export_hint', lang)}")


live_board()
st.html(views.render_legend(lang, projector=projector))
if not projector:
    everything = st.toggle(t("board.export_closed", lang), key="export_closed")
    workbook, printable = st.columns(2)
    workbook.download_button(t("board.export", lang), icon=":material/download:", on_click="ignore",
                             data=lambda: ui.board_workbook(lang, st.session_state.get("recently_closed", False),
                                                           _chosen_filter(), everything=everything),
                             file_name=f"QR-board-{store.today().isoformat()}.xlsx",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    printable.download_button(t("board.print", lang), icon=":material/print:", on_click="ignore",
                              data=lambda: ui.board_print(lang, st.session_state.get("recently_closed", False),
                                                          _chosen_filter()),
                              file_name=f"QR-board-{store.today().isoformat()}.pdf", mime="application/pdf",
                              key="board_print")
