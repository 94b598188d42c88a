"""The photos part of a sync: after the visits, oldest visit first, each answer recorded.

A photo's local copy is deleted only once the server has confirmed the whole photo (its
hash checked); a photo the server refuses for good is marked so and kept; anything else
that stops the photos (offline, the server's disk full) is noted on the photo and
raised, and the photo goes on a later sync. The uploads themselves run in
`photo_lanes` (a few at once on a fast link); the store is written only here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sync_agent import photo_files, photo_outbox
from sync_agent.client import Client
from sync_agent.errors import SyncError
from sync_agent.photo_lanes import PhotoLanes
from sync_agent.photo_upload import PhotoRefused, ServerFull
from sync_agent.store import Store

if TYPE_CHECKING:
    from sync_agent.sync import Report


def upload_photos(store: Store, client: Client, report: Report) -> Report:
    """Upload the photos of acknowledged visits, oldest visit first; delete each local copy
    only once the server has confirmed the whole photo (its hash checked).

    On a fast link a few go at once (`photo_lanes`); every answer is recorded here, in
    this thread. The first error that stops the photos (offline, the server full) lets
    the uploads already on their way finish and be recorded, then is raised.
    """
    home = store.path.parent
    ready = photo_outbox.ready(store)
    queue = iter(ready)
    lanes: PhotoLanes[photo_outbox.Waiting] = PhotoLanes(client)
    stopped: SyncError | None = None
    try:
        while True:
            while stopped is None and lanes.room():
                item = next(queue, None)
                if item is None:
                    break
                try:
                    data = photo_files.read(home, store.key, item.photo_id)
                except (FileNotFoundError, photo_files.PhotoDamaged) as exc:
                    with store.write():
                        photo_outbox.mark_refused(store, item.photo_id,
                                                  f"local copy unusable ({exc})")
                    report.photos_refused += 1
                    continue
                lanes.start(item, item.photo_id, data,
                            _photo_progress(report, client, len(ready)), item.attempts > 0)
                del data  # the lane holds it while it is on its way, no longer
            if not lanes.busy():
                break
            for item, sent, error in lanes.finished():
                if isinstance(error, PhotoRefused):
                    with store.write():
                        photo_outbox.mark_refused(store, item.photo_id, str(error))
                    report.photos_refused += 1
                elif isinstance(error, SyncError):
                    with store.write():
                        photo_outbox.note_attempt(store, item.photo_id, str(error))
                    stopped = stopped or error
                elif error is not None:
                    raise error
                elif sent is not None:
                    _photo_confirmed(store, home, item.photo_id)
                    report.photos_uploaded += 1
                    report.photo_bytes_sent += sent.bytes_sent
                    report.tell(client, f"photos: {report.photos_uploaded} uploaded")
    finally:
        lanes.close()
    if stopped is not None:
        _stop_photos(store, report, stopped)
    return report


def _photo_confirmed(store: Store, home: Path, photo_id: str) -> None:
    """The server has the whole photo: its rows move on, then the local copy goes."""
    with store.write():
        photo_outbox.mark_uploaded(store, photo_id)
        needed = photo_outbox.still_needed(store, photo_id)
    if not needed:
        photo_files.delete(home, photo_id)


def _stop_photos(store: Store, report: Report, error: SyncError) -> None:
    """Raise what stopped the photos; a full server disk says plainly what waits."""
    if isinstance(error, ServerFull):
        waiting = photo_outbox.counts(store)["waiting"]
        raise ServerFull(
            f"server full: visits sent ({report.acknowledged} acknowledged this sync), but "
            f"the server's disk is full: {waiting} photo(s) stay sealed on this "
            "laptop and go on a later sync") from error
    raise error


def _photo_progress(report: Report, client: Client, count: int) -> Callable[[int, int], None]:
    def tell(offset: int, length: int) -> None:
        report.tell(client, f"photos: {report.photos_uploaded + 1}/{count}, "
                            f"{offset * 100 // max(length, 1)}%")

    return tell
