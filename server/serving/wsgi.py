"""The app for a WSGI server run by hand: `gunicorn server.serving.wsgi:app`.

`verivali-server serve --workers N` is the usual way (it sets gunicorn up as documented
in docs/deployment.md); this module is for operators who keep their own gunicorn or
uWSGI configuration. The settings come from the environment (server/settings.py): the
database from `VERIVALI_DATABASE_URL`, the cookie secret from `VERIVALI_SECRET_KEY` (set
it: with several workers each would otherwise pick its own and sign-ins would not
survive from one request to the next).

The app is made on first access, not at import, so importing this module (a test, a
linter) opens nothing and reads no environment.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

_app: Flask | None = None


def make_app() -> Flask:
    from server.app import create_app
    from server.settings import load_settings

    return create_app(load_settings())


def __getattr__(name: str) -> Any:
    global _app
    if name in ("app", "application"):
        if _app is None:
            _app = make_app()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
