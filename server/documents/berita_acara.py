"""The Berita Acara Musyawarah Desa/Kelurahan with its BNBA annex, and the SPTJM: PDF.

Rendered from an HTML template (`web/templates/documents/`) by WeasyPrint: A4, a running
header naming the village and the period, page numbers, always in Bahasa Indonesia
(the document is signed by the village and filed by the regency, whatever language the
person printing it reads). WeasyPrint needs Pango and fonts from the system
(docs/deployment.md).
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from schemas import labels as words
from server.web import labels, regions
from server.web.i18n import format_timestamp

KINDS = ("berita-acara", "sptjm")  # a village's documents; `render_cover` is the regency's
CHANGE_WORDS = words.LIST_CHANGE


def _rows(listing: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for number, entry in enumerate(listing["households"], start=1):
        rows.append({
            **entry, "number": number, "change_words": CHANGE_WORDS[entry["change"]],
            "reasons": ", ".join(words.RULES.get(r, r) for r in entry.get("rules", [])),
            "places": [(labels.place_label(f["path"]), labels.show_listed(f["path"], f["before"]),
                        labels.show_listed(f["path"], f["after"])) for f in entry["fields"]],
        })
    return rows


def html(listing: dict[str, Any], kind: str = "berita-acara") -> str:
    """The document as HTML (what the PDF is made of; also what its tests read)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document {kind!r}")
    with force_locale("id"):
        rows = _rows(listing)
        counts = {change: sum(1 for r in rows if r["change"] == change)
                  for change in CHANGE_WORDS}
        return render_template(
            f"documents/{kind}.html", listing=listing, rows=rows, counts=counts,
            change_words=CHANGE_WORDS, village_name=regions.name(listing["village"]),
            district_name=regions.name(listing["village"][:6]),
            regency_name=regions.name(listing["village"][:4]),
            kelurahan=listing["village"][6] == "1", musdes=listing.get("musdes"))


def render_pdf(listing: dict[str, Any], kind: str = "berita-acara") -> bytes:
    return _pdf(html(listing, kind))


def render_cover(summary: dict[str, Any]) -> bytes:
    """The regency's counts per district and village, for the bupati's letter."""
    codes = [summary["regency"], *summary["districts"],
             *(v["village"] for vs in summary["districts"].values() for v in vs)]
    totals = {key: sum(v[key] for vs in summary["districts"].values() for v in vs)
              for key in ("add", "remove", "update", "refused")}
    with force_locale("id"):
        text = render_template(
            "documents/sampul.html", summary=summary, totals=totals,
            names={code: regions.name(code) for code in codes},
            regency_name=regions.name(summary["regency"]),
            approved_at=format_timestamp(summary["approval"]["approved_at"],
                                         summary["regency"]))
    return _pdf(text)


def _pdf(text: str) -> bytes:
    """WeasyPrint, imported here: it and its fonts weigh about 35 MB in every server
    process, which only the few that print ever need."""
    from weasyprint import HTML

    pdf = HTML(string=text).write_pdf()
    assert pdf is not None
    return pdf
