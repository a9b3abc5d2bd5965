"""Single sign-on end to end: st.login against a local OpenID Connect provider (oidc-provider-mock), in a real
Chromium; the provider's e-mail names the person, who lands on the board signed in with their role."""
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.databases import drop_database, new_database
from tests.e2e.conftest import ARTIFACTS, free_port, open_page, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def provider(tmp_path):
    """The mock provider on a free port (it accepts any client id and secret and any user typed in)."""
    port = free_port()
    log = open(tmp_path / "oidc.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "-p", str(port)], stdout=log,
                               stderr=subprocess.STDOUT)
    metadata = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(metadata, timeout=2)
            break
        except OSError:
            assert time.monotonic() < deadline, (tmp_path / "oidc.log").read_text()
            time.sleep(0.3)
    yield metadata
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture
def sso_server(tmp_path, provider):
    """The board with an [auth] section in its own secrets file; reached as localhost, the redirect URI's host."""
    port = free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'''[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "test-cookie-secret-{port}-0123456789abcdef"
client_id = "qr-board"
client_secret = "qr-board-secret"
server_metadata_url = "{provider}"
''')
    database_url = new_database(tmp_path)
    try:
        with running_server(database_url, tmp_path / "streamlit.log", port=port,
                            options=("--secrets.files", str(secrets))) as running:
            yield {**running, "url": f"http://localhost:{port}"}
    finally:
        drop_database(database_url)


def test_single_sign_on_lands_on_the_board_as_the_mapped_person(sso_server, browser):
    page = open_page(browser, f"{sso_server['url']}/login")
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())    # the mock's stylesheet: offline here
    page.get_by_role("button", name="使用单点登录(SSO)").click()
    page.wait_for_selector('input[name="sub"]', timeout=60_000)
    page.fill('input[name="sub"]', "sunli@qr-demo.local")
    page.click('button:has-text("Authorize")')
    page.wait_for_selector("table.qr-board", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("已登录：孙丽（主持人）").wait_for(timeout=30_000)
    assert page.query_selector_all('[data-testid="stException"]') == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sso-signed-in.png"))

    page.goto(f"{sso_server['url']}/meeting?area=ASSY", timeout=60_000)   # a new session: the cookie signs in
    page.wait_for_selector('[data-testid="stButton"] button:has-text("开始会议"), table.qr-qchart', timeout=60_000)
    assert page.locator('input[type="password"]').count() == 0

    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="End session").click(timeout=60_000)   # the provider ends its session too
    page.wait_for_selector("table.qr-board", timeout=60_000)             # back on the board, open to all in demo
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.goto(f"{sso_server['url']}/meeting?area=ASSY", timeout=60_000)
    page.wait_for_selector('input[type="password"]', timeout=60_000)     # signed out: the meeting asks who you are
    page.close()
