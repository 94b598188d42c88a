"""Signing in and out: cookie flags, CSRF, roles, throttling, language."""

from __future__ import annotations

import pytest

from server.app import create_app
from server.store.db import reading
from server.store.tables import audit_log
from tests.server.web import seed


def test_pages_need_sign_in(client, world):
    for url in ("/antrian", "/dasbor", f"/keluarga/{world['a1']['household_id']}", "/ekspor",
                "/admin/pengguna"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/masuk?next=")


def test_sign_in_sets_a_safe_cookie_and_lands_on_the_queue(client, world):
    response = seed.signin(client, "sari")
    assert response.status_code == 302
    assert response.headers["Location"] == "/antrian"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in the test
    page = client.get("/antrian")
    assert page.status_code == 200
    assert "Antrian Temuan" in page.get_data(as_text=True)


def test_cookie_is_secure_over_https(client, world):
    page = client.get("/masuk", base_url="https://localhost")
    assert "Secure" in page.headers["Set-Cookie"]


def test_forwarded_proto_only_when_trusted(database_url, world):
    plain = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"}).test_client()
    page = plain.get("/masuk", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in page.headers["Set-Cookie"]
    trusting = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t",
                           "VERIVALI_TRUST_FORWARDED_PROTO": True}).test_client()
    page = trusting.get("/masuk", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in page.headers["Set-Cookie"]


def test_next_goes_back_to_the_page_asked_for_but_never_off_site(client, world):
    response = seed.signin(client, "sari", next="/dasbor?wilayah=181101")
    assert response.headers["Location"] == "/dasbor?wilayah=181101"
    seed.post(client, "/keluar")
    response = seed.signin(client, "sari", next="//evil.example/")
    assert response.headers["Location"] == "/antrian"


def test_wrong_password_is_refused_and_audited(client, engine, world):
    response = seed.signin(client, "sari", "salah-sekali-123")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    with reading(engine) as conn:
        actions = [r.action for r in conn.execute(audit_log.select())]
    assert "signin.failed" in actions


def test_enumerator_cannot_use_the_pages(client, world):
    response = seed.signin(client, "budi")
    assert response.status_code == 403
    assert client.get("/antrian").status_code == 302


def test_post_without_csrf_token_is_refused(client, world):
    client.get("/masuk")
    response = client.post("/masuk", data={"username": "sari", "password": seed.PASSWORD})
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True)
    seed.signin(client, "sari")
    flag_id = world["visit"]["flags"][0]["flag_id"]
    response = client.post(f"/temuan/{flag_id}/putuskan", data={"action": "accept"})
    assert response.status_code == 400


def test_sign_out_ends_the_session(client, world):
    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    response = seed.post(client, "/keluar")
    assert response.status_code == 302
    assert client.get("/antrian").status_code == 302


def test_password_reset_ends_open_sessions(client, engine, world):
    from server.store import users as user_store
    from server.store.db import transaction

    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    with transaction(engine) as conn:
        user_store.set_password(conn, "sari", "kata-sandi-baru-99")
    assert client.get("/antrian").status_code == 302


@pytest.fixture
def strict_app(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "VERIVALI_SIGNIN_MAX_FAILURES": 3,
                      "VERIVALI_SIGNIN_MAX_ADDRESS_FAILURES": 6})
    yield app
    app.extensions["verivali_engine"].dispose()


def test_repeated_failures_lock_the_account(strict_app, world):
    client = strict_app.test_client()
    for _ in range(3):
        assert seed.signin(client, "sari", "salah-sekali-123").status_code == 401
    locked = seed.signin(client, "sari")  # even the right password waits now
    assert locked.status_code == 429
    assert "Coba lagi dalam" in locked.get_data(as_text=True)
    # another account from another address is not affected
    other = strict_app.test_client()
    assert seed.signin(other, "tono", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_repeated_failures_lock_the_address(strict_app, world):
    client = strict_app.test_client()
    for i in range(6):
        seed.signin(client, f"nobody{i}", "salah-sekali-123")
    assert seed.signin(client, "tono").status_code == 429
    elsewhere = strict_app.test_client()
    response = seed.signin(elsewhere, "tono", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_language_switch_to_english_and_back(client, world):
    seed.signin(client, "sari")
    client.get("/bahasa/en?next=/antrian")
    page = client.get("/antrian").get_data(as_text=True)
    assert "Review queue" in page
    assert '<html lang="en">' in page
    client.get("/bahasa/id")
    assert "Antrian Temuan" in client.get("/antrian").get_data(as_text=True)


def test_security_headers_on_pages(client, world):
    page = client.get("/masuk")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_api_tokens_still_work(client, make_user, world):
    token = make_user("sup2", "supervisor", ["181101"])
    response = client.get("/api/v1/flags?status=open", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_unknown_addresses_get_a_page_and_the_api_keeps_json(client, world):
    page = client.get("/tidak-ada")
    assert page.status_code == 404 and "Tidak ditemukan" in page.get_data(as_text=True)
    api = client.get("/api/v1/tidak-ada")
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"
    assert client.delete("/api/v1/health").json["error"]["code"] == "method_not_allowed"
    seed.signin(client, "sari")
    missing = client.get("/keluarga/tidak-ada")
    assert missing.status_code == 404 and "Tidak ditemukan" in missing.get_data(as_text=True)


def test_every_page_renders_in_english(client, world):
    seed.signin(client, "ani")
    client.get("/bahasa/en")
    for url in ("/antrian", "/antrian?status=revisit", f"/keluarga/{world['a1']['household_id']}",
                "/dasbor?wilayah=1811", "/ekspor", "/admin/pengguna", "/admin/pengguna/baru",
                "/admin/pengguna/sari", "/admin/penugasan"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.get_data(as_text=True), url


# Finding 3 of issue 10: `next` may only name a path on this site. Each payload as it
# would appear in the address (percent-encoded); the form gets it decoded.
OFF_SITE_NEXT = [
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "%0d%0a",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "%09//evil.example",
    "%20//evil.example",
    "/%20/evil.example",
    "/%00/evil.example",
    "//evil.example",
    "/%5cevil.example",
    "/%5c%5cevil.example",
    "/%2f%2fevil.example",
    "https://evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("raw", OFF_SITE_NEXT)
def test_language_switch_never_redirects_off_site(client, world, raw):
    response = client.get(f"/bahasa/en?next={raw}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/antrian"


@pytest.mark.parametrize("raw", OFF_SITE_NEXT)
def test_sign_in_never_redirects_off_site(client, world, raw):
    from urllib.parse import unquote

    response = seed.signin(client, "sari", next=unquote(raw))
    assert response.status_code == 302
    assert response.headers["Location"] == "/antrian"
    assert client.get(f"/masuk?next={raw}").headers["Location"] == "/antrian"  # signed in


def test_a_same_site_next_still_works(client, world):
    assert client.get("/bahasa/en?next=/dasbor%3Fwilayah%3D1811").headers["Location"] == (
        "/dasbor?wilayah=1811")
    response = seed.signin(client, "sari", next="/keluarga/1811012001-000001")
    assert response.headers["Location"] == "/keluarga/1811012001-000001"


# Finding 4 of issue 10: a session ends on the server, not only in the browser.
def _cookie(client) -> str:
    cookie = client.get_cookie("verivali_web")
    assert cookie is not None
    return cookie.value


def _replay(app, value: str):
    other = app.test_client()
    other.set_cookie("verivali_web", value)
    return other.get("/antrian")


def test_a_cookie_copied_before_sign_out_is_over_after_it(app, client, world):
    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    copied = _cookie(client)
    assert _replay(app, copied).status_code == 200
    seed.post(client, "/keluar")
    replayed = _replay(app, copied)
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/masuk?next=")


def test_password_change_in_another_session_ends_the_first(app, client, world):
    seed.signin(client, "ani")
    assert client.get("/antrian").status_code == 200
    second = app.test_client()
    seed.signin(second, "ani")
    response = seed.post(second, "/admin/pengguna/ani/sandi",
                         {"password": "kata-sandi-baru-99", "password2": "kata-sandi-baru-99"})
    assert response.status_code == 302
    assert second.get("/antrian").status_code == 200  # the one who changed it stays in
    assert client.get("/antrian").status_code == 302


def test_password_change_from_the_command_line_ends_sessions(client, engine, world):
    from server.services import accounts

    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    accounts.set_password(engine, "operator", "sari", "kata-sandi-baru-99")
    assert client.get("/antrian").status_code == 302


def test_revocation_from_the_command_line_ends_the_web_session(client, engine, world):
    from server.services import accounts

    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    accounts.revoke_token(engine, "operator", "sari")
    assert client.get("/antrian").status_code == 302


def test_token_rotation_from_the_command_line_ends_the_web_session(client, engine, world):
    from server.services import accounts

    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    accounts.rotate_token(engine, "operator", "sari")
    assert client.get("/antrian").status_code == 302


def test_revocation_on_the_admin_page_ends_the_web_session(app, client, world):
    seed.signin(client, "sari")
    assert client.get("/antrian").status_code == 200
    admin = app.test_client()
    seed.signin(admin, "ani")
    assert seed.post(admin, "/admin/pengguna/sari/cabut-token").status_code == 302
    assert client.get("/antrian").status_code == 302
    assert admin.get("/antrian").status_code == 200


def test_a_session_signed_in_11_hours_ago_is_over_however_recently_used(client, world):
    import time

    seed.signin(client, "sari")
    with client.session_transaction() as session:  # forged with the app's own secret
        session["signed_in_at"] = int(time.time()) - 11 * 3600
    assert client.get("/antrian").status_code == 302
    with client.session_transaction() as session:
        assert "uid" not in session


def test_a_session_within_its_hours_goes_on(client, world):
    import time

    seed.signin(client, "sari")
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 9 * 3600
    assert client.get("/antrian").status_code == 200


def test_a_cookie_without_a_sign_in_time_is_over(client, world):
    seed.signin(client, "sari")
    with client.session_transaction() as session:
        session.pop("signed_in_at", None)
    assert client.get("/antrian").status_code == 302
