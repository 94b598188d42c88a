"""The monthly cycle's two heavy steps: a 500-household berita acara as PDF, and the
regency's submission of 20,000 ratified changes.

PDF: the list is built as the service builds it (`server.reconcile.usulan` shapes) and
rendered by `server.documents.berita_acara` in a Flask request context, as the API does;
the floor is WeasyPrint rendering a one-page document. Submission: frozen village lists
holding `--changes` household entries (200 villages) are written through the store,
then `server.services.submission.approve` builds and stores the CSV and the JSONL; the
floor is writing the same rows with csv and json from memory. The build reads only the
frozen lists and the flags of the period, never the households themselves, so the
registry's size does not enter it. Peak Python memory (tracemalloc) is shown for a tenth of the changes and
for all of them: the files are streamed, so the two should be close.

Targets (issue 14): 500 households to PDF <= 5 s; the submission of 20,000 changes
<= 30 s with flat memory.

    .venv/bin/python bench/musdes.py [--households 500] [--changes 20000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from weasyprint import HTML

from server.app import create_app
from server.documents import berita_acara
from server.services import submission
from server.store import periods as period_store
from server.store.blobs import BlobStore
from server.store.db import make_engine, transaction
from server.store.schema import create_all
from server.timeutil import now_iso

PERIOD = "2026-11"
VILLAGES = 200


def entry(number: int) -> dict[str, Any]:
    return {"household_id": f"1811012001-{number:06d}", "change": "update",
            "rules": ["FIELD_CHANGED"], "kk_number": "1811010101170003",
            "address": f"Dusun {number % 7} RT {number % 13:03d}",
            "head": {"name": f"Siti Aminah {number}", "nik": "1811014507800002"},
            "fields": [{"path": "housing.floor", "before": "earth", "after": "cement"},
                       {"path": "members[m1].occupation", "before": "buruh tani",
                        "after": "petani"}],
            "flag_ids": [f"f{number}a", f"f{number}b"], "survey_ids": [f"s{number}"],
            "photo_ids": [], "decision": "agreed"}


def bench_pdf(households: int, folder: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'pdf.db'}", "SECRET_KEY": "b"})
    listing = {"period": PERIOD, "village": "1811012001", "state": "open", "musdes": None,
               "households": [entry(i) for i in range(households)]}
    with app.test_request_context():
        started, cpu = time.perf_counter(), time.process_time()
        pdf = berita_acara.render_pdf(listing)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    HTML(string="<p>Satu halaman.</p>").write_pdf()
    floor = time.perf_counter() - started
    (folder / "ba.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(folder / "ba.pdf")], capture_output=True,
                          text=True).stdout
    pages = next((line.split()[-1] for line in info.splitlines()
                  if line.startswith("Pages:")), "?")
    print(f"berita acara, {households} households: {took:.2f} s ({cpu:.2f} s CPU), {pages} pages, "
          f"{len(pdf) / 1024:.0f} KiB; one-page floor {floor:.2f} s "
          f"(ratio {took / floor:.1f}x) — target <= 5 s")


def seed_frozen(engine: Any, changes: int) -> None:
    per_village = max(1, changes // VILLAGES)
    number = 0
    with transaction(engine) as conn:
        for v in range(VILLAGES):
            village = f"18110{1 + v // 50}{2001 + v % 50}"
            listing = []
            for _ in range(per_village):
                if number < changes:
                    listing.append({**entry(number), "household_id": f"{village}-{number:06d}"})
                    number += 1
            period_store.freeze(conn, {
                "period": PERIOD, "village_code": village, "state": "ratified",
                "signed_as": "musdes", "held_on": "2026-11-10", "attendees": 20,
                "scan_sha256": "0" * 64, "scan_type": "application/pdf",
                "document_sha256": None, "listing": listing, "frozen_at": now_iso(),
                "frozen_by": "bench"})


def bench_submission(changes: int, folder: Path) -> tuple[float, int]:
    url = f"sqlite:///{folder / f'sub-{changes}.db'}"
    engine = make_engine(url)
    create_all(engine)
    seed_frozen(engine, changes)
    blobs = BlobStore(folder / f"blobs-{changes}")
    admin = {"name": "bench", "role": "admin", "regions": []}
    tracemalloc.start()
    started = time.perf_counter()
    approval = submission.approve(engine, blobs, admin, PERIOD, "1811", 17)
    took = time.perf_counter() - started
    grown = tracemalloc.get_traced_memory()[1] // 1024  # peak KiB during the approval
    tracemalloc.stop()
    assert approval["changes"] == changes, approval
    engine.dispose()
    return took, grown


def raw_floor(changes: int) -> float:
    rows = [entry(i) for i in range(changes)]
    started = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([json.dumps(v) if isinstance(v, list | dict) else v
                         for v in row.values()])
        json.dumps(row)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--changes", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_pdf(args.households, folder)
        small_took, small_grown = bench_submission(args.changes // 10, folder)
        took, grown = bench_submission(args.changes, folder)
        floor = raw_floor(args.changes)
        print(f"submission, {args.changes} changes: {took:.2f} s, peak memory +{grown / 1024:.1f}"
              f" MiB (for {args.changes // 10}: {small_took:.2f} s, +{small_grown / 1024:.1f} "
              f"MiB); csv+json from memory {floor:.2f} s (ratio {took / floor:.1f}x) "
              "— target <= 30 s, flat memory")


if __name__ == "__main__":
    sys.exit(main())
