"""`tajriba social import FILE --workspace SLUG --format FORMAT`: a platform's export or payload, or an RSS/Atom
document, stored as mentions (the same path as `POST /api/v1/social/imports`). A refusal (a bad item, a broken
feed, an unknown workspace) is printed and exits with code 2; nothing of the file is stored then."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tajriba.commands import DataDir, Stores, echo_json, settings_for

social_app = typer.Typer(help="Social listening: mentions from files.", no_args_is_help=True)


@social_app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="The file: JSON (a platform's payload), a Play reviews CSV, RSS/Atom.")
    ],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    format: Annotated[  # noqa: A002
        str,
        typer.Option(
            help="tajriba, x, instagram, tiktok, youtube, app_store, google_reviews, google_play or rss."
        ),
    ],
    data_dir: DataDir = None,
) -> None:
    """Store the file's mentions (deduplicated, analysed, tagged); prints what was stored and dropped."""
    import orjson

    from tajriba.accounts import service as accounts
    from tajriba.errors import TajribaError
    from tajriba.models.base import utcnow
    from tajriba.social import service

    if format not in service.FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(service.FORMATS)}", param_hint="--format")
    body = file.read_bytes()
    with Stores(settings_for(data_dir)) as stores, stores.session() as session:
        assert stores.warehouse is not None
        try:
            ws = accounts.get_workspace(session, slug=workspace)
            payload = body if format in ("google_play", "rss") else orjson.loads(body)
            now = utcnow().replace(tzinfo=None)
            items = service.parse(payload, format, now=now)
            report = service.take(session, stores.warehouse, workspace=ws, items=items, now=now)
        except (TajribaError, orjson.JSONDecodeError) as exc:
            typer.echo(getattr(exc, "message", str(exc)), err=True)
            raise SystemExit(2) from None
    echo_json({k: v for k, v in report.as_dict().items() if k != "ids"})
