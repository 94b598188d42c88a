"""The supervisor and admin pages: server-rendered, every asset shipped in the package.

`register(app)` is the one call `create_app` makes. Every page hangs under one parent
blueprint, so its error pages, CSRF check and security headers apply to all of them and
to nothing of the JSON API.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, url_for
from flask.typing import ResponseReturnValue

from server.web import errors, i18n, region_picker, regions, session
from server.web.finding_words import finding_message


def register(app: Flask, unavailable: type[Exception] | None = None) -> None:
    """`unavailable`: the storage's "try later" error, answered with the 503 page."""
    from server.web import (
        admin_assignments,
        admin_users,
        auth,
        dashboard,
        exports,
        household,
        musdes,
        photos,
        queue,
        queue_bulk,
    )

    session.configure(app)
    i18n.configure(app)
    app.add_template_filter(regions.name, "nama_wilayah")
    app.jinja_env.globals["finding_message"] = finding_message  # in the page's language
    app.jinja_env.globals["region_options"] = region_picker.page_options
    app.jinja_env.globals["region_text"] = region_picker.text_of
    web = Blueprint("web", __name__)
    web.before_request(session.load_user)
    web.before_request(session.check_csrf)
    web.after_request(session.security_headers)
    errors.install(web, unavailable)

    @web.get("/")
    def home() -> ResponseReturnValue:
        """The queue is where a supervisor's day starts."""
        return redirect(url_for("web.queue.index"))

    for child in (
        auth.bp,
        queue.bp,
        queue_bulk.bp,
        household.bp,
        photos.bp,
        dashboard.bp,
        exports.bp,
        musdes.bp,
        admin_users.bp,
        admin_assignments.bp,
    ):
        web.register_blueprint(child)
    app.register_blueprint(web)
    errors.install_for_unknown_paths(app, "/api/v1")
