"""Reading `record`'s --gps and --photo options: a clear one-line error for each bad value."""

from __future__ import annotations

from pathlib import Path

import click

from schemas.enums import PHOTO_KIND


def gps_option(value: str | None) -> dict[str, float] | None:
    if not value:
        return None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError as exc:
        raise click.BadParameter("use LAT,LON or LAT,LON,ACCURACY_M", param_hint="--gps") from exc
    if len(parts) not in (2, 3):
        raise click.BadParameter("use LAT,LON or LAT,LON,ACCURACY_M", param_hint="--gps")
    gps = {"lat": parts[0], "lon": parts[1]}
    if len(parts) == 3:
        gps["accuracy_m"] = parts[2]
    return gps


def photo_options(args: tuple[str, ...]) -> list[tuple[str, bytes]]:
    """`KIND=FILE` arguments as (kind, bytes), each checked before anything is stored."""
    from sync_agent.photo_encode import MAX_INPUT_BYTES

    photos = []
    for arg in args:
        kind, sep, file = arg.partition("=")
        if not sep or kind not in PHOTO_KIND:
            raise click.BadParameter(f"use KIND=FILE with KIND one of {', '.join(PHOTO_KIND)}",
                                     param_hint="--photo")
        try:
            if Path(file).stat().st_size > MAX_INPUT_BYTES:
                raise click.BadParameter(f"{file} is larger than "
                                         f"{MAX_INPUT_BYTES // (1024 * 1024)} MB",
                                         param_hint="--photo")
            photos.append((kind, Path(file).read_bytes()))
        except OSError as exc:
            raise click.BadParameter(f"cannot read {file} ({exc.strerror})",
                                     param_hint="--photo") from exc
    return photos
