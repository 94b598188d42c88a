"""Checks a command makes before it changes anything, each answering in one plain line.

`init` asks the server about the token before writing it, so a mistyped token is refused
now rather than found weeks later as "token revoked"; `capture` looks at its port first,
so a busy port says what to do instead of ending in a server traceback.
"""

from __future__ import annotations

import socket


def check_token(server_url: str, token: str) -> tuple[bool, str]:
    """(go on, what to tell the user): refused only when the server says it is unknown.

    Offline the laptop is still set up, and the line says the token could not be checked.
    """
    from sync_agent.client import Client

    client = Client(server_url, token, "init-check", retries=0)
    try:
        accepted = client.token_accepted()
    finally:
        client.close()
    if accepted is False:
        return False, ("the server does not know this token: check it with your admin, "
                       "then run `verivali-agent init` again; nothing was changed")
    if accepted is None:
        return True, ("note: could not reach the server to check the token; "
                      "`verivali-agent pull` will check it when there is signal")
    return True, "token checked with the server: accepted"


def port_in_use(port: int) -> str | None:
    """None when the form can listen on `port`; else what to do about it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            other = port + 1 if port < 65535 else 5002
            return (f"port {port} is already in use (is the form already open? see "
                    f"http://127.0.0.1:{port}/); or choose another: --port {other}")
    return None
