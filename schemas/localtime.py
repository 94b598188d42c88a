"""Indonesia's three time zones by region code, and a time as people there read it.

Shared by the supervisor pages and the enumerator's form: a visit in Mesuji reads in
WIB, one in Makassar in WITA, whatever zone the server or the laptop runs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone


@dataclass(frozen=True)
class Zone:
    label: str
    tz: timezone


WIB = Zone("WIB", timezone(timedelta(hours=7), "WIB"))
WITA = Zone("WITA", timezone(timedelta(hours=8), "WITA"))
WIT = Zone("WIT", timezone(timedelta(hours=9), "WIT"))

# Province codes: WIB Sumatra, Java, West and Central Kalimantan; WITA Bali, Nusa
# Tenggara, South/East/North Kalimantan, Sulawesi; WIT Maluku and Papua.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")


def zone_for(region_code: str | None) -> Zone:
    province = (region_code or "")[:2]
    if province in _WITA:
        return WITA
    if province in _WIT:
        return WIT
    return WIB


def parse_timestamp(value: str | None) -> datetime | None:
    """ISO 8601; a time without an offset is taken as UTC (how the server stores them)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_local(value: str | None, region_code: str | None = None) -> str:
    """`2026-12-01T18:28:00+00:00` in Mesuji → "2 Desember 2026, 01.28 WIB"; None → "—"."""
    moment = parse_timestamp(value)
    if moment is None:
        return "—"
    zone = zone_for(region_code)
    local = moment.astimezone(zone.tz)
    return (f"{local.day} {MONTHS_ID[local.month - 1]} {local.year}, "
            f"{local.hour:02d}.{local.minute:02d} {zone.label}")
