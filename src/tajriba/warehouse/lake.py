"""The lake of the Spark warehouse: Parquet files per table and workspace, and snapshots that name them.

A directory holds everything (on one machine, or a shared POSIX file system every node mounts):

    lake/data/<table>/workspace_id=<n>/<uuid>.parquet   rows, written once and never changed
    lake/snapshots/<version>.json                       which files make up each table at that version
    lake/CURRENT                                        the version readers use (replaced atomically)
    lake/LOCK                                           held by the one writer at a time (flock)

A write never changes a file: it writes new files and, at commit, a new snapshot that adds them and drops the
ones they replace; `CURRENT` moves to it with one rename. So a reader sees a whole commit or none of it, and
a failed transaction leaves only files no snapshot names (removed by `vacuum`). Writers take turns through
`LOCK` (one process) and a lock per process (its threads): a transaction of several statements lands whole.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tajriba.errors import TajribaError

Files = tuple[str, ...]


@dataclass
class Snapshot:
    """The files of every table at one version: `tables[table][workspace_id]` = paths relative to the lake."""

    version: int = 0
    tables: dict[str, dict[int, Files]] = field(default_factory=dict)

    def files(self, table: str, workspace_id: int | None = None) -> Files:
        parts = self.tables.get(table, {})
        if workspace_id is not None:
            return parts.get(workspace_id, ())
        return tuple(f for ws in sorted(parts) for f in parts[ws])

    def workspaces(self, table: str) -> list[int]:
        return sorted(self.tables.get(table, {}))

    def replace(self, table: str, workspace_id: int, files: Files) -> None:
        parts = self.tables.setdefault(table, {})
        if files:
            parts[workspace_id] = files
        else:
            parts.pop(workspace_id, None)

    def copy(self) -> Snapshot:
        return Snapshot(self.version, {t: dict(parts) for t, parts in self.tables.items()})

    def encode(self) -> bytes:
        tables = {t: {str(ws): list(f) for ws, f in parts.items()} for t, parts in self.tables.items()}
        return orjson.dumps({"version": self.version, "tables": tables})

    @classmethod
    def decode(cls, raw: bytes) -> Snapshot:
        data = orjson.loads(raw)
        tables = {t: {int(ws): tuple(f) for ws, f in parts.items()} for t, parts in data["tables"].items()}
        return cls(int(data["version"]), tables)


class Lake:
    """One lake directory: its current snapshot, its writer lock, new file names, commits and clean-up."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        (self.root / "snapshots").mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        self._lock = threading.RLock()
        self._held = 0
        self._lock_file: int | None = None
        self._cache: Snapshot | None = None

    def path(self, relative: str) -> str:
        return str(self.root / relative)

    def current(self) -> Snapshot:
        """The snapshot readers use now (its file read again only when CURRENT names another version).

        CURRENT's content is read every time: a stat mark (mtime, inode) can repeat when two commits land in
        one tick of the file system's clock and the second's file reuses the first's freed inode."""
        try:
            version = int((self.root / "CURRENT").read_text().strip())
        except FileNotFoundError:
            return Snapshot()
        if self._cache is not None and self._cache.version == version:
            return self._cache
        snap = Snapshot.decode((self.root / "snapshots" / f"{version:012d}.json").read_bytes())
        self._cache = snap
        return snap

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lake's writer lock (this process's threads and other processes take turns)."""
        with self._lock:
            if self._held == 0:
                fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._lock_file = fd
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
                if self._held == 0 and self._lock_file is not None:
                    fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                    os.close(self._lock_file)
                    self._lock_file = None

    def new_file(self, table: str, workspace_id: int) -> str:
        """A fresh relative path for a file of one table's workspace (its folder made)."""
        folder = Path("data") / table / f"workspace_id={workspace_id}"
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        return str(folder / f"{uuid.uuid4().hex}.parquet")

    def commit(self, snap: Snapshot, base: Snapshot | None = None) -> Snapshot:
        """Write `snap` as the next version and point CURRENT at it (the caller holds `writing()`).

        `base` is the snapshot the changes started from: when another commit landed since (another handle of
        the same thread), the changes are applied on top of it, partition by partition; a file this commit
        replaces that is gone already is a conflict (nothing is written)."""
        current = self.current()
        if base is not None and current.version != base.version:
            snap = rebase(snap, base, current)
        done = Snapshot(current.version + 1, snap.copy().tables)
        target = self.root / "snapshots" / f"{done.version:012d}.json"
        _write_atomic(target, done.encode())
        _write_atomic(self.root / "CURRENT", str(done.version).encode())
        return done

    def vacuum(self, grace_seconds: float = 900.0) -> int:
        """Remove snapshots older than the grace period (but the current one) and the files no kept snapshot
        names, once they are older than the grace period too (a reader may still be reading them, a writer
        may not have committed them yet). Returns how many data files were removed."""
        with self.writing():
            now = time.time()
            current = self.current()
            keep: set[str] = set()
            for path in sorted((self.root / "snapshots").glob("*.json")):
                if path.name == f"{current.version:012d}.json":
                    continue
                if now - path.stat().st_mtime > grace_seconds:
                    path.unlink(missing_ok=True)
                    continue
                keep.update(_all_files(Snapshot.decode(path.read_bytes())))
            keep.update(_all_files(current))
            removed = 0
            for path in (self.root / "data").rglob("*.parquet"):
                rel = str(path.relative_to(self.root))
                if rel not in keep and now - path.stat().st_mtime > grace_seconds:
                    path.unlink(missing_ok=True)
                    removed += 1
            return removed


class LakeConflict(TajribaError):
    status = 503
    code = "warehouse_busy"


def rebase(snap: Snapshot, base: Snapshot, current: Snapshot) -> Snapshot:
    """The changes from `base` to `snap` applied to `current`."""
    out = current.copy()
    for table in set(snap.tables) | set(base.tables):
        for ws in set(snap.tables.get(table, {})) | set(base.tables.get(table, {})):
            before, after = set(base.files(table, ws)), snap.files(table, ws)
            if before == set(after):
                continue
            removed, added = before - set(after), [f for f in after if f not in before]
            now = current.files(table, ws)
            if removed - set(now):
                raise LakeConflict(
                    f"{table}: another write changed workspace {ws}'s rows at the same time; try again"
                )
            out.replace(table, ws, tuple(f for f in now if f not in removed) + tuple(added))
    return out


_LAKES: dict[Path, Lake] = {}
_LAKES_LOCK = threading.Lock()


def lake_at(root: str | Path) -> Lake:
    """The process's one `Lake` of a directory (its threads share the writer lock)."""
    key = Path(root).resolve()
    with _LAKES_LOCK:
        if key not in _LAKES:
            _LAKES[key] = Lake(key)
        return _LAKES[key]


def _all_files(snap: Snapshot) -> set[str]:
    return {f for parts in snap.tables.values() for files in parts.values() for f in files}


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
