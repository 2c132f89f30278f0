"""Uploaded files waiting for import: saved within limits, counted against a quota, removed when done."""

from __future__ import annotations

import time
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
KEEP_UPLOADS_S = 24 * 3600  # an upload nobody imported within a day is removed
KEEP_REPORTS_S = 7 * 24 * 3600  # rejected-row reports stay a week


class TooLarge(Exception):
    """The file did not fit in the room it had."""


def held_bytes(folder: Path) -> int:
    """What a workspace's upload folder holds now."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def save(source: BinaryIO, target: Path, *, limit: int) -> int:
    """Copy a stream to `target` in chunks; over `limit` bytes the partial file is removed and TooLarge raised."""
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(size)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return size


def remove(path: Path) -> None:
    """Remove an upload whose import has ended (its rejected-rows report stays beside it)."""
    path.unlink(missing_ok=True)


def purge(root: Path, *, now: float | None = None) -> int:
    """Remove uploads older than a day and reports older than a week, in every workspace; return how many."""
    if not root.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for path in root.glob("*/*"):
        if not path.is_file():
            continue
        keep = KEEP_REPORTS_S if path.name.endswith(".rejected.csv") else KEEP_UPLOADS_S
        if now - path.stat().st_mtime > keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
