"""A journey as a spreadsheet and back: the export's sheets (journey, touchpoints, items) written, and read
into the JSON export's shape with every problem named by sheet, row and column."""

from __future__ import annotations

import io
from typing import Any

from tajriba.errors import Invalid
from tajriba.journeys import schemas

FORMAT_VERSION = 1


TP_COLUMNS = [
    "stage_key",
    "stage_name",
    "stage_name_ar",
    "stage_name_fa",
    "key",
    "name",
    "name_ar",
    "name_fa",
    "name_en",
    "customer_action",
    "channel",
    "direct",
    "business_purpose",
    "customer_impact",
    "owner_team",
    "desired_emotion",
    *[f"target_{k}" for k in schemas.KPIS],
    "manual_assessment",
    "notes",
    "unnecessary",
]


ITEM_COLUMNS = ["touchpoint_key", "kind", "text", "owner_team", "status"]


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    from tajriba.sheets import append_row

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "touchpoints"
    append_row(ws, TP_COLUMNS)
    items = wb.create_sheet("items")
    append_row(items, ITEM_COLUMNS)
    for s in data["stages"]:
        for t in s["touchpoints"]:
            targets = t.get("targets") or {}
            row: dict[str, Any] = {
                "stage_key": s["key"],
                "stage_name": s["name"],
                "stage_name_ar": s["names"].get("ar"),
                "stage_name_fa": s["names"].get("fa"),
                "name_ar": t["names"].get("ar"),
                "name_fa": t["names"].get("fa"),
                "name_en": t["names"].get("en"),
                "direct": "yes" if t["direct"] else "no",
                "unnecessary": "yes" if t["unnecessary"] else "no",
                **{
                    f"target_{k}": (
                        v if not isinstance(v, dict) else f"{next(iter(v))} {next(iter(v.values()))}"
                    )
                    for k, v in targets.items()
                },
            }
            for col in TP_COLUMNS:
                if col not in row and col in t:
                    row[col] = t[col]
            append_row(ws, [row.get(col) for col in TP_COLUMNS])
            for i in t["items"]:
                append_row(items, [t["key"], i["kind"], i["text"], i["owner_team"], i["status"]])
    meta = wb.create_sheet("journey")
    for k in ("name", "description", "status"):
        append_row(meta, [k, data.get(k)])
    for lang, v in (data.get("names") or {}).items():
        append_row(meta, [f"name_{lang}", v])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def from_xlsx(content: bytes) -> dict[str, Any]:
    """Read the spreadsheet into the JSON export's shape (errors name sheet, row and column)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise Invalid(f"not a readable .xlsx file: {exc}", field="file") from None
    if "touchpoints" not in wb.sheetnames:
        raise Invalid("the spreadsheet needs a sheet named 'touchpoints'", field="file")
    meta = _journey_sheet(wb["journey"]) if "journey" in wb.sheetnames else {"names": {}}
    stages, by_key = _touchpoints_sheet(list(wb["touchpoints"].iter_rows(values_only=True)))
    if "items" in wb.sheetnames:
        _items_sheet(list(wb["items"].iter_rows(values_only=True)), by_key)
    return {
        "tajriba_journey": FORMAT_VERSION,
        "name": _text(meta.get("name")) or "Imported journey",
        "names": meta["names"],
        "description": _text(meta.get("description")),
        "status": _text(meta.get("status")) or "current",
        "personas": [],
        "stages": list(stages.values()),
    }


def _journey_sheet(sheet: Any) -> dict[str, Any]:
    """The journey's fields, one per row (key, value); `name_ar` etc. are its names by language."""
    meta: dict[str, Any] = {"names": {}}
    for row in sheet.iter_rows(values_only=True):
        if row and row[0]:
            key, value = str(row[0]), row[1] if len(row) > 1 else None
            if key.startswith("name_"):
                if value:
                    meta["names"][key[5:]] = str(value)
            else:
                meta[key] = value
    return meta


def _records(rows: list[tuple[Any, ...]]) -> list[tuple[int, dict[str, Any]]]:
    """(row number, cells by header) of the rows under the header that are not empty."""
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else [])]
    out = []
    for number, raw in enumerate(rows[1:], start=2):
        r = {h: v for h, v in zip(header, raw, strict=False) if h}
        if not all(v in (None, "") for v in r.values()):
            out.append((number, r))
    return out


def _touchpoints_sheet(
    rows: list[tuple[Any, ...]],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The stages (by key, in first-seen order) with their touchpoints, and the touchpoints by key."""
    if not rows:
        raise Invalid("sheet 'touchpoints' is empty", field="touchpoints")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    for required in ("stage_key", "key", "name"):
        if required not in header:
            raise Invalid(f"sheet 'touchpoints' has no column '{required}'", field=required)
    unknown = [h for h in header if h and h not in TP_COLUMNS]
    if unknown:
        raise Invalid(f"sheet 'touchpoints': unknown column '{unknown[0]}'", field=unknown[0])
    stages: dict[str, dict[str, Any]] = {}
    by_key: dict[str, dict[str, Any]] = {}
    for number, r in _records(rows):
        where = f"sheet 'touchpoints', row {number}"
        stage_key = _text(r.get("stage_key")) or ""
        if not stage_key:
            raise Invalid(f"{where}: stage_key is empty", field="stage_key")
        stage = stages.setdefault(
            stage_key,
            {
                "key": stage_key,
                "name": _text(r.get("stage_name")) or stage_key,
                "names": {k: v for k in ("ar", "fa") if (v := _text(r.get(f"stage_name_{k}")))},
                "touchpoints": [],
                "_row": number,
            },
        )
        tp = _touchpoint_row(r, number, where)
        stage["touchpoints"].append(tp)
        if tp["key"]:
            by_key[tp["key"]] = tp
    return stages, by_key


def _touchpoint_row(r: dict[str, Any], number: int, where: str) -> dict[str, Any]:
    targets: dict[str, Any] = {}
    for kpi in schemas.KPIS:
        value = r.get(f"target_{kpi}")
        if value not in (None, ""):
            targets[kpi] = parse_target(value, f"{where}, column target_{kpi}", f"target_{kpi}")
    return {
        "key": _text(r.get("key")),
        "name": _text(r.get("name")),
        "names": {k: v for k in ("ar", "fa", "en") if (v := _text(r.get(f"name_{k}")))},
        "customer_action": _text(r.get("customer_action")),
        "channel": _text(r.get("channel")) or "other",
        "direct": _yes(r.get("direct"), True, f"{where}, column direct", "direct"),
        "business_purpose": _text(r.get("business_purpose")),
        "customer_impact": _text(r.get("customer_impact")),
        "owner_team": _text(r.get("owner_team")),
        "desired_emotion": _text(r.get("desired_emotion")),
        "targets": targets,
        "manual_assessment": _text(r.get("manual_assessment")),
        "notes": _text(r.get("notes")),
        "unnecessary": _yes(r.get("unnecessary"), False, f"{where}, column unnecessary", "unnecessary"),
        "items": [],
        "_row": number,
    }


def _items_sheet(rows: list[tuple[Any, ...]], by_key: dict[str, dict[str, Any]]) -> None:
    """Pain points, opportunities and solutions, each added to its touchpoint (named by key)."""
    for number, r in _records(rows):
        key = _text(r.get("touchpoint_key")) or ""
        if key not in by_key:
            raise Invalid(
                f"sheet 'items', row {number}: no touchpoint with key '{key}' in sheet 'touchpoints'",
                field="touchpoint_key",
            )
        by_key[key]["items"].append(
            {
                "kind": _text(r.get("kind")),
                "text": _text(r.get("text")),
                "owner_team": _text(r.get("owner_team")),
                "status": _text(r.get("status")) or "open",
                "_row": number,
            }
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _yes(value: Any, default: bool, where: str, field: str) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "y", "true", "1", "نعم", "بله"):
        return True
    if text in ("no", "n", "false", "0", "لا", "خیر"):
        return False
    raise Invalid(f"{where}: expected yes or no, got '{value}'", field=field)


def parse_target(value: Any, where: str, field: str) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", ".")
    parts = text.split()
    try:
        if len(parts) == 2 and parts[0] in ("min", "max", ">=", "<="):
            return {{">=": "min", "<=": "max"}.get(parts[0], parts[0]): float(parts[1])}
        return float(text)
    except ValueError:
        raise Invalid(
            f"{where}: expected a number (or 'min 4.2' / 'max 2'), got '{value}'", field=field
        ) from None
