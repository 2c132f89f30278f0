"""Roles and the permission matrix: the one place that says who may do what (docs/permissions.md)."""

from __future__ import annotations

from tajriba.i18n import N_

ROLES: tuple[str, ...] = ("owner", "admin", "analyst", "agent", "viewer")

ROLE_LABELS = {
    "owner": N_("Owner"),
    "admin": N_("Admin"),
    "analyst": N_("Analyst"),
    "agent": N_("Agent"),
    "viewer": N_("Viewer"),
}

_ALL = set(ROLES)
_STAFF = {"owner", "admin", "analyst", "agent"}
_ANALYSTS = {"owner", "admin", "analyst"}
_ADMINS = {"owner", "admin"}

# permission -> (roles that hold it, what it allows)
MATRIX: dict[str, tuple[set[str], str]] = {
    "workspace:read": (_ALL, "see the workspace overview and navigation"),
    "journeys:read": (_ALL, "see personas, journeys, stages, touchpoints and journey maps"),
    "journeys:write": (_ANALYSTS, "create and edit personas, journeys and touchpoints"),
    "customers:read": (_STAFF, "see customer profiles and timelines"),
    "pii:read": ({"owner", "admin", "agent"}, "see raw personal data (others see it redacted)"),
    "identities:manage": (_ADMINS, "undo identity merges of customer profiles"),
    "consents:record": (_STAFF, "record a consent or its withdrawal a customer gave by phone or in person"),
    "surveys:read": (_ALL, "see surveys and their results"),
    "surveys:write": (_ANALYSTS, "build and send surveys"),
    "feedback:read": (_ALL, "explore feedback texts (redacted), their topics, sentiment and pain points"),
    "text:analyze": (_STAFF, "send texts to the text-analysis API"),
    "text:manage": (_ANALYSTS, "edit the topic taxonomy and re-run text enrichment"),
    "metrics:read": (_ALL, "see CX metrics and goals"),
    "goals:write": (_ANALYSTS, "set goals and the service targets they are measured against"),
    "reports:manage": (_ANALYSTS, "schedule e-mailed summaries and share read-only links to them"),
    "value:read": ({"owner", "admin", "analyst", "viewer"}, "see value, loyalty and revenue analytics"),
    "value:compute": (_ANALYSTS, "refit the lifetime-value models and store customers' values"),
    "data:import": (_ANALYSTS, "import files and send events"),
    "loyalty:read": (
        _ALL,
        "see the loyalty programme's figures, tiers, rewards, campaigns and offer results",
    ),
    "loyalty:members": (_STAFF, "see a member's balance, tier, history and next-best action"),
    "loyalty:transact": (_STAFF, "award, redeem and adjust points, enrol members, issue and use vouchers"),
    "loyalty:manage": (
        _ANALYSTS,
        "set up the programme: earning rules, tiers, rewards, campaigns, offer batches",
    ),
    "social:read": (
        _ALL,
        "see the listening dashboard, the mention stream (redacted) and spikes; providers read pending replies",
    ),
    "social:manage": (_ANALYSTS, "edit listening queries, sources (webhooks, feeds) and topic touchpoints"),
    "cases:read": (
        _ALL,
        "see cases (agents: their own and their teams'; others: all) and the notification centre",
    ),
    "cases:work": (_STAFF, "open cases, reply, note, assign and move them through their statuses"),
    "cases:configure": (
        _ANALYSTS,
        "set case rules, SLA policies, business calendars, teams, root causes, alerts",
    ),
    "staffing:read": (_ALL, "see contact forecasts and staffing plans"),
    "staffing:plan": (_ANALYSTS, "set teams' service targets and handle times, and upload their schedules"),
    "privacy:request": (_STAFF, "log a person's request about their data (access, correction, erasure...)"),
    "privacy:manage": (_ADMINS, "work the queue of data-subject requests: see, extend and answer them"),
    "webhooks:manage": (_ADMINS, "create webhooks (their signing secrets) and read their delivery log"),
    "members:manage": (_ADMINS, "add members and change roles (only owners grant owner)"),
    "keys:manage": (_ADMINS, "create and revoke API keys and write keys"),
    "settings:manage": (_ADMINS, "change workspace settings"),
    "audit:read": (_ADMINS, "read the audit log"),
}


def allowed(role: str | None, permission: str) -> bool:
    """Return whether `role` holds `permission` (unknown permissions are a programming error)."""
    roles, _ = MATRIX[permission]
    return role in roles


def permission_table() -> str:
    """Render the matrix as the Markdown table kept in docs/permissions.md."""
    head = "| permission | " + " | ".join(ROLES) + " | allows |"
    rule = "|---|" + "---|" * len(ROLES) + "---|"
    rows = [
        f"| `{perm}` | " + " | ".join("yes" if r in roles else "no" for r in ROLES) + f" | {what} |"
        for perm, (roles, what) in MATRIX.items()
    ]
    return "\n".join([head, rule, *rows])
