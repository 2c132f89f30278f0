"""Password hashing, key hashing, the audit chain."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tajriba import security
from tajriba.accounts import service
from tajriba.audit import record, verify_chain
from tajriba.errors import Invalid, Unauthorized
from tajriba.models import ApiKey, AuditEntry, User
from tests.conftest import make_user, make_workspace


def test_passwords_are_stored_as_argon2id_hashes(db) -> None:
    user = make_user(db, "hash@example.com")
    stored = db.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert security.verify_password(stored, "correct horse battery")
    assert not security.verify_password(stored, "correct horse batterY")
    assert not security.verify_password("not-a-hash", "x")


def test_short_passwords_are_rejected_naming_the_field(db) -> None:
    with pytest.raises(Invalid) as err:
        service.create_user(db, email="s@example.com", name="S", password="short")
    assert err.value.field == "password"


def test_api_keys_store_only_a_hash_and_resolve_by_secret(db) -> None:
    ws = make_workspace(db)
    key, token = service.create_key(db, workspace=ws, kind="api", name="ci")
    db.commit()
    row = db.scalar(select(ApiKey).where(ApiKey.id == key.id))
    assert token not in (row.secret_hash, row.prefix, row.name)
    assert row.secret_hash == security.hash_token(token)
    assert service.resolve_key(db, token=token, kind="api").id == key.id


def test_a_key_with_a_wrong_secret_kind_or_revoked_is_refused(db) -> None:
    ws = make_workspace(db)
    key, token = service.create_key(db, workspace=ws, kind="api", name="ci")
    _w, write_token = service.create_key(db, workspace=ws, kind="write", name="segment")
    db.commit()
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Unauthorized):
        service.resolve_key(db, token=forged, kind="api")
    with pytest.raises(Unauthorized):
        service.resolve_key(db, token=write_token, kind="api")
    service.revoke_key(db, workspace=ws, key_id=key.id)
    with pytest.raises(Unauthorized):
        service.resolve_key(db, token=token, kind="api")


def test_audit_log_is_hash_chained_and_detects_tampering(db) -> None:
    ws = make_workspace(db)
    for i in range(3):
        record(
            db, action="test.action", workspace_id=ws.id, target_id=str(i), details={"n": i, "ar": "مرحبا"}
        )
    db.commit()
    assert verify_chain(db) is None
    first = db.scalar(select(AuditEntry).where(AuditEntry.action == "test.action").order_by(AuditEntry.id))
    db.execute(update(AuditEntry).where(AuditEntry.id == first.id).values(details={"n": 99}))
    db.commit()
    assert verify_chain(db) == first.id


def test_only_an_owner_grants_owner_and_the_last_owner_stays(db) -> None:
    ws = make_workspace(db)
    owner = make_user(db, workspace=ws, role="owner")
    admin = make_user(db, workspace=ws, role="admin")
    with pytest.raises(Exception) as err:
        service.set_role(db, workspace=ws, user=admin, role="owner", actor_role="admin")
    assert getattr(err.value, "status", None) == 403
    with pytest.raises(Invalid):
        service.set_role(db, workspace=ws, user=owner, role="viewer", actor_role="owner")
