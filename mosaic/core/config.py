"""Settings: read once from the environment (and `.env`), validated, passed explicitly.

Nothing else in Mosaic reads `os.environ`; code receives a `Settings` (through `app.state` or a
dependency), which is what lets a test build an app with any configuration it needs.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The placeholder values shipped in `.env.example`. Production refuses to start with them.
EXAMPLE_JWT_SECRET = "your-super-secret-jwt-key-change-this-in-production"
EXAMPLE_SUPERADMIN_PASSWORD = "SuperSecurePassword123!"
DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///var/mosaic.db"
# Development-only key for wallet credentials, public in this repository so `make run` works with
# no configuration. Production refuses it (and refuses to start with no key at all).
DEV_WALLET_ENCRYPTION_KEY = "bW9zYWljLWRldi13YWxsZXQta2V5LW5vdC1zZWNyZXQ="

Environment = Literal["development", "staging", "production", "test"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
CsvList = Annotated[list[str], NoDecode]


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Every configuration value of Mosaic, documented one by one in `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
        # A rejected value may be a secret (a malformed key): errors name the setting, not the value.
        hide_input_in_errors=True,
    )

    # App
    APP_NAME: str = "Mosaic"
    APP_VERSION: str = "0.1.0"
    ENVIRONMENT: Environment = "development"
    DEBUG: bool = False
    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=1, le=65535)
    FRONTEND_URL: str = "http://localhost:3000"
    MOSAIC_DOMAINS: CsvList = Field(default_factory=lambda: ["all"])
    SEED_ON_STARTUP: bool = True

    # Database
    DATABASE_URL: str = DEFAULT_SQLITE_URL
    DB_POOL_SIZE: int = Field(default=10, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DB_POOL_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0)
    DB_POOL_RECYCLE_SECONDS: int = Field(default=1800, ge=-1)
    DB_ECHO: bool = False
    # Ping each connection on checkout: survives a database restart silently, costs a round trip.
    DB_POOL_PRE_PING: bool = False

    # Redis and cache
    REDIS_URL: str | None = None
    REDIS_TTL_SECONDS: int = Field(default=86400, ge=1)
    # Prefix of every cache and rate-limit key: several deployments (or test runs) can share a Redis.
    REDIS_KEY_PREFIX: str = Field(default="mosaic", pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    # JWT
    JWT_SECRET_KEY: SecretStr = SecretStr(EXAMPLE_JWT_SECRET)
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=1)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1)
    # A verified access token's principal is reused for this long in-process (0 disables).
    AUTH_CACHE_TTL_SECONDS: float = Field(default=5.0, ge=0, le=60)
    # Browser sign-in (accounts/auth/cookies.py): `POST /auth/login` answers with cookies unless the
    # request says `?cookie=false` (default: only when it says `?cookie=true`).
    AUTH_COOKIES_BY_DEFAULT: bool = False
    # argon2 hashes running at once per process (each holds 19 MiB): a login burst's memory is
    # workers x this x 19 MiB; past the machine's cores, more slots add memory, not speed.
    PASSWORD_HASH_CONCURRENCY: int = Field(default=2, ge=1, le=64)
    # A rotated refresh token presented again within this many seconds gets the same successor
    # (two tabs refreshing at once); later, or once the successor is used, reuse revokes the family.
    REFRESH_REUSE_GRACE_SECONDS: float = Field(default=10.0, ge=0, le=60)
    VERIFY_TOKEN_EXPIRE_HOURS: int = Field(default=48, ge=1)
    RESET_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=5, le=1440)
    OAUTH_STATE_EXPIRE_MINUTES: int = Field(default=10, ge=1, le=60)

    # External identity provider (separate auth service, Firebase)
    EXTERNAL_JWKS_URL: str | None = None
    EXTERNAL_ISSUER: str | None = None
    EXTERNAL_AUDIENCE: str | None = None
    EXTERNAL_ALGORITHMS: CsvList = Field(default_factory=lambda: ["RS256", "ES256"])
    EXTERNAL_JWKS_MIN_REFRESH_SECONDS: int = Field(default=60, ge=1)

    # Google OAuth
    GOOGLE_CLIENT_ID: str | None = None
    GOOGLE_CLIENT_SECRET: SecretStr | None = None
    GOOGLE_REDIRECT_URI: str | None = None

    # Email verification
    AUTO_VERIFY_EMAIL: bool = False

    # Superadmin
    SUPERADMIN_EMAIL: str = "admin@example.com"
    SUPERADMIN_PASSWORD: SecretStr = SecretStr(EXAMPLE_SUPERADMIN_PASSWORD)
    SUPERADMIN_FIRST_NAME: str = "Super"
    SUPERADMIN_LAST_NAME: str = "Admin"

    # Storage
    STORAGE_PROVIDER: Literal["local", "s3"] = "local"
    MEDIA_ROOT: Path = Path("var/media")
    AWS_ACCESS_KEY_ID: str | None = None
    AWS_SECRET_ACCESS_KEY: SecretStr | None = None
    AWS_REGION: str = "us-east-1"
    AWS_S3_BUCKET_NAME: str | None = None
    AWS_S3_ENDPOINT_URL: str | None = None

    # Uploads and request bodies
    MAX_AVATAR_SIZE_MB: int = Field(default=5, ge=1)
    ALLOWED_AVATAR_TYPES: CsvList = Field(default_factory=lambda: ["image/jpeg", "image/png", "image/gif"])
    MAX_REQUEST_BODY_MB: int = Field(default=25, ge=1)
    # Study: PDFs a quiz is generated from (bytes and pages), and the extraction's deadline.
    MAX_PDF_MB: int = Field(default=20, ge=1)
    MAX_PDF_PAGES: int = Field(default=300, ge=1)
    PDF_EXTRACT_TIMEOUT_SECONDS: float = Field(default=20.0, gt=0, le=300)
    # Quiz generations over this many characters of text run as a job (202 + a generation id).
    QUIZ_SYNC_MAX_CHARS: int = Field(default=20_000, ge=1)

    # Email
    EMAIL_PROVIDER: Literal["console", "smtp", "resend"] = "console"
    EMAIL_OUTBOX_DIR: Path = Path("var/outbox")
    RESEND_API_KEY: SecretStr | None = None
    FROM_EMAIL: str = "noreply@example.com"
    SMTP_HOST: str = "127.0.0.1"
    SMTP_PORT: int = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: SecretStr | None = None
    SMTP_STARTTLS: bool = False
    SMTP_USE_TLS: bool = False

    # Booking (studio marketplace)
    BOOKING_INVITATION_EXPIRE_HOURS: int = Field(default=72, ge=1)
    # Default cancellation policy of a studio that sets none: a full refund up to N hours before the
    # start, PARTIAL_PERCENT up to M hours, nothing after.
    BOOKING_FULL_REFUND_HOURS: int = Field(default=48, ge=0)
    BOOKING_PARTIAL_REFUND_HOURS: int = Field(default=24, ge=0)
    BOOKING_PARTIAL_REFUND_PERCENT: int = Field(default=50, ge=0, le=100)
    BOOKING_MAX_PHOTO_SIZE_MB: int = Field(default=10, ge=1)
    BOOKING_MAX_PHOTOS: int = Field(default=30, ge=1)
    BOOKING_MESSAGES_PER_MINUTE: int = Field(default=20, ge=1)
    # Bookings: how long a pending booking holds its slot while the customer pays; the booking
    # window (a studio may override both: studios.min_notice_minutes / max_advance_days).
    BOOKING_HOLD_MINUTES: int = Field(default=30, ge=1, le=24 * 60)
    BOOKING_MIN_NOTICE_MINUTES: int = Field(default=60, ge=0)
    BOOKING_MAX_ADVANCE_DAYS: int = Field(default=180, ge=1)
    # Availability range per request, in days (the issue's "at most 62 days").
    BOOKING_AVAILABILITY_MAX_DAYS: int = Field(default=62, ge=1)
    BOOKING_REMINDER_HOURS: int = Field(default=24, ge=1)

    # Rate limiting
    RATE_LIMIT_PER_MINUTE: int = Field(default=100, ge=1)
    ADMIN_RATE_LIMIT_ENABLED: bool = False
    TRUSTED_PROXIES: CsvList = Field(default_factory=list)
    # Credential endpoints (login, refresh, forgot/reset password, resend verification), in the
    # `limits` notation ("5/minute", "20/hour"), counted per account and per client IP.
    AUTH_RATE_LIMIT_PER_ACCOUNT: str = "5/minute"
    AUTH_RATE_LIMIT_PER_IP: str = "20/minute"
    # New accounts per client IP (`limits` notation): the general limit alone let one address
    # create thousands of accounts an hour.
    REGISTRATION_RATE_LIMIT: str = "10/hour"
    # Password-reset emails sent per account per day; further requests answer the same, silently.
    RESET_EMAILS_PER_DAY: int = Field(default=5, ge=1, le=1000)

    # Pagination
    DEFAULT_PAGE_SIZE: int = Field(default=10, ge=1)
    MAX_PAGE_SIZE: int = Field(default=5000, ge=1, le=1_000_000)  # the `limit` query bound

    # Logging
    LOG_LEVEL: LogLevel = "INFO"
    LOG_FORMAT: Literal["auto", "json", "text"] = "auto"
    LOG_FILE_PATH: str = "logs/app.log"
    # "daily": this process rotates the file at midnight UTC (one process writes it). "external":
    # append only and reopen when the file is moved (logrotate), for several processes writing one
    # file; `mosaic serve --workers N` and a prefork `mosaic worker` choose it for their children.
    LOG_FILE_ROTATION: Literal["daily", "external"] = "daily"
    # Where gunicorn workers share their Prometheus samples (set by `mosaic serve --workers N`).
    PROMETHEUS_MULTIPROC_DIR: str | None = None

    # CORS
    CORS_ORIGINS: CsvList = Field(default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"])

    # Background jobs
    CELERY_BROKER_URL: str | None = None
    # Without a broker the API process runs the domains' schedules itself (holds expire every
    # minute). Off for API processes when another process runs them, and in the test suite,
    # whose apps must not write to their databases on the clock.
    SCHEDULE_IN_PROCESS: bool = True
    CELERY_RESULT_BACKEND: str | None = None
    CELERY_QUEUE: str = Field(default="mosaic", pattern=r"^[A-Za-z0-9_.-]{1,128}$")

    # Health checks
    HEALTH_CHECK_TIMEOUT_SECONDS: float = Field(default=2.0, gt=0)
    # FastAPI's native OpenTelemetry spans and metrics. Off by default: Mosaic exports Prometheus
    # metrics at /metrics, and the check alone costs a few percent of every request. Turn on when
    # an OpenTelemetry SDK and exporter are configured (e.g. FASTAPI_OTEL_AUTO_CONFIGURE=true).
    OPENTELEMETRY_ENABLED: bool = False
    # /docs, /redoc and /openapi.json: unset means served everywhere but in production.
    DOCS_ENABLED: bool | None = None
    # /metrics: off, or (with METRICS_TOKEN) only for `Authorization: Bearer <token>` (Prometheus'
    # `authorization` scrape setting); public otherwise, as most scrapers on a private network expect.
    METRICS_ENABLED: bool = True
    METRICS_TOKEN: SecretStr | None = None
    # Requests in progress per process beyond which new ones get 503 at once (0 disables).
    MAX_IN_FLIGHT_REQUESTS: int = Field(default=64, ge=0)

    # The core secret box (mosaic.core.secretbox, AES-256-GCM): secrets at rest of every domain
    # (wallet credentials first). Comma-separated url-safe base64 32-byte keys, newest first: the
    # first encrypts, all decrypt, `mosaic rotate-keys` moves every declared column to the first.
    # `WALLET_ENCRYPTION_KEYS`, its name when only trading used it, is accepted as an alias.
    SECRET_BOX_KEYS: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SECRET_BOX_KEYS", "WALLET_ENCRYPTION_KEYS")
    )

    # AI provider (mosaic.providers.ai): offline by default; keys only ever as SecretStr.
    AI_PROVIDER: Literal["offline", "openai", "openai_compatible", "deepseek", "anthropic"] = "offline"
    AI_MODEL: str | None = None
    OPENAI_API_KEY: SecretStr | None = None
    OPENAI_BASE_URL: str = "https://api.openai.com/v1"
    DEEPSEEK_API_KEY: SecretStr | None = None
    DEEPSEEK_BASE_URL: str = "https://api.deepseek.com"
    ANTHROPIC_API_KEY: SecretStr | None = None
    AI_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0, le=600)
    AI_MAX_RETRIES: int = Field(default=2, ge=0, le=10)
    AI_FALLBACK_TO_OFFLINE: bool = False
    AI_CACHE_TTL_SECONDS: int = Field(default=3600, ge=0)
    AI_MAX_OUTPUT_CHARS: int = Field(default=100_000, ge=1000, le=10_000_000)

    # Payments (mosaic.providers.payments): the offline gateway by default, keys only as SecretStr.
    PAYMENT_PROVIDER: Literal["offline", "stripe", "square"] = "offline"
    # Where Mosaic is reachable from a browser (links to the offline /pay page, Square's
    # notification URL); the API prefix is added by the code. Unset: http://HOST:PORT.
    PUBLIC_BASE_URL: str | None = None
    # HMAC key of the offline gateway's webhooks; unset = derived from JWT_SECRET_KEY.
    PAYMENT_WEBHOOK_SECRET: SecretStr | None = None
    PAYMENT_CHECKOUT_MINUTES: int = Field(default=60, ge=30, le=1440)
    # Plans carry a price but no currency: they are sold in this one.
    PLAN_CURRENCY: str = Field(default="USD", pattern="^[A-Z]{3}$")
    # A paid subscription's renewal checkout is created this long before its period ends.
    PLAN_RENEWAL_NOTICE_HOURS: int = Field(default=72, ge=1, le=720)
    STRIPE_SECRET_KEY: SecretStr | None = None
    STRIPE_WEBHOOK_SECRET: SecretStr | None = None
    SQUARE_ACCESS_TOKEN: SecretStr | None = None
    SQUARE_LOCATION_ID: str | None = None
    SQUARE_WEBHOOK_SIGNATURE_KEY: SecretStr | None = None
    SQUARE_ENVIRONMENT: Literal["sandbox", "production"] = "sandbox"
    SQUARE_API_VERSION: str = "2025-10-16"
    # The exact URL Square posts to (part of the signed text); unset = PUBLIC_BASE_URL + the route.
    SQUARE_WEBHOOK_URL: str | None = None
    # Square OAuth (studios connect their own Square account): the application's id and secret.
    SQUARE_APPLICATION_ID: str | None = None
    SQUARE_APPLICATION_SECRET: SecretStr | None = None
    # The redirect URL registered with Square;
    # unset = PUBLIC_BASE_URL + /api/v1/payments/square/oauth/callback.
    SQUARE_OAUTH_REDIRECT_URL: str | None = None
    SQUARE_OAUTH_STATE_MINUTES: int = Field(default=15, ge=1, le=120)
    # Access tokens last 30 days; the schedule renews those expiring within this many days.
    SQUARE_TOKEN_REFRESH_DAYS: int = Field(default=7, ge=1, le=29)
    # The platform's share of a booking, taken from payouts (and as Square's app fee when a
    # studio is paid into its own Square account). Rounded half-even per payout in minor units.
    PLATFORM_FEE_PERCENT: Decimal = Field(default=Decimal("10"), ge=0, le=100, max_digits=5, decimal_places=2)

    _split = field_validator(
        "MOSAIC_DOMAINS",
        "ALLOWED_AVATAR_TYPES",
        "CORS_ORIGINS",
        "TRUSTED_PROXIES",
        "EXTERNAL_ALGORITHMS",
        mode="before",
    )(_split_csv)

    @field_validator("DATABASE_URL")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the URLs people paste (`postgres://`, `postgresql://`) and pick the async driver."""
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value[len("sqlite://") :]
        return value

    @field_validator("AUTH_RATE_LIMIT_PER_ACCOUNT", "AUTH_RATE_LIMIT_PER_IP", "REGISTRATION_RATE_LIMIT")
    @classmethod
    def _limits_notation(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not in the limits notation (e.g. 10/hour)") from exc
        return value

    @field_validator("SUPERADMIN_EMAIL")
    @classmethod
    def _superadmin_can_log_in(cls, value: str) -> str:
        """The seeded superadmin signs in through the same email check as everyone: an address
        the login form refuses (a typo, a special-use domain such as `.local`) would seed an
        account nobody can use, so start-up stops instead."""
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"SUPERADMIN_EMAIL is not an address that can log in: {exc}") from exc
        return value

    @field_validator("TRUSTED_PROXIES")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        """Addresses or CIDR networks (or `*`): a typo must stop start-up, not silently trust no one."""
        for item in value:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an IP address or network") from exc
        return value

    @field_validator("SECRET_BOX_KEYS")
    @classmethod
    def _wallet_keys_decode(cls, value: SecretStr | None) -> SecretStr | None:
        """A malformed key stops start-up here rather than failing the first wallet write."""
        if value is not None:
            _decode_wallet_keys(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        """A production process must not start with a value anyone can read in this repository."""
        if self.ENVIRONMENT != "production":
            return self
        problems: list[str] = []
        secret = self.JWT_SECRET_KEY.get_secret_value()
        if secret == EXAMPLE_JWT_SECRET:
            problems.append("JWT_SECRET_KEY is the example value; set a random secret of 32+ characters")
        elif len(secret) < 32:
            problems.append("JWT_SECRET_KEY is shorter than 32 characters")
        if self.SUPERADMIN_PASSWORD.get_secret_value() == EXAMPLE_SUPERADMIN_PASSWORD:
            problems.append("SUPERADMIN_PASSWORD is the example value; choose a unique password")
        if self.DEBUG:
            problems.append("DEBUG must be false in production")
        if self.is_sqlite:
            problems.append("DATABASE_URL points at SQLite; production needs PostgreSQL")
        if self.SECRET_BOX_KEYS is None:
            problems.append(
                "SECRET_BOX_KEYS is not set (WALLET_ENCRYPTION_KEYS is its alias); generate a key "
                "(see .env.example)"
            )
        elif DEV_WALLET_ENCRYPTION_KEY in _split_csv(self.SECRET_BOX_KEYS.get_secret_value()):
            problems.append("SECRET_BOX_KEYS contains the development key; generate a new key")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def external_tokens_enabled(self) -> bool:
        return bool(self.EXTERNAL_JWKS_URL and self.EXTERNAL_ISSUER and self.EXTERNAL_AUDIENCE)

    @property
    def google_enabled(self) -> bool:
        return bool(self.GOOGLE_CLIENT_ID and self.GOOGLE_CLIENT_SECRET and self.GOOGLE_REDIRECT_URI)

    @property
    def secret_box_keys(self) -> list[bytes]:
        """The secret-box keys, newest first; the public development key when none is set."""
        configured = self.SECRET_BOX_KEYS
        return _decode_wallet_keys(
            configured.get_secret_value() if configured is not None else DEV_WALLET_ENCRYPTION_KEY
        )

    @property
    def public_base_url(self) -> str:
        return (self.PUBLIC_BASE_URL or f"http://{self.HOST}:{self.PORT}").rstrip("/")

    @property
    def docs_enabled(self) -> bool:
        return self.DOCS_ENABLED if self.DOCS_ENABLED is not None else not self.is_production

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT == "production"

    @property
    def json_logs(self) -> bool:
        if self.LOG_FORMAT == "auto":
            return self.ENVIRONMENT in ("production", "staging")
        return self.LOG_FORMAT == "json"


def _decode_wallet_keys(raw: str) -> list[bytes]:
    keys = []
    for item in _split_csv(raw):
        try:
            key = base64.urlsafe_b64decode(item.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            key = b""
        if len(key) != 32:
            # Never echo the value: it is a secret even when malformed.
            raise ValueError("SECRET_BOX_KEYS must be url-safe base64 32-byte keys, comma-separated")
        keys.append(key)
    if not keys:
        raise ValueError("SECRET_BOX_KEYS is empty")
    return keys


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, for entry points (CLI, ASGI factory); code takes them as arguments."""
    return Settings()
