"""Progress bars for long CLI jobs (imports, text enrichment, warehouse copies, value fits, exports).

One look for every command: what is being done, a bar when the total is known (or estimated), how many of
what, the rate, the time so far and the time left. Drawn with rich on standard error, so standard output
keeps only the command's answer (JSON stays parseable); where standard error is not a terminal (CI, a
pipe) rich draws nothing while running and the caller's own summary says what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Update = Callable[..., None]


@contextmanager
def bar(
    label: str, *, total: float | None = None, unit: str = "rows", quiet: bool = False
) -> Iterator[Update]:
    """A progress bar; call the yielded `update(done, total=None, label=None)` as work advances."""
    if quiet:
        yield lambda *_a, **_k: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,.0f} " + unit),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(label, total=total, rate="")

        def update(done: float, total: float | None = None, label: str | None = None) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = f"{done / elapsed:,.0f} {unit}/s" if elapsed > 0.5 else ""
            progress.update(task, completed=done, rate=rate)
            if total is not None:
                progress.update(task, total=max(total, done))
            if label is not None:
                progress.update(task, description=label)

        yield update
        final = progress.tasks[task]
        progress.update(task, total=final.completed)  # a finished job's bar is full, whatever was estimated


def estimated_rows(path: Path, *, sample_bytes: int = 1 << 20) -> int | None:
    """Rows a line-based file (CSV, TSV, JSONL) probably holds, from the lines of its first megabyte; None
    for other files (a spreadsheet or Parquet file says its size only when read)."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson"):
        return None
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(sample_bytes)
    except OSError:
        return None
    lines = head.count(b"\n")
    if not lines:
        return None
    return max(int(size / len(head) * lines) - 1, 0)
