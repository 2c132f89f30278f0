"""Read CSV, TSV, XLSX, JSONL and Parquet files as batches of text columns, streaming (bounded memory)."""

from __future__ import annotations

import codecs
import csv as csv_module
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from tajriba.errors import Invalid
from tajriba.i18n import _

BATCH_ROWS = 100_000
FORMATS = ("csv", "tsv", "xlsx", "jsonl", "parquet")
# what a file may hold before it is refused (a wider file is not a customer export but a mistake or an attack)
MAX_COLUMNS = 1_000
MAX_HEADER_BYTES = 1 << 20
MAX_LINE_CHARS = 16 << 20
# XLSX is a zip: refuse archives that unpack to far more than they weigh (zip bombs)
MAX_XLSX_UNPACKED = 2 << 30
MAX_XLSX_RATIO = 200
MAX_XLSX_STRINGS = 256 << 20  # openpyxl holds the shared-strings table in memory


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
            _("{file}: cannot tell the format from the extension; use one of {formats}").format(
                file=path.name, formats=", ".join(FORMATS)
            ),
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
    if fmt in ("csv", "tsv"):
        first = _header_line(path, enc)
        if delimiter is None and fmt == "csv":
            delim = _sniff_delimiter(first)
        _check_width(path, len(next(csv_module.reader([first], delimiter=delim), [])))
    elif fmt == "xlsx":
        _check_workbook(path)
    return Source(path, fmt, enc, delim)


def _header_line(path: Path, encoding: str) -> str:
    """The first line, read with a bounded buffer (a file may be one enormous line)."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        line = handle.readline(MAX_HEADER_BYTES + 1)
    if len(line) > MAX_HEADER_BYTES:
        raise Invalid(
            _(
                "{file}: the first line (the column names) is longer than {mb} MB; at most {n} columns can be read"
            ).format(file=path.name, mb=MAX_HEADER_BYTES // (1 << 20), n=MAX_COLUMNS),
            field="file",
        )
    return line.lstrip("\ufeff").rstrip("\r\n")


def _check_width(path: Path, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise Invalid(
            _("{file}: the file has {columns} columns; at most {n} can be read").format(
                file=path.name, columns=columns, n=MAX_COLUMNS
            ),
            field="file",
        )


def _check_workbook(path: Path) -> None:
    """Refuse XLSX archives that are not zips, or that unpack to absurd sizes (zip bombs), before opening."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise Invalid(
            _("{file}: not an XLSX workbook (it is not a zip archive)").format(file=path.name), field="file"
        ) from None
    total = sum(e.file_size for e in entries)
    if total > MAX_XLSX_UNPACKED:
        raise Invalid(
            _(
                "{file}: the workbook unpacks to {mb} MB; the limit is {limit} MB (save it as CSV instead)"
            ).format(file=path.name, mb=total // (1 << 20), limit=MAX_XLSX_UNPACKED // (1 << 20)),
            field="file",
        )
    for e in entries:
        if e.file_size > (1 << 20) and e.file_size > MAX_XLSX_RATIO * max(e.compress_size, 1):
            raise Invalid(
                _(
                    "{file}: {part} unpacks {ratio} times larger than it is stored "
                    "(more than {limit} times is refused as a zip bomb)"
                ).format(
                    file=path.name,
                    part=e.filename,
                    ratio=e.file_size // max(e.compress_size, 1),
                    limit=MAX_XLSX_RATIO,
                ),
                field="file",
            )
        if e.filename.endswith("sharedStrings.xml") and e.file_size > MAX_XLSX_STRINGS:
            raise Invalid(
                _(
                    "{file}: the workbook's text table is {mb} MB; the limit is {limit} MB (save it as CSV instead)"
                ).format(file=path.name, mb=e.file_size // (1 << 20), limit=MAX_XLSX_STRINGS // (1 << 20)),
                field="file",
            )
    book = _workbook(path)
    try:
        if book.worksheets:
            _xlsx_header(path, book.worksheets[0])
    finally:
        book.close()


def _workbook(path: Path) -> Any:
    """The workbook opened read-only (streamed), or Invalid naming the file."""
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook
        raise Invalid(
            _("{file}: not a readable XLSX workbook ({detail})").format(
                file=path.name, detail=type(exc).__name__
            ),
            field="file",
        ) from None


def _xlsx_header(path: Path, sheet: Any) -> tuple[Any, ...] | None:
    """The first row of a sheet, read no wider than the column limit (which it must respect)."""
    header = next(sheet.iter_rows(values_only=True, max_row=1, max_col=MAX_COLUMNS + 1), None)
    if header is None:
        return None
    while header and header[-1] is None:  # a sheet whose stated width runs past its last named column
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise Invalid(
            _("{file}: the first sheet has more than {n} columns; at most {n} can be read").format(
                file=path.name, n=MAX_COLUMNS
            ),
            field="file",
        )
    return header


def _sniff_delimiter(first: str) -> str:
    counts = {d: first.count(d) for d in (",", ";", "\t", "|", "،")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_batches(source: Source, *, batch_rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """Yield tables of text columns (header names as written), with `__row`: the 1-based data row number.

    `batch_rows` bounds each batch (roughly, for CSV: it sets the block read); a preview asks for a few."""
    readers = {"csv": _csv, "tsv": _csv, "jsonl": _jsonl, "parquet": _parquet, "xlsx": _xlsx}
    row = 1
    for table in readers[source.fmt](source, batch_rows):
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


def _csv(source: Source, batch_rows: int) -> Iterator[pa.Table]:
    from pyarrow import csv

    encoding = (
        "utf-8" if source.encoding in ("utf-8", "utf-8-sig") else source.encoding
    )  # Arrow drops a UTF-8 BOM
    read_opts = csv.ReadOptions(
        encoding=encoding, block_size=(8 << 20) if batch_rows >= 10_000 else (2 << 20)
    )
    parse_opts = csv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True)
    try:
        # the first open learns the header; the second reads every column as text. Through a Python file
        # object: on a path Arrow's own reader read ahead to the end of the file (a 83 MB file held 87 MB;
        # through the file object 19 MB, and no slower)
        with source.path.open("rb") as head:
            names = csv.open_csv(head, read_options=read_opts, parse_options=parse_opts).schema.names
        convert = csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True)
        with source.path.open("rb") as handle:
            for batch in csv.open_csv(
                handle, read_options=read_opts, parse_options=parse_opts, convert_options=convert
            ):
                yield _as_text(pa.Table.from_batches([batch]))
    except pa.ArrowInvalid as exc:
        raise Invalid(_csv_problem(source, str(exc)), field="file") from None


def _csv_problem(source: Source, detail: str) -> str:
    """A CSV read error in the reader's words, with the row it is on when Arrow says which line it is."""
    import re

    found = re.search(r"Expected (\d+) columns, got (\d+): (.*)", detail)
    if found:
        expected, got, start = int(found[1]), int(found[2]), found[3][:40]
        row = None
        try:
            with source.path.open(encoding=source.encoding, errors="replace", newline="") as handle:
                for number, line in enumerate(handle, start=1):
                    if start and line.startswith(start):
                        row = number
                        break
        except (OSError, LookupError):
            row = None
        if row is not None:
            return _("{file}: line {row} has {got} columns where the header has {expected}").format(
                file=source.path.name, row=row, got=got, expected=expected
            )
        return _("{file}: a line has {got} columns where the header has {expected}").format(
            file=source.path.name, got=got, expected=expected
        )
    return _("{file}: cannot be read as {format} ({encoding}): {detail}").format(
        file=source.path.name, format=source.fmt.upper(), encoding=source.encoding, detail=detail
    )


def _jsonl(source: Source, batch_rows: int) -> Iterator[pa.Table]:
    import orjson

    rows: list[dict] = []
    with source.path.open(encoding=source.encoding) as handle:
        for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_CHARS + 1), ""), 1):
            if len(line) > MAX_LINE_CHARS:
                raise Invalid(
                    _("{file}: line {row} is longer than {mb} MB").format(
                        file=source.path.name, row=number, mb=MAX_LINE_CHARS // (1 << 20)
                    ),
                    field="file",
                )
            if not line.strip():
                continue
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise Invalid(
                    _("{file}: line {row} is not JSON ({detail})").format(
                        file=source.path.name, row=number, detail=exc
                    ),
                    field="file",
                ) from None
            if not isinstance(doc, dict):
                raise Invalid(
                    _("{file}: line {row} is not a JSON object").format(file=source.path.name, row=number),
                    field="file",
                )
            _check_width(source.path, len(doc))
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
            if len(rows) >= batch_rows:
                yield _rows_table(rows, source.path)
                rows = []
    if rows:
        yield _rows_table(rows, source.path)


def _rows_table(rows: list[dict], path: Path) -> pa.Table:
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    _check_width(path, len(names))
    return pa.table({n: pa.array([r.get(n) for r in rows], pa.string()) for n in names})


def _parquet(source: Source, batch_rows: int) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(source.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise Invalid(
            _("{file}: not a Parquet file ({detail})").format(file=source.path.name, detail=exc), field="file"
        ) from None
    _check_width(source.path, len(file.schema_arrow.names))
    for batch in file.iter_batches(batch_size=batch_rows):
        table = pa.Table.from_batches([batch])
        for i, col in enumerate(table.columns):
            if pa.types.is_timestamp(col.type):
                table = table.set_column(i, table.column_names[i], col.cast(pa.timestamp("us", tz="UTC")))
        yield _as_text(table)


def _xlsx(source: Source, batch_rows: int) -> Iterator[pa.Table]:
    from datetime import date, datetime

    book = _workbook(source.path)
    sheet = book.worksheets[0]
    header = _xlsx_header(source.path, sheet)
    if header is None:
        return
    rows = sheet.iter_rows(values_only=True, min_row=2, max_col=max(len(header), 1))
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
        if len(buffer) >= batch_rows:
            yield pa.table({n: pa.array([r[i] for r in buffer], pa.string()) for i, n in enumerate(names)})
            buffer = []
    if buffer:
        yield pa.table({n: pa.array([r[i] for r in buffer], pa.string()) for i, n in enumerate(names)})
    book.close()
