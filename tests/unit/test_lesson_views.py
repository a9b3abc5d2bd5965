"""The learning views draw people's text as text: a description, root cause, target or evidence that looks like
markup or Markdown comes out escaped, never as an element."""
from datetime import date

import pandas as pd

from qr import lesson_views, store

HOSTILE = '<img src=x onerror="alert(1)">**bold** [link](http://x)'


def test_a_proposal_escapes_every_text():
    html = lesson_views.render_repeat_proposals([{
        "id": 1, "number": "QR-2026-0001", "description": HOSTILE, "part_number": HOSTILE, "opened_on": date(2026, 3, 2),
        "closed_on": None, "score": 88.0, "why": "text", "root_cause": HOSTILE, "what_changed": HOSTILE,
        "countermeasures": [(HOSTILE, HOSTILE, HOSTILE)]}], "en")
    assert "<img" not in html and html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 6
    assert "Description 88% alike" in html and "open" in html


def test_the_checklist_escapes_targets_and_evidence():
    html = lesson_views.render_read_across([{
        "id": 7, "kind": "line", "target": HOSTILE, "owner": HOSTILE, "owner_en": HOSTILE, "due_on": date(2026, 3, 9),
        "state": "done", "evidence": HOSTILE, "settled_on": date(2026, 3, 8)}], "zh")
    assert "<img" not in html and html.count("&lt;img") == 3
    assert 'data-target="7" data-state="done"' in html and "1/1 已完成或不适用" in html


def test_a_lesson_card_escapes_and_says_where_an_unrecorded_lesson_is():
    row = dict.fromkeys(store.LESSON_COLUMNS, "")
    row.update(issue_id=1, number="QR-2026-0001", problem=HOSTILE, process=HOSTILE, closed_on=date(2026, 3, 9),
               targets=0, targets_settled=0, category_zh="投诉", area_zh="总装")
    html = lesson_views.render_lessons(pd.DataFrame([row]), "zh")
    assert "<img" not in html and html.count("&lt;img") == 2
    assert "见该问题的8D或报告附件" in html and "横向展开" not in html
