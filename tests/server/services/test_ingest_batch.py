"""`ingest_batch` answers and stores exactly what `ingest_survey` does, item by item.

Two databases start equal; one push goes through the batch path, the same push item by
item through the other; answers and stored rows must match (generated ids and clock
times aside). The push mixes every case the batch path hands back to the item path.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from server.services.ingest.batch import ingest_batch
from server.services.ingest.single import ingest_survey
from server.store import users as user_store
from server.store.db import make_engine, reading, transaction
from server.store.schema import create_all
from server.store.tables import flags, households, surveys
from tests.conftest import POSTGRES_URL
from tests.factories import enumerator, household, seed, survey


@contextmanager
def twin_database(tmp_path: Path) -> Iterator[Engine]:
    if POSTGRES_URL:
        from tests.pg import fresh_database, schema_template

        with fresh_database(POSTGRES_URL, template=schema_template(POSTGRES_URL)) as url:
            engine = make_engine(url)
            create_all(engine)
            yield engine
            engine.dispose()
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    create_all(engine)
    yield engine
    engine.dispose()


def _setup(engine: Engine) -> dict[str, Any]:
    bases = [household(f"1811012001-{i:06d}") for i in range(1, 9)]
    stranger = household("1811012001-000099")
    seed(engine, *bases, stranger)
    _uid, token = enumerator(engine, "ani", [b["household_id"] for b in bases])
    with reading(engine) as conn:
        user = user_store.by_token(conn, token)
    assert user is not None
    return {"user": user, "bases": bases, "stranger": stranger}


def _push(bases: list[dict[str, Any]], stranger: dict[str, Any]) -> list[Any]:
    def occupation(value: str) -> Any:
        return lambda o: o["members"][0].__setitem__("occupation", value)

    plain = survey(bases[0], seq=1)
    changed = survey(bases[1], seq=2, change=occupation("petani"))
    not_found = survey(bases[2], seq=3, outcome="not_found")
    refused = survey(bases[3], seq=4, outcome="refused")
    parent = survey(bases[4], seq=5, change=lambda o: o.__setitem__("address", "Dusun III"))
    child = survey(bases[4], seq=6, parent=parent["survey_id"],
                   change=lambda o: o.__setitem__("address", "Dusun IV"))
    twice_a = survey(bases[5], seq=7, change=lambda o: o.__setitem__("desil", 3))
    twice_b = survey(bases[5], seq=8, change=lambda o: o.__setitem__("desil", 4))
    bad_base = survey(bases[6], seq=9, base_version=7)
    not_mine = survey(stranger, seq=10)
    invalid = {**survey(bases[7], seq=11), "outcome": "gone"}
    repeated = copy.deepcopy(changed)
    reused = {**survey(bases[7], seq=12), "survey_id": plain["survey_id"]}
    proposal = survey({**household("NEW-" + str(uuid.uuid4())), "region_code": "1811012001"},
                      seq=13, base_version=None)
    return [plain, changed, not_found, refused, child, parent, twice_a, twice_b, bad_base,
            not_mine, invalid, repeated, reused, proposal, "not even an object"]


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    flags_seen = sorted((f["rule"], f["path"], f["status"]) for f in result["flags"])
    return {**result, "flags": flags_seen}


def _stored(engine: Engine) -> dict[str, Any]:
    with reading(engine) as conn:
        return {
            "surveys": sorted(conn.execute(
                select(surveys.c.survey_id, surveys.c.state, surveys.c.superseded_by,
                       surveys.c.content_hash)).all()),
            "flags": sorted(conn.execute(
                select(flags.c.survey_id, flags.c.rule, flags.c.path, flags.c.status,
                       flags.c.field_value)).all()),
            "households": sorted(conn.execute(
                select(households.c.household_id, households.c.verification_state,
                       households.c.verification_survey_id)).all()),
        }


def test_batch_and_item_by_item_agree(engine: Engine, tmp_path: Path) -> None:
    with twin_database(tmp_path) as twin:
        ours, theirs = _setup(engine), _setup(twin)
        # The same households and users in both; one list of surveys pushed to each.
        push = _push(ours["bases"], ours["stranger"])
        earlier = survey(ours["bases"][7], seq=20)  # already stored before the push
        for target, who in ((engine, ours), (twin, theirs)):
            with transaction(target) as conn:
                ingest_survey(conn, who["user"], "dev-1", earlier)
        push.append(copy.deepcopy(earlier))

        with transaction(engine) as conn:
            batched = ingest_batch(conn, ours["user"], "dev-1", copy.deepcopy(push))
        with transaction(twin) as conn:
            one_by_one = [ingest_survey(conn, theirs["user"], "dev-1", item)
                          for item in copy.deepcopy(push)]

        assert [r["status"] for r in batched] == [
            "accepted", "accepted", "accepted", "accepted", "accepted", "accepted",
            "accepted", "accepted", "rejected", "rejected", "rejected", "duplicate",
            "rejected", "accepted", "rejected", "duplicate",
        ]
        assert [_comparable(r) for r in batched] == [_comparable(r) for r in one_by_one]
        assert _stored(engine) == _stored(twin)


def test_a_batch_resent_is_all_duplicates(engine: Engine) -> None:
    setup = _setup(engine)
    push = _push(setup["bases"], setup["stranger"])
    with transaction(engine) as conn:
        first = ingest_batch(conn, setup["user"], "dev-1", copy.deepcopy(push))
    with transaction(engine) as conn:
        again = ingest_batch(conn, setup["user"], "dev-1", copy.deepcopy(push))
    for before, after in zip(first, again, strict=True):
        if before["status"] == "accepted":
            assert after == {**before, "status": "duplicate"}
