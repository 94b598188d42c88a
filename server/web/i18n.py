"""Language and time as the reader expects them.

Pages are written in Bahasa Indonesia (the message ids themselves); English comes from
`server/translations/en`. Times are stored in UTC and shown in the zone of the region
they belong to: Indonesia has three, none with daylight saving, so fixed offsets are
exact and need no time-zone database (which Windows lacks).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import get_month_names
from flask import Flask, g, request, session
from flask_babel import Babel, get_locale

from schemas.localtime import WIB as WIB
from schemas.localtime import WIT as WIT
from schemas.localtime import WITA as WITA
from schemas.localtime import Zone as Zone
from schemas.localtime import parse_timestamp as parse_timestamp
from schemas.localtime import zone_for as zone_for

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"


def select_locale() -> str:
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return DEFAULT_LANGUAGE


def configure(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["waktu"] = format_timestamp
    app.jinja_env.filters["tanggal"] = format_day
    app.jinja_env.filters["angka"] = format_number
    app.jinja_env.globals["languages"] = LANGUAGES
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or DEFAULT_LANGUAGE)
    app.jinja_env.globals["request_path"] = lambda: request.full_path.rstrip("?")


def _lang() -> str:
    """The page's language, looked up once per request (pages format thousands of values)."""
    lang = g.get("verivali_lang")
    if lang is None:
        lang = g.verivali_lang = str(get_locale() or DEFAULT_LANGUAGE)
    return lang


def _month(lang: str, month: int) -> str:
    if lang not in _MONTH_NAMES:
        _MONTH_NAMES[lang] = tuple(
            get_month_names("wide", locale=lang)[m] for m in range(1, 13))
    return _MONTH_NAMES[lang][month - 1]


_MONTH_NAMES: dict[str, tuple[str, ...]] = {}


def format_timestamp(value: str | None, region_code: str | None = None) -> str:
    """`2026-11-20T02:40:00+00:00` in Mesuji → "20 November 2026, 09.40 WIB".

    The CLDR pattern `d MMMM y, HH.mm` (English: `HH:mm`), written out by hand: pages
    show hundreds of times, and Babel's general formatter costs 0.1 ms each.
    """
    moment = parse_timestamp(value)
    if moment is None:
        return "—"
    zone = zone_for(region_code)
    lang = _lang()
    local = moment.astimezone(zone.tz)
    sep = "." if lang == "id" else ":"
    return (f"{local.day} {_month(lang, local.month)} {local.year}, "
            f"{local.hour:02d}{sep}{local.minute:02d} {zone.label}")


def local_iso(value: str | None, region_code: str | None) -> str:
    """A stored UTC time as ISO 8601 in the region's own offset (for exports)."""
    moment = parse_timestamp(value)
    if moment is None:
        return ""
    return moment.astimezone(zone_for(region_code).tz).isoformat(timespec="seconds")


def format_day(value: str | date | None) -> str:
    """`1980-07-05` → "5 Juli 1980"; anything else shown as it is."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value
    return f"{day.day} {_month(_lang(), day.month)} {day.year}"


def format_number(value: int | float | None) -> str:
    """Thousands with a dot in Indonesian (20.000), a comma in English."""
    if value is None:
        return "—"
    text = f"{value:,}"
    return text.replace(",", ".") if _lang() == "id" else text


def age_days(value: str | None, now: datetime | None = None) -> int | None:
    moment = parse_timestamp(value)
    if moment is None:
        return None
    return max(0, ((now or datetime.now(UTC)) - moment).days)
