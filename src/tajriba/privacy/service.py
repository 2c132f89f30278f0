"""What other domains, the API and the pages use of privacy operations."""

from tajriba.privacy.deadlines import due_at, extended_due_at
from tajriba.privacy.requests import extend_request, get_request, list_requests, log_request

__all__ = ["due_at", "extend_request", "extended_due_at", "get_request", "list_requests", "log_request"]
