"""REGION_UNKNOWN: a well-formed village code that the Kemendagri list does not hold."""

from __future__ import annotations

from reconcile_builders import ctx, household

from server.reconcile.rules import region_unknown

VILLAGES = {"1811012001"}


def check(region_code: str) -> list:
    context = ctx(known_village=lambda code: code in VILLAGES)
    return region_unknown.check(household(region_code=region_code), context)


def test_known_village() -> None:
    assert check("1811012001") == []


def test_dotted_code_is_looked_up_undotted() -> None:
    assert check("18.11.01.2001") == []


def test_retired_village_code() -> None:
    [draft] = check("1811012099")
    assert draft.path == "region_code"
    assert draft.registry_value == "1811012099"
    assert draft.severity == "warning"


def test_malformed_codes_are_the_schemas_concern() -> None:
    assert check("18110120") == []
    assert check("18110120AB") == []
    assert check("") == []


def test_without_a_list_every_code_is_known() -> None:
    assert region_unknown.check(household(region_code="9999999999"), ctx()) == []
