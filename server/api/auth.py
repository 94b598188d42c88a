"""Bearer-token authentication and the role/region checks every endpoint shares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import g, request

from server.errors import Forbidden, Unauthorized
from server.http.engine import get_engine
from server.store import users as user_store
from server.store.db import reading

P = ParamSpec("P")
R = TypeVar("R")


def current_user() -> dict[str, Any]:
    return g.user


def _token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only a valid token of one of `roles` gets in: 401 without one, 403 for another role."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            token = _token_from_request()
            if token is None:
                raise Unauthorized()
            with reading(get_engine()) as conn:
                user = user_store.by_token(conn, token)
            if user is None:
                raise Unauthorized()
            if roles and user["role"] not in roles:
                raise Forbidden()
            g.user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator
