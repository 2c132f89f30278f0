"""db.session.after_commit: a warehouse write that follows the application database's commit."""

from __future__ import annotations

import pytest

from tajriba.db.session import after_commit, transaction


def test_runs_once_after_the_commit_and_never_after_a_rollback(app) -> None:  # type: ignore[no-untyped-def]
    done: list[str] = []
    with transaction(app.state.session_factory) as session:
        after_commit(session, lambda: done.append("committed"))
        assert done == []  # not before the commit
    assert done == ["committed"]
    with pytest.raises(RuntimeError), transaction(app.state.session_factory) as session:
        after_commit(session, lambda: done.append("rolled back"))
        raise RuntimeError("the request failed")
    assert done == ["committed"]


def test_a_failing_write_is_logged_not_raised(app, caplog) -> None:  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise OSError("warehouse away")

    done: list[str] = []
    with transaction(app.state.session_factory) as session:
        after_commit(session, broken)
        after_commit(session, lambda: done.append("next"))
    assert done == ["next"]
    assert "the next run repairs it" in caplog.text
