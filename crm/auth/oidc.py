"""The municipality's identity provider (OpenID Connect, through Authlib's Flask client).

Configured by the issuer alone (its discovery document names every endpoint and key), a client
id and secret. Authlib keeps the state and nonce of each sign-in in the session and checks
both at the callback, with the ID token's signature, issuer, audience and expiry; what the
claims then mean for Koblingsboks is `services.sign_in_with_provider`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import timedelta

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from config import ConfigError
from crm.common.access import Role
from crm.common.models import utcnow

CLIENT_NAME = "municipality"
_CLIENT_KEY = "crm.oidc_client"

# How long a sign-in at the provider may take, from our redirect to its answer. RFC 6749
# (4.1.2) gives an authorization code at most 10 minutes; Authlib keeps the state for an hour
# and never checks its age, so without this a code handed back late would still be exchanged.
SIGN_IN_LIFETIME = timedelta(minutes=10)
_STARTED_KEY = "provider_started_at"


@dataclass(frozen=True)
class ProviderSettings:
    """What the app needs to know about the provider."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    groups_claim: str
    group_roles: dict[str, str]


def _flag(value: object) -> bool:
    return str(value).strip().lower() not in {"0", "false", "no", "off", ""}


def password_sign_in_on(config) -> bool:
    """Whether the sign-in page takes email and password (PASSWORD_SIGN_IN, on by default)."""
    return _flag(config.get("PASSWORD_SIGN_IN", "true"))


def parse_group_roles(text: str) -> dict[str, str]:
    """`group=role,group=role` as a mapping; an unknown role or a stray part is refused."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        group, sep, role = part.strip().rpartition("=")
        roles = {r.value for r in Role}
        if not sep or not group.strip() or role.strip() not in roles:
            raise ConfigError(
                f"OIDC_GROUP_ROLES: {part.strip()!r} must be group-id=role with a role among "
                f"{', '.join(sorted(roles))}."
            )
        mapping[group.strip()] = role.strip()
    return mapping


def provider_settings(config) -> ProviderSettings | None:
    """The provider's settings, None when OIDC_ISSUER is unset; a half setup is refused."""
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        if not password_sign_in_on(config):
            raise ConfigError(
                "PASSWORD_SIGN_IN=false needs OIDC_ISSUER: otherwise no one could sign in."
            )
        return None
    client_id = (config.get("OIDC_CLIENT_ID") or "").strip()
    client_secret = (config.get("OIDC_CLIENT_SECRET") or "").strip()
    if not client_id or not client_secret:
        raise ConfigError("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.")
    return ProviderSettings(
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret=client_secret,
        scopes=config.get("OIDC_SCOPES") or "openid email profile",
        groups_claim=config.get("OIDC_GROUPS_CLAIM") or "groups",
        group_roles=parse_group_roles(config.get("OIDC_GROUP_ROLES", "")),
    )


def init_oidc(app: Flask) -> None:
    """Refuse a half setup at start-up."""
    provider_settings(app.config)


def client():
    """Authlib's client for the configured provider, or None when sign-in through it is off.

    Made on first use and again when the settings change (the tests point it at their own
    provider); the discovery document is fetched on the first sign-in, not at start-up, so the
    app starts while the provider is down.
    """
    settings = provider_settings(current_app.config)
    if settings is None:
        return None
    cached = current_app.extensions.get(_CLIENT_KEY)
    if cached is not None and cached[0] == settings:
        return cached[1]
    # A registry of its own per settings: Authlib's keeps the first client made under a name.
    registered = OAuth(current_app._get_current_object()).register(
        CLIENT_NAME,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.scopes, "timeout": 10},
    )
    current_app.extensions[_CLIENT_KEY] = (settings, registered)
    return registered


def mark_started(session: MutableMapping) -> None:
    """Note in the browser's session when this sign-in at the provider began."""
    session[_STARTED_KEY] = utcnow().timestamp()


def answered_too_late(session: MutableMapping) -> bool:
    """Whether the provider's answer comes after SIGN_IN_LIFETIME (its code is stale by then).

    A session with no sign-in started is left to Authlib, which refuses its unknown state.
    """
    started = session.get(_STARTED_KEY)
    if started is None:
        return False
    return utcnow().timestamp() - float(started) > SIGN_IN_LIFETIME.total_seconds()
