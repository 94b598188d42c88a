"""A region-limited admin manages only people whose regions lie inside its own.

The unrestricted admin has no regions, and neither has an enumerator (judged instead by
the villages of its assignments): a check over "every region of the target" is true for
an empty list, which once let an admin of 181101 take over the unrestricted admin.
"""

from __future__ import annotations

from typing import Any

import pytest

from server.store import users as user_store
from server.store.db import reading
from tests.server.web import seed


@pytest.fixture
def regional(client: Any, engine: Any, world: dict[str, Any]) -> dict[str, Any]:
    """`adm2` is an admin of 181101, signed in; `siti` works only in 181101, `budi` (from
    `world`) in 181101 and 181102, `anyar` has no work yet."""
    seed.make_web_user(engine, "adm2", "admin", ["181101"])
    siti = seed.make_web_user(engine, "siti", "enumerator")
    seed.assign(engine, siti, [world["a2"]["household_id"]])
    seed.make_web_user(engine, "anyar", "enumerator")
    seed.signin(client, "adm2")
    return world


def _token_hash(engine: Any, name: str) -> str | None:
    with reading(engine) as conn:
        user = user_store.by_name(conn, name)
    assert user is not None
    return user["token_hash"]


def test_cannot_open_or_take_over_the_unrestricted_admin(client, engine, regional) -> None:
    before = _token_hash(engine, "ani")
    assert client.get("/admin/pengguna/ani").status_code == 403
    assert seed.post(client, "/admin/pengguna/ani/token-baru").status_code == 403
    assert seed.post(client, "/admin/pengguna/ani/sandi",
                     {"password": "sandi-baru-12345", "password2": "sandi-baru-12345"}
                     ).status_code == 403
    assert seed.post(client, "/admin/pengguna/ani/cabut-token").status_code == 403
    assert _token_hash(engine, "ani") == before
    other = client.application.test_client()
    assert seed.signin(other, "ani", "sandi-baru-12345").status_code == 401


def test_cannot_touch_an_enumerator_working_outside(client, engine, regional) -> None:
    before = _token_hash(engine, "budi")
    assert client.get("/admin/pengguna/budi").status_code == 403
    assert seed.post(client, "/admin/pengguna/budi/wilayah",
                     {"regions": "181101"}).status_code == 403
    assert seed.post(client, "/admin/pengguna/budi/cabut-token").status_code == 403
    assert _token_hash(engine, "budi") == before
    with reading(engine) as conn:
        assert user_store.by_name(conn, "budi")["regions"] == []


def test_manages_its_own_enumerators_and_new_ones(client, engine, regional) -> None:
    assert client.get("/admin/pengguna/siti").status_code == 200
    assert client.get("/admin/pengguna/anyar").status_code == 200
    assert seed.post(client, "/admin/pengguna/anyar/cabut-token").status_code == 302
    assert _token_hash(engine, "anyar") is None


def test_the_list_shows_only_whom_it_manages(client, regional) -> None:
    page = client.get("/admin/pengguna").get_data(as_text=True)
    for name in ("siti", "anyar", "sari", "adm2"):
        assert f"/admin/pengguna/{name}\"" in page, name
    for name in ("ani", "budi", "tono"):
        assert f"/admin/pengguna/{name}\"" not in page, name


def test_cannot_make_anyone_unrestricted(client, engine, regional) -> None:
    seed.make_web_user(engine, "adm4", "admin", ["181101"])
    response = seed.post(client, "/admin/pengguna/adm4/wilayah", {"regions": ""})
    assert response.status_code == 422
    with reading(engine) as conn:
        assert user_store.by_name(conn, "adm4")["regions"] == ["181101"]
    response = seed.post(client, "/admin/pengguna/baru",
                         {"name": "adm3", "role": "admin", "regions": ""})
    assert response.status_code == 422
    response = seed.post(client, "/admin/pengguna/sari/wilayah", {"regions": "1811"})
    assert response.status_code == 422


def test_cancelled_work_outside_still_counts(client, engine, regional) -> None:
    from server.store import assignments as assignment_store
    from server.store.db import transaction

    with transaction(engine) as conn:
        siti = user_store.by_name(conn, "siti")
        assignment_store.assign_households(conn, siti["user_id"], [regional["b1"]["household_id"]])
        for item in assignment_store.for_enumerator(conn, siti["user_id"]):
            if item["household_id"] == regional["b1"]["household_id"]:
                assignment_store.cancel(conn, item["assignment_id"])
    assert client.get("/admin/pengguna/siti").status_code == 403
