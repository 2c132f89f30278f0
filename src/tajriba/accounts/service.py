"""Accounts service: workspaces, users, memberships, login, sessions, API keys. Never commits."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tajriba import security
from tajriba.audit import record
from tajriba.config import Settings
from tajriba.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from tajriba.i18n import LOCALES, _
from tajriba.models import ApiKey, Membership, User, UserSession, Workspace
from tajriba.models.base import utcnow
from tajriba.permissions import ROLES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY_KINDS = ("write", "api")


# -- workspaces -----------------------------------------------------------------------------------


# What other domains set up in every new workspace (cases seeds its root causes). The app factory's module
# registers them (tajriba.app.wire), so accounts needs no domain above it.
WORKSPACE_SETUP: list[Callable[..., None]] = []


def create_workspace(
    session: Session,
    *,
    slug: str,
    name: str,
    default_locale: str = "ar",
    calendar: str = "gregorian",
    timezone: str = "Asia/Riyadh",
    currency: str = "SAR",
) -> Workspace:
    """Create a workspace with a unique URL slug."""
    if not SLUG.match(slug):
        raise Invalid(_("Workspace slug must be 2-63 lowercase letters, digits or dashes."), field="slug")
    if not name.strip():
        raise Invalid(_("Workspace name is required."), field="name")
    if default_locale not in LOCALES:
        raise Invalid(_("Language must be one of ar, fa, en."), field="default_locale")
    if calendar not in ("gregorian", "hijri", "jalali"):
        raise Invalid(_("The calendar is gregorian, hijri or jalali."), field="calendar")
    if not re.fullmatch(r"[A-Za-z]{3}", currency or ""):
        raise Invalid(_("The currency is a three-letter ISO code such as SAR, EGP or IRR."), field="currency")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except (ValueError, KeyError, OSError):
        raise Invalid(
            _("Unknown time zone; expected a name such as Asia/Riyadh."), field="timezone"
        ) from None
    if session.scalar(select(Workspace).where(Workspace.slug == slug)):
        raise Conflict(_("A workspace with this slug already exists."), field="slug")
    workspace = Workspace(
        slug=slug,
        name=name.strip(),
        default_locale=default_locale,
        calendar=calendar,
        timezone=timezone,
        currency=currency.upper(),
        settings={},
    )
    session.add(workspace)
    session.flush()
    for setup in WORKSPACE_SETUP:
        setup(session, workspace_id=workspace.id)
    return workspace


def update_workspace(
    session: Session,
    *,
    workspace: Workspace,
    name: str,
    default_locale: str,
    calendar: str,
    timezone: str,
    currency: str,
    actor: User | None = None,
) -> Workspace:
    """Change a workspace's name, language, calendar, time zone and currency."""
    from zoneinfo import available_timezones

    if not name.strip():
        raise Invalid(_("Workspace name is required."), field="name")
    if default_locale not in LOCALES:
        raise Invalid(_("Language must be one of ar, fa, en."), field="default_locale")
    if calendar not in ("gregorian", "hijri", "jalali"):
        raise Invalid(_("Calendar must be gregorian, hijri or jalali."), field="calendar")
    if timezone not in available_timezones():
        raise Invalid(_("Unknown time zone; use a name such as Asia/Riyadh."), field="timezone")
    if not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        raise Invalid(_("Currency must be a three-letter ISO code such as SAR."), field="currency")
    workspace.name = name.strip()
    workspace.default_locale = default_locale
    workspace.calendar = calendar
    workspace.timezone = timezone
    workspace.currency = currency.strip().upper()
    session.flush()
    record(
        session,
        action="workspace.update",
        workspace_id=workspace.id,
        actor_user_id=actor.id if actor else None,
        target_type="workspace",
        target_id=str(workspace.id),
    )
    return workspace


def get_workspace(session: Session, *, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound(_("No such workspace."), field="workspace")
    return workspace


def list_workspaces(session: Session, *, user: User | None = None) -> list[Workspace]:
    """All workspaces, or those the user is a member of, by name."""
    query = select(Workspace).order_by(Workspace.name)
    if user is not None:
        query = query.join(Membership, Membership.workspace_id == Workspace.id).where(
            Membership.user_id == user.id
        )
    return list(session.scalars(query))


# -- users and memberships ------------------------------------------------------------------------


def create_user(session: Session, *, email: str, name: str, password: str, locale: str | None = None) -> User:
    """Create a user with an argon2 password hash."""
    email = email.strip().casefold()
    if not EMAIL.match(email):
        raise Invalid(_("Enter a valid email address."), field="email")
    if len(password) < security.MIN_PASSWORD_LENGTH:
        raise Invalid(_("Password must be at least 10 characters."), field="password")
    if session.scalar(select(User).where(User.email == email)):
        raise Conflict(_("A user with this email already exists."), field="email")
    user = User(
        email=email, name=name.strip() or email, password_hash=security.hash_password(password), locale=locale
    )
    session.add(user)
    session.flush()
    return user


def get_user_by_email(session: Session, *, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().casefold()))
    if user is None:
        raise NotFound(_("No user with this email."), field="email")
    return user


def list_members(session: Session, *, workspace: Workspace) -> list[tuple[User, str]]:
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id)
        .order_by(User.name)
    )
    return [(u, r) for u, r in rows]


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def role_of(session: Session, *, user: User, workspace: Workspace) -> str | None:
    return session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.workspace_id == workspace.id)
    )


def set_role(
    session: Session,
    *,
    workspace: Workspace,
    user: User,
    role: str,
    actor_role: str | None = None,
    actor: User | None = None,
) -> Membership:
    """Add the user to the workspace with `role`, or change their role. Only owners grant or remove owner."""
    if role not in ROLES:
        raise Invalid(_("Role must be one of owner, admin, analyst, agent, viewer."), field="role")
    membership = session.scalar(
        select(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    )
    touches_owner = role == "owner" or (membership is not None and membership.role == "owner")
    if actor_role is not None and touches_owner and actor_role != "owner":
        raise Forbidden(_("Only an owner can grant or remove the owner role."), field="role")
    if membership is not None and membership.role == "owner" and role != "owner":
        owners = session.scalars(
            select(Membership).where(Membership.workspace_id == workspace.id, Membership.role == "owner")
        ).all()
        if len(owners) == 1:
            raise Invalid(_("A workspace needs at least one owner."), field="role")
    if membership is None:
        membership = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    record(
        session,
        action="member.set_role",
        workspace_id=workspace.id,
        actor_user_id=actor.id if actor else None,
        target_type="user",
        target_id=str(user.id),
        details={"role": role},
    )
    return membership


def add_member(
    session: Session,
    *,
    workspace: Workspace,
    email: str,
    role: str,
    name: str = "",
    password: str = "",
    actor_role: str | None = None,
    actor: User | None = None,
) -> User:
    """Add an existing user by email with `role`, or create the account first when a password is given."""
    try:
        user = get_user_by_email(session, email=email)
    except NotFound:
        if not password:
            raise Invalid(
                _("No user with this email. Give a name and a first password to create one."),
                field="password",
            ) from None
        user = create_user(session, email=email, name=name, password=password)
        record(
            session,
            action="user.create",
            workspace_id=workspace.id,
            actor_user_id=actor.id if actor else None,
            target_type="user",
            target_id=str(user.id),
        )
    set_role(session, workspace=workspace, user=user, role=role, actor_role=actor_role, actor=actor)
    return user


# -- login and sessions ---------------------------------------------------------------------------


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


def set_preferences(
    session: Session,
    *,
    user: User,
    locale: str | None = None,
    calendar: str | None = None,
    digits: str | None = None,
) -> User:
    if locale is not None:
        if locale not in LOCALES:
            raise Invalid(_("Language must be one of ar, fa, en."), field="locale")
        user.locale = locale
    if calendar is not None:
        if calendar not in ("gregorian", "hijri", "jalali"):
            raise Invalid(_("Calendar must be gregorian, hijri or jalali."), field="calendar")
        user.calendar = calendar
    if digits is not None:
        if digits not in ("latn", "native"):
            raise Invalid(_("Digits must be latn or native."), field="digits")
        user.digits = digits
    session.flush()
    return user


# -- API keys -------------------------------------------------------------------------------------


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
