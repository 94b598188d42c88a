"""Hypothesis strategies: random households in the contract's shape and edits to them."""

from __future__ import annotations

import copy
import random
from datetime import date
from typing import Any

from hypothesis import strategies as st
from reconcile_builders import make_nik

from server.reconcile import set_at

HOUSING_CHOICES = {
    "ownership": ("own", "rent", "rent_free", "official", "other"),
    "floor": ("ceramic", "tile", "wood", "cement", "bamboo", "earth", "other"),
    "wall": ("brick", "wood", "bamboo", "other"),
    "roof": ("concrete", "tile", "zinc", "asbestos", "thatch", "other"),
    "water_source": ("piped", "protected_well", "unprotected_well", "spring", "river"),
    "lighting": ("pln_meter", "pln_no_meter", "non_pln", "none"),
    "cooking_fuel": ("electricity", "lpg", "kerosene", "wood", "charcoal"),
    "toilet": ("own", "shared", "public", "none"),
}
ASSET_VALUES = {"motorcycle": st.integers(0, 3), "car": st.integers(0, 2),
                "refrigerator": st.booleans(), "land_m2": st.integers(0, 5000)}
PROGRAMS = ("PKH", "BPNT", "PBI_JK", "BLT")
OCCUPATIONS = ("buruh tani", "petani", "pedagang", "nelayan", "ibu rumah tangga", None)
ADDRESSES = ("Dusun I RT 001", "Dusun II RT 002 RW 001", "Jl. Lintas Timur Km 5")

names = st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["Siti", "Budi", "Nur", "Wayan"]),
                  st.text("QXZJKV", min_size=5, max_size=8))
iso_dates = st.dates(date(1930, 1, 1), date(2026, 11, 1)).map(date.isoformat)
statuses = st.sampled_from(("alive", "alive", "alive", "deceased", "moved_out"))


@st.composite
def members(draw: st.DrawFn, member_id: str, relationship: str) -> dict[str, Any]:
    sex = draw(st.sampled_from("MF"))
    birth_date = draw(iso_dates)
    nik = draw(st.one_of(
        st.none(),
        st.integers(0, 9999).map(lambda serial: make_nik(birth_date, sex, serial=serial)),
        st.from_regex(r"[0-9]{16}", fullmatch=True),
    ))
    return {
        "member_id": member_id, "nik": nik, "name": draw(names), "sex": sex,
        "birth_date": birth_date, "relationship": relationship,
        "marital_status": draw(st.sampled_from(("single", "married", "divorced", "widowed"))),
        "education": draw(st.sampled_from(("none", "sd", "smp", "sma", None))),
        "occupation": draw(st.sampled_from(OCCUPATIONS)),
        "disability": draw(st.sampled_from(("none", "none", "none", "physical"))),
        "status": draw(statuses),
    }


@st.composite
def programs(draw: st.DrawFn) -> list[dict[str, str]]:
    chosen = draw(st.lists(st.sampled_from(PROGRAMS), unique=True, max_size=3))
    return [{"program": p, "since": draw(st.dates(date(2012, 1, 1), date(2026, 1, 1))
                                         .map(date.isoformat))} for p in chosen]


@st.composite
def households(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    people = [draw(members(f"m{i + 1}", "head" if i == 0 else "child")) for i in range(count)]
    housing = {f: draw(st.one_of(st.none(), st.sampled_from(choices)))
               for f, choices in HOUSING_CHOICES.items() if draw(st.booleans())}
    assets = {f: draw(values) for f, values in ASSET_VALUES.items() if draw(st.booleans())}
    return {
        "household_id": "1811012001-000017",
        "kk_number": draw(st.from_regex(r"18[0-9]{14}", fullmatch=True)),
        "region_code": "1811012001",
        "address": draw(st.sampled_from(ADDRESSES)),
        "desil": draw(st.one_of(st.none(), st.integers(1, 10))),
        "housing": housing,
        "assets": assets,
        "programs": draw(programs()),
        "members": people,
        "version": 1,
    }


@st.composite
def edits(draw: st.DrawFn, subject: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """Changes keyed by the place they touch; every change under one member is one place."""
    places: dict[str, list[tuple[str, Any]]] = {}
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(("address", "desil", "housing", "assets", "programs",
                                     "member", "add")))
        if kind == "address":
            places["address"] = [("address", draw(st.sampled_from(ADDRESSES)))]
        elif kind == "desil":
            places["desil"] = [("desil", draw(st.integers(1, 10)))]
        elif kind == "housing":
            field = draw(st.sampled_from(sorted(HOUSING_CHOICES)))
            value = draw(st.sampled_from(HOUSING_CHOICES[field]))
            places[f"housing.{field}"] = [(f"housing.{field}", value)]
        elif kind == "assets":
            field = draw(st.sampled_from(sorted(ASSET_VALUES)))
            places[f"assets.{field}"] = [(f"assets.{field}", draw(ASSET_VALUES[field]))]
        elif kind == "programs":
            places["programs"] = [("programs", draw(programs()))]
        elif kind == "member":
            target = draw(st.sampled_from([m["member_id"] for m in subject["members"]]))
            key = f"members[{target}]"
            change = draw(st.sampled_from(("remove", "status", "occupation", "education")))
            if change == "remove":
                places[key] = [(key, None)]
            elif change == "status":
                places[key] = [(f"{key}.status", draw(statuses))]
            elif change == "occupation":
                places[key] = [(f"{key}.occupation", draw(st.sampled_from(OCCUPATIONS[:-1])))]
            else:
                places[key] = [(f"{key}.education", draw(st.sampled_from(("sd", "smp", "sma"))))]
        else:
            new_id = f"new-{draw(st.integers(0, 10**6))}"
            places[f"members[{new_id}]"] = [(f"members[{new_id}]",
                                             draw(members(new_id, "grandchild")))]
    return places


def apply_edits(subject: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    for path, value in changes:
        subject = set_at(subject, path, value)
    return subject


def noisy_copy(subject: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same facts written differently: spacing, case, order, absent for unknown."""
    copied = copy.deepcopy(subject)
    copied.pop("version", None)

    def scramble(text: str) -> str:
        words = [w.upper() if rng.random() < 0.5 else w for w in text.split()]
        return "  " + "   ".join(words) + "\t"

    copied["address"] = scramble(copied["address"])
    for person in copied["members"]:
        person["name"] = scramble(person["name"])
        if person.get("occupation"):
            person["occupation"] = scramble(person["occupation"])
        if person.get("disability") == "none" and rng.random() < 0.5:
            del person["disability"]
    rng.shuffle(copied["members"])
    rng.shuffle(copied["programs"])
    copied["housing"] = {k: v for k, v in copied["housing"].items() if v is not None}
    return copied
