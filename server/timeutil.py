"""Server time: stored as ISO 8601 UTC strings, which sort the same as the instants."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
