"""`tajriba users|workspaces|keys`: people, workspaces and keys from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from tajriba.commands import DataDir, Stores, echo_json, settings_for

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
workspaces_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys and write keys.", no_args_is_help=True)


# -- users ----------------------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Email (login).")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password: Annotated[str | None, typer.Option(help="Password (prompted when omitted).")] = None,
    workspace: Annotated[str | None, typer.Option(help="Add to this workspace.")] = None,
    role: Annotated[str, typer.Option(help="Role in that workspace.")] = "viewer",
    locale: Annotated[str | None, typer.Option(help="Preferred language.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a user, optionally adding them to a workspace with a role."""
    from tajriba.accounts import service

    if password is None:
        password = typer.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=True)
    with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
        user = service.create_user(
            session, email=email, name=name or email.split("@")[0], password=password, locale=locale
        )
        if workspace:
            ws = service.get_workspace(session, slug=workspace)
            service.set_role(session, workspace=ws, user=user, role=role)
    typer.echo(f"User {email} created" + (f" as {role} in {workspace}" if workspace else "") + ".")


@users_app.command("list")
def users_list(data_dir: DataDir = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users with their workspaces and roles."""
    from tajriba.accounts import service

    with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
        rows = [
            {
                "id": u.id,
                "email": u.email,
                "name": u.name,
                "active": u.is_active,
                "workspaces": {m.workspace.slug: m.role for m in u.memberships},
            }
            for u in service.list_users(session)
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        memberships: dict[str, str] = r["workspaces"]  # type: ignore[assignment]
        roles = ", ".join(f"{k}:{v}" for k, v in memberships.items()) or "-"
        typer.echo(f"{r['id']:>4}  {r['email']:<36} {r['name']:<24} {roles}")


@users_app.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Option(help="The user's email.")],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    role: Annotated[str, typer.Option(help="owner, admin, analyst, agent or viewer.")],
    data_dir: DataDir = None,
) -> None:
    """Give a user a role in a workspace (adds them when they are not a member)."""
    from tajriba.accounts import service

    with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
        ws = service.get_workspace(session, slug=workspace)
        user = service.get_user_by_email(session, email=email)
        service.set_role(session, workspace=ws, user=user, role=role)
    typer.echo(f"{email} is now {role} in {workspace}.")


# -- workspaces -----------------------------------------------------------------------------------


@workspaces_app.command("create")
def workspaces_create(
    slug: Annotated[str, typer.Option(help="URL name: lowercase letters, digits, dashes.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    locale: Annotated[str, typer.Option(help="Default language.")] = "ar",
    calendar: Annotated[str, typer.Option(help="gregorian, hijri or jalali.")] = "gregorian",
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Asia/Riyadh",
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "SAR",
    owner: Annotated[str | None, typer.Option(help="Email of an existing user to make owner.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a workspace."""
    from tajriba.accounts import service

    with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
        ws = service.create_workspace(
            session,
            slug=slug,
            name=name or slug,
            default_locale=locale,
            calendar=calendar,
            timezone=timezone,
            currency=currency,
        )
        if owner:
            service.set_role(
                session, workspace=ws, user=service.get_user_by_email(session, email=owner), role="owner"
            )
    typer.echo(f"Workspace {slug} created.")


@workspaces_app.command("list")
def workspaces_list(
    data_dir: DataDir = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List workspaces."""
    from tajriba.accounts import service

    with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
        rows = [
            {
                "id": w.id,
                "slug": w.slug,
                "name": w.name,
                "locale": w.default_locale,
                "calendar": w.calendar,
                "timezone": w.timezone,
                "currency": w.currency,
            }
            for w in service.list_workspaces(session)
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:>4}  {r['slug']:<20} {r['name']}")


# -- keys -----------------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    kind: Annotated[str, typer.Option(help="write (tracking API) or api (/api/v1).")],
    name: Annotated[str | None, typer.Option(help="A label for the key.")] = None,
    role: Annotated[str, typer.Option(help="Role the key acts with.")] = "analyst",
    data_dir: DataDir = None,
) -> None:
    """Create a key and print its secret once; only a hash is stored."""
    from tajriba.accounts import service

    with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
        ws = service.get_workspace(session, slug=workspace)
        _key, secret = service.create_key(session, workspace=ws, kind=kind, name=name or kind, role=role)
    typer.echo(secret)
    typer.echo("Store this key now: it cannot be shown again.", err=True)
