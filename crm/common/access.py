"""Who may reach which view: every view declares its access level, and one guard enforces it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable)

ACCESS_ATTRIBUTE = "_crm_access"


class Access(enum.Enum):
    """The access a view needs."""

    PUBLIC = "public"  # no sign-in: the login page, /healthz, static files
    READ = "read"  # any signed-in user, readers included (also their own account)
    EDIT = "edit"  # editors and admins: anything that writes shared records
    ADMIN = "admin"  # admins only: users, reference data


class Role(enum.StrEnum):
    """A user's role; each role includes the rights of the ones before it."""

    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"


_ROLE_GRANTS = {
    Role.READER: {Access.READ},
    Role.EDITOR: {Access.READ, Access.EDIT},
    Role.ADMIN: {Access.READ, Access.EDIT, Access.ADMIN},
}


def role_allows(role: str, access: Access) -> bool:
    """Whether a user with `role` may reach a view that needs `access`."""
    if access is Access.PUBLIC:
        return True
    try:
        return access in _ROLE_GRANTS[Role(role)]
    except ValueError:
        return False


def _declare(access: Access) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, access)
        return view

    return decorator


public = _declare(Access.PUBLIC)
read_access = _declare(Access.READ)
edit_access = _declare(Access.EDIT)
admin_access = _declare(Access.ADMIN)


def view_access(app: Flask, endpoint: str | None) -> Access | None:
    """The access declared by the view behind `endpoint`, or None when it declares none."""
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return Access.PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


HOME_ENDPOINT = "home.index"
# app.extensions key: {blueprint name: guard(access)} for blueprints that authenticate on their
# own (the API's tokens); the session cookie signs nobody in there.
GUARDS = "crm_access_guards"


def own_guard(app: Flask, blueprint: str | None) -> Callable[[Access], object] | None:
    """The guard of a blueprint that authenticates on its own, if `blueprint` has one."""
    return app.extensions.get(GUARDS, {}).get(blueprint)


def enforce_access() -> None:
    """before_request guard: sign-in for every view but public ones, then the role check."""
    if request.endpoint is None:  # 404 and 405 are answered by the routing itself
        return None
    access = view_access(current_app, request.endpoint)
    if access is None:
        # Fail closed: a view that forgot to declare its access is reachable by nobody.
        current_app.logger.error("View %s declares no access level", request.endpoint)
        abort(403)
    if access is Access.PUBLIC:
        return None
    guard = own_guard(current_app, request.blueprint)
    if guard is not None:
        return guard(access)
    if not current_user.is_authenticated:
        if request.endpoint == HOME_ENDPOINT:
            # Opening the app is no refused page: the sign-in form needs no excuse then.
            return redirect(url_for(current_app.login_manager.login_view))
        return current_app.login_manager.unauthorized()
    if not role_allows(current_user.role, access):
        current_app.logger.warning(
            "Refused %s %s to user %s (role %s)",
            request.method,
            request.path,
            current_user.id,
            current_user.role,
        )
        abort(403)
    return None
