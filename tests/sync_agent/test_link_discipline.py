"""Pull and push through a link that cuts and stalls, against the real server."""

from __future__ import annotations

import os
import time

import pytest

from sync_agent import sync, vault
from sync_agent.client import Client
from sync_agent.errors import Offline
from sync_agent.home import read_token
from tests.slowlink import SlowLink
from tests.sync_agent.conftest import HOUSEHOLDS, Field


def _client(field: Field, url: str, **options) -> Client:
    """A client through `url`, its recovery key already escrowed past the link, so the
    link's first connections are the pull's (the escrow goes first in a sync)."""
    token = read_token(field.home, vault.unlock(field.home, os.environ["VERIVALI_AGENT_PIN"]))
    store = field.store()
    try:
        device = store.get("device_id") or "d"
        direct = Client(field.url, token, device)
        try:
            sync.escrow_recovery_key(store, direct, sync.Report())
        finally:
            direct.close()
    finally:
        store.close()
    return Client(url, token, device, backoff=0.01, max_backoff=0.05, **options)


def test_a_cut_pull_page_is_asked_again_smaller(field: Field, live_server) -> None:
    # The first connections break inside the answer of a 25-change page.
    with SlowLink(live_server.port, cuts=[600, 600]) as link:
        client = _client(field, link.url, retries=4)
        store = field.store()
        try:
            lines: list[str] = []
            report = sync.run(store, client, "pull", progress=lines.append)
            assert sorted(h["household_id"] for h in store.assigned_households()) == HOUSEHOLDS
        finally:
            store.close()
            client.close()
        assert link.traffic.cut == 2
    assert report.households == len(HOUSEHOLDS)
    assert report.retries >= 2
    assert any("page cut, asking 6 change(s)" in line for line in lines)
    assert any(line.startswith("pull: 3 household(s)") and "retries" in line for line in lines)
    assert "retries" in report.summary()


def test_a_silent_link_times_out_fast_and_says_so(field: Field, live_server) -> None:
    with SlowLink(live_server.port, stall_ratio=1.0, cut_range=(100, 100)) as link:
        client = _client(field, link.url, retries=1, read_timeout=1.0)
        store = field.store()
        started = time.monotonic()
        try:
            with pytest.raises(Offline, match="timed out"):
                sync.run(store, client, "pull")
        finally:
            store.close()
            client.close()
        assert time.monotonic() - started < 15
        assert link.traffic.stalled >= 1
    store = field.store()
    try:
        last = store.last_sync()
    finally:
        store.close()
    assert last is not None and not last["ok"] and "timed out" in last["reason"]
