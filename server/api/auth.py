"""Bearer-token authentication and the role/region checks every endpoint shares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import request

from server.errors import DeviceLost, Forbidden, Unauthorized
from server.http.engine import get_engine
from server.http.identity import current_user as current_user
from server.http.identity import set_current_user
from server.services.accounts import user_for_token
from server.services.lost_devices import lost_user_for_token

P = ParamSpec("P")
R = TypeVar("R")


def _token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require(
    *roles: str, allow_lost: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only a valid token of one of `roles` gets in: 401 without one, 403 for another role.

    A token marked lost gets 403 `device_lost`, except where `allow_lost` (the push, so
    a lost laptop that comes back still hands in what it holds); its user has `lost`.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            token = _token_from_request()
            if token is None:
                raise Unauthorized()
            user = user_for_token(get_engine(), token)
            if user is None:
                user = lost_user_for_token(get_engine(), token)
                if user is None:
                    raise Unauthorized()
                if not allow_lost:
                    raise DeviceLost()
            if roles and user["role"] not in roles:
                raise Forbidden()
            set_current_user(user)
            return view(*args, **kwargs)

        return wrapped

    return decorator
