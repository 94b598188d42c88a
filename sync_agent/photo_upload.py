"""Sending one photo over a bad link: the client side of tus 1.0 (docs/protocol.md §5).

The server takes each chunk whole or not at all, so what a cut costs is the chunk in
flight. Chunks start small and grow while they go through — at once to what the link
carried in `CHUNK_SECONDS` (a loopback or LAN reaches `MAX_CHUNK` after one chunk), or
doubling when the link is slower than the chunk — and halve when one is cut, so a good
link is used well and a link that drops every few seconds still moves forward. The first
chunk travels in the creation request itself (tus creation-with-upload), so a photo that
fits one chunk costs one request on one kept-alive connection. After a cut the upload
asks the server where it stands (`HEAD`) and goes on from there, never from 0; a photo
begun in an earlier sync is created without a body for the same reason. A photo the
server already has answers complete at creation: nothing more is sent. A full disk on
the server (507) stops the photos at once: they stay sealed on the laptop for a later
sync.

Not `tuspy`: it sends fixed-size chunks and retries them blindly, and it brings
aiohttp and tinydb; the few calls of tus core + creation + checksum are written here on
the agent's own requests session, with its timeouts, backoff and error texts.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from sync_agent.client import API, RETRYABLE, Client, _answer, _retry_after, _short
from sync_agent.errors import Offline, ServerError, SyncError

MIN_CHUNK = 8 * 1024
START_CHUNK = 32 * 1024
MAX_CHUNK = 2 * 1024 * 1024
CHUNK_SECONDS = 8.0  # a chunk should take about this long: a cut then costs little
TUS = {"Tus-Resumable": "1.0.0"}
BUSY_STATUS = frozenset({429, 500, 502, 503, 504})

# What a cut inside an answer's headers is reported as (see `_offset`).
CUT_IN_HEADERS = requests.exceptions.ChunkedEncodingError("the answer ended inside its headers")

Progress = Callable[[int, int], None]  # (offset, length) after each chunk


class PhotoRefused(SyncError):
    """The server will not take this photo (not named by our survey, not an image…)."""

    kind = "photo refused"


class ServerFull(ServerError):
    """507: the server's disk is full; nothing of the photo was kept there, all of it here."""

    kind = "server full"


@dataclass
class Sent:
    """What uploading one photo cost."""

    bytes_sent: int = 0  # chunk bytes put on the wire, cut ones included
    chunks: int = 0
    retries: int = 0
    already_there: bool = False


class PhotoUploader:
    """Uploads photos through `client`'s session; the chunk size carries over between photos."""

    def __init__(self, client: Client, start_chunk: int = START_CHUNK) -> None:
        self.client = client
        self.chunk = start_chunk
        self.carried = 0  # what the link carried in CHUNK_SECONDS, at the last good chunk

    @property
    def fast_link(self) -> bool:
        """Whether the last good chunk went at `MAX_CHUNK` in `CHUNK_SECONDS` or better."""
        return self.carried >= MAX_CHUNK

    def upload(self, photo_id: str, data: bytes, progress: Progress | None = None,
               resume: bool = False) -> Sent:
        """Until the server confirms the whole photo (its hash checked), or an error.

        `resume`: the photo may stand part-way on the server (an earlier sync was cut),
        so ask where before sending any of it.
        """
        sent = Sent()
        url, offset, carried = self._create(photo_id, data, sent, with_body=not resume)
        if progress is not None and carried:
            progress(offset, len(data))
        if offset >= len(data):
            sent.already_there = not carried
            return sent
        failures = 0
        while offset < len(data):
            chunk = data[offset:offset + self.chunk]
            began = time.monotonic()
            try:
                response = self._request("PATCH", url, data=chunk, headers={
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset),
                    "Upload-Checksum": _checksum(chunk, photo_id if len(chunk) == len(data)
                                                 else None)})
            except RETRYABLE as exc:
                self._count(sent, len(chunk))  # some of it went, none of it counted
                failures = self._failed(failures, exc, sent)
                offset = self._where(url, failures, sent)
                continue
            self._count(sent, len(chunk))
            sent.chunks += 1
            if response.status_code == 204 and _offset(response) is None:
                failures = self._failed(failures, CUT_IN_HEADERS, sent)
                offset = self._where(url, failures, sent)
            elif response.status_code == 204:
                offset = int(response.headers["Upload-Offset"])
                failures = 0
                self._grow(len(chunk), time.monotonic() - began)
            elif response.status_code == 409 and "Upload-Offset" in response.headers:
                offset = int(response.headers["Upload-Offset"])  # the server knows best
            elif response.status_code == 460:
                failures = self._failed(failures, None, sent)  # damaged on the way: again
                offset = self._where(url, failures, sent)
            else:
                failures = self._refused_or_busy(response, failures, sent)
                offset = self._where(url, failures, sent)
            if progress is not None:
                progress(offset, len(data))
        return sent

    def _grow(self, sent: int, seconds: float) -> None:
        """Grow the chunk to what the link carried in `CHUNK_SECONDS` (at least doubling
        while a chunk goes through well within that), never past `MAX_CHUNK`."""
        carried = int(sent / max(seconds, 1e-3) * CHUNK_SECONDS)
        self.carried = carried
        doubled = self.chunk * 2 if carried >= self.chunk * 2 else self.chunk
        self.chunk = max(MIN_CHUNK, min(MAX_CHUNK, max(carried, doubled)))

    # -- the tus calls ----------------------------------------------------------------

    def _create(self, photo_id: str, data: bytes, sent: Sent,
                with_body: bool) -> tuple[str, int, bool]:
        """(the upload's URL, where it stands, whether the body was taken): POST, retried.

        `with_body` sends the first chunk in the POST (creation-with-upload); after a cut
        or a damaged chunk the POST goes again without one, and `HEAD`-like answers the
        offset to go on from.
        """
        meta = "photo_id " + base64.b64encode(photo_id.encode()).decode()
        failures = 0
        while True:
            headers = {"Upload-Length": str(len(data)), "Upload-Metadata": meta}
            chunk = data[:self.chunk] if with_body else b""
            if chunk:
                headers.update({"Content-Type": "application/offset+octet-stream",
                                "Upload-Checksum": _checksum(chunk, photo_id
                                                             if len(chunk) == len(data) else None)})
            began = time.monotonic()
            try:
                response = self._request("POST", self.client.base + API + "/uploads",
                                         data=chunk or None, headers=headers)
            except RETRYABLE as exc:
                self._count(sent, len(chunk))
                failures = self._failed(failures, exc, sent)
                with_body = False
                continue
            self._count(sent, len(chunk))
            if response.status_code == 201:
                offset = _offset(response)
                if offset is None:
                    failures = self._failed(failures, CUT_IN_HEADERS, sent)
                    with_body = False
                    continue
                if chunk and offset == len(chunk):
                    sent.chunks += 1
                    self._grow(len(chunk), time.monotonic() - began)
                return (self.client.base + API + f"/uploads/{photo_id}", offset,
                        bool(chunk) and offset == len(chunk))
            if response.status_code in (409, 460):  # moved meanwhile, or damaged: ask again
                failures = self._failed(failures, None, sent)
                with_body = False
                continue
            failures = self._refused_or_busy(response, failures, sent)

    def _count(self, sent: Sent, length: int) -> None:
        sent.bytes_sent += length  # cut or not: it went on the wire
        self.client.bytes_sent += length

    def _where(self, url: str, failures: int, sent: Sent) -> int:
        """The server's offset for this upload (HEAD), retried like any call."""
        while True:
            try:
                response = self._request("HEAD", url)
            except RETRYABLE as exc:
                failures = self._failed(failures, exc, sent)
                continue
            offset = _offset(response)
            if response.status_code == 200 and offset is None:
                failures = self._failed(failures, CUT_IN_HEADERS, sent)
                continue
            if response.status_code == 200 and offset is not None:
                return offset
            failures = self._refused_or_busy(response, failures, sent)

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = {**TUS, **kwargs.pop("headers", {})}
        return self.client.session.request(method, url, headers=headers,
                                           timeout=self.client.timeout, **kwargs)

    # -- failures ---------------------------------------------------------------------

    def _failed(self, failures: int, exc: Exception | None, sent: Sent) -> int:
        """A cut or a damaged chunk: smaller chunks, a pause, or Offline when out of tries."""
        failures += 1
        sent.retries += 1
        self.client.retries_made += 1
        self.chunk = max(MIN_CHUNK, self.chunk // 2)
        if failures > self.client.retries:
            why = _short(exc) if exc is not None else "chunks damaged on the way"
            raise Offline(f"offline: photo upload to {self.client.base} stopped ({why})")
        self.client.pause(failures, None)
        return failures

    def _refused_or_busy(self, response: requests.Response, failures: int, sent: Sent) -> int:
        if response.status_code == 507:  # no room there: it will not be back in seconds
            raise ServerFull("server full: the server's disk is full; the photos stay on "
                             "this laptop and go on a later sync")
        if response.status_code in BUSY_STATUS:
            failures += 1
            sent.retries += 1
            self.client.retries_made += 1
            if failures > self.client.retries:
                _answer(response, response.content)  # raises the named error
            self.client.pause(failures, _retry_after(response))
            return failures
        if response.status_code in (403, 413, 422):
            error = (_json(response).get("error") or {})
            raise PhotoRefused(f"photo refused: {error.get('message') or response.status_code}")
        _answer(response, response.content)
        raise ServerError(f"server error: HTTP {response.status_code} to a photo upload")


def _offset(response: requests.Response) -> int | None:
    """The answer's `Upload-Offset`, or None when it is missing or garbled.

    Every tus answer that moves an upload carries it, so its absence means the link cut
    the answer inside its headers: the HTTP client ends the headers at the end of the
    stream without complaint and hands over a 201 or 204 that is only half there.
    """
    value = response.headers.get("Upload-Offset", "")
    return int(value) if value.isdigit() else None


def _checksum(chunk: bytes, photo_id: str | None = None) -> str:
    """`Upload-Checksum` of a chunk; a chunk that is the whole photo has its name as hash."""
    digest = bytes.fromhex(photo_id) if photo_id else hashlib.sha256(chunk).digest()
    return "sha256 " + base64.b64encode(digest).decode()


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
