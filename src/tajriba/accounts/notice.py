"""A workspace's privacy notice (PDPL Arts 12-13, GDPR Arts 13-14): versioned texts in Arabic, Persian and
English with the privacy contact, shown to respondents before they answer; every survey answer records the
version it was collected under. Earlier versions stay readable (an answer's version can always be shown)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from tajriba.audit import Auditor
from tajriba.errors import Conflict, Invalid
from tajriba.i18n import _
from tajriba.models import Workspace
from tajriba.models.base import utcnow

LANGUAGES = ("ar", "fa", "en")
_VERSION = re.compile(r"^[\w.\-]{1,40}$")


def notices(workspace: Workspace) -> list[dict[str, Any]]:
    """Every published version, the newest last."""
    return list(((workspace.settings or {}).get("privacy") or {}).get("notices") or [])


def current_notice(workspace: Workspace) -> dict[str, Any] | None:
    published = notices(workspace)
    return published[-1] if published else None


def notice_version(workspace: Workspace | None) -> str | None:
    """The version answers are collected under now (None: no notice published)."""
    notice = current_notice(workspace) if workspace is not None else None
    return str(notice["version"]) if notice else None


def publish_notice(
    db: Session,
    *,
    workspace: Workspace,
    version: str,
    texts: dict[str, str],
    contact: str | None,
    actor: Auditor,
) -> dict[str, Any]:
    """Publish a new version (versions are never changed once published)."""
    if not _VERSION.match(version):
        raise Invalid(
            _("a version is up to 40 letters, digits, dots, dashes or underscores"), field="version"
        )
    if any(n["version"] == version for n in notices(workspace)):
        raise Conflict(_("version {version} is published already; publish a new one").format(version=version))
    texts = {k: v.strip() for k, v in texts.items() if k in LANGUAGES and v and v.strip()}
    if not texts:
        raise Invalid(_("write the notice in at least one of Arabic, Persian or English"), field="texts")
    notice = {"version": version, "texts": texts, "contact": contact, "published_at": utcnow().isoformat()}
    settings = dict(workspace.settings or {})
    privacy = dict(settings.get("privacy") or {})
    privacy["notices"] = [*notices(workspace), notice]
    if contact:
        privacy["dpo_contact"] = contact
    settings["privacy"] = privacy
    workspace.settings = settings
    flag_modified(workspace, "settings")
    db.flush()
    actor.audit(db, "privacy.notice.publish", target_type="workspace", target_id=str(workspace.id),
                details={"version": version, "languages": sorted(texts)})  # fmt: skip
    return notice
