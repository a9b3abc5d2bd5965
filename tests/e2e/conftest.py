"""A real Streamlit server on a free port and Debian's Chromium; a missing browser fails, never skips."""
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright

from tests.conftest import ROOT
from tests.databases import drop_database, new_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = ROOT / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(database_url: str, log_path: Path, *, port: int | None = None, options: tuple[str, ...] = ()):
    """`streamlit run board.py` on `database_url`; an empty database gets the schema and the demo at start.
    `options` are more `streamlit run` flags (e.g. a secrets file with single sign-on)."""
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "QR_DEMO": "1", "QR_REFRESH_SECONDS": "3"}
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "board.py"),
                                    "--server.port", str(port), "--server.address", "127.0.0.1",
                                    "--server.headless", "true", *options], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, log_path)
            yield {"url": url, "database_url": env["DATABASE_URL"], "refresh_seconds": 3, "process": process,
                   "log": log_path}
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def two_running_servers(database_url: str, directory: Path):
    """Two instances on one database, started at once (each finds the database empty: one prepares it, the other
    waits); a start that fails is reported with its instance's log."""
    started, failures = [None, None], []

    def start(index: int, stack: ExitStack) -> None:
        try:
            started[index] = stack.enter_context(running_server(database_url, directory / f"instance-{index}.log"))
        except Exception as failure:               # noqa: BLE001 -- reported below with the instance's log
            failures.append(failure)
    with ExitStack() as stack:
        threads = [threading.Thread(target=start, args=(i, stack)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        yield started


def _wait_healthy(url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not start; log: {log_path.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_templates):
    """A module's server on a copy of today's demo plant, loaded once per test run (a server's own first start on
    an empty database is what test_fresh_server_browser.py checks)."""
    directory = tmp_path_factory.mktemp("e2e")
    database_url = new_database(directory, template=demo_templates(None))
    try:
        with running_server(database_url, directory / "streamlit.log") as running:
            yield running
    finally:
        drop_database(database_url)


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class SocketLog:
    """What a page's Streamlit websocket sent and received, with times: a test can wait until the page is quiet
    (no run streaming elements that would replace the one it clicks) and tell a click the browser never sent
    from a save the server never answered."""

    def __init__(self):
        self.sent: list[float] = []
        self.received: list[float] = []
        self.clicked_again = 0             # clicks the browser never sent, made once more (said in failures)

    def attach(self, page) -> None:
        page.on("websocket", self._watch)

    def _watch(self, socket) -> None:
        if socket.url.endswith("/_stcore/stream"):
            socket.on("framesent", lambda _frame: self.sent.append(time.monotonic()))
            socket.on("framereceived", lambda _frame: self.received.append(time.monotonic()))

    def wait_quiet(self, page, *, seconds: float = 1.0, timeout: float = 60.0) -> None:
        """Until no status widget shows and nothing came from the server for `seconds`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = page.query_selector('[data-testid="stStatusWidget"]')
            if not busy and (not self.received or time.monotonic() - self.received[-1] >= seconds):
                return
            page.wait_for_timeout(200)
        raise AssertionError(f"the page was not quiet for {seconds} s within {timeout} s")

    def sent_since(self, moment: float) -> int:
        return sum(1 for sent in self.sent if sent >= moment)

    def __str__(self) -> str:
        return (f"websocket: {len(self.sent)} messages sent, {len(self.received)} received, "
                f"{self.clicked_again} clicks made again")

    def click_sent(self, page, button, *, timeout: float = 15.0) -> float:
        """Click `button` once the page is quiet; if the browser sends nothing within `timeout`, the click never
        reached Streamlit's handler (seen twice on a loaded machine, cause unknown), and it is clicked once more,
        as a person would. Returns the time of the first click."""
        self.wait_quiet(page)
        clicked = time.monotonic()
        button.click()
        deadline = clicked + timeout
        while time.monotonic() < deadline:
            if self.sent_since(clicked):
                return clicked
            page.wait_for_timeout(200)
        self.clicked_again += 1
        button.click()
        return clicked


def open_page(browser, url: str, *, width: int = 1920, height: int = 1080, socket_log: SocketLog | None = None):
    """Load a page and wait until the script run has finished; fail on an exception box. A `socket_log` watches
    the page's websocket from before it connects."""
    page = browser.new_page(viewport={"width": width, "height": height})
    if socket_log:
        socket_log.attach(page)
    page.goto(url, timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_selector("table.qr-board, table.qr-detail, [data-testid=\"stExpander\"], [data-testid=\"stForm\"], "
                           "[data-testid=\"stFileUploader\"], table.qr-qchart, form.qr-sign-in, div.qr-learn",
                           timeout=60_000)
    assert page.query_selector_all('[data-testid="stException"]') == []
    return page


def sign_in(page, username: str, password: str = "demo1234") -> None:
    """Fill the sign-in form a page shows in its place (demo accounts share one password); the browser posts it,
    takes the session cookie and comes back to the same page, which follows."""
    form = page.locator("form.qr-sign-in")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    page.wait_for_selector("form.qr-sign-out", state="attached", timeout=60_000)     # the sidebar's way out
    page.wait_for_selector("form.qr-sign-in", state="detached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    assert page.query_selector_all('[data-testid="stException"]') == []


def open_signed_in(browser, url: str, username: str, **opening):
    """A page that needs a person, opened (open_page's size and socket_log) and signed in as `username` (a demo
    account)."""
    page = open_page(browser, url, **opening)
    sign_in(page, username)
    return page


ANSWERS = ('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"], '
           '[data-testid="stAlertContentWarning"], [data-testid="stException"]')


def alerts(page) -> list[str]:
    return [a.inner_text() for a in page.query_selector_all('[data-testid^="stAlertContent"]')]


def answered(page, expected: str, *, server: dict | None = None, timeout: int = 30_000) -> str:
    """Wait for the page's answer to a save that says `expected` (a success box); a refusal, an exception or no
    answer at all fails with what the page and the server showed, so a lost save says where it was lost."""
    def seen() -> str:
        log = server["log"].read_text()[-2000:] if server else ""
        return (f"alerts {alerts(page)}; exception boxes "
                f"{[e.inner_text()[:500] for e in page.query_selector_all('[data-testid=stException]')]}; "
                f"page ends {page.locator('[data-testid=stMain]').inner_text()[-600:]!r}; server log ends {log!r}")
    try:
        page.wait_for_function(
            """([selector, expected]) => !document.querySelector('[data-testid="stStatusWidget"]') &&
                 [...document.querySelectorAll(selector)].some(box => !box.matches('[data-testid="stAlertContentSuccess"]')
                                                                   || box.innerText.includes(expected))""",
            arg=[ANSWERS, expected], timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"no answer saying {expected!r} in {timeout / 1000:.0f} s: {seen()}") from None
    confirmed = [text for text in alerts(page) if expected in text]
    assert confirmed, f"the save was not confirmed: {seen()}"
    return confirmed[0]
