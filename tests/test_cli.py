"""The `tajriba` command: lazy imports, init, users, workspaces, keys, stats, settings errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tajriba import security


def run(
    *args: str, data_dir: Path | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tajriba.cli", *args]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_help_loads_no_heavy_module() -> None:
    code = (
        "import sys, tajriba.cli; heavy = [m for m in ('sqlalchemy', 'fastapi', 'ibis', 'pandas', 'duckdb', "
        "'numpy', 'tajriba.app') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert "serve" in run("--help").stdout


def test_init_then_users_workspaces_keys_and_stats(tmp_path: Path) -> None:
    d = tmp_path / "data"
    out = run(
        "init",
        "--email",
        "owner@example.com",
        "--name",
        "فيصل",
        "--password",
        "a long password",
        "--workspace",
        "store",
        data_dir=d,
    ).stdout
    assert "owner@example.com" in out and (d / "tajriba.db").exists() and (d / "warehouse.duckdb").exists()
    run(
        "users",
        "create",
        "--email",
        "agent@example.com",
        "--password",
        "another long one",
        "--workspace",
        "store",
        "--role",
        "agent",
        data_dir=d,
    )
    run(
        "users",
        "set-role",
        "--email",
        "agent@example.com",
        "--workspace",
        "store",
        "--role",
        "analyst",
        data_dir=d,
    )
    users = json.loads(run("users", "list", "--json", data_dir=d).stdout)
    assert {u["email"]: u["workspaces"] for u in users} == {
        "owner@example.com": {"store": "owner"},
        "agent@example.com": {"store": "analyst"},
    }
    run(
        "workspaces",
        "create",
        "--slug",
        "clinic",
        "--name",
        "عيادة",
        "--owner",
        "owner@example.com",
        data_dir=d,
    )
    slugs = [w["slug"] for w in json.loads(run("workspaces", "list", "--json", data_dir=d).stdout)]
    assert sorted(slugs) == ["clinic", "store"]
    result = run("keys", "create", "--workspace", "store", "--kind", "write", data_dir=d)
    secret = result.stdout.strip()
    assert secret.startswith("tjw_") and "cannot be shown again" in result.stderr
    stats = json.loads(run("stats", "--json", data_dir=d).stdout)
    assert stats["database"]["api_keys"] == 1 and stats["database"]["users"] == 2
    assert set(stats["warehouse"]) >= {"events", "customers", "orders", "tickets"}
    import sqlite3

    with sqlite3.connect(d / "tajriba.db") as conn:
        (stored,) = conn.execute("SELECT secret_hash FROM api_keys").fetchone()
    assert stored == security.hash_token(secret) and secret not in stored
    scoped = json.loads(run("stats", "--workspace", "clinic", "--json", data_dir=d).stdout)
    assert scoped["workspace"] == "clinic" and scoped["database"]["api_keys"] == 0
    from tajriba.db.migrate import head

    assert f"current: {head()}" in run("db", "current", data_dir=d).stdout


def test_invalid_settings_stop_with_one_clear_line(tmp_path: Path) -> None:
    result = run("stats", data_dir=tmp_path, env={"TAJRIBA_DEFAULT_LOCALE": "de"}, check=False)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "TAJRIBA_DEFAULT_LOCALE" in lines[0] and "'de'" in lines[0]
    prod = run("stats", data_dir=tmp_path, env={"TAJRIBA_ENV": "production"}, check=False)
    assert prod.returncode == 2 and "TAJRIBA_SECRET_KEY" in prod.stderr and "Traceback" not in prod.stderr


def test_business_errors_are_reported_without_a_traceback(tmp_path: Path) -> None:
    result = run(
        "users",
        "create",
        "--email",
        "not-an-email",
        "--password",
        "a long password",
        data_dir=tmp_path,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


@pytest.mark.parametrize("env", [{"TAJRIBA_ENV": "development"}])
def test_secret_key_is_generated_once_and_private(tmp_path: Path, env: dict[str, str]) -> None:
    from tajriba.config import load_settings

    s1 = load_settings(data_dir=tmp_path)
    key = s1.secret
    assert len(key) >= 32 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings(data_dir=tmp_path).secret == key


def test_toml_file_settings_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tajriba.config import load_settings

    config = tmp_path / "tajriba.toml"
    config.write_text('default_locale = "fa"\ncalendar = "jalali"\n', encoding="utf-8")
    monkeypatch.setenv("TAJRIBA_CONFIG", str(config))
    s = load_settings(data_dir=tmp_path)
    assert (s.default_locale, s.calendar) == ("fa", "jalali")


def test_init_takes_every_answer_as_an_option_and_never_hangs_without_a_terminal(tmp_path: Path) -> None:
    d = tmp_path / "data"
    missing = run("init", "--workspace", "clinic", data_dir=d, check=False)
    assert missing.returncode == 2 and "--email and --password" in missing.stderr
    bad = run(
        "init",
        "--email",
        "o@clinic.example",
        "--password",
        "a long password",
        "--timezone",
        "Mars/Base",
        data_dir=d,
        check=False,
    )
    assert bad.returncode == 2 and "time zone" in bad.stderr and "Traceback" not in bad.stderr
    out = run(
        "init",
        "--workspace",
        "clinic",
        "--workspace-name",
        "عيادة النخبة",
        "--email",
        "o@clinic.example",
        "--timezone",
        "Africa/Cairo",
        "--currency",
        "EGP",
        "--calendar",
        "hijri",
        "--locale",
        "ar",
        data_dir=d,
        env={"TAJRIBA_INIT_PASSWORD": "a long password"},
    ).stdout
    assert "Workspace 'clinic' created; owner o@clinic.example." in out
    listed = json.loads(run("workspaces", "list", "--json", data_dir=d).stdout)
    assert [(w["slug"], w["timezone"], w["currency"]) for w in listed] == [("clinic", "Africa/Cairo", "EGP")]
