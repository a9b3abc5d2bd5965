"""AppTest sessions signed in as a person through a real server-side session: AppTest cannot send the browser's
cookie, so the token goes into the tab's state, which the pages read the same way."""
from streamlit.testing.v1 import AppTest

from app_pages._shared import TAB_SESSION
from qr import store
from tests.conftest import ROOT


def app_as(person_id: int | None, **query: str) -> AppTest:
    """board.py with the query parameters, signed in as the person (None: nobody signed in)."""
    at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    at.query_params.update(query)
    if person_id is not None:
        at.session_state[TAB_SESSION] = store.open_session(person_id=person_id)
    return at
