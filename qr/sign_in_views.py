"""The local sign-in and sign-out forms: plain HTML forms posted to the app's own routes (qr.web), which set and
clear the HttpOnly session cookie that a Streamlit script cannot."""
from qr.i18n import t
from qr.views import _e


SIGN_IN_CSS = """<style>
form.qr-sign-in { display: flex; flex-direction: column; gap: 0.6rem; max-width: 26rem; }
form.qr-sign-in label { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.95rem; }
form.qr-sign-in label.qr-keep { flex-direction: row; align-items: center; gap: 0.5rem; }
form.qr-sign-in input[type=text], form.qr-sign-in input[type=password] { font-size: 1rem; padding: 0.45rem 0.6rem;
  border: 1px solid #b0b4ba; border-radius: 0.4rem; }
form.qr-sign-in button { align-self: flex-start; font-size: 1rem; padding: 0.45rem 1.4rem; border-radius: 0.4rem;
  border: none; background: #ff4b4b; color: #fff; cursor: pointer; }
.qr-refused { padding: 0.6rem 0.8rem; border-radius: 0.4rem; background: #fdecea; color: #8a1c1c; }
form.qr-sign-out button { font-size: 0.9rem; padding: 0.3rem 0.9rem; border-radius: 0.4rem; border: 1px solid #b0b4ba;
  background: #fff; cursor: pointer; }
</style>"""


def sign_in_form(lang: str, *, action: str, next_url: str, refused: bool) -> str:
    """The local sign-in as a plain HTML form posted to the app's own route, which sets the HttpOnly session
    cookie (a Streamlit script cannot); `next_url` brings the person back to the page and query they asked for."""
    refusal = f'<p class="qr-refused" role="alert">{_e(t("err.sign_in_failed", lang))}</p>' if refused else ""
    return (f'{SIGN_IN_CSS}<form class="qr-sign-in" method="post" action="{_e(action)}">{refusal}'
            f'<input type="hidden" name="next" value="{_e(next_url)}">'
            f'<label>{_e(t("login.username", lang))}<input type="text" name="username" autocomplete="username" '
            f'maxlength="60" required autofocus></label>'
            f'<label>{_e(t("login.password", lang))}<input type="password" name="password" '
            f'autocomplete="current-password" maxlength="200" required></label>'
            f'<label class="qr-keep"><input type="checkbox" name="keep"> {_e(t("login.keep", lang))}</label>'
            f'<button type="submit">{_e(t("login.submit", lang))}</button></form>')


def sign_out_form(lang: str, *, action: str, next_url: str) -> str:
    """Sign-out posts to the app's own route: the session ends on the server and the cookie is cleared."""
    return (f'{SIGN_IN_CSS}<form class="qr-sign-out" method="post" action="{_e(action)}">'
            f'<input type="hidden" name="next" value="{_e(next_url)}">'
            f'<button type="submit">{_e(t("login.sign_out", lang))}</button></form>')
