"""The sign-in and sign-out routes, driven over HTTP: the session cookie is HttpOnly, SameSite=Lax, Secure over
HTTPS and never in a URL; a refusal sets nothing; the way back stays on this site; another site's form is refused."""
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qr import store, web
from tests.conftest import PASSWORD


def _client(base_url: str = "http://testserver") -> TestClient:
    return TestClient(Starlette(routes=web.ROUTES), base_url=base_url, follow_redirects=False)


def _sign_in(client: TestClient, password: str = PASSWORD, **fields):
    return client.post(web.SIGN_IN_PATH, data={"username": "zhangwei", "password": password, **fields})


def test_signing_in_sets_an_http_only_cookie_and_goes_back_to_the_page(plant):
    response = _sign_in(_client(), next="/issue?no=QR-2026-0012&d=D3")
    assert (response.status_code, response.headers["location"]) == (303, "/issue?no=QR-2026-0012&d=D3")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{web.SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie                  # a plain sign-in: this browser session
    token = response.cookies[web.SESSION_COOKIE]
    assert token not in response.headers["location"]
    assert store.session_person(token).person_id == plant["owner"].id


def test_keep_me_signed_in_makes_a_thirty_day_cookie_and_https_a_secure_one(plant):
    response = _sign_in(_client("https://board.plant.example"), keep="on", next="/")
    cookie = response.headers["set-cookie"]
    assert "Max-Age=2592000" in cookie and "Secure" in cookie


def test_a_refusal_sets_no_cookie_and_says_so_on_the_page(plant):
    response = _sign_in(_client(), password="wrong-one", next="/update?lang=en")
    assert (response.status_code, response.headers["location"]) == (303, "/update?lang=en&signin=refused")
    assert "set-cookie" not in response.headers


def test_the_way_back_never_leaves_the_site(plant):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        assert _sign_in(_client(), next=target).headers["location"] == "/"


def test_a_form_posted_from_another_site_is_refused(plant):
    response = _client().post(web.SIGN_IN_PATH, data={"username": "zhangwei", "password": PASSWORD},
                              headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_signing_out_ends_the_session_and_clears_the_cookie(plant):
    client = _client()
    token = _sign_in(client).cookies[web.SESSION_COOKIE]
    client.cookies.set(web.SESSION_COOKIE, token)
    response = client.post(web.SIGN_OUT_PATH, data={"next": "/update"})
    assert (response.status_code, response.headers["location"]) == (303, "/update")
    assert f'{web.SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert store.session_person(token) is None
