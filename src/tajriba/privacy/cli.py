"""`tajriba privacy export|erase|purge`: the access archive of one person, their erasure, the retention purge.
A workspace or customer the stores do not know exits with code 2 and says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from tajriba.commands import DataDir, Stores, echo_json, settings_for

privacy_app = typer.Typer(help="Privacy operations: a person's data, their requests.", no_args_is_help=True)


@contextmanager
def _in_workspace(settings: Any, slug: str) -> Iterator[tuple[Any, Any, Any]]:
    """(session, warehouse, workspace) of one command; a refusal is printed and exits with code 2."""
    from tajriba.accounts import service as accounts
    from tajriba.errors import TajribaError

    with Stores(settings) as stores, stores.session() as session:
        assert stores.warehouse is not None
        try:
            yield session, stores.warehouse, accounts.get_workspace(session, slug=slug)
        except TajribaError as exc:
            typer.echo(str(exc), err=True)
            raise SystemExit(2) from None


@privacy_app.command("export")
def export_cmd(
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    customer: Annotated[str, typer.Option(help="The customer's id (as on their profile page).")],
    out: Annotated[Path, typer.Option(help="The ZIP file to write.")],
    language: Annotated[str, typer.Option(help="Language of the summary: ar, fa or en.")] = "ar",
    data_dir: DataDir = None,
) -> None:
    """Write everything held about one customer (both stores) as JSON + CSV, with a summary in their language;
    prints the number of items per table."""
    from tajriba.audit import Operator
    from tajriba.privacy import export

    if language not in ("ar", "fa", "en"):
        raise typer.BadParameter("expected ar, fa or en", param_hint="--language")
    with _in_workspace(settings_for(data_dir), workspace) as (session, wh, ws):
        counts = export.export_customer(session, wh, workspace=ws, customer_id=customer, out=out, language=language,
                                        actor=Operator(ws.id, "privacy-export"))  # fmt: skip
    echo_json({"out": str(out), "items": counts})


@privacy_app.command("erase")
def erase_cmd(
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    customer: Annotated[str, typer.Option(help="The customer's id (as on their profile page).")],
    reason: Annotated[
        str | None, typer.Option(help="Why (kept in the audit log), e.g. the request number.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Erase one customer from both stores and the uploaded files, then rewrite the stores' files so that no
    erased value is left in free space. Deferred (exit code 3) while a legal hold is active."""
    from tajriba.audit import Operator
    from tajriba.privacy import erase
    from tajriba.warehouse import open_warehouse

    settings = settings_for(data_dir)
    with _in_workspace(settings, workspace) as (session, wh, ws):
        outcome = erase.erase_customer(session, wh, workspace_id=ws.id, customer_id=customer,
                                       actor=Operator(ws.id, "privacy-erase"), uploads=settings.data_dir / "uploads",
                                       reason=reason)  # fmt: skip
    if outcome.reclaimed.get("warehouse") == "next_open":  # this command had the file to itself: now
        open_warehouse(settings.warehouse_address).close()
        outcome.reclaimed["warehouse"] = "done"
    echo_json(outcome.as_dict())
    if outcome.status == "deferred":
        raise SystemExit(3)


@privacy_app.command("purge")
def purge_cmd(
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; remove nothing.")] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option(help="Purge as if it were this date (e.g. preview next month's run with --dry-run)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Remove what the workspace's retention rules say is past keeping (a legal hold keeps a person's data) and
    carry out erasures whose hold was released; prints the counts per table."""
    from tajriba.audit import Operator
    from tajriba.privacy import retention

    moment = as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of
    with _in_workspace(settings_for(data_dir), workspace) as (session, wh, ws):
        done = retention.purge(session, wh, workspace_id=ws.id, actor=Operator(ws.id, "privacy-purge"), now=moment,
                               dry_run=dry_run)  # fmt: skip
    echo_json(done.as_dict())
