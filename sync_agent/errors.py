"""The agent's named failures, each with the CLI exit code a script can test.

Kept free of third-party imports so that `record` (which must answer in milliseconds)
can name them without loading the HTTP stack. Every message is one short line for a
field coordinator; none carries a token, a NIK or a name.
"""

from __future__ import annotations


class SyncError(Exception):
    """Sync could not finish; nothing local was lost."""

    exit_code = 1
    kind = "error"


class Offline(SyncError):
    """The server cannot be reached: no signal, DNS failure, refused, cut, timed out."""

    exit_code = 3
    kind = "offline"


class TokenRevoked(SyncError):
    """401: the token was revoked or rotated (a lost laptop) or never valid."""

    exit_code = 4
    kind = "token revoked"


class DeviceLost(SyncError):
    """403 `device_lost`: an admin marked this laptop's token lost; it hands in and wipes."""

    exit_code = 11
    kind = "device lost"


class RecoveryRefused(SyncError):
    """403 `recovery_refused`: the one-time recovery code is wrong, spent or expired."""

    exit_code = 10
    kind = "recovery refused"


class ServerError(SyncError):
    """The server answered, but not usefully: 5xx, not JSON, a refused request."""

    exit_code = 5
    kind = "server error"


class CursorExpired(SyncError):
    """410 `cursor_expired`: the server does not know our pull position (a restore)."""

    exit_code = 5
    kind = "cursor expired"


class SyncBusy(SyncError):
    """Another process on this laptop holds the sync lock."""

    exit_code = 7
    kind = "busy"


# Exit codes of the CLI (documented in docs/field-guide.md).
EXIT_LOCAL = 6  # the local store or a file cannot be used (not initialised, disk full…)
EXIT_INVALID = 8  # `record`: the survey does not pass the checks
EXIT_BUNDLE = 9  # a bundle or acknowledgement file was refused
EXIT_PIN = 10  # no PIN given, a wrong PIN, or the store locked after 5 wrong PINs
