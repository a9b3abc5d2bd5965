"""The audit trail read back for people: an issue's history, the meeting's changes and the configuration's history
share one reading of an event."""
from collections import defaultdict

from sqlmodel import Session, select

from models import Area, AuditEvent, Customer, Issue, Person

# The audited fields that hold a row's id, and where its name is read: the history names who or what, not "7".
_NAMED_BY_ID = {"owner_id": Person, "lead_id": Person, "claimed_by_id": Person, "verified_by_id": Person,
                "move_requested_by_id": Person, "area_id": Area, "customer_id": Customer, "repeat_of_id": Issue}


def _history_lines(session: Session, events: list[AuditEvent], tz) -> list[dict]:
    """Audit events as the history shows them: the actor named as they were called when they acted, and a person,
    area, customer or issue the event changed named as it is now (one read for each kind named, whatever the number
    of events)."""
    wanted = defaultdict(set)
    for event in events:
        if model := _NAMED_BY_ID.get(event.field):
            wanted[model].update(int(v) for v in (event.old, event.new) if v is not None and v.isdigit())
    names = {}
    for model, ids in wanted.items():
        for row in session.exec(select(model).where(model.id.in_(ids))).all():
            names[model, str(row.id)] = _names_of(row)
    lines = []
    for event in events:
        model = _NAMED_BY_ID.get(event.field)
        old = names.get((model, event.old), (event.old, event.old))
        new = names.get((model, event.new), (event.new, event.new))
        lines.append({"at": event.at.astimezone(tz), "actor": event.actor_name or "—",
                      "actor_en": event.actor_name_en or event.actor_name or "—", "entity": event.entity,
                      "entity_id": event.entity_id, "field": event.field, "old": old[0], "old_en": old[1],
                      "new": new[0], "new_en": new[1], "reason": event.reason})
    return lines


def _names_of(row) -> tuple[str, str]:
    """A named row's Chinese and English names (the Chinese where no English is kept; an issue by its number)."""
    if isinstance(row, Issue):
        return row.number, row.number
    if isinstance(row, Person):
        return row.name, row.name_en or row.name
    return row.name_zh, row.name_en or row.name_zh
