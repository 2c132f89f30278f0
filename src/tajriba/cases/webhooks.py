"""Webhooks: events (case created, assigned, SLA at risk or breached, resolved, alerts) signed and delivered
to the workspace's endpoints (standard JSON or Slack), retried with back-off, each delivery kept."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.cases import sla
from tajriba.db import scoped
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Webhook, WebhookDelivery
from tajriba.models.base import utcnow
from tajriba.security import new_webhook_secret, webhook_signature

EVENTS = ("case.created", "case.assigned", "case.sla_at_risk", "case.sla_breached", "case.resolved", "alert")


MAX_ATTEMPTS = 6


new_secret = new_webhook_secret
sign = webhook_signature


def emit(session: Session, *, workspace_id: int, event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Queue a delivery to every active webhook that wants the event."""
    from tajriba.jobs.service import enqueue

    out = []
    known = sla.remembered(session)
    if ("webhooks", workspace_id) not in known:
        with session.no_autoflush:
            known[("webhooks", workspace_id)] = session.scalars(
                select(Webhook).where(Webhook.workspace_id == workspace_id, Webhook.active.is_(True))
            ).all()
    hooks = known[("webhooks", workspace_id)]
    for hook in hooks:
        if hook.events and event not in hook.events:
            continue
        delivery = WebhookDelivery(
            workspace_id=workspace_id,
            webhook_id=hook.id,
            message_id="msg_" + secrets.token_hex(12),
            event=event,
            payload={"type": event, "timestamp": datetime.now(UTC).isoformat(), "data": data},
        )
        session.add(delivery)
        session.flush()
        enqueue(
            session,
            kind="webhooks.deliver",
            workspace_id=workspace_id,
            payload={"delivery_id": delivery.id},
            max_attempts=1,
        )
        out.append(delivery)
    return out


def slack_body(payload: dict[str, Any]) -> dict[str, Any]:
    data = payload.get("data") or {}
    text = f"*{payload.get('type')}*: {data.get('subject') or ''}".strip()
    if data.get("id"):
        text += f" (case #{data['id']}, {data.get('priority')}, {data.get('status')})"
    return {"text": text}


def deliver(session: Session, *, delivery: WebhookDelivery, retry_seconds: float) -> bool:
    """One attempt; on failure a retry is queued with exponential backoff until MAX_ATTEMPTS."""
    from tajriba.jobs.service import enqueue

    hook = session.get(Webhook, delivery.webhook_id)
    if hook is None or delivery.status != "pending":
        return False
    if not hook.active:  # switched off after the delivery was queued
        delivery.status, delivery.last_error = "failed", "the webhook was switched off"
        return False
    payload = slack_body(delivery.payload) if hook.style == "slack" else delivery.payload
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - an address the workspace's admin configured
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Tajriba-Webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(hook.secret, delivery.message_id, timestamp, body),
        },
    )
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            delivery.last_status = response.status
            ok = 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        delivery.last_status, delivery.last_error, ok = exc.code, f"HTTP {exc.code}", False
    except (OSError, ValueError) as exc:
        delivery.last_status, delivery.last_error, ok = None, str(exc)[:500], False
    if ok:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", utcnow(), None
        return True
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
        return False
    enqueue(
        session,
        kind="webhooks.deliver",
        workspace_id=delivery.workspace_id,
        payload={"delivery_id": delivery.id},
        delay_seconds=retry_seconds * 4 ** (delivery.attempts - 1),
        max_attempts=1,
    )
    return False


def create_webhook(session: Session, *, workspace_id: int, data: Any, actor: Any) -> Webhook:
    bad = [e for e in data.events if e not in EVENTS]
    if bad:
        raise Invalid(
            _("unknown event {bad}: expected {choices}").format(bad=bad[0], choices=", ".join(EVENTS)),
            field="events",
        )
    hook = Webhook(workspace_id=workspace_id, secret=new_secret(), **data.model_dump())
    session.add(hook)
    session.flush()
    sla.forget(session)
    actor.audit(
        session, "webhook.create", target_type="webhook", target_id=str(hook.id), details={"url": hook.url}
    )
    return hook


def list_webhooks(session: Session, *, workspace_id: int) -> list[Webhook]:
    """The workspace's webhooks, oldest first (switched-off ones too: their delivery logs stay readable)."""
    return list(
        session.scalars(select(Webhook).where(Webhook.workspace_id == workspace_id).order_by(Webhook.id))
    )


def get_webhook(session: Session, *, workspace_id: int, webhook_id: int) -> Webhook:
    hook = scoped.get(
        session,
        Webhook,
        webhook_id,
        workspace_id=workspace_id,
        missing=_("webhook {webhook_id} not found").format(webhook_id=webhook_id),
    )
    return hook


def set_active(session: Session, *, hook: Webhook, active: bool, actor: Any) -> Webhook:
    """Switch a webhook off (its delivery log stays) or on again."""
    hook.active = active
    sla.forget(session)
    actor.audit(
        session,
        "webhook.active" if active else "webhook.inactive",
        target_type="webhook",
        target_id=str(hook.id),
    )
    return hook


def send_test(session: Session, *, hook: Webhook) -> WebhookDelivery:
    """The "send test" button: one delivery of a `test` event to this hook only."""
    from tajriba.jobs.service import enqueue

    delivery = WebhookDelivery(
        workspace_id=hook.workspace_id,
        webhook_id=hook.id,
        message_id="msg_" + secrets.token_hex(12),
        event="test",
        payload={
            "type": "test",
            "timestamp": datetime.now(UTC).isoformat(),
            "data": {"subject": "Tajriba test delivery"},
        },
    )
    session.add(delivery)
    session.flush()
    enqueue(
        session,
        kind="webhooks.deliver",
        workspace_id=hook.workspace_id,
        payload={"delivery_id": delivery.id},
        max_attempts=1,
    )
    return delivery


def deliveries(session: Session, *, hook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
