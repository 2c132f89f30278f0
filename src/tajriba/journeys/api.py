"""JSON API for personas, journeys, stages, touchpoints and their items; exports, maps and redesigns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from tajriba.journeys import journey_map, redesign, schemas, service, transfer
from tajriba.journeys.render import map_file
from tajriba.web.deps import DB, BodyDep, Context, RequireKey, WarehouseDep
from tajriba.web.export import files
from tajriba.web.params import Day
from tajriba.web.render import attachment

router = APIRouter(prefix="/api/v1/journeys", tags=["journeys"])
touchpoints_router = APIRouter(prefix="/api/v1/touchpoints", tags=["journeys"])
personas_router = APIRouter(prefix="/api/v1/personas", tags=["journeys"])
items_router = APIRouter(prefix="/api/v1/touchpoint-items", tags=["journeys"])

Read = Annotated[Context, Depends(RequireKey("journeys:read"))]
Write = Annotated[Context, Depends(RequireKey("journeys:write"))]


# -- personas ------------------------------------------------------------------------------------


@personas_router.get("", response_model_exclude_unset=True)
def list_personas(db: DB, ctx: Read) -> schemas.PersonasRead:
    """Every persona of the workspace."""
    personas = service.list_personas(db, workspace_id=ctx.workspace.id)
    return schemas.PersonasRead.model_validate({"personas": [service.persona_out(p) for p in personas]})


@personas_router.post("", status_code=201, response_model_exclude_unset=True)
def create_persona(db: DB, ctx: Write, body: schemas.PersonaIn) -> schemas.PersonaRead:
    persona = service.create_persona(db, workspace_id=ctx.workspace.id, persona_in=body, actor=ctx)
    return schemas.PersonaRead.model_validate(service.persona_out(persona))


@personas_router.get("/{persona_id}", response_model_exclude_unset=True)
def get_persona(db: DB, ctx: Read, persona_id: int) -> schemas.PersonaRead:
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    return schemas.PersonaRead.model_validate(service.persona_out(persona))


@personas_router.patch("/{persona_id}", response_model_exclude_unset=True)
def update_persona(db: DB, ctx: Write, persona_id: int, body: schemas.PersonaUpdate) -> schemas.PersonaRead:
    """Change the fields sent; the answer lists what changed."""
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    changes = service.update_persona(db, persona=persona, persona_in=body, actor=ctx)
    return schemas.PersonaRead.model_validate({**service.persona_out(persona), "changed": sorted(changes)})


@personas_router.delete("/{persona_id}", status_code=204)
def delete_persona(db: DB, ctx: Write, persona_id: int) -> Response:
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    service.delete_persona(db, persona=persona, actor=ctx)
    return Response(status_code=204)


# -- journeys ------------------------------------------------------------------------------------


@router.get("", response_model_exclude_unset=True)
def list_journeys(db: DB, ctx: Read, status: str | None = None) -> schemas.JourneysRead:
    """Journeys of the workspace (without their touchpoints); filter by status."""
    journeys = service.list_journeys(db, workspace_id=ctx.workspace.id, status=status)
    return schemas.JourneysRead.model_validate(
        {"journeys": [service.journey_out(db, j, full=False) for j in journeys]}
    )


@router.post("", status_code=201, response_model_exclude_unset=True)
def create_journey(db: DB, ctx: Write, body: schemas.JourneyIn) -> schemas.JourneyRead:
    """A journey with its personas and stages; add touchpoints with POST /touchpoints."""
    journey = service.create_journey(db, workspace_id=ctx.workspace.id, journey_in=body, actor=ctx)
    return schemas.JourneyRead.model_validate(service.journey_out(db, journey))


@router.post("/import", status_code=201, response_model_exclude_unset=True)
def import_journey(request: Request, db: DB, ctx: Write, body: BodyDep) -> schemas.JourneyRead:
    """A journey from an export: JSON body, or a spreadsheet (.xlsx) as the request body."""
    kind = "xlsx" if "spreadsheet" in request.headers.get("content-type", "") else "json"
    journey, renamed = transfer.import_journey(
        db, workspace_id=ctx.workspace.id, data=body, kind=kind, actor=ctx
    )
    return schemas.JourneyRead.model_validate({**service.journey_out(db, journey), "renamed_keys": renamed})


@router.get("/{journey_id}", response_model_exclude_unset=True)
def get_journey(db: DB, ctx: Read, journey_id: int) -> schemas.JourneyRead:
    """A journey with its stages, touchpoints (in customer order) and their items."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    return schemas.JourneyRead.model_validate(service.journey_out(db, journey))


@router.patch("/{journey_id}", response_model_exclude_unset=True)
def update_journey(db: DB, ctx: Write, journey_id: int, body: schemas.JourneyUpdate) -> schemas.JourneyRead:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    changes = service.update_journey(db, journey=journey, journey_in=body, actor=ctx)
    return schemas.JourneyRead.model_validate(
        {**service.journey_out(db, journey, full=False), "changed": sorted(changes)}
    )


@router.delete("/{journey_id}", status_code=204)
def delete_journey(db: DB, ctx: Write, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    service.delete_journey(db, journey=journey, actor=ctx)
    return Response(status_code=204)


@router.get("/{journey_id}/history")
def journey_history(db: DB, ctx: Read, journey_id: int) -> schemas.HistoryRead:
    """Every change to the journey, its stages, touchpoints and items, newest first."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    return schemas.HistoryRead.model_validate({"history": service.history(db, journey=journey)})


@router.get("/{journey_id}/export", responses=files("json", "xlsx"))
def export_journey(
    db: DB, ctx: Read, journey_id: int, format: Annotated[str, Query(pattern="^(json|xlsx)$")] = "json"
) -> Response:
    """The journey as JSON or as a spreadsheet, ready to import elsewhere."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    content, media_type, filename = transfer.export_journey(db, journey=journey, kind=format)
    return attachment(content, media_type, filename)


@router.post("/{journey_id}/stages", status_code=201, response_model_exclude_unset=True)
def create_stage(db: DB, ctx: Write, journey_id: int, body: schemas.StageIn) -> schemas.StageRead:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    stage = service.create_stage(db, journey=journey, stage_in=body, actor=ctx)
    return schemas.StageRead.model_validate(service.stage_out(stage))


@router.patch("/{journey_id}/stages/{stage_id}", response_model_exclude_unset=True)
def update_stage(
    db: DB, ctx: Write, journey_id: int, stage_id: int, body: schemas.StageUpdate
) -> schemas.StageRead:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    stage = service.get_stage(db, journey=journey, stage_id=stage_id)
    service.update_stage(db, stage=stage, stage_in=body, actor=ctx)
    return schemas.StageRead.model_validate(service.stage_out(stage))


@router.delete("/{journey_id}/stages/{stage_id}", status_code=204)
def delete_stage(db: DB, ctx: Write, journey_id: int, stage_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    service.delete_stage(db, stage=service.get_stage(db, journey=journey, stage_id=stage_id), actor=ctx)
    return Response(status_code=204)


@router.put("/{journey_id}/stage-order", response_model_exclude_unset=True)
def reorder_stages(db: DB, ctx: Write, journey_id: int, body: schemas.Order) -> schemas.StagesRead:
    """Put the stages in this order (every stage id once)."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    service.reorder_stages(db, journey=journey, order=body, actor=ctx)
    stages = service.list_stages(db, journey_id=journey.id)
    return schemas.StagesRead.model_validate({"stages": [service.stage_out(s) for s in stages]})


@router.put("/{journey_id}/stages/{stage_id}/touchpoint-order", response_model_exclude_unset=True)
def reorder_touchpoints(
    db: DB, ctx: Write, journey_id: int, stage_id: int, body: schemas.Order
) -> schemas.JourneyRead:
    """Put the stage's touchpoints in this order; ids from other stages of the journey move into it."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    stage = service.get_stage(db, journey=journey, stage_id=stage_id)
    service.reorder_touchpoints(db, stage=stage, order=body, actor=ctx)
    return schemas.JourneyRead.model_validate(service.journey_out(db, journey))


@router.post("/{journey_id}/future-state", status_code=201, response_model_exclude_unset=True)
def copy_future_state(db: DB, ctx: Write, journey_id: int) -> schemas.JourneyRead:
    """Copy a journey into a new future-state version to redesign."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    future = redesign.copy_as_future(db, journey=journey, actor=ctx)
    return schemas.JourneyRead.model_validate(service.journey_out(db, future))


@router.get("/{journey_id}/compare", response_model_exclude_unset=True)
def compare(db: DB, ctx: Read, journey_id: int, other: int | None = None) -> schemas.CompareRead:
    """Touchpoints added, removed and changed between a future state and the journey it is based on."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    return schemas.CompareRead.model_validate(redesign.compare(db, future=journey, current_id=other))


@router.get("/{journey_id}/before-after")
def before_after(
    db: DB, wh: WarehouseDep, ctx: Read, journey_id: int, change_date: Day | None = None, days: int = 90
) -> schemas.BeforeAfterRead:
    """KPIs per touchpoint before and after the change date, with the difference and its uncertainty."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    return schemas.BeforeAfterRead.model_validate(
        redesign.before_after(db, wh, journey=journey, change_date=change_date, days=days)
    )


def _filters(
    persona: str | None = None,
    start: Day | None = None,
    end: Day | None = None,
    channel: str | None = None,
    language: str | None = None,
) -> journey_map.Filters:
    """Persona key, period [start, end) by day, channel, language."""
    return journey_map.Filters(persona=persona, start=start, end=end, channel=channel, language=language)


FiltersDep = Annotated[journey_map.Filters, Depends(_filters)]


@router.get("/{journey_id}/map")
def map_data(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, journey_id: int, filters: FiltersDep
) -> schemas.MapRead:
    """The journey map's data: stages, touchpoints, KPIs against targets, effectiveness and the emotion curve."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    data = journey_map.build(db, wh, journey=journey, filters=filters, locale=request.state.locale)
    return schemas.MapRead.model_validate(data.to_dict())


@router.get("/{journey_id}/map.{fmt}", responses=files("svg", "png", "pdf"))
def map_export(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, journey_id: int, fmt: str, filters: FiltersDep
) -> Response:
    """The journey map drawn server-side as SVG, PNG or PDF (Arabic and Persian shaped, right to left)."""
    return attachment(
        *map_file(
            db, wh, workspace_id=ctx.workspace.id, journey_id=journey_id, filters=filters,
            locale=request.state.locale, fmt=fmt,
        )
    )  # fmt: skip


# -- touchpoints ---------------------------------------------------------------------------------


@touchpoints_router.get("", response_model_exclude_unset=True)
def list_touchpoints(db: DB, ctx: Read, journey_id: int | None = None) -> schemas.TouchpointsRead:
    """Touchpoints of the workspace, or of one journey, in customer order."""
    if journey_id is not None:
        service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    tps = service.list_touchpoints(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    return schemas.TouchpointsRead.model_validate({"touchpoints": [service.touchpoint_out(t) for t in tps]})


@touchpoints_router.post("", status_code=201, response_model_exclude_unset=True)
def create_touchpoint(
    db: DB, ctx: Write, body: schemas.TouchpointIn, journey_id: Annotated[int, Query()]
) -> schemas.TouchpointRead:
    """Add a touchpoint to a stage of the journey (at the stage's end)."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    tp = service.create_touchpoint(db, journey=journey, touchpoint_in=body, actor=ctx)
    return schemas.TouchpointRead.model_validate(service.touchpoint_out(tp))


@touchpoints_router.get("/{touchpoint_id}", response_model_exclude_unset=True)
def get_touchpoint(db: DB, ctx: Read, touchpoint_id: int) -> schemas.TouchpointRead:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    return schemas.TouchpointRead.model_validate(
        service.touchpoint_out(tp, items=service.list_items(db, touchpoint_id=tp.id))
    )


@touchpoints_router.patch("/{touchpoint_id}", response_model_exclude_unset=True)
def update_touchpoint(
    db: DB, ctx: Write, touchpoint_id: int, body: schemas.TouchpointUpdate
) -> schemas.TouchpointRead:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    changes = service.update_touchpoint(db, touchpoint=tp, touchpoint_in=body, actor=ctx)
    return schemas.TouchpointRead.model_validate({**service.touchpoint_out(tp), "changed": sorted(changes)})


@touchpoints_router.delete("/{touchpoint_id}", status_code=204)
def delete_touchpoint(db: DB, ctx: Write, touchpoint_id: int) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    service.delete_touchpoint(db, touchpoint=tp, actor=ctx)
    return Response(status_code=204)


@touchpoints_router.post("/{touchpoint_id}/items", status_code=201, response_model_exclude_unset=True)
def create_item(db: DB, ctx: Write, touchpoint_id: int, body: schemas.ItemIn) -> schemas.ItemRead:
    """Note a pain point, opportunity or solution on the touchpoint."""
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    item = service.create_item(db, touchpoint=tp, item_in=body, actor=ctx)
    return schemas.ItemRead.model_validate(service.item_out(item))


@items_router.patch("/{item_id}", response_model_exclude_unset=True)
def update_item(db: DB, ctx: Write, item_id: int, body: schemas.ItemUpdate) -> schemas.ItemRead:
    item = service.get_item(db, workspace_id=ctx.workspace.id, item_id=item_id)
    service.update_item(db, item=item, item_in=body, actor=ctx)
    return schemas.ItemRead.model_validate(service.item_out(item))


@items_router.delete("/{item_id}", status_code=204)
def delete_item(db: DB, ctx: Write, item_id: int) -> Response:
    item = service.get_item(db, workspace_id=ctx.workspace.id, item_id=item_id)
    service.delete_item(db, item=item, actor=ctx)
    return Response(status_code=204)
