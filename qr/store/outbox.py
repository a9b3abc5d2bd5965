"""Notices: the channels (the plant's e-mail server, each area's group robots), who hears of an escalation, each
person's language and channels, and the outbox. A notice is written in the transaction of the event that causes
it, one row per recipient and channel under a unique key, claimed by one sender at a time (FOR UPDATE SKIP LOCKED
on PostgreSQL, BEGIN IMMEDIATE on SQLite) and marked sent only after the channel accepted it."""
from datetime import datetime, time, timedelta
from typing import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import func, update
from sqlmodel import Session, select

from models import Area, EscalationContact, Issue, NotifyChannel, Outbox, Person
from qr import db, notices
from qr.audit import Entity
from qr.i18n import LANGUAGES, t
from qr.notices import CHANNEL_KINDS, Message
from qr.store.base import (Context, NotFound, ValidationFailed, _audit, _authorize, _get, _is_whole_number, _settings,
                           _text, command, query)

ESCALATION_LEVELS = (1, 2, 3)
WECOM_ID_MAX = 64


def _language(value) -> str:
    if value not in LANGUAGES:
        raise ValidationFailed("err.bad_choice", field="language")
    return value


def _channel_address(kind: str, url) -> str:
    """An SMTP URL for the e-mail server, an http(s) webhook for a robot."""
    url = _text(url, "channel_url", required=True, limit=1000)
    scheme = urlsplit(url).scheme
    if scheme not in (("smtp", "smtps") if kind == "email" else ("http", "https")) or not urlsplit(url).hostname:
        raise ValidationFailed("err.channel_url", kind=kind)
    return url


@command
def set_channel(*, session: Session, actor_id: int | None, kind: str, area_id: int | None = None, url: str = "",
                secret: str = "", sender: str = "", language: str = "zh", ctx: Context) -> NotifyChannel:
    """Set the plant's e-mail server (no area) or an area's robot of one kind. An empty URL or secret keeps the
    stored one (pages never show a secret back); the audit trail records them masked."""
    _authorize(session, actor_id, "configure")
    if kind not in CHANNEL_KINDS:
        raise ValidationFailed("err.bad_choice", field="channel_kind")
    if (kind == "email") != (area_id is None):
        raise ValidationFailed("err.bad_choice", field="area")
    if area_id is not None:
        _get(session, Area, area_id, "area")
    row = session.exec(select(NotifyChannel).where(NotifyChannel.kind == kind, NotifyChannel.area_id == area_id
                                                   if area_id is not None else NotifyChannel.area_id.is_(None))).first()
    url = (url or "").strip()
    sender = _text(sender, "sender", required=False, limit=200) if kind == "email" else ""
    changes = {"url": _channel_address(kind, url) if url or row is None else row.url,
               "secret": _text(secret, "secret", required=False, limit=200) or (row.secret if row else ""),
               "sender": sender or (row.sender if row else ""), "language": _language(language)}
    if row is None:
        row = NotifyChannel(kind=kind, area_id=area_id, url="", updated_at=ctx.now)
        session.add(row)
        session.flush()
    for name, value in changes.items():
        old = getattr(row, name)
        shown = notices.mask_url if name == "url" else notices.mask if name == "secret" else str
        if old != value:
            setattr(row, name, value)
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.CHANNEL, entity_id=row.id, issue_id=None,
                   field_name=f"channel_{name}", old=shown(old) if old else None, new=shown(value) if value else None)
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    row.updated_at = ctx.now
    session.commit()
    return row


@command
def remove_channel(*, session: Session, actor_id: int | None, channel_id: int, ctx: Context) -> None:
    """Stop sending to a robot or the e-mail server; the notices it carried stay in the outbox's history."""
    _authorize(session, actor_id, "configure")
    row = _get(session, NotifyChannel, channel_id, "channel")
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.CHANNEL, entity_id=row.id, issue_id=None,
           field_name="channel_url", old=notices.mask_url(row.url), new=None)
    session.execute(sa.delete(NotifyChannel).where(NotifyChannel.id == row.id))
    session.commit()


@command
def set_escalation_contacts(*, session: Session, actor_id: int | None, area_id: int, level: int,
                            person_ids: list[int], ctx: Context) -> None:
    """Who hears of an issue of the area reaching the level (1 班组长, 2 部门经理, 3 厂长)."""
    _authorize(session, actor_id, "configure")
    area = _get(session, Area, area_id, "area")
    if level not in ESCALATION_LEVELS:
        raise ValidationFailed("err.bad_choice", field="escalation_level")
    wanted = {_get(session, Person, person_id, "person").id for person_id in person_ids}
    rows = session.exec(select(EscalationContact).where(EscalationContact.area_id == area.id,
                                                        EscalationContact.level == level)).all()
    old = {row.person_id for row in rows}
    if old == wanted:
        raise ValidationFailed("err.no_change")
    session.execute(sa.delete(EscalationContact).where(EscalationContact.area_id == area.id,
                                                       EscalationContact.level == level))
    for person_id in sorted(wanted):
        session.add(EscalationContact(area_id=area.id, level=level, person_id=person_id))
    names = dict(session.exec(select(Person.id, Person.name).where(Person.id.in_(old | wanted))).all())
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.ESCALATION_CONTACT, entity_id=area.id, issue_id=None,
           field_name=f"escalation_level_{level}", old="、".join(names[i] for i in sorted(old)) or None,
           new="、".join(names[i] for i in sorted(wanted)) or None)
    session.commit()


@command
def set_meeting_time(*, session: Session, actor_id: int | None, area_id: int, meeting_time: time | None,
                     ctx: Context) -> Area:
    """When the area's daily meeting starts: its owners' digests go the set time before it."""
    _authorize(session, actor_id, "configure")
    area = _get(session, Area, area_id, "area")
    if meeting_time is not None and not isinstance(meeting_time, time):
        raise ValidationFailed("err.bad_choice", field="meeting_time")
    meeting_time = meeting_time.replace(second=0, microsecond=0, tzinfo=None) if meeting_time else None
    if area.meeting_time == meeting_time:
        raise ValidationFailed("err.no_change")
    _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.AREA, entity_id=area.id, issue_id=None,
           field_name="meeting_time", old=area.meeting_time, new=meeting_time)
    area.meeting_time = meeting_time
    session.add(area)
    session.commit()
    return area


@command
def set_my_notifications(*, session: Session, actor_id: int, language: str, notify_email: bool, wecom_id: str,
                         notify_wecom: bool, ctx: Context) -> Person:
    """A person chooses the language of their messages and their channels: e-mail (the address the
    administrator keeps, single sign-on matches it) and WeCom (their id, @-mentioned by the area's robot)."""
    person = _get(session, Person, actor_id, "actor")
    wecom_id = _text(wecom_id, "wecom_id", required=bool(notify_wecom), limit=WECOM_ID_MAX)
    if not isinstance(notify_email, bool) or not isinstance(notify_wecom, bool):
        raise ValidationFailed("err.bad_choice", field="notify_email")
    changes = {"language": _language(language), "notify_email": notify_email, "wecom_id": wecom_id,
               "notify_wecom": notify_wecom}
    for name, value in changes.items():
        if getattr(person, name) != value:
            _audit(session, at=ctx.now, actor_id=actor_id, entity=Entity.PERSON, entity_id=person.id, issue_id=None,
                   field_name=name, old=getattr(person, name), new=value)
            setattr(person, name, value)
    if not session.info.get("audit_events"):
        raise ValidationFailed("err.no_change")
    session.add(person)
    session.commit()
    return person


@query
def my_notifications(person_id: int, *, session: Session) -> dict:
    person = _get(session, Person, person_id, "person")
    return {"language": person.language, "email": person.email, "notify_email": person.notify_email,
            "wecom_id": person.wecom_id, "notify_wecom": person.notify_wecom}


@query
def channels(*, session: Session) -> list[dict]:
    """Every channel as the admin page shows it: addresses and secrets masked. The e-mail server falls back to
    QR_SMTP_URL / QR_MAIL_FROM (shown as from the environment)."""
    rows = session.exec(select(NotifyChannel).order_by(NotifyChannel.area_id, NotifyChannel.kind)).all()
    shown = [{"id": row.id, "area_id": row.area_id, "kind": row.kind, "url": notices.mask_url(row.url),
              "secret": notices.mask(row.secret), "sender": row.sender, "language": row.language,
              "from_environment": False} for row in rows]
    settings = _settings()
    if settings.smtp_url and not any(row.kind == "email" for row in rows):
        shown.insert(0, {"id": None, "area_id": None, "kind": "email", "url": notices.mask_url(settings.smtp_url),
                         "secret": "", "sender": settings.mail_from, "language": "zh", "from_environment": True})
    return shown


@query
def escalation_contacts(*, session: Session) -> dict[tuple[int, int], list[int]]:
    rows = session.exec(select(EscalationContact).order_by(EscalationContact.id)).all()
    found: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        found.setdefault((row.area_id, row.level), []).append(row.person_id)
    return found


def _queue(session: Session, *, key: str, event_key: str, event: str, message: Message, channel: str,
           not_before: datetime, now: datetime, issue_id: int | None = None, person_id: int | None = None,
           channel_id: int | None = None, address: str = "", mentions: tuple[str, ...] = (), language: str = "zh",
           sent: bool = False) -> None:
    """One outbox row, once: a second writer of the same key (another scan, another sender) adds nothing."""
    db.insert_ignoring_duplicates(
        session, Outbox, key=key[:200], event_key=event_key[:160], event=event, issue_id=issue_id,
        person_id=person_id, channel=channel, channel_id=channel_id, address=address[:200],
        mentions=",".join(mentions)[:500], language=language, subject=message.subject[:300], body=message.text,
        html=message.html, created_at=now, next_try_at=not_before, tries=0, last_error="", claimed_until=None,
        claimed_by="", sent_at=now if sent else None, failed_at=None)


def _written(session: Session, event_key: str) -> bool:
    return session.exec(select(func.count()).select_from(Outbox).where(Outbox.event_key == event_key)).one() > 0


def _notify(session: Session, ctx: Context, *, event_key: str, event: str, render: Callable[[str], Message],
            area_id: int | None, people: list[Person], issue_id: int | None = None, robots: bool = True,
            urgent: bool, mark_nobody: bool = True) -> int:
    """Write an event's notices once: an e-mail to each person who takes e-mail, one message to each of the
    area's robots (the WeCom one @-mentions the people who chose WeCom); with nobody to tell, one row says so."""
    if _written(session, event_key):
        return 0
    not_before = notices.may_send_from(ctx.now, ctx.tz, ctx.settings.notify_rule, urgent=urgent)
    people = list({person.id: person for person in people if person.active}.values())
    area_robots = session.exec(select(NotifyChannel).where(NotifyChannel.area_id == area_id)
                               .order_by(NotifyChannel.kind)).all() if area_id is not None else []
    wecom = [person for person in people if person.notify_wecom and person.wecom_id]
    written = 0
    for person in people:
        if person.notify_email and person.email:
            _queue(session, key=f"{event_key}|email:{person.id}", event_key=event_key, event=event,
                   message=render(person.language), channel="email", not_before=not_before, now=ctx.now,
                   issue_id=issue_id, person_id=person.id, address=person.email, language=person.language)
            written += 1
    for robot in area_robots:
        mentions = tuple(person.wecom_id for person in wecom) if robot.kind == "wecom" else ()
        if not robots and not mentions:
            continue
        _queue(session, key=f"{event_key}|robot:{robot.id}", event_key=event_key, event=event,
               message=render(robot.language), channel=robot.kind, channel_id=robot.id, not_before=not_before,
               now=ctx.now, issue_id=issue_id, mentions=mentions, language=robot.language)
        written += 1
    if not written and mark_nobody:           # shown in the outbox: the event happened, no channel was set up
        _queue(session, key=f"{event_key}|nobody", event_key=event_key, event=event, message=render("zh"),
               channel="none", not_before=not_before, now=ctx.now, issue_id=issue_id, sent=True)
    return written


def _issue_names(session: Session, issue: Issue) -> dict:
    area, owner = session.get(Area, issue.area_id), session.get(Person, issue.owner_id)
    return {"number": issue.number, "description": issue.description, "area_zh": area.name_zh,
            "area_en": area.name_en, "owner": owner.name, "owner_en": owner.name_en or owner.name}


def _notify_new_issue(session: Session, ctx: Context, issue: Issue, category_kind: str) -> None:
    """A new severity-A or customer (external) issue goes to the area's group chat at once (same transaction)."""
    if issue.severity != "A" and category_kind != "external":
        return
    names = _issue_names(session, issue)
    kind = "external" if category_kind == "external" else "severity_a"
    _notify(session, ctx, event_key=f"new_issue:{issue.id}", event="new_issue", area_id=issue.area_id, people=[],
            issue_id=issue.id, urgent=True, mark_nobody=False,
            render=lambda lang: notices.render_issue_notice("new_issue", names, lang, ctx.settings.public_url,
                                                            kind=t(f"notify.kind.{kind}", lang)))


def _smtp(session: Session) -> tuple[str, str]:
    row = session.exec(select(NotifyChannel).where(NotifyChannel.kind == "email")).first()
    settings = _settings()
    return (row.url, row.sender or settings.mail_from) if row else (settings.smtp_url, settings.mail_from)


@command
def queue_test(*, session: Session, actor_id: int | None, channel_id: int | None = None, address: str = "",
               ctx: Context) -> int:
    """A test message through the outbox: to an e-mail address over the e-mail server, or to one robot."""
    _authorize(session, actor_id, "configure")
    message = notices.render_test("zh", ctx.settings.public_url)
    event_key = f"test:{ctx.now.isoformat()}:{channel_id or address}"
    if channel_id is None:
        address = _text(address, "email", required=True, limit=200)
        _queue(session, key=event_key, event_key=event_key, event="test", message=message, channel="email",
               not_before=ctx.now, now=ctx.now, address=address)
    else:
        robot = _get(session, NotifyChannel, channel_id, "channel")
        _queue(session, key=event_key, event_key=event_key, event="test",
               message=notices.render_test(robot.language, ctx.settings.public_url), channel=robot.kind,
               channel_id=robot.id, not_before=ctx.now, now=ctx.now, language=robot.language)
    session.commit()
    return session.exec(select(Outbox.id).where(Outbox.key == event_key[:200])).one()


@command
def claim_notice(*, session: Session, worker: str, lease_seconds: int = 120, only: list[int] | None = None,
                 ctx: Context) -> dict | None:
    """The next notice due, held for this sender for `lease_seconds` (a sender killed mid-send frees it when the
    lease ends); with the channel's address and secret to send it with. None when nothing is due."""
    free = sa.or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < ctx.now)
    statement = (select(Outbox).where(Outbox.sent_at.is_(None), Outbox.failed_at.is_(None),
                                      Outbox.next_try_at <= ctx.now, free)
                 .order_by(Outbox.next_try_at, Outbox.id).limit(1))
    if only is not None:
        statement = statement.where(Outbox.id.in_(only))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    row = session.exec(statement).first()
    if row is None:
        session.commit()
        return None
    row.claimed_until, row.claimed_by = ctx.now + timedelta(seconds=lease_seconds), worker
    session.add(row)
    delivery = {"id": row.id, "key": row.key, "channel": row.channel, "address": row.address,
                "mentions": tuple(m for m in row.mentions.split(",") if m), "language": row.language,
                "subject": row.subject, "text": row.body, "html": row.html, "url": "", "secret": "", "sender": ""}
    if row.channel == "email":
        delivery["url"], delivery["sender"] = _smtp(session)
    else:
        robot = session.get(NotifyChannel, row.channel_id) if row.channel_id is not None else None
        if robot is not None:
            delivery["url"], delivery["secret"] = robot.url, robot.secret
    session.commit()
    return delivery


@command
def mark_sent(*, session: Session, outbox_id: int, worker: str, ctx: Context) -> bool:
    """The channel accepted the notice; only the sender holding it may say so."""
    done = session.execute(update(Outbox).where(Outbox.id == outbox_id, Outbox.claimed_by == worker,
                                                Outbox.sent_at.is_(None))
                           .values(sent_at=ctx.now, claimed_until=None)
                           .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return done == 1


@command
def mark_failed(*, session: Session, outbox_id: int, worker: str, error: str, ctx: Context) -> None:
    """Try again after a growing wait; after the plant's number of tries the row shows as failed."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.claimed_by != worker or row.sent_at is not None:
        session.commit()
        return
    row.tries += 1
    row.last_error = (error or "")[:1000]
    row.claimed_until = None
    row.next_try_at = ctx.now + notices.retry_after(row.tries)
    if row.tries >= ctx.settings.notify_rule.max_tries:
        row.failed_at = ctx.now
    session.add(row)
    session.commit()


@command
def retry_notice(*, session: Session, actor_id: int | None, outbox_id: int, ctx: Context) -> None:
    """An administrator sends a failed notice again (after mending the channel)."""
    _authorize(session, actor_id, "configure")
    row = _get(session, Outbox, outbox_id, "notice")
    if row.failed_at is None:
        raise ValidationFailed("err.no_change")
    row.failed_at, row.tries, row.next_try_at, row.claimed_until = None, 0, ctx.now, None
    session.add(row)
    session.commit()


@query
def outbox(*, session: Session, failed_only: bool = False, limit: int = 200) -> list[dict]:
    """The newest notices with their state (waiting, sent, failed) and last error, for the admin page."""
    statement = select(Outbox, Issue.number).join(Issue, Outbox.issue_id == Issue.id, isouter=True)
    if failed_only:
        statement = statement.where(Outbox.failed_at.is_not(None))
    rows = session.exec(statement.order_by(Outbox.id.desc()).limit(limit)).all()
    return [{"id": row.id, "event": row.event, "number": number, "channel": row.channel,
             "to": row.address or row.mentions, "subject": row.subject, "created_at": row.created_at,
             "next_try_at": row.next_try_at, "tries": row.tries, "last_error": row.last_error,
             "sent_at": row.sent_at, "failed_at": row.failed_at,
             "state": "sent" if row.sent_at else "failed" if row.failed_at else "waiting"} for row, number in rows]


@query
def outbox_row(outbox_id: int, *, session: Session) -> dict:
    if not _is_whole_number(outbox_id) or session.get(Outbox, outbox_id) is None:
        raise NotFound("err.not_found", field="notice", value=str(outbox_id))
    return session.get(Outbox, outbox_id).model_dump()


@query
def outbox_backlog(*, session: Session) -> dict[str, int]:
    """Notices not sent, waiting (the backlog a stuck sender grows) and failed (given up after the last try)."""
    waiting, failed = session.exec(select(
        func.count().filter(Outbox.failed_at.is_(None)), func.count().filter(Outbox.failed_at.is_not(None)))
        .where(Outbox.sent_at.is_(None))).one()
    return {"waiting": waiting, "failed": failed}
