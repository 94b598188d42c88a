"""The agent's home folder: which files live there, and the settings `init` wrote.

    agent.db     the local store (sync_agent.store), encrypted (SQLCipher)
    keys.json    the data key, wrapped by the PIN and by the recovery key (sync_agent.vault)
    token        the API token, sealed with the data key (sync_agent.sealed), readable
                 by its owner only (never in the database, never in a log)
    sync.lock    held by whoever is syncing, across processes (sync_agent.scheduler)
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync_agent import sealed, vault
from sync_agent.store import Store, StoreError, open_store, store_path

if TYPE_CHECKING:
    from sync_agent.client import Client

TOKEN_FILE = "token"
LOCK_FILE = "sync.lock"


class NotInitialised(StoreError):
    """`init` was never run in this home."""


def token_path(home: Path) -> Path:
    return home / TOKEN_FILE


def lock_path(home: Path) -> Path:
    return home / LOCK_FILE


def initialise(home: Path, server_url: str, token: str, name: str | None = None) -> Store:
    """Create (or re-point) the agent in `home`; the device id and the outbox are kept.

    A new server address or token forgets the pull position, so the next pull starts
    from scratch; surveys waiting in the outbox stay.
    """
    store = open_store(home)
    try:
        previous_token = read_token(home, store.key)
    except NotInitialised:
        previous_token = None
    sealed.write_sealed(token_path(home), store.key, token.strip().encode("utf-8"))
    with store.write():
        if store.get("device_id") is None:
            store.put("device_id", str(uuid.uuid4()))
        if store.get("server_url") != server_url.rstrip("/") or previous_token != token.strip():
            # Another server or another token (perhaps another user): pull everything
            # afresh, which also forgets households no longer assigned.
            store.put("pull_cursor", None)
            store.put("full_pull_active", None)
        store.put("server_url", server_url.rstrip("/"))
        if name is not None:
            store.put("user_name", name)
    vault.remember(home, server_url=server_url.rstrip("/"), device_id=store.get("device_id"))
    return store


def require_initialised(home: Path) -> None:
    """NotInitialised, with what to do, unless `init` made this home (no PIN needed)."""
    from sync_agent.unlock import is_plain

    if not store_path(home).exists() or not (vault.exists(home) or is_plain(store_path(home))):
        raise NotInitialised(
            f"not initialised: no agent data in {home}; run "
            "`verivali-agent init --server URL --token TOKEN` first"
        )


def open_initialised(home: Path, key: bytes | None = None) -> Store:
    """The store of an initialised home, or NotInitialised with what to do."""
    if not store_path(home).exists():
        require_initialised(home)
    store = open_store(home, key)
    if store.get("device_id") is None or store.get("server_url") is None:
        store.close()
        raise NotInitialised(f"not initialised: run `verivali-agent init` in {home} first")
    return store


def read_token(home: Path, key: bytes) -> str:
    """The API token, unsealed with the store's data key."""
    path = token_path(home)
    try:
        token = sealed.read_sealed(path, key).decode("utf-8").strip()
    except sealed.SealError as exc:
        raise StoreError(f"the token file {path} does not open with this store's key") from exc
    except FileNotFoundError as exc:
        raise NotInitialised(
            "not initialised: the token file is missing; run `verivali-agent init` again"
        ) from exc
    if not token:
        raise NotInitialised("not initialised: the token file is empty; run `verivali-agent init`")
    return token


def make_client(home: Path, store: Store, **options: Any) -> Client:
    from sync_agent.client import Client

    return Client(
        store.get("server_url") or "", read_token(home, store.key), store.get("device_id") or "", **options
    )
