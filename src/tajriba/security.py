"""Password hashing (argon2id), token hashing, the signed double-submit CSRF token and webhook signatures
(Standard Webhooks: HMAC-SHA256 over "id.timestamp.body", in both directions)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Hash a high-entropy token for storage (SHA-256 suffices: tokens are random, not chosen)."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret: str, cookie_value: str) -> str:
    """The form token bound to this browser's CSRF cookie."""
    return hmac.new(secret.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: str, cookie_value: str | None, sent: str | None) -> bool:
    if not cookie_value or not sent:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_value), sent)


WEBHOOK_TOLERANCE = 300  # seconds a signed request may be older or newer than our clock


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header value (Standard Webhooks, v1 = HMAC-SHA256)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_problem(
    secret: str,
    message_id: str | None,
    timestamp: str | None,
    signatures: str | None,
    body: bytes,
    now: float,
) -> str | None:
    """Why a signed request must be refused (None: it is genuine). The signature header may carry several
    space-separated "v1,<base64>" values (a secret being rotated); the timestamp must be within
    WEBHOOK_TOLERANCE seconds of `now` (a replayed old request is refused)."""
    if not message_id or not timestamp or not signatures:
        return "missing"
    try:
        stamp = int(timestamp)
    except ValueError:
        return "timestamp"
    if abs(now - stamp) > WEBHOOK_TOLERANCE:
        return "expired"
    expected = webhook_signature(secret, message_id, stamp, body)
    if any(hmac.compare_digest(expected, sent) for sent in signatures.split()):
        return None
    return "signature"
