"""AppTest as a running server sees it: Streamlit's legacy pages/ mode ends at the first st.navigation,
but AppTest turns it back on before every run, which would send each run through a rerun that drops
button clicks. A real server's first request is covered by the browser test instead."""
import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def navigation_already_seen(monkeypatch):
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
