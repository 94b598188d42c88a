"""The monthly cycle's reads (docs/protocol.md §7): a village's list and its berita acara."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from server.api.auth import current_user, require
from server.documents import berita_acara
from server.http.engine import get_blobs, get_engine
from server.services import exports, musdes

bp = Blueprint("periods", __name__)


def cutoff_day() -> int:
    return int(current_app.config["VERIVALI_CUTOFF_DAY"])


@bp.get("/periods/<period>/villages/<code>")
@require("supervisor", "admin")
def village_list(period: str, code: str) -> ResponseReturnValue:
    """The village's list of changes in the period, frozen once ratified."""
    return jsonify(musdes.village_list(get_engine(), current_user(), period, code,
                                       cutoff_day()))


@bp.get("/periods/<period>/villages/<code>/berita-acara.pdf")
@require("supervisor", "admin")
def berita_acara_pdf(period: str, code: str) -> ResponseReturnValue:
    """The berita acara with its BNBA annex; the stored print once the list is frozen."""
    engine, user = get_engine(), current_user()
    pdf = musdes.document(engine, get_blobs(), user, period, code, cutoff_day(),
                          berita_acara.render_pdf)
    # The BNBA names people: the download is recorded as every export is.
    exports.record(engine, user, "export.berita-acara", {"region": code, "period": period})
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="berita-acara-{period}-{code}.pdf"',
        "Cache-Control": "private"})
