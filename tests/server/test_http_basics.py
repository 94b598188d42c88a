"""The API's ground rules on a real server on a loopback port (docs/protocol.md §3).

Tokens, roles and regions decide who reads what; every error is the contract's JSON
body, never an HTML page; and nothing personal or secret reaches the server's log.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from schemas import ErrorBodySchema
from server.store import assignments
from server.store import users as user_store
from server.store.db import transaction
from tests.conftest import LiveServer, auth, free_port
from tests.factories import OTHER_VILLAGE, household, seed

API = "/api/v1"
MINE = "1811012001-000001"
NOT_ASSIGNED = "1811012001-000002"
OTHER_DISTRICT = "1811022001-000001"
SECRETS_IN_DATA = ("1811014507800002", "1811011203050001", "Siti Aminah", "Rudi")


@dataclass
class World:
    server: LiveServer
    tokens: dict[str, str]

    def get(self, path: str, who: str | None = None, **kw: Any) -> requests.Response:
        headers = auth(self.tokens[who]) if who else {}
        return requests.get(self.server.url + API + path, headers=headers, timeout=10, **kw)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One server for the module: these tests only read, so they can share it."""
    from server.store.db import make_engine
    from server.store.schema import create_all

    url = f"sqlite:///{tmp_path_factory.mktemp('http') / 'verivali.db'}"
    engine = make_engine(url)
    create_all(engine)
    seed(engine, household(MINE), household(NOT_ASSIGNED),
         household(OTHER_DISTRICT, region=OTHER_VILLAGE))
    tokens = _users(engine)
    engine.dispose()
    server = LiveServer(url, free_port())
    world = World(server, tokens)
    try:
        yield world
    finally:
        if server.process.poll() is None:
            server.stop()


def _users(engine: Engine) -> dict[str, str]:
    with transaction(engine) as conn:
        tokens = {
            "admin": user_store.create(conn, "admin", "admin", []),
            "supervisor": user_store.create(conn, "supervisor", "supervisor", ["181101"]),
            "enumerator": user_store.create(conn, "enumerator", "enumerator", []),
            "idle": user_store.create(conn, "idle", "enumerator", []),
            "revoked": user_store.create(conn, "revoked", "admin", []),
        }
        user = user_store.by_name(conn, "enumerator")
        assignments.assign_households(conn, user["user_id"], [MINE])
        user_store.revoke(conn, "revoked")
    return tokens


def assert_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = ErrorBodySchema().load(response.json())
    assert body["error"]["code"] == code and body["error"]["message"]


def test_health_needs_no_token(world: World) -> None:
    response = world.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Bearer vv_not-a-real-token"},
     {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "vv_bare"}],
)
def test_no_or_bad_token_is_401(world: World, headers: dict[str, str]) -> None:
    response = requests.get(f"{world.server.url}{API}/households/{MINE}", headers=headers,
                            timeout=10)
    assert_error(response, 401, "unauthorized")


def test_revoked_token_is_401(world: World) -> None:
    assert_error(world.get(f"/households/{MINE}", "revoked"), 401, "unauthorized")


def test_wrong_role_is_403(world: World) -> None:
    assert_error(world.get(f"/households/{MINE}/history", "enumerator"), 403, "forbidden")
    response = requests.post(world.server.url + API + "/sync/push", json={},
                             headers=auth(world.tokens["supervisor"]), timeout=10)
    assert_error(response, 403, "forbidden")


def test_supervisor_outside_their_region_is_403(world: World) -> None:
    assert_error(world.get(f"/households/{OTHER_DISTRICT}", "supervisor"), 403, "forbidden")
    assert_error(world.get(f"/households/{OTHER_DISTRICT}/history", "supervisor"), 403,
                 "forbidden")
    assert world.get(f"/households/{MINE}", "supervisor").status_code == 200


def test_enumerator_sees_only_assigned_households(world: World) -> None:
    assert_error(world.get(f"/households/{NOT_ASSIGNED}", "enumerator"), 403, "forbidden")
    assert_error(world.get(f"/households/{MINE}", "idle"), 403, "forbidden")
    response = world.get(f"/households/{MINE}", "enumerator")
    assert response.status_code == 200
    body = response.json()
    assert body["household_id"] == MINE and body["version"] == 1
    assert body["verification"] == {"state": "unverified", "survey_id": None, "at": None,
                                    "photos_pending": 0}
    assert body["members"][0]["member_id"] == "m1"


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_history_for_supervisor_and_admin(world: World, who: str) -> None:
    response = world.get(f"/households/{MINE}/history", who)
    assert response.status_code == 200
    [version] = response.json()["versions"]
    assert (version["version"], version["source"]) == (1, "import")
    assert version["household"]["household_id"] == MINE and "at" in version


@pytest.mark.parametrize("path", ["/households/NOPE-1", "/households/NOPE-1/history",
                                  "/no-such-endpoint", "/"])
def test_not_found_is_a_json_404(world: World, path: str) -> None:
    assert_error(world.get(path, "admin"), 404, "not_found")


def test_wrong_method_is_a_json_405(world: World) -> None:
    response = requests.delete(f"{world.server.url}{API}/households/{MINE}",
                               headers=auth(world.tokens["admin"]), timeout=10)
    assert_error(response, 405, "method_not_allowed")


def test_oversized_body_is_a_json_413(world: World) -> None:
    body = b'{"device_id": "d", "surveys": []}' + b" " * (17 * 1024 * 1024)
    response = requests.post(world.server.url + API + "/sync/push", data=body,
                             headers={**auth(world.tokens["enumerator"]),
                                      "Content-Type": "application/json"}, timeout=60)
    assert_error(response, 413, "payload_too_large")


def test_gzip_bomb_is_a_json_413(world: World) -> None:
    bomb = gzip.compress(b'{"device_id": "d", "surveys": []}' + b" " * (70 * 1024 * 1024))
    response = requests.post(world.server.url + API + "/sync/push", data=bomb,
                             headers={**auth(world.tokens["enumerator"]),
                                      "Content-Type": "application/json",
                                      "Content-Encoding": "gzip"}, timeout=60)
    assert_error(response, 413, "payload_too_large")


def test_malformed_json_is_a_json_400(world: World) -> None:
    response = requests.post(world.server.url + API + "/sync/push", data=b"{not json",
                             headers={**auth(world.tokens["enumerator"]),
                                      "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    ErrorBodySchema().load(response.json())


def test_the_log_holds_no_token_nik_or_name(world: World) -> None:
    """Runs last in the module: stop the server and read everything it wrote."""
    log = world.server.stop()
    assert "Verivali server on" in log  # the output was captured
    for secret in (*world.tokens.values(), *SECRETS_IN_DATA):
        assert secret not in log
