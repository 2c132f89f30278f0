"""What other domains, the API and the pages use of privacy operations."""

from tajriba.privacy.breaches import clock, get_breach, list_breaches, log_breach, update_breach
from tajriba.privacy.deadlines import due_at, extended_due_at
from tajriba.privacy.erase import erase_customer, erase_for_request
from tajriba.privacy.holds import active_hold, list_holds, place_hold, release_hold
from tajriba.privacy.requests import extend_request, get_request, list_requests, log_request
from tajriba.privacy.retention import purge

__all__ = [
    "active_hold",
    "clock",
    "due_at",
    "erase_customer",
    "erase_for_request",
    "extend_request",
    "extended_due_at",
    "get_breach",
    "get_request",
    "list_breaches",
    "list_holds",
    "list_requests",
    "log_breach",
    "log_request",
    "place_hold",
    "purge",
    "release_hold",
    "update_breach",
]
