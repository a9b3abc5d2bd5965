"""An audited value as people read it, for the issue's history and the meeting's changes: codes, yes/no and the
follow-up call's summary in the reader's language, a moment without its seconds and zone. No database."""
import re
from datetime import datetime

from qr import rules
from qr.audit import Entity
from qr.i18n import field_label, t

# The store writes a call back as "2026-11-10 Contact (phone): solved=False, satisfaction=4, speed=3, …"
# (store.record_follow_up / record_open_call); the contact is free text, so the channel is the last "(word): ".
_CALL = re.compile(r"(?P<on>\d{4}-\d{2}-\d{2}) (?P<contact>.*) \((?P<channel>[a-z]+)\): "
                   r"(?P<answers>(?:\w+=\w+(?:, )?)+)", re.S)
_ANSWER_LABELS = {"solved": "field.solved", "satisfaction": "follow.col.satisfaction", "speed": "month.col.speed",
                  "solving": "month.col.solving", "attitude": "month.col.attitude"}
# Fields whose audited value is a code with a translation of its own: the translation's prefix and the codes.
_CODED = {"disposition": ("disposition", rules.DISPOSITIONS),
          "responsibility": ("responsibility", rules.RESPONSIBILITIES),
          "accepted_how": ("accept_how", rules.ACCEPTANCE_CHANNELS)}


def shown_field(entity: str, field: str, lang: str) -> str:
    """What an event changed: a month's delivered quantity and a category's response rule are audited under their
    own keys ("SGM.2026-10", "complaint.ack"), named here by what they are."""
    if entity == Entity.DELIVERY and "." in field:
        customer, month = field.rsplit(".", 1)
        return f"{t('field.quantity', lang)} {customer} {month}"
    if entity == Entity.RESPONSE_RULE and "." in field:
        return f"{t('field.response_rule', lang)} {field}"
    return field_label(field, lang)


def shown_value(line: dict, side: str, lang: str) -> str:
    """A history line's "old" or "new" value in the reader's language ("" for none)."""
    return readable_value(line["field"], line[f"{side}_en" if lang == "en" else side], lang)


def readable_value(field: str, value: str | None, lang: str) -> str:
    """The value as the reader says it; "" for none. Text a person typed is returned as typed."""
    if value is None or value == "":
        return ""
    if value in ("True", "False"):
        if field == "on_board":
            return t("review.on_board" if value == "True" else "review.on_list", lang)
        return t(f"follow.solved.{value.lower()}", lang)
    if field == "escalated_level" and value.isdigit():
        return t(f"escalation.{value}", lang)
    if field == "state" and value in ("open", "done", "na"):
        return t({"open": "step.state.open", "done": "status.G", "na": "status.NA"}[value], lang)
    if field in _CODED and value in _CODED[field][1]:
        return t(f"{_CODED[field][0]}.{value}", lang)
    if field == "reviewed_at":
        return _moment(value)
    if field == "target" and (kind := value.partition(": ")[0]) in rules.READ_ACROSS_KINDS:
        return f"{t(f'readacross.kind.{kind}', lang)}: {value.partition(': ')[2]}"
    if field in ("follow_up_done", "open_call") and (call := _CALL.fullmatch(value)):
        return _call_text(call, lang)
    return value


def _moment(value: str) -> str:
    """An ISO moment as the history shows every other one: date and minutes, in the zone it was written in."""
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def _call_text(call: re.Match, lang: str) -> str:
    answers = dict(pair.split("=", 1) for pair in call["answers"].split(", "))
    said = [t("history.answer", lang, question=t(_ANSWER_LABELS[name], lang),
              answer=readable_value(name, answer, lang))
            for name, answer in answers.items() if name in _ANSWER_LABELS]
    channel = t(f"follow.channel.{call['channel']}", lang) if call["channel"] in rules.FOLLOW_UP_CHANNELS \
        else call["channel"]
    return t("history.call", lang, on=call["on"], contact=call["contact"], channel=channel,
             answers=("，" if lang == "zh" else ", ").join(said))
