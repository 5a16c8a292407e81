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
    # Earlier keys, comma-separated, while a new SECRET_KEY takes over: sessions signed and
    # second-factor secrets encrypted with them still open (Flask's key rotation).
    SECRET_KEY_FALLBACKS = [
        key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
    ]
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # No pool_pre_ping: a pooled connection is checked only after it sat idle
    # (crm.common.database.ping_after_idle), not before every request.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Flask's defaults (31-day sessions, no SameSite, no upload cap) are unsafe for personal data.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)  # idle timeout
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    # The cookie is re-signed and re-sent when the session changes, and when the server notes
    # the session's last_seen (at most once a minute, crm.auth.loader), not on every response:
    # both limits are the server's (the user_session row), and the cookie's 30 minutes start
    # again from the same moment as the server's idle timeout.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = timedelta(hours=12)
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # A long meeting note must not die on an expired token; the session bounds it instead.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # A folder of register files on the server an admin may import from the web (never a path
    # typed in the browser); unset = only uploads.
    REGISTER_IMPORT_DIR = os.environ.get("REGISTER_IMPORT_DIR") or None

    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    # The municipality's own mail domains (comma-separated): an invitation's attendees from
    # these are matched to staff users, never to an organisation by the domain.
    STAFF_MAIL_DOMAINS = os.environ.get("STAFF_MAIL_DOMAINS", "lillestrom.kommune.no")
    LANGUAGES = ("nb", "en")

    # GDPR art. 5(1)(e): people with no meeting, no current affiliation and no change for this
    # many years come up for review (crm/contacts/retention.py); the access log, which names no
    # one but links users to person ids, is pruned after its own period.
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "3"))
    ACCESS_LOG_RETENTION_YEARS = int(os.environ.get("ACCESS_LOG_RETENTION_YEARS", "5"))

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

    # The lists' totals are kept per process until a committed write to the records they count
    # (crm/common/counts.py); LIST_COUNTS_KEPT=0 counts on every request instead.
    LIST_COUNTS_KEPT = os.environ.get("LIST_COUNTS_KEPT", "1") != "0"

    # Background jobs (crm/jobs): with JOBS_REDIS_URL they wait in a Redis queue for
    # `flask crm worker` on any host, and the network's figures are cached in that Redis
    # (under NETWORK_REDIS_PREFIX), so every app host sees the same; without it they run in a
    # thread of the app's own process and the figures are cached on disk (one machine).
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL") or None
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "koblingsboks")
    NETWORK_REDIS_PREFIX = os.environ.get("NETWORK_REDIS_PREFIX", "koblingsboks:network:")

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

    # The second factor (TOTP) for password sign-in: required for administrators (an admin
    # without it is led to set it up before anything else), optional for everyone else. The
    # code form counts failures like the sign-in form: per address and per account.
    TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    TWO_FACTOR_RATE_LIMIT_ADDRESS = "20 per 15 minutes"
    TWO_FACTOR_RATE_LIMIT_ACCOUNT = "10 per 15 minutes"
    # How long the step between a right password and its code may take.
    TWO_FACTOR_PENDING_LIFETIME = timedelta(minutes=5)

    # Sign-in through the municipality's identity provider (OpenID Connect: Entra ID, ID-porten
    # style), on when OIDC_ISSUER is set: the issuer's discovery document gives every endpoint.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER") or None
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID") or None
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or None
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    # The claim that lists the user's groups, and which group gives which role, as
    # "group-id=role,group-id=role" (e.g. Entra ID object ids). With a mapping, the role follows
    # the groups at every sign-in (the highest wins; in no mapped group: reader).
    OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
    OIDC_GROUP_ROLES = os.environ.get("OIDC_GROUP_ROLES", "")
    # "false" switches password sign-in off: the sign-in page shows only the municipality's
    # button. The `flask crm` commands still create users and reset passwords.
    PASSWORD_SIGN_IN = os.environ.get("PASSWORD_SIGN_IN", "true")

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
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    # Limits stay on so the mechanism is tested; the tests of the real limits lower them.
    LOGIN_RATE_LIMIT_ADDRESS = "1000/minute"
    LOGIN_RATE_LIMIT_ACCOUNT = "1000/minute"
    TWO_FACTOR_RATE_LIMIT_ADDRESS = "1000/minute"
    TWO_FACTOR_RATE_LIMIT_ACCOUNT = "1000/minute"
    # Off so the suite's admins sign in with a password alone; tests/auth/test_two_factor.py
    # turns it on to test the rule.
    TWO_FACTOR_REQUIRED_FOR_ADMINS = False
    # The suite's provider (oidc-provider-mock) serves plain http on localhost.
    OIDC_ISSUER = None
    # In-process jobs unless a test configures a queue (tests/jobs use Redis DB 5).
    JOBS_REDIS_URL = None


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
