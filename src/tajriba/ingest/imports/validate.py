"""A batch of an import file checked and typed: each mapped field converted to its type (dates in the file's
format and time zone, amounts with the file's decimal mark, identifiers with Latin digits), each bad cell
reported with its row, column, value and what was expected, line items folded into their orders."""

from __future__ import annotations

import functools
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from tajriba.i18n import _
from tajriba.ingest.imports import convert
from tajriba.ingest.imports.mapping import FIELDS, LINKS, REQUIRED, Mapping, time_format_label

MAX_REPORTED = 100_000


class _Rejects:
    """Which rows of a batch are bad, with a reported error per bad cell (up to MAX_REPORTED in all)."""

    def __init__(self, batch: pa.Table, errors: list[dict[str, Any]]) -> None:
        self.batch, self.errors = batch, errors
        self.rows = batch.column("__row")
        self.bad = pa.chunked_array([pa.array([False] * batch.num_rows)])

    def reject(
        self, mask: pa.ChunkedArray, target: str, source_col: str, raw: pa.ChunkedArray | None, reason: str
    ) -> None:
        idx = pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()
        if not idx:
            return
        self.bad = pc.or_(self.bad, pc.fill_null(mask, False))
        row_numbers = self.rows.to_pylist()
        raw_values = raw.to_pylist() if raw is not None else [None] * self.batch.num_rows
        for i in idx[: MAX_REPORTED - len(self.errors)]:
            self.errors.append(
                {
                    "row": row_numbers[i],
                    "column": source_col,
                    "field": target,
                    "value": raw_values[i],
                    "reason": reason,
                }
            )


def convert_batch(
    batch: pa.Table,
    mapping: Mapping,
    *,
    tz: str,
    errors: list[dict[str, Any]],
    seen_keys: set[str] | None = None,
) -> tuple[pa.Table, pa.Array]:
    """Typed columns for every mapped field, and which rows are valid (errors are appended)."""
    kind = mapping.kind
    rejects = _Rejects(batch, errors)
    out: dict[str, pa.ChunkedArray] = {"__row": rejects.rows}
    for target, ftype in FIELDS[kind].items():
        _field(batch, mapping, target, ftype, tz=tz, rejects=rejects, out=out)
    linked = [f for f in LINKS[kind] if f in out]
    if linked:
        rejects.reject(
            functools.reduce(pc.and_, [pc.is_null(out[f]) for f in linked]),
            "customer",
            "/".join(mapping.columns.get(f, f) for f in linked),
            None,
            _("no customer identifier ({fields})").format(fields=", ".join(linked)),
        )
    for purpose, src in mapping.consents.items():
        if src not in batch.column_names:
            continue
        raw = batch.column(src)
        value = convert.to_bool(raw)
        failed = convert.failed(convert.clean(raw), value)
        rejects.reject(failed, f"consent:{purpose}", src, raw, _("expected yes or no"))
        out[f"__consent:{purpose}"] = value
    if mapping.traits:
        out["__extra"] = _traits_column(batch, mapping)
    table = pa.table(out)
    ok = pc.invert(rejects.bad)
    if mapping.line_items:
        table, ok = _fold_line_items(
            table, ok, mapping, errors, seen_keys if seen_keys is not None else set()
        )
    return table, ok


def _expected(ftype: str, time_format: str) -> str:
    """What a cell of this type should hold, in words for the error."""
    return {
        "time": _("expected a date and time ({format})").format(format=time_format_label(time_format)),
        "money": _("expected an amount"),
        "int": _("expected a whole number"),
        "float": _("expected a number"),
        "bool": _("expected yes or no"),
    }[ftype]


def _field(
    batch: pa.Table,
    mapping: Mapping,
    target: str,
    ftype: str,
    *,
    tz: str,
    rejects: _Rejects,
    out: dict[str, pa.ChunkedArray],
) -> None:
    """One mapped field (from its column or its default) typed into `out`; bad cells rejected."""
    src = mapping.columns.get(target)
    if src is not None and src in batch.column_names:
        raw = batch.column(src)
    elif target in mapping.defaults:
        raw = pa.chunked_array([pa.array([mapping.defaults[target]] * batch.num_rows, pa.string())])
        src = f"(default {target})"
    else:
        return
    time_format = mapping.formats.get(target, "iso")
    if ftype == "text" and target.endswith("_id"):
        value = convert.clean(raw)  # identifiers: Arabic-Indic and Persian digits written as Latin
    else:
        value = _typed(raw, ftype, time_format, tz=tz, decimal=mapping.decimal)
    if ftype != "text":
        rejects.reject(
            convert.failed(convert.clean(raw), value), target, src, raw, _expected(ftype, time_format)
        )
    if target in ("amount", "discount", "shipping") and ftype == "money":
        rejects.reject(pc.less(value, 0), target, src, raw, _("must not be negative"))
    out[target] = value
    if target in REQUIRED[mapping.kind]:
        rejects.reject(pc.is_null(convert.clean(raw)), target, src, raw, _("required, but empty"))


def _traits_column(batch: pa.Table, mapping: Mapping) -> pa.ChunkedArray:
    """The mapped extra traits of each row as one JSON object (empty cells left out)."""
    present = [(k, s) for k, s in mapping.traits.items() if s in batch.column_names]
    cols = [batch.column(s).to_pylist() for _k, s in present]
    if not cols:
        return pa.chunked_array([pa.array(["{}"] * batch.num_rows, pa.string())])
    names = [k for k, _s in present]
    values = [
        orjson.dumps({k: v for k, v in zip(names, vals, strict=True) if v not in (None, "")}).decode()
        for vals in zip(*cols, strict=True)
    ]
    return pa.chunked_array([pa.array(values, pa.string())])


def _fold_line_items(
    table: pa.Table, ok: pa.ChunkedArray, mapping: Mapping, errors: list[dict[str, Any]], seen_keys: set[str]
) -> tuple[pa.Table, pa.ChunkedArray]:
    """Exports with one row per line item: a row repeating an earlier order id adds its quantity to that order.

    Its own empty order fields are not errors, so those rejections are withdrawn.
    """
    key = mapping.key_field
    keys = table.column(key).to_pylist()
    rows = table.column("__row").to_pylist()
    items = table.column("items").to_pylist() if "items" in table.column_names else None
    first_index: dict[str, int] = {}
    continuation = [False] * len(keys)
    totals: dict[int, int] = {}
    for i, k in enumerate(keys):
        if k is None:
            continue
        if k in seen_keys and k not in first_index:
            continuation[i] = True  # the order's first row was in an earlier batch
        elif k in first_index:
            continuation[i] = True
            if items is not None and items[i] is not None:
                j = first_index[k]
                totals[j] = totals.get(j, items[j] or 0) + items[i]
        else:
            first_index[k] = i
            seen_keys.add(k)
    folded_rows = {rows[i] for i, c in enumerate(continuation) if c}
    errors[:] = [e for e in errors if e["row"] not in folded_rows]
    if items is not None and totals:
        merged = [totals.get(i, v) for i, v in enumerate(items)]
        table = table.set_column(table.column_names.index("items"), "items", pa.array(merged, pa.int32()))
    keep = pa.array([not c for c in continuation])
    return table, pc.and_(ok, keep)


def _typed(raw: pa.ChunkedArray, ftype: str, fmt: str, *, tz: str, decimal: str) -> pa.ChunkedArray:
    if ftype == "time":
        return convert.to_timestamp(raw, fmt=fmt, tz=tz)
    if ftype == "money":
        return convert.to_decimal(raw, decimal=decimal)
    if ftype == "int":
        return convert.to_int(raw)
    if ftype == "float":
        return convert.to_float(raw, decimal=decimal)
    if ftype == "bool":
        return convert.to_bool(raw)
    return pc.utf8_trim_whitespace(raw)
