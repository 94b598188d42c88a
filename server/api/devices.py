"""The laptop's recovery key: escrowed by the agent, released once against an admin's code.

`POST /devices/recover` is the one call besides `/health` taken without a token: a
laptop locked by five wrong PINs cannot read its own (sealed) token. The one-time code,
bound to the device and valid a day, is the credential instead.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from schemas.device import RecoveryEscrowSchema, RecoveryReleaseSchema
from server.api.auth import current_user, require
from server.api.body import parse
from server.http.engine import get_engine
from server.services import lost_devices

bp = Blueprint("devices", __name__)

_escrow_schema = RecoveryEscrowSchema()
_release_schema = RecoveryReleaseSchema()


@bp.post("/devices/recovery-key")
@require("enumerator")
def escrow() -> ResponseReturnValue:
    """Keep this laptop's recovery key (a new one replaces the old after a recovery)."""
    body = parse(_escrow_schema)
    lost_devices.escrow_recovery_key(
        get_engine(), current_user(), body["device_id"], body["recovery_key"]
    )
    return jsonify({"escrowed": True})


@bp.post("/devices/recover")
def recover() -> ResponseReturnValue:
    """The recovery key the code opens, once; 403 `recovery_refused` otherwise."""
    body = parse(_release_schema)
    key = lost_devices.release_recovery_key(get_engine(), body["device_id"], body["code"])
    return jsonify({"recovery_key": key})
