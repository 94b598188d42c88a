"""The HTTP side of sync: one requests session, timeouts, retries, gzip bodies.

Knows the server's API, not SQLite. Village links drop, stall and come back, so
connection errors, timeouts, a reply cut mid-way, 429 and 5xx are retried with
exponential backoff and full jitter (many laptops coming online together must not
hit the server in step). Everything else becomes one of the named errors below,
whose text is one short line fit for a field coordinator — never the token.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import time
from collections.abc import Callable
from typing import Any

import requests

from sync_agent.errors import (
    CursorExpired,
    DeviceLost,
    Offline,
    RecoveryRefused,
    ServerError,
    SyncError,
    TokenRevoked,
)

__all__ = [
    "Client", "CursorExpired", "DeviceLost", "Offline", "ServerError", "SyncError", "TokenRevoked",
    "agent_version",
]

API = "/api/v1"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Connection refused, DNS failure, timeouts, and a reply cut mid-way (chunked or gzip).
RETRYABLE = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def agent_version() -> str:
    try:
        from importlib.metadata import version

        return version("verivali")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "0.0.0"


class Client:
    """Talks to one server as one device."""

    def __init__(
        self,
        server_url: str,
        token: str,
        device_id: str,
        *,
        connect_timeout: float = 10.0,
        # Seconds of silence before a request is given up as "timed out": a village link
        # that goes quiet without closing must not hold a sync for minutes.
        read_timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base = server_url.rstrip("/")
        self.device_id = device_id
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": f"verivali-agent/{agent_version()}",
                "X-Verivali-Agent": agent_version(),
                "X-Verivali-Device": device_id,
            }
        )
        self.bytes_sent = 0  # request bodies as they went on the wire (compressed)
        self.wipe_requested = False  # a push answer said `wipe`: the token was marked lost
        self.bytes_received = 0  # answer bodies as they came (compressed)
        self.retries_made = 0  # requests sent again after a cut, a timeout or a busy server

    def close(self) -> None:
        self.session.close()

    def twin(self) -> Client:
        """The same server, token and settings on a connection of its own (a second photo
        upload at once; a requests session is not shared between threads). Its counters
        start at 0 and are folded back into this client by `absorb`."""
        other = copy.copy(self)
        other.session = requests.Session()
        other.session.headers.update(self.session.headers)
        other.bytes_sent = other.bytes_received = other.retries_made = 0
        return other

    def absorb(self, twin: Client) -> None:
        """Add what `twin` sent, received and retried to this client's counts (once)."""
        self.bytes_sent += twin.bytes_sent
        self.bytes_received += twin.bytes_received
        self.retries_made += twin.retries_made
        twin.bytes_sent = twin.bytes_received = twin.retries_made = 0

    # -- the contract's calls ---------------------------------------------------------

    def push(self, surveys: list[dict[str, Any]], pending: int) -> list[dict[str, Any]]:
        """POST a batch; returns one result per survey, checked to match the request."""
        body = _gzip_json({"device_id": self.device_id, "surveys": surveys})
        answer = self._call(
            "POST", "/sync/push", data=body, pending=pending,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        results = answer.get("results") if isinstance(answer, dict) else None
        if isinstance(answer, dict) and answer.get("wipe") is True:
            self.wipe_requested = True
        if not isinstance(results, list) or len(results) != len(surveys):
            raise ServerError("server error: the push answer does not match the batch sent")
        for sent, result in zip(surveys, results, strict=True):
            if not isinstance(result, dict) or result.get("survey_id") != sent["survey_id"]:
                raise ServerError("server error: the push answer names other surveys")
        return results

    def pull(self, cursor: str | None, limit: int, pending: int,
             retries: int | None = None) -> dict[str, Any]:
        """One page; `retries=0` leaves retrying to the caller (which asks a smaller page)."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = self._call("GET", "/sync/pull", params=params, pending=pending, retries=retries)
        if (
            not isinstance(page, dict)
            or not isinstance(page.get("changes"), list)
            or not isinstance(page.get("cursor"), str)
            or not isinstance(page.get("has_more"), bool)
        ):
            raise ServerError("server error: the pull answer is not a page of changes")
        return page

    def escrow(self, recovery_key: str) -> None:
        """Leave this laptop's recovery key with the server (docs/agent.md, "Recovery")."""
        body = json.dumps({"device_id": self.device_id, "recovery_key": recovery_key})
        self._call("POST", "/devices/recovery-key", data=body.encode("utf-8"), pending=0,
                   headers={"Content-Type": "application/json"})

    def recover(self, code: str) -> str:
        """The recovery key an admin's one-time code releases (no token is sent)."""
        body = json.dumps({"device_id": self.device_id, "code": code}).encode("utf-8")
        self.session.headers.pop("Authorization", None)
        answer = self._call("POST", "/devices/recover", data=body, pending=0,
                            headers={"Content-Type": "application/json"})
        key = answer.get("recovery_key") if isinstance(answer, dict) else None
        if not isinstance(key, str):
            raise ServerError("server error: the recovery answer holds no key")
        return key

    def health(self, timeout: float = 5.0) -> bool:
        """A cheap reachability probe (no retries): is the server there right now?"""
        try:
            response = self.session.get(self.base + API + "/health", timeout=(timeout, timeout))
        except requests.RequestException:
            return False
        return response.status_code == 200

    def token_accepted(self, timeout: float = 10.0) -> bool | None:
        """Does the server know this token? None when it cannot be asked right now.

        Asks for a household no one holds: without side effects, a known enumerator's
        token gets 403 or 404 and only an unknown or revoked one gets 401.
        """
        try:
            response = self.session.get(self.base + API + "/households/NEW-token-check",
                                        timeout=(timeout, timeout))
        except requests.RequestException:
            return None
        if response.status_code == 401:
            return False
        return True if response.status_code in (200, 403, 404) else None

    # -- plumbing -----------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        pending: int,
        data: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
    ) -> Any:
        url = self.base + API + path
        retries = self.retries if retries is None else retries
        all_headers = {"X-Verivali-Pending": str(pending), **(headers or {})}
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method, url, data=data, params=params, headers=all_headers,
                    timeout=self.timeout,
                )
            except RETRYABLE as exc:
                if attempt < retries:
                    attempt += 1
                    self.retries_made += 1
                    self.pause(attempt, None)
                    continue
                raise Offline(f"offline: cannot reach the server {self.base} ({_short(exc)})") from exc
            except requests.RequestException as exc:
                raise Offline(f"offline: the server address {self.base!r} cannot be used") from exc
            if data is not None:
                self.bytes_sent += len(data)
            self.bytes_received += _wire_length(response)
            if response.status_code in RETRY_STATUS and attempt < retries:
                attempt += 1
                self.retries_made += 1
                self.pause(attempt, _retry_after(response))
                continue
            return _answer(response, response.content)

    def pause(self, attempt: int, retry_after: float | None) -> None:
        """The pause before retry number `attempt` (also for the photo uploader)."""
        ceiling = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        delay = random.uniform(0, ceiling)  # full jitter
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_backoff))
        self.sleep(delay)


def _gzip_json(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _wire_length(response: requests.Response) -> int:
    """The answer's size on the wire (compressed), not as inflated for us."""
    declared = response.headers.get("Content-Length", "")
    return int(declared) if declared.isdigit() else len(response.content)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _short(exc: Exception) -> str:
    """A few words on why the server could not be reached (never the URL's query or a token)."""
    text = str(exc)
    # A stall while sending surfaces as a ConnectionError wrapping a socket timeout.
    if isinstance(exc, requests.Timeout) or "timed out" in text:
        return "timed out"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "connection cut mid-reply"
    if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
        return "server name not found"
    if "refused" in text:
        return "connection refused"
    if "reset" in text or "aborted" in text or "RemoteDisconnected" in text:
        return "connection cut"
    return type(exc).__name__


def _answer(response: requests.Response, content: bytes) -> Any:
    """The decoded JSON answer of a 2xx, or the named error for anything else."""
    status = response.status_code
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
        if 200 <= status < 300:
            raise ServerError(
                "server error: the answer is not JSON (a proxy or login page in the way?)"
            ) from None
    if 200 <= status < 300:
        return body
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if status == 401:
        raise TokenRevoked(
            "token revoked: the server refused this device's token; ask the admin for a new one "
            "and run `verivali-agent init` again (nothing local was lost)"
        )
    if status == 410 and code == "cursor_expired":
        raise CursorExpired("cursor expired: the server no longer knows our pull position")
    if status == 403 and code == "device_lost":
        raise DeviceLost("this laptop was marked lost: only handing in pending visits is allowed")
    if status == 403 and code == "recovery_refused":
        raise RecoveryRefused("recovery refused: the code is wrong, used or expired; ask the "
                              "admin for a new one")
    if status == 403:
        raise ServerError("server error: 403 forbidden (is this token an enumerator's?)")
    if status >= 500 or status in RETRY_STATUS:
        raise ServerError(f"server error: HTTP {status} from the server, try again later")
    detail = f" ({code}: {message})" if code else ""
    raise ServerError(f"server error: HTTP {status}{detail}".replace("\n", " "))
