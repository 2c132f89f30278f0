"""Export a journey as JSON or as a spreadsheet, and import either back (into any workspace).

The spreadsheet is the inventory teams keep today: a "touchpoints" sheet with one row per touchpoint
(stage, order, names per language, channel, purpose, impact, owner, desired emotion, one column per target
KPI, assessment, notes, unnecessary) and an "items" sheet with the pain points, opportunities and
solutions. An import checks every row first and writes nothing if any is wrong; the error names the sheet,
the row and the column. Touchpoint keys already used in the workspace get a suffix (`key-2`), reported.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.journeys import schemas, service
from tajriba.journeys.sheets import FORMAT_VERSION, from_xlsx, to_xlsx
from tajriba.models import Journey, Persona, Touchpoint, TouchpointItem


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
    return to_xlsx(data), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{stem}.xlsx"


def import_journey(
    session: Session, *, workspace_id: int, data: bytes, kind: str, actor: Auditor
) -> tuple[Journey, dict[str, str]]:
    """Create a journey from an export; return it and the touchpoint keys that had to be renamed."""
    doc = from_xlsx(data) if kind == "xlsx" else _from_json(data)
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
