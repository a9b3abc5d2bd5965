"""The board's fitted layout as numbers: what a 1024 px projector needs, and what each wider layout keeps."""
import re

import pandas as pd
import pytest

from qr import board_fit, views

STEPS = 10      # the default template


def _needs(html_css: str) -> list[float]:
    return [float(em) for em in re.findall(r"min-width: ([\d.]+)em", html_css)]


@pytest.mark.parametrize("board_px, font_px", [
    (1024 - 26, 16),      # a 1024×768 projector: the page keeps 0.8 rem each side
    (1280 - 26, 16),
])
def test_the_tight_board_fits_a_projector_at_16_px(board_px, font_px):
    tight, *wider = _needs(board_fit.board_fit(STEPS, projector=True)[1])
    assert tight * font_px <= board_px
    assert wider == sorted(wider) and all(w > tight for w in wider)     # each wider layout needs more room


@pytest.mark.parametrize("projector, floor, ceiling", [(True, "16px", "1.86vh"), (False, "13px", "15px")])
def test_font_size_is_bounded(projector, floor, ceiling):
    style, _ = board_fit.board_fit(STEPS, projector=projector)
    assert style.startswith(f"font-size: max({floor}, min({ceiling}, calc(100cqw / ")


def test_each_layout_keeps_the_description_its_width():
    for layout in board_fit._LAYOUTS:
        assert layout["description"] >= 7.8       # 125 px at 16 px: a few words a line, never a sliver
        assert set(layout["widths"]) == set(board_fit._LAYOUTS[0]["widths"])


def test_the_presenter_card_labels_each_cell_with_escaped_column_names():
    columns = [{"code": "c", "name_zh": "遏制", "name_en": "Cont", "short_zh": "<b>遏</b>", "short_en": "C",
                "eight_d": "D3"}]
    record = {"overall": "Y", "escalation_level": 0, "number": "QR-1", "category_zh": "PDI", "category_en": "PDI",
              "description": "d", "opened_on": None, "days_open": 0, "part_number": "", "owner": "王", "owner_en": "W",
              "lead": "李", "lead_en": "L", "report_overdue": False, "next_report_on": None, "steps": {},
              "closed_on": None, "cancelled": False, "clocks": []}
    html = views.render_board(pd.DataFrame([record]), columns, "zh", card=True)
    assert 'data-label="&lt;b&gt;遏&lt;/b&gt;"' in html and "<b>遏</b>" not in html
    assert 'data-step="c"' in html and 'data-label="问题描述"' in html


def test_english_wider_layouts_make_room_for_english_names():
    """The Chinese board keeps its widths; the English one's wider layouts give owners, leads and categories room,
    its tight layout (a 1024 px projector) stays as narrow as the Chinese one."""
    assert board_fit._layouts("zh") is board_fit._LAYOUTS
    tight_zh, *wider_zh = _needs(board_fit.board_fit(STEPS, projector=True)[1])
    tight_en, *wider_en = _needs(board_fit.board_fit(STEPS, projector=True, lang="en")[1])
    assert tight_en == tight_zh and all(en > zh for en, zh in zip(wider_en, wider_zh))
    for layout in board_fit._layouts("en")[1:]:
        assert layout["widths"]["owner"] >= 5.4 and layout["widths"]["category"] >= 8
        assert "td.qr-cat" not in layout["one_line"]
