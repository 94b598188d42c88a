"""USB bundles: export on the laptop, import on the server, acknowledgement back."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from schemas.bundle import BundleError, bundle_key, open_envelope, seal, token_hash, verify
from tests.conftest import run_cli
from tests.sync_agent.conftest import HOUSEHOLDS, Field, one_line, server_survey_ids, status


def record_all(field: Field) -> list[str]:
    assert field.agent("pull").returncode == 0
    return [one_line(field.agent("record", "--household", h, "--outcome", "refused").stdout)
            for h in HOUSEHOLDS]


def test_round_trip_with_push_semantics(field: Field, engine, tmp_path: Path) -> None:
    ids = record_all(field)
    bundle, ack = tmp_path / "visits.vvb", tmp_path / "ack.vvb"
    exported = field.agent("export-bundle", str(bundle))
    assert exported.returncode == 0, exported.stderr
    assert "3 visit(s)" in exported.stdout
    assert status(field.home)["pending"] == 3  # still waiting until acknowledged

    imported = run_cli("import-bundle", str(bundle), "--ack", str(ack),
                       database_url=field.database_url)
    assert imported.returncode == 0, imported.stderr
    lines = imported.stdout.strip().splitlines()
    assert sorted(line.split("\t")[0] for line in lines) == sorted(ids)
    assert all(line.split("\t")[1] == "accepted" for line in lines)
    assert "3 accepted" in imported.stderr and "budi" in imported.stderr
    assert "no acknowledgement written" not in imported.stderr

    again = run_cli("import-bundle", str(bundle), database_url=field.database_url)
    assert again.returncode == 0
    assert "warning: no acknowledgement written (use --ack FILE)" in again.stderr
    assert all(line.split("\t")[1] == "duplicate" for line in again.stdout.strip().splitlines())
    assert sorted(server_survey_ids(engine)) == sorted(ids)

    applied = field.agent("import-ack", str(ack))
    assert applied.returncode == 0, applied.stderr
    assert "3 acknowledged" in applied.stdout
    assert status(field.home)["acknowledged"] == 3
    pushed = field.agent("push")
    assert "pushed 0" in pushed.stdout
    empty = tmp_path / "empty.vvb"
    nothing = field.agent("export-bundle", str(empty))
    assert nothing.returncode == 0 and "nothing waiting to be sent" in nothing.stdout
    assert not empty.exists()


def test_a_survey_carried_and_pushed_counts_once(field: Field, engine, tmp_path: Path) -> None:
    ids = record_all(field)
    bundle = tmp_path / "b.vvb"
    assert field.agent("export-bundle", str(bundle)).returncode == 0
    assert field.agent("push").returncode == 0
    imported = run_cli("import-bundle", str(bundle), database_url=field.database_url)
    assert "3 duplicate" in imported.stderr
    assert sorted(server_survey_ids(engine)) == sorted(ids)


def tamper(path: Path, change) -> None:
    envelope = json.loads(gzip.decompress(path.read_bytes()))
    payload = json.loads(envelope["payload"])
    change(payload)
    envelope["payload"] = json.dumps(payload)
    envelope["sha256"] = hashlib.sha256(envelope["payload"].encode()).hexdigest()
    path.write_bytes(gzip.compress(json.dumps(envelope).encode()))


@pytest.mark.parametrize("how", ["edited", "truncated", "other_signer", "revoked"])
def test_a_tampered_bundle_is_refused_whole(how: str, field: Field, engine, tmp_path: Path) -> None:
    record_all(field)
    bundle = tmp_path / "b.vvb"
    assert field.agent("export-bundle", str(bundle)).returncode == 0
    if how == "edited":
        tamper(bundle, lambda p: p["surveys"][0].__setitem__("notes", "diubah di jalan"))
    elif how == "truncated":
        bundle.write_bytes(bundle.read_bytes()[:-40])
    elif how == "other_signer":
        envelope = open_envelope(bundle.read_bytes(), "surveys")
        payload = json.loads(envelope["payload"])
        bundle.write_bytes(seal("surveys", payload, bundle_key(token_hash("vv_forger"))))
    else:
        assert run_cli("users", "revoke", "budi", database_url=field.database_url).returncode == 0
    result = run_cli("import-bundle", str(bundle), database_url=field.database_url)
    assert result.returncode != 0
    assert "bundle refused" in one_line(result.stderr)
    assert server_survey_ids(engine) == []


def test_an_ack_for_another_laptop_or_forged_is_refused(field: Field, tmp_path: Path) -> None:
    record_all(field)
    key = bundle_key(token_hash(field.token))
    other = tmp_path / "other.vvb"
    other.write_bytes(seal("ack", {"device_id": "someone-else", "results": []}, key))
    refused = field.agent("import-ack", str(other))
    assert refused.returncode == 9 and "another laptop" in one_line(refused.stderr)
    forged = tmp_path / "forged.vvb"
    forged.write_bytes(seal("ack", {"device_id": "x", "results": []}, b"k" * 32))
    assert field.agent("import-ack", str(forged)).returncode == 9
    assert status(field.home)["pending"] == 3


def test_format_checks() -> None:
    key = bundle_key(token_hash("vv_t"))
    data = seal("surveys", {"surveys": []}, key)
    assert verify(open_envelope(data, "surveys"), key) == {"surveys": []}
    with pytest.raises(BundleError, match="expected 'ack'"):
        open_envelope(data, "ack")
    with pytest.raises(BundleError):
        open_envelope(b"not gzip", "surveys")
    with pytest.raises(BundleError, match="signature"):
        verify(open_envelope(data, "surveys"), bundle_key(token_hash("vv_other")))
