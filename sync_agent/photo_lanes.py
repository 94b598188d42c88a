"""Several photos on their way at once on a fast link, one at a time on a slow one.

On loopback or a LAN an upload spends most of its time waiting for the server (its
fsyncs, its bookkeeping), not on the wire: a few uploads at once keep the server busy
and let its fsyncs share the file system's journal commits. On a village link uploads
at once only split the same bandwidth, and a cut costs a chunk for each upload in
flight, so more lanes open only while the link is fast: after a photo sent without a
retry at a rate that carries `MAX_CHUNK` in `CHUNK_SECONDS` (256 KB/s), and they close
again after a photo that needed a retry or went slower.

Each lane is an uploader on a connection of its own (`Client.twin`; the first is the
caller's client itself) with its own chunk size. Only HTTP runs in the lanes: the
caller reads each photo and records each answer in its own thread, so the store is
written as before, one photo at a time, and a photo is never lost or counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from sync_agent.client import Client
from sync_agent.photo_upload import MAX_CHUNK, PhotoUploader, Progress, Sent

PARALLEL_PHOTOS = 3  # photos at once on a fast link: the server's fsyncs overlap

Item = TypeVar("Item")


class PhotoLanes(Generic[Item]):
    """Up to `most` uploads at once through `client` and its twins."""

    def __init__(self, client: Client, most: int = PARALLEL_PHOTOS) -> None:
        self.client = client
        self.most = max(1, most)
        self.fast = False  # the last photo went without a retry, at a fast link's rate
        self._idle = [PhotoUploader(client)]
        self._busy: dict[Future[Sent], tuple[PhotoUploader, Item]] = {}
        self._pool = ThreadPoolExecutor(max_workers=self.most, thread_name_prefix="photo")

    def room(self) -> bool:
        """Whether another photo may start now."""
        return len(self._busy) < (self.most if self.fast else 1)

    def busy(self) -> bool:
        return bool(self._busy)

    def start(self, item: Item, photo_id: str, data: bytes, progress: Progress | None,
              resume: bool) -> None:
        """Upload `data` in a lane; its outcome comes back from `finished` with `item`."""
        if self._idle:
            uploader = self._idle.pop()
        else:
            uploader = PhotoUploader(self.client.twin(), start_chunk=MAX_CHUNK)
        self._busy[self._pool.submit(uploader.upload, photo_id, data, progress, resume)] = (
            uploader, item)

    def finished(self) -> Iterator[tuple[Item, Sent | None, BaseException | None]]:
        """Waits for at least one upload to end; (item, what it cost, or its error) each."""
        done, _ = wait(self._busy, return_when=FIRST_COMPLETED)
        for future in done:
            uploader, item = self._busy.pop(future)
            if uploader.client is not self.client:
                self.client.absorb(uploader.client)
            self._idle.append(uploader)
            error = future.exception()
            sent = None if error is not None else future.result()
            self.fast = sent is not None and not sent.retries and uploader.fast_link
            yield item, sent, error

    def close(self) -> None:
        """Wait for the uploads still running, then close the twins' connections."""
        self._pool.shutdown(wait=True)
        for uploader in self._idle:
            if uploader.client is not self.client:
                self.client.absorb(uploader.client)
                uploader.client.close()
