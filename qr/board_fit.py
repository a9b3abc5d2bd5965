"""How the board fits its screen: column widths in em of one font size, the largest that fits (qr.views draws the
board with them). A 1024 px projector takes the tight layout; wider screens, container queries in the same em."""

# The board's column widths in em of its font size, by how much room it has: tight (a 1024 px projector at 16 px,
# a desk PC beside the sidebar), medium (dates and status on one line) and roomy (every short cell on one line).
# The description takes the rest: each wider layout is used only while the description keeps `description` em.
_TIGHT_EM = {"overall": 2.5, "number": 6.3, "category": 4.3, "opened": 3.5, "part": 4.6, "owner": 3.2, "lead": 3.2,
             "next_report": 3.5, "step": 2.0, "closed": 3.4}
_LAYOUTS = [
    {"widths": _TIGHT_EM, "description": 7.8, "one_line": ()},
    {"widths": {**_TIGHT_EM, "overall": 3.0, "category": 5.0, "opened": 5.2, "next_report": 4.4, "closed": 4.4},
     "description": 16, "one_line": ("td.qr-overall", "td.qr-date")},
    {"widths": {"overall": 3.0, "number": 6.5, "category": 7.2, "opened": 5.2, "part": 5.0, "owner": 3.4, "lead": 3.4,
                "next_report": 4.4, "step": 2.4, "closed": 4.4}, "description": 20,
     "one_line": ("td.qr-overall", "td.qr-cat", "td.qr-person", "td.qr-date")},
]
# English names are longer than two or three 汉字: with room to spare, the English board widens the person and
# category columns (a category wraps rather than losing its end) and the overall column for its head's word.
_ENGLISH_ROOM = {"overall": 4.0, "category": 8.0, "owner": 5.4, "lead": 5.4}


def _layouts(lang: str) -> list[dict]:
    if lang != "en":
        return _LAYOUTS
    return [_LAYOUTS[0], *({**layout, "widths": {name: max(em, _ENGLISH_ROOM.get(name, em))
                                                  for name, em in layout["widths"].items()},
                            "one_line": tuple(cell for cell in layout["one_line"] if cell != "td.qr-cat")}
                           for layout in _LAYOUTS[1:])]


# The font size: the largest at which the tight board fits its width, within these bounds. The projector's
# ceiling keeps 20 rows in the screen's height (1.86vh is 20 px at 1080 and 40 px on a 4K screen).
_FONT_BOUNDS = {"projector": ("16px", "1.86vh"), "board": ("13px", "15px")}
TV_LINES_PER_ROW, TV_HEAD_LINES = 2.2, 5      # a TV row's height in lines of type (two-line cells included)


def _col_css(widths: dict[str, float], scope: str) -> str:
    return "\n".join(f"{scope} col.qr-c-{name} {{ width: {em}em; }}" for name, em in widths.items())


# every board's base widths; a wider layout's container query overrides them (board_fit)
TIGHT_COLUMNS_CSS = _col_css(_LAYOUTS[0]["widths"], ".qr-fit table.qr-board")
# a board scrolling sideways (only the tight layout ever does) keeps its overall and number columns in view: the
# number column stays put just right of the overall one
TIGHT_OVERALL_EM = _TIGHT_EM["overall"]


def board_fit(step_count: int, *, projector: bool, fill_rows: int | None = None, lang: str = "zh") -> tuple[str, str]:
    """The board fits its width: (the wrapper's inline style, a style block). Every width is in em of one font size,
    the largest at which the tight layout fits, within _FONT_BOUNDS; a board with room to spare takes the next
    layout of _LAYOUTS that still fits (container queries in the same em). Below the floor the table keeps its
    width (the description never collapses) and scrolls inside its wrapper. A TV's board of `fill_rows` rows
    grows into the screen's height too: fewer rows, larger type (read from across the line), never past the width.
    An English board's wider layouts keep room for English names (_ENGLISH_ROOM)."""
    layouts = _layouts(lang)

    def needs(layout: dict) -> float:          # em across: every column at its width, the description at its least
        widths = layout["widths"]
        return sum(widths.values()) + (step_count - 1) * widths["step"] + layout["description"]

    tight = needs(layouts[0])
    floor, ceiling = _FONT_BOUNDS["projector" if projector else "board"]
    widest = f"calc(100cqw / {tight:.2f})"
    if fill_rows:        # the height below the title and counters over the rows and the step heads; the width
        # keeps the medium layout, so a larger type does not cut every description to a few words
        ceiling = f"max({ceiling}, calc((100vh - 12rem) / {fill_rows * TV_LINES_PER_ROW + TV_HEAD_LINES:.1f}))"
        widest = f"calc(100cqw / {needs(layouts[1]):.2f})"
    style = f"font-size: max({floor}, min({ceiling}, {widest}))"
    # more specific than BOARD_CSS, which the page repeats after the board (the legend) and would win a tie
    scope = ".qr-fit > .qr-wrap table.qr-board"
    wider = "".join(f"@container qr-board (min-width: {needs(layout):.2f}em) {{\n{_col_css(layout['widths'], scope)}\n"
                    + ", ".join(f"{scope} {cell}" for cell in layout["one_line"]) + " { white-space: nowrap; }\n}\n"
                    for layout in layouts[1:])
    css = f"<style>{scope} {{ min-width: {tight:.2f}em; }}\n{wider}</style>"
    return style, css
