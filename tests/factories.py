"""Small, readable builders of households and surveys for tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy import Engine

from server.store import assignments, users
from server.store import households as household_store
from server.store.db import transaction

VILLAGE = "1811012001"  # Wiralaga I, Mesuji
OTHER_VILLAGE = "1811022001"


def household(household_id: str = "1811012001-000001", region: str = VILLAGE, **extra: Any) -> dict[str, Any]:
    body = {
        "household_id": household_id,
        "kk_number": "1811010101170003",
        "region_code": region,
        "address": "Dusun II RT 002 RW 001",
        "desil": 2,
        "housing": {"ownership": "own", "floor": "earth", "wall": "bamboo", "roof": "zinc"},
        "assets": {"motorcycle": 1, "car": 0, "refrigerator": False, "land_m2": 0},
        "programs": [{"program": "PKH", "since": "2023-03-01"}],
        "members": [
            {"member_id": "m1", "nik": "1811014507800002", "name": "Siti Aminah", "sex": "F",
             "birth_date": "1980-07-05", "relationship": "head", "marital_status": "widowed",
             "education": "sd", "occupation": "buruh tani", "disability": "none",
             "status": "alive"},
            {"member_id": "m2", "nik": "1811011203050001", "name": "Rudi", "sex": "M",
             "birth_date": "2005-03-12", "relationship": "child", "marital_status": "single",
             "education": "sma", "occupation": "pelajar", "disability": "none",
             "status": "alive"},
        ],
    }
    body.update(extra)
    return body


def family(number: int, village: str = VILLAGE) -> dict[str, Any]:
    """`household` number `number` of `village`, its members' NIKs held by no other family."""
    body = household(f"{village}-{number:06d}", region=village)
    for index, member in enumerate(body["members"]):
        member["nik"] = member["nik"][:12] + f"{number % 1000:03d}{index}"
    return body


def survey(
    base: dict[str, Any],
    *,
    base_version: int | None = 1,
    outcome: str = "found",
    parent: str | None = None,
    seq: int = 1,
    change: Any = None,
) -> dict[str, Any]:
    """A survey of `base`; `change(observed)` edits the observed copy in place."""
    observed = copy.deepcopy(base)
    observed.pop("version", None)
    observed.pop("verification", None)
    if change is not None:
        change(observed)
    return {
        "survey_id": str(uuid.uuid4()),
        "household_id": base["household_id"],
        "base_version": base_version,
        "parent_survey_id": parent,
        "device_seq": seq,
        "started_at": "2026-11-20T09:15:00+07:00",
        "completed_at": "2026-11-20T09:40:00+07:00",
        "outcome": outcome,
        "observed": observed if outcome == "found" else None,
        "gps": {"lat": -3.91, "lon": 105.36, "accuracy_m": 12},
        "notes": None,
    }


def seed(engine: Engine, *bodies: dict[str, Any]) -> None:
    with transaction(engine) as conn:
        for body in bodies:
            household_store.save_version(conn, body, source="import", actor="test")


def enumerator(engine: Engine, name: str, household_ids: list[str]) -> tuple[int, str]:
    with transaction(engine) as conn:
        token = users.create(conn, name, "enumerator", [])
        user = users.by_name(conn, name)
        assert user is not None
        assignments.assign_households(conn, user["user_id"], household_ids)
    return user["user_id"], token


def jpeg(width: int = 64, height: int = 48, seed: int = 0, quality: int = 70) -> bytes:
    """A real JPEG whose bytes differ by `seed` (so its hash does too)."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height), ((seed * 37) % 256, (seed * 91) % 256, 120))
    image.putpixel((seed % width, 0), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def noisy_jpeg(edge: int, seed: int = 0) -> bytes:
    """A real JPEG that barely compresses: about 1.2 bytes a pixel (edge 2200 ≈ 5.7 MB)."""
    import io
    import random

    from PIL import Image

    noise = random.Random(seed).randbytes(edge * edge * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (edge, edge), noise).save(out, "JPEG", quality=95)
    return out.getvalue()


def photo_entry(data: bytes, kind: str = "house_front") -> dict[str, Any]:
    """The Survey's `photos[]` item naming `data`."""
    import hashlib

    return {"photo_id": hashlib.sha256(data).hexdigest(), "kind": kind,
            "taken_at": "2026-11-20T09:20:00+07:00", "bytes": len(data),
            "content_type": "image/jpeg"}
