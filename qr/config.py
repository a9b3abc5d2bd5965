"""Settings read from the environment (docs/interfaces.md), with the embedded defaults."""
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from qr.notices import NotifyRule
from qr.rules import DEFAULT_LADDER, SEVERITY, AdmissionRule, FollowUpRule, MoveRule, QChartRule

ROOT = Path(__file__).resolve().parent.parent
# the meeting's settings the environment (or the code) gives first; an administrator's saved value wins
MEETING_SETTINGS = ("issue_seconds", "meeting_target_minutes", "meeting_limit_minutes", "refresh_seconds",
                    "public_board")
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'board.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    demo: bool = True
    tz_name: str = "Asia/Shanghai"
    warning_days: int = 2
    colour_rule: str = "GM"  # GM | START
    # days red → level, per severity (docs/domain-rules.md); the admin page changes them in the boardsetting table
    escalation_ladders: dict[str, tuple[tuple[int, int], ...]] = field(
        default_factory=lambda: {severity: DEFAULT_LADDER for severity in SEVERITY})
    refresh_seconds: int = 60
    max_upload_mb: int = 20
    max_import_mb: int = 10           # largest workbook the import reads (page and command line)
    admission_rule: AdmissionRule = field(default_factory=AdmissionRule)
    qchart_rule: QChartRule = field(default_factory=QChartRule)
    verify_exits: bool = True         # an owner's "done" waits for the quality engineer's check (对比退出)
    move_rule: MoveRule = field(default_factory=MoveRule)   # target moves past it wait for the facilitator
    watch_list_in_meeting: bool = True    # watch-list issues report after the board's at the meeting
    issue_seconds: int = 120          # each owner's reporting slot at the meeting
    meeting_target_minutes: int = 15  # the meeting timer warns past this
    meeting_limit_minutes: int = 30   # and turns red past this
    follow_up_days: int = 7           # a closed issue's follow-up (回访) is due this many days after closing
    follow_up_share: float = 0.3      # of the closed internal issues, at least this share is followed up weekly
    follow_up_rule: FollowUpRule = field(default_factory=FollowUpRule)   # "not solved", calls while open (admin)
    public_board: bool = True         # the board (read-only) opens without signing in: the meeting room's projector
    session_hours: int = 12           # a sign-in lasts this long after the last action (30 days when kept)
    notify_rule: NotifyRule = field(default_factory=NotifyRule)   # digests, quiet hours, holidays (admin page)
    public_url: str = "http://localhost:8501"   # the links in notices start with it
    smtp_url: str = ""                # the e-mail server when the admin page sets none
    mail_from: str = ""               # the sender of notices by e-mail, likewise
    log_json: bool = False            # QR_LOG_JSON=1: the app's log as JSON lines (qr/logs.py)
    # PostgreSQL connections of one instance: Streamlit runs each browser's rerun in a thread of its own, so the
    # pool is sized for 50 people saving at once; two instances need max_connections above 100 (compose.yaml: 150)
    db_pool_size: int = 10
    db_max_overflow: int = 40         # with the pool: a connection for each of 50 script runs at once
    db_pool_timeout: int = 30         # seconds a save waits for a free connection
    db_lock_timeout_ms: int = 5000    # a save waiting longer on an issue another save holds is answered as stale

    @property
    def top_escalation_level(self) -> int:
        return max((level for ladder in self.escalation_ladders.values() for _, level in ladder), default=0)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)


def load_settings() -> Settings:
    """Read DATABASE_URL, QR_DEMO, QR_TZ, QR_REFRESH_SECONDS, QR_MAX_UPLOAD_MB, QR_MAX_IMPORT_MB,
    QR_FOLLOW_UP_DAYS, QR_SESSION_HOURS, QR_PUBLIC_BOARD (default: on in demo mode only), QR_PUBLIC_URL,
    QR_SMTP_URL, QR_MAIL_FROM, QR_LOG_JSON, QR_DB_POOL_SIZE, QR_DB_MAX_OVERFLOW, QR_DB_POOL_TIMEOUT and
    QR_DB_LOCK_TIMEOUT_MS; unset keeps the default."""
    demo = os.environ.get("QR_DEMO", "1") != "0"
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        demo=demo,
        public_board=os.environ.get("QR_PUBLIC_BOARD", "1" if demo else "0") != "0",
        tz_name=os.environ.get("QR_TZ") or "Asia/Shanghai",
        refresh_seconds=max(int(os.environ.get("QR_REFRESH_SECONDS") or 60), 1),
        max_upload_mb=max(int(os.environ.get("QR_MAX_UPLOAD_MB") or 20), 1),
        max_import_mb=max(int(os.environ.get("QR_MAX_IMPORT_MB") or 10), 1),
        follow_up_days=max(int(os.environ.get("QR_FOLLOW_UP_DAYS") or 7), 0),
        session_hours=max(int(os.environ.get("QR_SESSION_HOURS") or 12), 1),
        public_url=(os.environ.get("QR_PUBLIC_URL") or "http://localhost:8501").rstrip("/"),
        smtp_url=os.environ.get("QR_SMTP_URL") or "",
        mail_from=os.environ.get("QR_MAIL_FROM") or "",
        log_json=os.environ.get("QR_LOG_JSON") == "1",
        db_pool_size=max(int(os.environ.get("QR_DB_POOL_SIZE") or 10), 1),
        db_max_overflow=max(int(os.environ.get("QR_DB_MAX_OVERFLOW") or 40), 0),
        db_pool_timeout=max(int(os.environ.get("QR_DB_POOL_TIMEOUT") or 30), 1),
        db_lock_timeout_ms=max(int(os.environ.get("QR_DB_LOCK_TIMEOUT_MS") or 5000), 1),
    )
