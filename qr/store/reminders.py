"""Time-driven notices, found by the sender's scan: the owners' digests before their area's meeting, escalations
(an issue reaching level 1, 2 or 3) and customer response clocks (a warning, then the miss). Each is written to
the outbox once under its (issue, event, level) key, however many scans or senders run."""
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from models import Area, EscalationContact, Issue, Person, ResponseClock
from qr import notices
from qr.i18n import t
from qr.store.base import Context, _authorize, command, query
from qr.store.board import board_frame
from qr.store.follow_ups import follow_ups
from qr.store.outbox import _issue_names, _notify


@command
def scan_notices(*, session: Session, ctx: Context) -> int:
    """Write what has become due since the last scan; returns how many rows were written."""
    frame = board_frame(session=session, on=ctx.day, with_list=True)
    issues = frame.to_dict("records")
    written = _escalations(session, ctx, [i for i in issues if i["on_board"]])
    written += _clocks(session, ctx)
    if notices.working_day(ctx.day, ctx.settings.notify_rule):
        written += _digests(session, ctx, issues, scheduled=True)
    session.commit()
    return written


@command
def queue_digests(*, session: Session, actor_id: int | None, ctx: Context) -> int:
    """Every owner's digest at once (`python -m qr notify --digest-now`, the admin page's button), whatever the
    hour; returns how many rows were written."""
    _authorize(session, actor_id, "configure")
    issues = board_frame(session=session, on=ctx.day, with_list=True).to_dict("records")
    written = _digests(session, ctx, issues, scheduled=False)
    session.commit()
    return written


def _escalations(session: Session, ctx: Context, issues: list[dict]) -> int:
    """An issue at level N (days red, or a meeting's decision) tells that level's people and the area's chat."""
    contacts: dict[tuple[int, int], list[int]] = {}
    for row in session.exec(select(EscalationContact)).all():
        contacts.setdefault((row.area_id, row.level), []).append(row.person_id)
    written = 0
    for issue in issues:
        level = int(issue["escalation_level"])
        if level < 1:
            continue
        people = [session.get(Person, person_id) for person_id in contacts.get((issue["area_id"], level), [])]
        names = {key: issue[key] for key in ("number", "description", "area_zh", "area_en", "owner", "owner_en")}
        days = int(issue["days_red"])
        written += _notify(
            session, ctx, event_key=f"escalation:{issue['id']}:{level}", event="escalation", area_id=issue["area_id"],
            people=people, issue_id=issue["id"], urgent=False,
            render=lambda lang, names=names, level=level, days=days: notices.render_issue_notice(
                "escalation", names, lang, ctx.settings.public_url, level=level, days=days,
                role=t(f"escalation.{level}", lang)))
    return written


def _clocks(session: Session, ctx: Context) -> int:
    """A running customer clock warns its issue's owner and lead and the area's chat when a quarter (the
    plant's share) of its limit is left, and tells them again when it is missed."""
    share = ctx.settings.notify_rule.clock_warning_share
    rows = session.exec(select(ResponseClock, Issue).join(Issue, ResponseClock.issue_id == Issue.id)
                        .where(ResponseClock.responded_at.is_(None), Issue.closed_on.is_(None))
                        .order_by(ResponseClock.id)).all()
    written = 0
    for clock, issue in rows:
        if ctx.now >= clock.due_at:
            event = "clock_missed"
        elif ctx.now >= notices.clock_warning_at(clock.started_at, clock.due_at, share):
            event = "clock_warning"
        else:
            continue
        names = _issue_names(session, issue)
        due = clock.due_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
        people = [session.get(Person, issue.owner_id), session.get(Person, issue.lead_id)]
        written += _notify(
            session, ctx, event_key=f"{event}:{issue.id}:{clock.id}", event=event, area_id=issue.area_id,
            people=people, issue_id=issue.id, urgent=True,
            render=lambda lang, names=names, clock=clock, due=due, event=event: notices.render_issue_notice(
                event, names, lang, ctx.settings.public_url, due=due,
                clock=clock.name_en if lang == "en" else clock.name_zh))
    return written


def _digests(session: Session, ctx: Context, issues: list[dict], *, scheduled: bool) -> int:
    """Each owner with something to do gets one digest: scheduled, from the set time before their area's
    meeting until the meeting starts; asked for, at once (its own key, so it never stands in for the day's)."""
    rule, tz = ctx.settings.notify_rule, ctx.tz
    meeting_times = {area.id: area.meeting_time for area in session.exec(select(Area)).all()}
    calls = follow_ups(session=session, on=ctx.day)
    owners = dict(session.exec(select(Issue.id, Issue.owner_id)
                               .where(Issue.id.in_([call["issue_id"] for call in calls] or [0]))).all())
    owner_ids = {int(i["owner_id"]) for i in issues if i["closed_on"] is None} | set(owners.values())
    written = 0
    for person in session.exec(select(Person).where(Person.id.in_(owner_ids or {0}), Person.active)
                               .order_by(Person.id)).all():
        event_key = f"digest:{person.id}:{ctx.day.isoformat()}"
        if scheduled:
            meeting_time = meeting_times.get(person.area_id) or rule.default_meeting_time
            due = notices.digest_moment(ctx.day, meeting_time, rule, tz)
            meeting = datetime.combine(ctx.day, meeting_time, tzinfo=tz)
            if not due <= ctx.now < max(meeting, due + timedelta(minutes=30)):    # no digest after the meeting
                continue
        else:
            event_key += f":now:{ctx.now.isoformat()}"
        items = notices.digest_items([i for i in issues if i["owner_id"] == person.id],
                                     [c for c in calls if owners.get(c["issue_id"]) == person.id], ctx.day)
        if not items:
            continue
        name_of = {"zh": person.name, "en": person.name_en or person.name}
        written += _notify(
            session, ctx, event_key=event_key, event="digest", area_id=person.area_id, people=[person], robots=False,
            urgent=not scheduled,
            render=lambda lang, items=items, name_of=name_of: notices.render_digest(
                name_of[lang], ctx.day, items, lang, ctx.settings.public_url))
    return written


@query
def digest_preview(person_id: int, on: date, *, session: Session, ctx: Context) -> notices.Message:
    """The digest a person would get on a day, in their language, whatever the hour (tests, the README's picture)."""
    person = session.get(Person, person_id)
    issues = [i for i in board_frame(session=session, on=on, with_list=True).to_dict("records")
              if i["owner_id"] == person.id]
    calls = follow_ups(session=session, on=on)
    owners = dict(session.exec(select(Issue.id, Issue.owner_id)).all())
    items = notices.digest_items(issues, [c for c in calls if owners.get(c["issue_id"]) == person.id], on)
    name = (person.name_en or person.name) if person.language == "en" else person.name
    return notices.render_digest(name, on, items, person.language, ctx.settings.public_url)
