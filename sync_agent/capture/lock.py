"""The form's lock: the data key held in memory while the form is in use, dropped when idle.

The form opens the encrypted store only with a key this lock holds. It is unlocked
on the form's own page with the PIN (or at start, by a PIN given to the command in
`VERIVALI_AGENT_PIN` or `--pin-file`), and forgets the key after `idle_seconds`
without a request, or when the enumerator presses *Kunci*. Wrong PINs count toward the
store's lock (sync_agent.vault), as on the command line.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sync_agent import unlock, vault

DEFAULT_IDLE_SECONDS = 600


class FormLock:
    def __init__(self, home: Path, idle_seconds: float = DEFAULT_IDLE_SECONDS):
        self.home = home
        self.idle_seconds = idle_seconds
        self._last_use = 0.0
        self._guard = threading.Lock()
        self.idled = False  # locked by time, to say so on the unlock page

    def open(self, pin: str) -> None:
        """Unlock with a PIN typed on the form; WrongPin or VaultLocked otherwise."""
        key = vault.unlock(self.home, pin)
        with self._guard:
            unlock.remember_key(self.home, key)
            self._last_use = time.monotonic()
            self.idled = False

    def key(self) -> bytes | None:
        """The key while in use (each call counts as use), None once locked."""
        with self._guard:
            key = unlock.cached_key(self.home)
            if key is None:
                return None
            if time.monotonic() - self._last_use > self.idle_seconds:
                unlock.forget_key(self.home)
                self.idled = True
                return None
            self._last_use = time.monotonic()
            return key

    def close(self) -> None:
        with self._guard:
            unlock.forget_key(self.home)
