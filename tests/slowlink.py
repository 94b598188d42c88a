"""A village link on loopback: a TCP proxy that throttles, delays, cuts and stalls.

`SlowLink(target_port, rate=8000, latency=0.3, cut_ratio=0.1)` listens on a free
loopback port and forwards to `target_port`: at most `rate` bytes a second each way,
`latency` seconds before each burst in either direction, and a share of connections
— and, since a kept-alive connection carries many requests, of the requests sent on
one — cut part-way (both sides closed after a random number of bytes) or, with
`stall_ratio`, left open but silent (the link that goes quiet without closing).
`cuts=[n, …]` cuts the first connections after exactly those byte counts (`None`:
this one is not cut), for tests that want a cut at a known place. Counts every byte carried, so a bench can compare
what was carried with what was needed. Used by `bench/photos.py` and the agent tests.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Traffic:
    up: int = 0  # client → server
    down: int = 0  # server → client
    connections: int = 0
    cut: int = 0
    stalled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, up: int, down: int) -> None:
        with self.lock:
            self.up += up
            self.down += down


class SlowLink:
    def __init__(self, target_port: int, *, rate: float | None = None, latency: float = 0.0,
                 cut_ratio: float = 0.0, cut_range: tuple[int, int] = (2_000, 60_000),
                 stall_ratio: float = 0.0, cuts: list[int | None] | None = None,
                 seed: int = 1):
        self.target = ("127.0.0.1", target_port)
        self.rate = rate
        self.latency = latency
        self.cut_ratio = cut_ratio
        self.cut_range = cut_range
        self.stall_ratio = stall_ratio
        self.cuts: list[int | None] = list(cuts or [])
        self.random = random.Random(seed)
        self.traffic = Traffic()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in list(self._open):
            _shut(sock)

    def __enter__(self) -> SlowLink:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _shut(client)
                continue
            self._open += [client, upstream]
            threading.Thread(target=self._carry, args=(client, upstream), daemon=True).start()

    def _fate(self) -> tuple[int | None, bool]:
        """(bytes after which this connection breaks, whether it stalls rather than closes)."""
        with self.traffic.lock:
            self.traffic.connections += 1
            if self.cuts:
                return self.cuts.pop(0), False
            roll = self.random.random()
            at = self.random.randint(*self.cut_range)
        if roll < self.cut_ratio:
            return at, False
        if roll < self.cut_ratio + self.stall_ratio:
            return at, True
        return None, False

    def _later_fate(self, carried: int) -> tuple[int | None, bool]:
        """A later request on a kept-alive connection: cut or stalled as often as a new one."""
        with self.traffic.lock:
            roll = self.random.random()
            at = carried + self.random.randint(*self.cut_range)
        if roll < self.cut_ratio:
            return at, False
        if roll < self.cut_ratio + self.stall_ratio:
            return at, True
        return None, False

    def _carry(self, client: socket.socket, upstream: socket.socket) -> None:
        first_limit, first_stall = self._fate()
        limit_box: list[int | None] = [first_limit]
        stall_box = [first_stall]
        state = {"carried": 0, "broken": False, "handled": False}
        lock = threading.Lock()

        def pump(source: socket.socket, sink: socket.socket, upward: bool) -> None:
            last = 0.0
            while True:
                try:
                    piece = source.recv(1024)
                except OSError:
                    piece = b""
                if not piece or state["broken"]:
                    break
                now = time.monotonic()
                burst = now - last > max(self.latency, 0.05)
                if (burst and upward and state["carried"] and limit_box[0] is None
                        and not self.cuts):
                    limit_box[0], stall_box[0] = self._later_fate(state["carried"])
                if self.latency and burst:
                    time.sleep(self.latency)  # the first bytes of a burst wait the latency
                if self.rate:
                    time.sleep(len(piece) / self.rate)
                last = time.monotonic()
                with lock:
                    limit = limit_box[0]
                    if limit is not None and state["carried"] + len(piece) > limit:
                        piece = piece[: max(0, limit - state["carried"])]
                        state["broken"] = True
                    state["carried"] += len(piece)
                try:
                    sink.sendall(piece)
                except OSError:
                    break
                self.traffic.add(len(piece) if upward else 0, 0 if upward else len(piece))
                if state["broken"]:
                    break
            if state["broken"]:
                with lock:
                    mine = not state["handled"]
                    state["handled"] = True
                if mine:
                    self._break(client, upstream, stall_box[0])
            else:
                try:
                    sink.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        threads = [threading.Thread(target=pump, args=(client, upstream, True), daemon=True),
                   threading.Thread(target=pump, args=(upstream, client, False), daemon=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _shut(client)
        _shut(upstream)

    def _break(self, client: socket.socket, upstream: socket.socket, stall: bool) -> None:
        with self.traffic.lock:
            if stall:
                self.traffic.stalled += 1
            else:
                self.traffic.cut += 1
        _shut(upstream)
        if not stall:
            _shut(client)
            return
        # Silent, not closed: hold the client's socket until it gives up (or we stop).
        while not self._closed:
            try:
                client.settimeout(1.0)
                if not client.recv(4096):
                    return
            except TimeoutError:
                continue
            except OSError:
                return


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
