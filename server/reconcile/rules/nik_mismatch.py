"""NIK_MISMATCH: the birth date or sex written into a NIK disagrees with the member's.

Source: NIK digits 7–12 are the birth date as DDMMYY, with 40 added to the day for
women. A disagreement means either the NIK belongs to someone else or the recorded
birth date is wrong — and the birth date decides who counts as elderly or as a child.
Only plausible NIKs are compared; the others are NIK_INVALID's.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.fields import member_path
from server.reconcile.rules.codes import FEMALE_DAY_OFFSET, PLAUSIBLE_NIK
from server.reconcile.rules.context import RuleContext

RULE = "NIK_MISMATCH"

_FEMALE_DAY = {f"{day:02d}": f"{day + FEMALE_DAY_OFFSET:02d}" for day in range(1, 32)}

_MESSAGES = {
    (True, False): "Tanggal lahir tidak sesuai dengan NIK.",
    (False, True): "Jenis kelamin tidak sesuai dengan NIK.",
    (True, True): "Tanggal lahir dan jenis kelamin tidak sesuai dengan NIK.",
}


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    drafts: list[FlagDraft] = []
    for member in household.get("members") or ():
        nik = member.get("nik")
        if nik is None:
            continue
        birth_date, sex = member.get("birth_date"), member.get("sex")
        if birth_date and sex and nik[6:12] == encoded_date(birth_date, sex):
            continue  # the common case, decided without parsing
        if not PLAUSIBLE_NIK.fullmatch(nik):
            continue
        date_wrong, sex_wrong = mismatch(nik, birth_date, sex)
        if date_wrong or sex_wrong:
            drafts.append(make_draft(RULE, member_path(member["member_id"], "nik"),
                                     _MESSAGES[date_wrong, sex_wrong], registry_value=nik))
    return drafts


def encoded_date(birth_date: str, sex: str) -> str:
    """The DDMMYY a NIK should carry for this birth date and sex."""
    day = birth_date[8:10]
    if sex == "F":
        day = _FEMALE_DAY.get(day, day)
    return day + birth_date[5:7] + birth_date[2:4]


def mismatch(nik: str, birth_date: str | None, sex: str | None) -> tuple[bool, bool]:
    """(birth date disagrees, sex disagrees); an unknown birth date or sex never disagrees."""
    day = int(nik[6:8])
    female = day > FEMALE_DAY_OFFSET
    if female:
        day -= FEMALE_DAY_OFFSET
    sex_wrong = sex is not None and (sex == "F") != female
    date_wrong = bool(birth_date and (
        f"{day:02d}" != birth_date[8:10]
        or nik[8:10] != birth_date[5:7]
        or nik[10:12] != birth_date[2:4]
    ))
    return date_wrong, sex_wrong
