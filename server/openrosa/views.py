"""The OpenRosa endpoints Collect and KoboCollect call (docs/protocol.md §6, docs/phones.md).

Each route is served twice: under `/key/<token>` (the enumerator's own URL, the token
as the secret) and under `/openrosa` (username and web password by HTTP Digest). Every
answer carries `X-OpenRosa-Version: 1.0`, `Date`, and is `text/xml` unless it is a CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import Blueprint, Response, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import http_date

from server.http.engine import get_blobs, get_engine
from server.http.identity import current_user, set_current_user
from server.openrosa import responses
from server.services import phone_signin, phones
from server.services.accounts import user_for_token

P = ParamSpec("P")

FORM_NAME = "Verifikasi DTSEN"
KEY_REFUSED = "Kunci ponsel ini salah atau sudah dicabut. Minta kode QR baru ke admin."
SIGN_IN = "Nama pengguna atau kata sandi salah."
NOT_ENUMERATOR = "Hanya petugas verifikasi yang dapat memakai ponsel."
TOO_LARGE = "Kiriman terlalu besar (paling banyak 10 MB sekali kirim)."
NO_XML = "Kiriman tanpa xml_submission_file."
NO_MEDIA = "Berkas ini tidak ada."


class OpenRosaError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def answer(body: bytes, status: int = 200, content_type: str = "text/xml; charset=utf-8",
           headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=status, content_type=content_type)
    response.headers["X-OpenRosa-Version"] = "1.0"
    response.headers["Date"] = http_date()
    response.headers.update(headers or {})
    return response


def _challenge(stale: bool) -> dict[str, str]:
    nonce = phone_signin.new_nonce(get_engine())
    return {"WWW-Authenticate": f'Digest realm="{phone_signin.REALM}", qop="auth", '
            f'nonce="{nonce}", algorithm=MD5, stale={"true" if stale else "false"}'}


def _user(token: str | None) -> dict[str, Any]:
    if token is not None:
        user = user_for_token(get_engine(), token)
        if user is None:
            raise OpenRosaError(403, KEY_REFUSED)
        return user
    auth = request.authorization
    stale = False
    if auth is not None and auth.type == "digest":
        params = {k: v for k, v in auth.parameters.items() if isinstance(v, str)}
        found, stale = phone_signin.digest_user(get_engine(), params, request.method)
        if found is not None and found["active"]:
            return found
    raise OpenRosaError(401, SIGN_IN, _challenge(stale))


def signed_in(view: Callable[P, Response]) -> Callable[P, Response]:
    """The phone's user, by its key or by Digest; only enumerators get in."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        token = kwargs.pop("token", None)
        user = _user(token if isinstance(token, str) else None)
        if user["role"] != "enumerator":
            raise OpenRosaError(403, NOT_ENUMERATOR)
        set_current_user(user)
        return view(*args, **kwargs)

    return wrapped


def _base() -> str:
    """This request's OpenRosa root: `<base>/key/<token>` or `<base>/openrosa`."""
    args = request.view_args or {}
    prefix = f"/key/{args['token']}" if "token" in args else "/openrosa"
    return request.url_root.rstrip("/") + prefix


def form_list() -> Response:
    form = phones.current_form()
    md5 = phones.md5_of(form.xml)
    base = _base()
    return answer(responses.form_list(
        phones.FORM_ID, FORM_NAME, form.version, md5,
        f"{base}/forms/{phones.FORM_ID}.xml", f"{base}/forms/{phones.FORM_ID}/manifest"))


def form_xml() -> Response:
    return answer(phones.current_form().xml.encode("utf-8"))


def manifest() -> Response:
    base = f"{_base()}/forms/{phones.FORM_ID}"
    files = phones.media_files(get_engine(), current_user()["user_id"])
    return answer(responses.manifest(
        (f.name, f.md5, f"{base}/media/{f.name}",
         f"{base}/integrity" if f.entity_list else None) for f in files))


def media(name: str) -> Response:
    for file in phones.media_files(get_engine(), current_user()["user_id"]):
        if file.name == name:
            return answer(file.text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    raise OpenRosaError(404, NO_MEDIA)


def integrity() -> Response:
    ids = [i for i in request.args.get("id", "").split(",") if i][:5000]
    return answer(responses.integrity(
        phones.integrity(get_engine(), current_user()["user_id"], ids)))


def submission_probe() -> Response:
    """Collect's HEAD before it sends: the size it may send in one POST."""
    return answer(b"", status=204, headers={
        "X-OpenRosa-Accept-Content-Length": str(phones.MAX_SUBMISSION_BYTES)})


def submission() -> Response:
    """One POST of a submission: the XML and some or all of its photos."""
    if (request.content_length or 0) > phones.MAX_SUBMISSION_BYTES:
        raise OpenRosaError(413, TOO_LARGE)
    request.max_content_length = phones.MAX_SUBMISSION_BYTES
    try:
        xml_file = request.files.get("xml_submission_file")
        others = [(f.filename or key, f.mimetype, f.read())
                  for key, f in request.files.items(multi=True)
                  if key != "xml_submission_file"]
    except RequestEntityTooLarge:
        raise OpenRosaError(413, TOO_LARGE) from None
    if xml_file is None:
        raise OpenRosaError(400, NO_XML)
    try:
        receipt = phones.receive_submission(get_engine(), get_blobs(), current_user(),
                                            xml_file.read(), others)
    except phones.Refused as refused:
        raise OpenRosaError(refused.status, refused.message) from None
    return answer(responses.message(receipt.message, "submit_success"), status=201)


def _routes(bp: Blueprint) -> None:
    bp.add_url_rule("/formList", "form_list", signed_in(form_list))
    bp.add_url_rule(f"/forms/{phones.FORM_ID}.xml", "form_xml", signed_in(form_xml))
    bp.add_url_rule(f"/forms/{phones.FORM_ID}/manifest", "manifest", signed_in(manifest))
    bp.add_url_rule(f"/forms/{phones.FORM_ID}/media/<name>", "media", signed_in(media))
    bp.add_url_rule(f"/forms/{phones.FORM_ID}/integrity", "integrity", signed_in(integrity))
    bp.add_url_rule("/submission", "submission_probe", signed_in(submission_probe),
                    methods=["HEAD"])
    bp.add_url_rule("/submission", "submission", signed_in(submission), methods=["POST"])

    @bp.errorhandler(OpenRosaError)
    def _refused(error: OpenRosaError) -> Response:
        return answer(responses.message(error.message, "error"), status=error.status,
                      headers=error.headers)


def blueprints() -> list[Blueprint]:
    """The same routes under the key URL and under the Digest URL."""
    by_key = Blueprint("openrosa_key", __name__, url_prefix="/key/<token>")
    by_digest = Blueprint("openrosa", __name__, url_prefix="/openrosa")
    for bp in (by_key, by_digest):
        _routes(bp)
    return [by_key, by_digest]
