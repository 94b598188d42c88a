"""A tiny HTTP server on a loopback port whose answers a test scripts, byte for byte.

For the agent's own network logic (retries, cut replies, odd answers) a real socket
is more honest than a mocked `requests`: the client meets real connection resets.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Action = tuple[Any, ...]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        data = self.body
        if self.headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return json.loads(data)


@dataclass
class ScriptedServer:
    """`script` is consumed one action per request; then `default(seen)` answers."""

    script: list[Action] = field(default_factory=list)
    default: Callable[[Seen], Action] | None = None
    seen: list[Seen] = field(default_factory=list)
    delay: float = 0.0

    def __post_init__(self) -> None:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._handle(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.lock = threading.Lock()
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next_action(self, seen: Seen) -> Action:
        with self.lock:
            self.seen.append(seen)
            if self.script:
                return self.script.pop(0)
        if self.default is not None:
            return self.default(seen)
        return ("json", 500, {"error": {"code": "internal_error", "message": "unscripted"}})

    def _handle(self, sock: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        action = self._next_action(Seen(method, path, headers, body))
        if self.delay:
            time.sleep(self.delay)
        kind = action[0]
        if kind == "close":
            sock.close()
            return
        if kind == "cut":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"results\": [")
            sock.close()
            return
        if kind == "raw":
            status, content_type, payload = action[1], action[2], action[3]
            extra: dict[str, str] = action[4] if len(action) > 4 else {}
        else:
            status, value = action[1], action[2]
            extra = action[3] if len(action) > 3 else {}
            content_type, payload = "application/json", json.dumps(value).encode()
        head_lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}",
                      f"Content-Length: {len(payload)}", "Connection: close"]
        head_lines += [f"{k}: {v}" for k, v in extra.items()]
        sock.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode() + payload)
        sock.close()
