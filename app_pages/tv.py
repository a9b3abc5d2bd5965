"""TV mode: `/?view=tv&areas=ASSY,WELD&seconds=30&token=…` cycles the areas' boards full screen, read-only, with
no sign-in: a display token (admin page, `python -m qr display-token create`) opens it, nothing else does. The
screen shows the plant's clock and when the board was last read; a database that cannot be reached keeps the
last board drawn under a banner."""
import streamlit as st

from app_pages import _shared as ui
from qr import store, tv_views, views
from qr.board import BoardFilter, board_counters, filter_board, sort_board
from qr.config import load_settings
from qr.i18n import t

SECONDS_DEFAULT, SECONDS_RANGE = 30, (3, 3600)
SHOWN = "tv_shown"          # the last board drawn, its area's place in the cycle and when it was read

lang = ui.language_from_url()
token = st.query_params.get("token", "")
st.html(ui.full_screen_css(side_rem=0.8, gap_rem=0.3))
shown = st.session_state.setdefault(SHOWN, {"index": -1, "html": "", "refreshed": ""})


def _seconds() -> int:
    """?seconds=N, within 3 s to an hour; anything else is the default."""
    try:
        seconds = int(st.query_params.get("seconds", SECONDS_DEFAULT))
    except ValueError:
        return SECONDS_DEFAULT
    return min(max(seconds, SECONDS_RANGE[0]), SECONDS_RANGE[1])


def _refused() -> None:
    """A wrong or revoked token: a short message and nothing of the board."""
    shown.update(index=-1, html="", refreshed="")
    st.html(tv_views.render_tv_message(t("tv.refused", lang), refused=True))
    st.stop()


try:
    if store.open_display(token) is None:
        _refused()
except store.UNREACHABLE:
    pass                     # the board fragment says so, over the last board if this screen drew one


def _areas(counter) -> list[dict]:
    """?areas=ASSY,WELD in that order (codes, any case); without it every area."""
    known = {a["code"].upper(): a for a in ui.reference_lists(counter)["areas"]}
    wanted = [code.strip().upper() for code in st.query_params.get("areas", "").split(",") if code.strip()]
    return [known[code] for code in dict.fromkeys(wanted) if code in known] if wanted else list(known.values())


def _draw_next() -> str | None:
    """The next area's board as HTML, read now; None when the token stopped working."""
    if store.open_display(token) is None:
        return None
    counter, on, now = store.change_counter(), store.today(), store.now()
    areas = _areas(counter)
    if not areas:
        return tv_views.render_tv_message(t("tv.no_areas", lang))
    index = (shown["index"] + 1) % len(areas)
    area = areas[index]
    tz = load_settings().tz
    board = sort_board(filter_board(ui.board_frame(counter, on, False), BoardFilter(area_id=area["id"])))
    quality = [q for q in ui.quality_status(counter, on) if q["area_id"] == area["id"]]
    refreshed = now.astimezone(tz).strftime("%H:%M:%S")
    html = tv_views.render_tv_title(area, lang, position=index + 1, total=len(areas), refreshed=refreshed)
    html += views.render_header(board_counters(board, now), quality, lang, projector=True)
    html += views.render_board(board, ui.step_columns(counter), lang, projector=True, now=now, tz=tz,
                               fill_height=True) \
        if not board.empty else f"<p>{t('board.empty', lang)}</p>"
    shown.update(index=index, refreshed=refreshed)
    return tv_views.without_links(html)


@st.fragment(run_every=_seconds())
def tv_board() -> None:
    """Every `seconds`: the next area's board; a lost database keeps the last one under a banner."""
    try:
        html = _draw_next()
    except store.UNREACHABLE:
        lost = t("tv.lost", lang, time=shown["refreshed"]) if shown["html"] else t("tv.unreachable", lang)
        st.warning(lost, icon=":material/cloud_off:")
    else:
        if html is None:
            st.rerun()          # revoked meanwhile: the whole page shows the refusal
        shown["html"] = html
    if shown["html"]:
        st.html(shown["html"])


@st.fragment(run_every=10)
def tv_clock() -> None:
    st.html(tv_views.render_tv_clock(store.now().astimezone(load_settings().tz).strftime("%H:%M")))


tv_clock()
tv_board()
