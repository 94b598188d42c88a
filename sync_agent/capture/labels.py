"""What the enumerator reads on the form: the words of `schemas.labels`, arranged for it.

The form shows the Indonesian as is; the supervisor pages show the same words.
"""

from __future__ import annotations

from schemas import enums
from schemas.labels import (
    DISABILITY,
    EDUCATION,
    FIELD,
    LOCK,
    MARITAL_STATUS,
    MEMBER_STATUS,
    OUTBOX,
    OUTCOME,
    PHOTO_KIND,
    PROGRAM,
    RELATIONSHIP,
    SEX,
    VALUES,
)
from schemas.labels import VERIFICATION_STATE as VERIFICATION
from schemas.shape import HOUSING_FIELDS

__all__ = [
    "ASSET_COUNTS", "DISABILITY", "EDUCATION", "FIELD", "HOUSING", "LOCK", "MARITAL_STATUS",
    "MEMBER_STATUS", "OUTBOX", "OUTCOME", "PHOTO_KIND", "PROGRAM", "RELATIONSHIP", "SEX",
    "VERIFICATION",
    "missing_words",
]

# The housing questions with choices, in the schema's order: (field name, its words).
HOUSING = {name: (FIELD[name], VALUES[name]) for name in HOUSING_FIELDS if name in VALUES}
# The numeric asset inputs; counts say their unit, as areas do.
ASSET_COUNTS = {"motorcycle": f"{FIELD['motorcycle']} (unit)",
                "car": f"{FIELD['car']} (unit)", "land_m2": FIELD["land_m2"]}

# Sanity: every code of the contract has words (checked by the tests too).
_PAIRS = [
    (enums.OUTCOME, OUTCOME), (enums.PHOTO_KIND, PHOTO_KIND), (enums.SEX, SEX), (enums.RELATIONSHIP, RELATIONSHIP),
    (enums.MARITAL_STATUS, MARITAL_STATUS), (enums.EDUCATION, EDUCATION),
    (enums.DISABILITY, DISABILITY), (enums.MEMBER_STATUS, MEMBER_STATUS),
    (enums.OWNERSHIP, VALUES["ownership"]), (enums.FLOOR, VALUES["floor"]),
    (enums.WALL, VALUES["wall"]), (enums.ROOF, VALUES["roof"]),
    (enums.WATER_SOURCE, VALUES["water_source"]), (enums.LIGHTING, VALUES["lighting"]),
    (enums.COOKING_FUEL, VALUES["cooking_fuel"]), (enums.TOILET, VALUES["toilet"]),
    (enums.PROGRAM, PROGRAM), (enums.VERIFICATION_STATE, VERIFICATION),
]


def missing_words() -> list[str]:
    """Codes without a label; empty when this module is complete."""
    return [code for codes, words in _PAIRS for code in codes if code not in words]
