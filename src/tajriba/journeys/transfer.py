"""Export a journey as JSON or as a spreadsheet, and import either back (into any workspace).

The spreadsheet is the inventory teams keep today: a "touchpoints" sheet with one row per touchpoint
(stage, order, names per language, channel, purpose, impact, owner, desired emotion, one column per target
KPI, assessment, notes, unnecessary) and an "items" sheet with the pain points, opportunities and
solutions. An import checks every row first and writes nothing if any is wrong; the error names the sheet,
the row and the column. Touchpoint keys already used in the workspace get a suffix (`key-2`), reported.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.journeys import schemas, service
from tajriba.models import Journey, Persona, Touchpoint, TouchpointItem

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


def to_dict(session: Session, *, journey: Journey) -> dict[str, Any]:
    """The journey, its personas, stages, touchpoints and items, by key (no database ids)."""
    full = service.journey_out(session, journey)
    personas = [
        service.persona_out(p)
        for p in service.list_personas(session, workspace_id=journey.workspace_id)
        if p.key in full["persona_keys"]
    ]
    for p in personas:
        p.pop("id")
    stages = []
    for s in full["stages"]:
        tps = []
        for t in s["touchpoints"]:
            tp = {k: t[k] for k in service.TOUCHPOINT_FIELDS if k != "owner_user_id"}
            tp["items"] = [{k: i[k] for k in ("kind", "text", "owner_team", "status")} for i in t["items"]]
            tps.append(tp)
        stages.append({"key": s["key"], "name": s["name"], "names": s["names"], "touchpoints": tps})
    return {
        "tajriba_journey": FORMAT_VERSION,
        "name": full["name"],
        "names": full["names"],
        "description": full["description"],
        "status": full["status"],
        "personas": personas,
        "stages": stages,
    }


def export_journey(session: Session, *, journey: Journey, kind: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the journey as `json` or `xlsx`."""
    data = to_dict(session, journey=journey)
    stem = f"journey-{journey.id}"
    if kind == "json":
        return orjson.dumps(data, option=orjson.OPT_INDENT_2), "application/json", f"{stem}.json"
    return _xlsx(data), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{stem}.xlsx"


def _xlsx(data: dict[str, Any]) -> bytes:
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


def _from_xlsx(content: bytes) -> dict[str, Any]:
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


def import_journey(
    session: Session, *, workspace_id: int, data: bytes, kind: str, actor: Auditor
) -> tuple[Journey, dict[str, str]]:
    """Create a journey from an export; return it and the touchpoint keys that had to be renamed."""
    doc = _from_xlsx(data) if kind == "xlsx" else _from_json(data)
    stages_in, tps_in, items_in = _validate(doc)
    personas = doc.get("personas") or []
    for number, p in enumerate(personas):
        try:
            persona_in = schemas.PersonaIn.model_validate(p)
        except ValidationError as exc:
            raise _invalid(exc, f"personas[{number}]") from None
        exists = session.query(Persona.id).filter_by(workspace_id=workspace_id, key=persona_in.key).first()
        if exists is None:
            service.create_persona(session, workspace_id=workspace_id, persona_in=persona_in, actor=actor)
    try:
        journey_in = schemas.JourneyIn(
            name=doc.get("name") or "Imported journey",
            names=doc.get("names") or {},
            description=doc.get("description"),
            status=doc.get("status") or "current",
            persona_keys=[p["key"] for p in personas if isinstance(p, dict) and "key" in p],
            stages=stages_in,
        )
    except ValidationError as exc:
        raise _invalid(exc, "journey") from None
    journey = service.create_journey(session, workspace_id=workspace_id, journey_in=journey_in, actor=actor)
    renamed = _add_touchpoints(session, workspace_id, journey, tps_in, items_in)
    actor.audit(
        session,
        "journey.import",
        target_type="journey",
        target_id=str(journey.id),
        details={"touchpoints": len(tps_in), "renamed": renamed, "format": kind},
    )
    return journey, renamed


def _from_json(data: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"the body is not valid JSON: {exc}", field="body") from None
    if not isinstance(doc, dict) or "stages" not in doc:
        raise Invalid("expected a journey export: an object with 'name' and 'stages'", field="body")
    return doc


def _add_touchpoints(
    session: Session, workspace_id: int, journey: Journey, tps_in: list[Any], items_in: list[Any]
) -> dict[str, str]:
    """The imported touchpoints and their items, in order within each stage; a key the workspace already
    uses is made unique. Returns the renamed keys (old -> new)."""
    stage_ids = {s.key: s.id for s in service.list_stages(session, journey_id=journey.id)}
    renamed: dict[str, str] = {}
    positions: dict[str, int] = {}
    for (stage_key, tp_in), items in zip(tps_in, items_in, strict=True):
        key = service.free_key(session, workspace_id=workspace_id, key=tp_in.key)
        if key != tp_in.key:
            renamed[tp_in.key] = key
        values = tp_in.model_dump(exclude={"stage_id", "stage_key"})
        values["key"] = key
        tp = Touchpoint(
            workspace_id=workspace_id,
            journey_id=journey.id,
            stage_id=stage_ids[stage_key],
            position=positions.get(stage_key, 0),
            **values,
        )
        positions[stage_key] = tp.position + 1
        session.add(tp)
        session.flush()
        for position, item_in in enumerate(items):
            session.add(
                TouchpointItem(
                    workspace_id=workspace_id,
                    journey_id=journey.id,
                    touchpoint_id=tp.id,
                    position=position,
                    **item_in.model_dump(),
                )
            )
    session.flush()
    return renamed


def _validate(
    doc: dict[str, Any],
) -> tuple[list[schemas.StageIn], list[tuple[str, schemas.TouchpointIn]], list[list[schemas.ItemIn]]]:
    """Check every stage, touchpoint and item before anything is written."""
    stages_in, tps_in, items_in = [], [], []
    seen: set[str] = set()
    if not isinstance(doc.get("stages"), list) or not doc["stages"]:
        raise Invalid("a journey needs at least one stage", field="stages")
    for si, s in enumerate(doc["stages"]):
        where = _where(s, f"stages[{si}]", "touchpoints")
        try:
            stages_in.append(
                schemas.StageIn(
                    key=s.get("key"), name=s.get("name") or s.get("key"), names=s.get("names") or {}
                )
            )
        except (ValidationError, AttributeError) as exc:
            raise _invalid(exc, where) from None
        for ti, t in enumerate(s.get("touchpoints") or []):
            where = _where(t, f"stages[{si}].touchpoints[{ti}]", "touchpoints")
            body = {k: v for k, v in t.items() if k not in ("items", "_row")}
            try:
                tp_in = schemas.TouchpointIn.model_validate(body)
            except ValidationError as exc:
                raise _invalid(exc, where) from None
            if tp_in.key in seen:
                raise Invalid(f"{where}: touchpoint key '{tp_in.key}' appears twice", field="key")
            seen.add(tp_in.key)
            tps_in.append((stages_in[-1].key, tp_in))
            items = []
            for ii, i in enumerate(t.get("items") or []):
                iwhere = _where(i, f"{where}.items[{ii}]", "items")
                try:
                    items.append(schemas.ItemIn.model_validate({k: v for k, v in i.items() if k != "_row"}))
                except ValidationError as exc:
                    raise _invalid(exc, iwhere) from None
            items_in.append(items)
    keys = [s.key for s in stages_in]
    if len(set(keys)) != len(keys):
        raise Invalid("stage keys must be unique within a journey", field="stages")
    return stages_in, tps_in, items_in


def _where(obj: Any, path: str, sheet: str) -> str:
    if isinstance(obj, dict) and "_row" in obj:
        return f"sheet '{sheet}', row {obj['_row']}"
    return path


def _invalid(exc: Exception, where: str) -> Invalid:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        msg = first.get("msg", "invalid").removeprefix("Value error, ")
        return Invalid(f"{where}, {field}: {msg}", field=field)
    return Invalid(f"{where}: {exc}")
