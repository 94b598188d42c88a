"""Friendly error pages for people: a sentence and a way back, never a stack trace.

The JSON API keeps its own error bodies; these handlers sit on the web blueprint only.
"""

from __future__ import annotations

import logging
from typing import cast

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from server.errors import ApiError, ServiceUnavailable
from server.http.identity import signed_in

log = logging.getLogger("verivali.web")

_MESSAGES = {
    400: _l("Permintaan tidak dapat diproses. Muat ulang halaman lalu coba lagi."),
    401: _l("Silakan masuk terlebih dahulu."),
    403: _l("Anda tidak berwenang membuka halaman ini: peran atau wilayah Anda tidak mencakupnya."),
    404: _l("Halaman atau data yang Anda cari tidak ditemukan."),
    405: _l("Cara membuka halaman ini tidak didukung."),
    409: _l("Data ini sudah diputuskan sebelumnya."),
    413: _l("Data yang dikirim terlalu besar."),
    429: _l("Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."),
    500: _l("Terjadi kesalahan pada server. Kejadian ini sudah dicatat; coba lagi nanti."),
    503: _l("Server sedang tidak dapat menyimpan data. Tidak ada yang tersimpan sebagian; "
            "tunggu sebentar lalu coba lagi."),
}
_TITLES = {
    400: _l("Permintaan tidak sah"),
    401: _l("Belum masuk"),
    403: _l("Akses ditolak"),
    404: _l("Tidak ditemukan"),
    405: _l("Metode tidak didukung"),
    409: _l("Sudah diputuskan"),
    413: _l("Terlalu besar"),
    429: _l("Terlalu banyak percobaan"),
    500: _l("Kesalahan server"),
    503: _l("Server sedang sibuk"),
}
_CSRF_MESSAGE = _l(
    "Formulir ini sudah kedaluwarsa atau tidak berasal dari halaman Verivali. "
    "Muat ulang halaman lalu kirim lagi."
)


def error_page(status: int, message: str | None = None,
               headers: dict[str, str] | None = None) -> ResponseReturnValue:
    text = message or _MESSAGES.get(status) or _MESSAGES[500]
    title = _TITLES.get(status) or _TITLES[500]
    page = render_template("error.html", status=status, title=title, message=text)
    return page, status, headers or {}


def install_for_unknown_paths(app: Flask, api_prefix: str) -> None:
    """404 and 405 outside the API as a page too, also for a mistyped address (no
    blueprint is known then); API paths keep the app's own JSON answer.

    Registered on the app for these two codes, so it is found before any blueprint's
    general handler: it must answer for the pages as well.
    """

    def _not_routed(error: HTTPException) -> ResponseReturnValue:
        if request.path.startswith(api_prefix):
            generic = app.error_handler_spec[None][None].get(HTTPException)
            # The app's own JSON handler, which is synchronous (Flask's type allows async).
            return cast(ResponseReturnValue, generic(error)) if generic else error
        return error_page(error.code or 404)

    app.register_error_handler(NotFound, _not_routed)
    app.register_error_handler(MethodNotAllowed, _not_routed)


def _unavailable_page() -> ResponseReturnValue:
    return error_page(503, headers=ServiceUnavailable().headers())


def install(bp: Blueprint, unavailable: type[Exception] | None = None) -> None:
    """The pages' error handlers; `unavailable` (the storage's "try later") gets the 503
    page with `Retry-After`."""

    @bp.errorhandler(ApiError)
    def _domain_error(error: ApiError) -> ResponseReturnValue:
        if isinstance(error, ServiceUnavailable):
            return _unavailable_page()
        return error_page(error.status)

    if unavailable is not None:

        @bp.errorhandler(unavailable)
        def _storage(error: Exception) -> ResponseReturnValue:
            log.warning("storage unavailable on %s %s", request.method, request.path)
            return _unavailable_page()

    @bp.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        if error.response is not None:  # abort(response): a page already made (a form again)
            return error.response
        status = error.code or 500
        if status == 400 and error.description == "csrf":
            return error_page(400, _CSRF_MESSAGE)
        if status == 401 and signed_in() is None:
            return redirect(url_for("web.auth.signin", next=request.full_path))
        return error_page(status)

    @bp.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # The type and the route only: the message may hold personal data.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.path)
        try:
            return error_page(500)
        except Exception:  # the template itself failed: plain text, still no trace
            return "Kesalahan pada server.", 500, {"Content-Type": "text/plain; charset=utf-8"}
