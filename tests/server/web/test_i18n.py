"""Language and time: the English catalogue is complete and compiled; zones by province."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from server.web import i18n

ROOT = Path(__file__).resolve().parents[3]
CATALOG = ROOT / "server" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "N_": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
# The words for codes and field names, shown translated on the pages.
LABELS = [("labels.py", "python")]


def _extracted() -> set[str]:
    found = set()
    for folder, methods in ((ROOT / "server" / "web", METHODS), (ROOT / "schemas", LABELS)):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), methods, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_has_its_english_translation() -> None:
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    # A plural entry is keyed by its singular and needs every form translated.
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    missing = sorted(_extracted() - translated)
    assert not missing, f"add English for: {missing[:10]} (see server/translations/babel.cfg)"


def test_compiled_catalogue_matches_its_source() -> None:
    def same(value: Any) -> Any:  # a plural's forms come back as a list from the .mo
        return tuple(value) if isinstance(value, list | tuple) else value

    with open(CATALOG / "messages.po", "rb") as handle:
        source = {same(m.id): same(m.string) for m in read_po(handle) if m.id}
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = {same(m.id): same(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d server/translations"


@pytest.mark.parametrize(
    ("region", "label"),
    [("1811012001", "WIB"), ("3171", "WIB"), ("6101", "WIB"), ("6201", "WIB"),
     ("5171", "WITA"), ("6301", "WITA"), ("6401", "WITA"), ("7371", "WITA"),
     ("8171", "WIT"), ("9101", "WIT"), ("9471", "WIT"), (None, "WIB")],
)
def test_time_zone_by_province(region, label) -> None:
    assert i18n.zone_for(region).label == label


def test_dates_in_indonesian_and_english(app) -> None:
    with app.test_request_context("/"):
        assert i18n.format_timestamp("2026-11-20T02:40:00+00:00", "1811012001") == \
            "20 November 2026, 09.40 WIB"
        assert i18n.format_timestamp("2026-11-20T02:40:00+00:00", "7371011001") == \
            "20 November 2026, 10.40 WITA"
        assert i18n.format_timestamp("2026-08-01T23:05:00+00:00", "9471") == \
            "2 Agustus 2026, 08.05 WIT"
        assert i18n.format_day("1980-07-05") == "5 Juli 1980"
        assert i18n.format_number(20000) == "20.000"
        assert i18n.local_iso("2026-11-20T02:40:00+00:00", "1811") == "2026-11-20T09:40:00+07:00"
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert i18n.format_timestamp("2026-11-20T02:40:00+00:00", "1811") == \
            "20 November 2026, 09:40 WIB"
        assert i18n.format_day("1980-07-05") == "5 July 1980"
        assert i18n.format_number(20000) == "20,000"
