"""Password hashing (argon2id), token hashing and the signed double-submit CSRF token."""

from __future__ import annotations

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
