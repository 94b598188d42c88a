"""The layering, checked on the source: each rule fails naming every file and line that breaks it.

The rules (docs/developing.md describes the folders):

- Only `server/store/` holds SQL. Elsewhere nothing imports `server.store.tables`, and
  from SQLAlchemy only the types `Engine`, `Connection` and `Row` (to pass a connection
  along) and the exceptions in `sqlalchemy.exc` (to catch `IntegrityError`, `DBAPIError`).
- `server/api/`, `server/web/` and `server/openrosa/` (the phones' front end) parse, call
  `server.services`, answer: they import nothing from SQLAlchemy and nothing from
  `server.store`.
- `server/reconcile/`, `server/forms/` (the phones' form, built) and `schemas/` are pure: no Flask, SQLAlchemy, requests,
  sqlite-utils, sockets, subprocesses or urllib, and none of our I/O layers
  (`server.store`, `server.services`, `server.api`, `server.web`, `server.openrosa`,
  `sync_agent`).
  `schemas/` imports nothing from `server` or `sync_agent` (both programs use it), and
  `sync_agent/` nothing from `server` (the laptop never has the server installed).
- No module in `server/`, `sync_agent/` or `schemas/` is over 400 lines unless its module
  docstring says why in a sentence that starts with "Long because", e.g.
  "Long because the local store's migrations must stay in one file to run in order."

The files are parsed, not imported: an import inside a function, under `TYPE_CHECKING`
or in a branch counts the same as one at the top.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("server", "sync_agent", "schemas")
MAX_LINES = 400
LONG_BECAUSE = re.compile(r"(?:\A|[.!?]\s+|\n\s*)Long because\s+\S")

SQLALCHEMY_TYPES = frozenset({"Engine", "Connection", "Row"})
IO_MODULES = ("flask", "flask_babel", "sqlalchemy", "requests", "sqlite_utils", "socket",
              "subprocess", "urllib")
OUR_IO_LAYERS = ("server.store", "server.services", "server.api", "server.web",
                 "server.openrosa", "sync_agent")


@dataclass(frozen=True)
class Import:
    """One imported name: `module` is what `from` names (or the module `import`ed)."""

    path: str  # relative to the repository, with forward slashes
    line: int
    module: str
    name: str | None  # None for `import module`

    @property
    def target(self) -> str:
        """The dotted name brought in: `from a.b import c` brings `a.b.c` (module or not)."""
        return self.module if self.name is None else f"{self.module}.{self.name}"

    def of(self, prefix: str) -> bool:
        """Whether this import reaches `prefix` or anything under it."""
        return any(dotted == prefix or dotted.startswith(prefix + ".")
                   for dotted in (self.module, self.target))

    def __str__(self) -> str:
        what = f"import {self.module}" if self.name is None else \
            f"from {self.module} import {self.name}"
        return f"{self.path}:{self.line}: {what}"


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(path: str, source: str) -> Iterator[Import]:
    """Every import in one file, relative ones resolved against its package."""
    package = module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                yield Import(path, node.lineno, module, alias.name)


def source_files(*folders: str) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for file in sorted((ROOT / folder).rglob("*.py")):
            yield file.relative_to(ROOT).as_posix(), file.read_text(encoding="utf-8")


def all_imports(*folders: str) -> list[Import]:
    return [imp for path, source in source_files(*folders) for imp in imports_in(path, source)]


def under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def builds_sql(imp: Import) -> bool:
    """Outside `server/store/`: an import that reaches the tables or statement building."""
    if imp.of("server.store.tables"):
        return True
    if not imp.of("sqlalchemy") or imp.of("sqlalchemy.exc"):
        return False
    return not (imp.module in ("sqlalchemy", "sqlalchemy.engine")
                and imp.name in SQLALCHEMY_TYPES)


def speaks_sql_or_store(imp: Import) -> bool:
    return imp.of("sqlalchemy") or imp.of("server.store")


def does_io(imp: Import) -> bool:
    return any(imp.of(name) for name in (*IO_MODULES, *OUR_IO_LAYERS))


def too_long(path: str, source: str) -> str | None:
    """Why the file breaks the length rule, or None."""
    lines = len(source.splitlines())
    if lines <= MAX_LINES:
        return None
    docstring = ast.get_docstring(ast.parse(source, filename=path)) or ""
    if LONG_BECAUSE.search(docstring):
        return None
    return (f"{path}: {lines} lines (over {MAX_LINES}) and no 'Long because ...' sentence "
            "in its module docstring")


def report(rule: str, offences: list[str]) -> str:
    return f"{rule}: {len(offences)} offence(s)\n" + "\n".join(f"  {o}" for o in offences)


# --- the rules on the tree ------------------------------------------------------------

def test_only_the_store_touches_tables_and_builds_statements() -> None:
    offences = [str(imp) for imp in all_imports(*PACKAGES)
                if not under(imp.path, "server/store") and builds_sql(imp)]
    assert not offences, report(
        "SQL outside server/store/ (allowed: sqlalchemy Engine, Connection, Row and "
        "sqlalchemy.exc)", offences)


@pytest.mark.parametrize("folder", ["server/api", "server/web", "server/openrosa"])
def test_api_and_web_reach_data_only_through_services(folder: str) -> None:
    offences = [str(imp) for imp in all_imports(folder) if speaks_sql_or_store(imp)]
    assert not offences, report(
        f"{folder}/ imports sqlalchemy or server.store (call server.services instead)",
        offences)


@pytest.mark.parametrize("folder", ["server/reconcile", "server/forms", "schemas"])
def test_pure_packages_import_no_io(folder: str) -> None:
    offences = [str(imp) for imp in all_imports(folder) if does_io(imp)]
    assert not offences, report(f"I/O imported by the pure package {folder}/", offences)


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("schemas", ("server", "sync_agent")),
    ("sync_agent", ("server",)),
])
def test_shared_and_laptop_code_never_import_the_server(folder: str,
                                                         forbidden: tuple[str, ...]) -> None:
    offences = [str(imp) for imp in all_imports(folder)
                if any(imp.of(name) for name in forbidden)]
    assert not offences, report(f"{folder}/ imports {' or '.join(forbidden)}", offences)


def test_long_modules_say_why() -> None:
    offences = [why for path, source in source_files(*PACKAGES)
                if (why := too_long(path, source)) is not None]
    assert not offences, report("modules over the length limit", offences)


# --- the checks themselves, on made-up files --------------------------------------------

def test_every_form_of_import_is_seen() -> None:
    source = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy import Engine, select\n"
        "from server.store import tables\n"
        "from . import households\n"
        "def late():\n"
        "    from ..store.tables import flags\n"
    )
    found = [str(imp) for imp in imports_in("server/services/x.py", source)]
    assert found == [
        "server/services/x.py:1: import sqlalchemy",
        "server/services/x.py:2: from sqlalchemy import Engine",
        "server/services/x.py:2: from sqlalchemy import select",
        "server/services/x.py:3: from server.store import tables",
        "server/services/x.py:4: from server.services import households",
        "server/services/x.py:6: from server.store.tables import flags",
    ]


def test_the_sql_rule_allows_only_types_and_exceptions() -> None:
    source = (
        "from sqlalchemy import Connection, Engine, Row\n"
        "from sqlalchemy.engine import Engine as E\n"
        "from sqlalchemy.exc import DBAPIError, IntegrityError\n"
        "from server.store import households\n"
        "from sqlalchemy import select\n"
        "from sqlalchemy.engine import make_url\n"
        "import sqlalchemy\n"
        "from server.store import tables\n"
        "from server.store.tables import flags\n"
        "import server.store.tables\n"
    )
    flagged = [imp.line for imp in imports_in("server/x.py", source) if builds_sql(imp)]
    assert flagged == [5, 6, 7, 8, 9, 10]


def test_the_io_rules_see_submodules_and_our_layers() -> None:
    source = ("from urllib.parse import quote\nimport flask_babel\nfrom server import store\n"
              "from server.services.scan import run\nfrom schemas import enums\n"
              "import json\n")
    flagged = [imp.line for imp in imports_in("schemas/x.py", source) if does_io(imp)]
    assert flagged == [1, 2, 3, 4]


def test_the_length_rule_wants_a_reason() -> None:
    body = "x = 1\n" * MAX_LINES
    assert too_long("server/x.py", '"""Short."""\n' + "x = 1\n" * (MAX_LINES - 1)) is None
    assert too_long("server/x.py", '"""Many rules."""\n' + body) is not None
    assert too_long("server/x.py", '"""Many rules.\n\nThe reason: Long because x."""\n'
                    + body) is not None
    assert too_long("server/x.py", '"""Many rules. Long because each is one table."""\n'
                    + body) is None
    assert too_long("server/x.py", '"""Many rules.\n\nLong because each is one table."""\n'
                    + body) is None
