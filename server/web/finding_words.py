"""A finding's message in the reader's language, built from its rule and values when shown.

The store keeps each flag's message as the rules wrote it, in Bahasa Indonesia, and the
API serves that text as the contract fixes it. The pages instead rebuild the sentence
from the rule, the place and the stored values through the catalogue, so English mode
reads English; the Indonesian msgids are the rules' own sentences, so Indonesian pages
read exactly what was stored. Where the values do not decide between a rule's sentences
(a conflict with the registry or with another visit; which NIK digits disagree), the
stored text names the variant. A flag neither can rebuild keeps its stored text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from schemas.labels import MEMBER, PROGRAM
from server.reconcile.fields import PathError, parse_path
from server.reconcile.rules.codes import kk_problem, nik_problem
from server.reconcile.rules.context import RuleContext
from server.reconcile.rules.graduation_due import (
    GRADUATING_PROGRAMS,
    YEARS_OF_PROTECTION,
    programs_due,
)
from server.reconcile.rules.ineligible_desil import DESIL_CUTOFF
from server.web.labels import FIELD_LABELS, label

Flag = Mapping[str, Any]

# Why a NIK or KK number cannot have been issued: `codes.nik_problem`'s words, and "kosong".
_PROBLEMS = {
    "bukan 16 angka": _l("bukan 16 angka"),
    "kode provinsi tidak dikenal": _l("kode provinsi tidak dikenal"),
    "bulan lahir tidak valid": _l("bulan lahir tidak valid"),
    "tanggal lahir tidak valid": _l("tanggal lahir tidak valid"),
    "kosong": _l("kosong"),
}

_REMOVED = {
    "deceased": _l("Anggota keluarga dilaporkan meninggal."),
    "moved_out": _l("Anggota keluarga dilaporkan pindah."),
    None: _l("Anggota keluarga tidak tercantum di data lapangan."),
}

_NOT_FOUND = {
    "not_found": _l("Keluarga tidak ditemukan di alamat."),
    "moved": _l("Keluarga dilaporkan pindah dari alamat."),
}

# Sentences whose variant the values cannot tell: the stored text is one of these.
_BY_STORED_TEXT = {
    "NIK_MISMATCH": {
        "Tanggal lahir tidak sesuai dengan NIK.": _l("Tanggal lahir tidak sesuai dengan NIK."),
        "Jenis kelamin tidak sesuai dengan NIK.": _l("Jenis kelamin tidak sesuai dengan NIK."),
        "Tanggal lahir dan jenis kelamin tidak sesuai dengan NIK.":
            _l("Tanggal lahir dan jenis kelamin tidak sesuai dengan NIK."),
    },
    "DECEASED_RECEIVING_AID": {
        "Keluarga penerima bantuan tidak ditemukan di alamat.":
            _l("Keluarga penerima bantuan tidak ditemukan di alamat."),
        "Penerima bantuan: satu-satunya anggota keluarga meninggal.":
            _l("Penerima bantuan: satu-satunya anggota keluarga meninggal."),
        "Penerima bantuan: Kepala Keluarga meninggal.":
            _l("Penerima bantuan: Kepala Keluarga meninggal."),
    },
}


def finding_message(flag: Flag) -> str:
    """The flag's message in the page's language; its stored text when it cannot be rebuilt."""
    stored = str(flag.get("message") or "")
    build = _BUILDERS.get(str(flag.get("rule") or ""))
    if build is None:
        return stored
    try:
        built = build(flag, stored)
    except (PathError, KeyError, TypeError, ValueError):
        built = None
    return stored if built is None else str(built)


def _examined(flag: Flag) -> Any:
    """The value a data-quality rule looked at: the field's on a visit, else the registry's."""
    return flag.get("field_value") if flag.get("survey_id") else flag.get("registry_value")


def _place(path: str | None) -> str | None:
    """`members[m1].occupation` → "Pekerjaan anggota keluarga", in the page's language."""
    if not path:
        return None
    place = parse_path(path)
    if place.kind != "member":
        return label(FIELD_LABELS, place.field) if place.field else None
    if place.field is None:
        return _(MEMBER)
    return _("%(field)s anggota keluarga", field=label(FIELD_LABELS, place.field))


def _field_changed(flag: Flag, stored: str) -> str | None:
    place = _place(flag.get("path"))
    return None if place is None else _("Data lapangan berbeda dengan DTSEN: %(place)s.",
                                         place=place)


def _member_added(flag: Flag, stored: str) -> str:
    return _("Anggota keluarga baru ditemukan di lapangan.")


def _member_removed(flag: Flag, stored: str) -> str:
    status = flag.get("field_value")
    return str(_REMOVED.get(status if isinstance(status, str) else None, _REMOVED[None]))


def _conflict(flag: Flag, stored: str) -> str | None:
    place = _place(flag.get("path"))
    if place is None:
        return None
    if "kunjungan lain" in stored:
        return _("Konflik data: %(place)s berbeda dengan kunjungan lain yang belum diputuskan.",
                 place=place)
    return _("Konflik data: %(place)s di DTSEN berubah sejak versi yang dilihat petugas.",
             place=place)


def _not_found(flag: Flag, stored: str) -> str | None:
    words = _NOT_FOUND.get(str(flag.get("field_value")))
    return None if words is None else str(words)


def _new_household(flag: Flag, stored: str) -> str:
    return _("Usulan baru: keluarga belum ada di DTSEN.")


def _nik_invalid(flag: Flag, stored: str) -> str | None:
    nik = _examined(flag)
    problem = nik_problem(nik) if isinstance(nik, str) else None
    return None if problem is None else _("NIK tidak valid: %(problem)s.",
                                          problem=_PROBLEMS[problem])


def _by_stored_text(flag: Flag, stored: str) -> str | None:
    words = _BY_STORED_TEXT[flag["rule"]].get(stored)
    return None if words is None else str(words)


def _nik_duplicate(flag: Flag, stored: str) -> str | None:
    holders = flag.get("other_value")
    if not isinstance(holders, list) or not holders:
        return None
    own = flag.get("household_id")
    here = any(h.get("household_id") == own for h in holders)
    outside = any(h.get("household_id") != own for h in holders)
    if here and outside:
        return _("NIK sama dengan anggota lain dalam keluarga ini dan di keluarga lain.")
    if here:
        return _("NIK sama dengan anggota lain dalam keluarga ini.")
    return _("NIK juga tercatat di keluarga lain.")


def _kk_invalid(flag: Flag, stored: str) -> str | None:
    kk_number = _examined(flag)
    if kk_number is not None and not isinstance(kk_number, str):
        return None
    problem = kk_problem(kk_number)
    if problem is None:
        return None
    return _("Nomor KK tidak valid: %(problem)s.", problem=_PROBLEMS[problem])


def _head_missing(flag: Flag, stored: str) -> str | None:
    heads = _examined(flag)
    if not isinstance(heads, int) or heads == 1:
        return None
    if heads == 0:
        return _("Tidak ada Kepala Keluarga di antara anggota yang tinggal bersama.")
    return _("Lebih dari satu Kepala Keluarga.")


def _graduation_due(flag: Flag, stored: str) -> str | None:
    """The programs due, as the stored text names them (counted to the visit date), else
    counted from the stored program list to the day the finding was raised."""
    named = stored.partition(" sudah ")[0]
    due = sorted(p for p in GRADUATING_PROGRAMS if p in named) or _due_by_dates(flag)
    if not due:
        return None
    programs = due[0] if len(due) == 1 else _("%(first)s dan %(second)s",
                                              first=due[0], second=due[1])
    return _("Waktunya Graduasi: %(programs)s sudah 5 tahun atau lebih, tanpa lansia atau "
             "penyandang disabilitas.", programs=programs)


def _due_by_dates(flag: Flag) -> list[str]:
    programs, raised = _examined(flag), str(flag.get("created_at") or "")[:10]
    if not isinstance(programs, list) or not raised:
        return []
    as_of = RuleContext(as_of=date.fromisoformat(raised))
    return programs_due(programs, as_of.years_ago(YEARS_OF_PROTECTION))


def _ineligible_desil(flag: Flag, stored: str) -> str | None:
    """The desil is stored; the programs concerned only in the stored text, by name."""
    desil = _examined(flag)
    if not isinstance(desil, int):
        return None
    over = [_("%(program)s (desil 1–%(cutoff)s)", program=PROGRAM.get(program, program),
              cutoff=cutoff)
            for program, cutoff in sorted(DESIL_CUTOFF.items())
            if desil > cutoff and f"{PROGRAM.get(program, program)} (desil 1–" in stored]
    if not over:
        return None
    return _("Desil di atas batas program: %(programs)s.", programs=", ".join(over))


def _region_unknown(flag: Flag, stored: str) -> str:
    return _("Kode wilayah tidak ada dalam daftar desa/kelurahan Kemendagri.")


_BUILDERS: dict[str, Callable[[Flag, str], Any]] = {
    "FIELD_CHANGED": _field_changed,
    "MEMBER_ADDED": _member_added,
    "MEMBER_REMOVED": _member_removed,
    "CONFLICT": _conflict,
    "HOUSEHOLD_NOT_FOUND": _not_found,
    "NEW_HOUSEHOLD": _new_household,
    "NIK_INVALID": _nik_invalid,
    "NIK_MISMATCH": _by_stored_text,
    "NIK_DUPLICATE": _nik_duplicate,
    "KK_INVALID": _kk_invalid,
    "HEAD_MISSING": _head_missing,
    "DECEASED_RECEIVING_AID": _by_stored_text,
    "GRADUATION_DUE": _graduation_due,
    "INELIGIBLE_DESIL": _ineligible_desil,
    "REGION_UNKNOWN": _region_unknown,
}
