"""Log lines without personal data: every line is passed through the same redaction as texts."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record (with its traceback), then replaces emails, phones, ids and cards by their kind."""

    def format(self, record: logging.LogRecord) -> str:
        from tajriba.text import pii

        line = super().format(record)
        return pii.redact(line, pii.detect(line))


def configure(level: str) -> None:
    """Log to standard error at `level`, redacted (serve and worker)."""
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
