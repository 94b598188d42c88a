"""What an admin sees of an import: the progress bar, the reject list, the counts.

Kept apart from `run` so the library stays quiet (the bench and the demo call it
too) and the CLI command stays a few lines. Rejects are held in a spooled temporary
file while the bar runs, so a file that is rejected wholesale does not fill memory,
and then listed; `--rejects FILE` writes them as CSV for a spreadsheet.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path
from typing import IO

import click
from sqlalchemy import Engine

from server.services.registry_import.check import Rejected
from server.services.registry_import.run import ImportReport, import_registry

REJECT_COLUMNS = ("line", "household_id", "field", "message")


def reject_lines(rejected: Rejected) -> list[str]:
    """One line per problem: `line 12, household X: members.0.nik: message`."""
    lines = []
    for problem in rejected.problems:
        where = f"line {problem.line}"
        if rejected.household_id:
            where += f", household {rejected.household_id}"
        field = f"{problem.field}: " if problem.field else ""
        lines.append(f"{where}: {field}{problem.message}")
    return lines


class _RejectSink:
    def __init__(self, rejects_path: Path | None) -> None:
        self.listing: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=1 << 20, mode="w+", encoding="utf-8"
        )
        self.csv_file: IO[str] | None = None
        self.writer = None
        if rejects_path is not None:
            self.csv_file = rejects_path.open("w", encoding="utf-8", newline="")
            self.writer = csv.writer(self.csv_file)
            self.writer.writerow(REJECT_COLUMNS)

    def __call__(self, rejected: Rejected) -> None:
        for line in reject_lines(rejected):
            self.listing.write(line + "\n")
        if self.writer is not None:
            for problem in rejected.problems:
                self.writer.writerow(
                    (problem.line, rejected.household_id or "", problem.field or "",
                     problem.message)
                )

    def close(self) -> None:
        if self.csv_file is not None:
            self.csv_file.close()
        self.listing.close()


def run_import(
    engine: Engine,
    path: Path,
    *,
    actor: str | None,
    rejects_path: Path | None,
    workers: int | None,
) -> ImportReport:
    """Import with terminal output; the last stdout line is the counts."""
    sink = _RejectSink(rejects_path)
    bar = None
    try:
        if sys.stderr.isatty():
            bar = click.progressbar(length=1, label=f"importing {path.name}", file=sys.stderr)
        done = 0

        def progress(line: int, total: int) -> None:
            nonlocal done
            if bar is not None:
                bar.length = total
                bar.update(line - done)
                done = line

        try:
            report = import_registry(engine, path, actor=actor, on_reject=sink,
                                     on_progress=progress, workers=workers)
        finally:
            if bar is not None:
                bar.render_finish()
        sink.listing.seek(0)
        for line in sink.listing:
            click.echo(line.rstrip("\n"))
    finally:
        sink.close()
    click.echo(report.summary())
    if rejects_path is not None and report.rejected:
        click.echo(f"rejects written to {rejects_path}", err=True)
    return report
