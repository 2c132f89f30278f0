"""The consent ledger is append-only (PDPL IR Art 12 and GDPR Art 7(1): the controller proves each consent, so
no record of one may be rewritten). A withdrawal is a new row. Two changes are allowed: an identity merge (and
its undo) re-points rows to the surviving profile, changing `customer_id` only; an erasure or a workspace's
removal deletes them, inside `erasing()`.

Every engine's `Warehouse.run` passes its statement through `check`; on PostgreSQL a trigger refuses the same
to any other writer too (a BI tool, psql)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tajriba.errors import TajribaError

LEDGERS = ("consents",)
_DML = re.compile(r"^\s*(UPDATE|DELETE\s+FROM)\s+(\w+)\b", re.IGNORECASE)
_ERASING: ContextVar[bool] = ContextVar("tajriba_ledger_erasing", default=False)


class AppendOnly(TajribaError):
    status = 409
    code = "append_only"


@contextmanager
def erasing() -> Iterator[None]:
    """Deletes from the ledgers inside the block are an erasure's (or a workspace removal's) and go through."""
    token = _ERASING.set(True)
    try:
        yield
    finally:
        _ERASING.reset(token)


def is_erasing() -> bool:
    return _ERASING.get()


def touches(query: str) -> str | None:
    """ "update" or "delete" when the statement changes a ledger's rows, else None."""
    match = _DML.match(query)
    if match is None or match.group(2).lower() not in LEDGERS:
        return None
    return "update" if match.group(1).upper() == "UPDATE" else "delete"


def check(query: str) -> None:
    """Refuse a statement that would rewrite or delete ledger rows outside an erasure."""
    change = touches(query)
    if change is None:
        return
    if change == "delete":
        if not is_erasing():
            raise AppendOnly(
                "consents are append-only: a withdrawal is a new row, and only an erasure deletes one"
            )
        return
    import sqlglot
    import sqlglot.expressions as exp

    tree = sqlglot.parse_one(query, read="duckdb")
    changed = {e.this.name for e in tree.args.get("expressions") or [] if isinstance(e, exp.EQ)}
    if changed != {"customer_id"}:
        raise AppendOnly(
            "consents are append-only: only an identity merge re-points rows to another profile "
            f"(this statement sets {', '.join(sorted(changed)) or 'nothing'})"
        )


POSTGRES_TRIGGER = (
    """CREATE OR REPLACE FUNCTION tajriba_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    IF coalesce(current_setting('tajriba.erasing', true), '') = 'on' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: a withdrawal is a new row, and only an erasure deletes one', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - 'customer_id') IS DISTINCT FROM (to_jsonb(OLD) - 'customer_id') THEN
    RAISE EXCEPTION '% is append-only: only an identity merge re-points rows to another profile', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$""",
    "DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
    "EXECUTE FUNCTION tajriba_append_only()",
    "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
    "EXECUTE FUNCTION tajriba_append_only()",
)
