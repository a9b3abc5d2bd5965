"""The sign-in form as a page draws it (posted to the app's own route, coming back to the page asked for), its
refusal in words, the sidebar's sign-out, and the account page's password change, which signs out everywhere."""
from html import unescape
import re

from streamlit.testing.v1 import AppTest

from qr import store
from qr.i18n import literal
from tests.app.signing import app_as
from tests.conftest import PASSWORD
from tests.app.driving import page_html


def _page(path: str, person_id: int | None = None, **query: str) -> AppTest:
    at = app_as(person_id, **query)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_form_posts_to_the_sign_in_route_and_comes_back_to_the_page_asked_for(plant):
    at = _page("app_pages/update.py", lang="en", no="QR-2026-0012", d="D3")
    assert '<form class="qr-sign-in" method="post" action="/auth/sign-in">' in page_html(at)
    following = re.search(r'name="next" value="([^"]+)"', page_html(at))
    assert unescape(following.group(1)) == "/update?lang=en&no=QR-2026-0012&d=D3"
    assert 'name="keep"' in page_html(at) and "Keep me signed in on this device (30 days)" in page_html(at)


def test_a_refused_sign_in_is_told_in_words_and_not_carried_on(plant):
    at = _page("app_pages/update.py", lang="en", signin="refused")
    assert "Wrong username or password, or too many tries: wait a moment and try again." in page_html(at)
    following = re.search(r'name="next" value="([^"]+)"', page_html(at))
    assert unescape(following.group(1)) == "/update?lang=en"          # the mark of the refusal is not kept


def test_signed_in_the_sidebar_names_the_person_and_offers_sign_out(plant):
    at = _page("app_pages/login.py", plant["owner"].id)
    assert "已登录：张伟（责任人）" in [c.value for c in at.sidebar.caption]
    assert '<form class="qr-sign-out" method="post" action="/auth/sign-out">' in page_html(at)


def test_a_session_ended_elsewhere_asks_again_at_the_next_run(plant):
    at = _page("app_pages/update.py", plant["owner"].id)
    assert at.sidebar.caption and 'class="qr-sign-in"' not in page_html(at)
    store.end_session(token=at.session_state["session_token"])   # signed out in another tab
    at.run()
    assert not at.sidebar.caption and 'class="qr-sign-in"' in page_html(at)


def test_change_my_password_signs_out_everywhere(plant):
    at = _page("app_pages/login.py", plant["owner"].id, lang="en")
    at.text_input(key="current_password").input(PASSWORD)
    at.text_input(key="new_password").input("a-new-secret-9")
    at.text_input(key="repeat_password").input("a-new-secret-8")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:change_password-")).click().run()
    assert [e.value for e in at.error] == ["The two new passwords differ."]
    at.text_input(key="current_password").input(PASSWORD)
    at.text_input(key="new_password").input("a-new-secret-9")
    at.text_input(key="repeat_password").input("a-new-secret-9")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:change_password-")).click().run()
    assert [s.value for s in at.success] == ["Password changed. You are signed out on every device: sign in with "
                                             "the new one."]
    assert 'class="qr-sign-in"' in page_html(at)
    assert store.authenticate(username="zhangwei", password="a-new-secret-9").person_id == plant["owner"].id


def test_the_account_page_sets_the_language_and_channels_of_ones_notices(plant):
    at = _page("app_pages/login.py", plant["owner"].id, lang="en")
    assert literal("zhang.wei@plant.example") in "".join(c.value for c in at.caption)      # escaped: read literally
    at.radio(key="notice_language").set_value("en")
    at.checkbox(key="notify_wecom").check()
    at.text_input(key="wecom_id").input("zhangwei")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:my_notifications-")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert store.my_notifications(plant["owner"].id) == {
        "language": "en", "email": "zhang.wei@plant.example", "notify_email": True, "wecom_id": "zhangwei",
        "notify_wecom": True}


def test_the_language_survives_a_move_through_the_sidebars_links(plant):
    at = _page("app_pages/update.py", plant["owner"].id)
    at.toggle(key="lang_switch").set_value(True).run()
    at.query_params.clear()                                   # a sidebar link carries no query
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Trends" in m.value for m in at.markdown) and at.query_params.get("lang") == "en"
