"""Batches into PostgreSQL: COPY of an Arrow table (as CSV written by Arrow, row by row for types CSV cannot
carry) and the column types of a registered batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import psycopg

# Arrow types -> PostgreSQL column types, for registered batches
_PG_OF_ARROW = (
    (pa.types.is_boolean, "BOOLEAN"),
    (pa.types.is_integer, "BIGINT"),
    (pa.types.is_floating, "DOUBLE PRECISION"),
    (pa.types.is_decimal, "NUMERIC"),
    (pa.types.is_timestamp, "TIMESTAMP"),
    (pa.types.is_date, "DATE"),
)


def pg_type(kind: pa.DataType) -> str:
    for test, name in _PG_OF_ARROW:
        if test(kind):
            return name
    return "TEXT"


def copy_rows(con: psycopg.Connection[Any], name: str, columns: list[str], data: pa.Table) -> None:
    """COPY a batch into a table: written as CSV by Arrow (C speed), row by row for types CSV cannot carry."""
    import io

    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    names = ", ".join(f'"{c}"' for c in columns)
    arrays = []
    for c in columns:
        column = data.column(c)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            # PostgreSQL text cannot hold NUL: it becomes the replacement character
            column = pc.replace_substring(column, "\x00", "\ufffd")
        arrays.append(column)
    table = pa.table(arrays, names=columns)
    with con.cursor() as cur:
        try:
            buffer = io.BytesIO()
            pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            with cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                for row in zip(*(a.to_pylist() for a in arrays), strict=True):
                    copy.write_row(row)
            return
        # CSV: an unquoted empty field is NULL, a quoted one an empty text
        with cur.copy(f'COPY "{name}" ({names}) FROM STDIN (FORMAT csv)') as copy:
            copy.write(buffer.getvalue())
