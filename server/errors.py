"""One catalogue of API errors with stable codes, rendered by one piece of code.

Messages never carry personal data (NIK, names) nor tokens.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"
    message = "Permintaan tidak sah."

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def headers(self) -> dict[str, str]:
        return {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class MalformedJson(ApiError):
    code = "malformed_json"
    message = "Badan permintaan bukan JSON yang sah."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    message = "Content-Type harus application/json."


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"
    message = "Data tidak lolos validasi."


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    message = "Token tidak ada atau tidak sah."


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = "Peran atau wilayah Anda tidak mengizinkan ini."


class DeviceLost(ApiError):
    """The token was marked lost: only pushing pending surveys is still taken."""

    status = 403
    code = "device_lost"
    message = ("Perangkat ini ditandai hilang: kirim kunjungan yang tertunda, lalu data di "
               "perangkat dihapus.")


class RecoveryRefused(ApiError):
    status = 403
    code = "recovery_refused"
    message = "Kode pemulihan tidak sah, sudah dipakai, atau kedaluwarsa."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "Tidak ditemukan."


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = "Sudah diputuskan sebelumnya."


class CursorExpired(ApiError):
    status = 410
    code = "cursor_expired"
    message = "Kursor tidak dikenal server; tarik ulang dari awal."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    message = "Badan permintaan terlalu besar."


class ServiceUnavailable(ApiError):
    """Storage cannot take the request now (write lock held too long, disk full): try later."""

    status = 503
    code = "unavailable"
    message = "Server belum dapat menyimpan data saat ini; coba lagi nanti."
    retry_after = 30

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class PreconditionFailed(ApiError):
    """A tus request without `Tus-Resumable: 1.0.0` (docs/protocol.md §5)."""

    status = 412
    code = "unsupported_version"
    message = "Hanya protokol unggah tus 1.0.0 yang didukung (Tus-Resumable: 1.0.0)."

    def headers(self) -> dict[str, str]:
        return {"Tus-Version": "1.0.0"}


class OffsetConflict(ApiError):
    """A chunk that does not start where the upload stands; `Upload-Offset` says where."""

    status = 409
    code = "offset_mismatch"
    message = "Upload-Offset tidak sama dengan posisi unggahan di server."

    def __init__(self, offset: int, message: str | None = None):
        super().__init__(message, {"Upload-Offset": offset})
        self.offset = offset

    def headers(self) -> dict[str, str]:
        return {"Upload-Offset": str(self.offset)}


class ChecksumMismatch(ApiError):
    """tus checksum extension: the chunk's bytes do not match `Upload-Checksum`."""

    status = 460
    code = "checksum_mismatch"
    message = "Isi potongan tidak cocok dengan Upload-Checksum; tidak disimpan."


class InsufficientStorage(ApiError):
    """The disk is full: nothing of the request was kept; try again later."""

    status = 507
    code = "storage_full"
    message = "Penyimpanan server penuh; tidak ada yang disimpan. Coba lagi nanti."
    retry_after = 300

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


# Werkzeug HTTP status → our stable code, for errors raised outside our handlers.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "unsupported_version",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
