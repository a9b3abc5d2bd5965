"""User text never renders as Markdown: a link, an image or a :red[…] typed into a description, a person's or a
guest's name, a file name or an area's name reads as typed in every label and message that shows it (Streamlit
renders labels, captions and message boxes as Markdown)."""
from datetime import timedelta

import pytest
import streamlit as st

from qr import demo, store
from qr.i18n import literal
from tests.app.signing import app_as

MARKDOWN = "[re-login](http://example.invalid) ![x](http://example.invalid/x.png) :red[alarm] **bold**"
RAW_MARKS = ("[re-login](", "![x](", ":red[", "**bold**")


def _labels(at) -> list[str]:
    """Every label, caption, message and Markdown body the run produced, as Streamlit received them."""
    found = []
    for kind in ("expander", "caption", "markdown", "info", "warning", "error", "success", "radio", "button"):
        for element in at.get(kind):
            proto = element.proto
            for field in ("label", "body"):
                value = getattr(proto, field, None)
                if isinstance(value, str):
                    found.append(value)
    found += [caption.value for caption in at.sidebar.caption]
    return found


def _shows_literally(at, text: str) -> None:
    labels = _labels(at)
    assert any(literal(text) in label for label in labels), labels
    assert not any(mark in label for label in labels for mark in RAW_MARKS), labels


@pytest.fixture
def marked(plant, open_issue):
    st.cache_data.clear()
    owner = plant["owner"].id
    store.update_person(actor_id=None, person_id=owner, name=MARKDOWN[:100], name_en=MARKDOWN[:100],
                        email="zhang.wei@plant.example", area_id=plant["area"].id)
    issue = open_issue(store.today() - timedelta(days=2), description=MARKDOWN)
    store.attach_file(actor_id=owner, issue_id=issue.id, file_name=f"{MARKDOWN[:40]}.pdf", kind="evidence",
                      content=demo.report_pdf("8D"), expected_version=issue.version)
    return issue


def test_the_update_page_shows_descriptions_names_and_file_names_literally(plant, marked):
    at = app_as(plant["owner"].id)
    at.run()
    at.switch_page("app_pages/update.py").run()
    assert not at.exception, [e.message for e in at.exception]
    _shows_literally(at, MARKDOWN[:23])                                     # the expander's summary
    assert any(literal(MARKDOWN[:100]) in caption.value for caption in at.sidebar.caption)


def test_the_follow_up_page_shows_the_description_literally(plant, marked):
    today, version = store.today(), marked.version + 1
    for step in store.issue_detail(marked.number).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=today, expected_version=version)
        version += 1
    store.attach_file(actor_id=plant["owner"].id, issue_id=marked.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version)
    store.close_issue(actor_id=plant["lead"].id, issue_id=marked.id, closed_on=today, reason="验证有效",
                      expected_version=version + 1)
    at = app_as(plant["owner"].id)
    at.run()
    at.switch_page("app_pages/follow_up.py").run()
    assert not at.exception, [e.message for e in at.exception]
    _shows_literally(at, MARKDOWN[:30])


def test_the_meeting_sign_in_sheet_shows_names_and_guests_literally(plant, marked):
    meeting = store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id)
    store.add_guest(actor_id=plant["lead"].id, meeting_id=meeting.id, name=MARKDOWN[:100],
                    expected_version=meeting.version)
    at = app_as(plant["lead"].id, area="ASSY")
    at.run()
    at.switch_page("app_pages/meeting.py").run()
    assert not at.exception, [e.message for e in at.exception]
    radios = [radio.proto.label for radio in at.radio]
    assert any(literal(MARKDOWN[:100]) in label for label in radios), radios
    assert not any(mark in label for label in radios for mark in RAW_MARKS), radios
