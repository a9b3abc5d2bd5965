"""What every page shares: first-start preparation, the language switch and the cached store reads."""
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
import gzip
import json
import time
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from qr import (compliance, demo, excel, printed_board, rules, sign_in_views, startup, store, trend_reading, trends,
                views, web)
from qr.board import BoardFilter, board_counters, filter_board, sort_board
from qr.config import load_settings
from qr.i18n import DEFAULT_LANGUAGE, LANGUAGES, error_message, literal, t


@st.cache_resource(show_spinner=False)
def _prepared(database_url: str, with_demo: bool) -> bool:
    startup.prepare_database(with_demo=with_demo)
    return True


def prepare(lang: str) -> None:
    """Schema and (unless QR_DEMO=0) demo data, once per process and database; a schema that is behind
    stops every page with the command that mends it (not cached: the next run checks again)."""
    settings = load_settings()
    try:
        _prepared(settings.database_url, settings.demo)
    except startup.SchemaBehind as refusal:
        st.error(t("app.schema_behind", lang, reason=str(refusal)))
        st.stop()


# a browser without DecompressionStream (Chrome < 80, Firefox < 113, Safari < 16.4) is told so in the page's language
# (?lang=en, as every page keeps it) instead of showing no board and no word
_OLD_BROWSER = json.dumps({lang: t("board.old_browser", lang) for lang in LANGUAGES}, ensure_ascii=False)
_BOARD_TABLE = st.components.v2.component(
    "qr_board_table", html='<div class="qr-board-root"></div>', isolate_styles=False,
    js="""export default function ({ data, parentElement }) {
  const root = parentElement.querySelector(".qr-board-root");
  if (!root) return;
  if (typeof DecompressionStream === "undefined") {
    const told = OLD_BROWSER;
    root.textContent = told[new URLSearchParams(window.location.search).get("lang") === "en" ? "en" : "zh"];
    root.setAttribute("role", "alert");
    return;
  }
  const ticket = (root.qrTicket = (root.qrTicket || 0) + 1);   // a later board wins over a slower earlier one
  const inflated = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(inflated).text().then((html) => {
    if (ticket === root.qrTicket && root.qrShown !== html) { root.innerHTML = html; root.qrShown = html; }
  });
}""".replace("OLD_BROWSER", _OLD_BROWSER))


def show_board(payload: bytes, *, key: str) -> None:
    """The board's table (board_payload) put in the page as it is: st.html would run its sanitizer over every cell in
    the browser (half a second at 650 rows, sometimes twice; bench/board_browser.py). It is the app's own markup,
    every text in it escaped by qr.views (tests/e2e/test_xss_browser.py types markup into every name); innerHTML
    runs no script, and an unchanged board is not put in again at a refresh."""
    _BOARD_TABLE(data=payload, key=key)


def board_payload(board_html: str) -> bytes:
    """The board's HTML as the component receives it, gzipped (board_view keeps it, so once per render for every
    screen showing it). The browser reads a 130 KB message instead of 2 MB while the page's own scripts load
    (bench/board_browser.py), and the websocket no longer deflates 2 MB for each screen. Bytes are sent as they
    are: no JSON escaping."""
    return gzip.compress(board_html.encode(), compresslevel=6, mtime=0)


# the browser tab's icon, served by the app itself: a page's Material icon would be fetched from fonts.gstatic.com,
# which a plant's offline network never reaches
FAVICON = str(Path(__file__).parent / "assets" / "favicon.png")

# what a table shows for a number that is not there (a rate with nothing to divide: no step due, nobody invited);
# Streamlit's own grey "None" in a rate column reads like zero
NO_NUMBER = "—"


def full_screen_css(*, side_rem: float, gap_rem: float) -> str:
    """The projector and the presenter show only the page: no sidebar, header, toolbar or wide margins."""
    return f"""<style>
[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], [data-testid='stHeader'],
[data-testid='stToolbar'], [data-testid='stDecoration'] {{ display: none !important; }}
.block-container, [data-testid='stMainBlockContainer'] {{ padding: 0.4rem {side_rem}rem 0 {side_rem}rem !important;
  max-width: 100% !important; }}
[data-testid='stVerticalBlock'] {{ gap: {gap_rem}rem !important; }}
</style>"""


def large_screen_css(key: str) -> str:
    """On a 4K screen the board scales itself up; the widgets in the container `key` are drawn twice as large."""
    return f"""<style>
@media (min-width: 2400px) and (min-height: 1300px) {{ .st-key-{key} {{ zoom: 2; }} }}
</style>"""


def projector_mode() -> bool:
    return st.query_params.get("view") == "projector"


def tv_mode() -> bool:
    """?view=tv: a screen by the line cycling areas' boards through a display token (app_pages/tv.py)."""
    return st.query_params.get("view") == "tv"


LANGUAGE_CHOSEN = "language_chosen"


def language_from_url() -> str:
    """?lang=en, else the language this tab chose last (the sidebar's page links carry no query)."""
    chosen = st.query_params.get("lang") or st.session_state.get(LANGUAGE_CHOSEN, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _remember_language() -> None:
    chosen = "en" if st.session_state["lang_switch"] else DEFAULT_LANGUAGE
    st.query_params["lang"] = st.session_state[LANGUAGE_CHOSEN] = chosen


def language() -> str:
    """The sidebar's English switch. The URL (?lang=en) carries the choice, so links, reloads and the projector
    keep it; the tab remembers it too and puts it back into the URL after a move through the sidebar's links.
    A toggle, not a radio: the board page draws toggles anyway, and a radio's script file alone held the board's
    first drawing back by about 50 ms (bench/board_browser.py)."""
    current = language_from_url()
    if current != DEFAULT_LANGUAGE and st.query_params.get("lang") != current:
        st.query_params["lang"] = current
    st.sidebar.toggle(t("lang.en", current), value=current == "en", key="lang_switch", on_change=_remember_language)
    return language_from_url()


@st.cache_resource(show_spinner=False, max_entries=16)
def board_frame(change_counter: tuple[int, int], on: date, include_recently_closed: bool,
                with_list: bool = False) -> pd.DataFrame:
    """Cached per change counter: any write anywhere (any instance) makes the next read fresh. One frame shared,
    not copied: st.cache_data pickled it at every new read and unpickled it at every page run that used it (a
    sixth of a cold board render at 500 issues). Nobody changes it: filtering, sorting and to_dict make their own."""
    return store.board_frame(on=on, include_recently_closed=include_recently_closed, with_list=with_list)


@st.cache_data(show_spinner=False, max_entries=32)
def board_view(change_counter: tuple[int, int], on: date, minute: datetime, include_recently_closed: bool,
               chosen: BoardFilter, quality_areas: tuple[int, ...], lang: str,
               projector: bool) -> tuple[str, bytes | None]:
    """The board's header as HTML and its table as the page is sent it (board_payload), drawn once per change,
    minute and view: every screen that shows the same view (the projector, the TVs, the owners' desks) is sent the
    same render instead of drawing its own."""
    shown = sort_board(filter_board(board_frame(change_counter, on, include_recently_closed), chosen))
    quality = [day for day in quality_status(change_counter, on) if day["area_id"] in quality_areas]
    header = views.render_header(board_counters(shown, minute), quality, lang, projector=projector)
    if shown.empty:
        return header, None
    return header, board_payload(views.render_board(shown, step_columns(change_counter), lang, projector=projector,
                                                    now=minute, tz=load_settings().tz))


@st.cache_data(show_spinner=False, max_entries=16)
def meeting_on(change_counter: tuple[int, int], area_id: int, on: date) -> dict | None:
    return store.meeting_on(area_id, on)


@st.cache_data(show_spinner=False, max_entries=16)
def reporting_order(change_counter: tuple[int, int], area_id: int, on: date) -> pd.DataFrame:
    return store.reporting_order(area_id, on=on)


@st.cache_data(show_spinner=False, max_entries=16)
def meeting_changes(change_counter: tuple[int, int], meeting_id: int) -> dict[int, list[dict]]:
    """Up to the last write: a change made after it would have moved the counter."""
    return store.meeting_changes(meeting_id)


@st.cache_data(show_spinner=False, max_entries=16)
def quality_status(change_counter: tuple[int, int], on: date) -> list[dict]:
    return store.quality_status(on=on)


@st.cache_data(show_spinner=False, max_entries=4)
def reference_lists(change_counter: tuple[int, int]) -> dict[str, list[dict]]:
    return {name: [row.model_dump() for row in rows] for name, rows in store.reference_lists().items()}


@st.cache_data(show_spinner=False, max_entries=4)
def step_columns(change_counter: tuple[int, int]) -> list[dict]:
    return store.step_columns()


@st.cache_data(show_spinner=False, max_entries=256)
def attachments(change_counter: tuple[int, int], issue_id: int) -> list[dict]:
    return store.attachments(issue_id)


@st.cache_data(show_spinner=False, max_entries=256)
def similar_issues(change_counter: tuple[int, int], issue_id: int) -> list[dict]:
    """Past issues an issue may repeat: read once per change, not on every rerun of the owner's page."""
    return store.similar_issues(issue_id)


@st.cache_data(show_spinner=False, max_entries=256)
def read_across(change_counter: tuple[int, int], issue_id: int) -> tuple[list[dict], list[dict]]:
    """An issue's read-across targets and the targets proposed for it."""
    return store.read_across_targets(issue_id), store.read_across_proposals(issue_id)


@st.cache_data(show_spinner=False, max_entries=4)
def follow_ups(change_counter: tuple[int, int], on: date) -> list[dict]:
    return store.follow_ups(on=on)


@st.cache_data(show_spinner=False, max_entries=4)
def issue_numbers(change_counter: tuple[int, int]) -> list[tuple[str, str]]:
    return store.issue_numbers()


@st.cache_data(show_spinner=False, max_entries=16)
def trends_kpis(change_counter: tuple[int, int], period: trends.Period,
                chosen: trends.TrendsFilter) -> trends.Trends:
    """Every KPI for a period and filter; a write a KPI reads (store.trends_counter: not a countermeasure, an 8D or
    a file) makes the next read fresh. An unanswered response clock passing its limit is no write: it shows late
    after the next one (the board counts it at once)."""
    return trend_reading.kpis(period, chosen, read_frames=partial(_trends_frames, change_counter),
                              read_sums=partial(_trend_sums, change_counter))


@st.cache_data(show_spinner=False, max_entries=8)
def plant_comparison(change_counter: tuple[int, int], period: trends.Period, chosen: trends.TrendsFilter,
                     plants: tuple[tuple[int, str, str, str], ...]) -> pd.DataFrame:
    """The main KPIs per plant (qr.trends.compare_plants); `plants` as (id, code, name_zh, name_en)."""
    return trend_reading.plant_comparison(period, chosen, [dict(zip(("id", "code", "name_zh", "name_en"), p))
                                                           for p in plants],
                                          read_frames=partial(_trends_frames, change_counter),
                                          read_sums=partial(_trend_sums, change_counter))


@st.cache_data(show_spinner=False, max_entries=4)
def _trends_frames(change_counter: tuple[int, int], period: trends.Period,
                   rule: rules.ColourRule) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The store's three trends frames, read once per change and period whatever the filters."""
    return trend_reading.frames(period, rule)


@st.cache_data(show_spinner=False, max_entries=16)
def _trend_sums(change_counter: tuple[int, int], period: trends.Period, chosen: trends.TrendsFilter,
                rule: rules.ColourRule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The database's sums for a filter (the plant and area are chosen afterwards: one read serves them all)."""
    return trend_reading.sums(period, replace(chosen, plant_id=None, area_id=None), rule)


@st.cache_data(show_spinner=False, max_entries=8)
def update_compliance(change_counter: tuple[int, int], start: date, end: date, area_id: int | None,
                      as_of: str) -> pd.DataFrame:
    """Owners' updates between meetings (qr.compliance); `as_of` (the minute) counts this moment as today's meeting
    when none has started."""
    frames = store.update_compliance_frames(start=start, end=end, area_id=area_id, include_now=bool(as_of))
    return compliance.update_compliance(*frames)


def _choose_plant(key: str, codes: dict[int, str], dependents: tuple[str, ...]) -> None:
    """The plant goes into the URL (?plant=CODE); the area pickers it narrows start again from every area."""
    chosen = st.session_state[key]
    if chosen is None:
        st.query_params.pop("plant", None)
    else:
        st.query_params["plant"] = codes[chosen]
    for dependent in dependents:
        st.session_state.pop(dependent, None)


def plant_from_url(refs: dict[str, list[dict]]) -> int | None:
    """The plant ?plant=CODE names, or None (every plant; also when there is one plant only)."""
    wanted = st.query_params.get("plant")
    return next((p["id"] for p in refs["plants"] if p["code"] == wanted), None) if len(refs["plants"]) > 1 else None


def plant_areas(refs: dict[str, list[dict]], plant_id: int | None) -> list[dict]:
    return [a for a in refs["areas"] if plant_id is None or a["plant_id"] == plant_id]


def plant_filter(column, refs: dict[str, list[dict]], lang: str, *, key: str,
                 dependents: tuple[str, ...] = ()) -> tuple[int | None, list[dict]]:
    """The plant picker (?plant=CODE; every plant when none) and the areas it leaves to choose from. With one plant
    there is nothing to pick: no picker, every area (most sites have one plant)."""
    plants = {p["id"]: p for p in refs["plants"]}
    if len(plants) < 2:
        return None, refs["areas"]
    options = [None, *plants]
    chosen = column.selectbox(
        t("field.plant", lang), options, index=options.index(plant_from_url(refs)), key=key,
        on_change=_choose_plant, args=(key, {i: p["code"] for i, p in plants.items()}, dependents),
        format_func=plant_name(plants, lang))
    return chosen, plant_areas(refs, chosen)


def plant_name(plants: dict[int, dict], lang: str):
    """How a plant picker names a plant id (None: every plant)."""
    return lambda i: t("board.filter.all", lang) if i is None \
        else (plants[i]["name_en"] or plants[i]["name_zh"]) if lang == "en" else plants[i]["name_zh"]


TAB_SESSION = "session_token"
PAGE_PATH = "page_path"


def remember_page(url_path: str) -> None:
    """The page being drawn, so a sign-in or sign-out brings the person back to it."""
    st.session_state[PAGE_PATH] = url_path


def current_url() -> str:
    """This page's path and query (less a refused sign-in's mark): where signing in should land."""
    query = {name: value for name, value in st.query_params.to_dict().items() if name != web.REFUSED}
    path = "/" + st.session_state.get(PAGE_PATH, "")
    return f"{path}?{urlencode(query)}" if query else path


def sso_configured() -> bool:
    """Single sign-on is on when the site's secrets.toml has an [auth] section (Streamlit's st.login)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _session_token() -> str | None:
    """The browser's session cookie, which every tab, reload, link and app instance shares. AppTest cannot send
    cookies, so its tests put the same kind of server-side session's token in the tab's state."""
    cookie = st.context.cookies.get(web.SESSION_COOKIE)
    return cookie if isinstance(cookie, str) and cookie else st.session_state.get(TAB_SESSION)


def _keep_alive(token: str) -> None:
    """Slide the session on while it is used, writing at most once a minute per tab."""
    touched = st.session_state.get("session_touched", 0.0)
    if time.monotonic() - touched > 60:
        store.touch_session(token=token)
        st.session_state["session_touched"] = time.monotonic()


def current_user() -> store.SignedIn | None:
    """The signed-in person, read again on every run so a changed role, a closed account or a sign-out in another
    tab counts at once: by the identity provider's e-mail (single sign-on), else by the server-side session."""
    if sso_configured() and st.user.is_logged_in:
        return store.signed_in_by_email(st.user.get("email"))
    token = _session_token()
    user = store.session_person(token) if token else None
    if user is not None:
        _keep_alive(token)
    return user


def sign_in_form(lang: str) -> None:
    """Username and password posted to the app's own route (which sets the session cookie), and the single
    sign-on button when configured; demo mode names its accounts."""
    if load_settings().demo:
        st.info(t("login.demo", lang, password=demo.DEMO_PASSWORD))
    st.html(sign_in_views.sign_in_form(lang, action=web.SIGN_IN_PATH, next_url=current_url(),
                               refused=st.query_params.get(web.REFUSED) == "refused"))
    if sso_configured():
        st.button(t("login.sso", lang), on_click=st.login, key="sso_login", icon=":material/key:")


def require_user(lang: str) -> store.SignedIn:
    """The signed-in person, or the sign-in form in place of the page."""
    user = current_user()
    if user is not None:
        return user
    if sso_configured() and st.user.is_logged_in:
        st.warning(t("login.sso_unknown", lang, email=st.user.get("email") or "—"))
        if st.button(t("login.sign_out", lang), key="sso_unknown_logout"):
            st.logout()
        st.stop()
    st.info(t("login.needed", lang))
    sign_in_form(lang)
    st.stop()


def user_sidebar(lang: str) -> None:
    """Who is signed in and the way out, on every page's sidebar: a local session ends on the server (every tab
    then asks again); single sign-on also ends the provider's session."""
    user = current_user()
    if user is None:
        return
    name = user.name_en if lang == "en" else user.name
    st.sidebar.caption(t("login.signed_in_as", lang, name=literal(name), role=t(f"role.{user.role}", lang)))
    if sso_configured() and st.user.is_logged_in:
        if st.sidebar.button(t("login.sign_out", lang), key="sign_out", icon=":material/logout:"):
            st.logout()                         # sends the browser to the provider's end of session
        return
    with st.sidebar:
        st.html(sign_in_views.sign_out_form(lang, action=web.SIGN_OUT_PATH, next_url=current_url()))


def loaded_version(issue_id: int, current: int) -> int:
    """The version this user loaded the issue at; kept across reruns so another person's save makes it stale."""
    versions = st.session_state.setdefault("loaded_versions", {})
    return versions.setdefault(issue_id, current)


def reload_issue(issue_id: int, current: int) -> None:
    st.session_state.setdefault("loaded_versions", {})[issue_id] = current


def run_command(command, arguments: dict, lang: str, *, issue_id: int | None, success) -> None:
    """Call a store command; a refusal becomes a translated message (the form keeps its input), a success
    moves the user's loaded version on by one (every applied command does) and reruns to show it.
    `success` is the message, or a function of the command's result that makes it."""
    try:
        result = command(**arguments)
    except store.QRError as refusal:
        st.error(error_message(refusal.key, refusal.values, lang, markdown=True))
        if isinstance(refusal, store.StaleVersion):
            st.session_state.setdefault("stale_issues", set()).add(issue_id)
        return
    if "expected_version" in arguments:
        reload_issue(issue_id, arguments["expected_version"] + 1)
    st.session_state["last_saved_issue"] = issue_id
    st.session_state["flash"] = success(result) if callable(success) else success
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop("flash", "")
    if message:
        st.success(message)


def attachment_label(attachment: dict, issue: dict, lang: str) -> str:
    """'Evidence · Containment · photo.jpg' — what it is, for which step, and its name."""
    step = next((s for s in issue["steps"].values() if s["id"] == attachment["step_id"]), None)
    parts = [t(f"update.kind.{attachment['kind']}", lang)]
    if step:
        parts.append(step["name_en"] if lang == "en" else step["name_zh"])
    return " · ".join([*parts, attachment["file_name"]])


def download_buttons(issue: dict, lang: str, counter: tuple[int, int]) -> None:
    """One button per attachment; the bytes are read from the database only when clicked."""
    for attachment in attachments(counter, issue["id"]):
        st.download_button(literal(attachment_label(attachment, issue, lang)),
                           data=lambda ident=attachment["id"]: store.attachment_content(ident)[2],
                           file_name=attachment["file_name"], key=f"download_{attachment['id']}",
                           icon=":material/download:", on_click="ignore")


def board_print(lang: str, include_recently_closed: bool, chosen) -> bytes:
    """The board as filtered on screen, as the A3 landscape PDF with a QR code per row; built only when clicked."""
    on, change, settings = store.today(), store.change_counter(), load_settings()
    frame = sort_board(filter_board(board_frame(change, on, include_recently_closed), chosen))
    area = next((a for a in store.reference_lists()["areas"] if a.id == chosen.area_id), None)
    return printed_board.board_pdf(frame, step_columns(change), lang, on=on, area=area,
                                   public_url=settings.public_url, printed_at=store.now().astimezone(settings.tz))


def board_workbook(lang: str, include_recently_closed: bool, chosen, *, everything: bool = False) -> bytes:
    """The board as filtered on screen, as an .xlsx; `everything`: every issue, closed, cancelled and tracking-list
    ones too (a file that imports back unchanged). Built only when the download is clicked."""
    on, change = store.today(), store.change_counter()
    frame = store.board_frame(on=on, include_closed=True, with_list=True) if everything else \
        board_frame(change, on, include_recently_closed)
    frame = sort_board(filter_board(frame, chosen))
    area = next((a for a in store.reference_lists()["areas"] if a.id == chosen.area_id), None)
    return excel.export_board(frame, step_columns(change), lang, on=on, area=area)
