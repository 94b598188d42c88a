"""The reconciliation agrees with the contract's vocabularies and keeps to its layer."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import server.reconcile
import server.reconcile.rules
from schemas import enums
from server.reconcile.rules import (
    APPLICABLE_RULES,
    OBSERVATION_RULES,
    REGISTRY_LEVEL_RULES,
    SEVERITY,
    UNVERIFIED_RULES,
)
from server.reconcile.rules.catalog import RULES
from server.reconcile.rules.codes import PROVINCE_CODES

PACKAGE = Path(server.reconcile.__file__).parent


def test_province_codes_match_the_schemas() -> None:
    assert PROVINCE_CODES == enums.PROVINCE_CODES


def test_every_contract_rule_has_one_severity() -> None:
    assert set(SEVERITY) == set(enums.RULES)
    assert set(SEVERITY.values()) <= set(enums.SEVERITY)


def test_rule_classes_are_contract_rules() -> None:
    for group in (OBSERVATION_RULES, APPLICABLE_RULES, UNVERIFIED_RULES, REGISTRY_LEVEL_RULES):
        assert set(group) <= set(SEVERITY)
    assert set(RULES) == set(REGISTRY_LEVEL_RULES)
    assert not set(REGISTRY_LEVEL_RULES) & APPLICABLE_RULES


def test_each_rule_module_says_its_source() -> None:
    for info in pkgutil.iter_modules(server.reconcile.rules.__path__):
        module = importlib.import_module(f"server.reconcile.rules.{info.name}")
        if hasattr(module, "RULE"):
            assert module.RULE in RULES
            assert "Source" in (module.__doc__ or ""), info.name


def test_no_web_database_or_http_imports() -> None:
    code = ("import sys, server.reconcile, server.reconcile.engine; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'flask', 'sqlalchemy', 'requests', 'marshmallow', 'sqlite_utils'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
