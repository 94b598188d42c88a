"""Gzip for JSON answers: a first pull of thousands of households crosses a thin link."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_SIZE = 1024


def enable(app: Flask) -> None:
    @app.after_request
    def _compress(response: Response) -> Response:
        if (
            response.direct_passthrough
            or response.status_code < 200
            or "Content-Encoding" in response.headers
            or response.mimetype != "application/json"
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
        ):
            return response
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(data, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
