"""The whole-registry reads the scan is built on, against a real database."""

from __future__ import annotations

from server.store import households as household_store
from server.store.db import reading
from tests.factories import family, seed

SHARED = "1811015507900001"


def with_nik(number: int, nik: str, status: str = "alive") -> dict:
    body = family(number)
    body["members"][1] = {**body["members"][1], "nik": nik, "status": status}
    return body


def test_repeated_nik_holders_counts_no_moved_out_member(engine):
    """A NIK held twice is repeated; once a holder moved out it is held once, and the
    moved-out holder is never listed, even beside two others."""
    seed(engine,
         with_nik(1, SHARED), with_nik(2, SHARED),
         with_nik(3, "1811015507900002"), with_nik(4, "1811015507900002", "moved_out"),
         with_nik(5, "1811015507900003"), with_nik(6, "1811015507900003", "moved_out"),
         with_nik(7, "1811015507900003"), family(8))
    with reading(engine) as conn:
        found = sorted(household_store.repeated_nik_holders(conn))
    assert found == [
        (SHARED, "1811012001-000001", "m2"), (SHARED, "1811012001-000002", "m2"),
        ("1811015507900003", "1811012001-000005", "m2"),
        ("1811015507900003", "1811012001-000007", "m2"),
    ]


def test_slices_read_every_household_once_in_id_order(engine):
    seed(engine, *(family(n) for n in (5, 3, 8, 1, 7, 2, 6, 4)))
    with reading(engine) as conn:
        bounds = household_store.slices(conn, 3)
        read = [household_store.stored_between(conn, after, last) for after, last in bounds]
    ids = [f"1811012001-{n:06d}" for n in range(1, 9)]
    assert bounds == [("", ids[2]), (ids[2], ids[5]), (ids[5], None)]
    assert [[household_id for household_id, _, _ in rows] for rows in read] == [
        ids[0:3], ids[3:6], ids[6:8]]
    assert all(region == "1811012001" and household_store.decode_body(body)["household_id"]
               == household_id for rows in read for household_id, region, body in rows)
