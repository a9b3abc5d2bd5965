"""What operations watch, per process: store calls (saves, refusals, durations), page render times, and a JSON
log line per store command. Prometheus reads it from /metrics (qr/web.py); each instance counts its own."""
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()   # our own: the default one would also export whatever else the process registers
SAVES = Counter("qr_saves", "Store commands applied (committed, not refused), by command", ["command"],
                registry=REGISTRY)
REFUSALS = Counter("qr_refusals", "Store commands refused (validation, role, a stale version), by command and reason",
                   ["command", "reason"], registry=REGISTRY)
STORE_SECONDS = Histogram("qr_store_seconds", "Duration of store commands and queries, by kind and name",
                          ["kind", "name"], registry=REGISTRY)
RENDER_SECONDS = Histogram("qr_render_seconds", "Server-side duration of a page's script run, by page", ["page"],
                           registry=REGISTRY, buckets=(.05, .1, .25, .5, 1, 2, 4, 8, 15, 30, 60))
OUTBOX = Gauge("qr_outbox_notices", "Notices in the outbox not sent: waiting (the backlog) or failed", ["state"],
               registry=REGISTRY)

log = logging.getLogger("qr.store")
_inside: ContextVar[bool] = ContextVar("qr_store_call", default=False)


def observed(kind: str, refusal: type[Exception]):
    """Time a store command or query and count its outcome; only the outermost call of a thread counts, so
    a command made of others is one save."""
    def decorate(fn):
        @wraps(fn)
        def run(*args, **kwargs):
            if _inside.get():
                return fn(*args, **kwargs)
            token, start, outcome, reason = _inside.set(True), time.perf_counter(), "failed", ""
            try:
                result = fn(*args, **kwargs)
                outcome = "saved" if kind == "command" else "read"
                return result
            except refusal as refused:
                outcome, reason = "refused", refused.key
                raise
            finally:
                _inside.reset(token)
                _record(kind, fn.__name__, time.perf_counter() - start, outcome, reason)
        return run
    return decorate


def _record(kind: str, name: str, seconds: float, outcome: str, reason: str) -> None:
    STORE_SECONDS.labels(kind=kind, name=name).observe(seconds)
    if kind == "command" and outcome == "saved":
        SAVES.labels(command=name).inc()
    elif kind == "command" and outcome == "refused":
        REFUSALS.labels(command=name, reason=reason).inc()
    # commands at INFO, queries (dozens per page) at DEBUG
    log.log(logging.INFO if kind == "command" else logging.DEBUG, "%s %s %s in %.1f ms", kind, name, outcome,
            seconds * 1000, extra={"command": name, "kind": kind, "outcome": outcome, "reason": reason,
                                   "duration_ms": round(seconds * 1000, 3)})


@contextmanager
def rendering(page: str):
    """Time one script run of a page (also one that ends early in st.stop or a rerun)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        RENDER_SECONDS.labels(page=page).observe(time.perf_counter() - start)
