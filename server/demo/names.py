"""Who the demo regency's people are: names, schooling, work and answer tables.

`server.demo.data` builds households; this module holds the vocabulary it draws from
and `Draws`, the fast drawing helpers it builds on.

Mesuji is settled by Lampung and Ogan families and by Javanese transmigrants, so the
lists mix Javanese single names, common Muslim given names and a few Lampung-flavoured
ones. Most Indonesians carry no family name; the "second names" below are the common
ones people add, and are used for part of the population only.

Weighted answers are kept as tables with each value repeated by its weight, so the
generator draws with one `random()` call: 100,000 households must take seconds.
"""


from __future__ import annotations

import random
from typing import Any


def _table(values: tuple, weights: tuple[int, ...]) -> tuple:
    return tuple(value for value, weight in zip(values, weights, strict=True)
                 for _ in range(weight))


MALE_GIVEN: tuple[str, ...] = (
    "Ahmad", "Muhammad", "Agus", "Budi", "Slamet", "Sutrisno", "Suparman", "Sugiyono",
    "Joko", "Bambang", "Hendra", "Rudi", "Wahyu", "Eko", "Dedi", "Andi", "Yusuf",
    "Ridwan", "Samsul", "Rohman", "Sukardi", "Paijo", "Tukiman", "Darmawan", "Heri",
    "Imam", "Irfan", "Rizki", "Fajar", "Dimas", "Bayu", "Arif", "Hasan", "Husin",
    "Zainal", "Syahrul", "Marwan", "Sarnubi", "Hamdan", "Ismail", "Nurdin", "Rusli",
    "Suryadi", "Kusnadi", "Mulyadi", "Wagiman", "Sardi", "Tarmizi", "Herman", "Yanto",
    "Aditya", "Rafi", "Alif", "Farhan", "Galang", "Raka", "Dafa", "Kevin",
)

FEMALE_GIVEN: tuple[str, ...] = (
    "Siti", "Sri", "Dewi", "Nur", "Ani", "Yuni", "Sumiati", "Suparti", "Sulastri",
    "Ponirah", "Tumini", "Wartini", "Sukini", "Murni", "Rohani", "Aminah", "Fatimah",
    "Khadijah", "Halimah", "Maryam", "Rahmah", "Nurhayati", "Suryani", "Mulyani",
    "Kartini", "Lestari", "Ratna", "Rina", "Wati", "Yanti", "Eka", "Indah", "Fitri",
    "Putri", "Nadia", "Aisyah", "Zahra", "Salsa", "Anisa", "Dinda", "Intan", "Ayu",
    "Juleha", "Masitoh", "Rosidah", "Saidah", "Marlina", "Erna", "Darsih", "Tarsini",
)

MALE_SECOND: tuple[str, ...] = (
    "Saputra", "Setiawan", "Hidayat", "Kurniawan", "Pratama", "Wijaya", "Susanto",
    "Santoso", "Gunawan", "Nugroho", "Firmansyah", "Hakim", "Ramadhan", "Maulana",
    "Syahputra", "Efendi", "Aripin", "Basri", "Hasyim", "Fauzi", "Rahman", "Prasetyo",
)

FEMALE_SECOND: tuple[str, ...] = (
    "Saputri", "Lestari", "Wahyuni", "Rahmawati", "Handayani", "Susanti", "Kurniasih",
    "Anggraini", "Puspita", "Aminah", "Ningsih", "Maryati", "Safitri", "Purnamasari",
    "Yulianti", "Hasanah", "Zubaidah", "Khoiriyah", "Astuti", "Utami",
)

#: Adult work, weighted towards the oil-palm and rice economy of the regency.
MALE_OCCUPATIONS: tuple[str, ...] = (
    "buruh tani", "buruh tani", "buruh tani", "petani", "petani", "buruh sawit",
    "buruh sawit", "buruh harian lepas", "pedagang", "nelayan", "tukang bangunan",
    "sopir", "wiraswasta", "ojek", "karyawan swasta", "belum bekerja",
)

FEMALE_OCCUPATIONS: tuple[str, ...] = (
    "ibu rumah tangga", "ibu rumah tangga", "ibu rumah tangga", "ibu rumah tangga",
    "buruh tani", "buruh tani", "petani", "pedagang", "buruh sawit", "penjahit",
    "buruh harian lepas", "belum bekerja",
)

ELDERLY_OCCUPATIONS: tuple[str, ...] = ("tidak bekerja", "tidak bekerja", "petani", "buruh tani")

#: Dusun names as they appear in addresses ("Dusun II RT 002 RW 001").
DUSUN: tuple[str, ...] = ("I", "II", "III", "IV", "V", "VI")

#: Housing answers per welfare band (desil 1-3, 4-6, 7-10): values, then their weights
#: in each band. Poorer households more often have earth floors, wood fuel, no toilet.
_HOUSING_WEIGHTS: dict[str, tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]] = {
    "ownership": (("own", "rent", "rent_free", "official", "other"),
                  ((74, 5, 16, 0, 5), (80, 8, 9, 1, 2), (84, 10, 3, 2, 1))),
    "floor": (("ceramic", "tile", "wood", "cement", "bamboo", "earth", "other"),
              ((4, 3, 28, 33, 6, 25, 1), (25, 8, 20, 38, 2, 6, 1), (70, 8, 5, 16, 0, 0, 1))),
    "wall": (("brick", "wood", "bamboo", "other"),
             ((25, 52, 20, 3), (60, 35, 4, 1), (92, 7, 0, 1))),
    "roof": (("concrete", "tile", "zinc", "asbestos", "thatch", "other"),
             ((0, 8, 62, 18, 11, 1), (1, 22, 52, 23, 1, 1), (6, 40, 32, 22, 0, 0))),
    "water_source": (("piped", "protected_well", "unprotected_well", "spring", "river",
                      "rain", "bottled", "other"),
                     ((2, 38, 30, 4, 12, 6, 6, 2), (6, 50, 12, 2, 3, 2, 24, 1),
                      (14, 40, 3, 1, 0, 1, 41, 0))),
    "lighting": (("pln_meter", "pln_no_meter", "non_pln", "none"),
                 ((38, 42, 17, 3), (78, 18, 4, 0), (97, 3, 0, 0))),
    "cooking_fuel": (("electricity", "lpg", "kerosene", "wood", "charcoal", "other", "none"),
                     ((0, 45, 3, 49, 1, 1, 1), (1, 80, 2, 16, 1, 0, 0), (4, 93, 0, 3, 0, 0, 0))),
    "toilet": (("own", "shared", "public", "none"),
               ((55, 18, 5, 22), (85, 9, 2, 4), (98, 2, 0, 0))),
}
HOUSING_TABLES: dict[str, tuple[tuple, ...]] = {
    field: tuple(_table(values, band) for band in bands)
    for field, (values, bands) in _HOUSING_WEIGHTS.items()}

#: Motorcycles owned (0-3) per welfare band.
MOTORCYCLE_TABLES = tuple(_table((0, 1, 2, 3), band) for band in (
    (40, 48, 10, 2), (15, 55, 25, 5), (5, 40, 40, 15)))

#: Desil 1..10 then unknown; the extract is mostly the poorer half.
DESIL_TABLE = _table((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None), (22, 20, 17, 13, 10, 6, 4, 3, 2, 1, 2))

#: Highest education of adults by birth cohort: before 1960, 1960-79, 1980 on.
EDUCATION_TABLES = tuple(_table(("none", "sd", "smp", "sma", "diploma", "university"), band)
                         for band in ((35, 50, 10, 5, 0, 0), (10, 50, 22, 16, 1, 1),
                                      (3, 25, 30, 35, 3, 4)))

#: Children a mother has had (not all still on the card).
CHILDREN_TABLE = _table((0, 1, 2, 3, 4, 5), (8, 20, 30, 24, 12, 6))

#: Farm land in m2: most own none; a quarter-hectare to two hectares of rice or oil palm.
LAND_TABLE = _table((0, 1000, 2500, 5000, 10000, 20000), (11, 1, 2, 2, 2, 2))

DISABILITY_TABLE = _table(("physical", "sensory", "intellectual", "mental", "multiple"),
                          (3, 2, 1, 1, 1))


class Draws:
    """Weighted draws on one random stream, one `random()` call each (no `choices`)."""

    def __init__(self, rng: random.Random) -> None:
        self.rnd = rng.random

    def pick(self, table: tuple | list | str) -> Any:
        return table[int(self.rnd() * len(table))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rnd() * (high - low + 1))

    def name(self, sex: str) -> str:
        """A given name, and for about half the people a second name."""
        male = sex == "M"
        given = self.pick(MALE_GIVEN if male else FEMALE_GIVEN)
        if self.rnd() < 0.55:
            return given + " " + self.pick(MALE_SECOND if male else FEMALE_SECOND)
        return given

    def education(self, age: float, born_year: int) -> str:
        """Highest level completed: pupils count what they finished; elders went less."""
        if age < 13:
            return "none"
        if age < 19:
            return "sd" if age < 16 else "smp"
        return self.pick(EDUCATION_TABLES[0 if born_year < 1960 else 1 if born_year < 1980 else 2])

    def occupation(self, age: float, sex: str, relationship: str) -> str:
        if age < 6:
            return "belum bekerja"
        if age < 16 or (age < 19 and self.rnd() < 0.8):
            return "pelajar"
        if age >= 65:
            return self.pick(ELDERLY_OCCUPATIONS)
        if sex == "M":
            return self.pick(MALE_OCCUPATIONS)
        job = self.pick(FEMALE_OCCUPATIONS)
        return "buruh tani" if job == "ibu rumah tangga" and relationship == "head" else job

    def disability(self, age: float) -> str:
        """A few percent of people, more among the elderly."""
        return self.pick(DISABILITY_TABLE) if self.rnd() < (0.09 if age >= 60 else 0.025) else "none"
