"""Rows of one workspace: the one way a service fetches a row by id, checks a reference, or lists names.

Every table people configure carries `workspace_id`; a row of another workspace is as absent as a missing
one (a 404, never a hint that it exists elsewhere).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _


class _Scoped(Protocol):
    workspace_id: Any


Row = TypeVar("Row", bound=_Scoped)


def get(session: Session, model: type[Row], row_id: int | None, *, workspace_id: int, missing: str) -> Row:
    """The row `row_id` of `model` in the workspace, or NotFound with the message `missing`."""
    row = session.get(model, row_id) if row_id is not None else None
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(missing)
    return row


def check_ref(
    session: Session,
    model: type[Row],
    row_id: int | None,
    *,
    workspace_id: int,
    field: str,
    message: str | None = None,
) -> Row | None:
    """A reference a request sends (e.g. touchpoint_id): None, or a row of this workspace, or Invalid on `field`."""
    if row_id is None:
        return None
    row = session.get(model, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise Invalid(
            message
            or _("{field}: {row_id} does not exist in this workspace").format(field=field, row_id=row_id),
            field=field,
        )
    return row


def localized_names(session: Session, model: Any, *, workspace_id: int, locale: str) -> dict[int, str]:
    """Every row's name in `locale` (its `names` by locale, falling back to `name`), by id."""
    rows = session.scalars(select(model).where(model.workspace_id == workspace_id))
    return {r.id: localized_name(r, locale) for r in rows}


def localized_name(row: Any, locale: str) -> str:
    """One row's name in `locale`, falling back to its main name."""
    return str((row.names or {}).get(locale) or row.name)
