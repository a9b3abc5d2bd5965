"""HTML of learning across issues: the similar past issues proposed for a new one, the read-across checklist and
the lessons library. Every user text is escaped; links open the issue and its 8D."""
from html import escape

import pandas as pd

from qr.i18n import t
from qr.views import detail_link

LESSON_CSS = """<style>
.qr-learn { font-size: 0.95rem; line-height: 1.45; }
.qr-learn .qr-past { border-left: 4px solid #9a3412; padding: 4px 10px; margin: 6px 0; background: #fff7ed; }
.qr-learn .qr-past p, .qr-learn .qr-lesson p { margin: 2px 0; white-space: pre-wrap; }
.qr-learn .qr-meta { color: #555; font-size: 0.85rem; }
.qr-learn table { border-collapse: collapse; width: 100%; }
.qr-learn th, .qr-learn td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
.qr-learn th { background: #1f3864; color: #fff; }
.qr-learn .qr-ra-open { color: #b45309; font-weight: 600; }
.qr-learn .qr-lesson { border: 1px solid #ccc; border-radius: 4px; padding: 6px 10px; margin: 8px 0; }
.qr-learn .qr-lesson h4 { margin: 0 0 4px 0; font-size: 1rem; }
</style>"""


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _closed(day, lang: str) -> str:
    return t("repeat.closed_on", lang, date=day.isoformat()) if day else t("repeat.open", lang)


def render_repeat_proposals(proposals: list[dict], lang: str) -> str:
    """Each proposed past issue: why it was proposed, its description, root cause and countermeasures."""
    blocks = []
    for p in proposals:
        why = t("repeat.why.part", lang) if p["why"] == "part" else t("repeat.why.text", lang, score=round(p["score"]))
        measures = "".join(f"<p>· {_e(en if lang == 'en' else zh)}: {_e(text)}</p>" for zh, en, text in p["countermeasures"])
        changed = (f'<p><b>{_e(t("lessons.col.what_changed", lang))}:</b> {_e(p["what_changed"])}</p>'
                   if p["what_changed"] else "")
        if measures or not changed:
            measures = (f'<p><b>{_e(t("repeat.countermeasures", lang))}:</b></p>'
                        f'{measures or "<p>" + _e(t("repeat.not_recorded", lang)) + "</p>"}')
        blocks.append(
            f'<div class="qr-past" data-proposal="{_e(p["number"])}">'
            f'<p><a href="{_e(detail_link(p["number"], lang))}" target="_blank"><b>{_e(p["number"])}</b></a> · '
            f'<span class="qr-meta">{_e(why)} · {_e(p["part_number"])} · {_e(_closed(p["closed_on"], lang))}</span></p>'
            f'<p>{_e(p["description"])}</p>'
            f'<p><b>{_e(t("repeat.root_cause", lang))}:</b> {_e(p["root_cause"] or t("repeat.not_recorded", lang))}</p>'
            f'{changed}{measures}</div>')
    return f'{LESSON_CSS}<div class="qr-learn">{"".join(blocks)}</div>'


def render_read_across(targets: list[dict], lang: str) -> str:
    """The checklist: each target with its owner, due date, state and evidence; open ones stand out."""
    if not targets:
        return f'{LESSON_CSS}<div class="qr-learn"><p>{_e(t("readacross.none", lang))}</p></div>'
    heads = "".join(f"<th>{_e(t(f'readacross.col.{name}', lang))}</th>"
                    for name in ("kind", "target", "owner", "due", "state", "evidence"))
    rows = "".join(
        f'<tr data-target="{target["id"]}" data-state="{_e(target["state"])}">'
        f'<td>{_e(t("readacross.kind." + target["kind"], lang))}</td><td>{_e(target["target"])}</td>'
        f'<td>{_e(target["owner_en"] if lang == "en" else target["owner"])}</td><td>{_e(target["due_on"].isoformat())}</td>'
        f'<td class="{"qr-ra-open" if target["state"] == "open" else ""}">'
        f'{_e(t("readacross.state." + target["state"], lang))}'
        f'{" " + _e(target["settled_on"].isoformat()) if target["settled_on"] else ""}</td>'
        f'<td>{_e(target["evidence"])}</td></tr>' for target in targets)
    settled = sum(target["state"] != "open" for target in targets)
    progress = t("readacross.progress", lang, settled=settled, total=len(targets))
    return (f'{LESSON_CSS}<div class="qr-learn"><p class="qr-meta">{_e(progress)}</p>'
            f'<table class="qr-read-across"><tr>{heads}</tr>{rows}</table></div>')


def render_lessons(frame: pd.DataFrame, lang: str) -> str:
    """One card per lesson: the issue (linked) and its 8D, where and what, then cause, change and documents."""
    cards = []
    for lesson in frame.to_dict("records"):
        category = lesson["category_en"] if lang == "en" else lesson["category_zh"]
        area = lesson["area_en"] if lang == "en" else lesson["area_zh"]
        meta = " · ".join(str(v) for v in (category, area, lesson["part_number"], lesson["process"],
                                            _closed(lesson["closed_on"], lang)) if v)
        read_across = ""
        if lesson["targets"]:
            read_across = (f'<p><b>{_e(t("lessons.col.read_across", lang))}:</b> '
                           f'{_e(t("readacross.progress", lang, settled=lesson["targets_settled"], total=lesson["targets"]))}</p>')
        fields = "".join(f'<p><b>{_e(t(f"lessons.col.{name}", lang))}:</b> {_e(lesson[name])}</p>'
                         for name in ("root_cause", "what_changed", "documents") if lesson[name])
        fields = fields or f'<p class="qr-meta">{_e(t("lessons.in_report", lang))}</p>'
        cards.append(
            f'<div class="qr-lesson" data-lesson="{_e(lesson["number"])}">'
            f'<h4><a href="{_e(detail_link(lesson["number"], lang))}" target="_self">{_e(lesson["number"])}</a> · '
            f'<a href="{_e(detail_link(lesson["number"], lang, "D8"))}" target="_self">{_e(t("lessons.open_8d", lang))}</a></h4>'
            f'<p class="qr-meta">{_e(meta)}</p><p>{_e(lesson["problem"])}</p>{fields}{read_across}</div>')
    return f'{LESSON_CSS}<div class="qr-learn">{"".join(cards)}</div>'
