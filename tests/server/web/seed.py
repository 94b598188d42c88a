"""Test data for the web pages: users with passwords, households, real surveys, bulk flags.

Surveys go through the real ingest (`server.services.ingest.single.ingest_survey`), so their flags are
the ones the reconciliation raises; `bulk_flags` inserts rows directly when a test only
needs many of them (paging, counts).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from server.services.ingest.single import ingest_survey
from server.store import assignments, flag_counts, jsoncol
from server.store import users as user_store
from server.store.db import transaction
from server.store.tables import flags
from tests.factories import household, seed, survey

PASSWORD = "kata-sandi-rahasia-1"
VILLAGE_A = "1811012001"  # Kecamatan 181101
VILLAGE_A2 = "1811012002"
VILLAGE_B = "1811022001"  # Kecamatan 181102


def make_web_user(engine: Engine, name: str, role: str, regions: list[str] | None = None,
                  password: str = PASSWORD) -> dict[str, Any]:
    with transaction(engine) as conn:
        user_store.create(conn, name, role, regions or [])
        user_store.set_password(conn, name, password)
        user = user_store.by_name(conn, name)
    assert user is not None
    return user


def make_household(engine: Engine, number: int, region: str = VILLAGE_A, **extra: Any) -> dict[str, Any]:
    body = household(f"{region}-{number:06d}", region=region, **extra)
    seed(engine, body)
    return body


def assign(engine: Engine, enumerator: dict[str, Any], household_ids: list[str]) -> None:
    with transaction(engine) as conn:
        assignments.assign_households(conn, enumerator["user_id"], household_ids)


def push(engine: Engine, enumerator: dict[str, Any], base: dict[str, Any],
         change: Callable[[dict[str, Any]], None] | None = None, device: str = "dev-1",
         **kw: Any) -> dict[str, Any]:
    """A visit of `base` by `enumerator`, stored through the real ingest; its push result."""
    item = survey(base, change=change, **kw)
    with transaction(engine) as conn:
        result = ingest_survey(conn, enumerator, device, item)
    assert result["status"] == "accepted", result
    return result


def bulk_flags(engine: Engine, count: int, region: str = VILLAGE_A, *, rule: str = "FIELD_CHANGED",
               severity: str = "warning", start: datetime | None = None,
               household_prefix: str | None = None) -> list[str]:
    """`count` open flags, one minute apart from `start` (default: 40 days ago)."""
    start = start or datetime.now(UTC) - timedelta(days=40)
    rows = []
    for i in range(count):
        rows.append({
            "flag_id": str(uuid.uuid4()),
            "household_id": f"{household_prefix or region}-{i:06d}",
            "region_code": region,
            "survey_id": None,
            "rule": rule,
            "severity": severity,
            "path": "address",
            "registry_value": jsoncol.dumps("Dusun I"),
            "field_value": jsoncol.dumps("Dusun II"),
            "other_value": jsoncol.dumps(None),
            "message": "Alamat berbeda.",
            "status": "open",
            "created_at": (start + timedelta(minutes=i)).isoformat(timespec="microseconds"),
        })
    with transaction(engine) as conn:
        conn.execute(flags.insert(), rows)
        flag_counts.mark_all(conn)  # rows written around the store's writers
    return [r["flag_id"] for r in rows]


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: Any) -> str:
    """The CSRF token of the client's session (made by visiting the sign-in page)."""
    page = client.get("/masuk")
    found = _TOKEN.search(page.get_data(as_text=True))
    if found:
        return found.group(1)
    with client.session_transaction() as session:
        return session["csrf_token"]


def signin(client: Any, name: str, password: str = PASSWORD, next: str | None = None,  # noqa: A002
           **kw: Any) -> Any:
    """Sign in through the form; `kw` goes to the request (say, `environ_base`)."""
    token = csrf(client)
    data = {"username": name, "password": password, "csrf_token": token}
    if next is not None:
        data["next"] = next
    return client.post("/masuk", data=data, **kw)


def post(client: Any, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    with client.session_transaction() as session:
        token = session.get("csrf_token", "")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kw)


def change_occupation(value: str = "petani") -> Callable[[dict[str, Any]], None]:
    def change(observed: dict[str, Any]) -> None:
        observed["members"][0]["occupation"] = value
    return change


def change_many(observed: dict[str, Any]) -> None:
    """Three differing places: an occupation, the floor, and the address."""
    observed["members"][0]["occupation"] = "petani"
    observed["housing"]["floor"] = "cement"
    observed["address"] = "Dusun III RT 001"
