"""Configuration classes; every setting that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CRM_INSTANCE_PATH", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely."""


def _instance_secret_key() -> str:
    """Return a development secret kept in instance/, creating it on first use."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def trusted_proxy_count(settings: dict) -> int:
    """The number of trusted proxies, refused unless it is a whole number from 0 up."""
    value = settings.get("TRUSTED_PROXIES") or 0
    try:
        count = int(str(value).strip())
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError(
            f"TRUSTED_PROXIES={value!r} must be the number of proxies in front of the app "
            "(0 without a proxy, 1 behind one TLS proxy)."
        )
    return count


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Flask's defaults (31-day sessions, no SameSite, no upload cap) are unsafe for personal data.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)  # idle timeout
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(hours=12)
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # A long meeting note must not die on an expired token; the session bounds it instead.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    # The municipality's own mail domains (comma-separated): an invitation's attendees from
    # these are matched to staff users, never to an organisation by the domain.
    STAFF_MAIL_DOMAINS = os.environ.get("STAFF_MAIL_DOMAINS", "lillestrom.kommune.no")
    LANGUAGES = ("nb", "en")

    # argon2id parameters (argon2-cffi defaults: t=3, m=64 MiB, p=4), above ASVS appendix C.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto: 0 (the
    # default) trusts no such header, 1 is the one TLS proxy the README prescribes. Too high a
    # number lets a client choose its own address, and with it dodge the sign-in limits.
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "0")

    # Where the sign-in limits are counted. memory:// counts per worker process; several
    # workers or hosts share one count only in Redis (redis://127.0.0.1:6379).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Requests per personal API token (crm.api.guard), counted in the same storage: a script in
    # a loop or a Power BI refresh of every list stays far below; a runaway one is slowed.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute;20000/hour")
    # The API tokens' HMAC key (crm.api.services); empty means SECRET_KEY.
    API_TOKEN_KEY = os.environ.get("API_TOKEN_KEY", "")
    # Only failed sign-ins count (wrong email or password); a correct one costs nothing.
    # Per client address: a password sprayer (one password against many accounts) gets 20 tries
    # per quarter hour, about 2,000 a day from one address, while the staff behind one office
    # address can mistype 20 times a quarter before anyone waits. A burst locks out that one
    # address (not everyone, as one count for the whole site did) for 15 minutes at most.
    LOGIN_RATE_LIMIT_ADDRESS = "20 per 15 minutes"
    # Per account, from any address: 10 tries a quarter hour is more than a person forgetting a
    # password types, and holds a guesser to 40 an hour against one account. The window is
    # short on purpose: someone failing from many addresses locks that one account out for 15
    # minutes at most, and every other account not at all.
    LOGIN_RATE_LIMIT_ACCOUNT = "10 per 15 minutes"

    # The network's heavy figures are computed in the background (crm/network/cache.py): at
    # most NETWORK_JOB_SLOTS at once on the machine, each user starting at most
    # NETWORK_USER_COMPUTE_LIMIT uncached views, and a worker above NETWORK_MEMORY_CEILING_MB
    # (unset: no ceiling) drops its cached views and refuses new work until it is below.
    NETWORK_JOB_SLOTS = os.environ.get("NETWORK_JOB_SLOTS", "1")
    NETWORK_USER_COMPUTE_LIMIT = os.environ.get("NETWORK_USER_COMPUTE_LIMIT", "6/minute")
    NETWORK_MEMORY_CEILING_MB = os.environ.get("NETWORK_MEMORY_CEILING_MB") or None

    SECURITY_HEADERS_HSTS = False

    # Mail (crm/mail): nothing is sent while MAIL_SERVER is unset, and the pages that would send
    # say so. MAIL_USE_TLS upgrades a plain connection with STARTTLS (port 587); MAIL_USE_SSL
    # speaks TLS from the start (port 465). Links in mail start with BASE_URL, the address users
    # open (https://koblingsboks.example.kommune.no): a command has no request to take it from,
    # and a page must not take it from a Host header a client wrote.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = os.environ.get("MAIL_PORT") or None
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER") or None
    MAIL_TIMEOUT_SECONDS = 30
    BASE_URL = os.environ.get("BASE_URL") or None
    # How long an invitation link (choose your own password) works; it works once.
    INVITATION_LIFETIME = timedelta(hours=72)

    @classmethod
    def prepare(cls, settings: dict) -> None:
        """Fill in or refuse settings this environment cannot run without."""


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/ and a generated secret key kept there."""

    SQLALCHEMY_DATABASE_URI = (
        Config.SQLALCHEMY_DATABASE_URI or f"sqlite:///{INSTANCE_DIR / 'koblingsboks.sqlite'}"
    )

    @classmethod
    def prepare(cls, settings: dict) -> None:
        """Use a secret key kept in instance/ unless SECRET_KEY is set."""
        if not settings.get("SECRET_KEY"):
            settings["SECRET_KEY"] = _instance_secret_key()
        if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)


class TestingConfig(Config):
    """The test suite: database from TEST_DATABASE_URL, SQLite by default, cheap hashing."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    # Limits stay on so the mechanism is tested; the tests of the real limits lower them.
    LOGIN_RATE_LIMIT_ADDRESS = "1000/minute"
    LOGIN_RATE_LIMIT_ACCOUNT = "1000/minute"


class ProductionConfig(Config):
    """Production behind a TLS-terminating proxy, served by gunicorn."""

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    SECURITY_HEADERS_HSTS = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def prepare(cls, settings: dict) -> None:
        """Production must be given its secret key and database; there are no defaults."""
        missing = [
            name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name, "").strip()
        ]
        if missing:
            raise ConfigError(
                "Production needs the environment variable(s) "
                + ", ".join(missing)
                + ". Set SECRET_KEY to at least 32 random bytes (for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`) and DATABASE_URL "
                "to the PostgreSQL database, e.g. postgresql+psycopg://user@host/koblingsboks."
            )
        if len(os.environ["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long in production.")
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by CRM_ENV (development by default)."""
    name = os.environ.get("CRM_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"CRM_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}."
        ) from None
