"""Password hashing with argon2id; the cost comes from the app's configuration."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker settings than the current ones."""
    return _hasher().check_needs_rehash(password_hash)


# An unknown email is checked against this throwaway password's hash, made once per app with
# the current cost: one verify of the same cost as a known user's, so the answer takes as long.
_DUMMY_PASSWORD = "not-a-real-password-only-for-timing"  # noqa: S105  # nosec B105
_DUMMY_HASH_KEY = "crm.dummy_password_hash"


def init_passwords(app: Flask) -> None:
    """Make the dummy hash at start-up, so no sign-in request pays for hashing it."""
    with app.app_context():
        app.extensions[_DUMMY_HASH_KEY] = hash_password(_DUMMY_PASSWORD)


def spend_equal_time(password: str) -> None:
    """Verify against the dummy hash (one argon2 run, as for a known email) to hide who exists."""
    verify_password(current_app.extensions[_DUMMY_HASH_KEY], password)
