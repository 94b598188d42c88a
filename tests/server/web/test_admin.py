"""Admin pages: users and assignments, only for admins, every change audited."""

from __future__ import annotations

import re

from server.store import users as user_store
from server.store.db import reading
from server.store.tables import assignments, audit_log
from tests.server.web import seed


def _audit_actions(engine) -> list[str]:
    with reading(engine) as conn:
        return [r.action for r in conn.execute(audit_log.select())]


def test_supervisors_cannot_open_admin_pages(client, world):
    seed.signin(client, "sari")
    assert client.get("/admin/pengguna").status_code == 403
    assert client.get("/admin/penugasan").status_code == 403
    assert seed.post(client, "/admin/pengguna/budi/cabut-token").status_code == 403


def test_create_user_shows_the_token_once(client, engine, world):
    seed.signin(client, "ani")
    response = seed.post(client, "/admin/pengguna/baru",
                         {"name": "dewi", "role": "supervisor", "regions": "18.11.01",
                          "password": "sandi-dewi-12345", "password2": "sandi-dewi-12345"})
    assert response.status_code == 200
    token = re.search(r'id="api-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    with reading(engine) as conn:
        assert user_store.by_token(conn, token)["name"] == "dewi"
        assert user_store.by_name(conn, "dewi")["regions"] == ["181101"]
    assert "user.create" in _audit_actions(engine)
    other = client.application.test_client()
    assert seed.signin(other, "dewi", "sandi-dewi-12345").status_code == 302


def test_create_user_validates_with_messages(client, world):
    seed.signin(client, "ani")
    cases = [
        ({"name": "x", "role": "enumerator"}, "Nama pengguna 2–64"),
        ({"name": "sari", "role": "enumerator"}, "sudah dipakai"),
        ({"name": "new1", "role": "supervisor", "regions": ""}, "paling sedikit satu wilayah"),
        ({"name": "new2", "role": "enumerator", "regions": "18x"}, "bukan kode wilayah"),
        ({"name": "new3", "role": "admin", "password": "pendek", "password2": "pendek"},
         "minimal 10"),
        ({"name": "new4", "role": "admin", "password": "panjang-sekali-1",
          "password2": "panjang-sekali-2"}, "tidak sama"),
    ]
    for form, message in cases:
        response = seed.post(client, "/admin/pengguna/baru", form)
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True), form


def test_revoke_token_reset_password_and_regions(client, engine, world, make_user):
    seed.signin(client, "ani")
    assert seed.post(client, "/admin/pengguna/budi/cabut-token").status_code == 302
    with reading(engine) as conn:
        assert user_store.by_name(conn, "budi")["token_hash"] is None
    response = seed.post(client, "/admin/pengguna/tono/sandi",
                         {"password": "sandi-baru-tono-1", "password2": "sandi-baru-tono-1"})
    assert response.status_code == 302
    response = seed.post(client, "/admin/pengguna/tono/wilayah", {"regions": "181102, 181103"})
    assert response.status_code == 302
    with reading(engine) as conn:
        assert user_store.by_name(conn, "tono")["regions"] == ["181102", "181103"]
    rotated = seed.post(client, "/admin/pengguna/budi/token-baru")
    assert "api-token" in rotated.get_data(as_text=True)
    actions = _audit_actions(engine)
    for action in ("user.token_revoke", "user.password_reset", "user.regions",
                   "user.token_rotate"):
        assert action in actions
    assert client.get("/admin/pengguna/nobody").status_code == 404


def test_assign_a_village_and_reassign_it(client, engine, world):
    seed.make_web_user(engine, "rina", "enumerator")
    seed.signin(client, "ani")
    response = seed.post(client, "/admin/penugasan/tugaskan",
                         {"enumerator": "rina", "regions": seed.VILLAGE_A})
    assert response.status_code == 302
    with reading(engine) as conn:
        rina = user_store.by_name(conn, "rina")
        held = conn.execute(assignments.select().where(
            assignments.c.enumerator_id == rina["user_id"])).all()
    assert len(held) == 2
    response = seed.post(client, "/admin/penugasan/pindahkan",
                         {"from_enumerator": "budi", "to_enumerator": "rina",
                          "households": world["b1"]["household_id"]})
    assert response.status_code == 302
    with reading(engine) as conn:
        b1 = conn.execute(assignments.select().where(
            assignments.c.household_id == world["b1"]["household_id"])).all()
    assert sorted((r.enumerator_id, r.status) for r in b1) == sorted(
        [(world["budi"]["user_id"], "cancelled"), (rina["user_id"], "open")])
    page = client.get("/admin/penugasan").get_data(as_text=True)
    assert 'data-enumerator="rina"' in page
    actions = _audit_actions(engine)
    assert "assignment.assign" in actions and "assignment.reassign" in actions


def test_assignment_forms_validate(client, world):
    seed.signin(client, "ani")
    cases = [
        ({"enumerator": "sari", "regions": seed.VILLAGE_A}, "Pilih petugas verifikasi"),
        ({"enumerator": "budi"}, "Isi wilayah (nama atau kode) atau ID keluarga"),
        ({"enumerator": "budi", "households": "tidak-ada-1"}, "tidak dikenal"),
        ({"enumerator": "budi", "regions": "9999"}, "tidak ada dalam daftar wilayah"),
        ({"enumerator": "budi", "regions": "1812"}, "Tidak ada keluarga"),
    ]
    for form, message in cases:
        response = seed.post(client, "/admin/penugasan/tugaskan", form)
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True), form
    response = seed.post(client, "/admin/penugasan/pindahkan",
                         {"from_enumerator": "budi", "to_enumerator": "budi",
                          "regions": seed.VILLAGE_A})
    assert "Pilih petugas lain" in response.get_data(as_text=True)


def test_admin_with_regions_stays_inside_them(client, engine, world):
    seed.make_web_user(engine, "adm2", "admin", ["181101"])
    seed.signin(client, "adm2")
    response = seed.post(client, "/admin/penugasan/tugaskan",
                         {"enumerator": "budi", "households": world["b1"]["household_id"]})
    assert "di luar wilayah Anda" in response.get_data(as_text=True)
    assert client.get("/admin/pengguna/tono").status_code == 403
    response = seed.post(client, "/admin/pengguna/baru",
                         {"name": "x2", "role": "enumerator", "regions": "181102"})
    assert "di luar cakupan" in response.get_data(as_text=True)


def test_marking_a_laptop_lost_on_the_user_page(client, engine, world):
    from sqlalchemy import select

    from server.store import audit
    from server.store.tables import lost_tokens

    with reading(engine) as conn:
        token_hash = user_store.by_name(conn, "budi")["token_hash"]
    seed.signin(client, "sari")
    assert seed.post(client, "/admin/pengguna/budi/tandai-hilang").status_code == 403
    seed.signin(client, "ani")
    page = client.get("/admin/pengguna/budi").get_data(as_text=True)
    assert 'id="mark-lost"' in page
    answer = seed.post(client, "/admin/pengguna/budi/tandai-hilang")
    assert answer.status_code == 302
    with reading(engine) as conn:
        assert user_store.by_name(conn, "budi")["token_hash"] is None
        trail = audit.for_target(conn, "user", "budi")
        assert [(r["action"], r["actor"]) for r in trail if r["action"] == "user.token_lost"] \
            == [("user.token_lost", "ani")]
        assert conn.execute(select(lost_tokens.c.token_hash)).scalar() == token_hash
    assert 'id="mark-lost"' not in client.get("/admin/pengguna/budi").get_data(as_text=True)


def test_reassign_a_village_without_listing_households(client, engine, world):
    """Moving a whole village's work needs only the village, not the household ids."""
    seed.make_web_user(engine, "rina", "enumerator")
    seed.signin(client, "ani")
    assert seed.post(client, "/admin/penugasan/tugaskan",
                     {"enumerator": "rina", "regions": seed.VILLAGE_A}).status_code == 302
    response = seed.post(client, "/admin/penugasan/pindahkan",
                         {"from_enumerator": "rina", "to_enumerator": "budi",
                          "regions": seed.VILLAGE_A})
    assert response.status_code == 302, response.get_data(as_text=True)
    with reading(engine) as conn:
        rina = user_store.by_name(conn, "rina")
        held = conn.execute(assignments.select().where(
            assignments.c.enumerator_id == rina["user_id"])).all()
    assert {r.status for r in held} == {"cancelled"} and len(held) == 2


def test_a_users_history_in_words_with_the_address(client, app, world):
    """Sign-ins read 'Masuk' / 'Gagal masuk' with where they came from, not audit codes."""
    other = app.test_client()
    assert seed.signin(other, "sari", "salah-sandi-1234").status_code == 401
    seed.signin(other, "sari")
    seed.signin(client, "ani")
    page = client.get("/admin/pengguna/sari").get_data(as_text=True)
    history = page.split("Riwayat", 1)[1]
    assert "Gagal masuk (nama atau kata sandi salah)" in history and ">Masuk<" in history
    assert "127.0.0.1" in history
    assert "signin." not in re.sub(r'data-action="[^"]*"', "", history)
