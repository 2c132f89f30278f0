"""Move a warehouse (or one workspace of it) between engines: `tajriba warehouse copy --from URL --to URL`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tajriba.warehouse.schema import TABLES
from tajriba.warehouse.store import Warehouse


@dataclass
class CopyReport:
    tables: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every table holds at least what the source holds (rows already there are kept, never doubled)."""
        return all(t["target"] >= t["source"] for t in self.tables.values())


def copy_warehouse(
    source: Warehouse,
    target: Warehouse,
    *,
    workspace_id: int | None = None,
    rows: int = 100_000,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every table's rows from `source` into `target` in batches of `rows`.

    Each batch lands whole or not at all and is appended by natural key, so an interrupted copy is finished
    by running it again; rows the target already has under the same key are kept as they are.
    """
    target.create_schema()
    report = CopyReport()
    for name in TABLES:
        read = stored = 0
        for batch in source.read_batches(name, workspace_id=workspace_id, rows=rows):
            read += batch.num_rows
            stored += target.append(name, batch)
            if progress is not None:
                progress(name, read)
        report.tables[name] = {
            "read": read,
            "stored": stored,
            "source": source.count(name, workspace_id),
            "target": target.count(name, workspace_id),
        }
    target.checkpoint()
    return report
