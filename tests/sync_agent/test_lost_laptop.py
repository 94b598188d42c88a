"""A lost laptop and a locked one, helped from the server: real server, real agent.

Marked lost, a token still hands in what the laptop holds and then the laptop wipes;
five wrong PINs lock the store until an admin's one-time code releases its escrowed
recovery key. No survey the server has not acknowledged is ever lost.
"""

from __future__ import annotations

import json
import os

import requests
from sqlalchemy import select

from server.store.tables import audit_log, device_recovery, lost_tokens
from sync_agent import vault
from tests.conftest import run_cli
from tests.factories import VILLAGE, household
from tests.sync_agent.conftest import (
    HOUSEHOLDS,
    Field,
    one_line,
    server_survey_ids,
)

WRONG = {"VERIVALI_AGENT_PIN": "999999"}


def agent_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VERIVALI_AGENT_HOME"}
    return {**env, **extra}


def audit_actions(engine) -> list[str]:
    with engine.connect() as conn:
        return [r.action for r in conn.execute(select(audit_log.c.action))]


def test_a_lost_laptop_hands_in_its_pending_visits_then_wipes(field: Field, engine) -> None:
    assert field.agent("pull").returncode == 0
    acknowledged = one_line(field.agent("record", "--household", HOUSEHOLDS[0], "--outcome",
                                        "refused").stdout)
    assert field.agent("push").returncode == 0
    pending = [one_line(field.agent("record", "--household", h, "--outcome", "moved").stdout)
               for h in HOUSEHOLDS[1:]]

    marked = run_cli("users", "mark-lost", "budi", database_url=field.database_url)
    assert marked.returncode == 0, marked.stderr
    assert "user.token_lost" in audit_actions(engine)
    auth = {"Authorization": f"Bearer {field.token}"}
    refused = requests.get(f"{field.url}/api/v1/sync/pull", headers=auth, timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "device_lost"
    assert requests.get(f"{field.url}/api/v1/households/{HOUSEHOLDS[0]}", headers=auth,
                        timeout=10).status_code == 403

    pulled = field.agent("pull")  # the laptop comes back online: any sync hands in first
    assert pulled.returncode == 0, pulled.stderr
    line = one_line(pulled.stdout)
    assert line.startswith("this laptop was marked lost") and "2 sent" in line
    assert sorted(server_survey_ids(engine)) == sorted([acknowledged, *pending])
    assert not (field.home / "token").exists()
    with field.store() as store:
        assert store.assigned_count() == 0 and store.open_flags() == []
        assert store.counts()["acknowledged"] == 0 and store.pending_count() == 0
        assert store.conn.execute("SELECT count(*) FROM base_snapshots").fetchone()[0] == 0
    again = field.agent("sync")
    assert again.returncode != 0 and "token file is missing" in one_line(again.stderr)
    with engine.connect() as conn:
        assert conn.execute(select(lost_tokens.c.last_push_at)).scalar()
    assert "device.lost_push" in audit_actions(engine)


def test_a_rejected_visit_is_kept_through_the_wipe(field: Field, engine) -> None:
    assert field.agent("pull").returncode == 0
    stranger = household(f"{VILLAGE}-000099")  # never assigned to budi: the server refuses it
    with field.store() as store, store.write():
        store.apply_pull_page([{"seq": 1, "kind": "household",
                                "household": {**stranger, "version": 1}}], 1)
    recorded = field.agent("record", "--household", stranger["household_id"], "--outcome",
                           "refused")
    assert recorded.returncode == 0, recorded.stderr
    assert run_cli("users", "mark-lost", "budi", database_url=field.database_url).returncode == 0
    synced = field.agent("sync")
    assert synced.returncode == 0, synced.stderr
    assert "1 visit(s) not acknowledged kept" in synced.stdout
    with field.store() as store:
        (kept,) = store.surveys(("rejected",))
        assert store.base(stranger["household_id"], kept["base_version"]) is not None
        assert store.assigned_count() == 0


def test_five_wrong_pins_then_a_recovery_code_opens_the_store_losing_nothing(
    field: Field, engine
) -> None:
    assert field.agent("pull").returncode == 0  # the recovery key goes to the server here
    with engine.connect() as conn:
        (escrow,) = conn.execute(select(device_recovery)).mappings().all()
    assert escrow["user_id"] == field.user_id and escrow["code_hash"] is None
    waiting = [one_line(field.agent("record", "--household", h, "--outcome", "refused").stdout)
               for h in HOUSEHOLDS]
    for _ in range(5):
        field.agent("status", env=agent_env(**WRONG))
    locked = field.agent("push")
    assert locked.returncode == 10 and "locked" in one_line(locked.stderr)

    bad = field.agent("recover", "--code", "ABCDEF0123")
    assert bad.returncode == 10 and "recovery refused" in one_line(bad.stderr)
    issued = run_cli("users", "recovery-code", "budi", database_url=field.database_url)
    assert issued.returncode == 0, issued.stderr
    code = issued.stdout.strip().splitlines()[-1]
    new_pin = {"VERIVALI_AGENT_PIN": "864200"}
    opened = field.agent("recover", "--code", code, env=agent_env(**new_pin))
    assert opened.returncode == 0, opened.stderr
    assert "3 visit(s) waiting" in opened.stdout
    assert field.agent("recover", "--code", code, env=agent_env(**new_pin)).returncode == 10
    assert not vault.state(field.home)["locked"]
    assert field.agent("status").returncode == 10  # the old PIN no longer opens it

    pushed = field.agent("push", env=agent_env(**new_pin))
    assert pushed.returncode == 0, pushed.stderr
    assert sorted(server_survey_ids(engine)) == sorted(waiting)
    assert status_with(field, new_pin)["pending"] == 0
    with engine.connect() as conn:
        renewed = conn.execute(select(device_recovery)).mappings().one()
    assert renewed["recovery_key"] != escrow["recovery_key"]  # a fresh key, escrowed again
    actions = audit_actions(engine)
    for action in ("device.recovery_escrow", "device.recovery_code", "device.recovery_refused",
                   "device.recovery_release"):
        assert action in actions, action


def status_with(field: Field, env: dict[str, str]) -> dict[str, object]:
    result = field.agent("status", "--json", env=agent_env(**env))
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))

