"""QR_LOG_JSON=1: the app's log (the qr.* loggers) as one JSON object per line, for a log collector to read
fields (command, duration_ms) instead of parsing sentences."""
import json
import logging
import sys
from datetime import datetime, timezone

from qr.config import load_settings

_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """A record as JSON: time, level, logger, message, and every `extra` field the caller gave."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(stream=None) -> bool:
    """With QR_LOG_JSON=1, send the qr.* loggers (INFO and up) to stderr as JSON lines; idempotent, so every
    entry point may call it. Streamlit's own log lines keep their format."""
    if not load_settings().log_json:
        return False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("qr")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return True
