"""`GET /openapi.json`: the API described from the same marshmallow schemas it validates with."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

import schemas
from schemas.device import RecoveryEscrowSchema, RecoveryKeySchema, RecoveryReleaseSchema

bp = Blueprint("openapi", __name__)

# Leaves first: nested schemas register themselves under these same names.
_COMPONENTS = {
    "ErrorBody": schemas.ErrorBodySchema,
    "Flag": schemas.FlagSchema,
    "Household": schemas.HouseholdSchema,
    "HouseholdView": schemas.HouseholdViewSchema,
    "History": schemas.HistorySchema,
    "Survey": schemas.SurveySchema,
    "SurveyView": schemas.SurveyViewSchema,
    "PushRequest": schemas.PushRequestSchema,
    "PushResponse": schemas.PushResponseSchema,
    "PullResponse": schemas.PullResponseSchema,
    "FlagPage": schemas.FlagPageSchema,
    "Resolve": schemas.ResolveSchema,
    "VillageList": schemas.VillageListSchema,
    "RecoveryEscrow": RecoveryEscrowSchema,
    "RecoveryRelease": RecoveryReleaseSchema,
    "RecoveryKey": RecoveryKeySchema,
}


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    """The error answers `codes`, and 503 (storage cannot take the request now), which
    any authenticated call may give."""
    answers = {str(code): {"description": "error", **_json("ErrorBody")} for code in codes}
    answers["503"] = {"description": "storage unavailable; try after Retry-After",
                      "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                      **_json("ErrorBody")}
    return answers


def _query(schema: type, **descriptions: str) -> list[dict[str, Any]]:
    """The query parameters of `schema`, with the types and bounds its fields check."""
    plugin = MarshmallowPlugin()
    plugin.init_spec(APISpec("parameters", "1", "3.0.3"))  # the converter comes with a spec
    converter = plugin.converter
    assert converter is not None
    params = converter.schema2parameters(schema(), location="query")
    for param in params:
        param["description"] = descriptions.get(param["name"], param["name"])
    return params


def _period_village() -> list[dict[str, Any]]:
    return [{"in": "path", "name": "period", "required": True,
             "schema": {"type": "string", "pattern": "^2[0-9]{3}-(0[1-9]|1[0-2])$"}},
            {"in": "path", "name": "code", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9]{10}$"}}]


def _path(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}


def _header(name: str, description: str, type_: str = "string", required: bool = True,
            **schema: Any) -> dict[str, Any]:
    return {"in": "header", "name": name, "required": required, "description": description,
            "schema": {"type": type_, **schema}}


_TUS_ANSWER = {name: {"schema": {"type": "integer"}} for name in ("Upload-Offset", "Upload-Length")}

_PATHS: dict[str, dict[str, Any]] = {
    "/health": {"get": {"summary": "Liveness", "security": [], "responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "required": ["status"],
            "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}},
        "503": {"description": "storage cannot take writes now; try after Retry-After. "
                               "Code `unavailable`, `details.storage` `full`, `busy` or "
                               "`unreachable`",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                **_json("ErrorBody")}}}},
    "/sync/push": {"post": {
        "summary": "Push a batch of surveys (enumerator)",
        "requestBody": {"required": True, **_json("PushRequest")},
        "responses": {"200": {"description": "per-item results", **_json("PushResponse")},
                      **_errors(400, 401, 403, 413, 415, 422)}}},
    "/sync/pull": {"get": {
        "summary": "Changes since a cursor (enumerator)",
        "parameters": _query(schemas.PullQuerySchema, cursor="opaque cursor from the last page",
                             limit="changes per page"),
        "responses": {"200": {"description": "a page", **_json("PullResponse")},
                      **_errors(401, 403, 410, 422)}}},
    "/devices/recovery-key": {"post": {
        "summary": "Escrow this laptop's recovery key (enumerator)",
        "requestBody": {"required": True, **_json("RecoveryEscrow")},
        "responses": {"200": {"description": "kept", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"escrowed": {"type": "boolean"}}}}}},
                      **_errors(400, 401, 403, 413, 415, 422)}}},
    "/devices/recover": {"post": {
        "summary": "Release a locked laptop's recovery key against a one-time code (no token)",
        "security": [],
        "requestBody": {"required": True, **_json("RecoveryRelease")},
        "responses": {"200": {"description": "the recovery key, once", **_json("RecoveryKey")},
                      **_errors(400, 403, 413, 415, 422)}}},
    "/households/{household_id}": {"get": {
        "summary": "One household with version and verification",
        "parameters": [{"in": "path", "name": "household_id", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "the household", **_json("HouseholdView")},
                      **_errors(401, 403, 404)}}},
    "/households/{household_id}/history": {"get": {
        "summary": "Every version of a household (supervisor, admin)",
        "parameters": [{"in": "path", "name": "household_id", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "versions", **_json("History")},
                      **_errors(401, 403, 404)}}},
    "/surveys/{survey_id}": {"get": {
        "summary": "One stored survey with photos[].received (supervisor, admin: the "
                   "household's regions; the enumerator who sent it)",
        "parameters": [{"in": "path", "name": "survey_id", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "the survey as stored", **_json("SurveyView")},
                      **_errors(401, 403, 404)}}},
    "/photos/{photo_id}": {"get": {
        "summary": "A photo's bytes (whoever may see a survey naming it); Cache-Control private",
        "parameters": [{"in": "path", "name": "photo_id", "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
        "responses": {"200": {"description": "the image",
                              "content": {"image/jpeg": {"schema": {"type": "string",
                                                                    "format": "binary"}}}},
                      **_errors(401, 403, 404)}}},
    "/uploads": {"post": {
        "summary": "tus 1.0 creation: start or find the upload of a photo one of the caller's "
                   "surveys names (enumerator); `Upload-Offset` equal to `Upload-Length` means "
                   "the server has it already",
        "parameters": [_header("Tus-Resumable", "1.0.0", enum=["1.0.0"]),
                       _header("Upload-Length", "the photo's `bytes`", type_="integer"),
                       _header("Upload-Metadata", "`photo_id <base64 of the hex id>`")],
        "responses": {"201": {"description": "the upload (Location, Upload-Offset)",
                              "headers": _TUS_ANSWER},
                      **_errors(400, 401, 403, 412, 413, 422)}}},
    "/uploads/{photo_id}": {
        "head": {
            "summary": "tus 1.0: where the upload stands (Upload-Offset)",
            "parameters": [_path("photo_id"), _header("Tus-Resumable", "1.0.0", enum=["1.0.0"])],
            "responses": {"200": {"description": "the offset", "headers": _TUS_ANSWER},
                          **_errors(400, 401, 403, 412)}},
        "patch": {
            "summary": "tus 1.0: append one chunk at Upload-Offset, whole or not at all; the "
                       "last one is checked (SHA-256 = photo_id, a whole JPEG) and kept",
            "parameters": [_path("photo_id"), _header("Tus-Resumable", "1.0.0", enum=["1.0.0"]),
                           _header("Upload-Offset", "where this chunk starts", type_="integer"),
                           _header("Upload-Checksum", "`sha256 <base64 digest of the chunk>`",
                                   required=False)],
            "requestBody": {"required": True, "content": {"application/offset+octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}},
            "responses": {"204": {"description": "taken; the new offset", "headers": _TUS_ANSWER},
                          **_errors(400, 401, 403, 409, 412, 413, 415, 422, 460, 507)}}},
    "/flags": {"get": {
        "summary": "Flags, oldest first (supervisor: own regions; admin)",
        "parameters": _query(schemas.FlagQuerySchema, region="province, regency, district or "
                             "village code, dots allowed", cursor="opaque cursor from the last "
                             "page", limit="page size"),
        "responses": {"200": {"description": "a page", **_json("FlagPage")},
                      **_errors(401, 403, 422)}}},
    "/flags/{flag_id}/resolve": {"post": {
        "summary": "Accept, reject or send for revisit",
        "parameters": [{"in": "path", "name": "flag_id", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, **_json("Resolve")},
        "responses": {"200": {"description": "the flag", **_json("Flag")},
                      **_errors(400, 401, 403, 404, 409, 415, 422)}}},
    "/periods/{period}/villages/{code}": {"get": {
        "summary": "A village's list of changes in a period (supervisor: own regions; admin)",
        "parameters": _period_village(),
        "responses": {"200": {"description": "the list", **_json("VillageList")},
                      **_errors(401, 403, 422)}}},
    "/periods/{period}/villages/{code}/berita-acara.pdf": {"get": {
        "summary": "The berita acara with its BNBA annex (supervisor: own regions; admin)",
        "parameters": _period_village(),
        "responses": {"200": {"description": "the document", "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            **_errors(401, 403, 422)}}},
}


@lru_cache(maxsize=1)
def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="Verivali API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in _COMPONENTS.items():
        spec.components.schema(name, schema=schema)
    for path, operations in _PATHS.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(build_spec())
