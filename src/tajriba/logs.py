"""Log lines without personal data: every line is passed through the same redaction as texts."""

from __future__ import annotations

import logging
from collections.abc import Callable

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record (with its traceback), then passes the line through `redact` (the text domain's
    redaction, given by the entry point: emails, phones, ids and cards replaced by their kind)."""

    def __init__(self, fmt: str, *, redact: Callable[[str], str]) -> None:
        super().__init__(fmt)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure(level: str, *, redact: Callable[[str], str]) -> None:
    """Log to standard error at `level`, redacted (serve and worker)."""
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(FORMAT, redact=redact))
