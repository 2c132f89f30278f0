"""Root causes: each workspace's own taxonomy of why customers had problems, named in Arabic, Persian and
English, seeded with a starting list when the workspace is created."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import RootCause

# a starting root-cause taxonomy; each workspace edits its own
DEFAULT_ROOT_CAUSES = (
    ("late_delivery", "تأخر التوصيل", "تأخیر در ارسال", "Late delivery"),
    ("damaged_item", "منتج تالف", "کالای آسیب‌دیده", "Damaged item"),
    ("wrong_item", "منتج خاطئ", "کالای اشتباه", "Wrong item"),
    ("refund_delay", "تأخر الاسترداد", "تأخیر در بازپرداخت", "Refund delay"),
    ("billing_error", "خطأ في الفاتورة", "خطای صورتحساب", "Billing error"),
    ("staff_behaviour", "تعامل الموظف", "رفتار کارکنان", "Staff behaviour"),
    ("no_response", "عدم الرد", "عدم پاسخگویی", "No response"),
    ("app_website", "مشكلة في التطبيق أو الموقع", "مشکل برنامه یا وبسایت", "App or website problem"),
    ("price", "السعر", "قیمت", "Price"),
    ("other", "أخرى", "سایر", "Other"),
)


def root_causes(session: Session, *, workspace_id: int) -> list[RootCause]:
    """The workspace's root-cause taxonomy (seeded with a starting list when the workspace is created)."""
    return list(
        session.scalars(
            select(RootCause).where(RootCause.workspace_id == workspace_id).order_by(RootCause.id)
        )
    )


def seed_root_causes(session: Session, *, workspace_id: int) -> None:
    """Give a new workspace the starting root-cause list in ar/fa/en (each workspace then edits its own)."""
    for key, ar, fa, en in DEFAULT_ROOT_CAUSES:
        session.add(RootCause(workspace_id=workspace_id, key=key, labels={"ar": ar, "fa": fa, "en": en}))
    session.flush()


def save_root_cause(
    session: Session, *, workspace_id: int, key: str, labels: dict[str, str], actor: Auditor
) -> RootCause:
    """Add a root cause or rename one (labels in ar/fa/en)."""
    if not re.fullmatch(r"[a-z0-9_]{1,64}", key):
        raise Invalid(_("a root cause key is 1-64 lower-case letters, digits or _"), field="key")
    clean = {lang: str(labels.get(lang) or "").strip()[:200] for lang in ("ar", "fa", "en")}
    if not any(clean.values()):
        raise Invalid(_("give the root cause a name in at least one language"), field="labels")
    row = session.scalar(
        select(RootCause).where(RootCause.workspace_id == workspace_id, RootCause.key == key)
    )
    if row is None:
        row = RootCause(workspace_id=workspace_id, key=key, labels=clean)
        session.add(row)
    else:
        row.labels = clean
    session.flush()
    actor.audit(
        session, "root_cause.save", target_type="root_cause", target_id=str(row.id), details={"key": key}
    )
    return row


def label(row: RootCause | None, locale: str) -> str:
    if row is None:
        return ""
    labels = row.labels or {}
    return labels.get(locale) or labels.get("en") or labels.get("ar") or row.key
