"""INELIGIBLE_DESIL: PKH cut-off desil 1–4; BPNT and PBI-JK desil 1–5."""

from __future__ import annotations

import pytest
from reconcile_builders import ctx, household

from server.reconcile.rules import ineligible_desil


def check(desil, *programs: str) -> list:
    enrolled = [{"program": p, "since": "2022-01-01"} for p in programs]
    return ineligible_desil.check(household(desil=desil, programs=enrolled), ctx())


@pytest.mark.parametrize("desil, programs, flagged", [
    (4, ("PKH",), False),
    (5, ("PKH",), True),
    (5, ("BPNT",), False),
    (6, ("BPNT",), True),
    (5, ("PBI_JK",), False),
    (6, ("PBI_JK",), True),
    (10, ("BLT",), False),
    (10, (), False),
    (1, ("PKH", "BPNT", "PBI_JK"), False),
    (None, ("PKH",), False),
])
def test_cut_offs(desil, programs, flagged: bool) -> None:
    assert bool(check(desil, *programs)) == flagged


def test_message_names_each_program_over_its_cut_off() -> None:
    [draft] = check(5, "PBI_JK", "PKH", "BPNT")
    assert draft.path == "desil"
    assert draft.registry_value == 5
    assert draft.severity == "warning"
    assert draft.message == "Desil di atas batas program: PKH (desil 1–4)."
    [draft] = check(7, "PKH", "PBI_JK")
    assert draft.message == "Desil di atas batas program: PBI-JK (desil 1–5), PKH (desil 1–4)."
