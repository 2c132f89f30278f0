"""JSON API of text analytics: /api/v1/text/... (the feedback explorer page calls the same functions)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from tajriba.errors import Invalid
from tajriba.text import models, service, topics
from tajriba.text.pipeline import analyze
from tajriba.text.schemas import (
    MAX_TEXTS,
    AnalysesRead,
    AnalyzeIn,
    EmergingRead,
    FeedbackRead,
    PainPointsRead,
    ReprocessRead,
    TaxonomyRead,
    TopicsRead,
    TopicTrendRead,
)
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep
from tajriba.web.params import Day

router = APIRouter(prefix="/api/v1/text", tags=["text"])
Read = Annotated[Context, Depends(RequireKey("feedback:read"))]
Analyze = Annotated[Context, Depends(RequireKey("text:analyze"))]
Manage = Annotated[Context, Depends(RequireKey("text:manage"))]
MAX_CHARS = 20_000
MAX_ENCODER_TEXTS = 50  # about 25 short texts/s (3 of review length): a request stays within seconds


@router.post("/analyze")
def analyze_texts(db: DB, ctx: Analyze, body: AnalyzeIn) -> AnalysesRead:
    """Language, dialect, sentiment with probabilities, intents (complaint, question, requests...), aspects (topics
    with the polarity of the clauses that mention them), personal data, redacted text."""
    if (body.text is None) == (body.texts is None):
        raise Invalid("send either text (one string) or texts (a list of strings)", field="text")
    texts = [body.text] if body.text is not None else list(body.texts or [])
    if len(texts) > MAX_TEXTS:
        raise Invalid(f"at most {MAX_TEXTS} texts per request, got {len(texts)}", field="texts")
    for i, t in enumerate(texts):
        if len(t) > MAX_CHARS:
            raise Invalid(
                f"texts[{i}] has {len(t)} characters; the limit is {MAX_CHARS}", field=f"texts[{i}]"
            )
    taxonomy = topics.for_workspace(ctx.workspace.settings)
    if body.encoder and len(texts) > MAX_ENCODER_TEXTS:
        raise Invalid(
            f"with the encoder, at most {MAX_ENCODER_TEXTS} texts per request, got {len(texts)}",
            field="texts",
        )
    results = [r.as_dict() for r in analyze(texts, taxonomy=taxonomy, encoder_stage=body.encoder)]
    return AnalysesRead.model_validate(
        {"model_version": models.version(), "taxonomy_version": taxonomy.version, "results": results}
    )


def filters_from(
    sentiment: str | None = None,
    topic: str | None = None,
    topic_sentiment: str | None = None,
    intent: str | None = None,
    touchpoint: int | None = None,
    language: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
    since: Day | None = None,
    until: Day | None = None,
    q: str | None = None,
) -> service.Filters:
    return service.Filters(
        sentiment=sentiment or None,
        topic=topic or None,
        topic_sentiment=topic_sentiment or None,
        intent=intent or None,
        touchpoint_id=touchpoint,
        language=language or None,
        dialect=dialect or None,
        source=source or None,
        since=dt.datetime.combine(since, dt.time()) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None,
        q=q or None,
    ).check()


FiltersDep = Annotated[service.Filters, Depends(filters_from)]


@router.get("/feedback")
def feedback(
    wh: WarehouseDep,
    ctx: Read,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FeedbackRead:
    """Enriched texts (redacted), newest first, filtered; search folds spelling variants (أ/ا, ی/ي...)."""
    return FeedbackRead.model_validate(
        service.explore(wh, ctx.workspace.id, filters, limit=limit, offset=offset)
    )


@router.get("/topics")
def topic_counts(wh: WarehouseDep, ctx: Read, filters: FiltersDep) -> TopicsRead:
    """Mentions per topic and their negative and positive shares."""
    return TopicsRead.model_validate({"topics": service.topic_summary(wh, ctx.workspace.id, filters)})


@router.get("/pain-points")
def pain_points(wh: WarehouseDep, ctx: Read, filters: FiltersDep) -> PainPointsRead:
    """Per touchpoint, its most negative topics with example quotes."""
    return PainPointsRead.model_validate({"pain_points": service.pain_points(wh, ctx.workspace.id, filters)})


@router.get("/trend")
def trend(wh: WarehouseDep, ctx: Read, filters: FiltersDep, period: str = "week") -> TopicTrendRead:
    """Mentions per period of the most mentioned topics (and how many were negative)."""
    return TopicTrendRead.model_validate(service.topic_trend(wh, ctx.workspace.id, filters, period=period))


@router.get("/emerging")
def emerging(wh: WarehouseDep, ctx: Read, filters: FiltersDep) -> EmergingRead:
    """Clusters of recent texts that no topic matched, labelled by their top words."""
    return EmergingRead.model_validate({"clusters": service.emerging(wh, ctx.workspace.id, filters)})


@router.get("/taxonomy")
def get_taxonomy(ctx: Read) -> TaxonomyRead:
    return TaxonomyRead.model_validate(topics.for_workspace(ctx.workspace.settings).as_dict())


@router.put("/taxonomy")
def put_taxonomy(db: DB, ctx: Manage, body: dict[str, Any]) -> TaxonomyRead:
    """Replace the workspace's topics (keys, names, keywords per language, patterns); texts are re-enriched."""
    return TaxonomyRead.model_validate(
        service.set_taxonomy(db, ctx, ctx.workspace, topics.parse(body)).as_dict()
    )


@router.delete("/taxonomy")
def reset_taxonomy(db: DB, ctx: Manage) -> TaxonomyRead:
    """Go back to the shipped taxonomy."""
    return TaxonomyRead.model_validate(service.set_taxonomy(db, ctx, ctx.workspace, None).as_dict())


@router.post("/reprocess")
def reprocess(db: DB, wh: WarehouseDep, ctx: Manage) -> ReprocessRead:
    """Queue enrichment of new and stale texts (a background job); returns how many are pending."""
    taxonomy = topics.for_workspace(ctx.workspace.settings)
    pending = service.pending_count(wh, ctx.workspace.id, taxonomy)
    job = service.schedule(db, ctx.workspace.id)
    return ReprocessRead(pending=pending, job_id=job.id if job is not None else None)
