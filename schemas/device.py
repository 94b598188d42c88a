"""The laptop's recovery key calls (docs/protocol.md, "Lost and locked laptops")."""

from __future__ import annotations

from schemas.base import StrictSchema, length
from schemas.fields import Str
from schemas.validators import plain_text

# 32 random bytes in standard base64: 44 characters.
_KEY = [length(44, 44), plain_text]


class RecoveryEscrowSchema(StrictSchema):
    """`POST /devices/recovery-key`: the laptop's recovery key, kept for its owner."""

    device_id = Str(required=True, validate=[length(1, 64), plain_text])
    recovery_key = Str(required=True, validate=_KEY)


class RecoveryReleaseSchema(StrictSchema):
    """`POST /devices/recover`: a one-time code an admin gave, for that laptop."""

    device_id = Str(required=True, validate=[length(1, 64), plain_text])
    code = Str(required=True, validate=[length(6, 32), plain_text])


class RecoveryKeySchema(StrictSchema):
    recovery_key = Str(required=True)
