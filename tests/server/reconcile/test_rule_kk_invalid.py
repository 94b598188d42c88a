"""KK_INVALID: 16 digits starting with a province code."""

from __future__ import annotations

import pytest
from reconcile_builders import ctx, household

from server.reconcile.rules import kk_invalid


@pytest.mark.parametrize("kk_number", ["1811010101170003", "1101010101170003", "9701010101170003"])
def test_valid_family_card_numbers(kk_number: str) -> None:
    assert kk_invalid.check(household(kk_number=kk_number), ctx()) == []


@pytest.mark.parametrize("kk_number, reason", [
    ("181101010117000", "bukan 16 angka"),
    ("18110101011700031", "bukan 16 angka"),
    ("18110101011700O3", "bukan 16 angka"),
    ("1011010101170003", "kode provinsi tidak dikenal"),
    ("2011010101170003", "kode provinsi tidak dikenal"),
    ("9811010101170003", "kode provinsi tidak dikenal"),
    (None, "kosong"),
])
def test_invalid_family_card_numbers(kk_number: str | None, reason: str) -> None:
    [draft] = kk_invalid.check(household(kk_number=kk_number), ctx())
    assert draft.path == "kk_number"
    assert draft.severity == "error"
    assert draft.message == f"Nomor KK tidak valid: {reason}."
    assert draft.registry_value == kk_number
