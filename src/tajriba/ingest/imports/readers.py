"""Read CSV, TSV, XLSX, JSONL and Parquet files as batches of text columns, streaming (bounded memory)."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from tajriba.errors import Invalid

BATCH_ROWS = 100_000
FORMATS = ("csv", "tsv", "xlsx", "jsonl", "parquet")


@dataclass(frozen=True)
class Source:
    path: Path
    fmt: str
    encoding: str
    delimiter: str


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise Invalid(f"format must be one of {', '.join(FORMATS)}", field="format")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    aliases = {"txt": "csv", "ndjson": "jsonl", "json": "jsonl", "pq": "parquet", "xlsm": "xlsx"}
    fmt = aliases.get(suffix, suffix)
    if fmt not in FORMATS:
        raise Invalid(
            f"{path.name}: cannot tell the format from the extension; use one of {', '.join(FORMATS)}",
            field="format",
        )
    return fmt


def detect_encoding(path: Path, encoding: str = "auto") -> str:
    """BOM first (UTF-8, UTF-16), then strict UTF-8, else Windows-1256 (Arabic Excel exports)."""
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise Invalid(f"unknown encoding {encoding!r}", field="encoding") from None
        return encoding
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a character cut at the end of the sample
            return "utf-8"
        return "cp1256"


def open_source(
    path: Path, *, fmt: str | None = None, encoding: str = "auto", delimiter: str | None = None
) -> Source:
    if not path.is_file():
        raise Invalid(f"no such file: {path}", field="file")
    fmt = detect_format(path, fmt)
    enc = detect_encoding(path, encoding) if fmt in ("csv", "tsv", "jsonl") else "binary"
    delim = delimiter or ("\t" if fmt == "tsv" else ",")
    if fmt == "csv" and delimiter is None:
        delim = _sniff_delimiter(path, enc)
    return Source(path, fmt, enc, delim)


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in (",", ";", "\t", "|", "،")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_batches(source: Source) -> Iterator[pa.Table]:
    """Yield tables of text columns (header names as written), with `__row`: the 1-based data row number."""
    readers = {"csv": _csv, "tsv": _csv, "jsonl": _jsonl, "parquet": _parquet, "xlsx": _xlsx}
    row = 1
    for table in readers[source.fmt](source):
        if table.num_rows == 0:
            continue
        table = table.append_column("__row", pa.array(range(row, row + table.num_rows), pa.int64()))
        row += table.num_rows
        yield table


def _as_text(table: pa.Table) -> pa.Table:
    """Every column as text; header names trimmed (and a stray BOM removed)."""
    cols = [
        pa.nulls(len(c), pa.string()) if pa.types.is_null(c.type) else c.cast(pa.string())
        for c in table.columns
    ]
    return pa.table(cols, names=[str(n).strip().lstrip("\ufeff") for n in table.column_names])


def _csv(source: Source) -> Iterator[pa.Table]:
    from pyarrow import csv

    encoding = (
        "utf-8" if source.encoding in ("utf-8", "utf-8-sig") else source.encoding
    )  # Arrow drops a UTF-8 BOM
    read_opts = csv.ReadOptions(encoding=encoding, block_size=8 << 20)
    parse_opts = csv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True)
    try:
        # the first open learns the header; the second reads every column as text
        names = csv.open_csv(source.path, read_options=read_opts, parse_options=parse_opts).schema.names
        convert = csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True)
        for batch in csv.open_csv(
            source.path, read_options=read_opts, parse_options=parse_opts, convert_options=convert
        ):
            yield _as_text(pa.Table.from_batches([batch]))
    except pa.ArrowInvalid as exc:
        raise Invalid(
            f"{source.path.name}: cannot read as {source.fmt} ({source.encoding}): {exc}", field="file"
        ) from None


def _jsonl(source: Source) -> Iterator[pa.Table]:
    import orjson

    rows: list[dict] = []
    with source.path.open(encoding=source.encoding) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise Invalid(f"{source.path.name}: line {number} is not JSON: {exc}", field="file") from None
            if not isinstance(doc, dict):
                raise Invalid(f"{source.path.name}: line {number} is not a JSON object", field="file")
            rows.append(
                {
                    k: (
                        v
                        if v is None or isinstance(v, str)
                        else orjson.dumps(v).decode()
                        if isinstance(v, (dict, list))
                        else str(v)
                    )
                    for k, v in doc.items()
                }
            )
            if len(rows) >= BATCH_ROWS:
                yield _rows_table(rows)
                rows = []
    if rows:
        yield _rows_table(rows)


def _rows_table(rows: list[dict]) -> pa.Table:
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    return pa.table({n: pa.array([r.get(n) for r in rows], pa.string()) for n in names})


def _parquet(source: Source) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(source.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise Invalid(f"{source.path.name}: not a Parquet file ({exc})", field="file") from None
    for batch in file.iter_batches(batch_size=BATCH_ROWS):
        table = pa.Table.from_batches([batch])
        for i, col in enumerate(table.columns):
            if pa.types.is_timestamp(col.type):
                table = table.set_column(i, table.column_names[i], col.cast(pa.timestamp("us", tz="UTC")))
        yield _as_text(table)


def _xlsx(source: Source) -> Iterator[pa.Table]:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise Invalid("reading XLSX needs openpyxl", field="format") from None
    from datetime import date, datetime

    try:
        book = load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook
        raise Invalid(
            f"{source.path.name}: not a readable XLSX workbook ({type(exc).__name__})", field="file"
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    buffer: list[list[str | None]] = []

    def text(v: object) -> str | None:
        if v is None or v == "":
            return None
        if isinstance(v, datetime):
            return v.isoformat()
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    for values in rows:
        if values is None or all(v is None for v in values):
            continue
        buffer.append([text(v) for v in values[: len(names)]] + [None] * (len(names) - len(values)))
        if len(buffer) >= BATCH_ROWS:
            yield pa.table({n: pa.array([r[i] for r in buffer], pa.string()) for i, n in enumerate(names)})
            buffer = []
    if buffer:
        yield pa.table({n: pa.array([r[i] for r in buffer], pa.string()) for i, n in enumerate(names)})
    book.close()
