"""Getting in: passwords checked (in constant time, a dummy hash for unknown emails), login sessions started,
found and ended, and API and write keys (only their hash is stored) created, resolved, listed and revoked."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tajriba import security
from tajriba.audit import record
from tajriba.config import Settings
from tajriba.errors import Invalid, NotFound, Unauthorized
from tajriba.i18n import _
from tajriba.models import ApiKey, User, UserSession, Workspace
from tajriba.models.base import utcnow
from tajriba.permissions import ROLES

KEY_KINDS = ("write", "api")


def authenticate(session: Session, *, email: str, password: str) -> User:
    """Check a password; the same answer, in the same time, whether or not the account exists.

    Repeated failures are slowed by the caller (web.ratelimit.Backoff per email and client address), never
    by locking the account: a lock anyone can trigger would let a stranger keep its owner out."""
    now = utcnow()
    user = session.scalar(select(User).where(User.email == email.strip().casefold()))
    if user is None:
        security.verify_password(_dummy_hash(), password)  # same cost whether or not the user exists
        raise Unauthorized(_("Wrong email or password."))
    if not user.is_active or not security.verify_password(user.password_hash, password):
        raise Unauthorized(_("Wrong email or password."))
    user.last_login_at = now
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    session.flush()
    return user


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown users (made on first use, not at import)."""
    return security.hash_password(secrets.token_urlsafe(16))


def start_session(
    session: Session, *, user: User, settings: Settings, ip: str | None = None, user_agent: str | None = None
) -> str:
    """Create a login session and return its token (the cookie value); only its hash is stored."""
    token = security.new_token()
    now = utcnow()
    session.add(
        UserSession(
            token_hash=security.hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
            ip=ip,
            user_agent=(user_agent or "")[:400],
        )
    )
    session.flush()
    return token


def user_for_session(session: Session, *, token: str, settings: Settings) -> User | None:
    """Return the user of a live session, or None if it is unknown, expired or idle too long."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == security.hash_token(token)))
    if row is None:
        return None
    now = utcnow()
    idle_limit = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if row.expires_at <= now or idle_limit <= now:
        session.delete(row)
        session.flush()
        return None
    if (now - row.last_seen_at).total_seconds() > 60:
        row.last_seen_at = now
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user


def end_session(session: Session, *, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == security.hash_token(token)))


def purge_sessions(session: Session, *, settings: Settings) -> int:
    """Delete expired and idle sessions; return how many."""
    now = utcnow()
    idle_cut = now - timedelta(minutes=settings.session_idle_minutes)
    result = session.execute(
        delete(UserSession).where((UserSession.expires_at <= now) | (UserSession.last_seen_at <= idle_cut))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def create_key(
    session: Session,
    *,
    workspace: Workspace,
    kind: str,
    name: str,
    role: str = "analyst",
    created_by: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is shown once and never stored."""
    if kind not in KEY_KINDS:
        raise Invalid(_("Key kind must be write or api."), field="kind")
    if role not in ROLES or role == "owner":
        raise Invalid(_("Key role must be one of admin, analyst, agent, viewer."), field="role")
    prefix = secrets.token_hex(6)
    token = f"tj{kind[0]}_{prefix}_{security.new_token()}"
    key = ApiKey(
        workspace_id=workspace.id,
        name=name.strip() or kind,
        kind=kind,
        role=role,
        prefix=prefix,
        secret_hash=security.hash_token(token),
        created_by=created_by.id if created_by else None,
    )
    session.add(key)
    session.flush()
    record(
        session,
        action="key.create",
        workspace_id=workspace.id,
        actor_user_id=created_by.id if created_by else None,
        target_type="api_key",
        target_id=str(key.id),
        details={"kind": kind, "role": role, "prefix": prefix},
    )
    return key, token


def resolve_key(session: Session, *, token: str, kind: str) -> ApiKey:
    """Find the live key of `kind` for a presented token, or raise Unauthorized."""
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != f"tj{kind[0]}":
        raise Unauthorized(_("Invalid API key."))
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None or key.kind != kind:
        raise Unauthorized(_("Invalid API key."))
    if not secrets.compare_digest(key.secret_hash, security.hash_token(token)):
        raise Unauthorized(_("Invalid API key."))
    now = utcnow()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
    return key


def list_keys(session: Session, *, workspace: Workspace) -> list[ApiKey]:
    return list(
        session.scalars(select(ApiKey).where(ApiKey.workspace_id == workspace.id).order_by(ApiKey.id))
    )


def revoke_key(session: Session, *, workspace: Workspace, key_id: int, actor: User | None = None) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == workspace.id))
    if key is None:
        raise NotFound(_("No such key."), field="key_id")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record(
            session,
            action="key.revoke",
            workspace_id=workspace.id,
            actor_user_id=actor.id if actor else None,
            target_type="api_key",
            target_id=str(key.id),
        )
    session.flush()
    return key
