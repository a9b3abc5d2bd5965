"""TV mode and its display tokens through AppTest: a good token shows the areas' boards one after the other,
read-only, with nothing else of the app; a wrong or revoked one shows only a short message; a database lost
between two refreshes keeps the last board under a banner. The admin page makes and revokes the tokens and saves
the meeting's settings."""
from datetime import timedelta
import re

import pytest
import sqlalchemy.exc
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from tests.app.driving import page_html, submit
from tests.app.signing import app_as


@pytest.fixture
def tv_plant(plant, open_issue):
    """ASSY with an open issue, WELD with none, an administrator and a display token."""
    st.cache_data.clear()
    admin = store.create_admin(username="boss", name="王总", email="boss@plant.example", password="admin-secret-1")
    weld = store.create_area(code="WELD", name_zh="焊装车间", name_en="Body welding")
    issue = open_issue(store.today() - timedelta(days=3))
    token = store.create_display_token(actor_id=admin.person_id, name="总装线电视")
    return {**plant, "admin": admin.person_id, "weld": weld, "issue": issue, "token": token}


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _tv(token: str, lang: str = "en", **query) -> AppTest:
    return app_as(None, view="tv", token=token, lang=lang, **query)


def test_a_good_token_cycles_the_areas_boards_read_only(tv_plant):
    at = _ok(_tv(tv_plant["token"], areas="assy,WELD", seconds="30").run())
    html = page_html(at)
    assert 'data-tv-area="ASSY"' in html and 'data-tv-position="1"' in html
    assert f'data-issue="{tv_plant["issue"].number}"' in html and 'class="qr-board qr-projector"' in html
    assert "<a " not in html                                  # no link leads anywhere from a screen without sign-in
    assert re.search(r'data-tv-clock="\d\d:\d\d"', html) and re.search(r'data-tv-refreshed="\d\d:\d\d:\d\d"', html)
    assert not at.radio and not at.button and not at.text_input   # no language switch, no sign-in, no form
    html = page_html(_ok(at.run()))                               # the next refresh: the next area
    assert 'data-tv-area="WELD"' in html and f'data-issue="{tv_plant["issue"].number}"' not in html
    assert 'data-tv-area="ASSY"' in page_html(_ok(at.run()))      # and round again
    assert store.display_tokens()[0]["last_seen_at"] is not None


@pytest.mark.parametrize("lang, message", [("en", "This display token is not valid or was revoked."),
                                           ("zh", "此显示令牌无效或已被撤销。")])
def test_a_wrong_token_shows_only_a_short_message(tv_plant, lang, message):
    at = _ok(_tv(tv_plant["token"][:-2] + "xx", lang=lang, areas="ASSY").run())
    html = page_html(at)
    assert message in html and "qr-board" not in html and "data-issue" not in html
    assert not at.button and not at.text_input and not at.warning


def test_a_revoked_token_stops_the_screen_at_its_next_refresh(tv_plant):
    at = _ok(_tv(tv_plant["token"], areas="ASSY").run())
    assert "qr-board" in page_html(at)
    store.revoke_display_token(actor_id=tv_plant["admin"], name="总装线电视")
    html = page_html(_ok(at.run()))
    assert "This display token is not valid or was revoked." in html and "qr-board" not in html


def test_no_token_is_no_way_in_even_with_a_public_board(tv_plant, monkeypatch):
    monkeypatch.setenv("QR_PUBLIC_BOARD", "1")
    html = page_html(_ok(app_as(None, view="tv", areas="ASSY", lang="en").run()))
    assert "not valid" in html and "qr-board" not in html


def test_a_lost_database_keeps_the_last_board_under_a_banner(tv_plant, monkeypatch):
    at = _ok(_tv(tv_plant["token"], areas="ASSY,WELD").run())
    assert 'data-tv-area="ASSY"' in page_html(at)

    def unreachable(*args, **kwargs):
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    monkeypatch.setattr(store, "change_counter", unreachable)
    _ok(at.run())
    assert [w.value for w in at.warning][0].startswith("The database cannot be reached; this is the board as of ")
    assert 'data-tv-area="ASSY"' in page_html(at)                  # the last board, not an error
    monkeypatch.undo()
    assert 'data-tv-area="WELD"' in page_html(_ok(at.run()))       # back: the cycle goes on
    assert not at.warning


def test_a_screen_that_never_reached_the_database_says_so_without_an_error(tv_plant, monkeypatch):
    def unreachable(*args, **kwargs):
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    monkeypatch.setattr(store, "open_display", unreachable)
    at = _ok(_tv(tv_plant["token"], areas="ASSY").run())
    assert [w.value for w in at.warning] == ["The database cannot be reached. Retrying…"]
    assert "qr-board" not in page_html(at)


def _admin_page(plant) -> AppTest:
    at = app_as(plant["admin"], lang="en")
    _ok(at.run())
    at.switch_page("app_pages/admin.py")
    return _ok(at.run())


def test_the_admin_page_creates_a_token_shown_once_and_revokes_it(tv_plant):
    at = _admin_page(tv_plant)
    at.text_input(key="display_name").set_value("焊装线电视")
    at.multiselect(key="display_areas").set_value(["WELD", "ASSY"])
    submit(at, "new_display")
    assert [s.value for s in at.success] == ["Display token “焊装线电视” created. Copy the address below now, the token "
                                             "is not shown again:"]
    address = at.code[0].value
    assert "/?view=tv&areas=WELD,ASSY&seconds=30&token=" in address and "lang=en" in address
    token = re.search(r"token=([\w-]+)", address).group(1)
    assert store.open_display(token) == "焊装线电视"
    _ok(at.run())
    assert not at.code                                           # shown once
    at.selectbox(key="revoke_display_name").set_value("焊装线电视")
    submit(at, "revoke_display")
    assert [s.value for s in at.success] == ["Revoked: the screen stops at its next refresh."]
    assert store.open_display(token) is None
    fields = [(e["entity"], e["field"]) for e in store.admin_history()][:2]
    assert fields == [("display_token", "revoked"), ("display_token", "created")]


def test_the_admin_page_saves_the_meeting_settings_and_refuses_bad_ones(tv_plant):
    at = _admin_page(tv_plant)
    at.number_input(key="refresh_seconds").set_value(5)
    submit(at, "meeting_settings")
    assert [e.value for e in at.error] == ["The refresh interval is 10 to 3600 seconds."]
    at.number_input(key="refresh_seconds").set_value(90)
    at.number_input(key="issue_seconds").set_value(150)
    at.checkbox(key="public_board").check()
    submit(at, "meeting_settings")
    assert [s.value for s in at.success] == ["Saved, and recorded in the audit trail."]
    running = store.board_settings()
    assert (running.refresh_seconds, running.issue_seconds, running.public_board) == (90, 150, True)
    assert "Saved here: Issue timer (seconds), Board refresh interval (seconds), Public board" in \
        " ".join(c.value for c in at.caption)
    # the public board saved on: the board opens without signing in, refreshing every 90 s
    board = _ok(app_as(None, lang="en").run())
    assert "refreshes every 90 s" in " ".join(c.value for c in board.caption)
