"""Tables as downloads: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Arabic and Persian)
or XLSX. Every chart's table view offers both."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from tajriba.errors import Invalid
from tajriba.sheets import append_row, csv_cell
from tajriba.web.render import attachment

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MEDIA = {
    **FORMATS,
    "json": "application/json",
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "sav": "application/x-spss-sav",
    "zip": "application/zip",
}


def files(*kinds: str, description: str = "The file, as a download") -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that answers with a file: its media types in the OpenAPI document."""
    return {200: {"description": description, "content": {MEDIA[k].split(";")[0]: {} for k in kinds}}}


def table_file(
    columns: Sequence[tuple[str, str]],
    rows: Iterable[dict[str, Any]],
    fmt: str,
    stem: str,
    *,
    rtl: bool = False,
) -> Response:
    """A download of `rows` with the given (key, header) columns; `fmt` csv or xlsx."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", field="format")
    values = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([csv_cell(h) for h in headers])
        writer.writerows([csv_cell(v) for v in row] for row in values)
        return attachment(("\ufeff" + buf.getvalue()).encode(), FORMATS["csv"], f"{stem}.csv")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = stem[:31]
    ws.sheet_view.rightToLeft = rtl
    append_row(ws, headers)
    for row in values:
        append_row(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return attachment(out.getvalue(), FORMATS["xlsx"], f"{stem}.xlsx")


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value)
    return value
