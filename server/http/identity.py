"""The signed-in person of this request, whichever door they came in by.

The API's bearer-token check and the pages' session loader both put the user in
`flask.g.user`; every view reads it back through `current_user()`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g


def set_current_user(user: dict[str, Any] | None) -> None:
    g.user = user


def signed_in() -> dict[str, Any] | None:
    """The user, or None when nobody is signed in (the sign-in page, error pages)."""
    return g.get("user")


def current_user() -> dict[str, Any]:
    """The user behind this request; 401 when there is none."""
    user = g.get("user")
    if user is None:
        abort(401)
    return user
