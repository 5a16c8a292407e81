"""The second factor's mechanics: the secret kept encrypted, codes checked once, recovery codes.

No session and no request here; `crm.auth.services` stores what these return.

Why encrypted, and with what key: a copy of the database (a backup on a share, a dump handed to
a supplier) must not hand out every user's second factor. The secret is encrypted with Fernet
(AES-128-CBC and HMAC-SHA256) under a key derived from SECRET_KEY by HKDF, so it is readable
only where the app's secret is. A key moved to SECRET_KEY_FALLBACKS (Flask's rotation) still
decrypts; a SECRET_KEY changed without that ends every user's second factor:
they set it up again after signing in (admins are led to it), or an administrator clears it
with `flask crm reset-two-factor EMAIL`.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from collections.abc import Sequence
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER_NAME = "Koblingsboks"
RECOVERY_CODE_COUNT = 10
# A code of the step before or after the server's is accepted too: a phone's clock may be 30
# seconds off, and a code typed at the end of its step arrives in the next.
VALID_WINDOW = 1
_HKDF_INFO = b"koblingsboks totp secret v1"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def app_secret_keys(config) -> tuple[str, ...]:
    """SECRET_KEY, then SECRET_KEY_FALLBACKS (Flask's key rotation): old keys still decrypt."""
    return (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ()))


def encrypt_secret(secret: str, *, secret_keys: Sequence[str]) -> str:
    """The secret as stored in the database, encrypted under the first (current) key."""
    return _fernet(secret_keys[0]).encrypt(secret.encode()).decode()


def decrypt_secret(stored: str, *, secret_keys: Sequence[str]) -> str | None:
    """The secret back, or None when none of the keys encrypted it (SECRET_KEY changed)."""
    try:
        return MultiFernet([_fernet(key) for key in secret_keys]).decrypt(stored.encode()).decode()
    except InvalidToken:
        return None


def normalise_code(code: str) -> str:
    """What the user typed, without spaces or dashes (apps show "123 456")."""
    return "".join(code.split()).replace("-", "").lower()


def matching_counter(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """The time step whose code `code` is, if it is within the window and later than `after`.

    Returning the step lets the caller remember it, so the same code (or an older one) is
    refused next time: a code seen over a shoulder cannot be replayed within its 30 seconds.
    """
    code = normalise_code(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for counter in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and counter <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def provisioning_uri(secret: str, *, account: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER_NAME)


def qr_svg(uri: str) -> bytes:
    """The QR code of `uri` as a standalone SVG document (no script, no style attribute)."""
    buffer = io.BytesIO()
    # A white quiet zone of its own: the code stays readable on any page background.
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, light="#fff")
    return buffer.getvalue()


def new_recovery_code() -> tuple[str, str, str]:
    """A recovery code as (shown, selector, secret part): `abcd-efgh-ijkl-mnop`, 64 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    shown = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    return shown, raw[:4], raw[4:]


def split_recovery_code(code: str) -> tuple[str, str] | None:
    """(selector, secret part) of a typed recovery code, or None if it has not that shape."""
    raw = normalise_code(code)
    if len(raw) != 16 or not raw.isalnum():
        return None
    return raw[:4], raw[4:]
