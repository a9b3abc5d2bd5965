"""Driving a page in AppTest the way its tests share: the update page signed in, a form sent."""
import gzip

from streamlit.testing.v1 import AppTest

from tests.app.signing import app_as


def update_page(person_id: int, **query: str) -> AppTest:
    """The update page as that person sees it, after the board's first run (as a browser arrives)."""
    at = app_as(person_id, **query)
    at.run()
    at.switch_page("app_pages/update.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def submit(at: AppTest, form: str, label: str | None = None) -> AppTest:
    """Press the submit button of the form keyed `form` (the one labelled `label` where it has several) and rerun;
    the page must raise nothing."""
    button = next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")
                  and (label is None or b.label == label))
    button.click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Choose the tab labelled `label` of the tabs keyed `key` and rerun: pages run only the open tab's content."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def board_payloads(at: AppTest) -> list[bytes]:
    """What the board's component was sent: its table's HTML, UTF-8 and gzipped (app_pages/_shared.show_board)."""
    return [element.proto.bytes for element in at.get("bidi_component")
            if element.proto.component_name == "qr_board_table"]


def page_html(at: AppTest) -> str:
    """The page's HTML as drawn: every st.html element's, then the board's table."""
    boards = [gzip.decompress(payload).decode() for payload in board_payloads(at)]
    return "".join([*(element.proto.body for element in at.get("html")), *boards])
