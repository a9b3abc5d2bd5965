"""Signing in through the form (the password checked, the refusal in words), the account page's password
change, and signing out."""
from streamlit.testing.v1 import AppTest

from qr import store
from tests.app.signing import app_as
from tests.conftest import PASSWORD


def _login_page(person_id: int | None = None, lang: str = "zh") -> AppTest:
    at = app_as(person_id, lang=lang)
    at.run()
    at.switch_page("app_pages/login.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:sign_in-")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_sign_in_with_the_form_then_sign_out(plant):
    at = _sign_in(_login_page(), "zhangwei", "not-the-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    _sign_in(at, "zhangwei", PASSWORD)
    assert "已登录：张伟（责任人）" in [m.value for m in at.markdown]
    assert "已登录：张伟（责任人）" in [c.value for c in at.sidebar.caption]
    at.sidebar.button(key="sign_out").click().run()
    assert at.text_input(key="login_password") is not None and not at.sidebar.caption


def test_a_locked_account_is_told_how_long_to_wait(plant):
    at = _login_page(lang="en")
    for attempt in range(5):
        _sign_in(at, "zhangwei", f"guess-{attempt}")
    assert [e.value for e in at.error] == ["Too many wrong passwords: the account is locked. Try again in 15 min or "
                                           "ask an administrator."]
    _sign_in(at, "zhangwei", PASSWORD)
    assert at.error and at.error[0].value.startswith("Too many wrong passwords")


def test_change_my_password(plant):
    at = _login_page(plant["owner"].id, lang="en")
    at.text_input(key="current_password").input(PASSWORD)
    at.text_input(key="new_password").input("a-new-secret-9")
    at.text_input(key="repeat_password").input("a-new-secret-8")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:change_password-")).click().run()
    assert [e.value for e in at.error] == ["The two new passwords differ."]
    at.text_input(key="current_password").input(PASSWORD)
    at.text_input(key="new_password").input("a-new-secret-9")
    at.text_input(key="repeat_password").input("a-new-secret-9")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:change_password-")).click().run()
    assert [s.value for s in at.success] == ["Password changed."]
    assert store.authenticate(username="zhangwei", password="a-new-secret-9").person_id == plant["owner"].id
