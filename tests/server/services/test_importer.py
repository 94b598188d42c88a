"""`import-registry` in the library: every bad input the issue names, and re-imports.

The admin's promise: the good households land, every bad one is named by line, field
and reason (never by its NIK or names), and importing again changes only what changed.
"""

from __future__ import annotations

import copy
import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select

from server.demo.data import generate_households
from server.services.registry_import import run as importer_module
from server.services.registry_import.check import Rejected
from server.services.registry_import.files import CSV_COLUMNS, write_jsonl, write_member_csv
from server.services.registry_import.formats import ImportFileError, parse_programs
from server.services.registry_import.run import ImportReport, import_registry
from server.store import feed as feed_store
from server.store import households as bulk_store
from server.store import households as household_store
from server.store import jsoncol
from server.store import progress as progress_store
from server.store.db import make_engine, reading
from server.store.tables import (
    changes,
    household_versions,
    households,
    members,
    progress_marks,
    village_progress,
)
from tests.factories import household


def run(engine: Engine, path: Path, **kw: Any) -> tuple[ImportReport, list[Rejected]]:
    rejects: list[Rejected] = []
    report = import_registry(engine, path, actor=kw.pop("actor", "tester"),
                             on_reject=rejects.append, **kw)
    return report, rejects


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.imported, report.updated, report.unchanged, report.rejected


def rows(engine: Engine, table: Any) -> int:
    with reading(engine) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def jsonl(tmp_path: Path, *lines: Any, name: str = "registry.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines), encoding="utf-8")
    return path


def problems(rejects: list[Rejected]) -> list[tuple[int, str | None]]:
    return [(p.line, p.field) for r in rejects for p in r.problems]


def hh(number: int, **extra: Any) -> dict[str, Any]:
    return household(f"1811012001-{number:06d}", **extra)


# --- the good path -------------------------------------------------------------------

def test_import_stores_versions_members_and_feed(engine: Engine, tmp_path: Path) -> None:
    report, rejects = run(engine, jsonl(tmp_path, hh(1), hh(2), hh(3)))
    assert counts(report) == (3, 0, 0, 0) and rejects == []
    assert rows(engine, households) == 3
    assert rows(engine, household_versions) == 3
    assert rows(engine, members) == 6
    assert rows(engine, changes) == 3
    with reading(engine) as conn:
        [entry] = household_store.history(conn, "1811012001-000001")
        current = household_store.get(conn, "1811012001-000001")
        assert household_store.nik_holders(conn, "1811014507800002")[0] == (
            "1811012001-000001", "m1")
    assert (entry["version"], entry["source"], entry["actor"]) == (1, "import", "tester")
    assert entry["source_id"] == "registry.jsonl"
    assert current["version"] == 1 and current["verification"]["state"] == "unverified"


def test_same_encoding_and_hash_as_save_version(engine: Engine, tmp_path: Path) -> None:
    run(engine, jsonl(tmp_path, hh(1)))
    with reading(engine) as conn:
        row = conn.execute(select(households.c.body, households.c.content_hash)).one()
    body = jsoncol.loads(row.body)
    assert row.body == jsoncol.dumps(body)
    assert row.content_hash == jsoncol.content_hash(body)


def test_absent_and_null_are_stored_alike(engine: Engine, tmp_path: Path) -> None:
    explicit = hh(1, housing={"floor": None, "wall": None}, address=None)
    explicit["members"][1].update(occupation=None, education=None)
    sparse = hh(1, housing=None)
    sparse.pop("address")
    for key in ("occupation", "education"):
        sparse["members"][1].pop(key)
    run(engine, jsonl(tmp_path, explicit))
    report, _ = run(engine, jsonl(tmp_path, sparse))
    assert counts(report) == (0, 0, 1, 0)
    with reading(engine) as conn:
        stored = household_store.get(conn, "1811012001-000001")
    assert stored["housing"] is None and stored["address"] is None
    assert stored["members"][1]["occupation"] is None and "education" in stored["members"][1]


def test_reimporting_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = jsonl(tmp_path, hh(1), hh(2))
    run(engine, path)
    report, _ = run(engine, path)
    assert counts(report) == (0, 0, 2, 0)
    assert rows(engine, household_versions) == 2 and rows(engine, changes) == 2


def test_changed_content_makes_a_new_version_of_just_that_household(
    engine: Engine, tmp_path: Path
) -> None:
    run(engine, jsonl(tmp_path, hh(1), hh(2)))
    moved = hh(2, address="Dusun III RT 001 RW 002")
    report, _ = run(engine, jsonl(tmp_path, hh(1), moved, hh(3), name="second.jsonl"),
                    actor="budi")
    assert counts(report) == (1, 1, 1, 0)
    with reading(engine) as conn:
        history = household_store.history(conn, "1811012001-000002")
        assert len(household_store.history(conn, "1811012001-000001")) == 1
    assert [(h["version"], h["actor"]) for h in history] == [(1, "tester"), (2, "budi")]
    assert history[1]["household"]["address"] == "Dusun III RT 001 RW 002"
    assert rows(engine, members) == 6


def test_default_actor_is_the_os_user(engine: Engine, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(importer_module.getpass, "getuser", lambda: "operator1")
    import_registry(engine, jsonl(tmp_path, hh(1)))
    with reading(engine) as conn:
        assert household_store.history(conn, "1811012001-000001")[0]["actor"] == "operator1"


def test_a_survey_version_then_reimport(engine: Engine, tmp_path: Path) -> None:
    """Import sees a version written by `save_version` (a review) as the current one."""
    path = jsonl(tmp_path, hh(1))
    run(engine, path)
    from server.store.db import transaction

    with transaction(engine) as conn:
        household_store.save_version(conn, hh(1, desil=5), source="review", actor="sup")
    report, _ = run(engine, path)
    assert counts(report) == (0, 1, 0, 0)
    with reading(engine) as conn:
        assert [h["source"] for h in household_store.history(conn, "1811012001-000001")] == [
            "import", "review", "import"]


# --- member ids ----------------------------------------------------------------------

def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for member in body["members"]:
        member.pop("member_id")
    return body


def member_ids(engine: Engine, household_id: str) -> list[tuple[str, str]]:
    with reading(engine) as conn:
        body = household_store.get(conn, household_id)
    return [(m["member_id"], m["name"]) for m in body["members"]]


def add_member(body: dict[str, Any], name: str, nik: str | None, at: int) -> dict[str, Any]:
    body = copy.deepcopy(body)
    body["members"].insert(at, {"nik": nik, "name": name, "sex": "F",
                                "birth_date": "2026-01-02", "relationship": "grandchild"})
    return body


def test_rows_without_member_id_get_stable_ids(engine: Engine, tmp_path: Path) -> None:
    first = without_ids(hh(1))
    run(engine, jsonl(tmp_path, first))
    assert member_ids(engine, first["household_id"]) == [("m1", "Siti Aminah"), ("m2", "Rudi")]
    report, _ = run(engine, jsonl(tmp_path, first))
    assert counts(report) == (0, 0, 1, 0)

    grown = add_member(first, "Bayi Putri", None, 0)  # new first row: ids must not shift
    report, _ = run(engine, jsonl(tmp_path, grown))
    assert counts(report) == (0, 1, 0, 0)
    assert member_ids(engine, first["household_id"]) == [
        ("m3", "Bayi Putri"), ("m1", "Siti Aminah"), ("m2", "Rudi")]
    report, _ = run(engine, jsonl(tmp_path, grown))
    assert counts(report) == (0, 0, 1, 0)


def test_a_removed_members_id_is_never_reused(engine: Engine, tmp_path: Path) -> None:
    first = without_ids(hh(1))
    run(engine, jsonl(tmp_path, first))
    shrunk = copy.deepcopy(first)
    shrunk["members"].pop()  # Rudi (m2) moves out
    run(engine, jsonl(tmp_path, shrunk))
    regrown = add_member(shrunk, "Ani", "1811014101260001", 1)
    run(engine, jsonl(tmp_path, regrown))
    assert member_ids(engine, first["household_id"]) == [("m1", "Siti Aminah"), ("m3", "Ani")]


def test_member_without_nik_is_matched_by_birth_sex_and_name(
    engine: Engine, tmp_path: Path
) -> None:
    base = add_member(without_ids(hh(1)), "Bayi Putri", None, 2)
    run(engine, jsonl(tmp_path, base))
    later = copy.deepcopy(base)
    later["members"][2]["nik"] = "1811014201260001"  # the baby now has a NIK
    later["members"][2]["name"] = "  bayi   PUTRI "
    later["members"].reverse()
    run(engine, jsonl(tmp_path, later))
    assert dict((name, mid) for mid, name in member_ids(engine, base["household_id"])) == {
        "  bayi   PUTRI ": "m3", "Rudi": "m2", "Siti Aminah": "m1"}


def test_explicit_and_missing_ids_mix(engine: Engine, tmp_path: Path) -> None:
    body = hh(1)
    body["members"][0].pop("member_id")
    body["members"][1]["member_id"] = "m1"
    run(engine, jsonl(tmp_path, body))
    assert member_ids(engine, body["household_id"]) == [("m2", "Siti Aminah"), ("m1", "Rudi")]


# --- bad input -----------------------------------------------------------------------

def test_malformed_json_line_is_rejected_and_the_rest_lands(engine: Engine,
                                                            tmp_path: Path) -> None:
    path = jsonl(tmp_path, hh(1), '{"household_id": "1811012001-000002", "kk_number": ',
                 "", "[1, 2", hh(3))
    report, rejects = run(engine, path)
    assert counts(report) == (2, 0, 0, 2)
    assert [r.line for r in rejects] == [2, 4]
    assert "not valid JSON" in rejects[0].problems[0].message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(desil="3"), "desil"),
        (lambda b: b.update(kk_number=1811010101170003), "kk_number"),
        (lambda b: b["assets"].update(refrigerator=1), "assets.refrigerator"),
        (lambda b: b["assets"].update(motorcycle=1.0), "assets.motorcycle"),
        (lambda b: b["members"][1].update(nik="181101120305000"), "members.1.nik"),
        (lambda b: b["members"][0].update(sex="P"), "members.0.sex"),
        (lambda b: b["housing"].update(floor="marble"), "housing.floor"),
        (lambda b: b["programs"][0].update(program="KIS"), "programs.0.program"),
        (lambda b: b.update(region_code="18.11.01"), "region_code"),
        (lambda b: b.update(version=3), "version"),
        (lambda b: b.update(members=[]), "members"),
        (lambda b: b["members"][1].update(member_id="m1"), "members.1.member_id"),
        (lambda b: b.update(colour="blue"), "colour"),
    ],
)
def test_invalid_household_is_rejected_by_field(engine: Engine, tmp_path: Path, change: Any,
                                                field: str) -> None:
    bad = hh(2)
    change(bad)
    report, rejects = run(engine, jsonl(tmp_path, hh(1), bad, hh(3)))
    assert counts(report) == (2, 0, 0, 1)
    assert problems(rejects) == [(2, field)]
    assert rejects[0].household_id == "1811012001-000002"
    with reading(engine) as conn:
        assert household_store.get(conn, "1811012001-000002") is None
        assert conn.execute(select(func.count()).select_from(members).where(
            members.c.household_id == "1811012001-000002")).scalar_one() == 0


def test_dotted_and_undotted_region_codes_are_stored_undotted(engine: Engine,
                                                              tmp_path: Path) -> None:
    run(engine, jsonl(tmp_path, hh(1, region_code="18.11.01.2001"), hh(2)))
    with reading(engine) as conn:
        regions = conn.execute(select(households.c.region_code)).scalars().all()
    assert regions == ["1811012001", "1811012001"]
    report, _ = run(engine, jsonl(tmp_path, hh(1), hh(2, region_code="18.11.01.2001")))
    assert counts(report) == (0, 0, 2, 0)


def test_duplicate_household_id_second_is_rejected_naming_the_first(engine: Engine,
                                                                    tmp_path: Path) -> None:
    report, rejects = run(engine, jsonl(tmp_path, hh(1), hh(2), hh(1, desil=9)))
    assert counts(report) == (2, 0, 0, 1)
    [reject] = rejects
    assert (reject.line, reject.problems[0].field) == (3, "household_id")
    assert "line 1" in reject.problems[0].message
    with reading(engine) as conn:
        assert household_store.get(conn, "1811012001-000001")["desil"] == 2


def test_duplicates_are_found_across_chunks_and_workers(engine: Engine, tmp_path: Path) -> None:
    bodies = [hh(n) for n in range(1, 40)] + [hh(5)]
    report, rejects = run(engine, jsonl(tmp_path, *bodies), workers=2, chunk_size=7)
    assert counts(report) == (39, 0, 0, 1)
    assert problems(rejects) == [(40, "household_id")]
    assert "line 5" in rejects[0].problems[0].message


def test_pool_and_single_process_agree(engine: Engine, tmp_path: Path) -> None:
    demo = list(generate_households(300, seed=3))
    bad = copy.deepcopy(demo[10])
    bad["members"][0]["nik"] = "123"
    path = jsonl(tmp_path, *demo[:150], "{oops", bad, *demo[150:])
    pooled, pooled_rejects = run(engine, path, workers=2, chunk_size=32)
    assert counts(pooled) == (300, 0, 0, 2)
    single, single_rejects = run(engine, path, workers=0)
    assert counts(single) == (0, 0, 300, 2)
    assert problems(pooled_rejects) == problems(single_rejects) == [
        (151, None), (152, "household_id")]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_is_an_error(engine: Engine, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match="empty"):
        run(engine, path)


def test_csv_with_only_a_header_is_an_error(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(",".join(CSV_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no households"):
        run(engine, path)


def test_not_utf8_names_the_line_and_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    good = json.dumps(hh(1)).encode()
    latin = json.dumps(hh(2, address="Jl. Caf\u00e9")).encode().replace(b"\\u00e9", b"\xe9")
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good + b"\n" + latin + b"\n")
    with pytest.raises(ImportFileError, match="line 2: the file is not UTF-8"):
        run(engine, path)
    assert rows(engine, households) == 0


def test_utf8_with_bom_and_non_ascii_is_fine(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(hh(1, address="Jl. Café"),
                                                 ensure_ascii=False).encode() + b"\n")
    report, _ = run(engine, path)
    assert counts(report) == (1, 0, 0, 0)


@pytest.mark.parametrize("name", ["registry.xlsx", "registry.json", "registry"])
def test_unknown_file_type(engine: Engine, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(json.dumps(hh(1)), encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown file type"):
        run(engine, path)


def test_missing_file(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot read"):
        run(engine, tmp_path / "nowhere.jsonl")


def test_rejects_never_carry_nik_or_names(engine: Engine, tmp_path: Path) -> None:
    bad = hh(1)
    bad["members"][0]["nik"] = "181101450780000"
    bad["members"][1]["name"] = "x" * 101
    bad["members"][1]["sex"] = "Rudi Hartono"
    bad["housing"]["floor"] = "1811011203050001"
    report, rejects = run(engine, jsonl(tmp_path, bad, '{"nik": "1811014507800002" oops'))
    text = repr(rejects)
    for secret in ("181101450780000", "Siti", "Rudi", "1811011203050001", "1811014507800002"):
        assert secret not in text


def broken(*_: Any, **__: Any) -> None:
    raise RuntimeError("disk full")


def index_definitions(engine: Engine) -> list[tuple[str, str]]:
    """Every index of the database by name with its definition (its columns on PostgreSQL),
    and every foreign key (PostgreSQL's bulk load drops them too)."""
    with reading(engine) as conn:
        inspector = inspect(conn)
        tables = inspector.get_table_names()
        indexes = [(index["name"] or "", repr(index["column_names"]))
                   for table in tables for index in inspector.get_indexes(table)]
        keys = [(f"{table}: {key['name'] or ''}", repr((key["constrained_columns"],
                 key["referred_table"], key["referred_columns"], key.get("options"))))
                for table in tables for key in inspector.get_foreign_keys(table)]
    assert keys, "the schema has foreign keys"
    return sorted(indexes + keys)


def test_a_failed_chunk_leaves_nothing_half_imported(engine: Engine, tmp_path: Path,
                                                     monkeypatch: Any) -> None:
    run(engine, jsonl(tmp_path, hh(1), name="first.jsonl"))  # not empty: chunk by chunk
    monkeypatch.setattr(bulk_store.feed, "emit_households", broken)
    with pytest.raises(RuntimeError):
        run(engine, jsonl(tmp_path, hh(2), hh(3)))
    for table, count in ((households, 1), (household_versions, 1), (members, 2), (changes, 1)):
        assert rows(engine, table) == count


def test_a_failed_first_import_leaves_the_registry_empty_and_indexed(
    engine: Engine, tmp_path: Path, monkeypatch: Any
) -> None:
    """An empty registry is loaded in one transaction (SQLite: with its indexes dropped):
    a failure after many chunks were inserted leaves it as it was, indexes and all."""
    indexes = index_definitions(engine)
    monkeypatch.setattr(progress_store, "mark_all", broken)
    monkeypatch.setattr(progress_store, "mark_villages", broken)
    with pytest.raises(RuntimeError):
        run(engine, jsonl(tmp_path, *(hh(n) for n in range(1, 30))), chunk_size=4)
    for table in (households, household_versions, members, changes, progress_marks):
        assert rows(engine, table) == 0
    assert index_definitions(engine) == indexes


def test_a_first_import_stores_what_a_later_one_would(engine: Engine, tmp_path: Path) -> None:
    """The bulk load of an empty registry and the chunk writer store the same rows."""
    demo = list(generate_households(60, seed=9))
    for body in demo[::3]:
        for member in body["members"]:
            member.pop("member_id")  # numbered m1, m2, … in both paths
    indexes = index_definitions(engine)
    run(engine, jsonl(tmp_path, *demo[30:], name="first.jsonl"), chunk_size=7)
    run(engine, jsonl(tmp_path, *demo[:30], name="second.jsonl"), chunk_size=7)
    assert index_definitions(engine) == indexes
    with reading(engine) as conn:
        kept = {r.household_id: r for r in conn.execute(select(households))}
        history = {r.household_id: r for r in conn.execute(select(household_versions))}
        niks = sorted(tuple(r) for r in conn.execute(select(members)))
        feed = sorted(tuple(r[1:]) for r in conn.execute(
            select(changes.c.seq, changes.c.kind, changes.c.entity_id, changes.c.household_id,
                   changes.c.enumerator_id)))
        marked = {r.region_code for r in conn.execute(select(progress_marks.c.region_code))}
        counted = {r.region_code: r.households for r in conn.execute(select(village_progress))}
    assert len(kept) == len(history) == 60
    for hid, row in kept.items():
        body = jsoncol.loads(row.body)
        assert row.body == jsoncol.dumps(body) and row.content_hash == jsoncol.text_hash(row.body)
        assert (row.version, row.verification_state) == (1, "unverified")
        entry = history[hid]
        assert (entry.version, entry.source, entry.actor, entry.body, entry.at) == (
            1, "import", "tester", row.body, row.updated_at)
        assert entry.source_id == ("first.jsonl" if hid in {h["household_id"] for h in demo[30:]}
                                   else "second.jsonl")
    assert niks == sorted((hid, m["member_id"], m["nik"], m["status"])
                          for hid, row in kept.items()
                          for m in jsoncol.loads(row.body)["members"])
    assert {m[1] for m in niks if m[0] == demo[0]["household_id"]} == {
        f"m{n}" for n in range(1, len(demo[0]["members"]) + 1)}
    assert feed == sorted(("household", hid, hid, None) for hid in kept)
    # Every village marked, then recounted by the import itself, not by the next view.
    assert marked == set()
    assert counted == Counter(row.region_code for row in kept.values())


def test_a_first_import_logs_its_changes_in_household_order(engine: Engine,
                                                            tmp_path: Path) -> None:
    """Whatever the file's order, the bulk load logs its households by household_id, as
    the chunk writer does within a chunk: a pull's pages come in a stable order."""
    order = [17, 3, 25, 1, 9, 30, 12, 2, 21, 5]
    run(engine, jsonl(tmp_path, *(hh(n) for n in order)), chunk_size=3)
    with reading(engine) as conn:
        logged = list(conn.execute(select(changes.c.entity_id).order_by(changes.c.seq))
                      .scalars())
    assert logged == [f"1811012001-{n:06d}" for n in sorted(order)]


def test_the_feed_answers_while_a_first_import_is_loading(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """A pull during the bulk load neither waits on its locks nor passes its changes."""
    seen: list[tuple[int, int]] = []
    finish = importer_module.store.finish_empty_load

    def finish_then_look(conn: Any, load: Any, **kw: Any) -> None:
        finish(conn, load, **kw)
        other = make_engine(database_url, lock_timeout=2)
        try:
            with reading(other) as pulling:
                position = feed_store.position(pulling, 0)
                seen.append((position.latest, position.high))
        finally:
            other.dispose()

    monkeypatch.setattr(importer_module.store, "finish_empty_load", finish_then_look)
    run(engine, jsonl(tmp_path, *(hh(n) for n in range(1, 8))), chunk_size=3)
    assert seen == [(0, 0)]
    with reading(engine) as conn:
        assert feed_store.position(conn, 0).high == 7


# --- CSV -------------------------------------------------------------------------------

def csv_file(tmp_path: Path, bodies: list[dict[str, Any]], name: str = "registry.csv") -> Path:
    path = tmp_path / name
    write_member_csv(bodies, path)
    return path


def edit_csv(path: Path, edit: Any) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    edit(table)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)


def test_csv_and_jsonl_of_the_same_households_store_the_same(engine: Engine,
                                                             tmp_path: Path) -> None:
    demo = list(generate_households(120, seed=5))
    write_jsonl(demo, tmp_path / "demo.jsonl")
    report, _ = run(engine, tmp_path / "demo.jsonl")
    assert counts(report) == (120, 0, 0, 0)
    report, _ = run(engine, csv_file(tmp_path, demo))
    assert counts(report) == (0, 0, 120, 0)


def test_csv_programs_and_typed_cells(engine: Engine, tmp_path: Path) -> None:
    body = hh(1, programs=[{"program": "PKH", "since": "2019-03-01"},
                           {"program": "BPNT", "since": "2020-01-15"}])
    body["members"][1]["nik"] = None
    run(engine, csv_file(tmp_path, [body]))
    with reading(engine) as conn:
        stored = household_store.get(conn, body["household_id"])
    assert stored["programs"] == body["programs"]
    assert stored["assets"] == body["assets"] and stored["members"][1]["nik"] is None
    assert parse_programs(" PKH:2019-03-01 ; ;BPNT:2020-01-15") == body["programs"]


def test_csv_household_columns_disagreeing_rejects_the_whole_household(
    engine: Engine, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, [hh(1), hh(2), hh(3)])

    def edit(table: list[list[str]]) -> None:
        floor = table[0].index("housing.floor")
        table[4][floor] = "ceramic"  # second member row of household 2 (line 5)

    edit_csv(path, edit)
    report, rejects = run(engine, path)
    assert counts(report) == (2, 0, 0, 1)
    assert problems(rejects) == [(5, "housing.floor")]
    assert "line 4" in rejects[0].problems[0].message
    with reading(engine) as conn:
        assert household_store.get(conn, "1811012001-000002") is None


def test_csv_member_errors_name_the_members_own_line(engine: Engine, tmp_path: Path) -> None:
    bad = hh(2)
    bad["members"][1]["nik"] = "181101120305000"
    report, rejects = run(engine, csv_file(tmp_path, [hh(1), bad]))
    assert problems(rejects) == [(5, "members.1.nik")]


def test_csv_rows_without_member_id_column(engine: Engine, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [hh(1)])

    def drop(table: list[list[str]]) -> None:
        index = table[0].index("member_id")
        for row in table:
            del row[index]

    edit_csv(path, drop)
    run(engine, path)
    assert member_ids(engine, "1811012001-000001") == [("m1", "Siti Aminah"), ("m2", "Rudi")]
    report, _ = run(engine, path)
    assert counts(report) == (0, 0, 1, 0)


def test_csv_wrong_width_row_rejects_its_household(engine: Engine, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [hh(1), hh(2)])
    edit_csv(path, lambda table: table[2].pop())
    report, rejects = run(engine, path)
    assert counts(report) == (1, 0, 0, 1)
    assert rejects[0].household_id == "1811012001-000001"
    assert "cells" in rejects[0].problems[0].message


def test_csv_bad_cells_reach_the_schema(engine: Engine, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [hh(1)])

    def edit(table: list[list[str]]) -> None:
        header = table[0]
        for row in table[1:]:
            row[header.index("desil")] = "tiga"
            row[header.index("assets.refrigerator")] = "ya"
            row[header.index("region_code")] = "18.11.01.2001"

    edit_csv(path, edit)
    report, rejects = run(engine, path)
    assert sorted({p[1] for p in problems(rejects)}) == ["assets.refrigerator", "desil"]


def test_csv_repeated_household_later_in_the_file_is_a_duplicate(engine: Engine,
                                                                 tmp_path: Path) -> None:
    path = csv_file(tmp_path, [hh(1), hh(2), hh(1)])
    report, rejects = run(engine, path)
    assert counts(report) == (2, 0, 0, 1)
    assert problems(rejects) == [(6, "household_id")]


@pytest.mark.parametrize(
    ("header", "match"),
    [(["household_id", "colour"], "unknown column"),
     (["kk_number", "region_code"], "no household_id"),
     (["household_id", "household_id"], "named twice"),
     (["household_id", "version"], "unknown column")],
)
def test_csv_bad_header_stops_before_anything_is_stored(engine: Engine, tmp_path: Path,
                                                        header: list[str], match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(",".join(header) + "\n" + ",".join(["x"] * len(header)) + "\n",
                    encoding="utf-8")
    with pytest.raises(ImportFileError, match=match):
        run(engine, path)
    assert rows(engine, households) == 0


def test_progress_reaches_the_last_line(engine: Engine, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    import_registry(engine, jsonl(tmp_path, *[hh(n) for n in range(1, 8)]), actor="t",
                    on_progress=lambda done, total: seen.append((done, total)), chunk_size=3)
    assert seen == [(3, 7), (6, 7), (7, 7)]


# --- the documented examples ---------------------------------------------------------

def doc_block(language: str) -> str:
    text = (Path(__file__).resolve().parents[3] / "docs" / "data-shapes.md").read_text(
        encoding="utf-8")
    return text.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_documented_examples_import_alike(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "doc.jsonl").write_text(doc_block("json"), encoding="utf-8")
    (tmp_path / "doc.csv").write_text(doc_block("csv"), encoding="utf-8")
    report, rejects = run(engine, tmp_path / "doc.jsonl")
    assert counts(report) == (1, 0, 0, 0), rejects
    report, rejects = run(engine, tmp_path / "doc.csv")
    assert counts(report) == (0, 0, 1, 0), rejects
    assert member_ids(engine, "1811012001-000017") == [("m1", "Siti Aminah"), ("m2", "Putri")]


def test_a_first_import_leaves_the_planner_its_row_counts(engine: Engine, tmp_path: Path) -> None:
    """PostgreSQL: a table filled in one transaction looks empty to the planner until
    autovacuum comes round (a first pull then walked the whole change log); the import
    gathers the statistics itself."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    run(engine, jsonl(tmp_path, *(hh(n) for n in range(1, 13))))
    with reading(engine) as conn:
        counted = dict(conn.exec_driver_sql(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('households', 'changes', 'members', 'household_versions')").all())
    assert counted == {"households": 12, "changes": 12, "household_versions": 12,
                       "members": rows(engine, members)}
