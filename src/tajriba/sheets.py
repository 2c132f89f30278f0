"""Rows for spreadsheet programs that cannot run as formulas (CSV injection, OWASP).

A cell a customer or colleague typed that starts with = + - @ (or a tab or carriage return) would run as a
formula when the file is opened: `=HYPERLINK("http://evil", "click")` in a customer's name. CSV cells get a
leading apostrophe (the convention every spreadsheet program reads as "this is text"); XLSX cells are
written as text cells, so their value round-trips unchanged through our own import."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell that opens as the text it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet; text that looks like a formula stays text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
