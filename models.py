"""SQLModel tables: the schema of QR Board and nothing else (Alembic migrations mirror it)."""
from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator):
    """A moment in UTC: refuses naive values and always returns aware ones (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(timezone.utc)")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _moment(**kwargs):
    return Field(sa_type=UTCDateTime, **kwargs)


class Plant(SQLModel, table=True):
    """A plant of the group: its areas, and through them its people, belong to it (the time zone stays global)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)


class Area(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    plant_id: int = Field(foreign_key="plant.id", index=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    # the functions its meeting needs at the table (quality,production …), comma-separated in rules.FUNCTIONS order
    required_functions: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    meeting_time: time | None = None  # when the daily meeting starts (plant clock): the owners' digest goes before it


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=200, unique=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    active: bool = True
    function: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})  # rules.FUNCTIONS
    language: str = Field(default="zh", max_length=2, sa_column_kwargs={"server_default": "zh"})  # of their messages
    notify_email: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    wecom_id: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})  # @-mentioned by robots
    notify_wecom: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    # e-mails are unique whatever their case: single sign-on matches them that way
    __table_args__ = (sa.Index("ix_person_email_lower", sa.func.lower(sa.column("email")), unique=True),)


class Category(SQLModel, table=True):
    """A source of issues; a row with a parent is a sub-type of that category."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    kind: str = Field(max_length=10)  # external (a customer's) | supplier | internal
    parent_id: int | None = Field(default=None, foreign_key="category.id")


class Customer(SQLModel, table=True):
    """A customer (an OEM and its plant) whose complaints the board tracks: rules, KPIs and PPM are theirs."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    site: str = Field(default="", max_length=100)  # the customer's plant the parts go to
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class CustomerDelivery(SQLModel, table=True):
    """Parts delivered to a customer in a month: the denominator of its PPM."""

    __table_args__ = (sa.UniqueConstraint("customer_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    month: date  # its first day
    quantity: int


class ResponseRule(SQLModel, table=True):
    """How fast the plant must answer an issue of this category (sub-types use their parent's rules); a
    customer's own rules, for one category or for all, win over the category's."""

    id: int | None = Field(default=None, primary_key=True)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    code: str = Field(max_length=20)  # ack | on_site | containment …
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    limit_minutes: int  # after the complaint was received
    # counted on the plant's working days only (its weekdays, not its holidays), else on the calendar
    working_time: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    position: int


class StepTemplate(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    severity: str | None = Field(default=None, max_length=1)  # the severity it is the default for


class TemplateStep(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("template_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="steptemplate.id", index=True)
    position: int
    code: str = Field(max_length=40)  # the same step across templates shares a code (board column)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    short_zh: str = Field(max_length=20)
    short_en: str = Field(max_length=20)
    eight_d: str = Field(max_length=10)
    guide_limit_days: int
    may_be_na: bool = True
    retired_on: date | None = None  # no longer given to new issues; the issues that have it keep it


class IssueSequence(SQLModel, table=True):
    """Last issue number handed out per year; updated under a row lock so numbers stay unique."""

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class Issue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    description: str = Field(max_length=2000)
    # the description's tokens as qr.similar compares them, kept with it: proposals read them instead of redoing them
    similarity_key: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    category_id: int = Field(foreign_key="category.id", index=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    part_number: str = Field(default="", max_length=100, index=True)  # repeats of a part are looked up by it
    severity: str = Field(max_length=1)  # A | B | C
    owner_id: int = Field(foreign_key="person.id", index=True)
    lead_id: int = Field(foreign_key="person.id", index=True)
    template_id: int = Field(foreign_key="steptemplate.id")
    opened_on: date = Field(index=True)
    next_report_on: date | None = None
    closed_on: date | None = Field(default=None, index=True)
    # closed as not valid or a duplicate: off the board like a closed issue, never counted as solved
    cancelled: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    on_board: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})  # else the watch list
    reviewed_at: datetime | None = _moment(default=None)  # when the review put it on the board or the watch list
    escalated_level: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # raised by a meeting
    received_at: datetime | None = _moment(default=None)  # when the customer's complaint reached the plant
    repeat_of_id: int | None = Field(default=None, foreign_key="issue.id")  # the past issue it is a repeat of
    # the owner looked at the similar past issues proposed for it: linked one as repeated, or said none is
    repeat_checked: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)  # a customer's complaint
    supplier: str = Field(default="", max_length=100)  # a supplier issue's supplier
    defect_quantity: int | None = None  # parts found bad: a customer's PPM counts them
    # 判定: a complaint judged valid or not valid, why, and whose responsibility (ours | supplier | customer | shared)
    disposition: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    disposition_reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    responsibility: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    supplier_8d_requested_on: date | None = None  # a supplier issue: the 8D asked of the supplier
    charge_back: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})  # 索赔
    # closing a customer's complaint waits for the customer's acceptance: who accepted, when, how
    awaiting_acceptance: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    accepted_on: date | None = None
    accepted_by: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    accepted_how: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    # a follow-up call answered "not solved" (when the plant flags instead of reopening)
    unsolved_flag: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    version: int = 1
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class IssueStep(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("issue_id", "template_step_id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    template_step_id: int = Field(foreign_key="templatestep.id")
    position: int
    target_on: date                 # the target in force: the original, or the last move applied or approved
    original_target_on: date        # the target the issue was opened with
    target_moves: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    move_requested_on: date | None = None     # a move waiting for the facilitator's approval: the target asked for
    move_reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    move_requested_by_id: int | None = Field(default=None, foreign_key="person.id")
    state: str = Field(default="open", max_length=4, index=True)  # open | done | na (the trends read the N/A ones)
    started_on: date | None = None
    completed_on: date | None = None
    marked_worse: bool = False
    marked_worse_on: date | None = None
    worse_reason: str = Field(default="", max_length=500)
    na_reason: str = Field(default="", max_length=500)
    countermeasure: str = Field(default="", max_length=2000)
    # verified exits (对比退出): the owner says done on a day with evidence; open until the quality engineer verifies
    claimed_on: date | None = None
    evidence: str = Field(default="", max_length=2000, sa_column_kwargs={"server_default": ""})
    claimed_by_id: int | None = Field(default=None, foreign_key="person.id")
    verified_on: date | None = None
    verified_by_id: int | None = Field(default=None, foreign_key="person.id")
    return_reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})


class Lesson(SQLModel, table=True):
    """经验教训: what one closed issue taught, written when it closes (again on a later closing), searchable by
    part, process, category and area from the lessons library."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", unique=True)
    part_number: str = Field(default="", max_length=100, index=True)
    process: str = Field(default="", max_length=200)  # where it happened (the 8D's D2 "where")
    problem: str = Field(max_length=2000)
    root_cause: str = Field(default="", max_length=4000)
    what_changed: str = Field(default="", max_length=4000)
    documents: str = Field(default="", max_length=4000)  # PFMEA, control plan, standard work … as updated
    written_at: datetime = _moment()


class ReadAcrossTarget(SQLModel, table=True):
    """横向展开: one place the fix of an issue must reach (another line, area, plant or a similar part number), with
    its owner and due date; done with evidence, or not applicable with the reason."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    kind: str = Field(max_length=10)  # line | area | plant | part
    target: str = Field(max_length=200)
    owner_id: int = Field(foreign_key="person.id")
    due_on: date
    state: str = Field(default="open", max_length=4)  # open | done | na
    evidence: str = Field(default="", max_length=2000)  # what was done there, or why it does not apply
    settled_on: date | None = None
    created_at: datetime = _moment()


class AuditEvent(SQLModel, table=True):
    """One changed field; written in the same transaction as the change, never edited or deleted."""

    # the trends' reads of one kind of change (targets moved, reopenings) without scanning the whole trail
    __table_args__ = (sa.Index("ix_auditevent_field_entity", "field", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _moment(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    actor_name: str = Field(default="", max_length=100)      # as the actor was called when they acted
    actor_name_en: str = Field(default="", max_length=100)
    entity: str = Field(max_length=30)
    entity_id: int
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    field: str = Field(max_length=40)
    old: str | None = None
    new: str | None = None
    reason: str = Field(default="", max_length=500)


class DailyQualityStatus(SQLModel, table=True):
    """The facilitator's override of an area's Q-chart colour for one day."""

    __table_args__ = (sa.UniqueConstraint("area_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id")
    day: date
    colour: str = Field(max_length=1)  # G | Y | R
    note: str = Field(default="", max_length=500)
    overridden: bool = False
    set_by_id: int | None = Field(default=None, foreign_key="person.id")
    set_at: datetime = _moment()


class Attachment(SQLModel, table=True):
    """Evidence or the problem-solving report (8D/PPSR), kept in the database so every instance sees it."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    step_id: int | None = Field(default=None, foreign_key="issuestep.id")
    kind: str = Field(max_length=10)  # report | evidence
    file_name: str = Field(max_length=255)
    file_type: str = Field(max_length=10)  # what the content is, sniffed: pdf, docx, png …
    size: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    uploaded_by_id: int | None = Field(default=None, foreign_key="person.id")
    uploaded_at: datetime = _moment()


class Meeting(SQLModel, table=True):
    """One area's daily quick-response meeting, started and ended by its facilitator."""

    __table_args__ = (sa.UniqueConstraint("area_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id")
    held_on: date = Field(index=True)
    facilitator_id: int = Field(foreign_key="person.id")
    started_at: datetime = _moment()
    ended_at: datetime | None = _moment(default=None)
    version: int = 1
    required_functions: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})  # as started


class MeetingAttendance(SQLModel, table=True):
    """One line of the sign-in sheet: a member of the area (listed when the meeting starts) or a guest."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    guest_name: str = Field(default="", max_length=100)
    guest: bool = False
    status: str = Field(default="absent", max_length=8)  # present | late | excused | absent
    function: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})  # as listed


class MeetingReport(SQLModel, table=True):
    """An issue reported at a meeting, in the order it was shown."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "issue_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    issue_id: int = Field(foreign_key="issue.id")
    position: int
    reported_at: datetime = _moment()


class MeetingDecision(SQLModel, table=True):
    """What the meeting decided for an issue: a new next report date, an action, or an escalation."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    kind: str = Field(max_length=12)  # next_report | action | escalate
    action: str = Field(default="", max_length=2000)
    action_owner_id: int | None = Field(default=None, foreign_key="person.id")
    due_on: date | None = None
    next_report_on: date | None = None
    escalated_level: int | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime = _moment()


class ReportOrder(SQLModel, table=True):
    """The facilitator's saved reporting order of an area's board issues."""

    __table_args__ = (sa.UniqueConstraint("area_id", "issue_id"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    issue_id: int = Field(foreign_key="issue.id")
    position: int


class ResponseClock(SQLModel, table=True):
    """One response rule running on one issue; the rule is copied so a later change of it leaves old clocks be."""

    __table_args__ = (sa.UniqueConstraint("issue_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    code: str = Field(max_length=20)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    position: int
    started_at: datetime = _moment()
    due_at: datetime = _moment(index=True)
    responded_at: datetime | None = _moment(default=None)
    responded_by_id: int | None = Field(default=None, foreign_key="person.id")
    response_how: str = Field(default="", max_length=500)


class FollowUp(SQLModel, table=True):
    """回访: calling the customer (or the raiser) back after an issue closed — is it solved, how satisfied."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    closed_on: date | None = None  # the closing it follows (reopened and closed again: called again); None: while open
    due_on: date = Field(index=True)
    required: bool  # external (customer) issues always; the others are sampled
    done_on: date | None = None
    contact: str = Field(default="", max_length=100)
    channel: str = Field(default="", max_length=10)  # phone | email | visit | wechat | other
    solved: bool | None = None
    satisfaction: int | None = None  # 1–5, overall
    # the same scale for response speed, solving ability and attitude (the practice scores the three)
    speed: int | None = None
    solving: int | None = None
    attitude: int | None = None
    remarks: str = Field(default="", max_length=2000)
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    recorded_at: datetime | None = _moment(default=None)
    created_at: datetime = _moment()


class EightDReport(SQLModel, table=True):
    """The built-in 8D / PPSR report of an issue, section by section (D1–D8) as the form's fields; the issue's
    version guards its saves like every other change of the issue."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", unique=True)
    content: dict = Field(default_factory=dict, sa_type=sa.JSON)
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = _moment()


class Account(SQLModel, table=True):
    """How a person signs in and what their role lets them do; the password only as an argon2 hash."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    username: str = Field(max_length=60, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)  # None: signs in only by single sign-on
    role: str = Field(max_length=12)  # viewer | owner | facilitator | admin
    active: bool = True
    demo: bool = False      # made by the demo data with its published password: disabled by any start with QR_DEMO=0
    created_at: datetime = _moment()


class SignInSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries a random token, the table only its SHA-256. Shared by every app
    instance on the database; ended by sign-out, expiry, or a change to the person's password, role or account."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _moment()
    last_seen_at: datetime = _moment()
    expires_at: datetime = _moment()
    keep: bool = False      # "keep me signed in on this device": 30 days instead of QR_SESSION_HOURS, sliding
    client: str = Field(default="", max_length=200)
    revoked_at: datetime | None = _moment(default=None)


class DisplayToken(SQLModel, table=True):
    """A screen by the line (a TV) that shows the board read-only without signing in: its URL carries a random
    token, the table only the token's SHA-256. Created and revoked by an administrator; both are audited."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, index=True)     # one live token per name; a revoked one's name may be reused
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _moment()
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    revoked_at: datetime | None = _moment(default=None)
    last_seen_at: datetime | None = _moment(default=None)


class SignInFailure(SQLModel, table=True):
    """A refused sign-in, by the name tried and the client that tried it: the throttle counts these."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, index=True)
    client: str = Field(max_length=100, index=True)
    at: datetime = _moment(index=True)


class BoardSetting(SQLModel, table=True):
    """One configurable rule of the board (colour rule, ladder …) as JSON; every change is audited."""

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=4000)
    version: int = 1
    updated_at: datetime = _moment()


class ImportMapping(SQLModel, table=True):
    """How one shape of sheet (its normalised header row, hashed) maps onto the board: columns, status words and
    step words as the last import of that shape used them, offered again the next time."""

    id: int | None = Field(default=None, primary_key=True)
    shape: str = Field(max_length=64, unique=True)
    mapping: dict = Field(default_factory=dict, sa_type=sa.JSON)
    saved_by_id: int | None = Field(default=None, foreign_key="person.id")
    saved_at: datetime = _moment()


class NotifyChannel(SQLModel, table=True):
    """Where notices go: the plant's e-mail server (no area) or an area's group-chat robot (WeCom, DingTalk, Feishu).
    Secrets stay here; the pages show them masked."""

    __table_args__ = (sa.UniqueConstraint("area_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    kind: str = Field(max_length=10)  # email | wecom | dingtalk | feishu
    url: str = Field(max_length=1000)  # smtp://… or the robot's webhook address
    secret: str = Field(default="", max_length=200)  # DingTalk / Feishu signing secret
    sender: str = Field(default="", max_length=200)  # e-mail From
    language: str = Field(default="zh", max_length=2)  # of the group chat's messages
    updated_at: datetime = _moment()


class EscalationContact(SQLModel, table=True):
    """Who hears of an area's issue reaching an escalation level (1 班组长, 2 部门经理, 3 厂长)."""

    __table_args__ = (sa.UniqueConstraint("area_id", "level", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    level: int
    person_id: int = Field(foreign_key="person.id")


class Outbox(SQLModel, table=True):
    """One notice to one recipient on one channel, written in the transaction of the event that causes it and
    marked sent only after the channel accepted it. `key` is unique: an event is written once, whoever scans."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    event_key: str = Field(max_length=160, index=True)  # the (issue, event, level) the row belongs to
    event: str = Field(max_length=20)  # new_issue | escalation | clock_warning | clock_missed | digest | test
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(max_length=10)  # email | wecom | dingtalk | feishu | none (nobody to tell)
    channel_id: int | None = None  # the robot; no foreign key, so a robot removed later leaves its history
    address: str = Field(default="", max_length=200)  # e-mail recipient
    mentions: str = Field(default="", max_length=500)  # WeCom ids the robot @-mentions
    language: str = Field(default="zh", max_length=2)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    html: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = _moment()
    next_try_at: datetime = _moment(index=True)  # not before: quiet hours, holidays, backoff
    tries: int = 0
    last_error: str = Field(default="", max_length=1000)
    claimed_until: datetime | None = _moment(default=None)  # a sender holds the row until then
    claimed_by: str = Field(default="", max_length=64)
    sent_at: datetime | None = _moment(default=None)
    failed_at: datetime | None = _moment(default=None)  # gave up after the last try
