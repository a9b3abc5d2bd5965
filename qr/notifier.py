"""The sender of notices: `python -m qr notify --once | --every 60 | --digest-now`. A run scans for what has
become due (digests, escalations, customer clocks) and then sends the due outbox rows one at a time — claim,
send, mark sent only after the channel accepted it, else mark failed to be tried again after a growing wait.
One row claimed at a time keeps what a killed sender leaves behind to the one notice it was sending, which the
next run sends when its claim runs out; two senders never hold the same row."""
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass

from qr import channels, store
from qr.notices import ROBOT_KINDS, Message

log = logging.getLogger("qr.notify")


@dataclass
class Outcome:
    written: int = 0
    sent: int = 0
    failed: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-64:]


def lease_seconds() -> int:
    """How long a claimed row stays this sender's: longer than any send may take (QR_NOTIFY_LEASE_SECONDS)."""
    default = max(120, int(3 * channels.request_timeout()))
    return max(int(os.environ.get("QR_NOTIFY_LEASE_SECONDS") or default), 1)


def deliver(delivery: dict) -> None:
    """Send one claimed row on its channel; returns only when the channel accepted it."""
    if delivery["channel"] == "email":
        if not delivery["url"]:
            raise channels.DeliveryFailed("no e-mail server: set QR_SMTP_URL or the admin page's e-mail server")
        channels.send_email(delivery["url"], delivery["sender"], delivery["address"],
                            Message(delivery["subject"], delivery["text"], delivery["html"]))
    elif delivery["channel"] in ROBOT_KINDS:
        if not delivery["url"]:
            raise channels.DeliveryFailed("the robot was removed from the admin page")
        channels.send_robot(delivery["channel"], delivery["url"], delivery["secret"], delivery["text"],
                            delivery["mentions"])
    else:
        raise channels.DeliveryFailed(f"unknown channel {delivery['channel']!r}")


def send_due(*, worker: str | None = None, only: list[int] | None = None) -> Outcome:
    """Send every row that is due now, one claim at a time."""
    worker, lease, outcome = worker or worker_name(), lease_seconds(), Outcome()
    while (delivery := store.claim_notice(worker=worker, lease_seconds=lease, only=only)) is not None:
        try:
            deliver(delivery)
        except Exception as problem:          # any failure is the row's error, shown on the admin page
            reason = str(problem) if isinstance(problem, channels.DeliveryFailed) else repr(problem)
            store.mark_failed(outbox_id=delivery["id"], worker=worker, error=reason)
            log.warning("notice %s not sent: %s", delivery["key"], reason)
            outcome.failed += 1
            continue
        store.mark_sent(outbox_id=delivery["id"], worker=worker)
        outcome.sent += 1
    return outcome


def run_once() -> Outcome:
    written = store.scan_notices()
    outcome = send_due()
    outcome.written = written
    return outcome


def digests_now(actor_id: int | None = None) -> Outcome:
    written = store.queue_digests(actor_id=actor_id)
    outcome = send_due()
    outcome.written = written
    return outcome


def run_every(seconds: int, *, runs: int | None = None) -> None:
    """Scan and send every `seconds` (a compose service or a long-running process); `runs` ends it (tests)."""
    done = 0
    while runs is None or done < runs:
        started = time.monotonic()
        try:
            outcome = run_once()
            log.info("notices: %d written, %d sent, %d failed", outcome.written, outcome.sent, outcome.failed)
        except Exception:                       # a database hiccup must not end the service
            log.exception("notice run failed")
        done += 1
        if runs is None or done < runs:
            time.sleep(max(seconds - (time.monotonic() - started), 0))
