"""AppTest sessions signed in as a person: what the sign-in form leaves in the session (tested on its own)."""
from streamlit.testing.v1 import AppTest

from app_pages._shared import SIGNED_IN
from tests.conftest import ROOT


def app_as(person_id: int | None, **query: str) -> AppTest:
    """board.py with the query parameters, signed in as the person (None: nobody signed in)."""
    at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    at.query_params.update(query)
    if person_id is not None:
        at.session_state[SIGNED_IN] = person_id
    return at
