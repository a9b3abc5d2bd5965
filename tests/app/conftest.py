"""What every page test shares: no board frame cached by an earlier test's database."""
import pytest

from app_pages import _shared


@pytest.fixture(autouse=True)
def no_shared_board_frame():
    """The board frame is one object shared by every session (st.cache_resource), which st.cache_data.clear()
    leaves alone: each test starts without one, as a new server would."""
    _shared.board_frame.clear()
