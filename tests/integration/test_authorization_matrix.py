"""Who may do what, as one table: every API call and page × every kind of user × region.

The table below is the answer each cell must get from a real server over HTTP: a
status code, or `→` for a redirect to the sign-in page. Any cell that changes fails the
test with the cells that differ and the whole table as it now stands, so a change of
who may do what is always a visible, reviewed edit of this file, never a side effect.

Regions: `A` is Kecamatan 181101 (village 1811012001), `B` Kecamatan 181102 (village
1811022001). The users: `enum_a`/`enum_b` hold the households of A/B; `sup_a` is a
supervisor of 181101, `sup_all` of the regency 1811; `admin_a` an admin limited to
181101, `admin` the unrestricted admin. The flags FA/FB were decided before the run,
so a decision allowed to go through answers 409, one that is not allowed 403/404.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, auth
from tests.factories import survey
from tests.server.web.seed import PASSWORD, VILLAGE_A, VILLAGE_B, make_household, make_web_user
from tests.server.web.seed import assign as assign_households

ROLES = ("anon", "enum_a", "enum_b", "sup_a", "sup_all", "admin", "admin_a")

# cell values: HTTP status (400 for a form sent without a session's CSRF token), or →
# for a redirect to the sign-in page; a flag list also
# says how many flags it shows (`200:1`), so a list confined to nothing is not a leak
EXPECTED = """
                                           anon enum_a enum_b sup_a sup_all admin admin_a
GET  /api/v1/health                         200    200    200   200     200   200     200
GET  /api/v1/households/HA                  401    200    403   200     200   200     200
GET  /api/v1/households/HB                  401    403    200   403     200   200     403
GET  /api/v1/households/HA/history          401    403    403   200     200   200     200
GET  /api/v1/households/HB/history          401    403    403   403     200   200     403
GET  /api/v1/flags?status=rejected          401    403    403 200:1   200:2 200:2   200:1
GET  /api/v1/flags?region=181102&status=rejected 401 403 403 200:0 200:1 200:1 200:0
POST /api/v1/flags/FA/resolve               401    403    403   409     409   409     409
POST /api/v1/flags/FB/resolve               401    403    403   403     409   409     403
GET  /api/v1/sync/pull                      401    200    200   403     403   403     403
POST /api/v1/sync/push                      401    200    200   403     403   403     403
GET  /api/v1/periods/2026-11/villages/1811012001 401 403 403 200 200 200 200
GET  /api/v1/periods/2026-11/villages/1811022001 401 403 403 403 200 200 403
GET  /api/v1/periods/2026-11/villages/1811012001/berita-acara.pdf 401 403 403 200 200 200 200
GET  /api/v1/periods/2026-11/villages/1811022001/berita-acara.pdf 401 403 403 403 200 200 403
POST /api/v1/devices/recovery-key           401    200    200   403     403   403     403
POST /api/v1/devices/recover                403    403    403   403     403   403     403
GET  /antrian                                 →      →      →   200     200   200     200
GET  /dasbor                                  →      →      →   200     200   200     200
GET  /ekspor                                  →      →      →   200     200   200     200
GET  /keluarga/HA                             →      →      →   200     200   200     200
GET  /keluarga/HB                             →      →      →   403     200   200     403
GET  /musdes                                  →      →      →   200     200   200     200
GET  /musdes/2026-11/desa/1811012001          →      →      →   200     200   200     200
GET  /musdes/2026-11/desa/1811022001          →      →      →   403     200   200     403
POST /musdes/2026-11/desa/1811012001/catat    400    400    400   422     422   422     422
POST /musdes/2026-11/desa/1811022001/catat    400    400    400   403     422   422     403
GET  /musdes/2026-11/kabupaten/1811           →      →      →   403     200   200     403
POST /musdes/2026-11/kabupaten/1811/setujui   400    400    400   403     403   302     403
GET  /admin/pengguna                          →      →      →   403     403   200     200
GET  /admin/pengguna/enum_b                   →      →      →   403     403   200     403
GET  /admin/pengguna/admin                    →      →      →   403     403   200     403
GET  /admin/penugasan                         →      →      →   403     403   200     200
POST /admin/pengguna/enum_b/cabut-token       400    400    400   403     403   302     403
POST /admin/pengguna/enum_b/tandai-hilang     400    400    400   403     403   302     403
POST /admin/pengguna/admin/token-baru         400    400    400   403     403   200     403
"""


def parse(table: str) -> dict[tuple[str, str], str]:
    lines = [line for line in table.strip("\n").splitlines() if line.strip()]
    roles = lines[0].split()
    cells = {}
    for line in lines[1:]:
        method, path, *values = line.split()
        assert len(values) == len(roles), line
        for role, value in zip(roles, values, strict=True):
            cells[(f"{method} {path}", role)] = value
    return cells


def render(cells: dict[tuple[str, str], str]) -> str:
    requests_ = list(dict.fromkeys(request for request, _ in cells))
    width = max(len(r) for r in requests_) + 2
    out = [" " * width + " ".join(f"{role:>6}" for role in ROLES)]
    for request in requests_:
        method, path = request.split(" ", 1)
        out.append(f"{method:<4} {path}".ljust(width)
                   + " ".join(f"{cells[(request, role)]:>6}" for role in ROLES))
    return "\n".join(out)


@pytest.fixture
def world(live_server: LiveServer, engine: Any) -> dict[str, Any]:
    home_a = make_household(engine, 1, VILLAGE_A)
    home_b = make_household(engine, 1, VILLAGE_B)
    for member in home_b["members"]:
        member["nik"] = member["nik"][:-1] + "9"
    users = {
        "enum_a": make_web_user(engine, "enum_a", "enumerator"),
        "enum_b": make_web_user(engine, "enum_b", "enumerator"),
        "sup_a": make_web_user(engine, "sup_a", "supervisor", ["181101"]),
        "sup_all": make_web_user(engine, "sup_all", "supervisor", ["1811"]),
        "admin": make_web_user(engine, "admin", "admin"),
        "admin_a": make_web_user(engine, "admin_a", "admin", ["181101"]),
    }
    assign_households(engine, users["enum_a"], [home_a["household_id"]])
    assign_households(engine, users["enum_b"], [home_b["household_id"]])
    tokens = {name: _rotate(engine, name) for name in users}
    flags = {}
    for key, home, enumerator in (("FA", home_a, "enum_a"), ("FB", home_b, "enum_b")):
        change = survey(home, change=lambda observed: observed["members"][0].update(
            occupation="pedagang"))
        answer = requests.post(live_server.url + "/api/v1/sync/push", headers=auth(
            tokens[enumerator]), json={"device_id": f"dev-{enumerator}", "surveys": [change]},
            timeout=30).json()
        assert answer["results"][0]["status"] == "accepted", answer
        flags[key] = answer["results"][0]["flags"][0]["flag_id"]
        decided = requests.post(live_server.url + f"/api/v1/flags/{flags[key]}/resolve",
                                headers=auth(tokens["admin"]),
                                json={"action": "reject", "note": "matriks"}, timeout=30)
        assert decided.status_code == 200, decided.text
    return {"url": live_server.url, "tokens": tokens, "flags": flags,
            "HA": home_a["household_id"], "HB": home_b["household_id"]}


def _rotate(engine: Any, name: str) -> str:
    from server.store import users as user_store
    from server.store.db import transaction

    with transaction(engine) as conn:
        token = user_store.rotate_token(conn, name)
    assert token
    return token


def _web_session(url: str, name: str | None) -> requests.Session:
    session = requests.Session()
    if name is None:
        return session
    page = session.get(url + "/masuk", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "sign-in form without a CSRF token"
    session.post(url + "/masuk", data={"username": name, "password": PASSWORD,
                                       "csrf_token": token.group(1)},
                 allow_redirects=False, timeout=30)
    page = session.get(url + "/antrian", timeout=30)  # the sign-out form carries the token
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    session.headers["X-Test-Csrf"] = found.group(1) if found else ""
    return session


def _cell(response: requests.Response) -> str:
    if response.status_code in (302, 303) and "/masuk" in response.headers.get("Location", ""):
        return "→"
    if response.ok and response.request.path_url.startswith("/api/v1/flags?"):
        return f"{response.status_code}:{len(response.json()['flags'])}"  # what it sees
    return str(response.status_code)


@pytest.mark.slow
def test_every_cell_of_the_matrix(world: dict[str, Any]) -> None:
    expected = parse(EXPECTED)
    actual: dict[tuple[str, str], str] = {}
    url = world["url"]
    names = {"HA": world["HA"], "HB": world["HB"], **world["flags"]}
    for role in ROLES:
        token = world["tokens"].get(role)
        headers = auth(token) if token else {}
        web = _web_session(url, role if role not in ("anon", "enum_a", "enum_b") else None)
        for request in dict.fromkeys(r for r, _ in expected):
            method, path = request.split(" ", 1)
            target = re.sub(r"\b(HA|HB|FA|FB)\b", lambda m: names[m.group(1)], path)
            if path.startswith("/api/"):
                body: dict[str, Any] | None = None
                if path.endswith("/resolve"):
                    body = {"action": "reject", "note": "matriks"}
                elif path.endswith("/push"):
                    body = {"device_id": f"dev-{role}", "surveys": []}
                elif path.endswith("/recovery-key"):
                    body = {"device_id": f"dev-{role}", "recovery_key": "A" * 43 + "="}
                elif path.endswith("/recover"):  # a code nobody issued
                    body = {"device_id": "dev-enum_a", "code": "ABCDEF0123"}
                response = requests.request(method, url + target, headers=headers,
                                            json=body, allow_redirects=False, timeout=30)
            else:
                data = {"csrf_token": web.headers.get("X-Test-Csrf", "")} if method == "POST" else None
                response = web.request(method, url + target, data=data, allow_redirects=False,
                                       timeout=30)
            actual[(request, role)] = _cell(response)
    changed = [f"{request} as {role}: expected {expected[(request, role)]}, got {value}"
               for (request, role), value in actual.items() if value != expected[(request, role)]]
    assert not changed, ("\n".join(changed) + "\n\nthe table as it now stands:\n"
                         + render(actual))
    print(f"\nauthorization matrix: {len(actual)} cells")
