"""Request dependencies: database session, current user, workspace context and permission checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import orjson
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from tajriba import security
from tajriba.audit import record
from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.errors import Forbidden, Invalid, NotFound, TajribaError, Unauthorized
from tajriba.i18n import _, set_locale
from tajriba.models import ApiKey, User, Workspace
from tajriba.permissions import allowed
from tajriba.warehouse import Warehouse

SESSION_COOKIE = "tajriba_session"
CSRF_COOKIE = "tajriba_csrf"
LOCALE_COOKIE = "tajriba_locale"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(TajribaError):
    """A page needs a logged-in user: pages redirect to /login, the API answers 401."""

    status = 401
    code = "login_required"


async def write_turn(request: Request) -> AsyncIterator[None]:
    """On SQLite, a request that writes waits for its turn here, on the event loop, before it takes a thread.

    SQLite has one writer at a time, and a request's work runs in several thread-pool steps (dependencies,
    the route, the commit). Were the wait for the write lock inside a pool thread, every thread could end up
    waiting for a lock whose holder needs a thread to commit (a deadlock until the busy timeout). Waiting
    here (fair, first come first served) keeps the pool for requests that can run. PostgreSQL needs no turn.
    """
    turn = request.app.state.write_turn
    if turn is None or request.method in SAFE_METHODS:
        yield
        return
    async with turn:
        yield


def get_db(
    request: Request, _turn: Annotated[None, Depends(write_turn, scope="function")]
) -> Iterator[Session]:
    """The request owns the transaction: commit on success, roll back on error.

    Used with ``scope="function"``: the commit runs when the endpoint returns, *before* the response
    is sent. FastAPI's default scope closes dependencies after the response has gone out, so a client
    could follow a redirect (or read a 201) before the row was committed, and a failed commit would
    be invisible to it.
    """
    mode = "reads" if request.method in SAFE_METHODS else "writes"
    with transaction(request.app.state.session_factory, mode=mode) as session:
        yield session


DB = Annotated[Session, Depends(get_db, scope="function")]


def get_reading_db(request: Request) -> Iterator[Session]:
    """A read-only session for a request that writes elsewhere (the warehouse) and opens its own short write
    transaction when it must: it takes no write turn, so long work does not hold up other writers."""
    with transaction(request.app.state.session_factory, mode="reads") as session:
        yield session


ReadingDB = Annotated[Session, Depends(get_reading_db, scope="function")]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_warehouse(request: Request) -> Warehouse:
    return request.app.state.warehouse


class Directory(Protocol):
    """Who is who: sessions, workspaces, memberships and keys. The accounts domain's service answers these;
    the app factory registers it as `app.state.directory`, so the web layer needs no domain."""

    def user_for_session(self, session: Session, *, token: str, settings: Settings) -> User | None: ...

    def get_workspace(self, session: Session, *, slug: str) -> Workspace: ...

    def role_of(self, session: Session, *, user: User, workspace: Workspace) -> str | None: ...

    def list_workspaces(self, session: Session, *, user: User | None = None) -> list[Workspace]: ...

    def resolve_key(self, session: Session, *, token: str, kind: str) -> ApiKey: ...


def directory(request: Request) -> Directory:
    return request.app.state.directory


SettingsDep = Annotated[Settings, Depends(get_settings)]
WarehouseDep = Annotated[Warehouse, Depends(get_warehouse)]


@dataclass(frozen=True)
class UserView:
    """What pages show of the logged-in user; safe to use after the request's session has closed."""

    id: int
    name: str
    email: str


def optional_user(request: Request, db: DB) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token:
        user = directory(request).user_for_session(db, token=token, settings=request.app.state.settings)
    request.state.user = UserView(user.id, user.name, user.email) if user else None
    apply_locale(request, user=user)
    return user


def apply_locale(request: Request, *, user: User | None, workspace: Workspace | None = None) -> None:
    """Choose the page language: the user's preference, the browser's cookie, the workspace, the default."""
    settings: Settings = request.app.state.settings
    locale = (
        (user.locale if user else None)
        or request.cookies.get(LOCALE_COOKIE)
        or (workspace.default_locale if workspace else None)
        or settings.default_locale
    )
    set_locale(locale)
    request.state.locale = locale
    request.state.calendar = (user.calendar if user else None) or (
        workspace.calendar if workspace else settings.calendar
    )
    request.state.digits = (user.digits if user else None) or settings.digits


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired(_("Please log in."))
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass
class Context:
    """Who is acting, in which workspace, with which role."""

    workspace: Workspace
    role: str
    user: User | None = None
    key: ApiKey | None = None
    workspaces: list[Workspace] = field(default_factory=list)

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)

    @property
    def actor(self) -> str:
        """Who acts, for records kept outside the audit log: the user's email or `key:<id>`."""
        if self.user is not None:
            return self.user.email
        return f"key:{self.key.id}" if self.key is not None else "unknown"

    def audit(
        self,
        db: Session,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | None = None,
        details: dict | None = None,
    ) -> None:
        """Append an audit entry for this workspace, by this user or API key."""
        record(
            db,
            action=action,
            workspace_id=self.workspace.id,
            actor_user_id=self.user.id if self.user else None,
            actor_key_id=self.key.id if self.key else None,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )


class Require:
    """Dependency: a member of the workspace in the URL holding `permission` (404 for non-members)."""

    def __init__(self, permission: str) -> None:
        allowed(None, permission)  # fails fast on a misspelt permission
        self.permission = permission

    def __call__(self, request: Request, workspace: str, user: CurrentUser, db: DB) -> Context:
        try:
            ws = directory(request).get_workspace(db, slug=workspace)
        except NotFound:
            raise NotFound(_("No such workspace.")) from None
        role = directory(request).role_of(db, user=user, workspace=ws)
        if role is None:
            raise NotFound(_("No such workspace."))
        apply_locale(request, user=user, workspace=ws)
        if not allowed(role, self.permission):
            raise Forbidden(_("Your role does not allow this."))
        ctx = Context(
            workspace=ws, role=role, user=user, workspaces=directory(request).list_workspaces(db, user=user)
        )
        request.state.ctx = ctx
        return ctx


class RequireKey:
    """Dependency for /api/v1: a Bearer API key whose role holds `permission` in its own workspace."""

    def __init__(self, permission: str) -> None:
        allowed(None, permission)
        self.permission = permission

    def __call__(self, request: Request, db: DB) -> Context:
        header = request.headers.get("authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(_("Send an API key as 'Authorization: Bearer <key>'."))
        key = directory(request).resolve_key(db, token=token.strip(), kind="api")
        ws = db.get(Workspace, key.workspace_id)
        if ws is None:
            raise Unauthorized(_("Invalid API key."))
        if not allowed(key.role, self.permission):
            raise Forbidden(_("Your role does not allow this."))
        ctx = Context(workspace=ws, role=key.role, key=key)
        request.state.ctx = ctx
        return ctx


class RequireKeyReading(RequireKey):
    """`RequireKey` for routes that write the warehouse for a while and the application database briefly, in a
    transaction of their own (storing social mentions): the key is checked in a read-only session."""

    def __call__(self, request: Request, db: ReadingDB) -> Context:
        return super().__call__(request, db)


MAX_FORM_FIELDS = 2_000
MAX_FORM_PART_BYTES = 1 << 20


async def read_form(request: Request) -> FormData:
    """The request's form, read on the event loop so that the route itself can be a plain `def`.

    Routes are synchronous (they run in the thread pool, where their database work cannot stall other
    requests); reading the body is the only awaitable part, and it happens here. Bounded: at most
    MAX_FORM_FIELDS fields and 1 MB per field (files are spooled to disk, their size checked by the route).
    """
    try:
        return await request.form(max_files=8, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES)
    except (MultiPartException, AssertionError, UnicodeDecodeError) as exc:
        raise Invalid(_("The form could not be read: {error}").format(error=str(exc)[:200])) from None


async def read_body(request: Request) -> bytes:
    """The raw request body (for routes that take JSON or a file as the body); capped like every API body.

    Empty when the body was already read as a form (a form post to a route that takes a body)."""
    try:
        return await request.body()
    except RuntimeError:  # "Stream consumed": the CSRF check parsed it as a form
        return b""


async def read_json(request: Request) -> Any:
    """The request body as JSON, or None when it is not JSON."""
    try:
        return orjson.loads(await read_body(request))
    except orjson.JSONDecodeError:
        return None


FormDep = Annotated[FormData, Depends(read_form)]
BodyDep = Annotated[bytes, Depends(read_body)]
JsonDep = Annotated[Any, Depends(read_json)]


async def verify_csrf(request: Request) -> None:
    """Reject unsafe requests whose form field or X-CSRF-Token header does not match the CSRF cookie."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await read_form(request)
        value: Any = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not security.csrf_valid(request.app.state.settings.secret, cookie, sent):
        raise Forbidden(
            _("The form expired or came from another site. Reload the page and try again."), code="csrf"
        )


def public_base(request: Request) -> str:
    """The address links shown to this request point to: the configured public URL (`TAJRIBA_PUBLIC_URL`),
    else the address the request came in on, so a server on another port or host never hands out dead links."""
    configured: str | None = request.app.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


def is_loopback(url: str) -> bool:
    """Whether a link points at the computer it is opened on (127.0.0.1, ::1, localhost): dead for customers."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
