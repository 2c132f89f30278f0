"""Survey links: the public link of a survey and the signed personal link of one invitation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from tajriba.errors import NotFound, TajribaError
from tajriba.i18n import _
from tajriba.models import Survey, SurveyInvitation


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(secret: str, text: str) -> str:
    return _b64(hmac.new(secret.encode(), b"survey-link:" + text.encode(), hashlib.sha256).digest()[:12])


def personal_token(secret: str, invitation: SurveyInvitation) -> str:
    """`<id>.<expiry>.<signature>`: short enough for an SMS, unguessable, and checked without a lookup."""
    expires = int(invitation.expires_at.timestamp())  # UTCDateTime hands out aware datetimes
    body = f"{_to36(invitation.id)}.{_to36(expires)}"
    return f"{body}.{_sign(secret, body)}"


def read_personal_token(secret: str, token: str) -> int:
    """The invitation id in a personal token, or an error (forged, or expired by its own date)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise NotFound(_("This survey link does not exist."))
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, body), parts[2]):
        raise NotFound(_("This survey link does not exist."))
    try:
        inv_id, expires = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        raise NotFound(_("This survey link does not exist.")) from None
    if expires < time.time():
        raise LinkClosed(_("This survey link has expired."))
    return inv_id


class LinkClosed(TajribaError):
    """A personal link that expired or was already used (410 Gone)."""

    status = 410
    code = "link_closed"


def _to36(n: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = chars[r] + out
        if n == 0:
            return out


def _stop_signature(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), b"survey-stop:" + body.encode(), hashlib.sha256).digest()[:12])


def stop_token(secret: str, invitation: SurveyInvitation) -> str:
    """`<id>.<signature>` of the one-tap "stop these surveys" link every invitation carries: it never expires
    (a person may say stop from an old message), and it only ever withdraws."""
    body = _to36(invitation.id)
    return f"{body}.{_stop_signature(secret, body)}"


def read_stop_token(secret: str, token: str) -> int:
    """The invitation id in a stop token, or NotFound."""
    body, _dot, signature = token.partition(".")
    valid = body.isalnum() and body.isascii() and len(body) <= 13
    if not valid or not hmac.compare_digest(_stop_signature(secret, body), signature):
        raise NotFound(_("This link does not exist."))
    return int(body, 36)


def stop_url(base: str, secret: str, invitation: SurveyInvitation) -> str:
    return f"{base.rstrip('/')}/s/stop/{stop_token(secret, invitation)}"


def public_url(base: str, survey: Survey, **hidden: str) -> str:
    query = urlencode({k: v for k, v in hidden.items() if v not in (None, "")})
    return f"{base.rstrip('/')}/s/{survey.public_token}" + (f"?{query}" if query else "")


def personal_url(base: str, secret: str, invitation: SurveyInvitation) -> str:
    return f"{base.rstrip('/')}/s/{personal_token(secret, invitation)}"


def expiry(survey: Survey, at: datetime | None = None) -> datetime:
    return (at or datetime.now(UTC)) + timedelta(days=survey.link_days)
