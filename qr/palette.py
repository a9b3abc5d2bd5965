"""The board's colours, defined once: the board CSS, the Excel fills and the trend charts all paint with these,
so a green cell on screen, in the workbook and in the weekly pack is the same green. Hex strings, #rrggbb."""

# Status code (rules.Status values) → its fill, and the text colour that stays readable on that fill.
STATUS = {"G": "#1b7f3b", "Y": "#f2c200", "R": "#c62828", "NA": "#e3e3e3"}
ON_STATUS = {"G": "#ffffff", "Y": "#111111", "R": "#ffffff", "NA": "#444444"}

NAVY = "#1f2a44"         # table headings (board, Q-chart, workbooks), presenter titles and timers
ON_NAVY = "#ffffff"
GRID = "#9aa0a6"         # cell borders, on the board and in the workbook

# Trend chart series; closed counts, red and yellow days are the board's own green, red and yellow.
OPENED = "#1f5fad"
CLOSED = STATUS["G"]
REOPENED = "#e08a00"
CANCELLED = GRID         # closed as not valid or a duplicate: out of the backlog, not solved
BACKLOG = NAVY
AGEING = ("#9cc3e6", "#4f8fcb", OPENED, "#0b2f5e")   # young to old


def excel(colour: str) -> str:
    """openpyxl takes RRGGBB without the hash."""
    return colour.removeprefix("#").upper()


def rgb(colour: str) -> tuple[int, int, int]:
    """fpdf2 takes red, green and blue as 0–255."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
