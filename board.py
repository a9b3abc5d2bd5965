"""QR Board's entry, started by `streamlit run board.py`. Streamlit's server imports it and finds `app`: Streamlit
plus the app's own sign-in routes (they set the HttpOnly session cookie, which a script cannot); each browser
session then runs it as the script, which draws the navigation and the page."""
import streamlit as st


def draw() -> None:
    """Page setup, language, navigation, then first-start preparation."""
    from app_pages import _shared as ui
    from qr import metrics
    from qr.i18n import t

    projector = ui.projector_mode()
    st.set_page_config(page_title=t("app.title", ui.language_from_url()), layout="wide", page_icon=ui.FAVICON,
                       initial_sidebar_state="collapsed" if projector or ui.tv_mode() else "auto")
    if ui.tv_mode():
        draw_tv()
        return
    lang = ui.language()
    # Navigation first: the sidebar shows our pages at once, even while a first start prepares the database.
    # The folder is app_pages/, not pages/: a pages/ folder beside this file turns on Streamlit's legacy
    # auto-discovery until the first st.navigation call, so a new server's first request would list raw file names.
    navigation = st.navigation([
        st.Page("app_pages/tracking_board.py", title=t("page.board", lang), icon=":material/table_view:", default=True),
        st.Page("app_pages/update.py", title=t("page.update", lang), icon=":material/edit_note:", url_path="update"),
        st.Page("app_pages/meeting.py", title=t("page.meeting", lang), icon=":material/groups:", url_path="meeting"),
        st.Page("app_pages/excel.py", title=t("page.excel", lang), icon=":material/upload_file:", url_path="excel"),
        st.Page("app_pages/follow_up.py", title=t("page.follow_up", lang), icon=":material/phone_callback:",
                url_path="follow_up"),
        st.Page("app_pages/trends.py", title=t("page.trends", lang), icon=":material/monitoring:", url_path="trends"),
        st.Page("app_pages/issue.py", title=t("page.issue", lang), icon=":material/search:", url_path="issue"),
        st.Page("app_pages/lessons.py", title=t("page.lessons", lang), icon=":material/school:", url_path="lessons"),
        st.Page("app_pages/admin.py", title=t("page.admin", lang), icon=":material/settings:", url_path="admin"),
        st.Page("app_pages/login.py", title=t("page.login", lang), icon=":material/login:", url_path="login"),
    ])
    ui.remember_page(navigation.url_path)
    with st.spinner(t("app.preparing", lang)):
        ui.prepare(lang)
    ui.user_sidebar(lang)
    with metrics.rendering(navigation.url_path or "board"):
        navigation.run()


def draw_tv() -> None:
    """A display token's screen: the TV page alone, no navigation, no sidebar, no sign-in; the token decides."""
    from app_pages import _shared as ui
    from qr import metrics
    from qr.i18n import t

    lang = ui.language_from_url()
    navigation = st.navigation([st.Page("app_pages/tv.py", title=t("page.board", lang), default=True)],
                               position="hidden")
    ui.remember_page(navigation.url_path)
    ui.prepare(lang)
    with metrics.rendering("tv"):
        navigation.run()


if __name__ == "__main__":
    draw()
else:
    from qr import logs, web

    logs.configure()
    app = st.App(__file__, routes=web.ROUTES)
