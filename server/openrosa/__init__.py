"""The phones' front end: OpenRosa for ODK Collect and KoboCollect (docs/phones.md)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from server.openrosa.views import blueprints

    for bp in blueprints():
        app.register_blueprint(bp)
