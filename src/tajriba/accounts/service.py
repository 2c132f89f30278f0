"""Accounts service: workspaces, users, memberships; login, sessions and API keys live in access.py and are
re-exported here (`x as x`), the one door of the domain. Never commits."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba import security
from tajriba.accounts.access import KEY_KINDS as KEY_KINDS
from tajriba.accounts.access import authenticate as authenticate
from tajriba.accounts.access import create_key as create_key
from tajriba.accounts.access import end_session as end_session
from tajriba.accounts.access import list_keys as list_keys
from tajriba.accounts.access import purge_sessions as purge_sessions
from tajriba.accounts.access import resolve_key as resolve_key
from tajriba.accounts.access import revoke_key as revoke_key
from tajriba.accounts.access import start_session as start_session
from tajriba.accounts.access import user_for_session as user_for_session
from tajriba.accounts.notice import current_notice as current_notice
from tajriba.accounts.notice import notice_version as notice_version
from tajriba.accounts.notice import notices as notices
from tajriba.accounts.notice import publish_notice as publish_notice
from tajriba.audit import record
from tajriba.errors import Conflict, Forbidden, Invalid, NotFound
from tajriba.i18n import LOCALES, _
from tajriba.models import Membership, User, Workspace
from tajriba.permissions import ROLES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


# -- preferences ---------------------------------------------------------------------------------


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
