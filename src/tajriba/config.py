"""Settings: environment variables `TAJRIBA_*` and an optional `tajriba.toml`, validated at start."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tajriba.errors import ConfigError

Locale = Literal["ar", "fa", "en"]
Calendar = Literal["gregorian", "hijri", "jalali"]
Digits = Literal["latn", "native"]

SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_SECRET_LENGTH = 32


def _toml_path() -> Path:
    return Path(os.environ.get("TAJRIBA_CONFIG", "tajriba.toml"))


class Settings(BaseSettings):
    """Every setting Tajriba reads; nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix="TAJRIBA_", extra="forbid", frozen=False)

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path(".tajriba")
    database_url: str | None = None
    warehouse_url: str | None = None
    secret_key: str | None = Field(default=None, repr=False)
    default_locale: Locale = "ar"
    calendar: Calendar = "gregorian"
    digits: Digits = "latn"
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    session_idle_minutes: float = Field(default=120.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    lockout_minutes: float = Field(default=15.0, gt=0)
    login_rate_per_minute: int = Field(default=20, ge=1)
    worker: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # case rules over new data, SLA checks and notification digests run this often (seconds)
    cases_tick_seconds: float = Field(default=5.0, gt=0)
    # how often the loyalty job earns from new orders, expires points, sends notices and reviews tiers
    loyalty_tick_seconds: float = Field(default=300.0, gt=0)
    # the first webhook retry waits this long, each next one four times longer (6 attempts in all)
    webhook_retry_seconds: float = Field(default=30.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # the address customers reach this server at, for survey links and case mails; unset: links shown on a
    # page use the address that page was requested on, and mails the address `tajriba serve` listens on
    public_url: str | None = None
    # set by `tajriba serve` to the address it listens on (the mails' fallback); not meant to be configured
    served_url: str | None = None
    # survey invitations by mail: any SMTP server
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    mail_from: str = "surveys@localhost"
    # survey invitations by SMS / WhatsApp: a gateway that accepts {"channel", "to", "text"} as JSON
    messaging_webhook_url: str | None = None
    messaging_webhook_token: str | None = Field(default=None, repr=False)
    # respondent pages: submissions per client address per minute
    survey_rate_per_minute: int = Field(default=30, ge=1)
    # the public privacy request form: posts per client address per minute (each may send a code)
    privacy_rate_per_minute: int = Field(default=10, ge=1)
    # `tajriba import` on the embedded DuckDB file: the memory DuckDB may hold (it writes to disk past it; too
    # little fails the import with DuckDB's out-of-memory error); unset: DuckDB's default, 80 % of RAM
    import_memory_mb: int | None = Field(default=None, ge=64)
    # request handling: threads that run routes at once (the database pool is sized to match)
    threads: int = Field(default=32, ge=2, le=512)
    # tracking API: processes that parse large requests beside the one that stores them (started at the first
    # large request); 0 parses everything in the serving process
    parse_processes: int = Field(default=1, ge=0, le=64)
    # text enrichment also reads intents with the sentence encoder (tajriba.text.encoder): more accurate on
    # wording unlike the training texts, about 25 short texts/s per core instead of thousands
    text_encoder: bool = False
    # largest request body the JSON API accepts (bytes); the tracking API has its own 500 KB limit
    api_max_body_bytes: int = Field(default=2 << 20, ge=1024, le=1 << 30)
    # file uploads: largest file, and what one workspace may keep waiting for import at once
    upload_max_bytes: int = Field(default=2 << 30, ge=1024)
    upload_quota_bytes: int = Field(default=5 << 30, ge=1024)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _toml_path()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError("expected sqlite:///PATH or postgresql://USER@HOST/DB")
        return value

    @field_validator("public_url", "served_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")) or value[-3:] == "://":
            raise ValueError("expected an address such as https://cx.example.com")
        return value.strip().rstrip("/")

    @field_validator("warehouse_url")
    @classmethod
    def _check_warehouse_url(cls, value: str | None) -> str | None:
        from tajriba.warehouse import SCHEMES

        if value is not None and not value.startswith(SCHEMES):
            raise ValueError(
                "expected duckdb:///PATH (or duckdb://:memory:), postgresql://HOST/DATABASE, "
                "spark+local://CORES or spark://HOST:PORT"
            )
        return value

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.env == "production":
            if not self.secret_key or len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"TAJRIBA_SECRET_KEY must be set to at least {MIN_SECRET_LENGTH} random characters "
                    "in production"
                )
        elif self.secret_key is not None and len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(f"TAJRIBA_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        return self

    @property
    def links_base(self) -> str:
        """Where links in mails and messages point: the configured public address, else where `tajriba serve`
        listens (pages use the address they were requested on: tajriba.web.deps.public_base)."""
        return self.public_url or self.served_url or "http://127.0.0.1:8000"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'tajriba.db').resolve()}"

    @property
    def warehouse_address(self) -> str:
        """Where the warehouse is: TAJRIBA_WAREHOUSE_URL, else the DuckDB file in the data directory. A Spark
        address without `lake=` keeps its lake in the data directory."""
        url = self.warehouse_url or f"duckdb:///{(self.data_dir / 'warehouse.duckdb').resolve()}"
        if url.startswith("spark") and "lake=" not in url:
            url += f"{'&' if '?' in url else '?'}lake={(self.data_dir / 'lake').resolve()}"
        return url

    @cached_property
    def secret(self) -> str:
        """Return the secret key, generating and storing one for the embedded default."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_FILE
        if path.is_file():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and overrides, or raise one clear ConfigError."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def settings_environment(settings: Settings) -> dict[str, str]:
    """The TAJRIBA_* variables that rebuild `settings` in another process (serve --workers N)."""
    out = {}
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, (str, int, float, bool, Path)):
            out[f"TAJRIBA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    if not settings.secret_key:
        out["TAJRIBA_SECRET_KEY"] = settings.secret  # generated once into the data directory: one for all
    return out


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error.get("loc", ()))
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    if not field:
        return f"Invalid settings: {message}"
    name = f"TAJRIBA_{field.upper()}"
    value = error.get("input")
    shown = "" if isinstance(value, dict) or field == "secret_key" else f" (got {value!r})"
    return f"Invalid setting {name}: {message}{shown}"
