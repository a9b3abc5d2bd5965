"""Notices by e-mail and group robots: when one may go, what the owner's digest holds, what each message says and
where its links lead. Pure functions of plain values (no database, no network); the store writes what they
make into the outbox and qr/notifier.py sends it."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from html import escape
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from qr import palette
from qr.i18n import t

CHANNEL_KINDS = ("email", "wecom", "dingtalk", "feishu")
ROBOT_KINDS = ("wecom", "dingtalk", "feishu")
# a customer's clock and a new customer complaint do not wait for the morning; the rest respects quiet hours
URGENT_EVENTS = frozenset({"new_issue", "clock_warning", "clock_missed", "test"})
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class NotifyRule:
    """The plant's notice settings (admin page, setting `notifications`)."""

    digest_minutes_before: int = 60          # the owner's digest goes this long before the area's meeting
    default_meeting_time: time = time(8, 30)  # for an area without its own meeting time
    quiet_start: time = time(21, 0)          # no digest or escalation notice from here …
    quiet_end: time = time(7, 0)             # … to here (plant clock)
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})   # ISO weekdays the plant works
    holidays: frozenset[date] = frozenset()  # the plant's holidays: no digest, notices wait for the next working day
    clock_warning_share: float = 0.25        # warn when this share of a customer clock's limit is left
    max_tries: int = 5                       # then a notice is shown as failed on the admin page

    def to_json(self) -> dict:
        return {"digest_minutes_before": self.digest_minutes_before,
                "default_meeting_time": self.default_meeting_time.strftime("%H:%M"),
                "quiet_start": self.quiet_start.strftime("%H:%M"), "quiet_end": self.quiet_end.strftime("%H:%M"),
                "workdays": sorted(self.workdays), "holidays": sorted(d.isoformat() for d in self.holidays),
                "clock_warning_share": self.clock_warning_share, "max_tries": self.max_tries}

    @classmethod
    def from_json(cls, value: dict) -> "NotifyRule":
        """The stored shape back; raises ValueError (or KeyError, TypeError) on anything malformed."""
        rule = cls(digest_minutes_before=int(value["digest_minutes_before"]),
                   default_meeting_time=time.fromisoformat(value["default_meeting_time"]),
                   quiet_start=time.fromisoformat(value["quiet_start"]),
                   quiet_end=time.fromisoformat(value["quiet_end"]),
                   workdays=frozenset(int(d) for d in value["workdays"]),
                   holidays=frozenset(date.fromisoformat(d) for d in value["holidays"]),
                   clock_warning_share=float(value["clock_warning_share"]), max_tries=int(value["max_tries"]))
        if not (0 <= rule.digest_minutes_before <= 24 * 60 and rule.workdays <= set(range(1, 8))
                and 0 < rule.clock_warning_share < 1 and 1 <= rule.max_tries <= 50):
            raise ValueError("out of range")
        return rule


def working_day(day: date, rule: NotifyRule) -> bool:
    """A day the plant works: one of its weekdays and not one of its holidays."""
    return day.isoweekday() in rule.workdays and day not in rule.holidays


def quiet(moment: time, rule: NotifyRule) -> bool:
    """Inside quiet hours; a span like 21:00–07:00 runs over midnight, equal ends mean none."""
    start, end = rule.quiet_start, rule.quiet_end
    if start == end:
        return False
    return start <= moment < end if start < end else moment >= start or moment < end


def may_send_from(now: datetime, tz: ZoneInfo, rule: NotifyRule, *, urgent: bool) -> datetime:
    """The first moment a notice may go: at once when urgent, else the next working-day moment out of quiet hours."""
    if urgent:
        return now
    local = now.astimezone(tz)
    for _ in range(800):                        # two years of holidays at most
        if not working_day(local.date(), rule):
            local = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
        elif quiet(local.timetz().replace(tzinfo=None), rule):
            end = datetime.combine(local.date(), rule.quiet_end, tzinfo=tz)
            local = end if end > local else datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
        else:
            return local.astimezone(timezone.utc)
    return now


def digest_moment(day: date, meeting_time: time | None, rule: NotifyRule, tz: ZoneInfo) -> datetime:
    """When an owner's digest of that day is due: the set time before their area's meeting."""
    meeting = datetime.combine(day, meeting_time or rule.default_meeting_time, tzinfo=tz)
    return (meeting - timedelta(minutes=rule.digest_minutes_before)).astimezone(timezone.utc)


def retry_after(tries: int) -> timedelta:
    """Backoff after a failed try: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(tries - 1, 0)), MAX_BACKOFF)


def clock_warning_at(started_at: datetime, due_at: datetime, share: float) -> datetime:
    """A customer clock warns when `share` of its limit is left (default a quarter)."""
    return due_at - (due_at - started_at) * share


def issue_link(public_url: str, number: str, lang: str) -> str:
    """The deep link that opens the issue's update form (a sign-in lands back on it)."""
    query = {"no": number, **({"lang": "en"} if lang == "en" else {})}
    return f"{public_url.rstrip('/')}/update?{urlencode(query)}"


def mask(secret: str) -> str:
    """A secret as the pages show it: enough to recognise, not enough to use."""
    if not secret:
        return ""
    return "••••" if len(secret) <= 8 else f"{secret[:3]}••••{secret[-2:]}"


def mask_url(url: str) -> str:
    """A channel's address with its password, query values and long path segments (robot tokens) masked."""
    if not url:
        return ""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{quote(parts.username, safe='')}{':' + mask(parts.password) if parts.password else ''}@{netloc}"
    path = "/".join(mask(segment) if len(segment) >= 16 else segment for segment in parts.path.split("/"))
    query = "&".join(f"{quote(name, safe='')}={mask(value)}" for name, value in parse_qsl(parts.query))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


@dataclass(frozen=True)
class Message:
    subject: str
    text: str                 # robots and the plain part of an e-mail
    html: str = ""            # the e-mail's HTML part


@dataclass(frozen=True)
class DigestItem:
    kind: str                 # report_due | red_without_countermeasure | target_near | follow_up
    number: str
    description: str
    detail: dict = field(default_factory=dict)


DIGEST_KINDS = ("report_due", "red_without_countermeasure", "target_near", "follow_up")


def digest_items(issues: list[dict], follow_ups: list[dict], on: date) -> list[DigestItem]:
    """What an owner must do before today's meeting, from their open issues as the board reads them (a dict of
    steps each with status, warning, countermeasure) and their issues' follow-up calls:
    reports due today or overdue, red steps without a countermeasure, steps reaching their target inside the
    warning window (a step the owner said is done, waiting for verification, is neither), and follow-up calls
    due (required ones, and those the weekly sample proposes)."""
    items = []
    for issue in sorted(issues, key=lambda i: i["number"]):
        if issue["closed_on"] is not None:
            continue
        if issue["next_report_on"] is not None and issue["next_report_on"] <= on:
            items.append(DigestItem("report_due", issue["number"], issue["description"],
                                    {"date": issue["next_report_on"].isoformat()}))
        for step in sorted(issue["steps"].values(), key=lambda s: s["position"]):
            if step["state"] != "open" or step.get("to_verify"):
                continue                # done, to verify: its next step is the quality engineer's check
            named = {"step": step["name_zh"], "step_en": step["name_en"], "date": step["target_on"].isoformat()}
            if str(getattr(step["status"], "value", step["status"])) == "R" and not step["countermeasure"]:
                items.append(DigestItem("red_without_countermeasure", issue["number"], issue["description"], named))
            elif step["warning"]:
                items.append(DigestItem("target_near", issue["number"], issue["description"], named))
    for call in sorted(follow_ups, key=lambda f: (f["due_on"], f["number"])):
        if call["done_on"] is None and call["due_on"] <= on and (call["required"] or call["proposed"]):
            items.append(DigestItem("follow_up", call["number"], call["description"],
                                    {"date": call["due_on"].isoformat()}))
    order = {kind: position for position, kind in enumerate(DIGEST_KINDS)}
    return sorted(items, key=lambda item: order[item.kind])    # stable: by number within a kind


def _line(item: DigestItem, lang: str) -> str:
    return t(f"notify.item.{item.kind}", lang, **item.detail)


def render_digest(name: str, day: date, items: list[DigestItem], lang: str, public_url: str) -> Message:
    """The owner's digest: one section per kind, every item a link to its update form."""
    subject = t("notify.digest.subject", lang, count=len(items), day=day.isoformat())
    text = [t("notify.digest.greeting", lang, name=name), ""]
    html = [f"<p>{escape(t('notify.digest.greeting', lang, name=name))}</p>"]
    for kind in DIGEST_KINDS:
        chosen = [item for item in items if item.kind == kind]
        if not chosen:
            continue
        heading = t(f"notify.digest.{kind}", lang, count=len(chosen))
        text += [heading]
        html += [f"<h3>{escape(heading)}</h3>", "<ul>"]
        for item in chosen:
            link = issue_link(public_url, item.number, lang)
            text += [f"- {item.number} {_short(item.description)}: {_line(item, lang)}", f"  {link}"]
            html += [f'<li><a href="{escape(link)}">{escape(item.number)}</a> {escape(_short(item.description))}: '
                     f"{escape(_line(item, lang))}</li>"]
        text += [""]
        html += ["</ul>"]
    text += [t("notify.footer", lang)]
    html += [f'<p style="color:{palette.GRID}">{escape(t("notify.footer", lang))}</p>']
    return Message(subject, "\n".join(text), _page(subject, html))


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _page(title: str, parts: list[str]) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body style="font-family:sans-serif">{"".join(parts)}</body></html>')


def render_issue_notice(event: str, issue: dict, lang: str, public_url: str, **values) -> Message:
    """A new severity-A or customer issue, an escalation, a customer clock's warning or miss: one issue, one link.
    `issue` has number, description, area and owner names in both languages; `values` fill the event's text
    (level, clock names, due time)."""
    en = lang == "en"
    named = {"number": issue["number"], "area": issue["area_en"] if en else issue["area_zh"],
             "owner": issue["owner_en"] if en else issue["owner"], **values}
    subject = t(f"notify.{event}.subject", lang, **named)
    lead = t(f"notify.{event}.body", lang, **named)
    link = issue_link(public_url, issue["number"], lang)
    text = "\n".join([subject, lead, _short(issue["description"], 200), link])
    html = _page(subject, [f"<p>{escape(lead)}</p>", f"<p>{escape(issue['description'])}</p>",
                           f'<p><a href="{escape(link)}">{escape(issue["number"])}</a></p>'])
    return Message(subject, text, html)


def render_test(lang: str, public_url: str) -> Message:
    subject = t("notify.test.subject", lang)
    text = "\n".join([subject, t("notify.test.body", lang), public_url])
    return Message(subject, text, _page(subject, [f"<p>{escape(t('notify.test.body', lang))}</p>",
                                                  f'<p><a href="{escape(public_url)}">{escape(public_url)}</a></p>']))
