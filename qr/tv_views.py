"""What a TV at the line shows around the board: the area's title, the plant's clock, a message in the board's
place, and the board without links (nobody signed in to a TV)."""
import re
from string import Template

from qr.i18n import t
from qr.views import _COLOURS, _e, _name


TV_CSS = Template("""
<style>
.qr-tv-title { display: flex; align-items: baseline; gap: 18px; flex-wrap: wrap; margin: 0 220px 4px 0; }
.qr-tv-title h2 { font-size: 34px; font-weight: 700; color: $navy; margin: 0; padding: 0; }
.qr-tv-title span { font-size: 20px; color: #444; white-space: nowrap; font-variant-numeric: tabular-nums; }
.qr-tv-clock { position: fixed; top: 6px; right: 18px; z-index: 1000; font-size: 40px; font-weight: 700;
               color: $navy; font-variant-numeric: tabular-nums; background: #fff; padding: 0 8px; }
.qr-tv-message { font-size: 24px; margin: 2em; }
</style>
""").substitute(_COLOURS)


def without_links(html: str) -> str:
    """The board's markup with its links taken out, their text kept: a screen nobody signed in to leads nowhere.
    Every text in our markup is escaped, so a literal '<a' can only be one of our own tags."""
    return re.sub(r"<a\b[^>]*>|</a>", "", html)


def render_tv_title(area: dict, lang: str, *, position: int, total: int, refreshed: str) -> str:
    """The area whose board the TV shows, which of how many, and when the board was read."""
    return (f'{TV_CSS}<div class="qr-tv-title" data-tv-area="{_e(area["code"])}">'
            f'<h2>{_e(_name(area, "name", lang))} ({_e(area["code"])})</h2>'
            f'<span data-tv-position="{position}">{position}/{total}</span>'
            f'<span data-tv-refreshed="{_e(refreshed)}">{_e(t("tv.refreshed", lang, time=refreshed))}</span></div>')


def render_tv_clock(moment: str) -> str:
    """The plant's time in the top right corner of the TV."""
    return f'{TV_CSS}<div class="qr-tv-clock" data-tv-clock="{_e(moment)}">{_e(moment)}</div>'


def render_tv_message(text: str, *, refused: bool = False) -> str:
    """A short message in place of the board: a refused token, or no area to show."""
    return f'{TV_CSS}<div class="qr-tv-message" data-tv-refused="{str(refused).lower()}">{_e(text)}</div>'
