"""What every CLI command shares (the main CLI and each domain's sub-commands): settings, the two stores,
JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from tajriba.config import Settings
    from tajriba.warehouse import Warehouse


DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $TAJRIBA_DATA_DIR or ./.tajriba).")
]


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    from tajriba.config import load_settings

    return load_settings(data_dir=data_dir, **overrides)


class Stores:
    """The two stores opened for one CLI command."""

    def __init__(self, settings: Settings, *, warehouse: bool = True) -> None:
        from tajriba.db import migrate
        from tajriba.db.session import make_engine, make_session_factory

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.engine = make_engine(settings.db_url)
        migrate.upgrade(self.engine)
        self.factory: sessionmaker[Session] = make_session_factory(self.engine)
        self.warehouse: Warehouse | None = None
        if warehouse:
            from tajriba.warehouse import open_warehouse

            try:
                self.warehouse = open_warehouse(settings.warehouse_address)
                self.warehouse.create_schema()
            except BaseException:
                self.close()
                raise

    def session(self):
        from tajriba.db.session import transaction

        return transaction(self.factory)

    def close(self) -> None:
        if self.warehouse is not None:
            self.warehouse.close()
        self.engine.dispose()

    def __enter__(self) -> Stores:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
